#!/bin/sh
# Unknown names are refused with the valid names, a suggestion, exit 2 and no session row.
. "$top_srcdir/tests/cli/lib.sh"
plan 15

err=$SCRATCH/err
"$NGBENCH" run -r 1 -- true >/dev/null 2>&1   # a database with one session
before=$(sql "SELECT count(*) FROM sessions")

"$NGBENCH" run --allocator=jemaloc -r 1 -- true >/dev/null 2>"$err"; is $? 2 "an unknown allocator exits 2"
contains "$err" "unknown allocator 'jemaloc'" "the error names the allocator"
contains "$err" "Did you mean 'jemalloc'?" "the closest name is suggested"
contains "$err" "Valid allocators: ptmalloc2" "the valid names are listed"
is "$(sql 'SELECT count(*) FROM sessions')" "$before" "no session row is written for an unknown allocator"

"$NGBENCH" run --workload=larsen -r 1 >/dev/null 2>"$err"; is $? 2 "an unknown workload exits 2"
contains "$err" "Did you mean 'larson'?" "the closest workload is suggested"
contains "$err" "Valid workloads:" "the valid workloads are listed"
is "$(sql 'SELECT count(*) FROM sessions')" "$before" "no session row is written for an unknown workload"

"$NGBENCH" run --workload=larson --set nosuch=3 -r 1 >/dev/null 2>"$err"; is $? 2 "an unknown parameter exits 2"
contains "$err" "no selected workload has a parameter 'nosuch'" "the error names the parameter"
is "$(sql 'SELECT count(*) FROM sessions')" "$before" "no session row is written for a bad parameter"

"$NGBENCH" run -n -a all,-ptmalloc2 -- true >"$SCRATCH/out" 2>"$err"; ok $? "all,-NAME is accepted"
grep -q 'ptmalloc2 /' "$SCRATCH/out"; is $? 1 "and leaves NAME out"
"$NGBENCH" run -n -a all,-ptmaloc2 -- true >/dev/null 2>"$err"; is $? 2 "leaving out an unknown name exits 2"
done_testing
