#!/bin/sh
# tests/profile/shim.sh - the profiling shim counts every call, also under
# threads: a program of known calls (callers.c) runs with the shim stacked
# on the counting shim of tests/workloads (LD_PRELOAD=profile:countalloc),
# which counts, in the same run and independently, every call the profiler
# forwards.  Also: peak live bytes exact for one thread, cross-thread frees,
# the file written while threads still run, a forked child that does not
# overwrite its parent's file.
. "$top_srcdir/tests/cli/lib.sh"

SHIM=$top_builddir/allocators/.libs/libngbench-profile.so
COUNT=$top_builddir/tests/workloads/.libs/countalloc.so
CALLERS=$top_builddir/tests/profile/callers
OUT=$SCRATCH/profile
[ -e "$SHIM" ] || skip_all "the profiling shim is not built"
[ -e "$COUNT" ] || skip_all "tests/workloads/countalloc.la is not built"

# val FILE KEY: the value of KEY= in a profile or countalloc line
val() { sed -n "s/^$2=//p" "$1"; }
cval() { tr ' ' '\n' < "$1" | sed -n "s/^$2=//p"; }

plan 46

T=8 M=3000 K=500
NGBENCH_PROFILE_OUT=$OUT NGB_COUNTALLOC_OUT=$SCRATCH/count LD_PRELOAD="$SHIM:$COUNT" \
	"$CALLERS" threads $T $M $K
ok $? "the program of known calls runs under the shim, $T threads"
is "$(tail -n 1 "$OUT")" end "the profile is complete"
diag "$(cat "$SCRATCH/count")"
# functions the C library never calls itself: exactly the program's calls
for f in reallocarray memalign posix_memalign aligned_alloc valloc pvalloc malloc_usable_size; do
	is "$(val "$OUT" calls.$f)" $((T * M)) "calls.$f: $T x $M, none lost"
done
# the others, against the independent count of the same run
is "$(val "$OUT" calls.malloc)" "$(cval "$SCRATCH/count" malloc)" "calls.malloc equals the counting shim's"
is "$(val "$OUT" calls.calloc)" "$(cval "$SCRATCH/count" calloc)" "calls.calloc equals the counting shim's"
is "$(( $(val "$OUT" calls.free) - $(val "$OUT" free_null) ))" "$(cval "$SCRATCH/count" free)" \
	"non-NULL frees equal the counting shim's"
m=$(val "$OUT" calls.malloc)
ok $(( m < T * (2 * M + K) )) "calls.malloc counts at least the program's $((T * (2 * M + K))) ($m)"
f=$(val "$OUT" calls.free)
ok $(( f < T * (9 * M + K) )) "calls.free counts at least the program's $((T * (9 * M + K))) ($f)"
r=$(val "$OUT" remote_frees)
ok $(( r < T * K || r > T * K + 4 * T )) "remote_frees: the $((T * K)) handed-over blocks ($r)"
is "$(val "$OUT" unknown_frees)" 0 "every freed block was known"
s=$(val "$OUT" malloc_ticks.samples)
ok $(( s < m / 256 - T || s > m / 256 + T )) "one malloc in 256 is timed ($s of $m)"
ok $(( $(grep -c '^hist malloc_ticks ' "$OUT") < 3 )) "the malloc latency histogram has bins"

# peak live bytes: exact for one thread, so two runs differ by what the program adds
NGBENCH_PROFILE_OUT=$SCRATCH/p1 LD_PRELOAD=$SHIM "$CALLERS" peak 1000
NGBENCH_PROFILE_OUT=$SCRATCH/p2 LD_PRELOAD=$SHIM "$CALLERS" peak 3000
is "$(( $(val "$SCRATCH/p2" peak_live_bytes) - $(val "$SCRATCH/p1" peak_live_bytes) ))" 2016000 \
	"peak_live_bytes grows by exactly 2000 x 1000 bytes and 2000 pointers"
is "$(( $(val "$SCRATCH/p2" peak_live_objects) - $(val "$SCRATCH/p1" peak_live_objects) ))" 2000 \
	"peak_live_objects grows by exactly 2000"
ok $(( $(val "$SCRATCH/p1" peak_live_bytes) < 1000000 )) "peak_live_bytes includes the 1000 blocks"
is "$(sed -n 's/^hist size 512 1024 //p' "$SCRATCH/p2")" 3000 "the size histogram has the 3000 requests of 1000 bytes in [512, 1024)"

# requested sizes land in their power-of-two bins, at both edges of each, on
# the fast path and the sampled one (sizes of 2^63 bytes and more, which
# fail, in the last bin)
NGBENCH_PROFILE_OUT=$SCRATCH/s1 LD_PRELOAD=$SHIM "$CALLERS" sizes 1000
ok $? "1000 requests of each size at the bins' edges"
NGBENCH_PROFILE_OUT=$SCRATCH/s2 LD_PRELOAD=$SHIM "$CALLERS" sizes 3000
bin() { sed -n "s/^hist size $2 $3 //p" "$1"; }
for b in "0 1 1" "1 2 1" "2 4 2" "4 8 2" "8 16 2" "16 32 1" "512 1024 1" "1024 2048 1" \
	"32768 65536 1" "65536 131072 1"; do
	set -- $b
	is "$(( $(bin "$SCRATCH/s2" "$1" "$2") - $(bin "$SCRATCH/s1" "$1" "$2") ))" $((2000 * $3)) \
		"size bin [$1, $2): 2000 more x $3 sizes"
done
is "$(bin "$SCRATCH/s2" 9223372036854775808 18446744073709551615)" 2 \
	"the two requests of 2^63 bytes and more in the last bin"
is "$(val "$SCRATCH/s2" failed)" 2 "and counted as failed"

# exit() while threads still allocate (no 'timeout' in front: it would be
# the profiled process, and its child would not be)
rm -f "$OUT"
NGBENCH_PROFILE_OUT=$OUT LD_PRELOAD=$SHIM "$CALLERS" running
ok $? "a program that exits with threads running ends normally"
is "$(tail -n 1 "$OUT" 2>/dev/null)" end "its profile is complete"
ok $(( $(val "$OUT" calls.malloc) < 1000 )) "and counts the running threads' calls"

# a forked child's exit does not overwrite the parent's profile
rm -f "$OUT"
NGBENCH_PROFILE_OUT=$OUT LD_PRELOAD=$SHIM "$CALLERS" fork 20000
ok $? "fork mode runs"
m=$(val "$OUT" calls.malloc)
ok $(( ${m:-20000} >= 20000 )) "the file is the parent's ($m mallocs, not the child's 20000)"
# pointers the shim did not hand out are forwarded untouched and counted;
# blocks of the memalign family keep their offset through realloc
NGBENCH_PROFILE_OUT=$OUT LD_PRELOAD=$SHIM "$CALLERS" edge 100
is $? 0 "edge cases behave (exit status: the failed check)"
# an allocator's own blocks at the start of a mapping with an unreadable
# page before (as jemalloc's can be): free and realloc forward them unread
GUARD=$top_builddir/tests/profile/.libs/guardalloc.so
NGBENCH_PROFILE_OUT=$SCRATCH/guard LD_PRELOAD="$SHIM:$GUARD" "$CALLERS" guard
is $? 0 "blocks at a mapping's start, not handed out by the shim: no fault (exit status: the failed check)"
is "$(val "$SCRATCH/guard" unknown_frees)" 3 "counted as unknown: a free, a realloc and the free of its copy"
is "$(val "$OUT" unknown_frees)" 102 "100 frees and one realloc of the C library's blocks, and the free of that realloc's block, are unknown"
is "$(val "$OUT" failed)" 2 "an invalid alignment and an overflowing calloc fail"
is "$(val "$OUT" header_bytes)" 16 "the header is written down"
done_testing
