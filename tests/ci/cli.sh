#!/bin/sh
# ngbench history, baseline save/show and compare --baseline-file on a
# database of made-up sessions (no trial runs): a step of +30 % after six
# sessions of one cell, and one spike, so the change point's place is
# known; the outputs (text, markdown, CSV, JSON, the plot) and bad usage.
# Sessions of another parameter set and simulated ones are not part of the
# timed series: history asks which set, and leaves the simulated out.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/reports/lib.sh"
plan 45

fixture_db "$DB" || { echo "Bail out! cannot build the fixture database"; exit 1; }
# 12 sessions of threadtest/hoard at 1 thread, 3 runs each: about 1.0 s for
# six sessions, 1.3 s after, and a single 2.0 s spike in session 103
python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tid = 1000
for k in range(12):
    sid = 100 + k
    db.execute("INSERT INTO sessions (id, started_at, finished_at, status, host, cpu_model, cores,"
               " kernel, os, libc, ngbench_version, git_commit, command_line, label, seed, config)"
               " VALUES (?, ?, ?, 'complete', 'h', 'Fixture CPU', 2, 'Linux 6.1', 'Debian 12',"
               " '2.36', '0.1.0', ?, 'x', ?, 1, '{}')",
               (sid, "2026-02-%02dT00:00:00Z" % (k + 1), "2026-02-%02dT00:10:00Z" % (k + 1),
                "c%02d" % k, "h%d" % k))
    for r in range(3):
        v = (1.0 if k < 6 else 1.3) * (1 + 0.01 * (r - 1))
        if k == 3:
            v = 2.0
        tid += 1
        db.execute("INSERT INTO trials (id, session_id, seq, round, repetition, warmup, allocator,"
                   " workload, params, threads, argv, status, exit_code, wall_s, maxrss_kb, metric,"
                   " metric_value, metric_unit, higher_is_better, kind) VALUES (?, ?, ?, 1, ?, 0,"
                   " 'hoard', 'threadtest', '{}', 1, 'x', 'ok', 0, ?, 1000, 'seconds', ?, 's', 0,"
                   " 'timing')", (tid, sid, r + 1, r + 1, v, v))
db.commit()
PY

"$NGBENCH" history -w threadtest -a hoard >"$SCRATCH/h.txt" 2>&1
ok $? "history runs"
contains "$SCRATCH/h.txt" "<- change +30.0% worse" "the step is a change point, +30 %, worse"
is "$(grep -c 'change +' "$SCRATCH/h.txt")" 1 "only one: the spike is not one"
is "$(grep '<- change' "$SCRATCH/h.txt" | awk '{print $2}')" 106 "at session 106"
"$NGBENCH" history -w threadtest -a hoard --format=json >"$SCRATCH/h.json" 2>&1
ok $? "JSON"
is "$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["points"]; print([i for i, x in enumerate(p) if x["change_point"]], len(p))' "$SCRATCH/h.json")" \
	"[6] 12" "JSON marks point 7 of 12"
"$NGBENCH" history -w threadtest -a hoard --format=csv >"$SCRATCH/h.csv" 2>&1
is "$(grep -c '^[0-9]' "$SCRATCH/h.csv")" 12 "CSV: 12 points"
"$NGBENCH" history -w threadtest -a hoard --format=markdown >"$SCRATCH/h.md" 2>&1
contains "$SCRATCH/h.md" "**change** +30.0% worse" "markdown marks it"
"$NGBENCH" history -w threadtest -a hoard --min-magnitude=50% >"$SCRATCH/h2.txt" 2>&1
is "$(grep -c 'change +' "$SCRATCH/h2.txt")" 0 "a minimum magnitude of 50 %: no change point"
"$NGBENCH" history -w threadtest -a hoard --order=commit >"$SCRATCH/h3.txt" 2>&1
ok $? "ordered by commit"
if command -v gnuplot >/dev/null; then
	NGBENCH_GNUPLOT= "$NGBENCH" history -w threadtest -a hoard --plot-dir="$SCRATCH/plot" >/dev/null 2>&1
	ok $? "with a plot"
	test -s "$SCRATCH/plot/history.svg"
	ok $? "history.svg rendered"
else
	skip "gnuplot is not installed"
	skip "gnuplot is not installed"
fi
"$NGBENCH" history -w nosuch -a hoard >/dev/null 2>&1
is $? 2 "an unknown workload: exit 2"
"$NGBENCH" history -a hoard >/dev/null 2>&1
is $? 2 "no workload: exit 2"

# baselines of timed cells
B=$SCRATCH/t.baseline
"$NGBENCH" baseline save --session=h5 -o "$B" >/dev/null 2>&1
ok $? "baseline save of a stored session"
contains "$B" "values = 0.99 1 1.01" "the runs' values, sorted"
contains "$B" "cpu = Fixture CPU" "the machine"
"$NGBENCH" baseline show "$B" >"$SCRATCH/show" 2>&1
contains "$SCRATCH/show" "threadtest t=1 hoard (none" "show lists the cell"
"$NGBENCH" compare --baseline-file="$B" h4 >"$SCRATCH/c.txt" 2>&1
is $? 0 "compare --baseline-file: the same level passes"
"$NGBENCH" compare --baseline-file="$B" h6 >"$SCRATCH/c.txt" 2>&1
is $? 1 "30 % slower: exit 1"
contains "$SCRATCH/c.txt" "regression" "and says regression"
contains "$SCRATCH/c.txt" "note: 1 timed cells judged without a control" "and that timed cells without a control drift"
"$NGBENCH" compare --baseline-file="$B" --format=markdown h6 >"$SCRATCH/c.md" 2>&1
contains "$SCRATCH/c.md" ":x: performance regression" "markdown"
sed 's/^cpu = .*/cpu = <b>Other<\/b> CPU/' "$B" >"$SCRATCH/o.baseline"
"$NGBENCH" compare --baseline-file="$SCRATCH/o.baseline" h6 >"$SCRATCH/o.txt" 2>&1
is $? 3 "a baseline from another CPU: exit 3"
contains "$SCRATCH/o.txt" "CPU: baseline '<b>Other</b> CPU', here 'Fixture CPU'" "it says what differs"
"$NGBENCH" compare --force --baseline-file="$SCRATCH/o.baseline" --format=markdown h6 >"$SCRATCH/o.md" 2>&1
is $? 1 "forced, it is judged"
contains "$SCRATCH/o.md" "&lt;b&gt;Other&lt;/b&gt; CPU" "markdown escapes the text from the file"
printf 'format = 1\nweird = 1\n' >"$SCRATCH/bad.baseline"
"$NGBENCH" compare --baseline-file="$SCRATCH/bad.baseline" h6 >"$SCRATCH/bad.txt" 2>&1
is $? 2 "a malformed baseline: exit 2"
"$NGBENCH" baseline save -o "$SCRATCH/x" >/dev/null 2>&1
is $? 2 "baseline save without a source: exit 2"

# four more sessions of the cell: three simulated (3 runs of 40 s under
# cachegrind, 1e6 instructions), then one with iterations=99 (3 runs of 9 s)
python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tid = 2000
for k in range(4):
    sid = 200 + k
    db.execute("INSERT INTO sessions (id, started_at, finished_at, status, host, cpu_model, cores,"
               " kernel, os, libc, ngbench_version, git_commit, command_line, label, seed, config)"
               " VALUES (?, ?, ?, 'complete', 'h', 'Fixture CPU', 2, 'Linux 6.1', 'Debian 12',"
               " '2.36', '0.1.0', 'd', 'x', ?, 1, '{}')",
               (sid, "2026-03-%02dT00:00:00Z" % (k + 1), "2026-03-%02dT00:10:00Z" % (k + 1),
                "s%d" % k))
    for r in range(3):
        tid += 1
        sim = k < 3
        db.execute("INSERT INTO trials (id, session_id, seq, round, repetition, warmup, allocator,"
                   " workload, params, threads, argv, status, exit_code, wall_s, maxrss_kb, metric,"
                   " metric_value, metric_unit, higher_is_better, kind) VALUES (?, ?, ?, 1, ?, 0,"
                   " 'hoard', 'threadtest', ?, 1, 'x', 'ok', 0, ?, 1000, 'seconds', ?, 's', 0,"
                   " 'timing')", (tid, sid, r + 1, r + 1, '{}' if sim else '{"iterations":"99"}',
                                  40.0 if sim else 9.0, 40.0 if sim else 9.0))
        if sim:
            db.execute("INSERT INTO counters (trial_id, event, source, status, value, raw)"
                       " VALUES (?, 'Ir', 'sim', 'ok', 1e6, 1000000)", (tid,))
db.commit()
PY
"$NGBENCH" history -w threadtest -a hoard >"$SCRATCH/p.txt" 2>&1
is $? 2 "two parameter sets in the sessions: exit 2"
contains "$SCRATCH/p.txt" "ran with 2 parameter sets: [no parameters], [iterations=99]; choose one with --set NAME=VALUE" \
	"naming both sets and what to do"
"$NGBENCH" history -w threadtest -a hoard --set iterations=99 --format=csv >"$SCRATCH/p.csv" 2>&1
ok $? "--set iterations=99 picks one"
is "$(grep -c '^[0-9]' "$SCRATCH/p.csv")" 1 "its one session"
"$NGBENCH" history -w threadtest -a hoard --set iterations=5 >"$SCRATCH/p5.txt" 2>&1
is $? 2 "a parameter set no session ran: exit 2"
sqlite3 "$DB" "DELETE FROM trials WHERE session_id = 203"
"$NGBENCH" history -w threadtest -a hoard --format=csv >"$SCRATCH/t.csv" 2>&1
is "$(grep -c '^[0-9]' "$SCRATCH/t.csv")" 12 "the timed series leaves the simulated sessions out"
"$NGBENCH" history -w threadtest -a hoard --mode=sim --format=csv >"$SCRATCH/s.csv" 2>&1
is "$(grep -c '^[0-9]' "$SCRATCH/s.csv")" 3 "--mode=sim: only the simulated sessions"
"$NGBENCH" history -w threadtest -a hoard --metric=instructions --format=csv >"$SCRATCH/i.csv" 2>&1
is "$(grep -c '^[0-9]' "$SCRATCH/i.csv")" 3 "a simulated quantity takes the simulated sessions by itself"
"$NGBENCH" history -w threadtest -a hoard --metric=Ir --format=csv >"$SCRATCH/ir.csv" 2>&1
is "$(grep -c '^[0-9]' "$SCRATCH/ir.csv")" 3 "so does a cachegrind event"
"$NGBENCH" history -w threadtest -a hoard --mode=fast >"$SCRATCH/m.txt" 2>&1
is $? 2 "an unknown mode: exit 2"
# a session whose runs stalled: two of six runs 4x and 5x the others (this
# machine's runs spread by 15-25 %): baseline save and the gate say so,
# naming the cell; a cell that did not stall gets no such note
python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO sessions (id, started_at, finished_at, status, host, cpu_model, cores,"
           " kernel, os, libc, ngbench_version, git_commit, command_line, label, seed, config)"
           " VALUES (300, '2026-03-01T00:00:00Z', '2026-03-01T00:10:00Z', 'complete', 'h',"
           " 'Fixture CPU', 2, 'Linux 6.1', 'Debian 12', '2.36', '0.1.0', 'c200', 'x', 'stall',"
           " 1, '{}')")
for r, v in enumerate([1.0, 1.01, 0.99, 1.02, 4.0, 5.0]):
    db.execute("INSERT INTO trials (id, session_id, seq, round, repetition, warmup, allocator,"
               " workload, params, threads, argv, status, exit_code, wall_s, maxrss_kb, metric,"
               " metric_value, metric_unit, higher_is_better, kind) VALUES (?, 300, ?, 1, ?, 0,"
               " 'hoard', 'threadtest', '{}', 1, 'x', 'ok', 0, ?, 1000, 'seconds', ?, 's', 0,"
               " 'timing')", (9000 + r, r + 1, r + 1, v, v))
db.commit()
PY
"$NGBENCH" baseline save --session=h5 -o "$SCRATCH/q.baseline" >"$SCRATCH/q.out" 2>&1
! grep -q "runs lie more than" "$SCRATCH/q.out"; ok $? "runs within 2 % of each other: no stall note"
"$NGBENCH" baseline save --session=stall -o "$SCRATCH/s.baseline" >"$SCRATCH/s.out" 2>&1
ok $? "a baseline of stalled runs is still written"
contains "$SCRATCH/s.out" "note: baseline: threadtest t=1 hoard: 2 of 6 runs lie more than 3x from the cell's median (1.015)" \
	"baseline save names the cell whose runs stalled"
contains "$SCRATCH/s.out" "save it again on a quiet machine" "and says what to do"
"$NGBENCH" compare --baseline-file="$B" stall >"$SCRATCH/sc.txt" 2>&1
contains "$SCRATCH/sc.txt" "note: this session: threadtest t=1 hoard: 2 of 6 runs lie more than 3x" \
	"the gate says the session's runs stalled"
! grep -q "note: the baseline:" "$SCRATCH/sc.txt"; ok $? "and not the baseline's, which did not"

done_testing
