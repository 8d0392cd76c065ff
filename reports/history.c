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

static int sim_metric_of(const char *name)
{
	int m;

	for (m = 0; m < NGB_SIM_NMETRICS; m++)
		if (!strcmp(name, ngb_sim_metric_name(m)))
			return m;
	return -1;
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

/* The statement of the metric's history (query.c): the primary metric (kind
 * 0), a simulated quantity as the gate sees it (1), or a counter event or a
 * numeric key of the result record (2). */
static enum query_id value_query(const char *metric, int *kind)
{
	if (!metric) {
		*kind = 0;
		return Q_HISTORY_METRIC;
	}
	if (sim_metric_of(metric) >= 0) {
		*kind = 1;
		return Q_HISTORY_SIM;
	}
	*kind = 2;
	return Q_HISTORY_EVENT;
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

int ngb_history_load(sqlite3 *db, const struct ngb_history_query *q, struct ngb_history **out,
		     struct ngb_err *e)
{
	struct ngb_history *h;
	sqlite3_stmt *s = NULL;
	int kind, rc, by_commit = q->order && !strcmp(q->order, "commit"), want_sim;
	char **sets = NULL;      /* the parameter sets seen */
	size_t i, j, nsets = 0;

	*out = NULL;
	if (q->order && strcmp(q->order, "time") && strcmp(q->order, "commit"))
		return ngb_err_set(e, -EINVAL, "unknown order '%s': use time or commit", q->order);
	if (q->mode && strcmp(q->mode, "timed") && strcmp(q->mode, "sim"))
		return ngb_err_set(e, -EINVAL, "unknown mode '%s': use timed or sim", q->mode);
	want_sim = q->mode ? !strcmp(q->mode, "sim")
			   : q->metric && (sim_metric_of(q->metric) >= 0 || ngb_sim_event(q->metric));
	h = calloc(1, sizeof(*h));
	if (!h)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	h->q = *q;
	h->workload = rep_strdup(q->workload);
	h->allocator = rep_strdup(q->allocator);
	/* sessions in time order; a commit's point takes its first session's place */
	if (query_prepare(db, value_query(q->metric, &kind), &s) != SQLITE_OK) {
		rc = ngb_err_set(e, -EIO, "cannot read the history: %s", sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_bind_text(s, 1, q->workload, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, q->allocator, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, q->threads);
	sqlite3_bind_int(s, 4, kind);
	sqlite3_bind_text(s, 5, q->metric ? q->metric : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, q->metric ? sim_metric_of(q->metric) : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char sid[32], *set;
		struct hpoint *p;
		int keep;

		if (sqlite3_column_type(s, 5) == SQLITE_NULL)
			continue;   /* not counted in this trial: never 0 */
		if (sqlite3_column_int(s, 10) != want_sim)
			continue;   /* the other counter mode */
		set = param_set((const char *)sqlite3_column_text(s, 9), q, &keep);
		if (!keep) {
			free(set);
			continue;   /* another parameter set than --set asks for */
		}
		if (!set) {
			rc = ngb_err_set(e, -ENOMEM, "out of memory");
			goto fail;
		}
		for (j = 0; j < nsets && strcmp(sets[j], set); j++)
			;
		if (j == nsets) {
			char **ns = realloc(sets, (nsets + 1) * sizeof(*ns));

			if (!ns) {
				free(set);
				rc = ngb_err_set(e, -ENOMEM, "out of memory");
				goto fail;
			}
			sets = ns;
			sets[nsets++] = set;
		} else {
			free(set);
		}
		snprintf(sid, sizeof(sid), "%lld", (long long)sqlite3_column_int64(s, 0));
		p = point_for(h, sid, (const char *)sqlite3_column_text(s, 1),
			      (const char *)sqlite3_column_text(s, 2),
			      (const char *)sqlite3_column_text(s, 3), sqlite3_column_int(s, 4),
			      by_commit);
		if (!p || dvec_push(&p->v, sqlite3_column_double(s, 5))) {
			rc = ngb_err_set(e, -ENOMEM, "out of memory");
			goto fail;
		}
		if (!h->metric_name) {
			if (kind == 0) {
				h->metric_name = rep_strdup((const char *)sqlite3_column_text(s, 6));
				h->unit = rep_strdup((const char *)sqlite3_column_text(s, 7));
				h->higher = sqlite3_column_int(s, 8);
			} else {
				/* counts: fewer is better */
				h->metric_name = rep_strdup(q->metric);
				h->unit = rep_strdup(kind == 1 ? "per op (or run)" : "");
				h->higher = 0;
			}
		}
	}
	if (rc != SQLITE_DONE) {
		rc = ngb_err_set(e, -EIO, "cannot read the history: %s", sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
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
	for (j = 0; j < nsets; j++)
		free(sets[j]);
	free(sets);
	sqlite3_finalize(s);
	ngb_history_free(h);
	return rc;
}
