#!/bin/sh
# A session whose ngbench died (kill -9) shows as 'abandoned', and
# 'ngbench run --resume' runs exactly its missing trials, in the same order,
# into the same session: its trials then equal, one for one, those of an
# uninterrupted session of the same plan and seed.  A live, finished,
# foreign or changed session is refused; a reused pid is not taken for the
# session's ngbench.  The same for one shard of a sharded session.
. "$top_srcdir/tests/cli/lib.sh"
plan 27

x=$SCRATCH/three.ini
cat >"$x" <<INI
[global]
allocators = ptmalloc2
repetitions = 3
warmup = 1
counters = none

[a]
command = $TINY --sleep=0.15 --allocs=100

[b]
command = $TINY --sleep=0.15 --allocs=200

[c]
command = $TINY --sleep=0.15 --allocs=300
INI

sqlw() { sqlite3 -batch "$DB" "$1" >/dev/null; }
sid_of() { sql "SELECT id FROM sessions WHERE label = '$1'"; }
# every trial in order: where it sits in the plan and what it ran
trials_of() {
	sql "SELECT seq, round, repetition, warmup, kind, allocator, workload, argv, status
	     FROM trials WHERE session_id = $1 ORDER BY seq"
}
# the cells of a session's report with their trial counts, one per line
report_cells() {
	"$NGBENCH" report --format=json "$1" | python3 -c '
import json, sys
keys = ("workload", "program", "params", "threads", "allocator", "counter_mode",
        "trials", "succeeded", "failed", "skipped")
cells = json.load(sys.stdin)["cells"]
assert cells
for c in sorted(json.dumps([c[k] for k in keys], sort_keys=True) for c in cells):
    print(c)'
}
ntrials() { sql "SELECT count(*) FROM trials WHERE session_id = $1"; }
list_status() {
	"$NGBENCH" list sessions --format=json | python3 -c '
import json, sys
for s in json.load(sys.stdin)["sessions"]:
    if s["id"] == int(sys.argv[1]): print(s["status"])' "$1"
}
# starts a session in the background, kills it with SIGKILL once $2 trials are stored
start_and_kill() {
	label=$1; shift; want=$1; shift
	"$NGBENCH" run -q -x "$x" --seed=7 --label="$label" "$@" >"$SCRATCH/$label.out" 2>&1 &
	pid=$!
	i=0
	while [ "$(sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id
			WHERE s.label = '$label'" 2>/dev/null || echo 0)" -lt "$want" ] && [ $i -lt 300 ]; do
		sleep 0.05; i=$((i + 1))
	done
	live=$(list_status "$(sid_of "$label")")
	kill -KILL $pid
	wait $pid 2>/dev/null
}

"$NGBENCH" run -q -x "$x" --seed=7 --label=ref >/dev/null 2>&1; ok $? "an uninterrupted session runs"
ref=$(sid_of ref)
is "$(ntrials "$ref")" 12 "it has 3 cells x (1 warm-up + 3) trials"

start_and_kill victim 4
vid=$(sid_of victim)
is "$live" running "a session whose ngbench runs is 'running'"
n=$(ntrials "$vid")
test "$n" -ge 4 && test "$n" -lt 12; ok $? "the killed session has part of its trials ($n)"
is "$(sql "SELECT status FROM sessions WHERE id = $vid")" running "its row still says running"
is "$(list_status "$vid")" abandoned "list sessions --format=json shows it abandoned"
"$NGBENCH" list sessions >"$SCRATCH/list"
grep -E "^ *$vid  .* abandoned " "$SCRATCH/list" >/dev/null; ok $? "and so does the text listing"

# the runner as recorded, to restore after each pretence below
runner=$(sql "SELECT runner_pid || ' ' || runner_start || ' ' || runner_host FROM sessions WHERE id = $vid")
set -- $runner
rpid=$1 rstart=$2 rhost=$3
# a live process with the session's pid but another start time: a reused pid
sqlw "UPDATE sessions SET runner_pid = $$ WHERE id = $vid"
is "$(list_status "$vid")" abandoned "a reused pid (same pid, other start time) is not the session's ngbench"
# the same process, start time and all: live
sqlw "UPDATE sessions SET runner_start = $(cut -d')' -f2 /proc/$$/stat | cut -d' ' -f21) WHERE id = $vid"
is "$(list_status "$vid")" running "a live runner (pid and start time) keeps it running"
"$NGBENCH" run --resume="$vid" >/dev/null 2>"$SCRATCH/err"; is $? 2 "resuming a live session is refused"
contains "$SCRATCH/err" "is still running" "saying it is still running"
sqlw "UPDATE sessions SET runner_pid = $rpid, runner_start = $rstart, runner_host = 'elsewhere' WHERE id = $vid"
is "$(list_status "$vid")" running "another host's session cannot be judged: it stays running"
"$NGBENCH" run --resume="$vid" >/dev/null 2>"$SCRATCH/err"; is $? 2 "resuming another host's session is refused"
contains "$SCRATCH/err" "resume it there" "saying where to resume it"
sqlw "UPDATE sessions SET runner_host = '$rhost', plan = 'changed' WHERE id = $vid"
"$NGBENCH" run --resume="$vid" >/dev/null 2>"$SCRATCH/err"; is $? 2 "a session whose plan differs from today's is refused"
contains "$SCRATCH/err" "plan" "naming the plan"
sqlw "UPDATE sessions SET plan = (SELECT plan FROM sessions WHERE id = $ref) WHERE id = $vid"
"$NGBENCH" run --resume="$ref" >/dev/null 2>"$SCRATCH/err"; is $? 2 "a finished session is refused"
"$NGBENCH" run --resume="$vid" -r 2 >/dev/null 2>"$SCRATCH/err"; is $? 2 "--resume takes no options of what to run"
is "$(ntrials "$vid")" "$n" "a refused resume runs nothing"

"$NGBENCH" run --resume="$vid" >"$SCRATCH/out" 2>"$SCRATCH/err"; ok $? "the abandoned session is resumed"
is "$(sql "SELECT status FROM sessions WHERE id = $vid")" complete "and is now complete"
trials_of "$ref" >"$SCRATCH/ref.trials"
trials_of "$vid" >"$SCRATCH/vic.trials"
cmp -s "$SCRATCH/ref.trials" "$SCRATCH/vic.trials"
ok $? "its trials equal the uninterrupted session's: same cells, order, rounds and counts"
report_cells "$ref" >"$SCRATCH/ref.report"
report_cells "$vid" >"$SCRATCH/vic.report"
cmp -s "$SCRATCH/ref.report" "$SCRATCH/vic.report"; ok $? "their reports have the same cells and trial counts"
"$NGBENCH" run --resume="$vid" >/dev/null 2>&1; is $? 2 "a resumed, complete session is not resumed again"

# one shard of a sharded session: the resume runs that shard's missing trials
sed 's/--sleep=0.15/--sleep=0.4/' "$x" >"$SCRATCH/slow.ini"
x=$SCRATCH/slow.ini
"$NGBENCH" run -q -x "$x" --seed=7 --shard=2/3 --label=sref >/dev/null 2>&1
start_and_kill svic 2 --shard=2/3
is "$(list_status "$(sid_of svic)")" abandoned "a killed shard is abandoned"
svid=$(sid_of svic)
"$NGBENCH" run -q --resume="$svid" >/dev/null 2>&1; ok $? "a killed shard is resumed"
trials_of "$(sid_of sref)" >"$SCRATCH/sref.trials"
trials_of "$svid" >"$SCRATCH/svic.trials"
cmp -s "$SCRATCH/sref.trials" "$SCRATCH/svic.trials"
ok $? "its trials equal the uninterrupted shard's (seq numbered as in the whole session)"
done_testing
