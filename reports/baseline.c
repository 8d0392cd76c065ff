/*
 * reports/baseline.c - baselines: a session's cells summarized in a small,
 * stable, diff-friendly text file that lives in git, and read back.
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
 *
 * With a control allocator (`baseline save --control=NAME`, written as
 * `control = NAME`), a timed run's value is its metric over the metric of the
 * control's run in the same round.  Rounds are interleaved, so the pair ran
 * within seconds of each other: a machine that is 20 % slower this hour
 * (this VM's runs drift so between sessions) is slower for both, and the
 * ratio keeps only what the allocator under test changed.  The control's
 * own cells are not kept: they are the yardstick, not a subject.
 *
 * The format (reports/README.md) is line-based "key = value" with "[cell]"
 * sections, in a fixed key order and a fixed cell order, so that saving the
 * same measurements twice gives the same bytes and a real change is a
 * readable diff.  Text from users (names, parameters) is escaped: a
 * backslash, a control byte or a byte above 0x7e becomes \xNN, so every line
 * stays one line of ASCII.
 *
 * Over 600 lines: the three parts (from a session; the file, written and
 * read back byte for byte; whether a baseline may judge a session) share the
 * cell type's private helpers.  The file's reader and writer are the part to
 * move out next.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "query.h"
#include "ngbench/ini.h"

const char *ngb_sim_metric_name(enum ngb_sim_metric m)
{
	static const char *const names[] = { "instructions", "D1-misses", "LL-misses" };

	return m < NGB_SIM_NMETRICS ? names[m] : "?";
}

static void bcell_release(struct ngb_baseline_cell *c)
{
	free(c->workload);
	free(c->params);
	free(c->allocator);
	free(c->allocator_version);
	free(c->counters);
	free(c->geometry);
	free(c->metric);
	free(c->unit);
	free(c->values);
}

void ngb_baseline_free(struct ngb_baseline *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->ncells; i++)
		bcell_release(&b->cells[i]);
	free(b->cells);
	free(b->control);
	free(b->source);
	free(b->version);
	free(b->commit);
	free(b->cpu_model);
	free(b->kernel);
	free(b->os);
	free(b->libc);
	free(b);
}

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

static int sim_index(const char *event, int *which)
{
	static const char *const ev[] = { "Ir", "D1mr", "D1mw", "DLmr", "DLmw" };
	static const int to[] = { NGB_SIM_IR, NGB_SIM_D1, NGB_SIM_D1, NGB_SIM_LL, NGB_SIM_LL };
	const char *colon = strrchr(event, ':');
	size_t i;

	/* the approximate dTLB mode prefixes the same names with "dtlb-approx:" */
	if (colon)
		event = colon + 1;
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		if (!strcmp(event, ev[i])) {
			*which = to[i];
			return 1;
		}
	return 0;
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
			bcell_release(&b->cells[i]);
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
		if (sim_index(ev, &m) && st && (!strcmp(st, "ok") || !strcmp(st, "scaled")) &&
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

/* ---- the file ------------------------------------------------------------- */

static void put_escaped(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e || c == '\\')
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

static void kv(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%s = ", key);
	put_escaped(out, value);
	fputc('\n', out);
}

/*
 * Numbers: %.10g keeps a count below 10^10 exact; a per-operation figure
 * keeps 10 digits, far below the gate's threshold.  Time values keep 6,
 * more than any run-to-run difference on a real machine.
 */
static void sim_line(FILE *out, const struct ngb_baseline_cell *c, int m)
{
	fprintf(out, "%s = %.10g min %.10g max %.10g\n", ngb_sim_metric_name(m), c->sim_med[m],
		c->sim_min[m], c->sim_max[m]);
}

int ngb_baseline_write(const struct ngb_baseline *b, FILE *out, struct ngb_err *e)
{
	size_t i, j;
	int m;

	fprintf(out,
		"# ngbench baseline: one [cell] per workload x parameters x threads x allocator\n"
		"# x counter mode.  Written by 'ngbench baseline save', read by 'ngbench compare\n"
		"# --baseline-file' and 'ngbench ci'.  Change it on purpose only (docs/ci.md).\n"
		"format = %d\n", NGB_BASELINE_FORMAT_VERSION);
	kv(out, "source", b->source);
	kv(out, "ngbench", b->version);
	kv(out, "commit", b->commit);
	kv(out, "cpu", b->cpu_model);
	fprintf(out, "cores = %d\n", b->cores);
	kv(out, "kernel", b->kernel);
	kv(out, "os", b->os);
	kv(out, "libc", b->libc);
	if (b->control)
		kv(out, "control", b->control);
	for (i = 0; i < b->ncells; i++) {
		const struct ngb_baseline_cell *c = &b->cells[i];

		fputs("\n[cell]\n", out);
		kv(out, "workload", c->workload);
		kv(out, "params", c->params);
		fprintf(out, "threads = %d\n", c->threads);
		kv(out, "allocator", c->allocator);
		kv(out, "allocator-version", c->allocator_version);
		kv(out, "counters", c->counters);
		if (c->geometry)
			kv(out, "geometry", c->geometry);
		kv(out, "metric", c->metric);
		kv(out, "unit", c->unit);
		fprintf(out, "better = %s\n", c->higher ? "higher" : "lower");
		fprintf(out, "runs = %zu\n", c->runs);
		if (c->failed)
			fprintf(out, "failed = %zu\n", c->failed);
		if (c->unpaired)
			fprintf(out, "unpaired = %zu\n", c->unpaired);
		if (c->nvalues) {
			fputs("values =", out);
			for (j = 0; j < c->nvalues; j++)
				fprintf(out, " %.6g", c->values[j]);
			fputc('\n', out);
		}
		if (c->have_sim) {
			fprintf(out, "per = %s\n", c->per_op ? "op" : "run");
			for (m = 0; m < NGB_SIM_NMETRICS; m++)
				sim_line(out, c, m);
		}
	}
	return ferror(out) ? ngb_err_set(e, -EIO, "cannot write the baseline") : 0;
}

static char *unescape(const char *s)
{
	char *r = malloc(strlen(s) + 1), *w = r;

	if (!r)
		return NULL;
	while (*s) {
		unsigned v;

		if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &v) == 1 && s[2] && s[3]) {
			*w++ = (char)v;
			s += 4;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
	return r;
}

static int parse_sim(const char *v, struct ngb_baseline_cell *c, int m)
{
	int n = 0;

	if (sscanf(v, "%lf min %lf max %lf%n", &c->sim_med[m], &c->sim_min[m], &c->sim_max[m],
		   &n) != 3 || v[n] != '\0')
		return -1;
	c->have_sim |= 1 << (m + 1);
	return 0;
}

static int parse_values(const char *v, struct ngb_baseline_cell *c)
{
	size_t cap = 8;

	c->values = malloc(cap * sizeof(double));
	if (!c->values)
		return -1;
	for (;;) {
		char *end;
		double x;

		while (*v == ' ')
			v++;
		if (!*v)
			break;
		x = strtod(v, &end);
		if (end == v || (*end && *end != ' '))
			return -1;
		if (c->nvalues == cap) {
			double *nv = realloc(c->values, 2 * cap * sizeof(double));

			if (!nv)
				return -1;
			c->values = nv;
			cap *= 2;
		}
		c->values[c->nvalues++] = x;
		v = end;
	}
	qsort(c->values, c->nvalues, sizeof(double), cmp_double);
	return 0;
}

static int parse_count(const char *v, size_t *out)
{
	char *end;
	unsigned long long x = strtoull(v, &end, 10);

	if (end == v || *end || *v == '-')
		return -1;
	*out = (size_t)x;
	return 0;
}

static int cell_key(struct ngb_baseline_cell *c, const char *k, const char *v)
{
	char **slot = NULL;
	int m;

	if (!strcmp(k, "workload"))
		slot = &c->workload;
	else if (!strcmp(k, "params"))
		slot = &c->params;
	else if (!strcmp(k, "allocator"))
		slot = &c->allocator;
	else if (!strcmp(k, "allocator-version"))
		slot = &c->allocator_version;
	else if (!strcmp(k, "counters"))
		slot = &c->counters;
	else if (!strcmp(k, "geometry"))
		slot = &c->geometry;
	else if (!strcmp(k, "metric"))
		slot = &c->metric;
	else if (!strcmp(k, "unit"))
		slot = &c->unit;
	if (slot) {
		free(*slot);
		*slot = unescape(v);
		return *slot ? 0 : -1;
	}
	if (!strcmp(k, "threads")) {
		size_t t;

		if (parse_count(v, &t) || t > 1 << 20)
			return -1;
		c->threads = (int)t;
		return 0;
	}
	if (!strcmp(k, "better")) {
		if (strcmp(v, "higher") && strcmp(v, "lower"))
			return -1;
		c->higher = !strcmp(v, "higher");
		return 0;
	}
	if (!strcmp(k, "runs"))
		return parse_count(v, &c->runs);
	if (!strcmp(k, "failed"))
		return parse_count(v, &c->failed);
	if (!strcmp(k, "unpaired"))
		return parse_count(v, &c->unpaired);
	if (!strcmp(k, "values"))
		return parse_values(v, c);
	if (!strcmp(k, "per")) {
		if (strcmp(v, "op") && strcmp(v, "run"))
			return -1;
		c->per_op = !strcmp(v, "op");
		return 0;
	}
	for (m = 0; m < NGB_SIM_NMETRICS; m++)
		if (!strcmp(k, ngb_sim_metric_name(m)))
			return parse_sim(v, c, m);
	return 1;   /* unknown key */
}

static int head_key(struct ngb_baseline *b, const char *k, const char *v, int *format)
{
	char **slot = NULL;

	if (!strcmp(k, "format")) {
		size_t f;

		if (parse_count(v, &f))
			return -1;
		*format = (int)f;
		return 0;
	}
	if (!strcmp(k, "source"))
		slot = &b->source;
	else if (!strcmp(k, "ngbench"))
		slot = &b->version;
	else if (!strcmp(k, "commit"))
		slot = &b->commit;
	else if (!strcmp(k, "cpu"))
		slot = &b->cpu_model;
	else if (!strcmp(k, "kernel"))
		slot = &b->kernel;
	else if (!strcmp(k, "os"))
		slot = &b->os;
	else if (!strcmp(k, "libc"))
		slot = &b->libc;
	else if (!strcmp(k, "control"))
		slot = &b->control;
	if (slot) {
		free(*slot);
		*slot = unescape(v);
		return *slot ? 0 : -1;
	}
	if (!strcmp(k, "cores")) {
		size_t c;

		if (parse_count(v, &c))
			return -1;
		b->cores = (int)c;
		return 0;
	}
	return 1;
}

static int check_cell(const struct ngb_baseline_cell *c)
{
	if (!c->workload || !c->params || !c->allocator || !c->counters || !c->metric)
		return -1;
	/* every simulated quantity or none */
	if (c->have_sim && c->have_sim != (1 << (NGB_SIM_NMETRICS + 1)) - 2)
		return -1;
	return 0;
}

struct baseline_reader {
	struct ngb_baseline *b;
	struct ngb_baseline_cell *cur;
	int format;
};

static int on_baseline_item(void *user, const struct ngb_ini_item *it, struct ngb_err *e)
{
	struct baseline_reader *R = user;
	struct ngb_baseline *b = R->b;
	int rc;

	if (!it->key) {
		struct ngb_baseline_cell *nc;

		if (strcmp(it->section, "cell"))
			return ngb_err_set(e, -EINVAL, "expected 'key = value' or '[cell]'");
		if (R->cur && check_cell(R->cur))
			return ngb_err_set(e, -EINVAL, "the cell before lacks a workload, parameters, "
					   "allocator, counters, metric or a simulated count");
		nc = realloc(b->cells, (b->ncells + 1) * sizeof(*nc));
		if (!nc)
			return ngb_err_set(e, -ENOMEM, "out of memory");
		b->cells = nc;
		R->cur = &b->cells[b->ncells++];
		memset(R->cur, 0, sizeof(*R->cur));
		return 0;
	}
	rc = R->cur ? cell_key(R->cur, it->key, it->value)
		    : head_key(b, it->key, it->value, &R->format);
	if (rc < 0)
		return ngb_err_set(e, -EINVAL, "bad value of '%s'", it->key);
	/* an unknown key is an error: a typo must not silently weaken the gate */
	if (rc > 0)
		return ngb_err_set(e, -EINVAL, "unknown key '%s'", it->key);
	if (!R->cur && R->format > NGB_BASELINE_FORMAT_VERSION)
		return ngb_err_set(e, -EINVAL, "a baseline of format %d; this ngbench reads format "
				   "%d: update ngbench", R->format, NGB_BASELINE_FORMAT_VERSION);
	return 0;
}

int ngb_baseline_parse(const char *text, const char *name, struct ngb_baseline **out,
		       struct ngb_err *e)
{
	return ngb_baseline_parse_len(text, strlen(text), name, out, e);
}

int ngb_baseline_parse_len(const char *text, size_t len, const char *name,
			   struct ngb_baseline **out, struct ngb_err *e)
{
	/* the shared INI reader: [cell] repeats, keys do not */
	static const struct ngb_ini_syntax syntax = { "#", 1, NULL };
	struct baseline_reader R = { 0 };
	size_t i;
	int rc;

	*out = NULL;
	R.b = calloc(1, sizeof(*R.b));
	if (!R.b)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	rc = ngb_ini_parse(text, len, &syntax, on_baseline_item, &R, e);
	if (rc && e) {
		char msg[sizeof(e->msg)];

		memcpy(msg, e->msg, sizeof(msg));
		ngb_err_set(e, rc, "'%s' %s", name, msg);
	}
	if (!rc && R.format < 1)
		rc = ngb_err_set(e, -EINVAL, "'%s' is not an ngbench baseline (no 'format = %d')",
				 name, NGB_BASELINE_FORMAT_VERSION);
	if (!rc && R.cur && check_cell(R.cur))
		rc = ngb_err_set(e, -EINVAL, "'%s': the last cell lacks a workload, parameters, "
				 "allocator, counters, metric or a simulated count", name);
	if (rc) {
		ngb_baseline_free(R.b);
		return rc;
	}
	for (i = 0; i < R.b->ncells; i++) {
		struct ngb_baseline_cell *c = &R.b->cells[i];

		c->have_sim = c->have_sim != 0;
		if (!c->unit)
			c->unit = rep_strdup("");
		if (!c->allocator_version)
			c->allocator_version = rep_strdup("");
	}
	*out = R.b;
	return 0;
}

int ngb_baseline_read(const char *path, struct ngb_baseline **out, struct ngb_err *e)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	int rc;

	*out = NULL;
	if (!f)
		return ngb_err_set(e, -errno, "cannot open baseline '%s': %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	if (ferror(f) || sb.oom) {
		fclose(f);
		strbuf_release(&sb);
		return ngb_err_set(e, -EIO, "cannot read baseline '%s'", path);
	}
	fclose(f);
	rc = ngb_baseline_parse_len(sb.len ? sb.buf : "", sb.len, path, out, e);
	strbuf_release(&sb);
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
