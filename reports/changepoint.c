/*
 * reports/changepoint.c - change points in a series of measurements by
 * E-divisive means.
 *
 * Method: Matteson & James, "A Nonparametric Approach for Multiple Change
 * Point Analysis of Multivariate Data", JASA 109(505), 2014, with alpha = 1
 * (the energy distance of the means), as used for performance histories by
 * MongoDB (Daly et al., "The Use of Change Point Detection to Identify
 * Software Performance Regressions in a Continuous Integration System",
 * ICPE 2020) and in Apache Otava (formerly Datastax Hunter).  For a split
 * of a segment Z into X = Z[0, tau) and Y = Z[tau, n), m = tau, k = n - tau:
 *
 *	E = 2/(m k) sum |X_i - Y_j| - 1/C(m,2) sum_{i<l} |X_i - X_l|
 *	                             - 1/C(k,2) sum_{j<l} |Y_j - Y_l|
 *	Q = m k / (m + k) * E
 *
 * The best split maximises Q (the segment's end is fixed at its end, as in
 * the ICPE paper's implementation, rather than searched too).  Splits are
 * found hierarchically: of all current segments, the one whose best split
 * has the largest Q is tested by permutation (its values shuffled R times,
 * p = (1 + #{max Q of a shuffle >= Q}) / (R + 1)); a significant split is
 * kept and the search goes on, the first insignificant one ends it.
 *
 * Two additions keep single spikes and small wobbles out, as Otava does
 * with its minimum magnitude: every segment has at least min_size points,
 * and a change point is kept only when the medians of its neighbouring
 * segments differ by at least min_magnitude (relative); the weakest point
 * under the magnitude is dropped first and the test repeated, since
 * dropping one merges two segments.
 *
 * Each pass over a segment costs O(n^2): the pairwise distances' row sums
 * update the three sums as the split moves.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The sums of distances for every split of x[0..n): Q for each tau in
 * [min_size, n - min_size]; returns the best tau and its Q. */
static int best_split(const double *x, size_t n, size_t min_size, size_t *tau_out, double *q_out)
{
	double left = 0, right = 0, between = 0, best = -INFINITY;
	size_t i, j, tau, best_tau = 0;

	if (min_size < 1)
		min_size = 1;
	if (n < 2 * min_size || n < 2)
		return -EDOM;
	/* tau = 0: everything is on the right */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			right += fabs(x[i] - x[j]);
	for (tau = 1; tau + min_size <= n; tau++) {
		/* move x[tau-1] from the right to the left */
		double to_left = 0, to_right = 0;
		size_t p = tau - 1, m, k;

		for (i = 0; i < p; i++)
			to_left += fabs(x[i] - x[p]);
		for (j = p + 1; j < n; j++)
			to_right += fabs(x[p] - x[j]);
		left += to_left;
		right -= to_right;
		between += to_right - to_left;
		m = tau;
		k = n - tau;
		if (m < min_size)
			continue;
		{
			double e = 2 * between / ((double)m * k);
			double q;

			if (m > 1)
				e -= left / ((double)m * (m - 1) / 2);
			if (k > 1)
				e -= right / ((double)k * (k - 1) / 2);
			q = (double)m * k / (double)(m + k) * e;
			if (q > best) {
				best = q;
				best_tau = tau;
			}
		}
	}
	if (!best_tau)
		return -EDOM;
	*tau_out = best_tau;
	*q_out = best;
	return 0;
}

double ngb_cp_qhat(const double *x, size_t n, size_t tau)
{
	double left = 0, right = 0, between = 0, e;
	size_t i, j, m = tau, k = n - tau;

	if (tau < 1 || tau >= n)
		return NAN;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			double d = fabs(x[i] - x[j]);

			if (j < tau)
				left += d;
			else if (i >= tau)
				right += d;
			else
				between += d;
		}
	e = 2 * between / ((double)m * k);
	if (m > 1)
		e -= left / ((double)m * (m - 1) / 2);
	if (k > 1)
		e -= right / ((double)k * (k - 1) / 2);
	return (double)m * k / (double)(m + k) * e;
}

int ngb_cp_best_split(const double *x, size_t lo, size_t hi, size_t min_size, size_t *tau,
		      double *q)
{
	size_t t;
	int rc;

	if (hi <= lo)
		return -EDOM;
	rc = best_split(x + lo, hi - lo, min_size, &t, q);
	if (!rc)
		*tau = lo + t;
	return rc;
}

/* splitmix64 (Steele, Lea & Flood, OOPSLA 2014): a fixed-seed stream for the shuffles */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The permutation p-value of a segment's best split. */
static double perm_pvalue(const double *x, size_t n, size_t min_size, double q, unsigned reps,
			  uint64_t *rng)
{
	double *y = malloc(n * sizeof(*y));
	unsigned r, above = 0;
	size_t i;

	if (!y)
		return 1;
	for (r = 0; r < reps; r++) {
		size_t t;
		double qp;

		memcpy(y, x, n * sizeof(*y));
		/* Fisher-Yates */
		for (i = n - 1; i > 0; i--) {
			size_t j = (size_t)(splitmix(rng) % (i + 1));
			double tmp = y[i];

			y[i] = y[j];
			y[j] = tmp;
		}
		if (!best_split(y, n, min_size, &t, &qp) && qp >= q)
			above++;
	}
	free(y);
	return (1.0 + above) / (reps + 1.0);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static double seg_median(const double *x, size_t lo, size_t hi)
{
	double *v = malloc((hi - lo) * sizeof(*v)), m;

	if (!v)
		return NAN;
	memcpy(v, x + lo, (hi - lo) * sizeof(*v));
	m = ngb_median(v, hi - lo);
	free(v);
	return m;
}

/* relative difference of the medians around change point i of cps[] */
static double cp_magnitude(const double *x, size_t n, const size_t *cps, size_t ncps, size_t i)
{
	size_t lo = i ? cps[i - 1] : 0, hi = i + 1 < ncps ? cps[i + 1] : n;
	double a = seg_median(x, lo, cps[i]), b = seg_median(x, cps[i], hi);
	double base = fabs(a) > 0 ? fabs(a) : fabs(b);

	if (!(base > 0))
		return 0;
	return fabs(b - a) / base;
}

int ngb_cp_find(const double *x, size_t n, const struct ngb_cp_options *opt, size_t **out,
		size_t *nout)
{
	struct ngb_cp_options o = *opt;
	size_t *cps = calloc(n + 1, sizeof(*cps)), ncps = 0;
	uint64_t rng;

	*out = NULL;
	*nout = 0;
	if (!cps)
		return -ENOMEM;
	if (o.sig_level <= 0)
		o.sig_level = 0.05;
	if (!o.permutations)
		o.permutations = 199;
	if (!o.min_size)
		o.min_size = 3;
	rng = o.seed ? o.seed : 0x6e676263ULL; /* 'ngbc' */
	for (;;) {
		size_t seg, best_seg = 0, best_tau = 0, lo, hi;
		double best_q = -INFINITY, p;

		/* the strongest split of all current segments */
		for (seg = 0; seg <= ncps; seg++) {
			size_t t;
			double q;

			lo = seg ? cps[seg - 1] : 0;
			hi = seg < ncps ? cps[seg] : n;
			if (!ngb_cp_best_split(x, lo, hi, o.min_size, &t, &q) && q > best_q) {
				best_q = q;
				best_tau = t;
				best_seg = seg;
			}
		}
		if (!best_tau || !(best_q > 0))
			break;
		lo = best_seg ? cps[best_seg - 1] : 0;
		hi = best_seg < ncps ? cps[best_seg] : n;
		p = perm_pvalue(x + lo, hi - lo, o.min_size, best_q, o.permutations, &rng);
		if (p > o.sig_level)
			break;
		cps[ncps++] = best_tau;
		qsort(cps, ncps, sizeof(*cps), cmp_size);
	}
	/* the minimum magnitude: drop the weakest point below it, repeat */
	for (;;) {
		size_t i, weakest = ncps;
		double wmag = INFINITY;

		for (i = 0; i < ncps; i++) {
			double mag = cp_magnitude(x, n, cps, ncps, i);

			if (mag < o.min_magnitude && mag < wmag) {
				wmag = mag;
				weakest = i;
			}
		}
		if (weakest == ncps)
			break;
		memmove(&cps[weakest], &cps[weakest + 1], (ncps - weakest - 1) * sizeof(*cps));
		ncps--;
	}
	*out = cps;
	*nout = ncps;
	return 0;
}
