#!/bin/sh
# Failing trials are stored with their status and the session goes on.
. "$top_srcdir/tests/cli/lib.sh"
plan 25

out=$SCRATCH/out; err=$SCRATCH/err
last() { sql "SELECT $1 FROM trials ORDER BY id DESC LIMIT 1"; }

"$NGBENCH" run -a ptmalloc2 -r 2 -- /nonexistent/program >"$out" 2>"$err"; is $? 1 "a missing program fails the run (exit 1)"
is "$(sql "SELECT count(*) FROM trials WHERE status = 'exec-failed'")" 2 "both trials are stored as exec-failed"
contains "$err" "cannot execute '/nonexistent/program': No such file or directory" "with the reason"
contains "$out" "2 failed" "the summary counts the failures"

"$NGBENCH" run -a ptmalloc2 -r 1 -- "$TINY" --exit=3 --stderr=the-last-words >"$out" 2>"$err"; is $? 1 "a non-zero exit fails the run"
is "$(last status)|$(last exit_code)" "failed|3" "the trial is stored as failed with its exit code"
last stderr_tail >"$SCRATCH/tail"
contains "$SCRATCH/tail" "the-last-words" "the last lines of stderr are kept"
is "$(grep -c . "$SCRATCH/tail")" 20 "only the last 20 lines"

"$NGBENCH" run -a ptmalloc2 -r 1 -- "$TINY" --signal=11 >"$out" 2>"$err"; is $? 1 "a crash fails the run"
is "$(last status)|$(last signal)" "signal|11" "the trial is stored with its signal"
contains "$err" "killed by signal 11 (Segmentation fault)" "and the reason is shown"

start=$(date +%s)
"$NGBENCH" run -a ptmalloc2 -r 1 --timeout=1 -- "$TINY" --sleep=30 --child-sleep=30 >"$out" 2>"$err"; is $? 1 "a timeout fails the run"
end=$(date +%s)
is "$(last status)" timeout "the trial is stored as timeout"
test $((end - start)) -lt 10; ok $? "the timeout is enforced"
sleep 0.3
pgrep -f -- "--child-sleep=30" >/dev/null; is $? 1 "the whole process group is killed, grandchildren included"

"$NGBENCH" run -a ptmalloc2 -r 1 -- "$TINY" --exit=77 >"$out" 2>"$err"; is $? 0 "exit 77 is a skip, not a failure"
is "$(last status)" skipped "the trial is stored as skipped"

# A session with a failing and a passing cell goes on after the failure.
"$NGBENCH" run -a all -r 2 --seed=1 -- "$TINY" --signal=6 >"$out" 2>"$err"
n=$(available_allocators | wc -l)
is "$(sql "SELECT count(*) FROM trials WHERE session_id = (SELECT max(id) FROM sessions)")" $((2 * n)) "every trial of the session ran despite failures"

"$NGBENCH" run -a ptmalloc2 -r 3 -- "$TINY" --allocs=5000 >"$out" 2>"$err"; ok $? "a good command succeeds"
is "$(sql "SELECT count(*) FROM trials WHERE session_id = (SELECT max(id) FROM sessions) AND status = 'ok' AND metric = 'wall' AND metric_value > 0 AND maxrss_kb > 0 AND user_s >= 0")" 3 "trials store wall time and rusage"
is "$(sql "SELECT number FROM trial_results WHERE key = 'checksum' ORDER BY trial_id DESC LIMIT 1")" "$(sql "SELECT number FROM trial_results WHERE key = 'checksum' ORDER BY trial_id DESC LIMIT 1 OFFSET 1")" "the result record's free pairs are stored"
is "$(sql "SELECT status FROM sessions ORDER BY id DESC LIMIT 1")" complete "the session is marked complete"

"$NGBENCH" run -a ptmalloc2 -r 1 -- "$TINY" --sleep=0.5 >/dev/null 2>&1
n=$(sql "SELECT count(*) FROM rss_samples WHERE trial_id = (SELECT max(id) FROM trials)")
test "$n" -ge 20 && test "$n" -le 60; ok $? "resident memory is sampled about every 10 ms ($n samples in 0.5 s)"
is "$(sql "SELECT count(*) FROM rss_samples WHERE trial_id = (SELECT max(id) FROM trials) AND (rss_kb <= 0 OR t_ms < 0 OR t_ms > 5000)")" 0 "the samples are plausible"
# the child's exit races the sampler: a zombie's statm reads all zeros, never stored
"$NGBENCH" run -a ptmalloc2 -r 20 -- "$TINY" --sleep=0.03 >/dev/null 2>&1
is "$(sql "SELECT count(*) FROM rss_samples r JOIN trials t ON t.id = r.trial_id WHERE t.session_id = (SELECT max(id) FROM sessions) AND r.rss_kb <= 0")" 0 "no sample of an exited child in 20 short trials"
done_testing
