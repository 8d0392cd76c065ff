#!/bin/sh
# allocators/profile/measure-insns.sh BUILDDIR [ALLOCATORS]: the part of the
# shim's cost on larson that does not depend on the machine's speed, run by
# hand, never by make check (about a minute per allocator).  For "What it costs on
# larson" in allocators/profile/README.md.
#
# larson (1 thread, default parameters) runs under cachegrind (simulated
# caches of its default geometry) in front of each allocator: without
# anything, with a library that only forwards the calls, with one that
# also puts the shim's header on each block (both built here from
# cost-variants.c) and with the shim, for 1 s and for 3 s of its clock.  Per operation (a
# malloc or a free) it prints instructions (Ir), data references (Dr + Dw),
# L1 data misses (D1mr + D1mw) and last-level data misses (DLmr + DLmw),
# as the difference of the two runs over the difference of their
# operations: start-up, the warm-up that fills the arrays and the shim's
# file at exit cancel out.  Cachegrind counts are deterministic for a given
# work; the number of operations in a run is not (larson runs for a time),
# so the ratios are, to within the rounding of a few operations.
set -eu
b=$1 allocs=${2:-ptmalloc2,jemalloc,mimalloc}
command -v valgrind >/dev/null || { echo "measure-insns.sh: valgrind is not installed" >&2; exit 1; }
shim=$b/allocators/.libs/libngbench-profile.so
[ -f "$shim" ] || { echo "measure-insns.sh: no $shim (build first)" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/ngb-insns.XXXXXX")
trap 'rm -rf "$w"' EXIT
src=$(dirname "$0")/cost-variants.c
${CC:-cc} -O2 -fPIC -shared -fno-builtin -o "$w/forward.so" "$src" -ldl
${CC:-cc} -O2 -fPIC -shared -fno-builtin -DHEADER -o "$w/header.so" "$src" -ldl

# lib NAME: the allocator's library, as 'ngbench list allocators' names it
lib() {
	case $1 in
	ptmalloc2) echo "" ;;
	jemalloc) echo /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ;;
	mimalloc) echo /usr/lib/x86_64-linux-gnu/libmimalloc.so.2 ;;
	tcmalloc) echo /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ;;
	hoard) echo "$b/allocators/.libs/libhoard.so" ;;
	*) echo "measure-insns.sh: unknown allocator $1" >&2; exit 2 ;;
	esac
}

# one NAME PRELOAD SECONDS: prints "ops Ir Dref D1miss"
one() {
	out=$w/$1.$3
	LD_PRELOAD=$2 NGBENCH_PROFILE_OUT=$w/profile.txt valgrind --tool=cachegrind --cache-sim=yes \
		--cachegrind-out-file="$out.cg" "$b/workloads/larson" --threads=1 --seconds="$3" \
		>"$out.res" 2>"$out.err"
	ops=$(sed -n 's/.* ops=\([0-9]*\) .*/\1/p' "$out.res")
	# the totals line of the cachegrind file: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
	awk -v ops="$ops" '/^summary:/ { print ops, $2, $5 + $8, $6 + $9 }' "$out.cg"
}

echo "| allocator | in front | Ir per op | data refs per op | D1 misses per op |"
echo "| --- | --- | ---: | ---: | ---: |"
for a in $(echo "$allocs" | tr ',' ' '); do
	l=$(lib "$a")
	for s in nothing forward header shim; do
		case $s in
		nothing) p=$l ;;
		forward | header) p=$w/$s.so${l:+:$l} ;;
		shim) p=$shim${l:+:$l} ;;
		esac
		r1=$(one "$a-$s" "$p" 1)
		r3=$(one "$a-$s" "$p" 3)
		echo "$r1 $r3" | awk -v a="$a" -v s="$s" '{
			d = $5 - $1
			printf "| %s | %s | %.1f | %.1f | %.3f |\n", a, s,
				($6 - $2) / d, ($7 - $3) / d, ($8 - $4) / d }'
	done
done
