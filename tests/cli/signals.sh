#!/bin/sh
# SIGHUP (a dropped SSH session) and SIGPIPE (a reader that went away) end a
# run as Ctrl-C does: the trial's group dies, the session is marked
# interrupted, temporary files go, and the interrupted trial is no failure.
. "$top_srcdir/tests/cli/lib.sh"
plan 22
export TMPDIR=$SCRATCH/tmp
mkdir "$TMPDIR"
trials() { sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = '$1'" 2>/dev/null || echo 0; }
wait_trials() {
	i=0
	while [ "$(trials "$1")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

"$NGBENCH" run -a ptmalloc2 -r 50 --label=stop-HUP -- "$TINY" --sleep=0.3 --child-sleep=61 >"$SCRATCH/out" 2>"$SCRATCH/err" &
pid=$!
wait_trials stop-HUP
kill -HUP $pid
wait $pid
is $? 129 "SIGHUP: ngbench exits 129"
is "$(sql "SELECT status FROM sessions WHERE label = 'stop-HUP'")" interrupted "SIGHUP: the session is marked interrupted"
is "$(sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 'stop-HUP' AND t.status = 'interrupted'")" 1 "SIGHUP: the running trial is stored as interrupted"
sleep 0.3
pgrep -f -- "--child-sleep=61" >/dev/null; is $? 1 "SIGHUP: the running child's group is killed"
is "$(ls "$TMPDIR" | wc -l)" 0 "SIGHUP: no temporary file is left behind"
"$NGBENCH" list sessions >"$SCRATCH/list" 2>&1
grep 'stop-HUP' "$SCRATCH/list" | awk '{ exit !($5 == 0) }'; ok $? "list sessions does not count the interrupted trial as failed"
"$NGBENCH" report --format=json "$(sql "SELECT id FROM sessions WHERE label = 'stop-HUP'")" >"$SCRATCH/rep" 2>&1
python3 -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert all(c["failed"] == 0 for c in r["cells"]), r["cells"]
assert not r["failures"], r["failures"]
' "$SCRATCH/rep"; ok $? "nor does the report"

# a reader that stops reading: the next write raises SIGPIPE
( "$NGBENCH" run --show-output -a ptmalloc2 -r 50 --label=stop-PIPE -- "$TINY" --sleep=0.2 --child-sleep=62 2>"$SCRATCH/err"; echo $? >"$SCRATCH/rc" ) | head -c 1 >/dev/null
i=0; while [ ! -s "$SCRATCH/rc" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(cat "$SCRATCH/rc")" 141 "SIGPIPE: ngbench exits 141"
is "$(sql "SELECT status FROM sessions WHERE label = 'stop-PIPE'")" interrupted "SIGPIPE: the session is marked interrupted"
sleep 0.3
pgrep -f -- "--child-sleep=62" >/dev/null; is $? 1 "SIGPIPE: the running child's group is killed"
is "$(ls "$TMPDIR" | wc -l)" 0 "SIGPIPE: no temporary file is left behind"
contains "$SCRATCH/err" "the finished trials are stored" "SIGPIPE: ngbench says so on stderr"

# the commands that only read: a reader already gone ends them quietly with
# the usual status (killed by SIGPIPE, 141), no message
sid=$(sql "SELECT id FROM sessions WHERE label = 'stop-HUP'")
for cmd in "list sessions" "report $sid" "report --format=json $sid" "export --all" \
	"compare $sid $sid"; do
	rm -f "$SCRATCH/rc"
	# shellcheck disable=SC2086
	{ sleep 0.3; "$NGBENCH" $cmd 2>"$SCRATCH/err"; echo $? >"$SCRATCH/rc"; } | true
	i=0; while [ ! -s "$SCRATCH/rc" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	is "$(cat "$SCRATCH/rc")" 141 "$cmd into a closed pipe: exit 141"
	is "$(wc -c <"$SCRATCH/err")" 0 "$cmd into a closed pipe: nothing on stderr"
done
done_testing
