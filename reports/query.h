/*
 * reports/query.h - the read side's one door to the store: every SQL
 * statement of reports/ is named here and written in query.c, over the
 * schema of data/store.c (documented in the top README).  A caller prepares
 * a statement by its name, binds, steps and finalizes it as with any SQLite
 * statement; the statement's columns are listed beside its name in query.c.
 *
 * The rules that decide what a trial is, that several statements share, are
 * written once in query.c: a trial's counter mode (sim, hw, none), which
 * operations count (an 'ops' result above 0) and the session row.
 */
#ifndef NGBENCH_REPORTS_QUERY_H
#define NGBENCH_REPORTS_QUERY_H

#include <stdint.h>

#include <sqlite3.h>

#include "ngbench/error.h"

#define QUERY_LIST(X)                                                                    \
	X(SESSION_ROW)          /* ?1 session: the session's row (struct session_row) */ \
	X(CELL_TRIALS)          /* ?1 session: the trials of its cells (cell.c) */       \
	X(REPORT_FAILURES)      /* ?1 session: every trial that did not succeed */       \
	X(REPORT_EVENTS)        /* ?1: the events counted in succeeded timing trials */  \
	X(REPORT_EVENT_NOTES)   /* ?1: the events not counted, why, in how many */       \
	X(REPORT_COUNTERS)      /* ?1: the counted values of succeeded timing trials */  \
	X(TRIAL_OPS)            /* ?1: each trial's operations, where above 0 */         \
	X(TRIAL_RESULT)         /* ?1, ?2 key: each trial's number under that key */     \
	X(CELL_VARIANTS)        /* ?1: workload, parameters and mode of timing trials */ \
	X(PROFILES)             /* ?1: the profile.* results of profile trials */        \
	X(PROFILE_SIZES)        /* ?1: the size histograms of profile trials */          \
	X(RSS_SAMPLES)          /* ?1: RSS over time of timing trials */                 \
	X(BASELINE_COUNTERS)    /* ?1: every counter of the session's trials */          \
	X(CELL_SESSIONS)        /* one cell's runs in a host's other sessions */         \
	X(HISTORY_SESSIONS)     /* the sessions that ran a workload and allocator */     \
	X(MACHINES_BY_HOST)     /* ?1: hosts x fingerprints of the session's trials */   \
	X(MACHINES_BY_PRINT)    /* ?1: fingerprints, with their hosts */                 \
	X(EXPORT_COUNTERS)      /* ?1 session or < 0 for all: counters, one per row */   \
	X(EXPORT_RESULT_KEYS)   /* ?1: the result keys */                                \
	X(EXPORT_EVENTS)        /* ?1: the counter events */                             \
	X(EXPORT_TRIALS)        /* ?1: every column of the trials */                     \
	X(EXPORT_TRIAL_RESULTS) /* ?1 trial: its result record */                        \
	X(EXPORT_TRIAL_COUNTED) /* ?1 trial: its counted events */                       \
	X(EXPORT_SESSIONS)      /* ?1 session or < 0: every column of the sessions */    \
	X(EXPORT_SESSION_TRIALS) /* ?1 session: every column of its trials */            \
	X(EXPORT_TRIAL_RESULTS_ALL) /* ?1 trial: its results, text and number */         \
	X(EXPORT_TRIAL_COUNTERS) /* ?1 trial: its counters with status and reason */

#define X(name) Q_##name,
enum query_id { QUERY_LIST(X) Q_NQUERIES };
#undef X

/* Prepares statement id on db: SQLite's result code (SQLITE_OK, or the
 * error, with sqlite3_errmsg(db) telling why). */
int query_prepare(sqlite3 *db, enum query_id id, sqlite3_stmt **s);

/* "cannot read WHAT: <SQLite's message>" as -EIO. */
int query_fail(sqlite3 *db, struct ngb_err *e, const char *what);

/* A copy of column i of the current row, NULL for NULL; *oom set when out of
 * memory. */
char *query_col_dup(sqlite3_stmt *s, int i, int *oom);

/* One row of the sessions table; NULL where the column is. */
struct session_row {
	char *started_at, *finished_at, *status, *host, *cpu_model, *kernel, *os, *libc;
	char *version, *commit, *command_line, *label, *config;
	int cores;
	int64_t seed;
};
/* Reads session sid: 0, -ENOENT when there is none, -EIO or -ENOMEM. */
int query_session(sqlite3 *db, int64_t sid, struct session_row *row, struct ngb_err *e);
void session_row_release(struct session_row *row);

/* The machines table: one field (ngb_machine_columns[field]) of the machine
 * with fingerprint ?1. */
int query_prepare_machine_field(sqlite3 *db, int field, sqlite3_stmt **s);
/* Confines every later statement's trials to one machine (and host, when
 * host_too) by a temporary view over them; query_unscope() ends it. */
int query_scope_trials(sqlite3 *db, const char *fingerprint, const char *hosts, int host_too,
		       char **err);
void query_unscope(sqlite3 *db);

#endif /* NGBENCH_REPORTS_QUERY_H */
