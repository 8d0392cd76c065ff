/*
 * data/merge.c - several databases into one: the shards of a session,
 * run apart, become that session again; other sessions keep their identity.
 *
 * A session is known across databases by its uuid.  Its trials are known by
 * their seq, which every shard numbers as the whole session does
 * (harness/shard.c).  For each uuid the merge takes, per shard, the complete
 * runs (an interrupted or failed run of a shard is superseded by a complete
 * rerun, even one already merged into out), and of those the union of their
 * trials by seq: a trial met twice with the same content is taken once, two
 * different trials with one seq are an error naming both places.
 *
 * Invariant: out is written only after every input has been read and every
 * conflict ruled out, in one transaction; a new out is built in a
 * temporary file beside it and linked into place at the end.  On any error,
 * or a crash, out is as it was.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ngbench/store.h"

/* A database taking part: an input, or out itself (what it holds already). */
struct mdb {
	struct ngb_store *st;
	const char *path;
	int is_out;
};

/* One run of one shard (0: not sharded) of one session in one database. */
struct unit {
	size_t db;
	int64_t sid;
	int shard;
	char *status;
	int chosen, superseded;
};

struct mtrial {
	size_t unit;
	int64_t id;
	int seq;
	uint64_t digest;
	int take;
};

/* One uuid: every unit of it, in every database. */
struct msession {
	char *uuid, *plan;
	int shard_count;
	size_t *units;
	size_t nunits;
	int64_t out_sid;         /* its session in out, 0: none yet */
	struct mtrial *trials;
	size_t ntrials;
};

struct merge {
	struct mdb *dbs;
	size_t ndbs;
	struct unit *units;
	size_t nunits;
	struct msession *ms;
	size_t nms;
	struct ngb_merge_result *res;
};

static void *grow(void *v, size_t n, size_t size)
{
	void *p = realloc(v, (n + 1) * size);

	if (!p)
		abort(); /* out of memory in a command-line merge: nothing better to do */
	return p;
}

static char *dup_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

static void add_line(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	*v = grow(*v, *n, sizeof(char *));
	(*v)[(*n)++] = s;
}

static void note(struct merge *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct merge *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&m->res->notes, &m->res->nnotes, fmt, ap);
	va_end(ap);
}

static void missing(struct merge *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void missing(struct merge *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&m->res->missing, &m->res->nmissing, fmt, ap);
	va_end(ap);
	m->res->incomplete = 1;
}

static int db_err(struct mdb *d, struct ngb_err *e, const char *what)
{
	return ngb_err_set(e, -EIO, "cannot %s in database '%s': %s", what, d->path,
			   sqlite3_errmsg(ngb_store_db(d->st)));
}

static const char *where_of(const struct merge *m, const struct unit *u, char *buf, size_t n)
{
	const struct mdb *d = &m->dbs[u->db];

	if (u->shard)
		snprintf(buf, n, "'%s' session %lld (shard %d)", d->path, (long long)u->sid,
			 u->shard);
	else
		snprintf(buf, n, "'%s' session %lld", d->path, (long long)u->sid);
	return buf;
}

static struct msession *find_ms(struct merge *m, const char *uuid)
{
	size_t i;

	for (i = 0; i < m->nms; i++)
		if (!strcmp(m->ms[i].uuid, uuid))
			return &m->ms[i];
	return NULL;
}

/* Reads the sessions of one database into units, grouped by uuid. */
static int read_sessions(struct merge *m, size_t dbi, struct ngb_err *e)
{
	struct mdb *d = &m->dbs[dbi];
	sqlite3 *db = ngb_store_db(d->st);
	sqlite3_stmt *s, *sh;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT id, uuid, plan, coalesce(shard_count, 0), status"
			       " FROM sessions ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return db_err(d, e, "read the sessions");
	/* the shards a session holds: its trials' and its shard rows' */
	if (sqlite3_prepare_v2(db, "SELECT k, (SELECT status FROM session_shards"
			       "  WHERE session_id = ?1 AND shard = k) FROM"
			       " (SELECT DISTINCT coalesce(shard, 0) AS k FROM trials WHERE session_id = ?1"
			       "  UNION SELECT shard FROM session_shards WHERE session_id = ?1)"
			       " ORDER BY k", -1, &sh, NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		return db_err(d, e, "read the shards");
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t sid = sqlite3_column_int64(s, 0);
		const char *uuid = (const char *)sqlite3_column_text(s, 1);
		const char *plan = (const char *)sqlite3_column_text(s, 2);
		int nshards = sqlite3_column_int(s, 3), found = 0;
		struct msession *ms;

		if (!uuid) {
			sqlite3_finalize(sh);
			sqlite3_finalize(s);
			return ngb_err_set(e, -EINVAL, "session %lld of '%s' has no identity (uuid)",
					   (long long)sid, d->path);
		}
		ms = find_ms(m, uuid);
		if (!ms) {
			m->ms = grow(m->ms, m->nms, sizeof(*m->ms));
			ms = &m->ms[m->nms++];
			memset(ms, 0, sizeof(*ms));
			ms->uuid = strdup(uuid);
			ms->plan = plan ? strdup(plan) : NULL;
			ms->shard_count = nshards;
		} else {
			const struct unit *first = &m->units[ms->units[0]];

			if ((plan && ms->plan && strcmp(plan, ms->plan)) ||
			    nshards != ms->shard_count) {
				char a[512];
				/* uuid belongs to the statement: format before finalizing */
				int r = ngb_err_set(e, -EINVAL,
						    "session %s: %s and '%s' session %lld run different "
						    "plans (cells, repetitions, seed or shard count) under "
						    "one identity: give each study its own --session-id",
						    uuid, where_of(m, first, a, sizeof(a)), d->path,
						    (long long)sid);

				sqlite3_finalize(sh);
				sqlite3_finalize(s);
				return r;
			}
		}
		if (d->is_out && !ms->out_sid)
			ms->out_sid = sid;
		sqlite3_bind_int64(sh, 1, sid);
		while (sqlite3_step(sh) == SQLITE_ROW) {
			struct unit *u;
			const char *st = (const char *)sqlite3_column_text(sh, 1);

			m->units = grow(m->units, m->nunits, sizeof(*m->units));
			u = &m->units[m->nunits];
			memset(u, 0, sizeof(*u));
			u->db = dbi;
			u->sid = sid;
			u->shard = sqlite3_column_int(sh, 0);
			u->status = strdup(st ? st : (const char *)sqlite3_column_text(s, 4));
			ms->units = grow(ms->units, ms->nunits, sizeof(*ms->units));
			ms->units[ms->nunits++] = m->nunits++;
			found = 1;
		}
		sqlite3_reset(sh);
		if (!found) {
			/* a session without trials keeps its identity too */
			struct unit *u;

			m->units = grow(m->units, m->nunits, sizeof(*m->units));
			u = &m->units[m->nunits];
			memset(u, 0, sizeof(*u));
			u->db = dbi;
			u->sid = sid;
			u->status = dup_text(s, 4);
			ms->units = grow(ms->units, ms->nunits, sizeof(*ms->units));
			ms->units[ms->nunits++] = m->nunits++;
		}
	}
	sqlite3_finalize(sh);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_err(d, e, "read the sessions");
	return 0;
}

/* The column names of a table, from out (every database has the same schema). */
static int table_columns(sqlite3 *db, const char *table, char ***cols, int *n)
{
	char sql[128];
	sqlite3_stmt *s;

	*cols = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s') ORDER BY cid", table);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	while (sqlite3_step(s) == SQLITE_ROW) {
		*cols = grow(*cols, (size_t)*n, sizeof(char *));
		(*cols)[(*n)++] = dup_text(s, 0);
	}
	sqlite3_finalize(s);
	return *n ? 0 : -EIO;
}

static void free_columns(char **cols, int n)
{
	while (n-- > 0)
		free(cols[n]);
	free(cols);
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A trial's content: every column but its row id and session. */
static uint64_t row_digest(sqlite3_stmt *s, int ncols, char **cols)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int i;

	for (i = 0; i < ncols; i++) {
		int t = sqlite3_column_type(s, i);

		if (!strcmp(cols[i], "id") || !strcmp(cols[i], "session_id"))
			continue;
		h = fnv(&t, sizeof(t), h);
		if (t == SQLITE_INTEGER) {
			sqlite3_int64 v = sqlite3_column_int64(s, i);

			h = fnv(&v, sizeof(v), h);
		} else if (t == SQLITE_FLOAT) {
			double v = sqlite3_column_double(s, i);

			h = fnv(&v, sizeof(v), h);
		} else if (t != SQLITE_NULL) {
			const void *b = sqlite3_column_blob(s, i);

			h = fnv(b, (size_t)sqlite3_column_bytes(s, i), h);
		}
	}
	return h;
}

static int load_trials(struct merge *m, struct msession *ms, size_t ui, struct ngb_err *e)
{
	struct unit *u = &m->units[ui];
	struct mdb *d = &m->dbs[u->db];
	sqlite3 *db = ngb_store_db(d->st);
	char **cols;
	int ncols, i, iseq = -1, iid = -1, rc;
	sqlite3_stmt *s;

	if (table_columns(db, "trials", &cols, &ncols))
		return db_err(d, e, "read the trials' columns");
	for (i = 0; i < ncols; i++) {
		if (!strcmp(cols[i], "seq"))
			iseq = i;
		if (!strcmp(cols[i], "id"))
			iid = i;
	}
	if (sqlite3_prepare_v2(db, "SELECT * FROM trials WHERE session_id = ? AND"
			       " coalesce(shard, 0) = ? ORDER BY seq", -1, &s, NULL) != SQLITE_OK) {
		free_columns(cols, ncols);
		return db_err(d, e, "read the trials");
	}
	sqlite3_bind_int64(s, 1, u->sid);
	sqlite3_bind_int(s, 2, u->shard);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mtrial *t;

		ms->trials = grow(ms->trials, ms->ntrials, sizeof(*ms->trials));
		t = &ms->trials[ms->ntrials++];
		t->unit = ui;
		t->id = sqlite3_column_int64(s, iid);
		t->seq = sqlite3_column_int(s, iseq);
		t->digest = row_digest(s, ncols, cols);
		t->take = 0;
	}
	sqlite3_finalize(s);
	free_columns(cols, ncols);
	if (rc != SQLITE_DONE)
		return db_err(d, e, "read the trials");
	return 0;
}

static int cmp_trial(const void *a, const void *b)
{
	const struct mtrial *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	/* what out holds already comes first: it is kept */
	return (x->unit > y->unit) - (x->unit < y->unit);
}

static int is_complete(const struct unit *u)
{
	return u->status && !strcmp(u->status, "complete");
}

/* Chooses the runs of each shard, then the trials; fails on a conflict. */
static int plan_session(struct merge *m, struct msession *ms, struct ngb_err *e)
{
	size_t i, j;
	int rc;

	for (i = 0; i < ms->nunits; i++) {
		struct unit *u = &m->units[ms->units[i]];
		int complete_exists = 0;

		for (j = 0; j < ms->nunits; j++) {
			const struct unit *v = &m->units[ms->units[j]];

			complete_exists |= v->shard == u->shard && is_complete(v);
		}
		if (complete_exists && !is_complete(u)) {
			char a[512];

			u->superseded = 1;
			note(m, "session %s: the %s run of %s is superseded by a complete run of "
			     "the same shard", ms->uuid, u->status, where_of(m, u, a, sizeof(a)));
			continue;
		}
		u->chosen = 1;
		rc = load_trials(m, ms, ms->units[i], e);
		if (rc)
			return rc;
	}
	qsort(ms->trials, ms->ntrials, sizeof(*ms->trials), cmp_trial);
	for (i = 0; i < ms->ntrials; i = j) {
		struct mtrial *first = &ms->trials[i];
		int dup = 0;

		first->take = !m->dbs[m->units[first->unit].db].is_out;
		for (j = i + 1; j < ms->ntrials && ms->trials[j].seq == first->seq; j++) {
			const struct mtrial *t = &ms->trials[j];

			if (t->digest != first->digest) {
				char a[512], b[512];

				return ngb_err_set(e, -EEXIST,
						   "conflicting trials: trial %d of session %s is one "
						   "trial in %s and another in %s; they are two "
						   "measurements of one place in the session: merge "
						   "only one of them", first->seq, ms->uuid,
						   where_of(m, &m->units[first->unit], a, sizeof(a)),
						   where_of(m, &m->units[t->unit], b, sizeof(b)));
			}
			dup |= !m->dbs[m->units[t->unit].db].is_out;
		}
		m->res->trials_duplicate += dup;
	}
	return 0;
}

/* Copies rows of table from src to dst: those matching where (with ?1 = a,
 * ?2 = b), with column set_col (if any) set to set_val, without the row id
 * when skip_id; *last gets the last new row id. */
static int copy_rows(struct mdb *src, struct mdb *dst, const char *table, const char *where,
		     int64_t a, int64_t b, const char *set_col, int64_t set_val, int skip_id,
		     const char *verb, int64_t *last, struct ngb_err *e)
{
	sqlite3 *sdb = ngb_store_db(src->st), *ddb = ngb_store_db(dst->st);
	char **cols, *sel = NULL, *ins = NULL;
	size_t sl = 0, il = 0;
	FILE *fs, *fi;
	sqlite3_stmt *s = NULL, *w = NULL;
	int ncols, i, k, rc = 0;

	if (table_columns(ddb, table, &cols, &ncols))
		return db_err(dst, e, "read the columns");
	fs = open_memstream(&sel, &sl);
	fi = open_memstream(&ins, &il);
	if (!fs || !fi)
		abort();
	fprintf(fs, "SELECT ");
	fprintf(fi, "%s INTO %s (", verb, table);
	for (i = 0, k = 0; i < ncols; i++) {
		if (skip_id && !strcmp(cols[i], "id"))
			continue;
		fprintf(fs, "%s\"%s\"", k ? ", " : "", cols[i]);
		fprintf(fi, "%s\"%s\"", k ? ", " : "", cols[i]);
		k++;
	}
	fprintf(fs, " FROM %s WHERE %s", table, where);
	fprintf(fi, ") VALUES (");
	for (i = 0; i < k; i++)
		fprintf(fi, "%s?", i ? ", " : "");
	fprintf(fi, ")");
	fclose(fs);
	fclose(fi);
	if (sqlite3_prepare_v2(sdb, sel, -1, &s, NULL) != SQLITE_OK) {
		rc = db_err(src, e, "read a table");
		goto out;
	}
	if (sqlite3_prepare_v2(ddb, ins, -1, &w, NULL) != SQLITE_OK) {
		rc = db_err(dst, e, "prepare a copy");
		goto out;
	}
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		for (i = 0, k = 0; i < ncols; i++) {
			if (skip_id && !strcmp(cols[i], "id"))
				continue;
			if (set_col && !strcmp(cols[i], set_col))
				sqlite3_bind_int64(w, k + 1, set_val);
			else
				sqlite3_bind_value(w, k + 1, sqlite3_column_value(s, k));
			k++;
		}
		if (sqlite3_step(w) != SQLITE_DONE)
			rc = db_err(dst, e, "copy a row");
		sqlite3_reset(w);
		if (last)
			*last = sqlite3_last_insert_rowid(ddb);
	}
out:
	sqlite3_finalize(s);
	sqlite3_finalize(w);
	free(sel);
	free(ins);
	free_columns(cols, ncols);
	return rc;
}

static int exec_dst(struct mdb *d, const char *sql, int64_t a, int64_t b, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(ngb_store_db(d->st), sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(d, e, "prepare an update");
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_err(d, e, "update");
}

static const char *const trial_children[] = { "trial_results", "counters", "rss_samples",
					      "histograms" };

static int write_session(struct merge *m, struct msession *ms, struct mdb *out,
			 struct ngb_err *e)
{
	size_t i, k;
	int64_t sid = ms->out_sid;
	long added = 0;
	int rc = 0, k_shard;

	if (!sid) {
		const struct unit *first = NULL;

		for (i = 0; i < ms->nunits && !first; i++)
			if (m->units[ms->units[i]].chosen)
				first = &m->units[ms->units[i]];
		if (!first)
			first = &m->units[ms->units[0]];
		rc = copy_rows(&m->dbs[first->db], out, "sessions", "id = ?1", first->sid, 0, NULL,
			       0, 1, "INSERT", &sid, e);
		if (rc)
			return rc;
		m->res->sessions_added++;
	}
	/* an incomplete run already in out, superseded: its trials go */
	for (i = 0; i < ms->nunits; i++) {
		const struct unit *u = &m->units[ms->units[i]];

		if (!u->superseded || !m->dbs[u->db].is_out)
			continue;
		for (k = 0; k < sizeof(trial_children) / sizeof(trial_children[0]) && !rc; k++) {
			char sql[256];

			snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE trial_id IN (SELECT id FROM"
				 " trials WHERE session_id = ?1 AND coalesce(shard, 0) = ?2)",
				 trial_children[k]);
			rc = exec_dst(out, sql, u->sid, u->shard, e);
		}
		if (!rc)
			rc = exec_dst(out, "DELETE FROM trials WHERE session_id = ?1 AND"
				      " coalesce(shard, 0) = ?2", u->sid, u->shard, e);
		if (!rc)
			rc = exec_dst(out, "DELETE FROM session_shards WHERE session_id = ?1 AND"
				      " shard = ?2", u->sid, u->shard, e);
		if (rc)
			return rc;
	}
	for (i = 0; i < ms->ntrials && !rc; i++) {
		const struct mtrial *t = &ms->trials[i];
		struct mdb *src = &m->dbs[m->units[t->unit].db];
		int64_t nid = 0;

		if (!t->take)
			continue;
		rc = copy_rows(src, out, "trials", "id = ?1", t->id, 0, "session_id", sid, 1,
			       "INSERT", &nid, e);
		for (k = 0; k < sizeof(trial_children) / sizeof(trial_children[0]) && !rc; k++)
			rc = copy_rows(src, out, trial_children[k], "trial_id = ?1", t->id, 0,
				       "trial_id", nid, 0, "INSERT", NULL, e);
		added++;
	}
	/* each chosen shard run's record, from the inputs */
	for (i = 0; i < ms->nunits && !rc; i++) {
		const struct unit *u = &m->units[ms->units[i]];

		if (u->chosen && u->shard && !m->dbs[u->db].is_out)
			rc = copy_rows(&m->dbs[u->db], out, "session_shards",
				       "session_id = ?1 AND shard = ?2", u->sid, u->shard,
				       "session_id", sid, 0, "INSERT OR REPLACE", NULL, e);
	}
	if (rc)
		return rc;
	/* the whole session: from its first start to its last end; complete
	 * when every shard has a complete run */
	rc = exec_dst(out, "UPDATE sessions SET"
		      " started_at = coalesce((SELECT min(started_at) FROM session_shards"
		      "  WHERE session_id = ?1), started_at),"
		      " finished_at = coalesce((SELECT max(finished_at) FROM session_shards"
		      "  WHERE session_id = ?1), finished_at) WHERE id = ?1 AND shard_count > 0",
		      sid, 0, e);
	if (rc)
		return rc;
	if (ms->shard_count > 0) {
		struct ngb_store *st = out->st;
		sqlite3_stmt *s;
		int nmissing = 0;

		if (sqlite3_prepare_v2(ngb_store_db(st), "SELECT status, trials, planned FROM"
				       " session_shards WHERE session_id = ? AND shard = ?", -1, &s,
				       NULL) != SQLITE_OK)
			return db_err(out, e, "read the shards");
		for (k_shard = 1; k_shard <= ms->shard_count; k_shard++) {
			sqlite3_bind_int64(s, 1, sid);
			sqlite3_bind_int(s, 2, k_shard);
			if (sqlite3_step(s) != SQLITE_ROW) {
				missing(m, "session %s: shard %d of %d is missing: run it with "
				     "--shard=%d/%d and the same --seed or --session-id, then merge "
				     "again", ms->uuid, k_shard, ms->shard_count, k_shard,
				     ms->shard_count);
				nmissing++;
			} else if (strcmp((const char *)sqlite3_column_text(s, 0), "complete")) {
				missing(m, "session %s: shard %d of %d is %s (%d of %d trials): run it "
				     "again with --shard=%d/%d and merge again", ms->uuid, k_shard,
				     ms->shard_count, sqlite3_column_text(s, 0),
				     sqlite3_column_int(s, 1), sqlite3_column_int(s, 2), k_shard,
				     ms->shard_count);
				nmissing++;
			}
			sqlite3_reset(s);
		}
		sqlite3_finalize(s);
		rc = exec_dst(out, nmissing ? "UPDATE sessions SET status = 'incomplete' WHERE id = ?1"
				   : "UPDATE sessions SET status = 'complete' WHERE id = ?1",
			      sid, 0, e);
		if (rc)
			return rc;
	}
	if (ms->out_sid && added)
		m->res->sessions_extended++;
	m->res->trials_added += added;
	if (added || !ms->out_sid)
		note(m, "session %s%s: %ld trial%s added to session %lld", ms->uuid,
		     ms->shard_count ? " (sharded)" : "", added, added == 1 ? "" : "s",
		     (long long)sid);
	return 0;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static void merge_release(struct merge *m)
{
	size_t i;

	for (i = 0; i < m->ndbs; i++)
		ngb_store_close(m->dbs[i].st);
	free(m->dbs);
	for (i = 0; i < m->nunits; i++)
		free(m->units[i].status);
	free(m->units);
	for (i = 0; i < m->nms; i++) {
		free(m->ms[i].uuid);
		free(m->ms[i].plan);
		free(m->ms[i].units);
		free(m->ms[i].trials);
	}
	free(m->ms);
}

int ngb_store_merge(const char *out, const char *const *in, size_t nin,
		    struct ngb_merge_result *res, struct ngb_err *e)
{
	struct merge m;
	struct stat sb;
	char *tmp = NULL;
	struct mdb *dst;
	size_t i;
	int rc = 0, out_exists = stat(out, &sb) == 0, began = 0;

	memset(res, 0, sizeof(*res));
	memset(&m, 0, sizeof(m));
	m.res = res;
	if (nin == 0)
		return ngb_err_set(e, -EINVAL, "nothing to merge: give one input database or more");
	m.dbs = calloc(nin + 1, sizeof(*m.dbs));
	if (!m.dbs)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	/* every input first, read-only: a bad one stops the merge before out is opened */
	for (i = 0; i < nin; i++) {
		if (out_exists && same_file(out, in[i])) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is both the output and an input: merge "
					 "into another file", in[i]);
			goto out;
		}
		m.dbs[m.ndbs].path = in[i];
		rc = ngb_store_open(&m.dbs[m.ndbs].st, in[i], NGB_STORE_READONLY, e);
		if (rc)
			goto out;
		m.ndbs++;
	}
	dst = &m.dbs[m.ndbs];
	dst->is_out = 1;
	dst->path = out;
	if (out_exists) {
		rc = ngb_store_open(&dst->st, out, 0, e);
	} else {
		/* a new out is built beside it, then linked into place */
		int fd;

		if (asprintf(&tmp, "%s.merge-XXXXXX", out) < 0) {
			tmp = NULL;
			rc = ngb_err_set(e, -ENOMEM, "out of memory");
			goto out;
		}
		fd = mkstemp(tmp);
		if (fd < 0) {
			rc = ngb_err_set(e, -errno, "cannot create a file beside '%s': %s", out,
					 strerror(errno));
			free(tmp);
			tmp = NULL;
			goto out;
		}
		{
			/* the mode a database created in place would have; mkstemp's
			 * 0600 would only be less shared */
			mode_t um = umask(0);

			umask(um);
			(void)!fchmod(fd, 0666 & ~um);
		}
		close(fd);
		rc = ngb_store_open(&dst->st, tmp, NGB_STORE_CREATE, e);
	}
	if (rc)
		goto out;
	m.ndbs++;
	if (sqlite3_exec(ngb_store_db(dst->st), "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(dst, e, "lock the database");
		goto out;
	}
	began = 1;
	/* out's own sessions first: what it holds is kept */
	rc = read_sessions(&m, m.ndbs - 1, e);
	for (i = 0; i + 1 < m.ndbs && !rc; i++)
		rc = read_sessions(&m, i, e);
	for (i = 0; i < m.nms && !rc; i++)
		rc = plan_session(&m, &m.ms[i], e);
	/* nothing written before this line */
	for (i = 0; i + 1 < m.ndbs && !rc; i++)
		rc = copy_rows(&m.dbs[i], dst, "machines", "1", 0, 0, NULL, 0, 0, "INSERT OR IGNORE",
			       NULL, e);
	for (i = 0; i < m.nms && !rc; i++)
		rc = write_session(&m, &m.ms[i], dst, e);
	if (!rc && sqlite3_exec(ngb_store_db(dst->st), "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(dst, e, "commit the merge");
	else if (!rc)
		began = 0;

out:
	if (began)
		sqlite3_exec(ngb_store_db(m.dbs[m.ndbs - 1].st), "ROLLBACK", NULL, NULL, NULL);
	merge_release(&m);
	if (tmp) {
		if (!rc && link(tmp, out) != 0)
			rc = ngb_err_set(e, -errno, "cannot put the merged database at '%s': %s "
					 "(nothing was changed)", out, strerror(errno));
		unlink(tmp);
		free(tmp);
	}
	if (rc)
		ngb_merge_result_release(res);
	return rc;
}

void ngb_merge_result_release(struct ngb_merge_result *res)
{
	size_t i;

	for (i = 0; i < res->nnotes; i++)
		free(res->notes[i]);
	free(res->notes);
	for (i = 0; i < res->nmissing; i++)
		free(res->missing[i]);
	free(res->missing);
	memset(res, 0, sizeof(*res));
}
