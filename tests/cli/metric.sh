#!/bin/sh
# ngbench run --metric=REGEX --better=... --unit=... -- COMMAND: the metric
# comes from the command's output (the last match counts); no match and a
# match that is not a number fail the trial with the reason; a bad regular
# expression is a usage error naming it; the value is stored, reported and
# compared like a workload's metric.
. "$top_srcdir/tests/cli/lib.sh"
plan 26

out=$SCRATCH/out; err=$SCRATCH/err
RUN="$NGBENCH run -q -a ptmalloc2 --counters=none"
M='Throughput = *([-+0-9.eE]+|[a-z]+)'

# query SQL: one value from the database
query() {
	python3 -c 'import sqlite3,sys
r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()
print("" if r is None else "|".join("" if v is None else str(v) for v in r))' "$DB" "$1"
}
last_trial() { query "select $1 from trials order by id desc limit 1"; }

# several matches: the last one counts (the last line, the last match in it)
$RUN -r 1 --metric="$M" --better=higher --unit=ops/s --metric-name=throughput -- \
	sh -c 'echo "Throughput = 1"; echo "noise"; echo "Throughput = 2, Throughput = 3.5"; echo done' \
	>"$out" 2>"$err"
ok $? "a command whose output matches runs (exit 0)"
is "$(last_trial status)" ok "its trial is ok"
is "$(last_trial metric_value)" 3.5 "the last match counts"
is "$(last_trial "metric||' '||metric_unit||' '||higher_is_better")" "throughput ops/s 1" \
	"the metric's name, unit and direction are stored"

# no match: the trial fails with the reason, nothing is timed instead
$RUN -r 1 --metric="$M" --better=higher -- sh -c 'echo "no number here"' >"$out" 2>"$err"
is $? 1 "a command whose output does not match fails (exit 1)"
is "$(last_trial status)" failed "its trial is stored as failed"
last_trial reason >"$SCRATCH/reason"
contains "$SCRATCH/reason" "no line of the output matches --metric" "the reason says no line matched"
is "$(last_trial "metric_value is null")" 1 "no value is stored for it"

# a match that is not a number
$RUN -r 1 --metric="$M" --better=lower --unit=s -- sh -c 'echo "Throughput = fast"' \
	>"$out" 2>"$err"
is $? 1 "a match that is not a number fails (exit 1)"
last_trial reason >"$SCRATCH/reason"
contains "$SCRATCH/reason" "matched 'fast', which is not a number" "the reason names what matched"

# usage errors: exit 2, before anything runs
n_before=$(query "select count(*) from trials")
$RUN --metric='Throughput = ([0-9' --better=higher -- sh -c 'echo x' >"$out" 2>"$err"
is $? 2 "a bad regular expression is a usage error (exit 2)"
contains "$err" "bad regular expression 'Throughput = ([0-9' for --metric" "the error names it"
$RUN --metric='Throughput = [0-9]+' --better=higher -- sh -c 'echo x' >"$out" 2>"$err"
is $? 2 "a regular expression without a group is a usage error"
contains "$err" "has no group" "the error says a group is needed"
$RUN --metric="$M" -- sh -c 'echo x' >"$out" 2>"$err"
is $? 2 "--metric without --better is a usage error"
$RUN --metric="$M" --better=up -- sh -c 'echo x' >"$out" 2>"$err"
is $? 2 "--better=up is a usage error"
$RUN --metric="$M" --better=higher -w larson >"$out" 2>"$err"
is $? 2 "--metric with a workload is a usage error"
is "$(query "select count(*) from trials")" "$n_before" "no trial ran for the usage errors"

# end to end: two sessions, stored, reported and compared as a workload's
$RUN -r 3 --label=slow --metric="$M" --better=higher --unit=ops/s --metric-name=throughput -- \
	sh -c 'echo "Throughput = 100"' >"$out" 2>"$err" &&
$RUN -r 3 --label=fast --metric="$M" --better=higher --unit=ops/s --metric-name=throughput -- \
	sh -c 'echo "Throughput = 200"' >"$out" 2>"$err"
ok $? "two sessions with a command's metric run"
"$NGBENCH" report fast >"$out" 2>"$err"
contains "$out" "throughput" "the report names the command's metric"
"$NGBENCH" compare slow fast >"$out" 2>"$err"
rc=$?
contains "$out" "faster" "compare finds the session with the higher throughput faster"
"$NGBENCH" compare fast slow >"$out" 2>"$err"
contains "$out" "slower" "and the other way round slower"
[ $rc -le 1 ] || diag "compare exited $rc"

# the shipped experiment for a user's mimalloc-bench build
( unset MIMALLOC_BENCH_BIN; "$NGBENCH" run -q -a ptmalloc2 -r 1 -x mimalloc-bench >"$out" 2>"$err" )
is $? 2 "the mimalloc-bench experiment without MIMALLOC_BENCH_BIN is a usage error"
contains "$err" "uses \${MIMALLOC_BENCH_BIN}, which is not set" "the error names the variable"
mkdir "$SCRATCH/mb"
printf '#!/bin/sh\necho "Throughput =  1234567 operations per second, relative time: 0.8s."\n' >"$SCRATCH/mb/larson"
printf '#!/bin/sh\necho "rtime: 4.1, free/sec: 24.5 M"\n' >"$SCRATCH/mb/xmalloc-test"
printf '#!/bin/sh\nexit 0\n' >"$SCRATCH/mb/cache-thrash"
cp "$SCRATCH/mb/cache-thrash" "$SCRATCH/mb/cache-scratch"
chmod +x "$SCRATCH/mb/"*
MIMALLOC_BENCH_BIN=$SCRATCH/mb "$NGBENCH" run -q -a ptmalloc2 -r 1 -x mimalloc-bench >"$out" 2>"$err"
ok $? "the mimalloc-bench experiment runs the programs it finds there"
is "$(query "select group_concat(metric||'='||metric_value, ' ') from (select metric, metric_value from trials where metric != 'wall' and session_id = (select max(session_id) from trials) order by metric)")" \
	"frees_per_sec=24.5 throughput=1234567.0" "each program's own metric is read from its output"
done_testing
