/*
 * reports/query.c - every SQL statement that reports/ runs on the store,
 * in one place (the read side's query layer; query.h lists them with their
 * parameters).  The schema is data/store.c's.
 *
 * Rules shared by several statements are written once, as SQL fragments:
 *
 *   MODE(T)  a timing trial's counter mode: 'sim' when it has simulated
 *            counters (cachegrind), 'hw' when it has others (also those
 *            stored as unavailable), 'none' otherwise; NULL for a profile
 *            trial, which takes the label of its parameter set's timing
 *            runs.  Reports, profiles, baselines and the gate key their
 *            cells by it; history tells only sim from the other two.
 *   OPS      a trial's operations: its 'ops' result, where above 0.
 *   CELL(T)  a trial's cell label, ngb_cell_workload(workload, params,
 *            mode), the SQL function variants.c registers while a session
 *            loads.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "query.h"
#include "ngbench/store.h"

#define SIM(T) \
	"EXISTS (SELECT 1 FROM counters sc WHERE sc.trial_id = " T ".id AND sc.source = 'sim')"
#define MODE(T)                                                                         \
	"(CASE WHEN " T ".kind <> 'timing' THEN NULL WHEN " SIM(T) " THEN 'sim'"        \
	" WHEN EXISTS (SELECT 1 FROM counters mc WHERE mc.trial_id = " T ".id) THEN 'hw'" \
	" ELSE 'none' END)"
#define CELL(T) "ngb_cell_workload(" T ".workload, " T ".params, " MODE(T) ")"
#define OPS_KEY "r.key = 'ops' AND r.number > 0"

#define SESSION_FILTER " (?1 < 0 OR t.session_id = ?1)"

static const char *const sql[Q_NQUERIES] = {
	[Q_SESSION_ROW] =
		"SELECT started_at, finished_at, status, host, cpu_model, cores, kernel,"
		" os, libc, ngbench_version, git_commit, command_line, label, seed, config"
		" FROM sessions WHERE id = ?",
	/* the trials of the cells: measured (not warm-up) timing trials that
	 * were not interrupted; a key's trials together, in the order they ran.
	 * 0 id, 1 cell label, 2 threads, 3 allocator, 4 version, 5 metric,
	 * 6 unit, 7 higher, 8 status, 9 value, 10 maxrss_kb, 11 round,
	 * 12 workload, 13 params, 14 mode */
	[Q_CELL_TRIALS] =
		"SELECT id, " CELL("trials") " AS wl, coalesce(threads, 0),"
		" allocator, allocator_version,"
		" metric, metric_unit, coalesce(higher_is_better, 0), status,"
		" metric_value, maxrss_kb, round, workload, params, " MODE("trials") " AS mode"
		" FROM trials WHERE session_id = ? AND NOT warmup AND kind = 'timing'"
		" AND status <> 'interrupted'"
		" ORDER BY wl, threads, allocator, workload, params, mode, seq",
	/* 0 seq, 1 cell label, 2 threads, 3 allocator, 4 status, 5 reason,
	 * 6 exit, 7 signal, 8 stderr tail, 9 warm-up */
	[Q_REPORT_FAILURES] =
		"SELECT seq, " CELL("trials") " AS wl, coalesce(threads, 0), allocator, status,"
		" reason, exit_code, signal, stderr_tail, warmup"
		" FROM trials WHERE session_id = ? AND status NOT IN ('ok', 'interrupted')"
		" ORDER BY wl, threads, allocator, seq",
	[Q_REPORT_EVENTS] =
		"SELECT DISTINCT c.event FROM counters c JOIN trials t ON t.id = c.trial_id"
		" WHERE t.session_id = ? AND NOT t.warmup AND t.status = 'ok' AND t.kind = 'timing'"
		" AND c.status IN ('ok', 'scaled') AND c.value IS NOT NULL",
	[Q_REPORT_EVENT_NOTES] =
		"SELECT c.event, c.status, max(c.reason), count(*) FROM counters c"
		" JOIN trials t ON t.id = c.trial_id WHERE t.session_id = ? AND NOT t.warmup"
		" AND t.kind = 'timing' AND (c.status NOT IN ('ok', 'scaled') OR c.value IS NULL)"
		" GROUP BY c.event, c.status ORDER BY c.event",
	[Q_REPORT_COUNTERS] =
		"SELECT c.trial_id, c.event, c.value FROM counters c JOIN trials t"
		" ON t.id = c.trial_id WHERE t.session_id = ? AND NOT t.warmup"
		" AND t.status = 'ok' AND t.kind = 'timing' AND c.status IN ('ok', 'scaled')"
		" AND c.value IS NOT NULL",
	[Q_TRIAL_OPS] =
		"SELECT r.trial_id, r.number FROM trial_results r JOIN trials t"
		" ON t.id = r.trial_id WHERE t.session_id = ? AND " OPS_KEY,
	/* ?1 session, ?2 key: 0 trial, 1 number */
	[Q_TRIAL_RESULT] =
		"SELECT r.trial_id, r.number FROM trial_results r JOIN trials t"
		" ON t.id = r.trial_id WHERE t.session_id = ?1 AND r.key = ?2",
	[Q_CELL_VARIANTS] =
		"SELECT DISTINCT workload, params, " MODE("trials")
		" AS mode FROM trials WHERE session_id = ? AND kind = 'timing'"
		" ORDER BY workload, params, mode",
	[Q_PROFILES] =
		"SELECT t.id, " CELL("t") " AS wl,"
		" coalesce(t.threads, 0), t.allocator,"
		" substr(r.key, 9), r.number FROM trials t JOIN trial_results r"
		" ON r.trial_id = t.id WHERE t.session_id = ? AND t.kind = 'profile'"
		" AND NOT t.warmup AND t.status = 'ok' AND r.key LIKE 'profile.%'"
		" AND r.number IS NOT NULL"
		" ORDER BY wl, t.threads, t.allocator, t.id",
	[Q_PROFILE_SIZES] =
		"SELECT " CELL("t") " AS wl,"
		" coalesce(t.threads, 0), t.allocator,"
		" h.lo, h.hi, sum(h.count)"
		" FROM histograms h JOIN trials t ON t.id = h.trial_id WHERE t.session_id = ?"
		" AND t.kind = 'profile' AND NOT t.warmup AND t.status = 'ok' AND h.name = 'size'"
		" GROUP BY wl, t.threads, t.allocator, h.lo, h.hi ORDER BY h.lo",
	[Q_RSS_SAMPLES] =
		"SELECT t.id, " CELL("t") " AS wl,"
		" coalesce(t.threads, 0), t.allocator,"
		" coalesce(t.metric_value, t.wall_s), t.maxrss_kb, s.t_ms, s.rss_kb"
		" FROM trials t JOIN rss_samples s ON s.trial_id = t.id"
		" WHERE t.session_id = ? AND t.kind = 'timing' AND NOT t.warmup"
		" AND t.status = 'ok' AND s.rss_kb > 0"
		" ORDER BY wl, t.threads, t.allocator, t.id, s.t_ms",
	[Q_BASELINE_COUNTERS] =
		"SELECT c.trial_id, c.source, c.event, c.status, c.value, c.encoding"
		" FROM counters c JOIN trials t ON t.id = c.trial_id"
		" WHERE t.session_id = ?",
	/* ?1 workload, ?2 parameters, ?3 threads, ?4 allocator, ?5 metric, ?6
	 * counter mode, ?7 host, ?8 and ?9 sessions left out: session and value
	 * of every measured run of that cell, by session */
	[Q_CELL_SESSIONS] =
		"SELECT t.session_id, t.metric_value FROM trials t JOIN sessions s"
		" ON s.id = t.session_id WHERE t.workload = ?1"
		" AND coalesce(t.params, '') = coalesce(?2, '') AND coalesce(t.threads, 0) = ?3"
		" AND t.allocator = ?4 AND t.metric = ?5 AND t.status = 'ok' AND NOT t.warmup"
		" AND t.kind = 'timing' AND t.metric_value IS NOT NULL AND s.host = ?7"
		" AND s.id NOT IN (?8, ?9) AND " MODE("t") " = ?6 ORDER BY t.session_id",
	/* ?1 workload, ?2 allocator: 0 id, 1 started, 2 commit, 3 label of
	 * the sessions where it succeeded in a measured timing trial, in time
	 * order */
	[Q_HISTORY_SESSIONS] =
		"SELECT s.id, s.started_at, coalesce(s.git_commit, ''), coalesce(s.label, '')"
		" FROM sessions s WHERE EXISTS (SELECT 1 FROM trials t WHERE t.session_id = s.id"
		" AND t.workload = ?1 AND t.allocator = ?2 AND t.status = 'ok' AND NOT t.warmup"
		" AND t.kind = 'timing') ORDER BY s.started_at, s.id",
	/* measured trials only: warm-up does not enter a report */
	[Q_MACHINES_BY_HOST] =
		"SELECT host, machine, count(*) FROM trials WHERE session_id = ? AND NOT warmup"
		" GROUP BY host, machine ORDER BY min(seq)",
	[Q_MACHINES_BY_PRINT] =
		"SELECT group_concat(DISTINCT host), machine, count(*) FROM trials"
		" WHERE session_id = ? AND NOT warmup GROUP BY machine ORDER BY min(seq)",
	[Q_EXPORT_COUNTERS] =
		"SELECT t.session_id, c.trial_id, t.seq, t.allocator, t.workload, t.threads,"
		" c.event, c.source, c.status, c.value, c.raw, c.time_enabled,"
		" c.time_running, c.encoding, c.reason FROM counters c"
		" JOIN trials t ON t.id = c.trial_id WHERE" SESSION_FILTER
		" ORDER BY t.session_id, t.seq, c.event",
	[Q_EXPORT_RESULT_KEYS] =
		"SELECT DISTINCT r.key FROM trial_results r JOIN trials t"
		" ON t.id = r.trial_id WHERE" SESSION_FILTER " ORDER BY r.key",
	[Q_EXPORT_EVENTS] =
		"SELECT DISTINCT c.event FROM counters c JOIN trials t"
		" ON t.id = c.trial_id WHERE" SESSION_FILTER " ORDER BY c.event",
	/* SELECT *: a column added by a later migration is exported too */
	[Q_EXPORT_TRIALS] =
		"SELECT t.* FROM trials t WHERE" SESSION_FILTER " ORDER BY t.session_id, t.seq",
	[Q_EXPORT_TRIAL_RESULTS] = "SELECT key, value FROM trial_results WHERE trial_id = ?",
	[Q_EXPORT_TRIAL_COUNTED] =
		"SELECT event, value FROM counters WHERE trial_id = ?"
		" AND status IN ('ok', 'scaled')",
	[Q_EXPORT_SESSIONS] = "SELECT * FROM sessions WHERE ?1 < 0 OR id = ?1 ORDER BY id",
	[Q_EXPORT_SESSION_TRIALS] = "SELECT * FROM trials WHERE session_id = ? ORDER BY seq",
	[Q_EXPORT_TRIAL_RESULTS_ALL] =
		"SELECT key, value, number FROM trial_results WHERE trial_id = ? ORDER BY key",
	[Q_EXPORT_TRIAL_COUNTERS] =
		"SELECT event, source, status, value, raw, time_enabled,"
		" time_running, encoding, reason FROM counters WHERE trial_id = ?"
		" ORDER BY event",
};

int query_prepare(sqlite3 *db, enum query_id id, sqlite3_stmt **s)
{
	*s = NULL;
	if ((unsigned)id >= Q_NQUERIES)
		return SQLITE_MISUSE;
	return sqlite3_prepare_v2(db, sql[id], -1, s, NULL);
}

int query_fail(sqlite3 *db, struct ngb_err *e, const char *what)
{
	return ngb_err_set(e, -EIO, "cannot read %s: %s", what, sqlite3_errmsg(db));
}

char *query_col_dup(sqlite3_stmt *s, int i, int *oom)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	char *c;

	if (!t)
		return NULL;
	c = strdup((const char *)t);
	if (!c)
		*oom = 1;
	return c;
}

int query_session(sqlite3 *db, int64_t sid, struct session_row *row, struct ngb_err *e)
{
	sqlite3_stmt *s;
	int rc, oom = 0;

	memset(row, 0, sizeof(*row));
	if (query_prepare(db, Q_SESSION_ROW, &s) != SQLITE_OK)
		return query_fail(db, e, "the session");
	sqlite3_bind_int64(s, 1, sid);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		if (rc == SQLITE_DONE)
			return ngb_err_set(e, -ENOENT, "no session %lld", (long long)sid);
		return query_fail(db, e, "the session");
	}
	row->started_at = query_col_dup(s, 0, &oom);
	row->finished_at = query_col_dup(s, 1, &oom);
	row->status = query_col_dup(s, 2, &oom);
	row->host = query_col_dup(s, 3, &oom);
	row->cpu_model = query_col_dup(s, 4, &oom);
	row->cores = sqlite3_column_int(s, 5);
	row->kernel = query_col_dup(s, 6, &oom);
	row->os = query_col_dup(s, 7, &oom);
	row->libc = query_col_dup(s, 8, &oom);
	row->version = query_col_dup(s, 9, &oom);
	row->commit = query_col_dup(s, 10, &oom);
	row->command_line = query_col_dup(s, 11, &oom);
	row->label = query_col_dup(s, 12, &oom);
	row->seed = sqlite3_column_int64(s, 13);
	row->config = query_col_dup(s, 14, &oom);
	sqlite3_finalize(s);
	if (oom) {
		session_row_release(row);
		return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

void session_row_release(struct session_row *row)
{
	free(row->started_at);
	free(row->finished_at);
	free(row->status);
	free(row->host);
	free(row->cpu_model);
	free(row->kernel);
	free(row->os);
	free(row->libc);
	free(row->version);
	free(row->commit);
	free(row->command_line);
	free(row->label);
	free(row->config);
	memset(row, 0, sizeof(*row));
}

int query_prepare_machine_field(sqlite3 *db, int field, sqlite3_stmt **s)
{
	char text[160];

	*s = NULL;
	if (field < 0 || field >= NGB_MACHINE_NFIELDS)
		return SQLITE_MISUSE;
	/* the column's name comes from the store's own list, never from input */
	snprintf(text, sizeof(text), "SELECT %s FROM machines WHERE fingerprint = ?",
		 ngb_machine_columns[field]);
	return sqlite3_prepare_v2(db, text, -1, s, NULL);
}

int query_scope_trials(sqlite3 *db, const char *fingerprint, const char *hosts, int host_too,
		       char **err)
{
	char *text;
	int rc;

	*err = NULL;
	query_unscope(db);
	/* a view takes no bound parameters: the values are quoted by %Q */
	if (host_too)
		text = sqlite3_mprintf("CREATE TEMP VIEW trials AS SELECT * FROM main.trials"
				       " WHERE machine IS %Q AND host IS %Q", fingerprint, hosts);
	else
		text = sqlite3_mprintf("CREATE TEMP VIEW trials AS SELECT * FROM main.trials"
				       " WHERE machine IS %Q", fingerprint);
	if (!text)
		return SQLITE_NOMEM;
	rc = sqlite3_exec(db, text, NULL, NULL, err);
	sqlite3_free(text);
	return rc;
}

void query_unscope(sqlite3 *db)
{
	sqlite3_exec(db, "DROP VIEW IF EXISTS temp.trials", NULL, NULL, NULL);
}
