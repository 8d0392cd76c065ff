#!/bin/sh
# Databases that are not ours, of a newer schema, or read-only are refused untouched.
. "$top_srcdir/tests/cli/lib.sh"
plan 16

err=$SCRATCH/err
refused() { # FILE WHAT EXPECTED-ERROR
	cp "$1" "$SCRATCH/before"
	"$NGBENCH" run -a ptmalloc2 -r 1 --db="$1" -- true >/dev/null 2>"$err"; is $? 1 "$2: run exits 1"
	contains "$err" "$3" "$2: a clear error"
	cmp -s "$1" "$SCRATCH/before"; ok $? "$2: the file is not modified"
}

printf 'this is a text file, not a database\n' >"$SCRATCH/text.db"
refused "$SCRATCH/text.db" "a text file" "is not an ngbench database (not an SQLite file)"

sqlite3 "$SCRATCH/other.db" "CREATE TABLE customers (id INTEGER); INSERT INTO customers VALUES (1);"
refused "$SCRATCH/other.db" "another SQLite database" "is an SQLite database but not an ngbench database"

"$NGBENCH" run -a ptmalloc2 -r 1 --db="$SCRATCH/new.db" -- true >/dev/null 2>&1
sqlite3 "$SCRATCH/new.db" "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; PRAGMA user_version = 99;" >/dev/null
refused "$SCRATCH/new.db" "a newer schema" "was written by a newer ngbench (schema 99"
"$NGBENCH" report --db="$SCRATCH/new.db" >/dev/null 2>"$err"; is $? 1 "report refuses a newer schema too"

"$NGBENCH" run -a ptmalloc2 -r 1 --db="$SCRATCH/ro.db" -- true >/dev/null 2>&1
sqlite3 "$SCRATCH/ro.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
chmod 444 "$SCRATCH/ro.db"
refused "$SCRATCH/ro.db" "a read-only database" "is read-only"
"$NGBENCH" report --db="$SCRATCH/ro.db" >"$SCRATCH/out" 2>"$err"; ok $? "a read-only database can still be reported"

"$NGBENCH" report --db="$SCRATCH/none.db" >/dev/null 2>"$err"; is $? 1 "report on a missing database exits 1"
contains "$err" "cannot open database" "with a clear error"
done_testing
