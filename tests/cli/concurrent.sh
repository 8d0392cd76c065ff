#!/bin/sh
# Two runs writing to one database at once: both complete, no trial is lost.
. "$top_srcdir/tests/cli/lib.sh"
plan 5

"$NGBENCH" run -a ptmalloc2 -r 40 --label=one -- "$TINY" --allocs=100 >"$SCRATCH/o1" 2>"$SCRATCH/e1" &
p1=$!
"$NGBENCH" run -a ptmalloc2 -r 40 --label=two -- "$TINY" --allocs=100 >"$SCRATCH/o2" 2>"$SCRATCH/e2" &
p2=$!
wait $p1; ok $? "the first run completes"
wait $p2; ok $? "the second run completes"
is "$(sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label IN ('one', 'two') AND t.status = 'ok'")" 80 "all 80 trials are stored"
is "$(sql "SELECT count(DISTINCT session_id || '/' || seq) FROM trials")" 80 "each trial once"

# Two runs that create the same new file at the same moment (the first
# migration, the switch to WAL) must both succeed too; try it ten times.
bad=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	new=$SCRATCH/new-$i.db
	"$NGBENCH" run -q -a ptmalloc2 -r 3 --db="$new" -- true >/dev/null 2>"$SCRATCH/n1" &
	p=$!
	"$NGBENCH" run -q -a ptmalloc2 -r 3 --db="$new" -- true >/dev/null 2>"$SCRATCH/n2" || bad=$((bad + 1))
	wait $p || bad=$((bad + 1))
	[ "$(sqlite3 -readonly "$new" "SELECT count(*) FROM trials")" = 6 ] || bad=$((bad + 1))
	[ -s "$SCRATCH/n1" ] && diag "$(cat "$SCRATCH/n1")"
	[ -s "$SCRATCH/n2" ] && diag "$(cat "$SCRATCH/n2")"
done
is "$bad" 0 "ten new files created by two runs at once: both runs succeed, all 6 trials stored"
done_testing
