/*
 * data/store.c - the SQLite store of sessions, trials, results and counters.
 *
 * The schema is the list of migrations below: migration N takes a database
 * from user_version N-1 to N, inside one transaction.  A database is ours
 * when its application_id is NGB_STORE_APPLICATION_ID (or when it is a new,
 * empty file); anything else is refused before a single byte is written.  A
 * database of a newer schema than this build knows is refused too, unchanged.
 *
 * Invariant: every trial row is committed together with its results and
 * counters, in one transaction, before the runner starts the next trial.
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

struct ngb_store {
	sqlite3 *db;
	char *path;
};

/* Forward migrations; index i takes user_version i to i+1. */
static const char *const migrations[] = {
	/* 1: sessions, trials, free key/value results of a trial */
	"CREATE TABLE sessions ("
	" id INTEGER PRIMARY KEY,"
	" started_at TEXT NOT NULL,"
	" finished_at TEXT,"
	" status TEXT NOT NULL DEFAULT 'running',"
	" host TEXT, cpu_model TEXT, cores INTEGER, kernel TEXT, os TEXT, libc TEXT,"
	" ngbench_version TEXT, git_commit TEXT,"
	" command_line TEXT NOT NULL,"
	" label TEXT,"
	" seed INTEGER,"
	" config TEXT);"
	"CREATE INDEX sessions_label ON sessions(label);"
	"CREATE TABLE trials ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER NOT NULL REFERENCES sessions(id),"
	" seq INTEGER NOT NULL, round INTEGER NOT NULL, repetition INTEGER NOT NULL,"
	" warmup INTEGER NOT NULL DEFAULT 0,"
	" allocator TEXT NOT NULL, allocator_version TEXT, allocator_library TEXT,"
	" served_by TEXT,"
	" workload TEXT NOT NULL, params TEXT NOT NULL DEFAULT '{}', threads INTEGER,"
	" argv TEXT NOT NULL,"
	" status TEXT NOT NULL, reason TEXT,"
	" exit_code INTEGER, signal INTEGER,"
	" wall_s REAL, user_s REAL, sys_s REAL,"
	" maxrss_kb INTEGER, minflt INTEGER, majflt INTEGER, nvcsw INTEGER, nivcsw INTEGER,"
	" metric TEXT, metric_value REAL, metric_unit TEXT, higher_is_better INTEGER,"
	" stderr_tail TEXT,"
	" started_at TEXT);"
	"CREATE INDEX trials_session ON trials(session_id, workload, allocator);"
	"CREATE TABLE trial_results ("
	" trial_id INTEGER NOT NULL REFERENCES trials(id),"
	" key TEXT NOT NULL, value TEXT, number REAL,"
	" PRIMARY KEY (trial_id, key));",

	/* 2: counters, one row per trial and event */
	"CREATE TABLE counters ("
	" trial_id INTEGER NOT NULL REFERENCES trials(id),"
	" event TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL,"
	" value REAL, raw INTEGER, time_enabled INTEGER, time_running INTEGER,"
	" encoding TEXT, reason TEXT,"
	" PRIMARY KEY (trial_id, event, source));",

	/* 3: the resident memory of a trial over time */
	"CREATE TABLE rss_samples ("
	" trial_id INTEGER NOT NULL REFERENCES trials(id),"
	" t_ms INTEGER NOT NULL, rss_kb INTEGER NOT NULL,"
	" PRIMARY KEY (trial_id, t_ms)) WITHOUT ROWID;",

	/* 4: profiling trials (kind) and their histograms */
	"ALTER TABLE trials ADD COLUMN kind TEXT NOT NULL DEFAULT 'timing';"
	"CREATE TABLE histograms ("
	" trial_id INTEGER NOT NULL REFERENCES trials(id),"
	" name TEXT NOT NULL, lo REAL NOT NULL, hi REAL NOT NULL, count INTEGER NOT NULL,"
	" PRIMARY KEY (trial_id, name, lo)) WITHOUT ROWID;",

	/*
	 * 5: a session's identity across databases (uuid, the digest of what it
	 * runs, how many shards it was cut into), each trial's provenance (host,
	 * shard, machine fingerprint, the allocator knobs in its environment),
	 * the machines by fingerprint, and each shard's run.  Sessions stored
	 * before get a random identity; their trials the session's host.
	 */
	"ALTER TABLE sessions ADD COLUMN uuid TEXT;"
	"ALTER TABLE sessions ADD COLUMN plan TEXT;"
	"ALTER TABLE sessions ADD COLUMN shard_count INTEGER;"
	"UPDATE sessions SET uuid = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2)))"
	" || '-4' || substr(lower(hex(randomblob(2))), 2) || '-'"
	" || substr('89ab', 1 + abs(random() % 4), 1) || substr(lower(hex(randomblob(2))), 2)"
	" || '-' || lower(hex(randomblob(6))) WHERE uuid IS NULL;"
	"CREATE INDEX sessions_uuid ON sessions(uuid);"
	"ALTER TABLE trials ADD COLUMN host TEXT;"
	"ALTER TABLE trials ADD COLUMN shard INTEGER;"
	"ALTER TABLE trials ADD COLUMN machine TEXT;"
	"ALTER TABLE trials ADD COLUMN env_knobs TEXT;"
	"UPDATE trials SET host = (SELECT host FROM sessions WHERE sessions.id = trials.session_id);"
	"CREATE TABLE machines ("
	" fingerprint TEXT PRIMARY KEY,"
#define X(name_, label_) " " #name_ " TEXT,"
	NGB_MACHINE_FIELDS(X)
#undef X
	" first_host TEXT);"
	"CREATE TABLE session_shards ("
	" session_id INTEGER NOT NULL REFERENCES sessions(id),"
	" shard INTEGER NOT NULL, shard_count INTEGER NOT NULL,"
	" host TEXT, machine TEXT, status TEXT NOT NULL,"
	" started_at TEXT, finished_at TEXT, planned INTEGER, trials INTEGER,"
	" origin TEXT,"
	" PRIMARY KEY (session_id, shard));",

	/*
	 * 6: who runs a session: the ngbench process (pid, its start time in
	 * clock ticks since boot, so that a reused pid is told apart), its host
	 * and boot, so that a 'running' session whose process is gone is known
	 * to be abandoned; and the options it was run with, so that it can be
	 * finished (ngbench run --resume).
	 */
	"ALTER TABLE sessions ADD COLUMN runner_host TEXT;"
	"ALTER TABLE sessions ADD COLUMN runner_pid INTEGER;"
	"ALTER TABLE sessions ADD COLUMN runner_start INTEGER;"
	"ALTER TABLE sessions ADD COLUMN runner_boot TEXT;"
	"ALTER TABLE sessions ADD COLUMN run_options TEXT;",
};

#define X(name_, label_) #name_,
const char *const ngb_machine_columns[NGB_MACHINE_NFIELDS] = { NGB_MACHINE_FIELDS(X) };
#undef X
#define X(name_, label_) label_,
const char *const ngb_machine_labels[NGB_MACHINE_NFIELDS] = { NGB_MACHINE_FIELDS(X) };
#undef X

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int ngb_store_schema_version(void)
{
	return NMIGRATIONS;
}

static int sql_err(struct ngb_store *st, struct ngb_err *e, const char *what)
{
	return ngb_err_set(e, -EIO, "%s in database '%s': %s", what, st->path,
			   sqlite3_errmsg(st->db));
}

/*
 * SQLite returns SQLITE_BUSY at once, without calling the busy handler, when
 * waiting could deadlock (two connections of a new file switching it to WAL,
 * or upgrading a read lock): retry such statements for as long as the busy
 * timeout would have waited, so that runs sharing a file never fail on it.
 */
#define BUSY_RETRY_MS 30000

static int exec_sql(struct ngb_store *st, const char *sql, struct ngb_err *e)
{
	char *msg = NULL;
	int rc, waited = 0;

	while ((rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg)) == SQLITE_BUSY &&
	       waited < BUSY_RETRY_MS) {
		sqlite3_free(msg);
		msg = NULL;
		sqlite3_sleep(10);
		waited += 10;
	}
	if (rc != SQLITE_OK) {
		ngb_err_set(e, -EIO, "database '%s': %s", st->path, msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int pragma_int(struct ngb_store *st, const char *pragma, int *out)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(st->db, pragma, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

static int migrate_to(struct ngb_store *st, int from, int to, struct ngb_err *e)
{
	char buf[128];
	int v;

	for (v = from; v < to; v++) {
		if (exec_sql(st, "BEGIN IMMEDIATE", e))
			return -EIO;
		/* Another process may have migrated while we waited for the lock. */
		int now = 0;
		if (pragma_int(st, "PRAGMA user_version", &now) != SQLITE_OK) {
			exec_sql(st, "ROLLBACK", NULL);
			return sql_err(st, e, "cannot read the schema version");
		}
		if (now > v) {
			exec_sql(st, "ROLLBACK", NULL);
			v = now - 1;
			continue;
		}
		if (v == 0) {
			snprintf(buf, sizeof(buf), "PRAGMA application_id = %d",
				 NGB_STORE_APPLICATION_ID);
			if (exec_sql(st, buf, e))
				goto rollback;
		}
		if (exec_sql(st, migrations[v], e))
			goto rollback;
		snprintf(buf, sizeof(buf), "PRAGMA user_version = %d", v + 1);
		if (exec_sql(st, buf, e))
			goto rollback;
		if (exec_sql(st, "COMMIT", e))
			goto rollback;
	}
	return 0;

rollback:
	exec_sql(st, "ROLLBACK", NULL);
	return -EIO;
}

/*
 * Checks that the file is ours and of a schema we know, without writing.
 * Sets *version to its user_version (0 for a new, empty database).
 */
static int check_identity(struct ngb_store *st, int *version, struct ngb_err *e)
{
	/*
	 * One statement, so one snapshot: read separately, another run could
	 * commit its first migration between the reads and this one would see
	 * its tables without its application_id.
	 */
	static const char sql[] =
		"SELECT (SELECT application_id FROM pragma_application_id),"
		" (SELECT count(*) FROM sqlite_schema),"
		" (SELECT user_version FROM pragma_user_version)";
	sqlite3_stmt *s;
	int appid = 0, ntables = 0, rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			appid = sqlite3_column_int(s, 0);
			ntables = sqlite3_column_int(s, 1);
			*version = sqlite3_column_int(s, 2);
			rc = SQLITE_OK;
		}
		sqlite3_finalize(s);
	}
	if (rc == SQLITE_NOTADB)
		return ngb_err_set(e, -EINVAL,
				   "'%s' is not an ngbench database (not an SQLite file); "
				   "give another path with --db", st->path);
	if (rc != SQLITE_OK)
		return sql_err(st, e, "cannot read the header and schema");
	if (ntables == 0 && appid == 0 && *version == 0)
		return 0; /* new and empty: ours to initialize */
	if (appid != NGB_STORE_APPLICATION_ID)
		return ngb_err_set(e, -EINVAL,
				   "'%s' is an SQLite database but not an ngbench database; "
				   "give another path with --db", st->path);
	if (*version > NMIGRATIONS)
		return ngb_err_set(e, -EPROTO,
				   "'%s' was written by a newer ngbench (schema %d; this one "
				   "knows up to %d): upgrade ngbench to read it", st->path,
				   *version, NMIGRATIONS);
	return 0;
}

static int open_at(struct ngb_store **out, const char *path, int flags, int target,
		   struct ngb_err *e)
{
	struct ngb_store *st;
	struct stat sb;
	int oflags, version = 0, rc;

	*out = NULL;
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT || !(flags & NGB_STORE_CREATE) || (flags & NGB_STORE_READONLY))
			return ngb_err_set(e, -errno, "cannot open database '%s': %s", path,
					   strerror(errno));
	} else if (!S_ISREG(sb.st_mode)) {
		return ngb_err_set(e, -EINVAL, "database '%s' is not a regular file", path);
	} else if (!(flags & NGB_STORE_READONLY) &&
		   (access(path, W_OK) != 0 ||
		    !(sb.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)))) {
		/* The mode bits count even for root, who could write anyway. */
		return ngb_err_set(e, -EACCES,
				   "database '%s' is read-only: make it writable or give "
				   "another path with --db", path);
	}

	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	if (flags & NGB_STORE_READONLY)
		oflags = SQLITE_OPEN_READONLY;
	else
		oflags = SQLITE_OPEN_READWRITE | ((flags & NGB_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	rc = sqlite3_open_v2(path, &st->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		ngb_err_set(e, -EIO, "cannot open database '%s': %s", path,
			    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 30000);
	sqlite3_extended_result_codes(st->db, 0);

	if (check_identity(st, &version, e))
		goto fail;
	if (flags & NGB_STORE_READONLY) {
		if (version < NMIGRATIONS) {
			ngb_err_set(e, -EPROTO,
				    version == 0 ? "'%s' holds no ngbench data yet"
						 : "'%s' has an older schema: run 'ngbench run' on it "
						   "once to upgrade it", path);
			goto fail;
		}
	} else {
		if (sqlite3_db_readonly(st->db, "main") == 1) {
			ngb_err_set(e, -EACCES, "database '%s' is read-only: make it writable "
				    "or give another path with --db", path);
			goto fail;
		}
		/* WAL: readers do not block the writer, two runs can share a file. */
		if (exec_sql(st, "PRAGMA journal_mode = WAL", e))
			goto fail;
		if (exec_sql(st, "PRAGMA foreign_keys = ON", e))
			goto fail;
		if (version < target && migrate_to(st, version, target, e))
			goto fail;
	}
	*out = st;
	return 0;

fail:
	ngb_store_close(st);
	return e ? e->code : -EIO;
}

int ngb_store_open(struct ngb_store **out, const char *path, int flags, struct ngb_err *e)
{
	return open_at(out, path, flags, NMIGRATIONS, e);
}

int ngb_store_create_at_version(const char *path, int version, struct ngb_err *e)
{
	struct ngb_store *st;
	int rc;

	if (version < 1 || version > NMIGRATIONS)
		return ngb_err_set(e, -EINVAL, "no schema version %d", version);
	rc = open_at(&st, path, NGB_STORE_CREATE, version, e);
	if (rc == 0)
		ngb_store_close(st);
	return rc;
}

void ngb_store_close(struct ngb_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

sqlite3 *ngb_store_db(struct ngb_store *st)
{
	return st->db;
}

const char *ngb_store_path(const struct ngb_store *st)
{
	return st->path;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

int ngb_store_session_begin(struct ngb_store *st, const struct ngb_session_info *si,
			    int64_t *session_id, struct ngb_err *e)
{
	static const char sql[] =
		"INSERT INTO sessions (started_at, host, cpu_model, cores, kernel, os, libc,"
		" ngbench_version, git_commit, command_line, label, seed, config, uuid, plan,"
		" shard_count, runner_host, runner_pid, runner_start, runner_boot, run_options)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot prepare the session");
	bind_text(s, 1, si->started_at);
	bind_text(s, 2, si->host);
	bind_text(s, 3, si->cpu_model);
	sqlite3_bind_int(s, 4, si->cores);
	bind_text(s, 5, si->kernel);
	bind_text(s, 6, si->os);
	bind_text(s, 7, si->libc);
	bind_text(s, 8, si->ngbench_version);
	bind_text(s, 9, si->git_commit);
	bind_text(s, 10, si->command_line);
	bind_text(s, 11, si->label);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)si->seed);
	bind_text(s, 13, si->config_json);
	bind_text(s, 14, si->uuid);
	bind_text(s, 15, si->plan);
	if (si->shard_count > 0)
		sqlite3_bind_int(s, 16, si->shard_count);
	else
		sqlite3_bind_null(s, 16);
	if (si->runner) {
		bind_text(s, 17, si->runner->host);
		sqlite3_bind_int64(s, 18, si->runner->pid);
		sqlite3_bind_int64(s, 19, (sqlite3_int64)si->runner->start);
		bind_text(s, 20, si->runner->boot);
	}
	bind_text(s, 21, si->run_options);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(st, e, "cannot write the session");
	*session_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int ngb_store_session_end(struct ngb_store *st, int64_t session_id, const char *finished_at,
			  const char *status, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
			       "UPDATE sessions SET finished_at = ?, status = ? WHERE id = ?", -1,
			       &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot prepare the session update");
	bind_text(s, 1, finished_at);
	bind_text(s, 2, status);
	sqlite3_bind_int64(s, 3, session_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(st, e, "cannot close the session");
	return 0;
}

static int insert_results_locked(struct ngb_store *st, int64_t trial_id,
				 const struct ngb_trial_row *t, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int i, rc = 0;

	if (t->nresults == 0)
		return 0;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT OR REPLACE INTO trial_results (trial_id, key, value, number)"
			       " VALUES (?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot prepare the results");
	for (i = 0; i < t->nresults && rc == 0; i++) {
		const struct ngb_result_pair *p = &t->results[i];

		sqlite3_bind_int64(s, 1, trial_id);
		bind_text(s, 2, p->key);
		bind_text(s, 3, p->value);
		if (p->is_number)
			sqlite3_bind_double(s, 4, p->number);
		else
			sqlite3_bind_null(s, 4);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sql_err(st, e, "cannot write a result");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

static int insert_counters_locked(struct ngb_store *st, int64_t trial_id,
				  const struct ngb_trial_row *t, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int i, rc = 0;

	if (t->ncounters == 0)
		return 0;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT OR REPLACE INTO counters (trial_id, event, source, status,"
			       " value, raw, time_enabled, time_running, encoding, reason)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot prepare the counters");
	for (i = 0; i < t->ncounters && rc == 0; i++) {
		const struct ngb_counter_row *c = &t->counters[i];

		sqlite3_bind_int64(s, 1, trial_id);
		bind_text(s, 2, c->event);
		bind_text(s, 3, c->source);
		bind_text(s, 4, c->status);
		if (c->has_value)
			sqlite3_bind_double(s, 5, c->value);
		else
			sqlite3_bind_null(s, 5);
		if (c->has_raw)
			sqlite3_bind_int64(s, 6, (sqlite3_int64)c->raw);
		else
			sqlite3_bind_null(s, 6);
		if (c->has_times) {
			sqlite3_bind_int64(s, 7, (sqlite3_int64)c->time_enabled);
			sqlite3_bind_int64(s, 8, (sqlite3_int64)c->time_running);
		} else {
			sqlite3_bind_null(s, 7);
			sqlite3_bind_null(s, 8);
		}
		bind_text(s, 9, c->encoding);
		bind_text(s, 10, c->reason);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sql_err(st, e, "cannot write a counter");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

static int insert_histograms_locked(struct ngb_store *st, int64_t trial_id,
				    const struct ngb_trial_row *t, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int i, rc = 0;

	if (t->nhist == 0)
		return 0;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT OR REPLACE INTO histograms (trial_id, name, lo, hi, count)"
			       " VALUES (?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot prepare the histograms");
	for (i = 0; i < t->nhist && rc == 0; i++) {
		sqlite3_bind_int64(s, 1, trial_id);
		bind_text(s, 2, t->hist[i].name);
		sqlite3_bind_double(s, 3, t->hist[i].lo);
		sqlite3_bind_double(s, 4, t->hist[i].hi);
		sqlite3_bind_int64(s, 5, (sqlite3_int64)t->hist[i].count);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sql_err(st, e, "cannot write a histogram bin");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

static int insert_rss_locked(struct ngb_store *st, int64_t trial_id,
			     const struct ngb_trial_row *t, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int i, rc = 0;

	if (t->nrss == 0)
		return 0;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT OR REPLACE INTO rss_samples (trial_id, t_ms, rss_kb) VALUES (?,?,?)",
			       -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot prepare the memory samples");
	for (i = 0; i < t->nrss && rc == 0; i++) {
		sqlite3_bind_int64(s, 1, trial_id);
		sqlite3_bind_int64(s, 2, t->rss_t_ms[i]);
		sqlite3_bind_int64(s, 3, t->rss_kb[i]);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sql_err(st, e, "cannot write a memory sample");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

int ngb_store_trial_add(struct ngb_store *st, const struct ngb_trial_row *t, int64_t *trial_id,
			struct ngb_err *e)
{
	static const char sql[] =
		"INSERT INTO trials (session_id, seq, round, repetition, warmup, allocator,"
		" allocator_version, allocator_library, served_by, workload, params, threads,"
		" argv, status, reason, exit_code, signal, wall_s, user_s, sys_s, maxrss_kb,"
		" minflt, majflt, nvcsw, nivcsw, metric, metric_value, metric_unit,"
		" higher_is_better, stderr_tail, started_at, kind, host, shard, machine, env_knobs)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *s;
	int64_t id;
	int rc, i = 1;

	if (exec_sql(st, "BEGIN IMMEDIATE", e))
		return -EIO;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		rc = sql_err(st, e, "cannot prepare the trial");
		goto rollback;
	}
	sqlite3_bind_int64(s, i++, t->session_id);
	sqlite3_bind_int(s, i++, t->seq);
	sqlite3_bind_int(s, i++, t->round);
	sqlite3_bind_int(s, i++, t->repetition);
	sqlite3_bind_int(s, i++, t->warmup);
	bind_text(s, i++, t->allocator);
	bind_text(s, i++, t->allocator_version);
	bind_text(s, i++, t->allocator_library);
	bind_text(s, i++, t->served_by);
	bind_text(s, i++, t->workload);
	bind_text(s, i++, t->params_json ? t->params_json : "{}");
	if (t->threads > 0)
		sqlite3_bind_int(s, i++, t->threads);
	else
		sqlite3_bind_null(s, i++);
	bind_text(s, i++, t->argv_text);
	bind_text(s, i++, t->status);
	bind_text(s, i++, t->reason);
	if (t->has_exit_code)
		sqlite3_bind_int(s, i++, t->exit_code);
	else
		sqlite3_bind_null(s, i++);
	if (t->term_signal)
		sqlite3_bind_int(s, i++, t->term_signal);
	else
		sqlite3_bind_null(s, i++);
	sqlite3_bind_double(s, i++, t->wall_s);
	sqlite3_bind_double(s, i++, t->user_s);
	sqlite3_bind_double(s, i++, t->sys_s);
	sqlite3_bind_int64(s, i++, t->maxrss_kb);
	sqlite3_bind_int64(s, i++, t->minflt);
	sqlite3_bind_int64(s, i++, t->majflt);
	sqlite3_bind_int64(s, i++, t->nvcsw);
	sqlite3_bind_int64(s, i++, t->nivcsw);
	bind_text(s, i++, t->metric);
	if (t->has_metric_value)
		sqlite3_bind_double(s, i++, t->metric_value);
	else
		sqlite3_bind_null(s, i++);
	bind_text(s, i++, t->metric_unit);
	if (t->metric)
		sqlite3_bind_int(s, i++, t->higher_is_better);
	else
		sqlite3_bind_null(s, i++);
	bind_text(s, i++, t->stderr_tail);
	bind_text(s, i++, t->started_at);
	bind_text(s, i++, t->kind ? t->kind : "timing");
	bind_text(s, i++, t->host);
	if (t->shard > 0)
		sqlite3_bind_int(s, i++, t->shard);
	else
		sqlite3_bind_null(s, i++);
	bind_text(s, i++, t->machine);
	bind_text(s, i++, t->env_knobs);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = sql_err(st, e, "cannot write the trial");
		goto rollback;
	}
	id = sqlite3_last_insert_rowid(st->db);
	rc = insert_results_locked(st, id, t, e);
	if (rc == 0)
		rc = insert_counters_locked(st, id, t, e);
	if (rc == 0)
		rc = insert_rss_locked(st, id, t, e);
	if (rc == 0)
		rc = insert_histograms_locked(st, id, t, e);
	if (rc)
		goto rollback;
	if (exec_sql(st, "COMMIT", e)) {
		rc = -EIO;
		goto rollback;
	}
	if (trial_id)
		*trial_id = id;
	return 0;

rollback:
	exec_sql(st, "ROLLBACK", NULL);
	return rc;
}

int ngb_store_machine_add(struct ngb_store *st, const struct ngb_machine *m, const char *host,
			  struct ngb_err *e)
{
	char q[1024];
	sqlite3_stmt *s;
	size_t len;
	int i, rc;

	/* the columns come from the field list, never from input */
	len = (size_t)snprintf(q, sizeof(q), "INSERT OR IGNORE INTO machines (fingerprint");
	for (i = 0; i < NGB_MACHINE_NFIELDS; i++)
		len += (size_t)snprintf(q + len, sizeof(q) - len, ", %s",
					ngb_machine_columns[i]);
	len += (size_t)snprintf(q + len, sizeof(q) - len, ", first_host) VALUES (?");
	for (i = 0; i <= NGB_MACHINE_NFIELDS; i++)
		len += (size_t)snprintf(q + len, sizeof(q) - len, ",?");
	snprintf(q + len, sizeof(q) - len, ")");
	if (sqlite3_prepare_v2(st->db, q, -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot prepare the machine");
	bind_text(s, 1, m->fingerprint);
	for (i = 0; i < NGB_MACHINE_NFIELDS; i++)
		bind_text(s, i + 2, m->field[i]);
	bind_text(s, NGB_MACHINE_NFIELDS + 2, host);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(st, e, "cannot write the machine");
	return 0;
}

int ngb_store_shard_record(struct ngb_store *st, const struct ngb_shard_row *r, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
			       "INSERT OR REPLACE INTO session_shards (session_id, shard, shard_count,"
			       " host, machine, status, started_at, finished_at, planned, trials, origin)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot prepare the shard");
	sqlite3_bind_int64(s, 1, r->session_id);
	sqlite3_bind_int(s, 2, r->shard);
	sqlite3_bind_int(s, 3, r->shard_count);
	bind_text(s, 4, r->host);
	bind_text(s, 5, r->machine);
	bind_text(s, 6, r->status);
	bind_text(s, 7, r->started_at);
	bind_text(s, 8, r->finished_at);
	sqlite3_bind_int(s, 9, r->planned);
	sqlite3_bind_int(s, 10, r->trials);
	bind_text(s, 11, r->origin);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(st, e, "cannot write the shard");
	return 0;
}

int ngb_store_session_find(struct ngb_store *st, const char *selector, int64_t *session_id,
			   struct ngb_err *e)
{
	sqlite3_stmt *s;
	const char *sql;
	char *end;
	long long id;
	int rc, numeric;

	errno = 0;
	id = strtoll(selector, &end, 10);
	numeric = *selector && !*end && errno == 0;
	if (!strcmp(selector, "latest"))
		sql = "SELECT id FROM sessions ORDER BY id DESC LIMIT 1";
	else if (numeric)
		sql = "SELECT id FROM sessions WHERE id = ?";
	else
		/* a label, or a session's uuid (its identity across databases) */
		sql = "SELECT id FROM sessions WHERE label = ?1 OR uuid = lower(?1)"
		      " ORDER BY label = ?1 DESC, id DESC LIMIT 1";
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot look up the session");
	if (numeric)
		sqlite3_bind_int64(s, 1, id);
	else if (strcmp(selector, "latest"))
		bind_text(s, 1, selector);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*session_id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return sql_err(st, e, "cannot look up the session");
	if (!strcmp(selector, "latest"))
		return ngb_err_set(e, -ENOENT, "database '%s' has no session yet: run 'ngbench run' first",
				   st->path);
	return ngb_err_set(e, -ENOENT,
			   numeric ? "no session '%s' in database '%s': 'ngbench list sessions' shows them"
				   : "no session labelled '%s' in database '%s': 'ngbench list sessions' shows them",
			   selector, st->path);
}

int ngb_store_sessions_each(struct ngb_store *st,
			    int (*fn)(const struct ngb_session_summary *s, void *arg), void *arg,
			    struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc = SQLITE_DONE, stop = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT s.id, s.started_at, s.status, s.label, s.command_line,"
			       " (SELECT count(*) FROM trials t WHERE t.session_id = s.id AND NOT t.warmup),"
			       " (SELECT count(*) FROM trials t WHERE t.session_id = s.id AND NOT t.warmup"
			       "  AND t.status NOT IN ('ok', 'skipped', 'interrupted')),"
			       " s.runner_host, s.runner_pid, s.runner_start, s.runner_boot"
			       " FROM sessions s ORDER BY s.id", -1, &s, NULL) != SQLITE_OK)
		return ngb_err_set(e, -EIO, "cannot read sessions from '%s': %s", st->path,
				   sqlite3_errmsg(st->db));
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct ngb_session_summary sum = {
			.id = sqlite3_column_int64(s, 0),
			.started_at = (const char *)sqlite3_column_text(s, 1),
			.status = (const char *)sqlite3_column_text(s, 2),
			.label = (const char *)sqlite3_column_text(s, 3),
			.command_line = (const char *)sqlite3_column_text(s, 4),
			.trials = sqlite3_column_int(s, 5),
			.failed = sqlite3_column_int(s, 6),
			.runner = {
				(const char *)sqlite3_column_text(s, 7), sqlite3_column_int64(s, 8),
				(uint64_t)sqlite3_column_int64(s, 9),
				(const char *)sqlite3_column_text(s, 10),
			},
		};

		stop = fn(&sum, arg);
	}
	if (!stop && rc != SQLITE_DONE) {
		ngb_err_set(e, -EIO, "cannot read sessions from '%s': %s", st->path,
			    sqlite3_errmsg(st->db));
		stop = -EIO;
	}
	sqlite3_finalize(s);
	return stop;
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? strdup(v) : NULL;
}

int ngb_store_session_get(struct ngb_store *st, int64_t session_id, struct ngb_session_state *out,
			  struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(st->db,
			       "SELECT status, seed, plan, config, run_options, uuid, label,"
			       " runner_host, runner_pid, runner_start, runner_boot, shard_count"
			       " FROM sessions WHERE id = ?", -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot read the session");
	sqlite3_bind_int64(s, 1, session_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = session_id;
		out->status = col_dup(s, 0);
		out->seed = (uint64_t)sqlite3_column_int64(s, 1);
		out->plan = col_dup(s, 2);
		out->config = col_dup(s, 3);
		out->run_options = col_dup(s, 4);
		out->uuid = col_dup(s, 5);
		out->label = col_dup(s, 6);
		out->runner_host = col_dup(s, 7);
		out->runner.host = out->runner_host;
		out->runner.pid = sqlite3_column_int64(s, 8);
		out->runner.start = (uint64_t)sqlite3_column_int64(s, 9);
		out->runner_boot = col_dup(s, 10);
		out->runner.boot = out->runner_boot;
		out->shard_count = sqlite3_column_int(s, 11);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return sql_err(st, e, "cannot read the session");
	return ngb_err_set(e, -ENOENT, "no session %lld in '%s'", (long long)session_id, st->path);
}

void ngb_session_state_release(struct ngb_session_state *s)
{
	free(s->status);
	free(s->plan);
	free(s->config);
	free(s->run_options);
	free(s->uuid);
	free(s->label);
	free(s->runner_host);
	free(s->runner_boot);
	memset(s, 0, sizeof(*s));
}

int ngb_store_session_claim(struct ngb_store *st, int64_t session_id,
			    const struct ngb_session_runner *was,
			    const struct ngb_session_runner *now, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc;

	/* only if nobody took it since it was read: two resumes, one winner */
	if (sqlite3_prepare_v2(st->db,
			       "UPDATE sessions SET runner_host = ?, runner_pid = ?, runner_start = ?,"
			       " runner_boot = ?, finished_at = NULL WHERE id = ? AND status = 'running'"
			       " AND runner_pid IS ? AND runner_start IS ?", -1, &s,
			       NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot prepare the session update");
	bind_text(s, 1, now->host);
	sqlite3_bind_int64(s, 2, now->pid);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)now->start);
	bind_text(s, 4, now->boot);
	sqlite3_bind_int64(s, 5, session_id);
	sqlite3_bind_int64(s, 6, was->pid);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)was->start);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(st, e, "cannot take over the session");
	if (sqlite3_changes(st->db) != 1)
		return ngb_err_set(e, -EBUSY, "session %lld was taken over by another ngbench "
				   "meanwhile", (long long)session_id);
	return 0;
}

int ngb_store_session_trials(struct ngb_store *st, int64_t session_id,
			     struct ngb_trial_key **out, size_t *n, struct ngb_err *e)
{
	sqlite3_stmt *s;
	struct ngb_trial_key *v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT seq, round, repetition, warmup, kind, allocator, workload, params"
			       " FROM trials WHERE session_id = ? ORDER BY seq", -1, &s,
			       NULL) != SQLITE_OK)
		return sql_err(st, e, "cannot read the session's trials");
	sqlite3_bind_int64(s, 1, session_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct ngb_trial_key *t;

		if (!(k & (k - 1))) {
			struct ngb_trial_key *nv = realloc(v, (k ? 2 * k : 1) * sizeof(*v));

			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		t = &v[k++];
		t->seq = sqlite3_column_int(s, 0);
		t->round = sqlite3_column_int(s, 1);
		t->repetition = sqlite3_column_int(s, 2);
		t->warmup = sqlite3_column_int(s, 3);
		t->kind = col_dup(s, 4);
		t->allocator = col_dup(s, 5);
		t->workload = col_dup(s, 6);
		t->params = col_dup(s, 7);
	}
	sqlite3_finalize(s);
	*out = v;
	*n = k;
	if (rc != SQLITE_DONE) {
		ngb_trial_keys_free(v, k);
		*out = NULL;
		*n = 0;
		return sql_err(st, e, "cannot read the session's trials");
	}
	return 0;
}

void ngb_trial_keys_free(struct ngb_trial_key *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].allocator);
		free(v[i].workload);
		free(v[i].params);
	}
	free(v);
}
