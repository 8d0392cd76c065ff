#!/bin/sh
# allocators/profile/measure-insns.sh BUILDDIR [ALLOCATORS]: the part of the
# shim's cost on larson that does not depend on the machine's speed, run by
# hand, never by make check (about two minutes).  For "What it costs on
# larson" in allocators/profile/README.md.
#
# larson (1 thread, default parameters) runs under cachegrind (simulated
# caches of its default geometry) without and with the shim in front of
# each allocator, for 1 s and for 3 s of its clock.  Per operation (a
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

# lib NAME: the allocator's library, as 'ngbench list allocators' names it
lib() {
	case $1 in
	ptmalloc2) echo "" ;;
	jemalloc) echo /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ;;
	mimalloc) echo /usr/lib/x86_64-linux-gnu/libmimalloc.so.2 ;;
	tcmalloc) echo /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4 ;;
	hoard) echo "$b/allocators/.libs/libhoard.so" ;;
	*) echo "measure-insns.sh: unknown allocator $1" >&2; exit 2 ;;
	esac
}

# one NAME PRELOAD SECONDS: prints "ops Ir Dref D1miss LLdmiss"
one() {
	out=$w/$1.$3
	LD_PRELOAD=$2 NGBENCH_PROFILE_OUT=$w/profile.txt valgrind --tool=cachegrind --cache-sim=yes \
		--cachegrind-out-file="$out.cg" "$b/workloads/larson" --threads=1 --seconds="$3" \
		>"$out.res" 2>"$out.err"
	ops=$(sed -n 's/.* ops=\([0-9]*\) .*/\1/p' "$out.res")
	# the totals line of the cachegrind file: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
	awk -v ops="$ops" '/^summary:/ { print ops, $2, $5 + $8, $6 + $9, $7 + $10 }' "$out.cg"
}

echo "| allocator | shim | Ir per op | data refs per op | D1 misses per op | LL data misses per op |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for a in $(echo "$allocs" | tr ',' ' '); do
	l=$(lib "$a")
	for s in no yes; do
		p=$l
		[ $s = yes ] && p=$shim${l:+:$l}
		r1=$(one "$a-$s" "$p" 1)
		r3=$(one "$a-$s" "$p" 3)
		echo "$r1 $r3" | awk -v a="$a" -v s="$s" '{
			d = $6 - $1
			printf "| %s | %s | %.1f | %.1f | %.3f | %.4f |\n", a, s,
				($7 - $2) / d, ($8 - $3) / d, ($9 - $4) / d, ($10 - $5) / d }'
	done
done
