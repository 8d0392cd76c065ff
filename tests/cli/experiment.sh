#!/bin/sh
# Experiments as INI files: jobs with their own settings in one interleaved
# session, the shipped experiments parse, mistakes name the file, line and key.
. "$top_srcdir/tests/cli/lib.sh"
shipped=$(ls "$top_srcdir"/data/experiments/*.ini)
plan $((21 + $(echo "$shipped" | wc -l)))

x=$SCRATCH/two-jobs.ini
cat >"$x" <<INI
; two jobs of different repetitions and counters
[global]
description = a test experiment
allocators = ptmalloc2
repetitions = 2

[plain]
command = $TINY --allocs=100

[busy]
command = $TINY --allocs=5000
repetitions = 3
counters = none
INI
"$NGBENCH" run -x "$x" --label=exp >"$SCRATCH/out" 2>&1; ok $? "an experiment file runs"
q="SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 'exp'"
is "$(sql "$q")" 5 "each job runs its own number of repetitions (2 + 3)"
is "$(sql "$q AND t.argv LIKE '%allocs=5000'")" 3 "the busy job three times"
is "$(sql "SELECT count(*) FROM counters c JOIN trials t ON t.id = c.trial_id WHERE t.argv LIKE '%allocs=5000'")" 0 "a job's counters setting applies to its trials"
sql "SELECT config FROM sessions WHERE label = 'exp'" | python3 -c '
import json,sys
c = json.load(sys.stdin)
assert c["experiment"] == "two-jobs", c
assert "[busy]" in c["experiment_text"]
assert [j["name"] for j in c["jobs"]] == ["plain", "busy"], c["jobs"]
'; ok $? "the session records the experiment, its text and its jobs"

"$NGBENCH" run -x "$x" -r 1 --label=narrow >/dev/null 2>&1
is "$(sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 'narrow'")" 2 "--repetitions narrows every job"

# mimalloc-bench.ini runs programs from ${MIMALLOC_BENCH_BIN}: any folder
# will do for a dry run, which checks the file, not the programs.
for f in $shipped; do
	name=$(basename "$f" .ini)
	MIMALLOC_BENCH_BIN=${MIMALLOC_BENCH_BIN:-$SCRATCH} "$NGBENCH" run -n -x "$name" >"$SCRATCH/out" 2>&1; ok $? "the shipped experiment '$name' is valid"
done

# without the variable: listed with what it needs, run refused
env -u MIMALLOC_BENCH_BIN "$NGBENCH" list experiments >"$SCRATCH/out" 2>&1; is $? 0 "list experiments exits 0 without MIMALLOC_BENCH_BIN"
contains "$SCRATCH/out" "each program's own metric (needs MIMALLOC_BENCH_BIN in the environment)" "and says what mimalloc-bench needs"
env -u MIMALLOC_BENCH_BIN "$NGBENCH" run -n -x mimalloc-bench >/dev/null 2>"$SCRATCH/err"; is $? 2 "a run of it without the variable exits 2"
contains "$SCRATCH/err" "uses \${MIMALLOC_BENCH_BIN}, which is not set" "naming the variable"

"$NGBENCH" reproduce -o "$SCRATCH/rep" -l rep -r 2 "$x" >"$SCRATCH/out" 2>&1; ok $? "reproduce runs an experiment and writes its report"
is "$(sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 'rep'")" 4 "as one ordinary session"
test -s "$SCRATCH/rep/report.html" && test -s "$SCRATCH/rep/report.md" && test -s "$SCRATCH/rep/report.json"; ok $? "the report folder has the HTML, markdown and JSON reports"
contains "$SCRATCH/out" "$SCRATCH/rep/report.html" "and the paths are printed"
"$NGBENCH" reproduce no-such-experiment >/dev/null 2>&1; is $? 2 "reproduce of an unknown experiment exits 2"

err=$SCRATCH/err
printf '[global]\nrepetitions = many\n' >"$SCRATCH/bad.ini"
"$NGBENCH" run -x "$SCRATCH/bad.ini" >/dev/null 2>"$err"; is $? 2 "a bad value exits 2"
contains "$err" "bad.ini', line 2: [global] repetitions: takes a whole number" "and names the file, line and key"
printf '[job]\nworkloads = larson\ncolour = blue\n' >"$SCRATCH/bad2.ini"
"$NGBENCH" run -x "$SCRATCH/bad2.ini" >/dev/null 2>"$err"; is $? 2 "an unknown key exits 2"
contains "$err" "unknown key 'colour'; valid keys:" "and lists the valid keys"
"$NGBENCH" run -x no-such-experiment >/dev/null 2>"$err"; is $? 2 "an unknown experiment exits 2"
contains "$err" "Experiments shipped with ngbench" "and lists the shipped ones"
done_testing
