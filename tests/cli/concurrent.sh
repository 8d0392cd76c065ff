#!/bin/sh
# Two runs writing to one database at once: both complete, no trial is lost.
. "$top_srcdir/tests/cli/lib.sh"
plan 4

"$NGBENCH" run -a ptmalloc2 -r 40 --label=one -- "$TINY" --allocs=100 >"$SCRATCH/o1" 2>"$SCRATCH/e1" &
p1=$!
"$NGBENCH" run -a ptmalloc2 -r 40 --label=two -- "$TINY" --allocs=100 >"$SCRATCH/o2" 2>"$SCRATCH/e2" &
p2=$!
wait $p1; ok $? "the first run completes"
wait $p2; ok $? "the second run completes"
is "$(sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label IN ('one', 'two') AND t.status = 'ok'")" 80 "all 80 trials are stored"
is "$(sql "SELECT count(DISTINCT session_id || '/' || seq) FROM trials")" 80 "each trial once"
done_testing
