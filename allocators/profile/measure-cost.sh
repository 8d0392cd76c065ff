#!/bin/sh
# allocators/profile/measure-cost.sh BUILDDIR DB [REPETITIONS] [ALLOCATORS]:
# the measurement behind "What it costs on larson" in
# allocators/profile/README.md, run by hand, never by make check.
#
# One session: larson (0.1 s timed steady state, so that many pairs fit) at
# 1 and 2 threads under each allocator, REPETITIONS timing trials and as
# many profile trials per cell (--profile=N: the shim preloaded in front of
# the allocator), shuffled into the same rounds, no counters.  Printed per
# cell, over the rounds with both trials: the paired ratio
# (ops/s timing) / (ops/s profiled) - 1, i.e. how much longer the same work
# takes under the shim, its median with the distribution-free 95 % interval of
# a median, and the ratio of the two sides' medians and upper quartiles (the
# fast end of a rate) with bootstrap intervals (rounds resampled, fixed seed).
set -eu
b=$1 db=$2 reps=${3:-200} allocs=${4:-ptmalloc2,jemalloc,mimalloc}
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$b/ngbench" run -q --db="$db" -a "$allocs" -w larson -t 1,2 --set seconds=0.1 \
	-r "$reps" --profile="$reps" --counters=none --label="profile-cost-$$" >/dev/null
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
PYTHONPATH="$(dirname "$0")/../../build-aux" python3 - "$db" "profile-cost-$$" <<'PY'
import math, random, sqlite3, sys
from measure_stats import bootstrap, median_interval, quantile
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""
SELECT t.allocator, t.threads, t.round, t.metric_value, t.kind = 'profile'
FROM trials t JOIN sessions s ON s.id = t.session_id
WHERE s.label = ? AND t.status = 'ok' AND t.warmup = 0""", (sys.argv[2],)).fetchall()
cells = {}
for a, th, rnd, v, prof in rows:
    cells.setdefault((a, th), {}).setdefault(rnd, {})[prof] = v

print("| allocator | threads | pairs | timing median, ops/s | paired cost, median [95 % interval] | cost of the medians | cost of the upper quartiles |")
print("| --- | ---: | ---: | ---: | --- | --- | --- |")
rng = random.Random(0x6e67)
for (a, th), rounds in sorted(cells.items()):
    pairs = [(r[0], r[1]) for r in rounds.values() if 0 in r and 1 in r]
    n = len(pairs)
    if n < 10:
        continue
    d = [t / p - 1 for t, p in pairs]
    lo, hi = median_interval(d)
    out = []
    for q in (0.5, 0.75):
        est, blo, bhi = bootstrap(pairs, lambda sample, q=q: quantile([t for t, p in sample], q) /
                                  quantile([p for t, p in sample], q) - 1, rng)
        out.append("%+.1f %% [%+.1f, %+.1f]" % (100 * est, 100 * blo, 100 * bhi))
    print("| %s | %d | %d | %.2fM | %+.1f %% [%+.1f, %+.1f] | %s | %s |" % (
        a, th, n, quantile([t for t, p in pairs], 0.5) / 1e6, 100 * quantile(d, 0.5),
        100 * lo, 100 * hi, out[0], out[1]))
PY
