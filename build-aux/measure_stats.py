"""Statistics shared by the by-hand measurement scripts
(perfmon/measure-overhead.sh, allocators/profile/measure-cost.sh): paired
figures of interleaved trials, read from ngbench's database.

quantile and median_interval are a second copy of reports/stats.c
(ngb_quantile_sorted, ngb_median_ci), kept because these scripts pair the
trials of two sides round by round, which no report does.
tests/reports/stats-agree.sh holds the copies together: a report's median
and interval must be these functions' for cells of 1 to 40 runs."""
import math


def quantile(v, p):
    """The p-quantile of v, interpolated between order statistics."""
    v = sorted(v)
    i = p * (len(v) - 1)
    k = int(i)
    return v[k] if k + 1 >= len(v) else v[k] + (v[k + 1] - v[k]) * (i - k)


def median_interval(x, level=0.95):
    """The distribution-free interval of a median: the order statistics k and
    n + 1 - k (1-based) whose binomial coverage is at least `level`."""
    x = sorted(x)
    n = len(x)
    cdf, k = 0.0, 0
    while True:
        p = math.comb(n, k) / 2.0 ** n
        if 2 * (cdf + p) > 1 - level:
            break
        cdf += p
        k += 1
    return x[max(k - 1, 0)], x[min(n - k, n - 1)]


def bootstrap(pairs, stat, rng, reps=1000):
    """stat(pairs) with a 95 % percentile-bootstrap interval, the pairs
    (rounds) resampled together."""
    n = len(pairs)
    bs = sorted(stat([pairs[rng.randrange(n)] for _ in range(n)]) for _ in range(reps))
    return stat(pairs), bs[int(0.025 * reps) - 1], bs[int(0.975 * reps) - 1]
