#!/bin/sh
# perfmon/measure-overhead.sh BUILDDIR DB [REPETITIONS]: the measurement
# behind "Cost of counting" in perfmon/README.md, run by hand (about 15
# minutes at 500 repetitions here), never by make check.
#
# Runs data/experiments/perfmon-overhead.ini (each cell with the default
# counters and without any, interleaved in one session), then prints per cell,
# over the rounds that have both trials, the paired ratio
# (metric counted) / (metric uncounted) - 1: its median with the
# distribution-free 95 % interval of a median (order statistics), its mean,
# and the ratio of the two sides' medians and upper quartiles with
# bootstrap intervals (rounds resampled as pairs, fixed seed).  The metric is
# the workload's own result (a rate: a negative figure means counting made the
# workload slower).
set -eu
b=$1 db=$2 reps=${3:-500}
here=$(dirname "$0")
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$b/ngbench" run -q --db="$db" --experiment="$here/../data/experiments/perfmon-overhead.ini" \
	-r "$reps" --label="perfmon-overhead-$$" >/dev/null
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
PYTHONPATH="$here/../build-aux" python3 - "$db" "perfmon-overhead-$$" <<'PY'
import math, random, sqlite3, sys
from measure_stats import bootstrap, median_interval, quantile
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""
SELECT t.workload, t.threads, t.round, t.metric_value, t.higher_is_better,
       EXISTS (SELECT 1 FROM counters c WHERE c.trial_id = t.id)
FROM trials t JOIN sessions s ON s.id = t.session_id
WHERE s.label = ? AND t.status = 'ok' AND t.warmup = 0 AND t.kind = 'timing'""",
                  (sys.argv[2],)).fetchall()
cells = {}
for w, th, rnd, v, hib, counted in rows:
    cells.setdefault((w, th, hib), {}).setdefault(rnd, {})[counted] = v

print("| workload | threads | pairs | paired median [95 % interval] | paired mean +- 95 % | medians | upper quartiles (the better end) |")
print("| --- | ---: | ---: | --- | --- | --- | --- |")
rng = random.Random(0x6e67)
for (w, th, hib), rounds in sorted(cells.items()):
    pairs = [(r[1], r[0]) for r in rounds.values() if 0 in r and 1 in r]
    n = len(pairs)
    if n < 10:
        continue
    d = [c / u - 1 for c, u in pairs]
    lo, hi = median_interval(d)
    mean = sum(d) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1))
    out = []
    for p in (0.5, 0.75 if hib else 0.25):
        est, blo, bhi = bootstrap(pairs, lambda sample, p=p: quantile([c for c, u in sample], p) /
                                  quantile([u for c, u in sample], p) - 1, rng)
        out.append("%+.2f %% [%+.2f, %+.2f]" % (100 * est, 100 * blo, 100 * bhi))
    print("| %s | %d | %d | %+.2f %% [%+.2f, %+.2f] | %+.2f %% +- %.2f | %s | %s |" % (
        w, th, n, 100 * quantile(d, 0.5), 100 * lo, 100 * hi, 100 * mean, 196 * sd / math.sqrt(n),
        out[0], out[1]))
PY
