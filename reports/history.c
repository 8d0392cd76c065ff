/*
 * reports/history.c - one metric of one cell (workload and parameter set x
 * allocator x threads) over sessions, ordered by time or by commit, with its
 * change points (changepoint.c: E-divisive means with a minimum magnitude).
 * A series holds one counter mode (timed or simulated) and one parameter
 * set: sessions that ran the cell otherwise are not a change of it.
 *
 * A point is a session (or, ordered by commit, every session of one commit
 * pooled): the median of its runs with the distribution-free interval of
 * the median (stats.c).  The change points are found on the points'
 * medians.  The metric is the workload's primary one, a simulated quantity
 * as the gate sees it ("instructions", "D1-misses", "LL-misses": per
 * operation when the record gives 'ops'), any counter event, or any
 * numeric key of the result record.
 *
 * Over 600 lines: the loader, the text, markdown, CSV and JSON writers and
 * the HTML page with its SVG plot share the series' private types; the HTML
 * part is the one to move out next.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "query.h"
#include "ngbench/perfmon.h"

struct hpoint {
	char *sessions;          /* "12" or "12,13" (pooled by commit) */
	char *started_at, *commit, *label;
	int threads;
	struct dvec v;           /* sorted after load */
	double median;
	struct ngb_interval ci;
	int change;              /* a change point starts here */
	double change_rel;       /* relative change of the segment medians */
};

struct ngb_history {
	struct ngb_history_query q;
	char *workload, *allocator, *metric_name, *unit;
	int higher;
	struct hpoint *p;
	size_t n;
	size_t *cps;
	size_t ncps;
};

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

static const char *direction(const struct ngb_history *h, double rel)
{
	if (isnan(rel))
		return "";
	return (rel > 0) == (h->higher != 0) ? "better" : "worse";
}

static void rule_line(const struct ngb_history *h, FILE *out)
{
	const struct ngb_cp_options *o = &h->q.cp;

	fprintf(out, "change points: E-divisive means (Matteson & James 2014), permutation test "
		"p <= %g with %u shuffles, segments of at least %zu points, medians differing by at "
		"least %g%%", o->sig_level > 0 ? o->sig_level : 0.05,
		o->permutations ? o->permutations : 199, o->min_size ? o->min_size : 3,
		100 * o->min_magnitude);
}

static void fmt_or_dash(char *buf, size_t len, double v, int have)
{
	if (have)
		snprintf(buf, len, "%.6g", v);
	else
		snprintf(buf, len, "-");
}

static int write_text_md(const struct ngb_history *h, FILE *out, int md)
{
	void (*put)(FILE *, const char *) = md ? put_markdown : put_text;
	size_t i;

	if (md)
		fputs("### ", out);
	fputs("history of ", out);
	put(out, h->metric_name);
	fprintf(out, " (%s is better", h->higher ? "higher" : "lower");
	if (h->unit && *h->unit) {
		fputs(", ", out);
		put(out, h->unit);
	}
	fputs("): ", out);
	put(out, h->workload);
	fputs(", ", out);
	put(out, h->allocator);
	fprintf(out, ", by %s\n\n", h->q.order && !strcmp(h->q.order, "commit") ? "commit" : "time");
	if (md)
		fputs("| # | sessions | started | commit | threads | runs | median | 95% interval | "
		      "change |\n| ---: | --- | --- | --- | ---: | ---: | ---: | --- | --- |\n", out);
	else
		fprintf(out, "%4s  %-10s  %-24s  %-18s  %7s  %4s  %12s  %-27s  %s\n", "#", "SESSIONS",
			"STARTED", "COMMIT", "THREADS", "RUNS", "MEDIAN", "95% INTERVAL", "CHANGE");
	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];
		char med[32], lo[32], hi[32], iv[80], ch[64];

		fmt_or_dash(med, sizeof(med), p->median, 1);
		fmt_or_dash(lo, sizeof(lo), p->ci.lo, p->ci.level > 0);
		fmt_or_dash(hi, sizeof(hi), p->ci.hi, p->ci.level > 0);
		if (p->ci.level > 0)
			snprintf(iv, sizeof(iv), "[%s, %s]%s", lo, hi,
				 p->ci.level < 0.95 - 1e-9 ? " (range)" : "");
		else
			snprintf(iv, sizeof(iv), "-");
		if (p->change)
			snprintf(ch, sizeof(ch), "%s %+.1f%% %s", md ? "**change**" : "<- change",
				 100 * p->change_rel, direction(h, p->change_rel));
		else
			ch[0] = '\0';
		if (md) {
			fprintf(out, "| %zu | ", i + 1);
			put(out, p->sessions);
			fputs(" | ", out);
			put(out, p->started_at);
			fputs(" | ", out);
			put(out, p->commit);
			fprintf(out, " | %d | %zu | %s | %s | %s |\n", p->threads, p->v.n, med, iv, ch);
		} else {
			fprintf(out, "%4zu  ", i + 1);
			put(out, p->sessions);
			fprintf(out, "%*s  ", (int)(10 > text_width(p->sessions) ? 10 - text_width(p->sessions) : 0), "");
			put(out, p->started_at);
			fprintf(out, "%*s  ", (int)(24 > text_width(p->started_at) ? 24 - text_width(p->started_at) : 0), "");
			put(out, p->commit);
			fprintf(out, "%*s  %7d  %4zu  %12s  %-27s  %s\n",
				(int)(18 > text_width(p->commit) ? 18 - text_width(p->commit) : 0), "",
				p->threads, p->v.n, med, iv, ch);
		}
	}
	fputc('\n', out);
	rule_line(h, out);
	fprintf(out, ": %zu found\n", h->ncps);
	return ferror(out) ? -EIO : 0;
}

static int write_csv(const struct ngb_history *h, FILE *out)
{
	size_t i;

	fprintf(out, "# ngbench history, format %d\n", NGB_REPORT_FORMAT_VERSION);
	fputs("index,sessions,started_at,commit,label,threads,runs,median,ci_lo,ci_hi,ci_level,"
	      "change_point,change\n", out);
	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];

		fprintf(out, "%zu,", i + 1);
		put_csv(out, p->sessions);
		fputc(',', out);
		put_csv(out, p->started_at);
		fputc(',', out);
		put_csv(out, p->commit);
		fputc(',', out);
		put_csv(out, p->label);
		fprintf(out, ",%d,%zu,%.9g,", p->threads, p->v.n, p->median);
		if (p->ci.level > 0)
			fprintf(out, "%.9g,%.9g,%.4g", p->ci.lo, p->ci.hi, p->ci.level);
		else
			fputs(",,", out);
		fprintf(out, ",%d,", p->change);
		if (p->change)
			fprintf(out, "%.6g", p->change_rel);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

static int write_json(const struct ngb_history *h, FILE *out)
{
	json_t *pts = json_array(), *root;
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];

		json_array_append_new(pts, json_pack("{s:o, s:o, s:o, s:o, s:i, s:I, s:o, s:o, s:o,"
						     " s:b, s:o}",
			"sessions", json_text(p->sessions), "started_at", json_text(p->started_at),
			"commit", json_text(p->commit), "label", json_text(p->label), "threads",
			p->threads, "runs", (json_int_t)p->v.n, "median", json_num(p->median),
			"ci_lo", json_num(p->ci.level > 0 ? p->ci.lo : NAN), "ci_hi",
			json_num(p->ci.level > 0 ? p->ci.hi : NAN), "change_point", p->change,
			"change", json_num(p->change ? p->change_rel : NAN)));
	}
	root = json_pack("{s:i, s:o, s:o, s:o, s:b, s:s, s:o}", "format_version",
			 NGB_REPORT_FORMAT_VERSION, "workload", json_text(h->workload), "allocator",
			 json_text(h->allocator), "metric", json_text(h->metric_name),
			 "higher_is_better", h->higher, "order",
			 h->q.order && !strcmp(h->q.order, "commit") ? "commit" : "time", "points", pts);
	return json_dump_root(root, out);
}

/* ---- HTML: what changed, the change-point plot (SVG drawn here), the points -- */

static const char *const series_colours[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7",
					       "#000000", "#E69F00" };

/* The segment medians of one thread count's points: seg[i] for point i. */
static void segment_medians(const struct ngb_history *h, int threads, double *seg)
{
	double *tmp = malloc((h->n + 1) * sizeof(*tmp));
	size_t *idx = malloc((h->n + 1) * sizeof(*idx));
	size_t i, n = 0, start, j;

	if (!tmp || !idx) {
		free(tmp);
		free(idx);
		return;
	}
	for (i = 0; i < h->n; i++)
		if (h->p[i].threads == threads)
			idx[n++] = i;
	for (start = 0; start < n; start = j) {
		for (j = start + 1; j < n && !h->p[idx[j]].change; j++)
			;
		for (i = start; i < j; i++)
			tmp[i - start] = h->p[idx[i]].median;
		{
			double med = ngb_median(tmp, j - start);

			for (i = start; i < j; i++)
				seg[idx[i]] = med;
		}
	}
	free(tmp);
	free(idx);
}

static void history_svg(const struct ngb_history *h, FILE *out)
{
	const double W = 960, H = 360, L = 80, R = 20, T = 20, B = 50;
	double lo = INFINITY, hi = -INFINITY, *seg = calloc(h->n + 1, sizeof(*seg));
	int threads[6];
	size_t i, k, nthr = 0;

	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];

		lo = fmin(lo, p->ci.level > 0 ? p->ci.lo : p->median);
		hi = fmax(hi, p->ci.level > 0 ? p->ci.hi : p->median);
		for (k = 0; k < nthr && threads[k] != p->threads; k++)
			;
		if (k == nthr && nthr < 6)
			threads[nthr++] = p->threads;
	}
	if (!seg || !h->n || !isfinite(lo) || !isfinite(hi)) {
		free(seg);
		return;
	}
	if (hi <= lo)
		hi = lo + fabs(lo) * 0.1 + 1e-9;
	{
		double pad = (hi - lo) * 0.08;

		lo -= pad, hi += pad;
	}
#define HX(i) (L + ((double)(i) + 0.5) * (W - L - R) / (double)h->n)
#define HY(v) (T + (hi - (v)) * (H - T - B) / (hi - lo))
	fprintf(out, "<figure id=\"cpplot\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
		     "viewBox=\"0 0 %g %g\" width=\"%g\" height=\"%g\" role=\"img\" "
		     "font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H);
	fprintf(out, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
		     "stroke=\"#999\"/>\n", L, T, W - L - R, H - T - B);
	for (k = 0; k <= 4; k++) {
		double v = lo + (hi - lo) * (double)k / 4;
		char b[32];

		fmt_num(b, sizeof(b), v);
		fprintf(out, "<line x1=\"%g\" x2=\"%g\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
			     "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", L, W - R,
			HY(v), HY(v), L - 6, HY(v) + 4, b);
	}
	fprintf(out, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s (in %s order)</text>\n",
		(L + W - R) / 2, H - 12, "point", h->q.order && !strcmp(h->q.order, "commit") ?
		"commit" : "time");
	fprintf(out, "<text transform=\"translate(16 %g) rotate(-90)\" text-anchor=\"middle\">",
		(T + H - B) / 2);
	put_html(out, h->metric_name);
	fprintf(out, " (%s is better)</text>\n", h->higher ? "higher" : "lower");
	/* change points: a dashed vertical line before the point that starts a segment */
	for (i = 0; i < h->n; i++)
		if (h->p[i].change)
			fprintf(out, "<line class=\"cp\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%g\" y2=\"%g\" "
				     "stroke=\"#D55E00\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
				     "<text x=\"%.1f\" y=\"%g\" fill=\"#8a3500\">%+.1f%%</text>\n",
				HX(i) - 0.5 * (W - L - R) / (double)h->n,
				HX(i) - 0.5 * (W - L - R) / (double)h->n, T, H - B,
				HX(i) - 0.5 * (W - L - R) / (double)h->n + 4, T + 14,
				100 * h->p[i].change_rel);
	for (k = 0; k < nthr; k++) {
		const char *col = series_colours[k];
		int first = 1;

		for (i = 0; i < h->n; i++)
			seg[i] = NAN;
		segment_medians(h, threads[k], seg);
		/* the segment medians as steps */
		fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-opacity=\".45\" "
			     "stroke-width=\"3\" d=\"", col);
		for (i = 0; i < h->n; i++) {
			if (h->p[i].threads != threads[k] || isnan(seg[i]))
				continue;
			fprintf(out, "%s%.1f %.1f H%.1f", first ? "M" : " L",
				HX(i) - 0.4 * (W - L - R) / (double)h->n, HY(seg[i]),
				HX(i) + 0.4 * (W - L - R) / (double)h->n);
			first = 0;
		}
		fputs("\"/>\n", out);
		for (i = 0; i < h->n; i++) {
			const struct hpoint *p = &h->p[i];

			if (p->threads != threads[k])
				continue;
			if (p->ci.level > 0)
				fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
					     "stroke=\"%s\"/>", HX(i), HX(i), HY(p->ci.lo), HY(p->ci.hi),
					col);
			fputs("<g><title>", out);
			put_html(out, p->sessions);
			fputs(" ", out);
			put_html(out, p->started_at);
			fprintf(out, ": median %.6g</title>", p->median);
			/* a shape per thread count too, for greyscale */
			if (k % 2)
				fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" "
					     "fill=\"%s\"/></g>\n", HX(i) - 4, HY(p->median) - 4, col);
			else
				fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"/>"
					     "</g>\n", HX(i), HY(p->median), col);
		}
	}
#undef HX
#undef HY
	fputs("</svg>\n<figcaption>Each point is the median of a session's runs (or a commit's), "
	      "with its interval; the wide pale steps are the medians of the segments between "
	      "change points; a dashed line marks a change point, with the change of the segment "
	      "medians.", out);
	if (nthr > 1) {
		fputs(" Thread counts:", out);
		for (k = 0; k < nthr; k++)
			fprintf(out, " <span style=\"color:%s\">%s %d</span>", series_colours[k],
				k % 2 ? "&#9632;" : "&#9679;", threads[k]);
		fputs(".", out);
	}
	fputs("</figcaption></figure>\n", out);
	free(seg);
}

static int write_html(const struct ngb_history *h, FILE *out)
{
	char title[64];
	size_t i;
	const struct hpoint *last = h->n ? &h->p[h->n - 1] : NULL;

	snprintf(title, sizeof(title), "ngbench history");
	page_begin(out, title, NULL);
	fputs("<section id=\"summary\">\n<p><b>", out);
	put_html(out, h->metric_name);
	fprintf(out, "</b> (%s is better", h->higher ? "higher" : "lower");
	if (h->unit && *h->unit) {
		fputs(", ", out);
		put_html(out, h->unit);
	}
	fputs(") of <b>", out);
	put_html(out, h->workload);
	fputs("</b> under <b>", out);
	put_html(out, h->allocator);
	fprintf(out, "</b>: %zu point%s, %zu change point%s.</p>\n", h->n, h->n == 1 ? "" : "s",
		h->ncps, h->ncps == 1 ? "" : "s");
	if (h->ncps) {
		fputs("<ul class=\"verdicts\" id=\"changes\">\n", out);
		for (i = 0; i < h->n; i++) {
			const struct hpoint *p = &h->p[i];
			const char *dir = direction(h, p->change_rel);

			if (!p->change)
				continue;
			fprintf(out, "<li class=\"v-%s\">at point %zu (session ",
				!strcmp(dir, "better") ? "faster" : "slower", i + 1);
			put_html(out, p->sessions);
			fputs(", ", out);
			put_html(out, p->started_at);
			fputs(", commit ", out);
			put_html(out, p->commit);
			fprintf(out, ", %d thread%s): <b>%+.1f%% %s</b> (%s)</li>\n", p->threads,
				p->threads == 1 ? "" : "s", 100 * p->change_rel, dir,
				!strcmp(dir, "better") ? "faster" : "slower");
		}
		fputs("</ul>\n", out);
	} else if (last) {
		fputs("<p>No change point: the metric held within the noise and the minimum "
		      "magnitude over these points (same, or too noisy to tell).</p>\n", out);
	}
	history_svg(h, out);
	fputs("<p class=\"prov\">", out);
	rule_line(h, out);
	fputs(".</p>\n</section>\n<h2>Points</h2>\n<div class=\"wide\"><table class=\"sortable\" "
	      "id=\"points\"><thead><tr>", out);
	{
		static const char *const head[] = { "#", "SESSIONS", "STARTED", "COMMIT", "THREADS",
						    "RUNS", "MEDIAN", "95% INTERVAL", "CHANGE" };

		for (i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
			fputs("<th title=\"", out);
			put_html(out, column_tip(head[i]));
			fprintf(out, "\">%s</th>", head[i]);
		}
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];

		fprintf(out, "<tr><td class=\"n\">%zu</td><td>", i + 1);
		put_html(out, p->sessions);
		fputs("</td><td>", out);
		put_html(out, p->started_at);
		fputs("</td><td>", out);
		put_html(out, p->commit);
		fprintf(out, "</td><td class=\"n\">%d</td><td class=\"n\">%zu</td>"
			     "<td class=\"n\">%.6g</td>", p->threads, p->v.n, p->median);
		if (p->ci.level > 0)
			fprintf(out, "<td>[%.6g, %.6g]%s</td>", p->ci.lo, p->ci.hi,
				p->ci.level < 0.95 - 1e-9 ? " (range)" : "");
		else
			fputs("<td>-</td>", out);
		if (p->change)
			fprintf(out, "<td class=\"v-%s\">%+.1f%% %s</td></tr>\n",
				!strcmp(direction(h, p->change_rel), "better") ? "faster" : "slower",
				100 * p->change_rel, direction(h, p->change_rel));
		else
			fputs("<td></td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	page_end(out, "Every number comes from the trials stored in these sessions; "
		      "'ngbench export' gives them raw.");
	return ferror(out) ? -EIO : 0;
}

int ngb_history_write(const struct ngb_history *h, enum ngb_report_format f, FILE *out,
		      struct ngb_err *e)
{
	int rc;

	switch (f) {
	case NGB_FORMAT_TEXT:
		rc = write_text_md(h, out, 0);
		break;
	case NGB_FORMAT_MARKDOWN:
		rc = write_text_md(h, out, 1);
		break;
	case NGB_FORMAT_CSV:
		rc = write_csv(h, out);
		break;
	case NGB_FORMAT_JSON:
		rc = write_json(h, out);
		break;
	case NGB_FORMAT_HTML:
		rc = write_html(h, out);
		break;
	default:
		return ngb_err_set(e, -EINVAL, "history speaks text, markdown, csv, json and html, not '%s'",
				   ngb_report_format_name(f));
	}
	return rc ? ngb_err_set(e, rc, "cannot write the history") : 0;
}

int ngb_history_plot(const struct ngb_history *h, const char *dir, struct ngb_report_files *files,
		     struct ngb_err *e)
{
	struct plot_set set = { 0 };
	char path[4096];
	char *title, *ylabel;
	FILE *f;
	size_t i;

	if (mkdir(dir, 0777) && errno != EEXIST)
		return ngb_err_set(e, -errno, "cannot create '%s': %s", dir, strerror(errno));
	/* x: the point's index; y: median with its interval (or range) */
	snprintf(path, sizeof(path), "%s/history.dat", dir);
	f = fopen(path, "w");
	if (!f)
		return ngb_err_set(e, -errno, "cannot write '%s': %s", path, strerror(errno));
	fputs("# index threads median lo hi change_point\n", f);
	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];
		int have = p->ci.level > 0;

		fprintf(f, "%zu %d %.9g %.9g %.9g %d\n", i + 1, p->threads, p->median,
			have ? p->ci.lo : p->median, have ? p->ci.hi : p->median, p->change);
	}
	if (fclose(f))
		return ngb_err_set(e, -EIO, "cannot write '%s'", path);
	files_add(files, path);

	snprintf(path, sizeof(path), "%s/history.gp", dir);
	f = fopen(path, "w");
	if (!f)
		return ngb_err_set(e, -errno, "cannot write '%s': %s", path, strerror(errno));
	title = plot_safe_copy(h->workload);
	ylabel = plot_safe_copy(h->metric_name);
	plot_script_head(f, "history", "a metric over sessions with its change points", 900, 420);
	fprintf(f, "set title '%s, ", title ? title : "");
	free(title);
	title = plot_safe_copy(h->allocator);
	fprintf(f, "%s'\n", title ? title : "");
	fprintf(f, "set xlabel '%s'\nset ylabel '%s (%s is better)'\n",
		h->q.order && !strcmp(h->q.order, "commit") ? "commit (in order of first session)"
							     : "session (in time order)",
		ylabel ? ylabel : "", h->higher ? "higher" : "lower");
	free(title);
	free(ylabel);
	fputs("set xrange [0.5:*]\nset offsets 0, 0.5, 0, 0\n", f);
	for (i = 0; i < h->n; i++)
		if (h->p[i].change)
			fprintf(f, "set arrow from first %.1f, graph 0 to first %.1f, graph 1 nohead "
				"lc rgb '#D55E00' dt 2\n", i + 0.5, i + 0.5);
	plot_script_loop_begin(f, "history");
	fputs("  plot 'history.dat' using 1:3:4:5 with yerrorlines lc rgb '#0072B2' pt 7 "
	      "title 'median, 95% interval', \\\n"
	      "       '' using ($6 > 0 ? $1 : 1/0):3 with points pt 6 ps 2.5 lc rgb '#D55E00' "
	      "title 'change point'\n", f);
	plot_script_loop_end(f);
	if (fclose(f))
		return ngb_err_set(e, -EIO, "cannot write '%s'", path);
	files_add(files, path);
	set.names = (char *[]){ "history" };
	set.captions = (char *[]){ "history" };
	set.n = 1;
	plots_render(dir, &set, files);
	return 0;
}
