/*
 * reports/history.c - one metric of one cell (workload and parameter set x
 * allocator x threads) over sessions, ordered by time or by commit, with its
 * change points (changepoint.c: E-divisive means with a minimum magnitude).
 * A series holds one counter mode (timed or simulated) and one parameter
 * set: sessions that ran the cell otherwise are not a change of it.
 * history_write.c writes it in every format.
 *
 * A point is a session (or, ordered by commit, every session of one commit
 * pooled): the median of its runs with the distribution-free interval of
 * the median (stats.c).  The change points are found on the points'
 * medians.  The metric is the workload's primary one, a simulated quantity
 * as the gate sees it ("instructions", "D1-misses", "LL-misses": per
 * operation when the record gives 'ops'), any counter event, or any
 * numeric key of the result record.
 *
 * Each session's trials come from its cells, loaded as every report loads
 * them (cell.c): the series takes, session by session, the cells of the
 * workload and allocator in the asked counter mode ('sim', or timed: 'hw'
 * and 'none') and their succeeded trials, with the metric's value from
 * cell_set_values.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "history.h"
#include "query.h"
#include "ngbench/perfmon.h"

size_t ngb_history_points(const struct ngb_history *h)
{
	return h->n;
}

void ngb_history_free(struct ngb_history *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->p[i].sessions);
		free(h->p[i].started_at);
		free(h->p[i].commit);
		free(h->p[i].label);
		dvec_release(&h->p[i].v);
	}
	free(h->p);
	free(h->cps);
	free(h->workload);
	free(h->allocator);
	free(h->metric_name);
	free(h->unit);
	free(h);
}

/*
 * A trial's parameters without the thread count (a series of its own), as
 * "NAME=VALUE NAME=VALUE" in key order; NULL when they do not parse.  *keep
 * tells whether they hold every NAME=VALUE of q->sets.
 */
static char *param_set(const char *params, const struct ngb_history_query *q, int *keep)
{
	json_t *o = json_loads(params ? params : "{}", 0, NULL);
	const char **keys = NULL;
	char *out = NULL;
	size_t i, n = 0, len = 0;
	const char *k;
	json_t *v;
	FILE *f;

	*keep = 0;
	if (!json_is_object(o))
		goto done;
	*keep = 1;
	for (i = 0; i < q->nsets; i++) {
		const char *eq = strchr(q->sets[i], '=');
		char name[256];
		json_t *x;

		if (!eq || (size_t)(eq - q->sets[i]) >= sizeof(name)) {
			*keep = 0;
			continue;
		}
		memcpy(name, q->sets[i], (size_t)(eq - q->sets[i]));
		name[eq - q->sets[i]] = '\0';
		x = json_object_get(o, name);
		if (!json_is_string(x) || strcmp(json_string_value(x), eq + 1))
			*keep = 0;
	}
	keys = malloc((json_object_size(o) + 1) * sizeof(*keys));
	if (!keys)
		goto done;
	json_object_foreach (o, k, v)
		if (strcmp(k, "threads") && json_is_string(v))
			keys[n++] = k;
	/* in key order, whatever order the object was stored in */
	for (i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];

			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	f = open_memstream(&out, &len);
	if (f) {
		for (i = 0; i < n; i++)
			fprintf(f, "%s%s=%s", i ? " " : "", keys[i],
				json_string_value(json_object_get(o, keys[i])));
		if (fclose(f)) {
			free(out);
			out = NULL;
		}
	}
done:
	free(keys);
	json_decref(o);
	return out;
}

/* The kind of value: the primary metric (0), a simulated quantity as the
 * gate sees it (1), or a counter event or a numeric key of the result
 * record (2). */
static int value_kind(const char *metric)
{
	if (!metric)
		return 0;
	return cell_sim_metric(metric) >= 0 ? 1 : 2;
}

/* One trial of the series: its cell and value. */
struct hrow {
	const struct cell *c;
	int64_t id;
	double v;
};

/* Within a session: by thread count, then in the order the trials ran. */
static int cmp_hrow(const void *a, const void *b)
{
	const struct hrow *x = a, *y = b;

	if (x->c->threads != y->c->threads)
		return x->c->threads < y->c->threads ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The trials of session sid in the series: its cells (cell.c) of the
 * workload and allocator (and thread count, when one is asked for) in the
 * counter mode asked for (simulated, or timed: hw or none), their succeeded
 * trials with a value of the metric.  *rows: in cmp_hrow's order, pointing
 * into set, which the caller releases.
 */
static int session_rows(sqlite3 *db, int64_t sid, const struct ngb_history_query *q, int kind,
			int want_sim, struct cell_set *set, struct hrow **rows, size_t *nrows,
			struct ngb_err *e)
{
	double *v = NULL;
	size_t i, j, n = 0;
	int rc;

	*rows = NULL;
	*nrows = 0;
	memset(set, 0, sizeof(*set));
	rc = variants_register(db, sid, e);
	if (rc)
		return rc;
	rc = cell_set_load(db, sid, set, e);
	variants_unregister(db);
	if (rc)
		return rc;
	if (kind) {
		v = malloc((set->ntrials + 1) * sizeof(*v));
		if (!v)
			return ngb_err_set(e, -ENOMEM, "out of memory");
		rc = cell_set_values(db, sid, set, q->metric, v, e);
		if (rc)
			goto out;
	}
	*rows = malloc((set->ntrials + 1) * sizeof(**rows));
	if (!*rows) {
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < set->n; i++) {
		const struct cell *c = &set->cells[i];

		if (strcmp(c->program, q->workload) || strcmp(c->allocator, q->allocator) ||
		    (q->threads >= 0 && c->threads != q->threads) ||
		    (strcmp(c->mode ? c->mode : "", "sim") == 0) != want_sim)
			continue;
		for (j = 0; j < c->ntrials; j++) {
			const struct cell_trial *t = &c->trials[j];
			double x = kind ? v[t->idx] : t->value;

			/* not counted in this trial: never 0 */
			if (t->status_ok && !isnan(x))
				(*rows)[n++] = (struct hrow){ c, t->id, x };
		}
	}
	if (n) /* qsort(NULL, 0) is undefined */
		qsort(*rows, n, sizeof(**rows), cmp_hrow);
	*nrows = n;
out:
	free(v);
	return rc;
}

static struct hpoint *point_for(struct ngb_history *h, const char *key_session, const char *started,
				const char *commit, const char *label, int threads, int by_commit)
{
	size_t i;
	struct hpoint *np;

	for (i = 0; i < h->n; i++) {
		struct hpoint *p = &h->p[i];

		if (p->threads != threads)
			continue;
		if (by_commit ? !strcmp(p->commit, commit)
			      : !strcmp(p->sessions, key_session))
			break;
	}
	if (i < h->n) {
		struct hpoint *p = &h->p[i];

		/* pooled by commit: list every session once */
		if (by_commit) {
			const char *s = p->sessions;
			size_t kl = strlen(key_session);
			int seen = 0;

			while (s && *s) {
				if (!strncmp(s, key_session, kl) && (s[kl] == ',' || !s[kl]))
					seen = 1;
				s = strchr(s, ',');
				s = s ? s + 1 : NULL;
			}
			if (!seen) {
				char *ns = malloc(strlen(p->sessions) + kl + 2);

				if (!ns)
					return NULL;
				sprintf(ns, "%s,%s", p->sessions, key_session);
				free(p->sessions);
				p->sessions = ns;
			}
		}
		return p;
	}
	np = realloc(h->p, (h->n + 1) * sizeof(*np));
	if (!np)
		return NULL;
	h->p = np;
	np = &h->p[h->n++];
	memset(np, 0, sizeof(*np));
	np->sessions = rep_strdup(key_session);
	np->started_at = rep_strdup(started);
	np->commit = rep_strdup(commit);
	np->label = rep_strdup(label);
	np->threads = threads;
	return np;
}

/* A session of the history: its row. */
struct series_session {
	int64_t id;
	char *started, *commit, *label;
};

static void series_sessions_free(struct series_session *ss, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ss[i].started);
		free(ss[i].commit);
		free(ss[i].label);
	}
	free(ss);
}

/* Adds session ss's trials of the series to h's points; the parameter sets
 * they ran with to *sets (one series is one set: the caller checks). */
static int add_session(sqlite3 *db, struct ngb_history *h, const struct series_session *ss,
		       int kind, int want_sim, int by_commit, char ***sets, size_t *nsets,
		       struct ngb_err *e)
{
	const struct ngb_history_query *q = &h->q;
	struct cell_set set;
	struct hrow *rows = NULL;
	size_t i, j, nrows = 0;
	char sid[32];
	int rc;

	snprintf(sid, sizeof(sid), "%lld", (long long)ss->id);
	rc = session_rows(db, ss->id, q, kind, want_sim, &set, &rows, &nrows, e);
	for (i = 0; !rc && i < nrows; i++) {
		const struct cell *c = rows[i].c;
		struct hpoint *p;
		char *pset;
		int keep;

		pset = param_set(c->params, q, &keep);
		if (!keep) {
			free(pset);
			continue;   /* another parameter set than --set asks for */
		}
		if (!pset)
			goto oom;
		for (j = 0; j < *nsets && strcmp((*sets)[j], pset); j++)
			;
		if (j == *nsets) {
			char **ns = realloc(*sets, (*nsets + 1) * sizeof(*ns));

			if (!ns) {
				free(pset);
				goto oom;
			}
			*sets = ns;
			ns[(*nsets)++] = pset;
		} else {
			free(pset);
		}
		p = point_for(h, sid, ss->started, ss->commit, ss->label, c->threads, by_commit);
		if (!p || dvec_push(&p->v, rows[i].v))
			goto oom;
		if (!h->metric_name) {
			if (kind == 0) {
				h->metric_name = rep_strdup(c->metric);
				h->unit = rep_strdup(c->unit);
				h->higher = c->higher;
			} else {
				/* counts: fewer is better */
				h->metric_name = rep_strdup(q->metric);
				h->unit = rep_strdup(kind == 1 ? "per op (or run)" : "");
				h->higher = 0;
			}
		}
	}
	goto out;
oom:
	rc = ngb_err_set(e, -ENOMEM, "out of memory");
out:
	free(rows);
	for (i = 0; i < set.n; i++)
		cell_release(&set.cells[i], 0);
	free(set.cells);
	cell_set_release_index(&set);
	return rc;
}

int ngb_history_load(sqlite3 *db, const struct ngb_history_query *q, struct ngb_history **out,
		     struct ngb_err *e)
{
	struct ngb_history *h;
	sqlite3_stmt *s = NULL;
	int kind, rc, by_commit = q->order && !strcmp(q->order, "commit"), want_sim;
	char **sets = NULL;      /* the parameter sets seen */
	struct series_session *ss = NULL;
	size_t i, j, nsets = 0, nss = 0;

	*out = NULL;
	if (q->order && strcmp(q->order, "time") && strcmp(q->order, "commit"))
		return ngb_err_set(e, -EINVAL, "unknown order '%s': use time or commit", q->order);
	if (q->mode && strcmp(q->mode, "timed") && strcmp(q->mode, "sim"))
		return ngb_err_set(e, -EINVAL, "unknown mode '%s': use timed or sim", q->mode);
	want_sim = q->mode ? !strcmp(q->mode, "sim")
			   : q->metric && (cell_sim_metric(q->metric) >= 0 || ngb_sim_event(q->metric));
	h = calloc(1, sizeof(*h));
	if (!h)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	h->q = *q;
	h->workload = rep_strdup(q->workload);
	h->allocator = rep_strdup(q->allocator);
	kind = value_kind(q->metric);
	/* sessions in time order; a commit's point takes its first session's
	 * place.  Read first: a session's cells are loaded with no statement
	 * active (variants.c registers an SQL function for them). */
	if (query_prepare(db, Q_HISTORY_SESSIONS, &s) != SQLITE_OK) {
		rc = query_fail(db, e, "the history");
		goto fail;
	}
	sqlite3_bind_text(s, 1, q->workload, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, q->allocator, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct series_session *ns = realloc(ss, (nss + 1) * sizeof(*ns));
		int oom = 0;

		if (!ns) {
			rc = ngb_err_set(e, -ENOMEM, "out of memory");
			goto fail;
		}
		ss = ns;
		ns = &ss[nss++];
		ns->id = sqlite3_column_int64(s, 0);
		ns->started = query_col_dup(s, 1, &oom);
		ns->commit = query_col_dup(s, 2, &oom);
		ns->label = query_col_dup(s, 3, &oom);
		if (oom) {
			rc = ngb_err_set(e, -ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (rc != SQLITE_DONE) {
		rc = query_fail(db, e, "the history");
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	for (i = 0; i < nss; i++) {
		rc = add_session(db, h, &ss[i], kind, want_sim, by_commit, &sets, &nsets, e);
		if (rc)
			goto fail;
	}
	series_sessions_free(ss, nss);
	ss = NULL;
	nss = 0;
	if (!h->n) {
		rc = ngb_err_set(e, -ENOENT, "no succeeded %s trial of workload '%s' with allocator "
				 "'%s'%s%s has the metric '%s'%s", want_sim ? "simulated" : "timed",
				 q->workload, q->allocator,
				 q->threads >= 0 ? " at that thread count" : "",
				 q->nsets ? " and those parameters" : "",
				 q->metric ? q->metric : "(primary)",
				 q->mode ? "" : want_sim ? " (--mode=timed for timed runs)"
							 : " (--mode=sim for runs under cachegrind)");
		goto fail;
	}
	/* one series is one parameter set: sessions of two sets are not a change */
	if (nsets > 1) {
		struct strbuf msg = STRBUF_INIT;

		strbuf_addf(&msg, "workload '%s' with allocator '%s' ran with %zu parameter sets: ",
			  q->workload, q->allocator, nsets);
		for (j = 0; j < nsets && j < 6; j++)
			strbuf_addf(&msg, "%s[%s]", j ? ", " : "", *sets[j] ? sets[j] : "no parameters");
		if (nsets > 6)
			strbuf_addf(&msg, ", ...");
		strbuf_addf(&msg, "; choose one with --set NAME=VALUE (repeatable)");
		rc = ngb_err_set(e, -ENOENT, "%s", msg.oom ? "several parameter sets: choose one "
					     "with --set NAME=VALUE" : strbuf_str(&msg));
		strbuf_release(&msg);
		goto fail;
	}
	for (i = 0; i < h->n; i++) {
		struct hpoint *p = &h->p[i];

		ngb_sort_doubles(p->v.v, p->v.n);
		p->median = ngb_quantile_sorted(p->v.v, p->v.n, 0.5);
		if (ngb_median_ci(p->v.v, p->v.n, 0.95, &p->ci))
			p->ci = (struct ngb_interval){ p->median, p->median, 0 };
	}
	/* change points, per thread count (each its own series) */
	{
		double *x = malloc((h->n + 1) * sizeof(*x));
		size_t *idx = malloc((h->n + 1) * sizeof(*idx));

		if (!x || !idx) {
			free(x);
			free(idx);
			rc = ngb_err_set(e, -ENOMEM, "out of memory");
			goto fail;
		}
		for (i = 0; i < h->n; i++) {
			size_t nx = 0, *cps, ncps, k;
			int seen = 0;

			for (j = 0; j < i; j++)
				seen |= h->p[j].threads == h->p[i].threads;
			if (seen)
				continue;
			for (j = i; j < h->n; j++)
				if (h->p[j].threads == h->p[i].threads) {
					idx[nx] = j;
					x[nx++] = h->p[j].median;
				}
			if (ngb_cp_find(x, nx, &q->cp, &cps, &ncps)) {
				free(x);
				free(idx);
				rc = ngb_err_set(e, -ENOMEM, "out of memory");
				goto fail;
			}
			for (k = 0; k < ncps; k++) {
				size_t lo = k ? cps[k - 1] : 0, hi = k + 1 < ncps ? cps[k + 1] : nx;
				double a, b;
				double *tmp = malloc(nx * sizeof(*tmp));

				if (!tmp)
					break;
				memcpy(tmp, x + lo, (cps[k] - lo) * sizeof(*tmp));
				a = ngb_median(tmp, cps[k] - lo);
				memcpy(tmp, x + cps[k], (hi - cps[k]) * sizeof(*tmp));
				b = ngb_median(tmp, hi - cps[k]);
				free(tmp);
				h->p[idx[cps[k]]].change = 1;
				h->p[idx[cps[k]]].change_rel = a != 0 ? b / a - 1 : NAN;
				h->ncps++;
			}
			free(cps);
		}
		free(x);
		free(idx);
	}
	for (j = 0; j < nsets; j++)
		free(sets[j]);
	free(sets);
	*out = h;
	return 0;
fail:
	series_sessions_free(ss, nss);
	for (j = 0; j < nsets; j++)
		free(sets[j]);
	free(sets);
	sqlite3_finalize(s);
	ngb_history_free(h);
	return rc;
}
