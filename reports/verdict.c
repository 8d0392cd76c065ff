/*
 * reports/verdict.c - the verdicts of 'ngbench compare': each cell's
 * speedup of B over A with an interval and a test, and the verdicts over the
 * whole comparison.
 *
 * The statistic is chosen with --stat.  'median' uses the Hodges-Lehmann
 * shift of the log values with its Mann-Whitney interval (stats.c).  'min'
 * and 'p25' compare the best run or the best quarter of the runs, with a
 * percentile-bootstrap interval from a fixed seed.  The default, p25, gave
 * the fewest false alarms between identical sessions on this machine; the
 * bootstrap interval of a minimum is too narrow (a resample's minimum is
 * one of the few smallest values) and min gave the most (reports/README.md).
 *
 * Two sessions taken apart in time do not see the same machine: on a shared
 * machine every cell of a session moves together by several percent, which
 * no test within a cell can know.  So, with enough cells, the shift of the
 * whole session (the median over the cells of the log speedups, with its
 * order-statistics interval) is estimated and reported once, and each cell
 * is judged relative to it: B's runs divided by the shift, the interval
 * then widened by the shift's own uncertainty.  A cell is faster or slower
 * only when its test holds after Holm's correction across the cells AND
 * its whole interval lies beyond the minimum effect.  Measured on pairs of
 * identical sessions and on sessions with one allocator slowed down on
 * purpose: reports/README.md.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "verdict.h"

/* 'ngbe': the bootstrap's seed, fixed so that the same data give the same verdict */
#define BOOTSTRAP_SEED 0x6e676265ULL
#define BOOTSTRAP_REPS 2000

const char *ngb_verdict_name(enum ngb_verdict v)
{
	static const char *const names[] = { "same", "faster", "slower", "noisy", "only in A",
					     "only in B" };

	return names[v];
}

enum ngb_verdict ngb_verdict_of(double speedup, const struct ngb_interval *ci, double e)
{
	double band_lo = 1 / (1 + e), band_hi = 1 + e;

	if (!(ci->level > 0) || isnan(speedup))
		return NGB_VERDICT_NOISY;
	if (ci->hi < 1 && speedup < band_lo)
		return NGB_VERDICT_SLOWER;
	if (ci->lo > 1 && speedup > band_hi)
		return NGB_VERDICT_FASTER;
	if (ci->lo >= band_lo && ci->hi <= band_hi)
		return NGB_VERDICT_SAME;
	/* a real difference, but within the minimum effect */
	if ((ci->hi < 1 || ci->lo > 1) && speedup >= band_lo && speedup <= band_hi)
		return NGB_VERDICT_SAME;
	return NGB_VERDICT_NOISY;
}

/* the quantile of a side that the statistic looks at: the best end */
static double stat_q(enum ngb_compare_stat st, int higher)
{
	if (st == NGB_STAT_MIN)
		return higher ? 1 : 0;
	if (st == NGB_STAT_P25)
		return higher ? 0.75 : 0.25;
	return 0.5;
}

void compare_values(const double *av, size_t na, const double *bv, size_t nb, int higher,
		    const struct ngb_compare_options *o, double conf, struct value_cmp *r)
{
	double q = stat_q(o->stat, higher), ratio;
	struct ngb_interval ci;
	int rc;

	r->stat_a = ngb_quantile_sorted(av, na, q);
	r->stat_b = ngb_quantile_sorted(bv, nb, q);
	r->speedup = NAN;
	r->ci = (struct ngb_interval){ NAN, NAN, 0 };
	ngb_mann_whitney(av, na, bv, nb, &r->mw);
	if (!na || !nb) {
		r->verdict = NGB_VERDICT_NOISY;
		return;
	}
	if (o->stat == NGB_STAT_MEDIAN)
		rc = ngb_hl_ratio(av, na, bv, nb, conf, &ratio, &ci);
	else
		rc = ngb_bootstrap_ratio(av, na, bv, nb, q, conf, BOOTSTRAP_REPS, BOOTSTRAP_SEED,
					 &ratio, &ci);
	if (rc || !(ratio > 0)) {
		r->verdict = NGB_VERDICT_NOISY;
		return;
	}
	if (higher) {
		r->speedup = ratio;
		r->ci = ci;
	} else {
		r->speedup = 1 / ratio;
		r->ci = (struct ngb_interval){ 1 / ci.hi, 1 / ci.lo, ci.level };
	}
	/* a side with one run: nothing can be told, whatever the numbers */
	if (na < 2 || nb < 2)
		r->ci.level = 0;
	r->verdict = ngb_verdict_of(r->speedup, &r->ci, o->min_effect);
}

/* B's runs of a cell multiplied by scale (> 0: still sorted), or NULL. */
static double *scaled_b(const struct cmp_cell *cc, double scale)
{
	double *v = malloc((cc->b->values.n + 1) * sizeof(*v));

	for (size_t i = 0; v && i < cc->b->values.n; i++)
		v[i] = cc->b->values.v[i] * scale;
	return v;
}

/*
 * The cell's statistic, speedup, interval, Mann-Whitney test and verdict of
 * its raw runs; then the test that Holm's correction adjusts (p) and the
 * interval the verdict reads (rel_*), with B's runs multiplied by scale
 * (1: none), which divides the speedup by the session's shift.
 */
void verdict_cell(struct cmp_cell *cc, const struct ngb_compare_options *o, double conf,
		  double scale)
{
	const double *bv = cc->b->values.v;
	double *tmp = NULL;
	struct value_cmp r;

	compare_values(cc->a->values.v, cc->a->values.n, bv, cc->b->values.n, cc->a->higher, o,
		       conf, &r);
	cc->stat_a = r.stat_a;
	cc->stat_b = r.stat_b;
	cc->speedup = r.speedup;
	cc->ci = r.ci;
	cc->mw = r.mw;
	cc->verdict = r.verdict;
	cc->rel_speedup = r.speedup;
	cc->rel_ci = r.ci;
	cc->rel_scale = 1;
	cc->p = NAN;
	cc->p_holm = NAN;
	cc->detectable = NAN;
	if (isnan(r.speedup) || cc->a->values.n < 2 || cc->b->values.n < 2)
		return;
	if (scale != 1 && (tmp = scaled_b(cc, scale)) != NULL) {
		bv = tmp;
		compare_values(cc->a->values.v, cc->a->values.n, bv, cc->b->values.n,
			       cc->a->higher, o, conf, &r);
		cc->rel_speedup = r.speedup;
		cc->rel_ci = r.ci;
		cc->rel_scale = scale;
	}
	if (o->stat == NGB_STAT_MEDIAN) {
		cc->p = r.mw.p;
	} else {
		double ratio;
		struct ngb_interval ci;

		ngb_bootstrap_test(cc->a->values.v, cc->a->values.n, bv, cc->b->values.n,
				   stat_q(o->stat, cc->a->higher), conf, BOOTSTRAP_REPS,
				   BOOTSTRAP_SEED, &ratio, &ci, &cc->p);
	}
	free(tmp);
}

/* Half the log width of an interval, in standard errors of a normal estimate. */
static double log_se(const struct ngb_interval *ci)
{
	double z = norm_quantile(1 - (1 - ci->level) / 2);

	if (!(ci->level > 0) || !(ci->lo > 0) || !(z > 0))
		return NAN;
	return log(ci->hi / ci->lo) / (2 * z);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* One cell's statistic in each of the host's other sessions that ran it
 * twice or more, as a log of higher-is-better, by session id. */
struct cell_past {
	int64_t *sid;
	double *g;
	size_t n, cap;
};

static void cell_past_release(struct cell_past *p)
{
	free(p->sid);
	free(p->g);
}

/* Adds the statistic of one session's runs v (sorted here) to p. */
static int cell_past_add(struct cell_past *p, int64_t sid, double *v, size_t n,
			 const struct cell *x, enum ngb_compare_stat st)
{
	double q;

	if (n < 2)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	q = ngb_quantile_sorted(v, n, stat_q(st, x->higher));
	if (!(q > 0))
		return 0;
	if (p->n == p->cap) {
		size_t nc = p->cap ? 2 * p->cap : 16;
		int64_t *ns = realloc(p->sid, nc * sizeof(*ns));
		double *ng;

		if (!ns)
			return -ENOMEM;
		p->sid = ns;
		ng = realloc(p->g, nc * sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		p->g = ng;
		p->cap = nc;
	}
	p->sid[p->n] = sid;
	p->g[p->n++] = x->higher ? log(q) : -log(q);
	return 0;
}

/* The cell x's statistic in every other session of the host of the two
 * compared: the same workload, parameters, threads, allocator, metric and
 * counter mode. */
static int cell_past_load(sqlite3 *db, const struct ngb_compare *c, const struct cell *x,
			  struct cell_past *p, struct ngb_err *e)
{
	sqlite3_stmt *s;
	double *v = NULL;
	size_t nv = 0, av = 0;
	int64_t cur = -1;
	int rc, err = 0;

	if (query_prepare(db, Q_CELL_SESSIONS, &s) != SQLITE_OK)
		return query_fail(db, e, "the cell's other sessions");
	sqlite3_bind_text(s, 1, x->program ? x->program : x->workload, -1, SQLITE_STATIC);
	if (x->params)
		sqlite3_bind_text(s, 2, x->params, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, x->threads);
	sqlite3_bind_text(s, 4, x->allocator, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, x->metric ? x->metric : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, x->mode ? x->mode : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, c->ra->host ? c->ra->host : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, c->ra->session_id);
	sqlite3_bind_int64(s, 9, c->rb->session_id);
	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t sid = sqlite3_column_int64(s, 0);

		if (sid != cur) {
			err = cell_past_add(p, cur, v, nv, x, c->opt.stat);
			nv = 0;
			cur = sid;
		}
		if (nv == av) {
			size_t na = av ? 2 * av : 16;
			double *nvp = realloc(v, na * sizeof(*nvp));

			if (!nvp) {
				err = -ENOMEM;
				break;
			}
			v = nvp;
			av = na;
		}
		v[nv++] = sqlite3_column_double(s, 1);
	}
	if (!err)
		err = rc == SQLITE_DONE ? cell_past_add(p, cur, v, nv, x, c->opt.stat) : -EIO;
	sqlite3_finalize(s);
	free(v);
	if (err == -EIO)
		return query_fail(db, e, "the cell's other sessions");
	return err ? ngb_err_set(e, err, "out of memory") : 0;
}

/* The index of session sid in p (sorted by session), or -1. */
static long cell_past_find(const struct cell_past *p, int64_t sid)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->sid[mid] == sid)
			return (long)mid;
		if (p->sid[mid] < sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
}

/* The median of v[0..n), which it sorts. */
static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return ngb_quantile_sorted(v, n, 0.5);
}

/*
 * Each cell's own spread between sessions, from the other sessions of the
 * same host in the database that ran it: the cells of a comparison do not
 * move alike between sessions (here some by a few percent, one 2-thread
 * cell by a factor of 2), so one spread for them all is too narrow for
 * some and too wide for others.  The model, per cell: a session's log
 * statistic is its machine's shift, common to its cells, plus the cell's
 * own move, plus its runs' sampling error.  A past session's shift is the
 * median over the cells compared that it ran (SHIFT_MIN_CELLS at least) of
 * the cell's value less the cell's median over the sessions; the cell's
 * spread (hist_sd) is the robust standard deviation (1.4826 x MAD) of its
 * values less their session's shift, over HISTORY_MIN_SESSIONS sessions or
 * more.  It holds a session's sampling error too: the difference of two
 * sessions then has variance 2 hist_sd^2.  Robust, so that past sessions
 * in which the cell really changed move it little.
 */
static int cell_history(struct ngb_compare *c, sqlite3 *db, struct ngb_err *e)
{
	struct cell_past *p = calloc(c->ncells + 1, sizeof(*p));
	int64_t *ids = NULL;
	double *shift = NULL, *med = calloc(c->ncells + 1, sizeof(*med)), *w = NULL;
	size_t i, j, nids = 0, all = 0;
	int rc = 0;

	if (!p || !med) {
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; !rc && i < c->ncells; i++) {
		const struct cmp_cell *cc = &c->cells[i];

		if (cc->a && cc->b && !isnan(cc->p))
			rc = cell_past_load(db, c, cc->a, &p[i], e);
		all += p[i].n;
	}
	if (rc || !all)
		goto out;
	ids = malloc(all * sizeof(*ids));
	w = malloc((all > c->ncells ? all : c->ncells) * sizeof(*w));
	shift = malloc(all * sizeof(*shift));
	if (!ids || !w || !shift) {
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < c->ncells; i++) {
		for (j = 0; j < p[i].n; j++)
			ids[nids++] = p[i].sid[j];
		if (p[i].n) {
			memcpy(w, p[i].g, p[i].n * sizeof(*w));
			med[i] = median_of(w, p[i].n);
		}
	}
	qsort(ids, nids, sizeof(*ids), cmp_i64);
	for (i = j = 0; i < nids; i++)
		if (!j || ids[i] != ids[j - 1])
			ids[j++] = ids[i];
	nids = j;
	for (j = 0; j < nids; j++) {
		size_t n = 0;

		for (i = 0; i < c->ncells; i++) {
			long k = cell_past_find(&p[i], ids[j]);

			if (k >= 0)
				w[n++] = p[i].g[k] - med[i];
		}
		shift[j] = n >= SHIFT_MIN_CELLS ? median_of(w, n) : NAN;
		c->shift.hist_sessions += n >= SHIFT_MIN_CELLS;
	}
	for (i = 0; i < c->ncells; i++) {
		struct cmp_cell *cc = &c->cells[i];
		size_t n = 0;
		double mid;

		for (j = 0; j < p[i].n; j++) {
			long k = (long)((const int64_t *)bsearch(&p[i].sid[j], ids, nids,
								 sizeof(*ids), cmp_i64) - ids);

			if (!isnan(shift[k]))
				w[n++] = p[i].g[j] - shift[k];
		}
		if (n < HISTORY_MIN_SESSIONS)
			continue;
		mid = median_of(w, n);
		for (j = 0; j < n; j++)
			w[j] = fabs(w[j] - mid);
		cc->hist_sd = 1.4826 * median_of(w, n);
		cc->hist_n = n;
		c->shift.hist_cells++;
	}
out:
	for (i = 0; p && i < c->ncells; i++)
		cell_past_release(&p[i]);
	free(p);
	free(ids);
	free(shift);
	free(med);
	free(w);
	return rc;
}

/*
 * The session's shift and the cells' spread around it, and each cell's
 * verdict relative to them (a random-effects model: a cell's log speedup
 * is the session's shift, plus the cell's own move between the sessions,
 * spread tau over the cells, plus the sampling error of its runs).
 *
 * The shift: the median over the cells compared of their log speedups,
 * with the distribution-free interval of a median.  tau: the cells' robust
 * spread around it (1.4826 times the median absolute deviation, a standard
 * deviation for normal data).  Robust, so that a few cells that really
 * changed move neither much.
 *
 * Each cell is computed again with B's runs scaled by the shift; its
 * interval is widened by b, the spread of a difference of two sessions,
 * and by the shift's own uncertainty (log half-widths added in
 * quadrature), and its test becomes the normal test of its relative log
 * speedup over sqrt(se^2 + b^2), which Holm's correction then adjusts.  b
 * is the cell's own (cell_history) where the database holds enough other
 * sessions of it, else tau.  With b 0 and a sure shift this is the cell's
 * own test.
 */
static int session_model(struct ngb_compare *c, sqlite3 *db, struct ngb_err *e)
{
	struct session_shift *sh = &c->shift;
	double *l = calloc(c->ncells + 1, sizeof(*l)), *d = calloc(c->ncells + 1, sizeof(*d));
	struct ngb_interval ci;
	size_t i, n = 0;
	double h, mid, z = norm_quantile(1 - (1 - c->opt.conf) / 2);
	int rc = 0;

	for (i = 0; l && d && i < c->ncells; i++) {
		const struct cmp_cell *cc = &c->cells[i];

		if (!cc->a || !cc->b || isnan(cc->p) || !(cc->speedup > 0))
			continue;
		l[n++] = log(cc->speedup);
	}
	if (!l || !d) {
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	if (n < SHIFT_MIN_CELLS)
		goto out;
	qsort(l, n, sizeof(*l), cmp_double);
	mid = ngb_quantile_sorted(l, n, 0.5);
	sh->cells = n;
	sh->factor = exp(mid);
	if (ngb_median_ci(l, n, c->opt.conf, &ci) == 0)
		sh->ci = (struct ngb_interval){ exp(ci.lo), exp(ci.hi), ci.level };
	for (i = 0; i < n; i++)
		d[i] = fabs(l[i] - mid);
	qsort(d, n, sizeof(*d), cmp_double);
	/*
	 * The cells' whole robust spread, their runs' sampling error not taken
	 * out: on this machine the cells with narrow intervals moved most between
	 * identical sessions (a cell's runs agree within a session, not across
	 * sessions), so the spread's excess over the typical sampling error
	 * came out 0 while such cells raised false alarms (reports/README.md).
	 * Counting the sampling error twice errs on the side of fewer alarms.
	 */
	sh->tau = 1.4826 * ngb_quantile_sorted(d, n, 0.5);
	if (c->opt.absolute)
		goto out;
	sh->removed = 1;
	h = sh->ci.level > 0 ? log(sh->ci.hi / sh->ci.lo) / 2 : 0;
	sh->half = h;
	if (c->opt.history && (rc = cell_history(c, db, e)) != 0)
		goto out;
	for (i = 0; i < c->ncells; i++) {
		struct cmp_cell *cc = &c->cells[i];
		double lo, hi, se, extra;

		if (!cc->a || !cc->b || isnan(cc->p))
			continue;
		/* the spread of a difference of two sessions: the cell's own, else tau */
		cc->between = cc->hist_n ? M_SQRT2 * cc->hist_sd : sh->tau;
		extra = z * z * cc->between * cc->between + h * h;
		/* speedup = B/A of a rate, A/B of a time: B's runs over the shift, or times it */
		verdict_cell(cc, &c->opt, c->opt.conf, cc->a->higher ? 1 / sh->factor : sh->factor);
		se = log_se(&cc->rel_ci);
		if (!(cc->rel_speedup > 0) || isnan(se)) {
			cc->p = NAN;
			continue;
		}
		lo = log(cc->rel_speedup / cc->rel_ci.lo);
		hi = log(cc->rel_ci.hi / cc->rel_speedup);
		cc->rel_ci.lo = cc->rel_speedup * exp(-sqrt(lo * lo + extra));
		cc->rel_ci.hi = cc->rel_speedup * exp(sqrt(hi * hi + extra));
		cc->p = erfc(fabs(log(cc->rel_speedup)) / sqrt(se * se + cc->between * cc->between) /
			     M_SQRT2);
	}
out:
	free(l);
	free(d);
	return rc;
}

/* The cell's whole interval beyond the minimum effect, on the side of its change. */
static int beyond_effect(const struct cmp_cell *cc, double e)
{
	if (!(cc->rel_ci.level > 0))
		return 0;
	return cc->rel_ci.lo > 1 + e || cc->rel_ci.hi < 1 / (1 + e);
}

static void family_adjust(struct ngb_compare *c)
{
	double *p = calloc(c->ncells + 1, sizeof(*p)), *adj = calloc(c->ncells + 1, sizeof(*adj));
	double alpha = 1 - c->opt.conf, conf_m;
	size_t i;

	for (i = 0; i < c->ncells; i++) {
		struct cmp_cell *cc = &c->cells[i];

		cc->verdict_raw = cc->verdict;
		/* the verdict of the relative speedup, judged as a cell alone */
		if (cc->a && cc->b && c->shift.removed)
			cc->verdict = ngb_verdict_of(cc->rel_speedup, &cc->rel_ci, c->opt.min_effect);
		if (!c->cells[i].a || !c->cells[i].b)
			c->cells[i].p = c->cells[i].p_holm = c->cells[i].detectable = NAN;
		c->family += !isnan(c->cells[i].p);
	}
	if (!p || !adj || !c->family) {
		free(p);
		free(adj);
		return;
	}
	for (i = 0; i < c->ncells; i++)
		p[i] = c->cells[i].p;
	ngb_holm(p, c->ncells, adj);
	conf_m = 1 - alpha / (double)c->family;
	for (i = 0; i < c->ncells; i++) {
		struct cmp_cell *cc = &c->cells[i];
		const struct cell *a = cc->a, *b = cc->b;
		struct ngb_interval ci = { NAN, NAN, 0 };
		double ratio;

		if (isnan(cc->p))
			continue;
		cc->p_holm = adj[i];
		if ((cc->verdict == NGB_VERDICT_FASTER || cc->verdict == NGB_VERDICT_SLOWER) &&
		    !(cc->p_holm < alpha &&
		      (c->opt.absolute || beyond_effect(cc, c->opt.min_effect)))) {
			cc->verdict = NGB_VERDICT_NOISY;
			c->demoted++;
		}
		/* the interval's width in log terms: the same for B's runs scaled or not */
		if (c->opt.stat == NGB_STAT_MEDIAN)
			ngb_hl_ratio(a->values.v, a->values.n, b->values.v, b->values.n, conf_m,
				     &ratio, &ci);
		else
			ngb_bootstrap_ratio(a->values.v, a->values.n, b->values.v, b->values.n,
					    stat_q(c->opt.stat, a->higher), conf_m, BOOTSTRAP_REPS,
					    BOOTSTRAP_SEED, &ratio, &ci);
		if (ci.level > 0 && ci.lo > 0) {
			double hm = log(ci.hi / ci.lo) / 2, zm = norm_quantile(1 - alpha / 2 /
							(double)c->family);

			/* relative to the shift: its uncertainty and the cells' spread too */
			if (c->shift.removed)
				hm = sqrt(hm * hm + zm * zm * cc->between * cc->between +
					  c->shift.half * c->shift.half);
			cc->detectable = exp(hm) - 1;
		}
	}
	free(p);
	free(adj);
}

int verdict_family(struct ngb_compare *c, sqlite3 *db, struct ngb_err *e)
{
	int rc = session_model(c, db, e);

	if (!rc)
		family_adjust(c);
	return rc;
}
