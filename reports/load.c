/*
 * reports/load.c - one session read from the store as a report: its cells
 * (workload and its parameters x thread count x allocator x counter mode)
 * with their statistics, counters, failures and the baseline.
 *
 * Warm-up and profiling trials (kind 'profile', never timed) are left out of
 * every cell; failed trials are counted and
 * listed, never averaged in.  A counter enters only with status ok or scaled
 * and a value: an event that was not counted is 'n/a', never 0.  Derived
 * metrics (IPC, MPKI, per operation) are computed per trial from its raw
 * counts and then summarized by their median, so that one odd trial does not
 * leak into the others' ratios.
 *
 * The cells themselves, their trials and runs, come from cell.c, the one
 * loader that baselines and compare share.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "query.h"

#define X(id_, label_, what_, n1_, n2_, den_, scale_) \
	{ #id_, label_, what_, n1_, n2_, den_, scale_ },
const struct derived_def ngb_derived[NGB_NDERIVED] = { NGB_DERIVED_LIST(X) };
#undef X

/* Display order of events: the NextGen-Malloc paper's Table 1, then the rest. */
static const char *const canonical_events[] = {
	"cycles", "instructions", "context-switches", "page-faults", "LLC-loads",
	"LLC-load-misses", "LLC-stores", "LLC-store-misses", "dTLB-loads", "dTLB-load-misses",
	"dTLB-stores", "dTLB-store-misses", "task-clock", "cpu-migrations", "Ir", "I1mr",
	"ILmr", "Dr", "D1mr", "DLmr", "Dw", "D1mw", "DLmw",
};

static size_t event_rank(const char *ev)
{
	size_t i, n = sizeof(canonical_events) / sizeof(canonical_events[0]);

	for (i = 0; i < n; i++)
		if (!strcmp(canonical_events[i], ev))
			return i;
	return n;
}

static int cmp_event(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t rx = event_rank(x), ry = event_rank(y);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(x, y);
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

/* The session's row, read as every part reads it (query.c). */
static int load_session(sqlite3 *db, struct ngb_report *r, struct ngb_err *e)
{
	struct session_row row;
	int rc = query_session(db, r->session_id, &row, e);

	if (rc)
		return rc;
	r->started_at = row.started_at;
	r->finished_at = row.finished_at;
	r->status = row.status;
	r->host = row.host;
	r->cpu_model = row.cpu_model;
	r->cores = row.cores;
	r->kernel = row.kernel;
	r->os = row.os;
	r->libc = row.libc;
	r->version = row.version;
	r->commit = row.commit;
	r->command_line = row.command_line;
	r->label = row.label;
	r->seed = row.seed;
	r->config = row.config;
	return 0;
}

struct loader {
	sqlite3 *db;
	struct ngb_report *r;
	struct cell_set set;
};

static int add_failure(struct ngb_report *r, sqlite3_stmt *s)
{
	struct failure *f;
	struct failure *v = realloc(r->failures, (r->nfailures + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->failures = v;
	f = &v[r->nfailures++];
	memset(f, 0, sizeof(*f));
	f->seq = sqlite3_column_int(s, 0);
	f->workload = col_dup(s, 1);
	f->threads = sqlite3_column_int(s, 2);
	f->allocator = col_dup(s, 3);
	f->status = col_dup(s, 4);
	f->reason = col_dup(s, 5);
	f->has_exit = sqlite3_column_type(s, 6) != SQLITE_NULL;
	f->exit_code = sqlite3_column_int(s, 6);
	f->signal = sqlite3_column_int(s, 7);
	f->stderr_tail = col_dup(s, 8);
	f->warmup = sqlite3_column_int(s, 9);
	return 0;
}

/* Every trial that did not succeed, warm-up and profile trials too. */
static int load_failures(struct loader *L, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (query_prepare(L->db, Q_REPORT_FAILURES, &s) != SQLITE_OK)
		return query_fail(L->db, e, "the trials");
	sqlite3_bind_int64(s, 1, L->r->session_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (add_failure(L->r, s)) {
			sqlite3_finalize(s);
			return ngb_err_set(e, -ENOMEM, "out of memory");
		}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : query_fail(L->db, e, "the trials");
}

/* The session's cells (cell.c), each with room for the counted events. */
static int load_cells(struct loader *L, struct ngb_err *e)
{
	struct ngb_report *r = L->r;
	size_t i;
	int rc = cell_set_load(L->db, r->session_id, &L->set, e);

	r->cells = L->set.cells;
	r->ncells = L->set.n;
	if (rc)
		return rc;
	for (i = 0; i < r->ncells; i++) {
		r->cells[i].ev = calloc(r->nevents ? r->nevents : 1, sizeof(*r->cells[i].ev));
		if (!r->cells[i].ev)
			return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

static int load_events(struct loader *L, struct ngb_err *e)
{
	struct ngb_report *r = L->r;
	sqlite3_stmt *s;
	int rc;

	if (query_prepare(L->db, Q_REPORT_EVENTS, &s) != SQLITE_OK)
		return query_fail(L->db, e, "the counters");
	sqlite3_bind_int64(s, 1, r->session_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char **v = realloc(r->events, (r->nevents + 1) * sizeof(*v));

		if (!v || !(v[r->nevents] = col_dup(s, 0))) {
			if (v)
				r->events = v;
			sqlite3_finalize(s);
			return ngb_err_set(e, -ENOMEM, "out of memory");
		}
		r->events = v;
		r->nevents++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return query_fail(L->db, e, "the counters");
	if (r->nevents) /* qsort(NULL, 0) is undefined */
		qsort(r->events, r->nevents, sizeof(*r->events), cmp_event);

	/* events (or trials) that were not counted, and why */
	if (query_prepare(L->db, Q_REPORT_EVENT_NOTES, &s) != SQLITE_OK)
		return query_fail(L->db, e, "the counters");
	sqlite3_bind_int64(s, 1, r->session_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct event_note *v = realloc(r->notes, (r->nnotes + 1) * sizeof(*v));

		if (!v) {
			sqlite3_finalize(s);
			return ngb_err_set(e, -ENOMEM, "out of memory");
		}
		r->notes = v;
		v[r->nnotes].event = col_dup(s, 0);
		v[r->nnotes].status = col_dup(s, 1);
		v[r->nnotes].reason = col_dup(s, 2);
		v[r->nnotes].count = sqlite3_column_int64(s, 3);
		r->nnotes++;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : query_fail(L->db, e, "the counters");
}

static double event_value(const struct ngb_report *r, const double *vals, const char *name)
{
	size_t i;

	for (i = 0; i < r->nevents; i++)
		if (!strcmp(r->events[i], name))
			return vals[i];
	return NAN;
}

static int flush_trial(struct ngb_report *r, const struct cell_trial *t, size_t cell,
		       double *vals)
{
	struct cell *c = &r->cells[cell];
	size_t i;

	for (i = 0; i < r->nevents; i++)
		if (!isnan(vals[i]) && dvec_push(&c->ev[i], vals[i]))
			return -ENOMEM;
	for (i = 0; i < NGB_NDERIVED; i++) {
		const struct derived_def *d = &ngb_derived[i];
		double num = event_value(r, vals, d->num1), den;

		if (d->num2)
			num += event_value(r, vals, d->num2);
		if (!strcmp(d->den, "@ops"))
			den = t->has_ops ? t->ops : NAN;
		else
			den = event_value(r, vals, d->den);
		if (isnan(num) || isnan(den) || den <= 0)
			continue;
		if (dvec_push(&c->dv[i], num / den * d->scale))
			return -ENOMEM;
		r->derived_any[i] = 1;
	}
	for (i = 0; i < r->nevents; i++)
		vals[i] = NAN;
	return 0;
}

static int load_counters(struct loader *L, struct ngb_err *e)
{
	struct ngb_report *r = L->r;
	sqlite3_stmt *s;
	struct cell_trial *cur = NULL;
	int64_t cur_id = 0;
	double *vals;
	size_t i, last = 0, cell = 0;
	int rc, err = 0;

	if (!r->nevents)
		return 0;
	vals = malloc(r->nevents * sizeof(*vals));
	if (!vals)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	for (i = 0; i < r->nevents; i++)
		vals[i] = NAN;
	if (query_prepare(L->db, Q_REPORT_COUNTERS, &s) != SQLITE_OK) {
		free(vals);
		return query_fail(L->db, e, "the counters");
	}
	sqlite3_bind_int64(s, 1, r->session_id);
	/*
	 * No ORDER BY: the plan walks the session's trials and looks up each
	 * one's counters, so a trial's rows come together; sorting 140,000 rows
	 * would cost more than the rest of the report.
	 */
	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const char *ev = (const char *)sqlite3_column_text(s, 1);

		if (!cur || cur_id != id) {
			if (cur)
				err = flush_trial(r, cur, cell, vals);
			cur_id = id;
			/* the counters of the trials whose metric the cell holds */
			cur = cell_set_trial(&L->set, id, &cell);
			if (cur && !cur->ok)
				cur = NULL;
		}
		if (!cur)
			continue;
		/* events come in the same order for each trial: try the next one first */
		if (last + 1 < r->nevents && !strcmp(r->events[last + 1], ev)) {
			last++;
		} else {
			for (i = 0; i < r->nevents; i++)
				if (!strcmp(r->events[i], ev))
					break;
			if (i == r->nevents)
				continue;
			last = i;
		}
		vals[last] = sqlite3_column_double(s, 2);
	}
	if (!err && cur)
		err = flush_trial(r, cur, cell, vals);
	sqlite3_finalize(s);
	free(vals);
	if (err)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	return rc == SQLITE_DONE ? 0 : query_fail(L->db, e, "the counters");
}

static const char *sort_baseline;

static int cmp_cell(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	int c = strcmp(x->workload, y->workload), bx, by;

	if (c)
		return c;
	if (x->threads != y->threads)
		return x->threads < y->threads ? -1 : 1;
	bx = sort_baseline && !strcmp(x->allocator, sort_baseline);
	by = sort_baseline && !strcmp(y->allocator, sort_baseline);
	if (bx != by)
		return bx ? -1 : 1;
	return strcmp(x->allocator, y->allocator);
}

static int has_allocator(const struct ngb_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncells; i++)
		if (!strcmp(r->cells[i].allocator, name))
			return 1;
	return 0;
}

static int choose_baseline(struct ngb_report *r, const struct ngb_report_options *opt,
			   struct ngb_err *e)
{
	const char *want = opt && opt->baseline ? opt->baseline : "ptmalloc2";
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (r->ncells == 0)
		return 0;
	if (has_allocator(r, want)) {
		r->baseline = rep_strdup(want);
		return r->baseline ? 0 : -ENOMEM;
	}
	for (i = 0; i < r->ncells; i++)
		if (!strstr(strbuf_str(&sb), r->cells[i].allocator))
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", r->cells[i].allocator);
	if (opt && opt->explicit_baseline) {
		ngb_err_set(e, -EINVAL,
			    "baseline '%s' is not in session %lld; its allocators: %s", want,
			    (long long)r->session_id, strbuf_str(&sb));
		strbuf_release(&sb);
		return -EINVAL;
	}
	strbuf_release(&sb);
	/* the first allocator by name, and say so */
	r->baseline = rep_strdup(r->cells[0].allocator);
	for (i = 1; i < r->ncells; i++)
		if (strcmp(r->cells[i].allocator, r->baseline) < 0) {
			free(r->baseline);
			r->baseline = rep_strdup(r->cells[i].allocator);
		}
	r->baseline_note = malloc(256);
	if (r->baseline_note)
		snprintf(r->baseline_note, 256, "%s is not in this session; '--baseline=NAME' chooses another",
			 want);
	return 0;
}

static int push_name(char ***v, size_t *n, const char *s)
{
	size_t i;
	char **nv;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = rep_strdup(s);
	(*n)++;
	return 0;
}

static int summarize(struct ngb_report *r)
{
	size_t i, j, g;

	sort_baseline = r->baseline;
	if (r->ncells) /* qsort(NULL, 0) is undefined */
		qsort(r->cells, r->ncells, sizeof(*r->cells), cmp_cell);
	sort_baseline = NULL;
	if (r->baseline && push_name(&r->allocators, &r->nallocators, r->baseline))
		return -ENOMEM;
	r->min_runs = (size_t)-1;
	for (i = 0; i < r->ncells; i++) {
		struct cell *c = &r->cells[i];

		if (push_name(&r->allocators, &r->nallocators, c->allocator))
			return -ENOMEM;
		if (!c->metric) {
			c->metric = rep_strdup("");
			c->unit = rep_strdup("");
		}
		if (!c->unit)
			c->unit = rep_strdup("");
		if (i == 0 || strcmp(c->workload, r->cells[i - 1].workload) ||
		    c->threads != r->cells[i - 1].threads) {
			struct group *v = realloc(r->groups, (r->ngroups + 1) * sizeof(*v));

			if (!v)
				return -ENOMEM;
			r->groups = v;
			v[r->ngroups].workload = c->workload;
			v[r->ngroups].threads = c->threads;
			r->ngroups++;
		}
		c->group = r->ngroups - 1;
		ngb_sort_doubles(c->values.v, c->values.n);
		c->median = ngb_quantile_sorted(c->values.v, c->values.n, 0.5);
		c->min = c->values.n ? c->values.v[0] : NAN;
		c->max = c->values.n ? c->values.v[c->values.n - 1] : NAN;
		c->best = c->higher ? c->max : c->min;
		if (ngb_median_ci(c->values.v, c->values.n, r->conf, &c->median_ci))
			c->median_ci.level = 0;
		c->rss_median = ngb_median(c->rss.v, c->rss.n);
		c->ev_med = malloc((r->nevents ? r->nevents : 1) * sizeof(double));
		if (!c->ev_med)
			return -ENOMEM;
		for (j = 0; j < r->nevents; j++)
			c->ev_med[j] = ngb_median(c->ev[j].v, c->ev[j].n);
		for (j = 0; j < NGB_NDERIVED; j++)
			c->dv_med[j] = ngb_median(c->dv[j].v, c->dv[j].n);
		if (c->values.n < r->min_runs)
			r->min_runs = c->values.n;
	}
	if (r->min_runs == (size_t)-1)
		r->min_runs = 0;

	/* speedup over the baseline of the same workload and thread count */
	for (i = 0; i < r->ncells; i++) {
		struct cell *c = &r->cells[i], *b = NULL;
		double ratio;
		struct ngb_interval ci;

		b = (struct cell *)report_cell(r, c->group, r->baseline);
		if (!b || !b->values.n || !c->values.n)
			continue;
		if (b == c) {
			c->has_speedup = 1;
			c->speedup = 1;
			c->speedup_ci = (struct ngb_interval){ NAN, NAN, 0 };
			continue;
		}
		if (ngb_hl_ratio(b->values.v, b->values.n, c->values.v, c->values.n, r->conf, &ratio,
				 &ci))
			continue;
		c->has_speedup = 1;
		if (c->higher) {
			c->speedup = ratio;
			c->speedup_ci = ci;
		} else {
			c->speedup = 1 / ratio;
			c->speedup_ci = (struct ngb_interval){ 1 / ci.hi, 1 / ci.lo, ci.level };
		}
	}

	/* geometric mean of the speedups per allocator, across workloads */
	r->geo = calloc(r->nallocators ? r->nallocators : 1, sizeof(*r->geo));
	if (!r->geo)
		return -ENOMEM;
	for (j = 0; j < r->nallocators; j++) {
		struct dvec d = { 0 };

		for (i = 0; i < r->ncells; i++)
			if (r->cells[i].has_speedup && !strcmp(r->cells[i].allocator, r->allocators[j]) &&
			    dvec_push(&d, r->cells[i].speedup))
				return -ENOMEM;
		r->geo[j].allocator = r->allocators[j];
		r->geo[j].value = ngb_geomean(d.v, d.n);
		r->geo[j].ncells = d.n;
		dvec_release(&d);
	}
	r->ngeo = r->nallocators;
	(void)g;
	return 0;
}

int ngb_report_load(sqlite3 *db, int64_t sid, const struct ngb_report_options *opt,
		    struct ngb_report **out, struct ngb_err *e)
{
	struct loader L = { .db = db };
	struct ngb_report *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	r->session_id = sid;
	r->conf = opt && opt->conf > 0 ? opt->conf : 0.95;
	L.r = r;
	rc = load_session(db, r, e);
	if (!rc)
		rc = variants_register(db, sid, e);
	if (!rc)
		rc = load_events(&L, e);
	if (!rc)
		rc = load_failures(&L, e);
	if (!rc)
		rc = load_cells(&L, e);
	if (!rc)
		rc = load_counters(&L, e);
	cell_set_release_index(&L.set);
	if (!rc)
		rc = choose_baseline(r, opt, e);
	if (!rc && summarize(r))
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
	if (!rc)
		rc = prof_load(db, r, e);
	variants_unregister(db);
	if (rc) {
		ngb_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void ngb_report_free(struct ngb_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->ncells; i++)
		cell_release(&r->cells[i], r->nevents);
	free(r->cells);
	free(r->groups);
	for (i = 0; i < r->nevents; i++)
		free(r->events[i]);
	free(r->events);
	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i].event), free(r->notes[i].status), free(r->notes[i].reason);
	free(r->notes);
	for (i = 0; i < r->nfailures; i++) {
		struct failure *f = &r->failures[i];

		free(f->allocator), free(f->workload), free(f->status), free(f->reason);
		free(f->stderr_tail);
	}
	free(r->failures);
	free(r->geo);
	for (i = 0; i < r->nallocators; i++)
		free(r->allocators[i]);
	free(r->allocators);
	free(r->started_at), free(r->finished_at), free(r->status), free(r->host);
	free(r->cpu_model), free(r->kernel), free(r->os), free(r->libc), free(r->version);
	free(r->commit), free(r->command_line), free(r->label), free(r->config);
	free(r->baseline), free(r->baseline_note);
	prof_free(r->prof);
	free(r);
}
