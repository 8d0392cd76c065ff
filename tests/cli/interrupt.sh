#!/bin/sh
# SIGINT and SIGTERM during a session: the child's group dies, finished trials stay,
# the session is marked interrupted, the exit status is 128+N.
. "$top_srcdir/tests/cli/lib.sh"
plan 12

for sig in INT TERM; do
	"$NGBENCH" run -a ptmalloc2 -r 50 --label="stop-$sig" -- "$TINY" --sleep=0.3 --child-sleep=60 >"$SCRATCH/out" 2>"$SCRATCH/err" &
	pid=$!
	# wait until at least two trials are committed
	i=0
	while [ "$(sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 'stop-$sig'" 2>/dev/null || echo 0)" -lt 2 ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -$sig $pid
	wait $pid
	rc=$?
	if [ $sig = INT ]; then code=130; else code=143; fi
	is $rc $code "SIG$sig: ngbench exits $code"
	sid=$(sql "SELECT id FROM sessions WHERE label = 'stop-$sig'")
	is "$(sql "SELECT status FROM sessions WHERE id = $sid")" interrupted "SIG$sig: the session is marked interrupted"
	n=$(sql "SELECT count(*) FROM trials WHERE session_id = $sid AND status = 'ok'")
	test "$n" -ge 2 && test "$n" -lt 50; ok $? "SIG$sig: the finished trials stay committed ($n)"
	is "$(sql "SELECT count(*) FROM trials WHERE session_id = $sid AND status = 'interrupted'")" 1 "SIG$sig: the running trial is stored as interrupted"
	sleep 0.3
	pgrep -f -- "--child-sleep=60" >/dev/null; is $? 1 "SIG$sig: the running child's group is killed"
	contains "$SCRATCH/err" "the finished trials are stored" "SIG$sig: ngbench says so"
done
done_testing
