/*
 * ngbench/store.h - the SQLite store: sessions, trials, their results and counters.
 *
 * One file, schema version in PRAGMA user_version with forward migrations,
 * application_id 'NGB1' so that a foreign database is never touched, WAL and a
 * busy timeout so that several runs can share a file.  Every trial is written
 * in its own transaction the moment it ends.  Text is always bound as a
 * parameter, never pasted into SQL, so labels and command lines are stored
 * byte for byte.  The schema is documented in README.md ("The database").
 */
#ifndef NGBENCH_STORE_H
#define NGBENCH_STORE_H

#include <stdint.h>
#include <sqlite3.h>

#include "ngbench/error.h"

#define NGB_STORE_APPLICATION_ID 0x4e474231 /* 'NGB1' */

enum ngb_store_flags {
	NGB_STORE_READONLY = 1, /* open for reading; never creates or migrates */
	NGB_STORE_CREATE = 2,   /* create the file if it does not exist */
};

struct ngb_store;

/* The schema version this build writes and the newest it can read. */
int ngb_store_schema_version(void);

int ngb_store_open(struct ngb_store **out, const char *path, int flags, struct ngb_err *e);
/*
 * Opens a database at schema version `version` (<= latest), for testing
 * migrations: creates the file and applies the migrations up to `version`.
 */
int ngb_store_create_at_version(const char *path, int version, struct ngb_err *e);
void ngb_store_close(struct ngb_store *st);
sqlite3 *ngb_store_db(struct ngb_store *st);
const char *ngb_store_path(const struct ngb_store *st);

struct ngb_session_info {
	const char *started_at;     /* ISO 8601, UTC */
	const char *host;
	const char *cpu_model;
	int cores;
	const char *kernel;
	const char *os;
	const char *libc;
	const char *ngbench_version;
	const char *git_commit;
	const char *command_line;   /* verbatim, shell-quoted argv */
	const char *label;          /* may be NULL */
	uint64_t seed;
	const char *config_json;    /* repetitions, warm-up, timeout, ... */
};

int ngb_store_session_begin(struct ngb_store *st, const struct ngb_session_info *si,
			    int64_t *session_id, struct ngb_err *e);
/* status: "complete", "interrupted", "failed" */
int ngb_store_session_end(struct ngb_store *st, int64_t session_id, const char *finished_at,
			  const char *status, struct ngb_err *e);

struct ngb_result_pair {
	const char *key;
	const char *value;
	int is_number;
	double number;
};

struct ngb_counter_row {
	const char *event;
	const char *source;   /* pmu, sw, sim */
	const char *status;   /* ok, scaled, unsupported, denied, error */
	int has_value;
	double value;
	int has_raw;
	uint64_t raw;
	int has_times;        /* time_enabled, time_running (ns) */
	uint64_t time_enabled, time_running;
	const char *encoding; /* may be NULL */
	const char *reason;   /* may be NULL */
};

/* One bin of a histogram of a trial: count values in [lo, hi). */
struct ngb_hist_bin {
	const char *name;     /* e.g. "size", "malloc_cycles" */
	double lo, hi;
	uint64_t count;
};

struct ngb_trial_row {
	int64_t session_id;
	int seq;              /* order within the session, from 1 */
	int round;            /* from 1; warm-up rounds come first */
	int repetition;       /* from 1 within measured rounds; 0 for warm-up */
	int warmup;
	const char *allocator;
	const char *allocator_version;
	const char *allocator_library; /* resolved path, NULL for the C library */
	const char *served_by;         /* the object that served malloc in the child, or NULL */
	const char *workload;          /* registry name, or "command" */
	const char *params_json;       /* {"threads":"2",...} */
	int threads;                   /* 0: not a threaded workload */
	const char *argv_text;         /* shell-quoted argv of the child */
	const char *status;            /* ok, failed, skipped, signal, timeout, exec-failed,
					  preload-failed, interrupted */
	const char *reason;            /* NULL when ok */
	int has_exit_code;
	int exit_code;
	int term_signal;               /* 0: none */
	double wall_s, user_s, sys_s;
	int64_t maxrss_kb, minflt, majflt, nvcsw, nivcsw;
	const char *metric;            /* NULL when no metric */
	int has_metric_value;
	double metric_value;
	const char *metric_unit;
	int higher_is_better;
	const char *stderr_tail;       /* kept for failed trials */
	const char *started_at;
	const struct ngb_result_pair *results;
	int nresults;
	const struct ngb_counter_row *counters;
	int ncounters;
	/* resident memory over time: milliseconds since the start, KiB */
	const uint32_t *rss_t_ms, *rss_kb;
	int nrss;
	/* "timing" (NULL) or "profile": profiling trials are never timed */
	const char *kind;
	const struct ngb_hist_bin *hist;
	int nhist;
};

/* Writes the trial with its results and counters in one transaction. */
int ngb_store_trial_add(struct ngb_store *st, const struct ngb_trial_row *t,
			int64_t *trial_id, struct ngb_err *e);

/*
 * Resolves a session selector: a number (session id), "latest", or a label
 * (the newest session with that label).  -ENOENT with a message when none.
 */
int ngb_store_session_find(struct ngb_store *st, const char *selector, int64_t *session_id,
			   struct ngb_err *e);

#endif /* NGBENCH_STORE_H */
