#!/bin/sh
# build-aux/measure_stats.py, the statistics of the by-hand measurement
# scripts (perfmon/measure-overhead.sh, allocators/profile/measure-cost.sh),
# is a second copy of reports/stats.c in Python, kept because those scripts
# pair trials in ways no report does.  This test holds the two copies
# together: for cells of 1 to 40 runs of seeded values (ties included), the
# report's median and 95 % median interval must be the script's.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/reports/lib.sh"
plan 3

fixture_db "$DB"; ok $? "the fixture database is built"
# session 100: a copy of session 1's first trial per cell size n, n runs each
python3 - "$DB" <<'PY'
import random, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO sessions (id, started_at, status, host, command_line, label, seed, cores)"
           " SELECT 100, started_at, status, host, command_line, 'stats-agree', seed, cores"
           " FROM sessions WHERE id = 1")
cols = [r[1] for r in db.execute("PRAGMA table_info(trials)") if r[1] not in ('id',)]
row = dict(zip(cols, db.execute("SELECT %s FROM trials WHERE session_id = 1 AND status = 'ok'"
                                " ORDER BY id LIMIT 1" % ", ".join(cols)).fetchone()))
rng = random.Random(7)
seq = 0
for n in range(1, 41):
    for r in range(n):
        seq += 1
        t = dict(row, session_id=100, seq=seq, round=r + 1, repetition=r + 1, threads=n,
                 # a few values repeat: ties, as timings rounded to a tick have
                 metric_value=float(rng.choice([rng.randint(50, 150), 100])))
        db.execute("INSERT INTO trials (%s) VALUES (%s)" % (", ".join(t), ", ".join("?" * len(t))),
                   list(t.values()))
db.commit()
PY
ok $? "a session of cells with 1 to 40 runs is added"

"$NGBENCH" report stats-agree --format=json >"$SCRATCH/r.json" 2>"$SCRATCH/err"
is "$(PYTHONPATH="$top_srcdir/build-aux" python3 - "$SCRATCH/r.json" <<'PY' 2>&1
import json, sys
from measure_stats import median_interval, quantile
cells = json.load(open(sys.argv[1]))["cells"]
bad = []
for c in cells:
    v = c["values"]
    lo, hi = median_interval(v)
    ci = c["median_ci"] or {}
    if len(v) == 1:
        # one run has no interval in a report; the script's is the run itself
        lo = hi = None
    if (quantile(v, 0.5), lo, hi) != (c["median"], ci.get("lo"), ci.get("hi")):
        bad.append("n=%d: script %s [%s, %s], report %s %s" %
                   (len(v), quantile(v, 0.5), lo, hi, c["median"], ci))
print("%d cells" % len(cells) if not bad else "\n".join(bad))
PY
)" "40 cells" "the report's medians and intervals are the script's"
