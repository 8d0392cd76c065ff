#!/bin/sh
# tests/profile/run.sh - 'ngbench run --profile': profile trials of kind
# 'profile' beside the timing trials, with the shim's counts, derived values
# and histograms stored, no counters, the allocator behind the shim as
# served_by; timing trials untouched.
. "$top_srcdir/tests/cli/lib.sh"

[ -e "$top_builddir/allocators/.libs/libngbench-profile.so" ] || skip_all "the profiling shim is not built"
[ -x "$top_builddir/workloads/xmalloc" ] || skip_all "xmalloc is not built"
plan 17

"$NGBENCH" run -n --profile=2 -a ptmalloc2 -w xmalloc -t 1 -r 3 > "$SCRATCH/dry" 2>&1
contains "$SCRATCH/dry" "+ 2 x profile" "--dry-run shows the profile trials"
contains "$SCRATCH/dry" "5 trials" "and counts them"
"$NGBENCH" run --profile=0 -a ptmalloc2 -w xmalloc > "$SCRATCH/zero" 2>&1
is $? 2 "--profile=0 is bad usage"

"$NGBENCH" run -q --profile=2 -a ptmalloc2 -w xmalloc -t 1 -r 3 -s objects=20000 --seed=7 \
	> "$SCRATCH/out" 2>&1
ok $? "a run with --profile=2 succeeds"
is "$(sql "SELECT kind, count(*) FROM trials WHERE status = 'ok' GROUP BY kind ORDER BY kind")" \
	"profile|2
timing|3" "two profile trials and three timing trials"
is "$(sql "SELECT group_concat(repetition) FROM (SELECT repetition FROM trials WHERE kind = 'profile' ORDER BY seq)")" \
	"1,2" "profile trials are numbered 1 and 2"
is "$(sql "SELECT count(DISTINCT round) FROM trials WHERE kind = 'profile'")" 2 \
	"one profile trial per round, in the rounds of the timing trials"
libc=$(sql "SELECT served_by FROM trials WHERE kind = 'timing' LIMIT 1")
is "$(sql "SELECT DISTINCT served_by FROM trials WHERE kind = 'profile'")" "$libc" \
	"served_by of a profile trial is the allocator behind the shim"
m=$(sql "SELECT CAST(min(number) AS INTEGER) FROM trial_results r JOIN trials t ON t.id = r.trial_id
	WHERE t.kind = 'profile' AND r.key = 'profile.calls.malloc'")
ok $(( ${m:-0} < 20000 )) "the profile counts the workload's 20000 mallocs ($m)"
is "$(sql "SELECT count(*) FROM trial_results r JOIN trials t ON t.id = r.trial_id
	WHERE t.kind = 'profile' AND r.key IN ('profile.fragmentation', 'profile.calls_per_op',
	'profile.bytes_per_op', 'profile.malloc_ticks.p50', 'profile.malloc_ticks.p99',
	'profile.malloc_ticks.p999', 'profile.malloc_ticks.max', 'profile.free_ticks.p50',
	'profile.peak_live_bytes', 'profile.remote_frees') AND r.number IS NOT NULL")" 20 \
	"each profile trial has the derived values"
is "$(sql "SELECT value FROM trial_results r JOIN trials t ON t.id = r.trial_id
	WHERE t.kind = 'profile' AND r.key = 'profile.op_key' LIMIT 1")" objects \
	"xmalloc's operations are its objects"
is "$(sql "SELECT count(*) FROM trial_results r JOIN trials t ON t.id = r.trial_id
	WHERE t.kind = 'timing' AND r.key LIKE 'profile.%'")" 0 "timing trials have no profile values"
is "$(sql "SELECT group_concat(DISTINCT h.name) FROM (SELECT name FROM histograms h JOIN trials t
	ON t.id = h.trial_id WHERE t.kind = 'profile' ORDER BY name) h")" "free_ticks,malloc_ticks,size" \
	"profile trials have size and latency histograms"
is "$(sql "SELECT sum(count) FROM histograms h JOIN trials t ON t.id = h.trial_id
	WHERE t.kind = 'profile' AND h.name = 'size'")" \
	"$(sql "SELECT CAST(sum(number) AS INTEGER) FROM trial_results r JOIN trials t ON t.id = r.trial_id
	WHERE t.kind = 'profile' AND r.key = 'profile.allocations'")" \
	"the size histogram holds every allocation"
is "$(sql "SELECT count(*) FROM histograms h JOIN trials t ON t.id = h.trial_id WHERE t.kind = 'timing'")" \
	0 "timing trials have no histograms"
is "$(sql "SELECT count(*) FROM counters c JOIN trials t ON t.id = c.trial_id WHERE t.kind = 'profile'")" \
	0 "profile trials have no counters (the shim perturbs them)"
ok $(( $(sql "SELECT count(*) FROM counters c JOIN trials t ON t.id = c.trial_id WHERE t.kind = 'timing'") == 0 )) \
	"timing trials keep their counters"
done_testing
