#!/bin/sh
# Labels and command lines with quotes, newlines, SQL and non-UTF-8 bytes are
# stored byte for byte and read back unchanged.
. "$top_srcdir/tests/cli/lib.sh"
plan 6

label=$(printf "it's a \"label\"\nline two'; DROP TABLE trials; --\377\376 end")
arg=$(printf 'arg with "double quotes"\nand \377 byte')
"$NGBENCH" run -a ptmalloc2 -r 1 --label="$label" -- "$TINY" "--stderr=$arg" >/dev/null 2>&1
ok $? "the run succeeds"
want=$(printf '%s' "$label" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
is "$(sql "SELECT hex(label) FROM sessions ORDER BY id DESC LIMIT 1")" "$want" "the label is stored byte for byte"
is "$(sql "SELECT count(*) FROM trials")" 1 "the trials table survived the label"
warg=$(printf '%s' "$arg" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
sql "SELECT hex(command_line) FROM sessions ORDER BY id DESC LIMIT 1" | grep -q "$warg"; ok $? "the command line keeps the argument's bytes"
"$NGBENCH" report "$label" >"$SCRATCH/out" 2>&1; ok $? "the session is found by its label"
"$NGBENCH" list sessions --format=json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "DROP TABLE" in d["sessions"][-1]["label"]'
ok $? "list sessions --format=json stays valid JSON with such a label"
done_testing
