#!/bin/sh
# tests/profile/cxx.sh - C++'s operators new and delete under the profiler:
# every form counted exactly (against the counting shim of tests/workloads,
# which defines them too, stacked behind the profiler in the same run), also
# under threads; an allocator that defines its own operators (jemalloc,
# tcmalloc, mimalloc: new never reaches malloc there) behind the profiler;
# a std::bad_alloc thrown through the profiler, counted as a failed call,
# after which calls are still counted.
. "$top_srcdir/tests/cli/lib.sh"

SHIM=$top_builddir/allocators/.libs/libngbench-profile.so
COUNT=$top_builddir/tests/workloads/.libs/countalloc.so
CXXOPS=$top_builddir/tests/profile/cxxops
[ -e "$SHIM" ] || skip_all "the profiling shim is not built"
[ -x "$CXXOPS" ] || skip_all "tests/profile/cxxops is not built"

val() { sed -n "s/^$2=//p" "$1"; }
cval() { tr ' ' '\n' < "$1" | sed -n "s/^$2=//p"; }

plan 15
T=4 R=1000
# twelve pairs a round, and one pair at the end
N=$((T * R * 12 + 1))

NGBENCH_PROFILE_OUT=$SCRATCH/p NGB_COUNTALLOC_OUT=$SCRATCH/c LD_PRELOAD="$SHIM:$COUNT" \
	"$CXXOPS" $T $R >"$SCRATCH/out" 2>&1
ok $? "every form of new and delete, $T threads, profiler on the counting shim"
diag "$(cat "$SCRATCH/c")"
is "$(val "$SCRATCH/p" calls.operator_new)" $N "operator new: $T x $R x 12 + 1, none lost"
is "$(val "$SCRATCH/p" calls.operator_delete)" $N "operator delete: as many"
is "$(cval "$SCRATCH/c" new)" $N "the counting shim behind saw each new once"
is "$(cval "$SCRATCH/c" delete)" $N "and each delete once"
is "$(val "$SCRATCH/p" unknown_frees)" 0 "every deleted block was known"

# glibc behind: libstdc++'s operators call malloc, which must not count again
NGBENCH_PROFILE_OUT=$SCRATCH/g LD_PRELOAD="$SHIM" "$CXXOPS" $T $R throw >"$SCRATCH/out" 2>&1
ok $? "with glibc behind, a std::bad_alloc thrown through the profiler is caught"
is "$(val "$SCRATCH/g" calls.operator_new)" $((N + 1)) "the throwing new counted too"
is "$(val "$SCRATCH/g" failed)" 1 "as a failed call"
is "$(val "$SCRATCH/g" calls.operator_delete)" $N "deletes counted after it: the thread left the profiler"
m=$(val "$SCRATCH/g" calls.malloc)
ok $(( m > 10 )) "libstdc++'s mallocs inside new are not counted again ($m)"

# allocators that define operator new and delete themselves
for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4; do
	name=$(basename "$lib")
	if [ ! -e "$lib" ]; then
		skip "$name is not installed"
		skip "$name is not installed"
		continue
	fi
	NGBENCH_PROFILE_OUT=$SCRATCH/n LD_PRELOAD="$SHIM:$lib" "$CXXOPS" $T $R throw >"$SCRATCH/out" 2>&1
	ok $? "$name behind the profiler: every form of new and delete, and a bad_alloc"
	n=$(val "$SCRATCH/n" calls.operator_new)
	# tcmalloc's start-up calls new too; the exception object is the one unknown free
	ok $(( n < N + 1 || $(val "$SCRATCH/n" unknown_frees) > 1 )) \
		"$name: the program's news counted ($n), no block without a header freed"
done
done_testing
