/*
 * reports/stats.c - distribution-free statistics for the reports.
 *
 * Nothing here assumes a normal distribution: identical runs on a shared
 * machine are often bimodal, and a mean with a standard deviation would
 * describe no run that happened.
 *
 * - Median interval from order statistics and the binomial (Conover,
 *   Practical Nonparametric Statistics, 3rd ed., section 3.2).
 * - Mann-Whitney U test, exact from the distribution of U (the coefficients
 *   of the Gaussian binomial [m+n choose m]_q, Andrews, The Theory of
 *   Partitions, 3.3) while the counts are exact in doubles, else the normal
 *   approximation with the tie correction and a continuity correction, the
 *   same choices as R's wilcox.test.
 * - Hodges-Lehmann shift of log values with the interval from the U
 *   distribution (Bauer, JASA 67, 1972; Hollander & Wolfe, Nonparametric
 *   Statistical Methods, 4.3), so a ratio of two samples has an interval that
 *   needs no assumption beyond a shift of the log values.
 * - Percentile bootstrap from a fixed seed for low quantiles (Efron &
 *   Tibshirani, An Introduction to the Bootstrap, 13.3).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void ngb_sort_doubles(double *v, size_t n)
{
	if (n) /* qsort(NULL, 0) is undefined */
		qsort(v, n, sizeof(*v), cmp_double);
}

double ngb_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	ngb_sort_doubles(v, n);
	return ngb_quantile_sorted(v, n, 0.5);
}

double ngb_quantile_sorted(const double *v, size_t n, double p)
{
	double h, f;
	size_t i;

	if (n == 0)
		return NAN;
	if (p <= 0)
		return v[0];
	if (p >= 1)
		return v[n - 1];
	h = (double)(n - 1) * p;
	i = (size_t)floor(h);
	f = h - (double)i;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + f * (v[i + 1] - v[i]);
}

static double lchoose(double n, double k)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

double ngb_binom_half_cdf(long k, long n)
{
	double sum = 0;
	long i;

	if (k < 0)
		return 0;
	if (k >= n)
		return 1;
	for (i = 0; i <= k; i++)
		sum += exp(lchoose((double)n, (double)i) - (double)n * M_LN2);
	return sum > 1 ? 1 : sum;
}

int ngb_median_ci(const double *v, size_t n, double conf, struct ngb_interval *ci)
{
	double half = (1 - conf) / 2, below = 0, next;
	size_t k = 1;

	ci->lo = ci->hi = NAN;
	ci->level = 0;
	if (n < 2)
		return -EDOM;
	/* below = P(B <= k-1); grow k while P(B <= k) stays within half */
	below = ngb_binom_half_cdf(0, (long)n);
	while (k < n / 2) {
		next = ngb_binom_half_cdf((long)k, (long)n);
		if (next > half)
			break;
		below = next;
		k++;
	}
	ci->lo = v[k - 1];
	ci->hi = v[n - k];
	ci->level = 1 - 2 * below;
	return 0;
}

/* The standard normal quantile, by bisection on erfc: no table to trust. */
double norm_quantile(double p)
{
	double lo = -40, hi = 40, mid;
	int i;

	for (i = 0; i < 200; i++) {
		mid = (lo + hi) / 2;
		if (0.5 * erfc(-mid / M_SQRT2) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

static double norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

int ngb_mw_exact_ok(size_t m, size_t n)
{
	if (m == 0 || n == 0)
		return 0;
	return lchoose((double)(m + n), (double)m) < 53 * M_LN2 - 1;
}

int ngb_mw_counts(size_t m, size_t n, double **out)
{
	size_t total = m * n, i, u;
	double *c;

	c = calloc(total + 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c[0] = 1;
	/*
	 * [n+i choose i]_q = [n+i-1 choose i-1]_q (1 - q^(n+i)) / (1 - q^i):
	 * multiply by (1 - q^(n+i)), then divide by (1 - q^i), which is a
	 * running sum with stride i.  Every intermediate is an integer.
	 */
	for (i = 1; i <= m; i++) {
		size_t up = n + i;

		for (u = total; u >= up; u--)
			c[u] -= c[u - up];
		for (u = i; u <= total; u++)
			c[u] += c[u - i];
	}
	*out = c;
	return 0;
}

struct ranked {
	double v;
	int side;
};

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

int ngb_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct ngb_mw *r)
{
	size_t N = na + nb, i, j;
	struct ranked *all;
	double rank_b = 0, tie_sum = 0, mu, var, z, corr;

	memset(r, 0, sizeof(*r));
	r->p = NAN;
	if (na == 0 || nb == 0)
		return -EDOM;
	all = malloc(N * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < na; i++)
		all[i] = (struct ranked){ a[i], 0 };
	for (i = 0; i < nb; i++)
		all[na + i] = (struct ranked){ b[i], 1 };
	if (N) /* qsort(NULL, 0) is undefined */
		qsort(all, N, sizeof(*all), cmp_ranked);
	/* mid-ranks for ties */
	for (i = 0; i < N; i = j) {
		double mid, t;

		for (j = i + 1; j < N && all[j].v == all[i].v; j++)
			;
		t = (double)(j - i);
		mid = ((double)i + 1 + (double)j) / 2;
		for (size_t k = i; k < j; k++)
			if (all[k].side)
				rank_b += mid;
		if (t > 1) {
			r->ties = 1;
			tie_sum += t * t * t - t;
		}
	}
	free(all);
	r->u = rank_b - (double)nb * ((double)nb + 1) / 2;
	mu = (double)na * (double)nb / 2;
	if (!r->ties && ngb_mw_exact_ok(na, nb)) {
		double *c, total = 0, le = 0, ge = 0;
		size_t u, uu = (size_t)r->u;

		if (ngb_mw_counts(na, nb, &c))
			return -ENOMEM;
		for (u = 0; u <= na * nb; u++) {
			total += c[u];
			if (u <= uu)
				le += c[u];
			if (u >= uu)
				ge += c[u];
		}
		free(c);
		r->exact = 1;
		r->p = 2 * (le < ge ? le : ge) / total;
		if (r->p > 1)
			r->p = 1;
		return 0;
	}
	var = (double)na * (double)nb / 12 *
	      (((double)N + 1) - tie_sum / ((double)N * ((double)N - 1)));
	if (var <= 0) {
		r->p = 1;
		return 0;
	}
	corr = r->u > mu ? 0.5 : r->u < mu ? -0.5 : 0;
	z = (r->u - mu - corr) / sqrt(var);
	r->z = z;
	r->p = 2 * norm_cdf(-fabs(z));
	if (r->p > 1)
		r->p = 1;
	return 0;
}

/* Wirth's selection (Algorithms + Data Structures = Programs, 2.3.4): the
 * k-th smallest (0-based) of v, reordering v; linear on average. */
static double select_kth(double *v, size_t n, size_t k)
{
	ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (l < m) {
		double x = v[kk];
		ptrdiff_t i = l, j = m;

		do {
			while (v[i] < x)
				i++;
			while (x < v[j])
				j--;
			if (i <= j) {
				double t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			m = j;
	}
	return v[kk];
}

int ngb_hl_ratio(const double *a, size_t na, const double *b, size_t nb, double conf,
		 double *ratio, struct ngb_interval *ci)
{
	size_t M = na * nb, i, j, k = 1;
	double *d, half = (1 - conf) / 2, med, below;

	*ratio = NAN;
	ci->lo = ci->hi = NAN;
	ci->level = 0;
	if (na == 0 || nb == 0)
		return -EDOM;
	for (i = 0; i < na; i++)
		if (!(a[i] > 0))
			return -EDOM;
	for (i = 0; i < nb; i++)
		if (!(b[i] > 0))
			return -EDOM;
	d = malloc(M * sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			d[i * nb + j] = log(b[j]) - log(a[i]);
	if (M % 2)
		med = select_kth(d, M, M / 2);
	else
		med = (select_kth(d, M, M / 2 - 1) + select_kth(d, M, M / 2)) / 2;
	*ratio = exp(med);
	if (M < 2) {
		free(d);
		return 0;
	}
	/* k: the largest with P(U <= k-1) <= half; at least 1 */
	if (ngb_mw_exact_ok(na, nb)) {
		double *c, total = 0, cum;

		if (ngb_mw_counts(na, nb, &c)) {
			free(d);
			return -ENOMEM;
		}
		for (i = 0; i <= M; i++)
			total += c[i];
		cum = c[0];
		below = cum / total;
		while (k < M / 2 && (cum + c[k]) / total <= half) {
			cum += c[k];
			below = cum / total;
			k++;
		}
		free(c);
	} else {
		double mu = (double)M / 2;
		double sd = sqrt((double)na * (double)nb * ((double)(na + nb) + 1) / 12);
		double kk = floor(mu - norm_quantile(1 - half) * sd);

		k = kk < 1 ? 1 : (size_t)kk;
		below = norm_cdf(((double)k - 0.5 - mu) / sd);
	}
	ci->lo = exp(select_kth(d, M, k - 1));
	ci->hi = exp(select_kth(d, M, M - k));
	ci->level = 1 - 2 * below;
	free(d);
	return 0;
}

double ngb_geomean(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	if (n == 0)
		return NAN;
	for (i = 0; i < n; i++) {
		if (!(v[i] > 0))
			return NAN;
		s += log(v[i]);
	}
	return exp(s / (double)n);
}

/* splitmix64 (Steele, Lea & Flood, OOPSLA 2014): small, seedable, enough here */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double resample_stat(const double *v, size_t n, double q, double *tmp, uint64_t *seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		tmp[i] = v[splitmix64(seed) % n];
	if (q <= 0 || q >= 1) {
		double best = tmp[0];

		for (i = 1; i < n; i++)
			if (q <= 0 ? tmp[i] < best : tmp[i] > best)
				best = tmp[i];
		return best;
	}
	ngb_sort_doubles(tmp, n);
	return ngb_quantile_sorted(tmp, n, q);
}

/*
 * The sorted bootstrap distribution of log(stat(b) / stat(a)) into logs
 * (reps values) and the observed ratio; -EDOM for an empty side.  With one
 * value on each side there is nothing to resample: *nlogs is 0.
 */
static int bootstrap_logs(const double *a, size_t na, const double *b, size_t nb, double q,
			  unsigned reps, uint64_t seed, double *ratio, double **logs_out)
{
	double *sa, *sb, *tmp, *logs;
	unsigned r;

	*ratio = NAN;
	*logs_out = NULL;
	if (na == 0 || nb == 0 || reps < 2)
		return -EDOM;
	sa = malloc(na * sizeof(*sa));
	sb = malloc(nb * sizeof(*sb));
	tmp = malloc((na > nb ? na : nb) * sizeof(*tmp));
	logs = malloc(reps * sizeof(*logs));
	if (!sa || !sb || !tmp || !logs) {
		free(sa), free(sb), free(tmp), free(logs);
		return -ENOMEM;
	}
	memcpy(sa, a, na * sizeof(*a));
	memcpy(sb, b, nb * sizeof(*b));
	ngb_sort_doubles(sa, na);
	ngb_sort_doubles(sb, nb);
	*ratio = ngb_quantile_sorted(sb, nb, q) / ngb_quantile_sorted(sa, na, q);
	if (na > 1 || nb > 1) {
		for (r = 0; r < reps; r++) {
			double xa = resample_stat(a, na, q, tmp, &seed);
			double xb = resample_stat(b, nb, q, tmp, &seed);

			logs[r] = log(xb / xa);
		}
		ngb_sort_doubles(logs, reps);
		*logs_out = logs;
		logs = NULL;
	}
	free(sa), free(sb), free(tmp), free(logs);
	return 0;
}

static void bootstrap_interval(const double *logs, unsigned reps, double conf,
			       struct ngb_interval *ci)
{
	ci->lo = exp(ngb_quantile_sorted(logs, reps, (1 - conf) / 2));
	ci->hi = exp(ngb_quantile_sorted(logs, reps, (1 + conf) / 2));
	ci->level = conf;
}

int ngb_bootstrap_test(const double *a, size_t na, const double *b, size_t nb, double q,
		       double conf, unsigned reps, uint64_t seed, double *ratio,
		       struct ngb_interval *ci, double *p)
{
	double *logs;
	unsigned r, below = 0, above = 0;
	int rc;

	*p = NAN;
	ci->lo = ci->hi = NAN;
	ci->level = 0;
	rc = bootstrap_logs(a, na, b, nb, q, reps, seed, ratio, &logs);
	if (rc || !logs)
		return rc;
	bootstrap_interval(logs, reps, conf, ci);
	for (r = 0; r < reps; r++) {
		below += logs[r] <= 0;
		above += logs[r] >= 0;
	}
	/* the smaller tail that reaches 1, doubled; +1 so that no p is 0 */
	*p = 2.0 * ((below < above ? below : above) + 1) / (reps + 1.0);
	if (*p > 1)
		*p = 1;
	free(logs);
	return 0;
}

int ngb_bootstrap_ratio(const double *a, size_t na, const double *b, size_t nb, double q,
			double conf, unsigned reps, uint64_t seed, double *ratio,
			struct ngb_interval *ci)
{
	double p;

	return ngb_bootstrap_test(a, na, b, nb, q, conf, reps, seed, ratio, ci, &p);
}

void ngb_holm(const double *p, size_t n, double *adj)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx)), i, j;
	double run = 0;

	if (!idx) {
		/* no memory for the order: Bonferroni, which Holm never exceeds */
		for (i = 0; i < n; i++)
			adj[i] = isnan(p[i]) ? NAN : fmin(1, p[i] * (double)n);
		return;
	}
	for (i = 0, j = 0; i < n; i++) {
		adj[i] = NAN;
		if (!isnan(p[i]))
			idx[j++] = i;
	}
	n = j;
	/* insertion sort of the indices by p: n is a comparison's cells */
	for (i = 1; i < n; i++) {
		size_t k = idx[i];

		for (j = i; j > 0 && p[idx[j - 1]] > p[k]; j--)
			idx[j] = idx[j - 1];
		idx[j] = k;
	}
	for (i = 0; i < n; i++) {
		double v = fmin(1, (double)(n - i) * p[idx[i]]);

		run = fmax(run, v);
		adj[idx[i]] = run;
	}
	free(idx);
}
