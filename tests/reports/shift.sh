#!/bin/sh
# tests/reports/shift.sh - compare's verdicts against the shift of a whole
# session.  Sessions of 8 cells (8 runs each) made by hand: C is A with
# every time 25 % longer (the machine got slower: no cell is slower than
# the others), B is C with one cell twice as slow again (a real change).
# compare judges each cell relative to the session's shift: C against A
# flags nothing and reports the shift once; B against A flags exactly the
# one cell (the others are noisy: one cell of 8 apart makes the shift's
# distribution-free interval [min, max] of the cells); --absolute judges against 1 as before (every cell slower).
# Sessions of 4 cells are too few to estimate a shift: judged against 1.
. "$top_srcdir/tests/cli/lib.sh"
plan 17

db=$SCRATCH/shift.db
NGBENCH_DB=$db "$NGBENCH" run -q -a ptmalloc2 -r 1 --counters=none -- true >/dev/null 2>&1
ok $? "a database at the current schema"
sqlite3 "$db" "DELETE FROM counters; DELETE FROM trial_results; DELETE FROM rss_samples;
	DELETE FROM histograms; DELETE FROM trials; DELETE FROM sessions;"
# session LABEL FACTOR SLOW_CELL_FACTOR NCELLS: runs of cell j, repetition k:
# (1 + j) * (1 + k / 100) * FACTOR seconds, cell 0 also times SLOW_CELL_FACTOR
python3 - >"$SCRATCH/s.sql" <<'PY'
sid, tid = 0, 0
out = ["BEGIN;"]
def session(label, factor, slow, ncells):
    global sid, tid
    sid += 1
    out.append(f"INSERT INTO sessions (id, started_at, finished_at, status, host, cpu_model, cores,"
               f" kernel, os, libc, ngbench_version, git_commit, command_line, label, seed, config)"
               f" VALUES ({sid}, '2026-01-0{sid}T00:00:00Z', '2026-01-0{sid}T00:10:00Z', 'complete',"
               f" 'h', 'cpu', 2, 'Linux', 'Debian', '2.36', '0.1.0', 'abc', 'ngbench run', '{label}',"
               f" 1, '{{}}');")
    for j in range(ncells):
        for k in range(8):
            tid += 1
            v = (1 + j) * (1 + k / 100) * factor * (slow if j == 0 else 1)
            out.append(f"INSERT INTO trials (id, session_id, seq, round, repetition, warmup,"
                       f" allocator, workload, params, threads, argv, status, exit_code, wall_s,"
                       f" maxrss_kb, metric, metric_value, metric_unit, higher_is_better, kind)"
                       f" VALUES ({tid}, {sid}, {tid}, {k + 1}, {k + 1}, 0, 'alloc{j % 4}',"
                       f" 'wl{j // 4}', '{{}}', 1, 'x', 'ok', 0, {v}, 1000, 'seconds', {v}, 's', 0,"
                       f" 'timing');")
session("a", 1.0, 1.0, 8)
session("c", 1.25, 1.0, 8)
session("b", 1.25, 2.0, 8)
session("a4", 1.0, 1.0, 4)
session("c4", 1.25, 1.0, 4)
# ten earlier sessions of the 8 cells in which cell 0 alone moves by up to 2.5x
# from one session to the next: --history learns that it is that noisy
for i in range(10):
    session(f"h{i}", 1.0, (1.0, 1.6, 2.5)[i % 3], 8)
out.append("COMMIT;")
print("\n".join(out))
PY
sqlite3 "$db" <"$SCRATCH/s.sql"
ok $? "five sessions made by hand"

export NGBENCH_DB=$db
cd "$SCRATCH" || exit 1
"$NGBENCH" compare a c >out 2>err
is $? 0 "the whole session 25 % slower: nothing flagged, exit 0"
contains out "B moved as a whole by -20.0% against A" "the shift is reported once"
contains out "summary: 8 same" "every cell the same relative to it"
"$NGBENCH" compare --absolute a c >out 2>err
is $? 1 "--absolute: judged against 1, exit 1"
contains out "summary: 8 slower" "every cell slower"
"$NGBENCH" compare a b >out 2>err
is $? 1 "one cell slower than the session's shift: exit 1"
contains out "summary: 1 slower 7 noisy" "exactly that cell is flagged (the others noisy: with one cell of 8 apart, the shift's interval is wide)"
"$NGBENCH" compare --format=json a b >out 2>err
python3 - out >pyout 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sh = d["session_shift"]
assert sh["cells"] == 8 and sh["removed"] is True, sh
assert abs(sh["factor"] - 0.8) < 1e-9, sh
slow = [c for c in d["cells"] if c["verdict"] == "slower"]
assert [(c["workload"], c["allocator"]) for c in slow] == [("wl0", "alloc0")], slow
assert abs(slow[0]["speedup"] - 0.4) < 1e-9 and abs(slow[0]["speedup_relative"] - 0.5) < 1e-9, slow
assert slow[0]["ci_relative"]["hi"] < 1 / 1.05, slow[0]["ci_relative"]
print("ok")
PY
is "$(cat pyout)" ok "JSON: the shift 0.8x over 8 cells; the cell 0.4x raw, 0.5x relative, its interval beyond 5 %"
"$NGBENCH" compare --format=html a b >out 2>err
contains out "moved as a whole by -20.0%" "the HTML page reports the shift"
"$NGBENCH" compare --history a b >out 2>err
is $? 0 "--history: cell 0 moved as much in the database's other sessions, nothing flagged"
contains out "With --history, 8 of the cells are judged with their own spread between sessions" "and says so"
"$NGBENCH" compare --history --format=json a b >out 2>err
python3 - out >pyout 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["session_shift"]["history_cells"] == 8, d["session_shift"]
assert d["session_shift"]["history_sessions"] == 11, d["session_shift"]
c0 = [c for c in d["cells"] if (c["workload"], c["allocator"]) == ("wl0", "alloc0")][0]
assert c0["verdict"] == "noisy" and c0["between_sessions"]["sessions"] == 11, c0
assert c0["between_sessions"]["spread"] > 0.5, c0["between_sessions"]
assert all(c["between_sessions"]["spread"] < 0.01 for c in d["cells"] if c is not c0), d["cells"]
print("ok")
PY
is "$(cat pyout)" ok "JSON: cell 0's own spread from 11 sessions (c and the ten), the others' near 0"
"$NGBENCH" compare a4 c4 >out 2>err
is $? 1 "4 cells: too few for a shift, judged against 1"
contains out "Session shift: not estimated (4 cell(s) compared, 6 needed)" "and says so"
"$NGBENCH" compare --format=json a4 c4 >out 2>err
is "$(python3 -c 'import json; d=json.load(open("out")); print(d["session_shift"])')" \
	"{'cells': 0, 'factor': None, 'ci': None, 'cell_spread': None, 'removed': False}" "JSON: no shift"
done_testing
