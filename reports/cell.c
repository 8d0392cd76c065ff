/*
 * reports/cell.c - the one loader of a session's cells (cell.h): the
 * trials of each workload x parameter set x threads x allocator x counter
 * mode, read once through query.c, with their operations; the value of a
 * named metric per trial (a simulated quantity, a counter event or a
 * result key); and the rules that tell two cells apart.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "query.h"

struct cell_ref {
	int64_t id;
	size_t cell, trial;
};

static int str_same(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

struct cell_key cell_key_of(const struct cell *c)
{
	return (struct cell_key){ c->program, c->params, c->mode, c->allocator, c->threads };
}

int cell_key_same(const struct cell_key *x, const struct cell_key *y)
{
	return str_same(x->program, y->program) && str_same(x->params, y->params) &&
	       x->threads == y->threads && str_same(x->allocator, y->allocator) &&
	       str_same(x->mode, y->mode);
}

int cell_key_cmp(const struct cell_key *x, const struct cell_key *y)
{
	int c;

	if ((c = strcmp(x->program ? x->program : "", y->program ? y->program : "")))
		return c;
	if (x->threads != y->threads)
		return x->threads < y->threads ? -1 : 1;
	if ((c = strcmp(x->allocator ? x->allocator : "", y->allocator ? y->allocator : "")))
		return c;
	if ((c = strcmp(x->params ? x->params : "", y->params ? y->params : "")))
		return c;
	return strcmp(x->mode ? x->mode : "", y->mode ? y->mode : "");
}

/* A cachegrind event's simulated quantity: "Ir", "D1mr", ... (the
 * approximate dTLB mode prefixes the same names with "dtlb-approx:"). */
int cell_sim_event(const char *event, int *which)
{
	static const char *const ev[] = { "Ir", "D1mr", "D1mw", "DLmr", "DLmw" };
	static const int to[] = { NGB_SIM_IR, NGB_SIM_D1, NGB_SIM_D1, NGB_SIM_LL, NGB_SIM_LL };
	const char *colon = strrchr(event, ':');
	size_t i;

	if (colon)
		event = colon + 1;
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		if (!strcmp(event, ev[i])) {
			*which = to[i];
			return 1;
		}
	return 0;
}

int cell_sim_metric(const char *name)
{
	int m;

	for (m = 0; m < NGB_SIM_NMETRICS; m++)
		if (!strcmp(name, ngb_sim_metric_name(m)))
			return m;
	return -1;
}

int cell_counter_counted(const char *status)
{
	return status && (!strcmp(status, "ok") || !strcmp(status, "scaled"));
}

int cell_set_values(sqlite3 *db, int64_t sid, const struct cell_set *set, const char *metric,
		    double *v, struct ngb_err *e)
{
	char *seen = calloc(set->ntrials + 1, 1);
	sqlite3_stmt *s;
	size_t i;
	int rc, m = cell_sim_metric(metric), kind = m >= 0 ? 1 : 2;

	if (!seen)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	for (i = 0; i < set->ntrials; i++)
		v[i] = NAN;
	if (query_prepare(db, Q_BASELINE_COUNTERS, &s) != SQLITE_OK) {
		free(seen);
		return query_fail(db, e, "the counters");
	}
	sqlite3_bind_int64(s, 1, sid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cell_trial *t = cell_set_trial(set, sqlite3_column_int64(s, 0), NULL);
		const char *src = (const char *)sqlite3_column_text(s, 1);
		const char *ev = (const char *)sqlite3_column_text(s, 2);
		int which, null = sqlite3_column_type(s, 4) == SQLITE_NULL;

		if (!t || !ev || !cell_counter_counted((const char *)sqlite3_column_text(s, 3)))
			continue;
		if (kind == 1) {
			if (null || !src || strcmp(src, "sim") || !cell_sim_event(ev, &which) ||
			    which != m)
				continue;
			v[t->idx] = (seen[t->idx] ? v[t->idx] : 0) + sqlite3_column_double(s, 4);
			seen[t->idx] = 1;
		} else if (!strcmp(ev, metric) && !seen[t->idx]) {
			/* the first such counter decides; without a value, the result */
			seen[t->idx] = 1;
			if (!null)
				v[t->idx] = sqlite3_column_double(s, 4);
		}
	}
	sqlite3_finalize(s);
	free(seen);
	if (rc != SQLITE_DONE)
		return query_fail(db, e, "the counters");
	if (kind == 1) {
		for (i = 0; i < set->n; i++)
			for (size_t j = 0; j < set->cells[i].ntrials; j++) {
				const struct cell_trial *t = &set->cells[i].trials[j];

				if (t->has_ops)
					v[t->idx] /= t->ops;
			}
		return 0;
	}
	if (query_prepare(db, Q_TRIAL_RESULT, &s) != SQLITE_OK)
		return query_fail(db, e, "the results");
	sqlite3_bind_int64(s, 1, sid);
	sqlite3_bind_text(s, 2, metric, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cell_trial *t = cell_set_trial(set, sqlite3_column_int64(s, 0), NULL);

		if (t && isnan(v[t->idx]) && sqlite3_column_type(s, 1) != SQLITE_NULL)
			v[t->idx] = sqlite3_column_double(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : query_fail(db, e, "the results");
}

int cell_same_row(const struct cell *x, const struct cell *y)
{
	return !strcmp(x->workload, y->workload) && x->threads == y->threads;
}

int cell_match(const struct cell *x, const struct cell *y)
{
	return cell_same_row(x, y) && !strcmp(x->allocator, y->allocator);
}

const struct cell *report_cell(const struct ngb_report *r, size_t g, const char *allocator)
{
	size_t i;

	for (i = 0; allocator && i < r->ncells; i++)
		if (r->cells[i].group == g && !strcmp(r->cells[i].allocator, allocator))
			return &r->cells[i];
	return NULL;
}

void cell_release(struct cell *c, size_t nevents)
{
	size_t j;

	free(c->program), free(c->params), free(c->mode), free(c->allocator);
	free(c->workload), free(c->allocator_version), free(c->metric), free(c->unit);
	free(c->trials);
	dvec_release(&c->values);
	dvec_release(&c->runs);
	dvec_release(&c->rss);
	for (j = 0; c->ev && j < nevents; j++)
		dvec_release(&c->ev[j]);
	free(c->ev);
	free(c->ev_med);
	for (j = 0; j < NGB_NDERIVED; j++)
		dvec_release(&c->dv[j]);
}

static int cmp_ref(const void *a, const void *b)
{
	int64_t x = ((const struct cell_ref *)a)->id, y = ((const struct cell_ref *)b)->id;

	return x < y ? -1 : x > y;
}

struct cell_trial *cell_set_trial(const struct cell_set *set, int64_t id, size_t *cell)
{
	struct cell_ref key = { .id = id }, *ref;

	if (!set->ntrials)
		return NULL;
	ref = bsearch(&key, set->byid, set->ntrials, sizeof(*ref), cmp_ref);
	if (!ref)
		return NULL;
	if (cell)
		*cell = ref->cell;
	return &set->cells[ref->cell].trials[ref->trial];
}

void cell_set_release_index(struct cell_set *set)
{
	free(set->byid);
	set->byid = NULL;
	set->ntrials = 0;
}

static int same_key_row(const struct cell *c, sqlite3_stmt *s)
{
	struct cell_key k = { (const char *)sqlite3_column_text(s, 12),
			      (const char *)sqlite3_column_text(s, 13),
			      (const char *)sqlite3_column_text(s, 14),
			      (const char *)sqlite3_column_text(s, 3), sqlite3_column_int(s, 2) };
	struct cell_key ck = cell_key_of(c);

	return cell_key_same(&ck, &k);
}

static struct cell *new_cell(struct cell_set *set, size_t *alloc, sqlite3_stmt *s)
{
	struct cell *c;
	int oom = 0;

	if (set->n == *alloc) {
		size_t na = *alloc ? 2 * *alloc : 16;
		struct cell *v = realloc(set->cells, na * sizeof(*v));

		if (!v)
			return NULL;
		set->cells = v;
		*alloc = na;
	}
	c = &set->cells[set->n++];
	memset(c, 0, sizeof(*c));
	c->workload = query_col_dup(s, 1, &oom);
	c->threads = sqlite3_column_int(s, 2);
	c->allocator = query_col_dup(s, 3, &oom);
	c->allocator_version = query_col_dup(s, 4, &oom);
	c->program = query_col_dup(s, 12, &oom);
	c->params = query_col_dup(s, 13, &oom);
	c->mode = query_col_dup(s, 14, &oom);
	return oom || !c->workload || !c->allocator ? NULL : c;
}

static int push_trial(struct cell_set *set, size_t *arefs, struct cell *c, sqlite3_stmt *s)
{
	const char *status = (const char *)sqlite3_column_text(s, 8);
	struct cell_trial *t, *v = realloc(c->trials, (c->ntrials + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	c->trials = v;
	t = &v[c->ntrials++];
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(s, 0);
	t->round = sqlite3_column_int64(s, 11);
	t->idx = set->ntrials;
	t->ok = !strcmp(status, "ok") && sqlite3_column_type(s, 9) != SQLITE_NULL;
	t->status_ok = !strcmp(status, "ok");
	t->skipped = !strcmp(status, "skipped");
	t->value = t->ok ? sqlite3_column_double(s, 9) : NAN;
	if (!c->metric && sqlite3_column_type(s, 5) != SQLITE_NULL) {
		int oom = 0;

		c->metric = query_col_dup(s, 5, &oom);
		c->unit = query_col_dup(s, 6, &oom);
		c->higher = sqlite3_column_int(s, 7);
		if (oom)
			return -ENOMEM;
	}
	if (t->ok) {
		if (dvec_push(&c->values, t->value) || dvec_push(&c->runs, t->value))
			return -ENOMEM;
		if (sqlite3_column_type(s, 10) != SQLITE_NULL &&
		    dvec_push(&c->rss, sqlite3_column_double(s, 10)))
			return -ENOMEM;
	} else if (t->skipped) {
		c->nskipped++;
	} else {
		c->nfailed++;
	}
	if (set->ntrials == *arefs) {
		size_t na = *arefs ? 2 * *arefs : 64;
		struct cell_ref *r = realloc(set->byid, na * sizeof(*r));

		if (!r)
			return -ENOMEM;
		set->byid = r;
		*arefs = na;
	}
	set->byid[set->ntrials++] = (struct cell_ref){ t->id, (size_t)(c - set->cells),
						       c->ntrials - 1 };
	return 0;
}

static int load_trials(sqlite3 *db, int64_t sid, struct cell_set *set, struct ngb_err *e)
{
	size_t acells = 0, arefs = 0;
	struct cell *c = NULL;
	sqlite3_stmt *s;
	int rc;

	if (query_prepare(db, Q_CELL_TRIALS, &s) != SQLITE_OK)
		return query_fail(db, e, "the trials");
	sqlite3_bind_int64(s, 1, sid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* a key's trials come together */
		if (!c || !same_key_row(c, s)) {
			c = new_cell(set, &acells, s);
			if (!c)
				goto oom;
		}
		if (push_trial(set, &arefs, c, s))
			goto oom;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return query_fail(db, e, "the trials");
	if (set->ntrials) /* qsort(NULL, 0) is undefined */
		qsort(set->byid, set->ntrials, sizeof(*set->byid), cmp_ref);
	return 0;
oom:
	sqlite3_finalize(s);
	return ngb_err_set(e, -ENOMEM, "out of memory");
}

/* Each trial's operations, from its result record (query.c's one rule). */
static int load_ops(sqlite3 *db, int64_t sid, struct cell_set *set, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (query_prepare(db, Q_TRIAL_OPS, &s) != SQLITE_OK)
		return query_fail(db, e, "the results");
	sqlite3_bind_int64(s, 1, sid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cell_trial *t = cell_set_trial(set, sqlite3_column_int64(s, 0), NULL);

		if (t) {
			t->has_ops = 1;
			t->ops = sqlite3_column_double(s, 1);
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : query_fail(db, e, "the results");
}

int cell_set_load(sqlite3 *db, int64_t sid, struct cell_set *set, struct ngb_err *e)
{
	int rc;

	memset(set, 0, sizeof(*set));
	rc = load_trials(db, sid, set, e);
	if (!rc)
		rc = load_ops(db, sid, set, e);
	return rc;
}
