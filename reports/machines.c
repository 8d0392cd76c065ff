/*
 * reports/machines.c - the machines a session's trials ran on, what tells
 * two fingerprints apart, and a report confined to one machine.
 *
 * A merged session may hold trials from several hosts (its shards ran
 * apart) and, worse, from machines that differ (CPU, kernel, THP mode,
 * tunables...).  Trials of different machines must never be pooled into
 * one cell as if they were one machine, so report and compare ask here.
 *
 * Confining: a TEMP VIEW named trials with only that machine's rows.  SQLite
 * resolves an unqualified table name in the temp schema before main
 * (https://sqlite.org/lang_naming.html), so every query of the report
 * loader sees just those trials, unchanged; the view lives in the
 * connection's own temp schema, which a read-only connection may write.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "query.h"
#include "ngbench/store.h"

int ngb_session_machines(sqlite3 *db, int64_t sid, int pool, struct ngb_machine_group **out,
			 size_t *n, struct ngb_err *e)
{
	sqlite3_stmt *s;
	struct ngb_machine_group *v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (query_prepare(db, pool ? Q_MACHINES_BY_PRINT : Q_MACHINES_BY_HOST, &s) != SQLITE_OK)
		return query_fail(db, e, "the trials' machines");
	sqlite3_bind_int64(s, 1, sid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(s, 0), *m = sqlite3_column_text(s, 1);
		struct ngb_machine_group *nv = realloc(v, (k + 1) * sizeof(*v));

		if (!nv) {
			sqlite3_finalize(s);
			ngb_machine_groups_free(v, k);
			return ngb_err_set(e, -ENOMEM, "out of memory");
		}
		v = nv;
		v[k].hosts = h ? rep_strdup((const char *)h) : NULL;
		v[k].fingerprint = m ? rep_strdup((const char *)m) : NULL;
		v[k].trials = sqlite3_column_int64(s, 2);
		v[k].pooled = pool;
		k++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		ngb_machine_groups_free(v, k);
		return query_fail(db, e, "the trials' machines");
	}
	*out = v;
	*n = k;
	return 0;
}

void ngb_machine_groups_free(struct ngb_machine_group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(g[i].hosts);
		free(g[i].fingerprint);
	}
	free(g);
}

/* One field of a machine, or NULL when it is not recorded. */
static char *machine_field(sqlite3 *db, const char *fp, int field)
{
	sqlite3_stmt *s;
	char *v = NULL;

	if (query_prepare_machine_field(db, field, &s) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(s, 1, fp, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = rep_strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

char *ngb_machine_diff(sqlite3 *db, const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;
	char *out;
	int i;

	if (!a || !b) {
		strbuf_addf(&sb, "the machine of %s trial%s was not recorded (stored before "
			  "fingerprints were)", !a && !b ? "both sides'" : "one side's",
			  !a && !b ? "s" : "");
	} else if (!strcmp(a, b)) {
		strbuf_adds(&sb, "nothing: the fingerprints are identical");
	} else {
		for (i = 0; i < NGB_MACHINE_NFIELDS; i++) {
			char *x = machine_field(db, a, i), *y = machine_field(db, b, i);

			if (!x || !y || strcmp(x, y))
				strbuf_addf(&sb, "%s%s '%s' vs '%s'", sb.len ? "; " : "",
					  ngb_machine_labels[i], x ? x : "not recorded",
					  y ? y : "not recorded");
			free(x);
			free(y);
		}
		if (!sb.len)
			strbuf_adds(&sb, "no recorded field (the fingerprints differ in a field "
				       "this ngbench does not know)");
	}
	out = rep_strdup(strbuf_str(&sb));
	strbuf_release(&sb);
	return out;
}

int ngb_machine_scope(sqlite3 *db, const struct ngb_machine_group *g, struct ngb_err *e)
{
	char *err = NULL;
	int rc = query_scope_trials(db, g->fingerprint, g->hosts, !g->pooled, &err);

	if (rc == SQLITE_NOMEM)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	if (rc != SQLITE_OK) {
		ngb_err_set(e, -EIO, "cannot confine the report to one machine: %s",
			    err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -EIO;
	}
	return 0;
}

void ngb_machine_scope_end(sqlite3 *db)
{
	query_unscope(db);
}
