#!/bin/sh
# tests/scale/machines.sh - machines kept apart: every trial records its
# machine fingerprint; a session merged from shards of two different
# machines is reported machine by machine, or refused where one table is all
# a format holds, saying what differs; hosts with identical fingerprints are
# pooled on request only; compare across fingerprints warns.
#
# The second machine is this one with GLIBC_TUNABLES set for one shard: a
# real difference of the fingerprint (the glibc tunables in effect), made
# without a second host.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/scale/lib.sh"
plan 21

x=$SCRATCH/tiny.ini
experiment "$x"
q() { sqlite3 -readonly -batch -noheader "$@"; }

"$NGBENCH" run --quiet -x "$x" --seed=8 --shard=1/2 --db="$SCRATCH/m1.db" >/dev/null
GLIBC_TUNABLES=glibc.malloc.arena_max=1 \
	"$NGBENCH" run --quiet -x "$x" --seed=8 --shard=2/2 --db="$SCRATCH/m2.db" >/dev/null
ok $? "two shards run, the second with other glibc tunables"
is "$(q "$SCRATCH/m1.db" "SELECT glibc_tunables FROM machines")" none "the first records no tunables"
is "$(q "$SCRATCH/m2.db" "SELECT glibc_tunables FROM machines")" glibc.malloc.arena_max=1 \
	"the second records the tunables in effect"
row=$(q -separator '|' "$SCRATCH/m1.db" "SELECT cpu_model, microcode, cores, smt, numa_nodes, kernel, thp, governor, libc FROM machines")
is "$(echo "$row" | awk -F'|' '{ for (i = 1; i <= NF; i++) if ($i == "") e++; print e + 0 }')" 0 \
	"every field of the fingerprint has a value or says why not ($row)"
is "$(q "$SCRATCH/m1.db" "SELECT cores FROM machines")" "$(nproc)" "the cores online are this machine's"
is "$(q "$SCRATCH/m2.db" "SELECT count(*) FROM trials WHERE env_knobs LIKE '%GLIBC_TUNABLES=glibc.malloc.arena_max=1%'")" \
	"$(q "$SCRATCH/m2.db" "SELECT count(*) FROM trials")" "each trial records the allocator knobs of its environment"

"$NGBENCH" merge "$SCRATCH/mixed.db" "$SCRATCH/m1.db" "$SCRATCH/m2.db" >/dev/null 2>&1
ok $? "the two shards merge into one session"

"$NGBENCH" report --db="$SCRATCH/mixed.db" >"$SCRATCH/out" 2>"$SCRATCH/err"
ok $? "the text report of the mixed session succeeds"
contains "$SCRATCH/err" "ran on 2 machines that differ" "it says the session mixes two machines"
contains "$SCRATCH/err" "GLIBC_TUNABLES 'glibc.malloc.arena_max=1' vs 'none'" "and what differs"
is "$(grep -c '^== machine [12] of 2: host' "$SCRATCH/out")" 2 "it reports each machine apart"
m1=$(q "$SCRATCH/m1.db" "SELECT fingerprint FROM machines")
contains "$SCRATCH/out" "fingerprint $m1, 8 trials" "each with its fingerprint and measured trials"

"$NGBENCH" report --db="$SCRATCH/mixed.db" --format=json >"$SCRATCH/out" 2>"$SCRATCH/err"
is $? 2 "a one-table format (json) refuses the mixed session"
contains "$SCRATCH/err" "this format holds one, so give --machine=HOST or a fingerprint" "and says what to do"
is "$(wc -c <"$SCRATCH/out")" 0 "and writes no table"

"$NGBENCH" report --db="$SCRATCH/mixed.db" --format=json --machine="$m1" >"$SCRATCH/out" 2>"$SCRATCH/err"
ok $? "--machine picks one machine's trials"
is "$(python3 -c 'import json,sys; print(sum(c["trials"] for c in json.load(sys.stdin)["cells"]))' <"$SCRATCH/out")" \
	8 "only that machine's measured trials (4 cells x 2 repetitions)"

# hosts identical by fingerprint: apart by default, pooled with --pool
# (shard 2 run here, then marked as run on a host named twin)
"$NGBENCH" run --quiet -x "$x" --seed=8 --shard=2/2 --db="$SCRATCH/h2.db" >/dev/null
sqlite3 "$SCRATCH/h2.db" "UPDATE trials SET host = 'twin'; UPDATE session_shards SET host = 'twin'"
"$NGBENCH" merge "$SCRATCH/twins.db" "$SCRATCH/m1.db" "$SCRATCH/h2.db" >/dev/null 2>&1
"$NGBENCH" report --db="$SCRATCH/twins.db" >"$SCRATCH/out" 2>"$SCRATCH/err"
contains "$SCRATCH/err" "hosts with identical fingerprints ($m1); --pool reports them as one machine" \
	"two hosts of one fingerprint are apart by default, and the report says --pool pools them"
"$NGBENCH" report --db="$SCRATCH/twins.db" --pool --format=json >"$SCRATCH/out" 2>"$SCRATCH/err"
ok $? "with --pool they are one machine, in one table"

# compare across fingerprints
"$NGBENCH" run --quiet -x "$x" -r 1 --db="$SCRATCH/c.db" >/dev/null
MALLOC_ARENA_MAX=2 "$NGBENCH" run --quiet -x "$x" -r 1 --db="$SCRATCH/c.db" >/dev/null
"$NGBENCH" compare --db="$SCRATCH/c.db" 1 2 >/dev/null 2>"$SCRATCH/err"
contains "$SCRATCH/err" "sessions 1 and 2 ran on different machines" "compare across fingerprints warns"
contains "$SCRATCH/err" "allocator knobs in the environment 'none' vs 'MALLOC_ARENA_MAX=2'" \
	"saying what differs"
done_testing
