/*
 * reports/evidence.c - when a report's evidence is weak (the summary's
 * banner, summary.c): cells whose runs split into two groups, a session
 * whose runs drifted from round to round, and how many runs would settle
 * a cell whose interval holds 1.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Runs that split in two: the widest gap between sorted runs (log scale)
 * holds most of a spread of 20 % or more, with two runs or more each side. */
int cell_looks_bimodal(const struct cell *c)
{
	size_t n = c->values.n, i, at = 0;
	double gap = 0, range;

	if (n < 5 || !(c->values.v[0] > 0))
		return 0;
	range = log(c->values.v[n - 1] / c->values.v[0]);
	if (range < log(1.2))
		return 0;
	for (i = 1; i < n; i++) {
		double d = log(c->values.v[i] / c->values.v[i - 1]);

		if (d > gap)
			gap = d, at = i;
	}
	return gap > 0.5 * range && at >= 2 && n - at >= 2;
}

static double spearman_index(const double *y, size_t n)
{
	/* ranks of y (ties get their mean rank) against 0..n-1 */
	double *rk = calloc(n, sizeof(*rk)), sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0, mx, my;
	size_t i, j;

	if (!rk)
		return NAN;
	for (i = 0; i < n; i++) {
		double lt = 0, eq = 0;

		for (j = 0; j < n; j++)
			lt += y[j] < y[i], eq += y[j] == y[i];
		rk[i] = lt + (eq + 1) / 2;
	}
	for (i = 0; i < n; i++)
		sx += (double)i, sy += rk[i];
	mx = sx / (double)n, my = sy / (double)n;
	for (i = 0; i < n; i++) {
		sxy += ((double)i - mx) * (rk[i] - my);
		sxx += ((double)i - mx) * ((double)i - mx);
		syy += (rk[i] - my) * (rk[i] - my);
	}
	free(rk);
	return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/*
 * Drift of the whole session: per round k, the median over the cells of
 * how much slower the cell's k-th run was than its median (log, oriented:
 * > 0 is worse).  A drift is a monotone trend of those (Spearman's rho of
 * 0.9 or more over 5 rounds or more) that moves by 5 % or more.  *first and
 * *last: the first and last rounds' values, relative.
 */
int report_drift(const struct ngb_report *r, double *first, double *last)
{
	size_t rounds = 0, i, k, m;
	double *col, *series;
	int drift = 0;

	for (i = 0; i < r->ncells; i++)
		if (r->cells[i].runs.n > rounds)
			rounds = r->cells[i].runs.n;
	if (rounds < 5)
		return 0;
	col = calloc(r->ncells + 1, sizeof(*col));
	series = calloc(rounds, sizeof(*series));
	if (!col || !series) {
		free(col), free(series);
		return 0;
	}
	for (k = 0; k < rounds; k++) {
		for (i = 0, m = 0; i < r->ncells; i++) {
			const struct cell *c = &r->cells[i];
			double d;

			if (c->runs.n != rounds || !(c->median > 0) || !(c->runs.v[k] > 0))
				continue;
			d = log(c->runs.v[k] / c->median);
			col[m++] = c->higher ? -d : d;
		}
		series[k] = m ? ngb_median(col, m) : NAN;
	}
	if (!isnan(series[0])) {
		double lo = series[0], hi = series[0], rho = spearman_index(series, rounds);

		for (k = 1; k < rounds; k++)
			lo = fmin(lo, series[k]), hi = fmax(hi, series[k]);
		drift = fabs(rho) >= 0.9 && hi - lo >= log(1.05);
		*first = exp(series[0]) - 1;
		*last = exp(series[rounds - 1]) - 1;
	}
	free(col);
	free(series);
	return drift;
}

/*
 * How many runs per cell would settle a cell whose interval holds 1: an
 * interval's width shrinks as 1/sqrt(n), so n (h / t)^2 runs bring its
 * half-width h (log) below the effect t, the larger of the estimate and
 * 5 % (smaller differences are not worth settling here).  0: no interval.
 */
size_t cell_runs_to_settle(const struct cell *c)
{
	double h, t, need;

	if (!c->has_speedup || !(c->speedup_ci.level > 0) || !(c->speedup_ci.lo > 0))
		return 0;
	h = (log(c->speedup_ci.hi) - log(c->speedup_ci.lo)) / 2;
	t = fmax(fabs(log(c->speedup)), log(1.05));
	need = ceil((double)c->values.n * (h / t) * (h / t));
	if (need < 6)
		need = 6;
	return need > 1000 ? 1000 : (size_t)need;
}
