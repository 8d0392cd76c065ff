#!/bin/sh
# tests/scale/merge.sh - merges that must fail do so cleanly, leaving the
# output as it was (byte for byte) or not creating it: conflicting trials,
# a foreign file, another program's SQLite database, a newer schema, one
# identity over two plans.  And sessions of different runs keep theirs.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/scale/lib.sh"
plan 22

x=$SCRATCH/tiny.ini
experiment "$x"
q() { sqlite3 -readonly -batch -noheader "$@"; }
run() { "$NGBENCH" run --quiet -x "$x" "$@" >/dev/null; }

run --seed=5 --shard=1/2 --db="$SCRATCH/s1.db"
run --seed=5 --shard=2/2 --db="$SCRATCH/s2.db"
run --seed=5 --shard=1/2 --db="$SCRATCH/s1-again.db"
"$NGBENCH" merge "$SCRATCH/out.db" "$SCRATCH/s1.db" "$SCRATCH/s2.db" >/dev/null 2>&1
ok $? "two shards merge"
sum=$(md5sum <"$SCRATCH/out.db")

# merge_fails NAME OUT IN... : merge exits 1, says why in err, OUT unchanged
merge_fails() {
	what=$1; shift
	"$NGBENCH" merge "$@" >"$SCRATCH/stdout" 2>"$SCRATCH/err"
	is $? 1 "$what: merge exits 1"
	is "$(md5sum <"$SCRATCH/out.db")" "$sum" "$what: OUT.db is byte for byte as it was"
}

merge_fails "a second run of shard 1" "$SCRATCH/out.db" "$SCRATCH/s1-again.db"
contains "$SCRATCH/err" "conflicting trials: trial" "it names the conflict"
contains "$SCRATCH/err" "out.db' session 1 (shard 1) and another in '$SCRATCH/s1-again.db' session 1 (shard 1)" \
	"and both places of it"
contains "$SCRATCH/err" "'$SCRATCH/out.db' was not changed" "and says OUT.db was not changed"

printf 'not a database\n' >"$SCRATCH/text.db"
merge_fails "a text file among the inputs" "$SCRATCH/out.db" "$SCRATCH/s2.db" "$SCRATCH/text.db"
contains "$SCRATCH/err" "'$SCRATCH/text.db' is not an ngbench database" "it names the file"

sqlite3 "$SCRATCH/foreign.db" "CREATE TABLE trials (id INTEGER); INSERT INTO trials VALUES (1)"
merge_fails "another program's SQLite database" "$SCRATCH/out.db" "$SCRATCH/foreign.db"
contains "$SCRATCH/err" "an SQLite database but not an ngbench database" "it says whose it is not"

cp "$SCRATCH/s2.db" "$SCRATCH/newer.db"
sqlite3 "$SCRATCH/newer.db" "PRAGMA user_version = $(( $(q "$SCRATCH/s2.db" "PRAGMA user_version") + 1 ))"
merge_fails "a database of a newer schema" "$SCRATCH/out.db" "$SCRATCH/newer.db"
contains "$SCRATCH/err" "written by a newer ngbench" "it refuses the newer schema"

"$NGBENCH" run --quiet -x "$x" -r 1 --session-id=6f1c2a9e-0d4b-4c1a-9e2f-3b5d7a8c9e01 --shard=1/2 \
	--db="$SCRATCH/p1.db" >/dev/null
"$NGBENCH" run --quiet -x "$x" -r 3 --session-id=6f1c2a9e-0d4b-4c1a-9e2f-3b5d7a8c9e01 --shard=2/2 \
	--db="$SCRATCH/p2.db" >/dev/null
"$NGBENCH" merge "$SCRATCH/new.db" "$SCRATCH/p1.db" "$SCRATCH/p2.db" >/dev/null 2>"$SCRATCH/err"
is $? 1 "two plans under one --session-id: merge exits 1"
contains "$SCRATCH/err" "run different plans" "and says why"
test ! -e "$SCRATCH/new.db"; ok $? "a new OUT.db is not created"
is "$(ls "$SCRATCH" | grep -c 'new.db')" 0 "nor is any temporary file left beside it"

# sessions of different runs keep their identity; one given twice is taken once
"$NGBENCH" run --quiet -x "$x" -r 1 --db="$SCRATCH/a.db" >/dev/null
"$NGBENCH" run --quiet -x "$x" -r 1 --db="$SCRATCH/b.db" >/dev/null
"$NGBENCH" merge "$SCRATCH/two.db" "$SCRATCH/a.db" "$SCRATCH/b.db" "$SCRATCH/a.db" >/dev/null 2>&1
ok $? "two unsharded sessions from two databases merge"
is "$(q "$SCRATCH/two.db" "SELECT uuid FROM sessions ORDER BY id")" \
	"$(q "$SCRATCH/a.db" "SELECT uuid FROM sessions"; q "$SCRATCH/b.db" "SELECT uuid FROM sessions")" \
	"into two sessions that keep their identity"
is "$(q "$SCRATCH/two.db" "SELECT count(*) FROM trials")" \
	"$(( $(q "$SCRATCH/a.db" "SELECT count(*) FROM trials") + $(q "$SCRATCH/b.db" "SELECT count(*) FROM trials") ))" \
	"the session given twice is taken once"
done_testing
