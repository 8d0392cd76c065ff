#!/bin/sh
# bench/peers.sh - do ngbench's workloads agree with the field's reference
# programs?  Builds the reference programs from a mimalloc-bench checkout
# that the user supplies (and Hoard's threadtest from a Hoard checkout, if
# given), runs them and ngbench's workload programs side by side under
# every available allocator, interleaved (every round runs every program,
# thread count and allocator once: the (program, threads) blocks in a
# shuffled order, and within a block every allocator under both programs,
# shuffled), and prints per cell each allocator's speed relative to glibc
# from the reference and from ngbench, and their quotient.  Not part of CI: no package provides
# mimalloc-bench.
#
# Usage: bench/peers.sh [OPTIONS] MIMALLOC_BENCH_DIR
#   -b DIR        build the reference programs here (default: a temporary
#                 folder, removed at the end); never inside this repository
#   -H DIR        a Hoard checkout: adds threadtest (benchmarks/threadtest)
#   -w DIR        ngbench's workload programs (default: workloads/ of the
#                 build tree this script sits in)
#   -p LIST       programs, comma-separated (default: all available of
#                 larson,xmalloc,cache-thrash,cache-scratch,threadtest)
#   -t LIST       thread counts (default: 1,2)
#   -a LIST       allocators as NAME=LIBRARY, comma-separated (default:
#                 glibc and those of jemalloc, tcmalloc, mimalloc and this
#                 project's hoard that exist; glibc is always the base)
#   -r N          rounds (default 5)
#   -d SECONDS    run time of larson and xmalloc, whole seconds (bench.sh: 5;
#                 default 5)
#   -o FILE       also write every measurement as TSV (round, program,
#                 threads, allocator, side, value)
#   -i FILE       add the measurements of an earlier run (its -o FILE) to
#                 the table; repeatable; with -r 0 only prints their table
#   -c LEVEL      ngbench's programs' --check (default none, the reference
#                 preset's: exactly what the reference writes into each
#                 block, larson two bytes, xmalloc 128, threadtest Foo's 8,
#                 cache-thrash and cache-scratch their loop's); light is
#                 ngbench's default self-check, full every byte
#   -O            build cache-thrash and cache-scratch with -O3, as
#                 mimalloc-bench does (default: -O0, see below)
#   -P            also run larson built with its threads' descriptors
#                 padded to 128 bytes, in the same rounds, as a second
#                 reference row (see below)
#
# Speed relative to glibc: throughput / glibc's throughput, or glibc's
# time / time, of the same program in the same round (so within one block,
# seconds apart: the machine's slow drifts cancel), the median over the
# rounds; above 1 is faster than glibc.  The quotient is ngbench's ratio
# over the reference's: 1 means the two programs give the same verdict.
# "reference range" is the lowest and highest of the reference's per-round
# ratios: how much the reference itself moves.  ngbench's programs run with
# their reference preset (--preset=reference, the registry's, which
# 'ngbench run --preset=reference' also runs), the threads given by -t and
# larson's and xmalloc's run time by -d.  The command lines (bench.sh's, the
# threads given by -t) and what the preset sets:
#   larson T 8 1000 5000 100 4141 T  (bench.sh: larson 5 ...)   = larson --seconds=D --min-size=8
#       --max-size=1000 --blocks=5000 --rounds=100 --seed=4141 --threads=T --check=none
#   xmalloc-test -w T -t D -s 64                                 = xmalloc --threads=T
#       --min-size=64 --max-size=64 --batch=4096 --seconds=D --check=none
#   cache-thrash T 1000 1 2000000 T                              = active-false --threads=T
#       --iterations=1000 --size=1 --writes=2000000 --start=created --check=none
#   cache-scratch T 1000 1 2000000 T                             = passive-false (same)
#   threadtest T 200 100000 0 1                                  = threadtest --threads=T
#       --iterations=200 --objects=100000 --size=8 --loop=original --check=none
#
# cache-thrash and cache-scratch are built with -O0 by default: at -O3,
# GCC (10 and later) removes the worker's new[]/delete[] pair and its
# writes into the object (they are never read back except through the
# volatile copy), so the compiled program never allocates or touches heap
# memory in its timed loop and cannot show false sharing; at -O0 it does
# what its source says.  The other references are built with -O3.
#
# larson.cpp keeps its threads' descriptors (thread_data, about 880 bytes,
# unpadded) side by side in one array, and every thread writes its own
# counters and random generator there at every operation: two threads'
# descriptors can share a cache line, depending on where the array falls
# on the stack in that run.  That is false sharing of the program's own,
# not the allocator's, and it moves the reference's two-thread throughput
# from run to run.  With -P the script also builds the same source with
# thread_data aligned to 128 bytes (larson-padded, a copy in the build
# folder) and prints its row beside the original's; ngbench's larson keeps
# each thread's state apart and is compared with both.
#
# "per-round quotient" is the middle half (quartiles) of the quotients
# taken round by round: how far one round's verdict moves.
set -u

die() { echo "peers.sh: $*" >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
build= hoard_src= wl="$here/workloads" programs= threads=1,2 allocs= rounds=5 secs=5 tsv= fsopt=-O0 inputs= check= padded=0
while getopts b:H:w:p:t:a:r:d:o:i:c:OPh opt; do
	case $opt in
	b) build=$OPTARG ;;
	H) hoard_src=$OPTARG ;;
	w) wl=$OPTARG ;;
	p) programs=$OPTARG ;;
	t) threads=$OPTARG ;;
	a) allocs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	d) secs=$OPTARG ;;
	o) tsv=$OPTARG ;;
	O) fsopt=-O3 ;;
	P) padded=1 ;;
	c) case $OPTARG in light|full|none) check=$OPTARG ;;
	   *) die "-c '$OPTARG': the check level is light, full or none" ;; esac ;;
	i) [ -r "$OPTARG" ] || die "-i '$OPTARG': no such file (give the TSV an earlier run wrote with -o)"
	   inputs="$inputs $OPTARG" ;;
	h) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option (see -h)" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || die "give the mimalloc-bench checkout: bench/peers.sh [OPTIONS] DIR (see -h)"
mb=$1
[ -f "$mb/bench/larson/larson.cpp" ] ||
	die "'$mb' is not a mimalloc-bench checkout (no bench/larson/larson.cpp); clone https://github.com/daanx/mimalloc-bench"
case $rounds in ''|*[!0-9]*) die "-r '$rounds' is not a number of rounds" ;; esac
case $secs in ''|0|*[!0-9]*) die "-d '$secs' is not a whole number of seconds (larson takes whole seconds)" ;; esac
[ -x "$wl/larson" ] || die "no ngbench workload programs in '$wl' (build ngbench first, or give -w)"

if [ -z "$build" ]; then
	build=$(mktemp -d "${TMPDIR:-/tmp}/ngb-peers.XXXXXX") || exit 1
	trap 'rm -rf "$build"' EXIT
fi
made=0; [ -d "$build" ] || made=1
case $(mkdir -p "$build" && cd "$build" && pwd)/ in
/) exit 1 ;;
"$here"/*) [ $made = 0 ] || rmdir "$build"
	die "build folder '$build' is inside this repository: the reference programs stay outside it" ;;
esac

# --- build the reference programs (mimalloc-bench's flags: -O3, warnings off)
cc=${CC:-cc} cxx=${CXX:-c++}
build_one() { # NAME COMPILER SOURCE FLAGS... (an -O flag among them wins)
	name=$1 comp=$2 src=$3; shift 3
	[ -x "$build/$name" ] && return 0
	$comp -O3 -w -DNDEBUG "$@" "$src" -o "$build/$name" -lpthread 2>"$build/$name.log" ||
		{ echo "peers.sh: cannot build $name (see $build/$name.log)" >&2; return 1; }
}
build_one larson "$cxx" "$mb/bench/larson/larson.cpp" -DCPP=1 || exit 1
if [ $padded = 1 ] && [ ! -x "$build/larson-padded" ]; then
	sed 's/^} thread_data;$/} __attribute__((aligned(128))) thread_data;/' \
		"$mb/bench/larson/larson.cpp" >"$build/larson-padded.cpp" || exit 1
	grep -q 'aligned(128))) thread_data;' "$build/larson-padded.cpp" ||
		die "-P: larson.cpp in '$mb' has no line '} thread_data;' to pad (a mimalloc-bench version this script does not know); run without -P"
	build_one larson-padded "$cxx" "$build/larson-padded.cpp" -DCPP=1 || exit 1
fi
build_one xmalloc-test "$cc" "$mb/bench/xmalloc-test/xmalloc-test.c" || exit 1
build_one cache-thrash$fsopt "$cxx" "$mb/bench/cache-thrash/cache-thrash.cpp" $fsopt || exit 1
build_one cache-scratch$fsopt "$cxx" "$mb/bench/cache-scratch/cache-scratch.cpp" $fsopt || exit 1
have_threadtest=0
if [ -n "$hoard_src" ]; then
	tt="$hoard_src/benchmarks/threadtest/threadtest.cpp"
	[ -f "$tt" ] || die "'$hoard_src' is not a Hoard checkout (no benchmarks/threadtest/threadtest.cpp)"
	build_one threadtest "$cxx" "$tt" -std=c++17 -I"$hoard_src/src/Heap-Layers" && have_threadtest=1
fi
[ -n "$programs" ] || programs=larson,xmalloc,cache-thrash,cache-scratch$([ $have_threadtest = 1 ] && echo ,threadtest)

# --- allocators
if [ -z "$allocs" ]; then
	allocs=glibc=
	for a in jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \
		 tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 \
		 mimalloc=/usr/lib/x86_64-linux-gnu/libmimalloc.so.2 \
		 hoard="$here/allocators/.libs/libhoard.so"; do
		[ -e "${a#*=}" ] && allocs="$allocs,$a"
	done
else
	case ",$allocs," in *,glibc=*) ;; *) allocs="glibc=,$allocs" ;; esac
fi

# --- one measurement: prints the value (higher is better for throughput,
# seconds otherwise) or nothing when the run failed
now() { date +%s.%N; }
larson_run() { # BINARY THREADS LIB: bench.sh's command line, its throughput
	LD_PRELOAD=$3 "$1" "$secs" 8 1000 5000 100 4141 "$2" 2>/dev/null |
		sed -n 's/^Throughput = *\([0-9.]*\) operations per second.*/\1/p'
}
ref_run() { # PROGRAM THREADS LIB
	p=$1 t=$2 lib=$3
	case $p in
	larson) larson_run "$build/larson" "$t" "$lib" ;;
	xmalloc) LD_PRELOAD=$lib "$build/xmalloc-test" -w "$t" -t "$secs" -s 64 2>/dev/null |
		sed -n 's/.*free\/sec: *\([0-9.]*\) M.*/\1/p' ;;
	cache-thrash|cache-scratch)
		t0=$(now)
		LD_PRELOAD=$lib "$build/$p$fsopt" "$t" 1000 1 2000000 "$t" >/dev/null 2>&1 &&
			echo "$t0 $(now)" | awk '{ printf "%.6f\n", $2 - $1 }' ;;
	threadtest) LD_PRELOAD=$lib "$build/threadtest" "$t" 200 100000 0 1 2>/dev/null |
		sed -n 's/^Time elapsed = *\([0-9.e+-]*\).*/\1/p' ;;
	esac
}
pad_run() { # larson THREADS LIB: larson with its descriptors padded (-P)
	larson_run "$build/larson-padded" "$2" "$3"
}
ngb_run() { # PROGRAM THREADS LIB
	p=$1 t=$2 lib=$3
	case $p in
	larson) set -- larson --seconds="$secs" ;;
	xmalloc) set -- xmalloc --seconds="$secs" ;;
	cache-thrash) set -- active-false ;;
	cache-scratch) set -- passive-false ;;
	threadtest) set -- threadtest ;;
	esac
	prog=$1; shift
	[ -z "$check" ] || set -- "$@" --check="$check"
	LD_PRELOAD=$lib "$wl/$prog" --preset=reference --threads="$t" "$@" 2>/dev/null |
		sed -n 's/^ngbench-result: .* value=\([^ ]*\) .*/\1/p'
}
higher_better() { case $1 in larson|xmalloc) return 0 ;; esac; return 1; }

raw=$(mktemp "${TMPDIR:-/tmp}/ngb-peers-raw.XXXXXX") || exit 1
trap 'rm -f "$raw"; case "$build" in "${TMPDIR:-/tmp}"/ngb-peers.*) rm -rf "$build" ;; esac' EXIT

echo "# peers.sh: $(date -u +%Y-%m-%dT%H:%M:%SZ), rounds $rounds, programs $programs, threads $threads, run time $secs s, check ${check:-none (the reference preset)}, cache-thrash/cache-scratch built $fsopt" >&2
echo "# allocators: $(echo "$allocs" | tr , ' ')" >&2
r=1
while [ $r -le "$rounds" ]; do
	# Every (program, threads, allocator, side) once: the (program,
	# threads) blocks shuffled, and the runs inside each block shuffled.
	for p in $(echo "$programs" | tr , ' '); do
		for t in $(echo "$threads" | tr , ' '); do echo "$p $t"; done
	done | shuf | while read -r p t; do
		for a in $(echo "$allocs" | tr , ' '); do
			for side in ref ngb $([ $padded = 1 ] && [ "$p" = larson ] && echo pad); do
				echo "$p $t $a $side"
			done
		done | shuf
	done >"$raw.order"
	while read -r p t a side; do
		name=${a%%=*} lib=${a#*=}
		v=$(${side}_run "$p" "$t" "$lib" </dev/null | tail -1)
		[ -n "$v" ] || { echo "# round $r: $p t=$t $name $side failed" >&2; continue; }
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$p" "$t" "$name" "$side" "$v" >>"$raw"
	done <"$raw.order"
	echo "# round $r of $rounds done at $(date -u +%H:%M:%S)" >&2
	r=$((r + 1))
done
rm -f "$raw.order"
[ -n "$tsv" ] && cp "$raw" "$tsv"
for f in $inputs; do
	awk -F'\t' 'NF != 6 || $1 !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' "$f" ||
		die "-i '$f' is not a TSV of peers.sh -o (round, program, threads, allocator, side, value)"
done

# --- the table: per round, each allocator's ratio to glibc on the same
# program; per cell, the median over the rounds (a round is a file's round
# number: the rounds of different files are different rounds)
awk -F'\t' -v progs="$programs" -v thr="$threads" -v als="$allocs" '
function sort(list, a,    n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n
}
function median(list,    n, a) {
	n = sort(list, a)
	if (n == 0) return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# The p-th quantile, linear between order statistics.
function quantile(list, p,    n, a, h, i) {
	n = sort(list, a)
	h = 1 + (n - 1) * p; i = int(h)
	return i >= n ? a[n] : a[i] + (h - i) * (a[i + 1] - a[i])
}
FNR == 1 { file++ }
{ r = file ":" $1; v[r SUBSEP $2 SUBSEP $3 SUBSEP $4 SUBSEP $5] = $6; if (!(r in seen)) { seen[r] = 1; rounds[++nr] = r }
  if ($5 == "pad") haspad[$2] = 1 }
END {
	np = split(progs, P, ","); nt = split(thr, T, ","); na = split(als, A, ",")
	printf "| program | threads | allocator | reference / glibc | reference range | ngbench / glibc | quotient | per-round quotient | rounds | within [0.9, 1.1] |\n"
	printf "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
	for (i = 1; i <= np; i++) for (pv = 1; pv <= 1 + (P[i] in haspad); pv++) for (j = 1; j <= nt; j++) {
		p = P[i]; t = T[j]
		refside = pv == 1 ? "ref" : "pad"
		label = pv == 1 ? p : p ", descriptors padded"
		hb = (p == "larson" || p == "xmalloc")
		for (k = 1; k <= na; k++) {
			split(A[k], nm, "="); name = nm[1]
			if (name == "glibc") continue
			list["ref"] = list["ngb"] = qlist = ""; lo = hi = ""; n = 0
			for (q = 1; q <= nr; q++) {
				for (s = 1; s <= 2; s++) {
					side = s == 1 ? refside : "ngb"
					kb = rounds[q] SUBSEP p SUBSEP t SUBSEP "glibc" SUBSEP side
					ka = rounds[q] SUBSEP p SUBSEP t SUBSEP name SUBSEP side
					rt[s] = (!(kb in v) || !(ka in v) || v[kb] + 0 == 0 || v[ka] + 0 == 0) ? "" : (hb ? v[ka] / v[kb] : v[kb] / v[ka])
				}
				if (rt[1] == "" || rt[2] == "") continue
				list["ref"] = list["ref"] " " rt[1]; list["ngb"] = list["ngb"] " " rt[2]; n++
				qlist = qlist " " rt[2] / rt[1]
				if (lo == "" || rt[1] < lo) lo = rt[1]
				if (hi == "" || rt[1] > hi) hi = rt[1]
			}
			if (n == 0) {
				printf "| %s | %s | %s | - | - | - | - | - | 0 | no data |\n", label, t, name
				continue
			}
			mr = median(list["ref"]); mn = median(list["ngb"]); qq = mn / mr
			printf "| %s | %s | %s | %.2f | %.2f-%.2f | %.2f | %.3f | %.2f-%.2f | %d | %s |\n", label, t, name, mr, lo, hi, mn, qq,
				quantile(qlist, 0.25), quantile(qlist, 0.75), n, (qq >= 0.9 && qq <= 1.1) ? "yes" : "no"
		}
	}
}' "$raw" $inputs
