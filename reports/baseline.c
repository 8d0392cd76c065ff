/*
 * reports/baseline.c - baselines from a session: its cells (cell.c)
 * summarized as a baseline file keeps them (baseline_file.c writes and
 * reads the file), and whether a baseline may judge a session.
 *
 * A cell is workload x parameters x threads x allocator x counter mode (and
 * for simulation the declared cache geometry), so that a change of any of
 * them is a new cell, never a silent comparison of different things.  Time
 * cells keep every run's value (sorted, 6 significant digits), so the gate
 * can apply the same statistics as 'ngbench compare'.  Simulated cells keep
 * the median, smallest and largest instructions and D1 / last-level misses
 * over the runs, per operation when the workload's record gives 'ops'
 * (time-bounded workloads such as larson do a different amount of work
 * each run), else per run (the work is fixed by the parameters).
 * A baseline older than a workload's parameter is the one exception
 * (baseline_match.c).
 *
 * With a control allocator (`baseline save --control=NAME`, written as
 * `control = NAME`), a timed run's value is its metric over the metric of the
 * control's run in the same round.  Rounds are interleaved, so the pair ran
 * within seconds of each other: a machine that is 20 % slower this hour
 * (this VM's runs drift so between sessions) is slower for both, and the
 * ratio keeps only what the allocator under test changed.  The control's
 * own cells are not kept: they are the yardstick, not a subject.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "query.h"

static int same_key(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* A baseline cell's key is a report cell's (cell.h): its workload is the
 * registered name, its counters the counter mode. */
static struct cell_key key_of(const struct ngb_baseline_cell *c)
{
	return (struct cell_key){ c->workload, c->params, c->counters, c->allocator, c->threads };
}

/* The identity of a cell: everything but its measurements. */
int baseline_cell_same(const struct ngb_baseline_cell *x, const struct ngb_baseline_cell *y)
{
	struct cell_key kx = key_of(x), ky = key_of(y);

	return cell_key_same(&kx, &ky);
}

static int cmp_cell(const void *a, const void *b)
{
	struct cell_key kx = key_of(a), ky = key_of(b);

	return cell_key_cmp(&kx, &ky);
}

/* ---- from a session ------------------------------------------------------- */

/* What a trial adds to a simulated cell: its counts and cache geometry. */
struct sim_acc {
	double sim[NGB_SIM_NMETRICS];
	int seen[NGB_SIM_NMETRICS];
	char *geometry;
};

static char *text_or_empty(const char *s)
{
	return rep_strdup(s ? s : "");
}

static int load_fingerprint(sqlite3 *db, int64_t sid, struct ngb_baseline *b, struct ngb_err *e)
{
	struct session_row row;
	struct strbuf sb = STRBUF_INIT;
	int rc = query_session(db, sid, &row, e);

	if (rc)
		return rc;
	strbuf_addf(&sb, "session %lld", (long long)sid);
	if (row.label)
		strbuf_addf(&sb, " \"%s\"", row.label);
	strbuf_addf(&sb, ", started %s", row.started_at ? row.started_at : "");
	b->source = rep_strdup(strbuf_str(&sb));
	strbuf_release(&sb);
	b->cpu_model = rep_strdup(row.cpu_model ? row.cpu_model : "");
	b->cores = row.cores;
	b->kernel = rep_strdup(row.kernel ? row.kernel : "");
	b->os = rep_strdup(row.os ? row.os : "");
	b->libc = rep_strdup(row.libc ? row.libc : "");
	b->version = rep_strdup(row.version ? row.version : "");
	b->commit = rep_strdup(row.commit ? row.commit : "");
	session_row_release(&row);
	return 0;
}

/* "cachegrind I1=... model=client" or "approximate-dtlb ..." -> the geometry part */
static char *geometry_of(const char *encoding)
{
	const char *p = strstr(encoding, "I1=");

	return rep_strdup(p ? p : encoding);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int is_sim(const struct ngb_baseline_cell *c)
{
	return c->counters && !strcmp(c->counters, "sim");
}

static int is_control(const struct ngb_baseline *b, const struct ngb_baseline_cell *c)
{
	return b->control && !is_sim(c) && !strcmp(c->allocator, b->control);
}

/* A baseline being made from a session: its cells, each with the session's
 * cell it comes from (src), and every trial's simulated counts (acc). */
struct maker {
	struct ngb_baseline *b;
	const struct cell **src;
	struct sim_acc *acc;
};

/* The control's cell for cell c: the same but for the allocator; NULL if none. */
static const struct cell *control_cell(const struct maker *M, const struct ngb_baseline_cell *c)
{
	size_t i;

	for (i = 0; i < M->b->ncells; i++) {
		const struct ngb_baseline_cell *k = &M->b->cells[i];

		if (is_control(M->b, k) && same_key(k->workload, c->workload) &&
		    same_key(k->params, c->params) && k->threads == c->threads &&
		    same_key(k->counters, c->counters))
			return M->src[i];
	}
	return NULL;
}

/*
 * A timed run's metric over that of the control's run in the same round
 * (ctl: the control's cell, NULL when the control never ran this cell;
 * NAN: no such run).  Rounds are interleaved and shuffled, so the control's
 * run is at most one round's trials away in time and shares the machine's
 * state then.
 */
static double run_ratio(const struct cell_trial *t, const struct cell *ctl)
{
	size_t k;

	if (!ctl)
		return NAN;
	for (k = 0; k < ctl->ntrials; k++) {
		const struct cell_trial *u = &ctl->trials[k];

		if (u->ok && u->round == t->round && u->value > 0)
			return t->value / u->value;
	}
	return NAN;
}

static int summarize(struct maker *M)
{
	struct ngb_baseline *b = M->b;
	size_t i, j, m;

	for (i = 0; i < b->ncells; i++) {
		struct ngb_baseline_cell *c = &b->cells[i];
		const struct cell *src = M->src[i];
		double *v = calloc(src->ntrials + 1, sizeof(*v));
		int all_ops = 1, any = 0;
		/* with a control, a timed cell other than the control's keeps ratios */
		int ratios = b->control && !is_sim(c) && !is_control(b, c);
		const struct cell *ctl = ratios ? control_cell(M, c) : NULL;

		if (!v)
			return -ENOMEM;
		for (j = 0; j < src->ntrials; j++) {
			const struct cell_trial *t = &src->trials[j];
			double x;

			if (!t->ok)
				continue;
			x = ratios ? run_ratio(t, ctl) : t->value;
			if (isnan(x))
				c->unpaired++;
			else
				v[c->nvalues++] = x;
			all_ops &= t->has_ops && t->ops > 0;
			any = 1;
		}
		qsort(v, c->nvalues, sizeof(*v), cmp_double);
		c->values = v;
		c->runs = c->nvalues + c->unpaired;
		if (!is_sim(c) || !any)
			continue;
		/* simulated: the wall time under valgrind says nothing; the counts do */
		c->per_op = all_ops;
		c->have_sim = 1;
		for (m = 0; m < NGB_SIM_NMETRICS; m++) {
			double *s = calloc(src->ntrials + 1, sizeof(*s));
			size_t n = 0;

			if (!s)
				return -ENOMEM;
			for (j = 0; j < src->ntrials; j++) {
				const struct cell_trial *t = &src->trials[j];
				const struct sim_acc *a = &M->acc[t->idx];

				if (t->ok && a->seen[m])
					s[n++] = a->sim[m] / (c->per_op ? t->ops : 1);
			}
			if (n < c->runs)
				c->have_sim = 0;  /* a run without its counts: no gate */
			qsort(s, n, sizeof(*s), cmp_double);
			c->sim_med[m] = ngb_quantile_sorted(s, n, 0.5);
			c->sim_min[m] = n ? s[0] : NAN;
			c->sim_max[m] = n ? s[n - 1] : NAN;
			free(s);
		}
		free(c->values);
		c->values = NULL;
		c->nvalues = 0;
	}
	return 0;
}

/* Leaves the control's own cells out: they only divide the others. */
static void drop_control_cells(struct ngb_baseline *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->ncells; i++) {
		if (is_control(b, &b->cells[i]))
			baseline_cell_release(&b->cells[i]);
		else
			b->cells[n++] = b->cells[i];
	}
	b->ncells = n;
}

/* The simulated counts of each trial, and its cache geometry. */
static int load_sim(sqlite3 *db, int64_t sid, const struct cell_set *set, struct sim_acc *acc,
		    struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (query_prepare(db, Q_BASELINE_COUNTERS, &s) != SQLITE_OK)
		return query_fail(db, e, "the counters");
	sqlite3_bind_int64(s, 1, sid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cell_trial *t = cell_set_trial(set, sqlite3_column_int64(s, 0), NULL);
		const char *src = (const char *)sqlite3_column_text(s, 1);
		const char *ev = (const char *)sqlite3_column_text(s, 2);
		const char *st = (const char *)sqlite3_column_text(s, 3);
		const char *enc = (const char *)sqlite3_column_text(s, 5);
		struct sim_acc *a;
		int m;

		if (!t || !src || !ev || strcmp(src, "sim"))
			continue;
		a = &acc[t->idx];
		if (!a->geometry && enc && !(a->geometry = geometry_of(enc))) {
			sqlite3_finalize(s);
			return ngb_err_set(e, -ENOMEM, "out of memory");
		}
		if (cell_sim_event(ev, &m) && cell_counter_counted(st) &&
		    sqlite3_column_type(s, 4) != SQLITE_NULL) {
			a->sim[m] += sqlite3_column_double(s, 4);
			a->seen[m] = 1;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : query_fail(db, e, "the counters");
}

/* A baseline cell from the session's cell c: its key and description (a
 * cell of skipped trials only has none: 0 and nothing added). */
static int add_cell(struct maker *M, const struct cell *c)
{
	struct ngb_baseline *b = M->b;
	struct ngb_baseline_cell *bc;
	const struct cell_trial *first = NULL;
	size_t j;

	for (j = 0; j < c->ntrials && !first; j++)
		if (!c->trials[j].skipped)
			first = &c->trials[j];
	if (!first)
		return 0;
	bc = &b->cells[b->ncells];
	memset(bc, 0, sizeof(*bc));
	M->src[b->ncells++] = c;
	bc->workload = text_or_empty(c->program);
	bc->params = text_or_empty(c->params);
	bc->threads = c->threads;
	bc->allocator = text_or_empty(c->allocator);
	bc->counters = text_or_empty(c->mode ? c->mode : "none");
	bc->allocator_version = text_or_empty(c->allocator_version);
	bc->metric = text_or_empty(c->metric);
	bc->unit = text_or_empty(c->unit);
	bc->higher = c->higher;
	bc->failed = c->nfailed;
	/* a cell's geometry: its first trial's */
	if (M->acc[first->idx].geometry)
		bc->geometry = rep_strdup(M->acc[first->idx].geometry);
	if (!bc->workload || !bc->params || !bc->allocator || !bc->counters ||
	    !bc->allocator_version || !bc->metric || !bc->unit ||
	    (M->acc[first->idx].geometry && !bc->geometry))
		return -ENOMEM;
	return 0;
}

static int check_control(const struct maker *M, const char *control, struct ngb_err *e)
{
	const struct ngb_baseline *b = M->b;
	int timed = 0, have = 0;
	size_t i, j;

	for (i = 0; i < b->ncells; i++) {
		timed |= !is_sim(&b->cells[i]);
		if (is_control(b, &b->cells[i]))
			for (j = 0; j < M->src[i]->ntrials; j++)
				have |= M->src[i]->trials[j].ok;
	}
	if (!timed)
		return ngb_err_set(e, -EINVAL, "a control divides timed runs, and this session "
				   "has none (simulated counts need no control): leave out "
				   "--control");
	if (!have)
		return ngb_err_set(e, -ENOENT, "the control allocator '%s' has no timed trials "
				   "in this session: add it to the experiment's allocators "
				   "(it runs in the same rounds as the others)", control);
	return 0;
}

int ngb_baseline_from_session(sqlite3 *db, int64_t sid, const char *control,
			      struct ngb_baseline **out, struct ngb_err *e)
{
	struct cell_set set = { 0 };
	struct maker M = { 0 };
	size_t i;
	int rc;

	*out = NULL;
	M.b = calloc(1, sizeof(*M.b));
	if (!M.b)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	rc = load_fingerprint(db, sid, M.b, e);
	if (rc)
		goto out;
	if (control && !(M.b->control = rep_strdup(control))) {
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	/* the session's cells, as every report reads them (cell.c) */
	rc = variants_register(db, sid, e);
	if (!rc) {
		rc = cell_set_load(db, sid, &set, e);
		variants_unregister(db);
	}
	if (rc)
		goto out;
	M.acc = calloc(set.ntrials + 1, sizeof(*M.acc));
	M.src = calloc(set.n + 1, sizeof(*M.src));
	M.b->cells = calloc(set.n + 1, sizeof(*M.b->cells));
	if (!M.acc || !M.src || !M.b->cells) {
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	rc = load_sim(db, sid, &set, M.acc, e);
	for (i = 0; !rc && i < set.n; i++)
		if (add_cell(&M, &set.cells[i]))
			rc = ngb_err_set(e, -ENOMEM, "out of memory");
	if (!rc && control)
		rc = check_control(&M, control, e);
	if (!rc && summarize(&M))
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
	if (rc)
		goto out;
	drop_control_cells(M.b);
	qsort(M.b->cells, M.b->ncells, sizeof(*M.b->cells), cmp_cell);
	*out = M.b;
	M.b = NULL;
out:
	for (i = 0; M.acc && i < set.ntrials; i++)
		free(M.acc[i].geometry);
	free(M.acc);
	free(M.src);
	for (i = 0; i < set.n; i++)
		cell_release(&set.cells[i], 0);
	free(set.cells);
	cell_set_release_index(&set);
	ngb_baseline_free(M.b);
	return rc;
}

/* ---- may this baseline judge that session? -------------------------------- */

static void differ(struct strbuf *sb, const char *what, const char *base, const char *cur)
{
	if (same_key(base, cur))
		return;
	strbuf_addf(sb, "; %s: baseline '%s', here '%s'", what, base ? base : "", cur ? cur : "");
}

int ngb_baseline_check_machine(const struct ngb_baseline *b, const struct ngb_baseline *cur,
			       struct ngb_err *e)
{
	struct strbuf sb = STRBUF_INIT;
	int time_cells = 0, sim_cells = 0, rc = 0;
	size_t i;

	for (i = 0; i < b->ncells; i++) {
		if (!strcmp(b->cells[i].counters, "sim"))
			sim_cells = 1;
		else
			time_cells = 1;
	}
	if (time_cells) {
		char bc[32], cc[32];

		differ(&sb, "CPU", b->cpu_model, cur->cpu_model);
		snprintf(bc, sizeof(bc), "%d", b->cores);
		snprintf(cc, sizeof(cc), "%d", cur->cores);
		differ(&sb, "cores", bc, cc);
		differ(&sb, "kernel", b->kernel, cur->kernel);
	}
	/* instruction counts depend on the code that runs: the C library and
	 * the system's compiler and libraries (the OS release stands for them) */
	if (time_cells || sim_cells) {
		differ(&sb, "libc", b->libc, cur->libc);
		if (sim_cells)
			differ(&sb, "OS", b->os, cur->os);
	}
	if (sb.len)
		rc = ngb_err_set(e, -EXDEV, "the baseline comes from another machine%s%s",
				 time_cells ? " (time is only comparable on the same machine)" : "",
				 strbuf_str(&sb));
	strbuf_release(&sb);
	return rc;
}
