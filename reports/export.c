/*
 * reports/export.c - the raw trials, their results and counters, as CSV or
 * JSON for other tools.
 *
 * The columns of the trials table are read from the store as they are
 * (SELECT *), so a column added by a later migration is exported without a
 * change here.  Not measured stays empty (CSV) or null (JSON), never 0.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "query.h"
#include "ngbench/utf8.h"

struct names {
	char **v;
	size_t n;
};

static void names_release(struct names *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	memset(n, 0, sizeof(*n));
}

static int names_load(sqlite3 *db, enum query_id q, int64_t sid, struct names *n)
{
	sqlite3_stmt *s;
	int rc;

	if (query_prepare(db, q, &s) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, sid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char **v = realloc(n->v, (n->n + 1) * sizeof(*v));

		if (!v) {
			sqlite3_finalize(s);
			return -ENOMEM;
		}
		n->v = v;
		v[n->n++] = rep_strdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static long names_find(const struct names *n, const char *s)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (!strcmp(n->v[i], s))
			return (long)i;
	return -1;
}

static json_t *jcol(sqlite3_stmt *s, int i)
{
	switch (sqlite3_column_type(s, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(s, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(s, i));
	case SQLITE_NULL:
		return json_null();
	default: {
		char *v = ngb_utf8_valid_copy((const char *)sqlite3_column_text(s, i));
		json_t *j = v ? json_string(v) : NULL;

		free(v);
		return j ? j : json_null();
	}
	}
}

static void csv_col(FILE *out, sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_FLOAT)
		fprintf(out, "%.17g", sqlite3_column_double(s, i));
	else if (sqlite3_column_type(s, i) != SQLITE_NULL)
		put_csv(out, (const char *)sqlite3_column_text(s, i));
}

static int export_counters_csv(sqlite3 *db, int64_t sid, FILE *out, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc, i, n;

	if (query_prepare(db, Q_EXPORT_COUNTERS, &s) != SQLITE_OK)
		return ngb_err_set(e, -EIO, "cannot read the counters: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, sid);
	n = sqlite3_column_count(s);
	fputs("format_version", out);
	for (i = 0; i < n; i++)
		fprintf(out, ",%s", sqlite3_column_name(s, i));
	fputs("\r\n", out);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		fprintf(out, "%d", NGB_REPORT_FORMAT_VERSION);
		for (i = 0; i < n; i++) {
			fputc(',', out);
			csv_col(out, s, i);
		}
		fputs("\r\n", out);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return ngb_err_set(e, -EIO, "cannot read the counters: %s", sqlite3_errmsg(db));
	return ferror(out) ? ngb_err_set(e, -EIO, "cannot write the export") : 0;
}

/* One row per trial: its columns, then result.KEY and counter.EVENT columns. */
static int export_trials_csv(sqlite3 *db, int64_t sid, FILE *out, struct ngb_err *e)
{
	struct names keys = { 0 }, events = { 0 };
	sqlite3_stmt *s = NULL, *sr = NULL, *sc = NULL;
	char **rv = NULL, **cv = NULL;
	int rc, i, n;
	size_t k;

	if (names_load(db, Q_EXPORT_RESULT_KEYS, sid, &keys) ||
	    names_load(db, Q_EXPORT_EVENTS, sid, &events)) {
		rc = ngb_err_set(e, -EIO, "cannot read the trials: %s", sqlite3_errmsg(db));
		goto out;
	}
	rv = calloc(keys.n + 1, sizeof(*rv));
	cv = calloc(events.n + 1, sizeof(*cv));
	if (!rv || !cv ||
	    query_prepare(db, Q_EXPORT_TRIALS, &s) != SQLITE_OK ||
	    query_prepare(db, Q_EXPORT_TRIAL_RESULTS, &sr) != SQLITE_OK ||
	    query_prepare(db, Q_EXPORT_TRIAL_COUNTED, &sc) != SQLITE_OK) {
		rc = ngb_err_set(e, -EIO, "cannot read the trials: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(s, 1, sid);
	n = sqlite3_column_count(s);
	fputs("format_version", out);
	for (i = 0; i < n; i++)
		fprintf(out, ",%s", sqlite3_column_name(s, i));
	for (k = 0; k < keys.n; k++) {
		fputs(",result.", out);
		put_csv(out, keys.v[k]);
	}
	for (k = 0; k < events.n; k++) {
		fputs(",counter.", out);
		put_csv(out, events.v[k]);
	}
	fputs("\r\n", out);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		fprintf(out, "%d", NGB_REPORT_FORMAT_VERSION);
		for (i = 0; i < n; i++) {
			fputc(',', out);
			csv_col(out, s, i);
		}
		sqlite3_reset(sr);
		sqlite3_bind_int64(sr, 1, id);
		while (sqlite3_step(sr) == SQLITE_ROW) {
			long at = names_find(&keys, (const char *)sqlite3_column_text(sr, 0));

			if (at >= 0)
				rv[at] = rep_strdup((const char *)sqlite3_column_text(sr, 1));
		}
		sqlite3_reset(sc);
		sqlite3_bind_int64(sc, 1, id);
		while (sqlite3_step(sc) == SQLITE_ROW) {
			long at = names_find(&events, (const char *)sqlite3_column_text(sc, 0));

			if (at >= 0 && sqlite3_column_type(sc, 1) != SQLITE_NULL)
				if (asprintf(&cv[at], "%.17g", sqlite3_column_double(sc, 1)) < 0)
					cv[at] = NULL;
		}
		for (k = 0; k < keys.n; k++) {
			fputc(',', out);
			put_csv(out, rv[k]);
			free(rv[k]);
			rv[k] = NULL;
		}
		for (k = 0; k < events.n; k++) {
			fputc(',', out);
			if (cv[k])
				fputs(cv[k], out);
			free(cv[k]);
			cv[k] = NULL;
		}
		fputs("\r\n", out);
	}
	rc = rc == SQLITE_DONE ? 0 : ngb_err_set(e, -EIO, "cannot read the trials: %s",
						 sqlite3_errmsg(db));
	if (!rc && ferror(out))
		rc = ngb_err_set(e, -EIO, "cannot write the export");
out:
	sqlite3_finalize(s);
	sqlite3_finalize(sr);
	sqlite3_finalize(sc);
	free(rv);
	free(cv);
	names_release(&keys);
	names_release(&events);
	return rc;
}

static json_t *row_object(sqlite3_stmt *s)
{
	json_t *o = json_object();
	int i, n = sqlite3_column_count(s);

	for (i = 0; i < n; i++)
		json_object_set_new(o, sqlite3_column_name(s, i), jcol(s, i));
	return o;
}

static int export_json(sqlite3 *db, int64_t sid, FILE *out, struct ngb_err *e)
{
	sqlite3_stmt *ss = NULL, *st = NULL, *sr = NULL, *sc = NULL;
	json_t *root = NULL, *sessions = json_array();
	int rc = -EIO;

	if (query_prepare(db, Q_EXPORT_SESSIONS, &ss) != SQLITE_OK ||
	    query_prepare(db, Q_EXPORT_SESSION_TRIALS, &st) != SQLITE_OK ||
	    query_prepare(db, Q_EXPORT_TRIAL_RESULTS_ALL, &sr) != SQLITE_OK ||
	    query_prepare(db, Q_EXPORT_TRIAL_COUNTERS, &sc) != SQLITE_OK) {
		ngb_err_set(e, -EIO, "cannot read the store: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(ss, 1, sid);
	while (sqlite3_step(ss) == SQLITE_ROW) {
		json_t *so = row_object(ss), *trials = json_array();
		json_t *cfg = json_object_get(so, "config");

		/* the session's config is JSON itself: export it as such */
		if (json_is_string(cfg)) {
			json_t *parsed = json_loads(json_string_value(cfg), 0, NULL);

			if (parsed)
				json_object_set_new(so, "config", parsed);
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, sqlite3_column_int64(ss, 0));
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *to = row_object(st), *res = json_object(), *ctr = json_array();
			json_t *params = json_object_get(to, "params");
			int64_t id = sqlite3_column_int64(st, 0);

			if (json_is_string(params)) {
				json_t *parsed = json_loads(json_string_value(params), 0, NULL);

				if (parsed)
					json_object_set_new(to, "params", parsed);
			}
			sqlite3_reset(sr);
			sqlite3_bind_int64(sr, 1, id);
			while (sqlite3_step(sr) == SQLITE_ROW)
				json_object_set_new(res, (const char *)sqlite3_column_text(sr, 0),
						    sqlite3_column_type(sr, 2) != SQLITE_NULL ?
							    json_real(sqlite3_column_double(sr, 2)) :
							    jcol(sr, 1));
			sqlite3_reset(sc);
			sqlite3_bind_int64(sc, 1, id);
			while (sqlite3_step(sc) == SQLITE_ROW)
				json_array_append_new(ctr, row_object(sc));
			json_object_set_new(to, "results", res);
			json_object_set_new(to, "counters", ctr);
			json_array_append_new(trials, to);
		}
		json_object_set_new(so, "trials", trials);
		json_array_append_new(sessions, so);
	}
	root = json_pack("{s:i, s:o}", "format_version", NGB_REPORT_FORMAT_VERSION, "sessions",
			 sessions);
	sessions = NULL;
	if (!root || json_dumpf(root, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) || fputc('\n', out) < 0)
		ngb_err_set(e, -EIO, "cannot write the export");
	else
		rc = 0;
out:
	json_decref(root);
	json_decref(sessions);
	sqlite3_finalize(ss);
	sqlite3_finalize(st);
	sqlite3_finalize(sr);
	sqlite3_finalize(sc);
	return rc;
}

int ngb_export(sqlite3 *db, int64_t sid, enum ngb_report_format f, enum ngb_export_table table,
	       FILE *out, struct ngb_err *e)
{
	if (f == NGB_FORMAT_JSON)
		return export_json(db, sid, out, e);
	if (f != NGB_FORMAT_CSV)
		return ngb_err_set(e, -EINVAL, "export speaks csv and json, not '%s'",
				   ngb_report_format_name(f));
	if (table == NGB_EXPORT_COUNTERS)
		return export_counters_csv(db, sid, out, e);
	return export_trials_csv(db, sid, out, e);
}
