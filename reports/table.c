/*
 * reports/table.c - the plain text table of one session.
 *
 * Medians only: on this kind of machine wall times are often bimodal, so a
 * mean would describe no run that happened.  Warm-up trials are left out;
 * failed trials are counted and listed, never averaged in.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ngbench/report.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double ngb_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct row {
	char *workload, *allocator, *metric, *unit;
	int threads, higher;
	double *values;
	size_t nvalues, ntrials, nfailed, nskipped;
};

static char *dup_col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return strdup(t ? (const char *)t : "");
}

static void free_rows(struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].workload);
		free(rows[i].allocator);
		free(rows[i].metric);
		free(rows[i].unit);
		free(rows[i].values);
	}
	free(rows);
}

static int session_header(sqlite3 *db, int64_t sid, FILE *out, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT started_at, status, label, host, cpu_model, cores, kernel,"
			       " ngbench_version, git_commit, command_line FROM sessions WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return ngb_err_set(e, -EIO, "cannot read the session: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, sid);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return ngb_err_set(e, -ENOENT, "no session %lld", (long long)sid);
	}
	fprintf(out, "session %lld", (long long)sid);
	if (sqlite3_column_type(s, 2) != SQLITE_NULL)
		fprintf(out, " \"%s\"", sqlite3_column_text(s, 2));
	fprintf(out, " (%s), started %s\n", sqlite3_column_text(s, 1), sqlite3_column_text(s, 0));
	fprintf(out, "machine: %s, %s, %d cores, %s\n", sqlite3_column_text(s, 3),
		sqlite3_column_text(s, 4), sqlite3_column_int(s, 5), sqlite3_column_text(s, 6));
	fprintf(out, "ngbench %s (commit %s): %s\n\n", sqlite3_column_text(s, 7),
		sqlite3_column_text(s, 8), sqlite3_column_text(s, 9));
	sqlite3_finalize(s);
	return 0;
}

static int print_failures(sqlite3 *db, int64_t sid, FILE *out, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int n = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT seq, allocator, workload, threads, status, reason FROM trials"
			       " WHERE session_id = ? AND status NOT IN ('ok') ORDER BY seq", -1, &s,
			       NULL) != SQLITE_OK)
		return ngb_err_set(e, -EIO, "cannot read the trials: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, sid);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n++ == 0)
			fprintf(out, "\ntrials that did not succeed:\n");
		fprintf(out, "  #%d %s / %s", sqlite3_column_int(s, 0), sqlite3_column_text(s, 1),
			sqlite3_column_text(s, 2));
		if (sqlite3_column_type(s, 3) != SQLITE_NULL)
			fprintf(out, " threads=%d", sqlite3_column_int(s, 3));
		fprintf(out, ": %s: %s\n", sqlite3_column_text(s, 4),
			sqlite3_column_text(s, 5) ? (const char *)sqlite3_column_text(s, 5) : "");
	}
	sqlite3_finalize(s);
	return 0;
}

int ngb_report_session_text(sqlite3 *db, int64_t sid, FILE *out, struct ngb_err *e)
{
	sqlite3_stmt *s;
	struct row *rows = NULL, *r = NULL;
	size_t nrows = 0, i;
	int rc, wl_w = 8, al_w = 9, me_w = 10, un_w = 4;

	rc = session_header(db, sid, out, e);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(db,
			       "SELECT workload, coalesce(threads, 0), allocator, metric, metric_unit,"
			       " coalesce(higher_is_better, 0), status, metric_value FROM trials"
			       " WHERE session_id = ? AND NOT warmup"
			       " ORDER BY workload, threads, allocator, seq", -1, &s, NULL) != SQLITE_OK)
		return ngb_err_set(e, -EIO, "cannot read the trials: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, sid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *wl = (const char *)sqlite3_column_text(s, 0);
		const char *al = (const char *)sqlite3_column_text(s, 2);
		const char *status = (const char *)sqlite3_column_text(s, 6);
		int threads = sqlite3_column_int(s, 1);

		if (!r || strcmp(r->workload, wl) || r->threads != threads || strcmp(r->allocator, al)) {
			rows = realloc(rows, (nrows + 1) * sizeof(*rows));
			if (!rows) {
				sqlite3_finalize(s);
				return ngb_err_set(e, -ENOMEM, "out of memory");
			}
			r = &rows[nrows++];
			memset(r, 0, sizeof(*r));
			r->workload = dup_col(s, 0);
			r->threads = threads;
			r->allocator = dup_col(s, 2);
			r->metric = dup_col(s, 3);
			r->unit = dup_col(s, 4);
			r->higher = sqlite3_column_int(s, 5);
		}
		r->ntrials++;
		if (!strcmp(status, "ok") && sqlite3_column_type(s, 7) != SQLITE_NULL) {
			r->values = realloc(r->values, (r->nvalues + 1) * sizeof(double));
			if (!r->values) {
				sqlite3_finalize(s);
				free_rows(rows, nrows);
				return ngb_err_set(e, -ENOMEM, "out of memory");
			}
			r->values[r->nvalues++] = sqlite3_column_double(s, 7);
		} else if (!strcmp(status, "skipped")) {
			r->nskipped++;
		} else {
			r->nfailed++;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free_rows(rows, nrows);
		return ngb_err_set(e, -EIO, "cannot read the trials: %s", sqlite3_errmsg(db));
	}
	if (nrows == 0) {
		fprintf(out, "no measured trials in this session\n");
		return print_failures(db, sid, out, e);
	}
	for (i = 0; i < nrows; i++) {
		if ((int)strlen(rows[i].workload) > wl_w)
			wl_w = (int)strlen(rows[i].workload);
		if ((int)strlen(rows[i].allocator) > al_w)
			al_w = (int)strlen(rows[i].allocator);
		if ((int)strlen(rows[i].metric) + 4 > me_w)
			me_w = (int)strlen(rows[i].metric) + 4;
		if ((int)strlen(rows[i].unit) > un_w)
			un_w = (int)strlen(rows[i].unit);
	}
	fprintf(out, "%-*s  %7s  %-*s  %-*s  %14s  %-*s  %6s  %6s  %7s\n", wl_w, "WORKLOAD",
		"THREADS", al_w, "ALLOCATOR", me_w, "METRIC", "MEDIAN", un_w, "UNIT", "TRIALS",
		"FAILED", "SKIPPED");
	for (i = 0; i < nrows; i++) {
		struct row *x = &rows[i];
		char thr[16], med[32], metric[64];

		if (x->threads)
			snprintf(thr, sizeof(thr), "%d", x->threads);
		else
			snprintf(thr, sizeof(thr), "-");
		if (x->nvalues) {
			double m = ngb_median(x->values, x->nvalues);

			/* large counts whole, small values to four significant digits */
			snprintf(med, sizeof(med), fabs(m) >= 1e4 ? "%.0f" : "%.4g", m);
		}
		else
			snprintf(med, sizeof(med), "-");
		snprintf(metric, sizeof(metric), "%s%s", x->metric, x->higher ? " (^)" : "");
		fprintf(out, "%-*s  %7s  %-*s  %-*s  %14s  %-*s  %6zu  %6zu  %7zu\n", wl_w,
			x->workload, thr, al_w, x->allocator, me_w, metric, med, un_w, x->unit,
			x->ntrials, x->nfailed, x->nskipped);
	}
	fprintf(out, "\nMEDIAN is over the succeeded trials; (^): higher is better, otherwise lower.\n");
	free_rows(rows, nrows);
	return print_failures(db, sid, out, e);
}
