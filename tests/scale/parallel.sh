#!/bin/sh
# tests/scale/parallel.sh - three shards of one session run by GNU parallel,
# merged: the merge is the unsharded session, cell for cell and trial for
# trial; merging again adds nothing; a missing shard is named; a shard cut
# short is run again alone and merged.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/scale/lib.sh"
command -v parallel >/dev/null || skip_all "GNU parallel is needed (apt-get install parallel)"
plan 24

x=$SCRATCH/tiny.ini
experiment "$x"
q() { sqlite3 -readonly -batch -noheader "$@"; }

"$NGBENCH" run --quiet --db="$SCRATCH/whole.db" -x "$x" --seed=11 >/dev/null
ok $? "the unsharded session runs"

parallel --will-cite -j 3 "$NGBENCH" run --quiet -x "$x" --seed=11 --shard={}/3 \
	--db="$SCRATCH/shard-{}.db" ::: 1 2 3 >/dev/null 2>"$SCRATCH/err"
ok $? "GNU parallel runs the three shards at once"
n1=$(q "$SCRATCH/shard-1.db" "SELECT count(*) FROM trials")
n2=$(q "$SCRATCH/shard-2.db" "SELECT count(*) FROM trials")
n3=$(q "$SCRATCH/shard-3.db" "SELECT count(*) FROM trials")
is "$n1 $n2 $n3" "12 6 6" "four cell groups over three shards: 2, 1 and 1 groups of 6 trials"
is "$(q "$SCRATCH/shard-1.db" "SELECT uuid FROM sessions")" \
	"$(q "$SCRATCH/shard-3.db" "SELECT uuid FROM sessions")" \
	"the shards derive one session identity from the plan and seed"

"$NGBENCH" merge "$SCRATCH/merged.db" "$SCRATCH"/shard-[123].db >"$SCRATCH/out" 2>"$SCRATCH/err"
ok $? "merge of the three shards succeeds"
contains "$SCRATCH/out" "1 new session, 0 extended, 24 trials added" "and says what it did"
is "$(q "$SCRATCH/merged.db" "SELECT count(*) || ' ' || min(status) || ' ' || min(shard_count) FROM sessions")" \
	"1 complete 3" "the three shards are one complete session of three shards"
is "$(cells "$SCRATCH/merged.db")" "$(cells "$SCRATCH/whole.db")" \
	"its report has the cells of the unsharded session with their trial counts"
is "$(trials "$SCRATCH/merged.db")" "$(trials "$SCRATCH/whole.db")" \
	"and its trials are those of the unsharded session, each in its place"
uuid=$(q "$SCRATCH/shard-2.db" "SELECT uuid FROM sessions")
"$NGBENCH" report --db="$SCRATCH/merged.db" "$uuid" >/dev/null 2>&1
ok $? "the merged session is found by its uuid"
is "$(q "$SCRATCH/merged.db" "SELECT count(*) FROM trials WHERE host IS NULL OR shard IS NULL OR machine IS NULL")" \
	0 "every trial keeps its host, shard and machine"
is "$(q "$SCRATCH/merged.db" "SELECT group_concat(shard || ':' || status || ':' || trials, ' ') FROM session_shards")" \
	"1:complete:12 2:complete:6 3:complete:6" "and the session each shard's run"

sum=$(md5sum <"$SCRATCH/merged.db")
"$NGBENCH" merge "$SCRATCH/merged.db" "$SCRATCH/shard-2.db" "$SCRATCH/shard-2.db" >"$SCRATCH/out" 2>&1
ok $? "merging a shard again (twice) succeeds"
contains "$SCRATCH/out" "0 trials added, 6 met more than once and taken once" "and takes each trial once"
is "$(q "$SCRATCH/merged.db" "SELECT count(*) FROM trials")" 24 "the merged session still has 24 trials"

# a shard that is missing, then one cut short and run again
"$NGBENCH" merge "$SCRATCH/part.db" "$SCRATCH/shard-1.db" "$SCRATCH/shard-3.db" >"$SCRATCH/out" 2>"$SCRATCH/err"
is $? 1 "merge without shard 2 exits 1"
contains "$SCRATCH/err" "shard 2 of 3 is missing: run it with --shard=2/3" "and names the missing shard"
is "$(q "$SCRATCH/part.db" "SELECT status FROM sessions")" incomplete "the session is marked incomplete"

cp "$SCRATCH/shard-2.db" "$SCRATCH/cut.db"
sqlite3 "$SCRATCH/cut.db" "DELETE FROM trials WHERE seq > (SELECT min(seq) + 10 FROM trials);
	UPDATE sessions SET status = 'interrupted';
	UPDATE session_shards SET status = 'interrupted', trials = (SELECT count(*) FROM trials)"
"$NGBENCH" merge "$SCRATCH/part.db" "$SCRATCH/cut.db" >"$SCRATCH/out" 2>"$SCRATCH/err"
is $? 1 "a shard cut short merges, but merge exits 1"
contains "$SCRATCH/err" "shard 2 of 3 is interrupted" "and says the shard is incomplete"

"$NGBENCH" run --quiet -x "$x" --seed=11 --shard=2/3 --db="$SCRATCH/rerun.db" >/dev/null
ok $? "the shard is run again alone"
"$NGBENCH" merge "$SCRATCH/part.db" "$SCRATCH/rerun.db" >"$SCRATCH/out" 2>"$SCRATCH/err"
ok $? "merging the rerun completes the session"
contains "$SCRATCH/out" "is superseded by a complete run of the same shard" \
	"the rerun supersedes the run cut short"
is "$(cells "$SCRATCH/part.db")" "$(cells "$SCRATCH/whole.db")" \
	"the session has every cell and trial count of the unsharded one"
done_testing
