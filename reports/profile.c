/*
 * reports/profile.c - the allocation profiles of a session (trials of kind
 * 'profile', allocators/profile/README.md) and the memory of its timing
 * trials over time (rss_samples), read into struct prof for the tables,
 * the plots and JSON.
 *
 * The workload's side of a profile (max live bytes, total requested,
 * objects, average size: the Hoard paper's table, Berger et al., ASPLOS
 * 2000) does not depend on the allocator, so it is the median over every
 * profile trial of the workload and thread count, of every allocator.
 * Fragmentation and latency are per allocator (medians over its profile
 * trials).  Blowup, the Hoard paper's peak memory of an allocator over that
 * of the best allocator for the same workload, is computed from the timing
 * trials' median max RSS, never from the profile trials, whose shim adds a
 * header to every block.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "query.h"

const char *const prof_lat_keys[PROF_NLAT] = { "p50", "p99", "p999", "max" };
const char *const prof_lat_labels[PROF_NLAT] = { "p50", "p99", "p99.9", "max" };

/* The trial_results keys read, without 'profile.'; the order of prof_key_*. */
enum {
	K_PEAK_LIVE, K_REQUESTED, K_ALLOCS, K_AVG, K_FRAG, K_PEAK_RSS,
	K_MALLOC, K_FREE = K_MALLOC + PROF_NLAT, K_N = K_FREE + PROF_NLAT
};

static int key_index(const char *key)
{
	static const char *const fixed[] = { "peak_live_bytes", "bytes_requested", "allocations",
					     "avg_request_bytes", "fragmentation", "peak_rss_bytes" };
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(key, fixed[i]))
			return (int)i;
	for (i = 0; i < PROF_NLAT; i++) {
		if (!strncmp(key, "malloc_ns.", 10) && !strcmp(key + 10, prof_lat_keys[i]))
			return K_MALLOC + (int)i;
		if (!strncmp(key, "free_ns.", 8) && !strcmp(key + 8, prof_lat_keys[i]))
			return K_FREE + (int)i;
	}
	return -1;
}

static int same_cell(const char *w1, int t1, const char *a1, const char *w2, int t2, const char *a2)
{
	return !strcmp(w1, w2) && t1 == t2 && (!a1 || !strcmp(a1, a2));
}

static int push_alloc(struct prof *p, const char *name)
{
	size_t i;
	char **v;

	for (i = 0; i < p->nallocators; i++)
		if (!strcmp(p->allocators[i], name))
			return 0;
	v = realloc(p->allocators, (p->nallocators + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->allocators = v;
	if (!(v[p->nallocators] = rep_strdup(name)))
		return -ENOMEM;
	p->nallocators++;
	return 0;
}

static void *grow(void *v, size_t n, size_t size)
{
	return realloc(v, (n + 1) * size);
}

/* The next row of a query whose columns 1-3 are workload, threads, allocator. */
static int step_cell(sqlite3_stmt *s, const char **wl, int *threads, const char **al)
{
	int rc = sqlite3_step(s);

	*wl = *al = NULL;
	*threads = 0;
	if (rc == SQLITE_ROW) {
		*wl = (const char *)sqlite3_column_text(s, 1);
		*threads = sqlite3_column_int(s, 2);
		*al = (const char *)sqlite3_column_text(s, 3);
	}
	return rc;
}

/* The profile trials' numbers: one prof_cell per workload x threads x allocator. */
static int load_profiles(sqlite3 *db, struct ngb_report *r, struct prof *p, struct ngb_err *e)
{
	sqlite3_stmt *s;
	struct dvec cur[K_N] = { { 0 } }, grp[4] = { { 0 } };
	struct prof_cell *c = NULL;
	struct prof_group *g = NULL;
	int64_t last_trial = -1;
	int rc, k, err = 0;
	size_t i;

	if (query_prepare(db, Q_PROFILES, &s) != SQLITE_OK)
		return query_fail(db, e, "the profiles");
	sqlite3_bind_int64(s, 1, r->session_id);
	for (;;) {
		const char *wl, *al;
		int threads, row;

		rc = step_cell(s, &wl, &threads, &al);
		row = rc == SQLITE_ROW;
		/* close the cell (and the group) that ends here */
		if (c && (!row || !same_cell(c->workload, c->threads, c->allocator, wl, threads, al))) {
			c->frag = ngb_median(cur[K_FRAG].v, cur[K_FRAG].n);
			c->peak_rss_kb = ngb_median(cur[K_PEAK_RSS].v, cur[K_PEAK_RSS].n) / 1024;
			for (i = 0; i < PROF_NLAT; i++) {
				c->malloc_ns[i] = ngb_median(cur[K_MALLOC + i].v, cur[K_MALLOC + i].n);
				c->free_ns[i] = ngb_median(cur[K_FREE + i].v, cur[K_FREE + i].n);
			}
			for (k = 0; k < K_N; k++)
				cur[k].n = 0;
			c = NULL;
		}
		if (g && (!row || !same_cell(g->workload, g->threads, NULL, wl, threads, NULL))) {
			g->peak_live = ngb_median(grp[0].v, grp[0].n);
			g->requested = ngb_median(grp[1].v, grp[1].n);
			g->allocations = ngb_median(grp[2].v, grp[2].n);
			g->avg_size = ngb_median(grp[3].v, grp[3].n);
			for (k = 0; k < 4; k++)
				grp[k].n = 0;
			g = NULL;
		}
		if (!row)
			break;
		if (!g) {
			struct prof_group *v = grow(p->groups, p->ngroups, sizeof(*v));

			if (!v)
				goto oom;
			p->groups = v;
			g = &v[p->ngroups++];
			memset(g, 0, sizeof(*g));
			g->workload = rep_strdup(wl);
			g->threads = threads;
			if (!g->workload)
				goto oom;
		}
		if (!c) {
			struct prof_cell *v = grow(p->cells, p->ncells, sizeof(*v));

			if (!v)
				goto oom;
			p->cells = v;
			c = &v[p->ncells++];
			memset(c, 0, sizeof(*c));
			c->workload = rep_strdup(wl);
			c->allocator = rep_strdup(al);
			c->threads = threads;
			c->group = p->ngroups - 1;
			c->blowup = NAN;
			if (!c->workload || !c->allocator || push_alloc(p, al))
				goto oom;
		}
		if (sqlite3_column_int64(s, 0) != last_trial) {
			last_trial = sqlite3_column_int64(s, 0);
			c->ntrials++;
			g->ntrials++;
		}
		k = key_index((const char *)sqlite3_column_text(s, 4));
		if (k < 0)
			continue;
		if (dvec_push(&cur[k], sqlite3_column_double(s, 5)))
			goto oom;
		if (k <= K_AVG && dvec_push(&grp[k], sqlite3_column_double(s, 5)))
			goto oom;
	}
	if (rc != SQLITE_DONE)
		err = query_fail(db, e, "the profiles");
	goto out;
oom:
	err = ngb_err_set(e, -ENOMEM, "out of memory");
out:
	sqlite3_finalize(s);
	for (k = 0; k < K_N; k++)
		dvec_release(&cur[k]);
	for (k = 0; k < 4; k++)
		dvec_release(&grp[k]);
	return err;
}

static size_t bin_index(struct prof *p, double lo)
{
	size_t i;

	for (i = 0; i < p->nbins; i++)
		if (p->bin_lo[i] == lo)
			return i;
	return (size_t)-1;
}

/* The size histograms, summed per cell over its profile trials. */
static int load_sizes(sqlite3 *db, struct ngb_report *r, struct prof *p, struct ngb_err *e)
{
	sqlite3_stmt *s;
	size_t i;
	int rc, pass;

	/* pass 0: the bins (ascending); pass 1: the counts */
	for (pass = 0; pass < 2; pass++) {
		if (query_prepare(db, Q_PROFILE_SIZES, &s) != SQLITE_OK)
			return query_fail(db, e, "the size histograms");
		sqlite3_bind_int64(s, 1, r->session_id);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			double lo = sqlite3_column_double(s, 3);
			size_t b = bin_index(p, lo);

			if (pass == 0) {
				double *l, *h;

				if (b != (size_t)-1)
					continue;
				l = grow(p->bin_lo, p->nbins, sizeof(*l));
				if (l)
					p->bin_lo = l;
				h = grow(p->bin_hi, p->nbins, sizeof(*h));
				if (h)
					p->bin_hi = h;
				if (!l || !h)
					goto oom;
				l[p->nbins] = lo;
				h[p->nbins] = sqlite3_column_double(s, 4);
				p->nbins++;
				continue;
			}
			for (i = 0; i < p->ncells; i++) {
				struct prof_cell *c = &p->cells[i];

				if (same_cell(c->workload, c->threads, c->allocator,
					      (const char *)sqlite3_column_text(s, 0),
					      sqlite3_column_int(s, 1),
					      (const char *)sqlite3_column_text(s, 2))) {
					c->size_count[b] += sqlite3_column_double(s, 5);
					break;
				}
			}
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return query_fail(db, e, "the size histograms");
		if (pass == 0)
			for (i = 0; i < p->ncells; i++)
				if (!(p->cells[i].size_count = calloc(p->nbins ? p->nbins : 1,
								      sizeof(double))))
					return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
oom:
	sqlite3_finalize(s);
	return ngb_err_set(e, -ENOMEM, "out of memory");
}

/* Blowup: a cell's median max RSS (timing trials, not under cachegrind) over
 * the group's smallest. */
static void compute_blowup(const struct ngb_report *r, struct prof *p)
{
	size_t i, j;

	for (i = 0; i < p->ncells; i++) {
		struct prof_cell *c = &p->cells[i];
		double own = NAN, best = INFINITY;

		for (j = 0; j < r->ncells; j++) {
			const struct cell *t = &r->cells[j];

			/* under cachegrind the RSS is valgrind's */
			if (strcmp(t->workload, c->workload) || t->threads != c->threads ||
			    isnan(t->rss_median) || (t->mode && !strcmp(t->mode, "sim")))
				continue;
			if (t->rss_median < best)
				best = t->rss_median;
			if (!strcmp(t->allocator, c->allocator))
				own = t->rss_median;
		}
		if (!isnan(own) && best > 0)
			c->blowup = own / best;
	}
}

/* One timing trial's samples while a cell's are read. */
struct rss_trial {
	int64_t id;
	double metric, peak_kb, end_kb;
	size_t first, n;         /* its samples in the cell's arrays */
};

static int cmp_metric(const void *a, const void *b)
{
	double x = ((const struct rss_trial *)a)->metric, y = ((const struct rss_trial *)b)->metric;

	if (x != y)
		return x < y ? -1 : 1;
	return ((const struct rss_trial *)a)->id < ((const struct rss_trial *)b)->id ? -1 : 1;
}

static int close_rss_cell(struct rss_cell *c, struct rss_trial *tr, size_t ntr,
			  struct dvec *t_ms, struct dvec *kb)
{
	struct dvec peak = { 0 }, end = { 0 }, back = { 0 };
	struct rss_trial *rep;
	size_t i;
	int err = 0;

	for (i = 0; i < ntr && !err; i++) {
		err = dvec_push(&peak, tr[i].peak_kb) || dvec_push(&end, tr[i].end_kb);
		if (!err && tr[i].peak_kb > 0)
			err = dvec_push(&back, (tr[i].peak_kb - tr[i].end_kb) / tr[i].peak_kb);
	}
	c->ntrials = ntr;
	c->peak_kb = ngb_median(peak.v, peak.n);
	c->end_kb = ngb_median(end.v, end.n);
	c->given_back = ngb_median(back.v, back.n);
	dvec_release(&peak), dvec_release(&end), dvec_release(&back);
	if (err)
		return -ENOMEM;
	/* the representative trial: the lower median of the primary metric */
	qsort(tr, ntr, sizeof(*tr), cmp_metric);
	rep = &tr[(ntr - 1) / 2];
	c->rep_trial = rep->id;
	c->t_s = malloc(rep->n * sizeof(double));
	c->mib = malloc(rep->n * sizeof(double));
	if (!c->t_s || !c->mib)
		return -ENOMEM;
	for (i = 0; i < rep->n; i++) {
		c->t_s[i] = t_ms->v[rep->first + i] / 1000;
		c->mib[i] = kb->v[rep->first + i] / 1024;
	}
	c->nsamples = rep->n;
	return 0;
}

/*
 * RSS over time of the timing trials that succeeded (warm-up left out).
 * Samples of 0 are left out: databases written before the runner checked
 * for it may end a series with the exited child's statm, all zeros.
 */
static int load_rss(sqlite3 *db, struct ngb_report *r, struct prof *p, struct ngb_err *e)
{
	sqlite3_stmt *s;
	struct dvec t_ms = { 0 }, kb = { 0 };
	struct rss_trial *tr = NULL, *t = NULL;
	size_t ntr = 0;
	struct rss_cell *c = NULL;
	int rc, err = 0;

	if (query_prepare(db, Q_RSS_SAMPLES, &s) != SQLITE_OK)
		return query_fail(db, e, "the RSS samples");
	sqlite3_bind_int64(s, 1, r->session_id);
	for (;;) {
		const char *wl, *al;
		int threads, row;
		double v;

		rc = step_cell(s, &wl, &threads, &al);
		row = rc == SQLITE_ROW;
		if (c && (!row || !same_cell(c->workload, c->threads, c->allocator, wl, threads, al))) {
			if (close_rss_cell(c, tr, ntr, &t_ms, &kb))
				goto oom;
			ntr = 0;
			t_ms.n = kb.n = 0;
			c = NULL;
		}
		if (!row)
			break;
		if (!c) {
			struct rss_cell *v = grow(p->rss, p->nrss, sizeof(*v));

			if (!v)
				goto oom;
			p->rss = v;
			c = &v[p->nrss++];
			memset(c, 0, sizeof(*c));
			c->workload = rep_strdup(wl);
			c->allocator = rep_strdup(al);
			c->threads = threads;
			if (!c->workload || !c->allocator || push_alloc(p, al))
				goto oom;
			if (!p->nrgroups || strcmp(p->rgroups[p->nrgroups - 1].workload, wl) ||
			    p->rgroups[p->nrgroups - 1].threads != threads) {
				struct group *gv = grow(p->rgroups, p->nrgroups, sizeof(*gv));

				if (!gv)
					goto oom;
				p->rgroups = gv;
				gv[p->nrgroups].workload = c->workload;
				gv[p->nrgroups].threads = threads;
				p->nrgroups++;
			}
			c->group = p->nrgroups - 1;
		}
		if (!ntr || tr[ntr - 1].id != sqlite3_column_int64(s, 0)) {
			struct rss_trial *v = grow(tr, ntr, sizeof(*v));

			if (!v)
				goto oom;
			tr = v;
			t = &tr[ntr++];
			t->id = sqlite3_column_int64(s, 0);
			t->metric = sqlite3_column_double(s, 4);
			/* wait4's maximum is the true peak; samples every 10 ms may miss it */
			t->peak_kb = sqlite3_column_type(s, 5) == SQLITE_NULL ? 0 :
				     sqlite3_column_double(s, 5);
			t->first = t_ms.n;
			t->n = 0;
		}
		v = sqlite3_column_double(s, 7);
		if (dvec_push(&t_ms, sqlite3_column_double(s, 6)) || dvec_push(&kb, v))
			goto oom;
		t->n++;
		t->end_kb = v;
		if (v > t->peak_kb)
			t->peak_kb = v;
	}
	if (rc != SQLITE_DONE)
		err = query_fail(db, e, "the RSS samples");
	goto out;
oom:
	err = ngb_err_set(e, -ENOMEM, "out of memory");
out:
	sqlite3_finalize(s);
	free(tr);
	dvec_release(&t_ms);
	dvec_release(&kb);
	return err;
}

/* Cells in the report's allocator order (baseline first) within each group. */
static const struct prof *sort_prof;

static size_t alloc_rank(const char *name)
{
	size_t i;

	for (i = 0; i < sort_prof->nallocators; i++)
		if (!strcmp(sort_prof->allocators[i], name))
			return i;
	return i;
}

static int cmp_prof_cell(const void *a, const void *b)
{
	const struct prof_cell *x = a, *y = b;
	size_t rx = alloc_rank(x->allocator), ry = alloc_rank(y->allocator);

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return rx < ry ? -1 : rx > ry;
}

static int cmp_rss_cell(const void *a, const void *b)
{
	const struct rss_cell *x = a, *y = b;
	size_t rx = alloc_rank(x->allocator), ry = alloc_rank(y->allocator);

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return rx < ry ? -1 : rx > ry;
}

int prof_load(sqlite3 *db, struct ngb_report *r, struct ngb_err *e)
{
	struct prof *p = calloc(1, sizeof(*p));
	size_t i;
	int rc = 0;

	if (!p)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	/* the report's allocator order first, so that colours agree across plots */
	for (i = 0; !rc && i < r->nallocators; i++)
		rc = push_alloc(p, r->allocators[i]);
	if (rc)
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
	if (!rc)
		rc = load_profiles(db, r, p, e);
	if (!rc)
		rc = load_sizes(db, r, p, e);
	if (!rc)
		rc = load_rss(db, r, p, e);
	if (rc || (!p->ncells && !p->nrss)) {
		prof_free(p);
		return rc;
	}
	compute_blowup(r, p);
	sort_prof = p;
	if (p->ncells)
		qsort(p->cells, p->ncells, sizeof(*p->cells), cmp_prof_cell);
	if (p->nrss)
		qsort(p->rss, p->nrss, sizeof(*p->rss), cmp_rss_cell);
	sort_prof = NULL;
	r->prof = p;
	return 0;
}

void prof_free(struct prof *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->ngroups; i++)
		free(p->groups[i].workload);
	free(p->groups);
	for (i = 0; i < p->ncells; i++) {
		free(p->cells[i].workload), free(p->cells[i].allocator);
		free(p->cells[i].size_count);
	}
	free(p->cells);
	free(p->bin_lo), free(p->bin_hi);
	for (i = 0; i < p->nrss; i++) {
		free(p->rss[i].workload), free(p->rss[i].allocator);
		free(p->rss[i].t_s), free(p->rss[i].mib);
	}
	free(p->rss);
	free(p->rgroups);
	for (i = 0; i < p->nallocators; i++)
		free(p->allocators[i]);
	free(p->allocators);
	free(p);
}
