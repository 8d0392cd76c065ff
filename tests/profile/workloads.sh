#!/bin/sh
# tests/profile/workloads.sh - on xalanc, larson and xmalloc with one
# thread, the profile's call counts equal an independent count exactly:
# the counting shim of tests/workloads (countalloc.c, which forwards with
# __libc_* and shares no code with the profiler), both stacked in one run
# (LD_PRELOAD=profile:countalloc: it counts every call the profiler
# forwards; larson runs for a time, so only one run gives equal work), and
# for the deterministic xalanc and xmalloc also in two separate runs.
. "$top_srcdir/tests/cli/lib.sh"

SHIM=$top_builddir/allocators/.libs/libngbench-profile.so
COUNT=$top_builddir/tests/workloads/.libs/countalloc.so
W=$top_builddir/workloads
[ -e "$SHIM" ] || skip_all "the profiling shim is not built"
[ -e "$COUNT" ] || skip_all "tests/workloads/countalloc.la is not built"

val() { sed -n "s/^$2=//p" "$1"; }
cval() { tr ' ' '\n' < "$1" | sed -n "s/^$2=//p"; }

# compare PROFILE COUNTALLOC-LINE WHAT: seven counts, exactly
compare() {
	p=$1 c=$2
	is "$(val "$p" calls.malloc)" "$(cval "$c" malloc)" "$3: malloc"
	is "$(val "$p" calls.calloc)" "$(cval "$c" calloc)" "$3: calloc"
	# the C library's reallocarray calls realloc
	is "$(( $(val "$p" calls.realloc) + $(val "$p" calls.reallocarray) ))" "$(cval "$c" realloc)" \
		"$3: realloc and reallocarray"
	# countalloc's aligned_alloc and posix_memalign call its memalign
	is "$(( $(val "$p" calls.memalign) + $(val "$p" calls.aligned_alloc) + \
		$(val "$p" calls.posix_memalign) ))" "$(cval "$c" memalign)" "$3: the memalign family"
	# countalloc counts frees of non-NULL pointers
	is "$(( $(val "$p" calls.free) - $(val "$p" free_null) ))" "$(cval "$c" free)" "$3: free"
	# C++'s operators (every form of each; xalanc is C++)
	is "$(val "$p" calls.operator_new)" "$(cval "$c" new)" "$3: operator new"
	is "$(val "$p" calls.operator_delete)" "$(cval "$c" delete)" "$3: operator delete"
}

args() {
	case $1 in
	xalanc) echo "--threads=1 --size=256K --iterations=1" ;;
	larson) echo "--threads=1 --seconds=0.2 --blocks=2000" ;;
	xmalloc) echo "--threads=1 --objects=200000" ;;
	esac
}

plan 47
for w in xalanc larson xmalloc; do
	if [ ! -x "$W/$w" ]; then
		n=18
		[ "$w" = larson ] && n=11
		for i in $(seq $n); do
			skip "$w is not built here"
		done
		continue
	fi
	NGBENCH_PROFILE_OUT=$SCRATCH/$w.p NGB_COUNTALLOC_OUT=$SCRATCH/$w.c LD_PRELOAD="$SHIM:$COUNT" \
		"$W/$w" $(args $w) > "$SCRATCH/$w.out"
	ok $? "$w runs with the profiler stacked on the counting shim"
	is "$(tail -n 1 "$SCRATCH/$w.p")" end "$w: the profile is complete"
	diag "$(cat "$SCRATCH/$w.c")"
	compare "$SCRATCH/$w.p" "$SCRATCH/$w.c" "$w, one run"
	ok $(( $(val "$SCRATCH/$w.p" calls.malloc) == 0 )) "$w: mallocs were counted at all"
	ok $(( $(val "$SCRATCH/$w.p" unknown_frees) != 0 )) "$w: every freed block was known"
	[ "$w" = larson ] && continue
	NGBENCH_PROFILE_OUT=$SCRATCH/$w.p2 LD_PRELOAD="$SHIM" "$W/$w" $(args $w) > /dev/null
	NGB_COUNTALLOC_OUT=$SCRATCH/$w.c2 LD_PRELOAD="$COUNT" "$W/$w" $(args $w) > /dev/null
	compare "$SCRATCH/$w.p2" "$SCRATCH/$w.c2" "$w, separate runs"
done
done_testing
