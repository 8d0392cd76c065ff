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

/*
 * A machine's fingerprint: what decides how fast an allocator runs on it, as
 * text (a fact that could not be read says "unavailable: why").  Two hosts
 * with the same fingerprint are the same kind of machine; the host name is
 * not part of it.  The fingerprint id is a hash of the fields.
 */
#define NGB_MACHINE_FIELDS(X) \
	X(cpu_model, "CPU model") \
	X(microcode, "microcode") \
	X(cores, "cores online") \
	X(smt, "SMT") \
	X(numa_nodes, "NUMA nodes") \
	X(kernel, "kernel") \
	X(thp, "transparent huge pages") \
	X(governor, "CPU frequency governor") \
	X(libc, "libc") \
	X(glibc_tunables, "GLIBC_TUNABLES") \
	X(malloc_env, "allocator knobs in the environment")

enum {
#define X(name_, label_) NGB_MACHINE_##name_,
	NGB_MACHINE_FIELDS(X)
#undef X
	NGB_MACHINE_NFIELDS
};
/* The column of each field in the machines table, and its label for people. */
extern const char *const ngb_machine_columns[NGB_MACHINE_NFIELDS];
extern const char *const ngb_machine_labels[NGB_MACHINE_NFIELDS];

struct ngb_machine {
	const char *fingerprint;    /* 16 hex digits */
	const char *field[NGB_MACHINE_NFIELDS];
};

/* Records a machine once (by fingerprint); host is where it was first seen. */
int ngb_store_machine_add(struct ngb_store *st, const struct ngb_machine *m, const char *host,
			  struct ngb_err *e);

/*
 * The ngbench process that runs a session: its host, pid, start time (clock
 * ticks since boot, /proc/PID/stat field 22: a pid reused by another
 * process has another start time) and boot id.
 */
struct ngb_session_runner {
	const char *host;
	int64_t pid;
	uint64_t start;
	const char *boot;
};

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
	const char *uuid;           /* the session's identity across databases */
	const char *plan;           /* digest of the trials the whole session runs */
	int shard_count;            /* N of --shard=K/N, 0 when not sharded */
	const struct ngb_session_runner *runner; /* may be NULL */
	const char *run_options;    /* the run's options as JSON, for --resume */
};

int ngb_store_session_begin(struct ngb_store *st, const struct ngb_session_info *si,
			    int64_t *session_id, struct ngb_err *e);
/* What a resume needs of a stored session (strings owned, to release). */
struct ngb_session_state {
	int64_t id;
	char *status, *plan, *config, *run_options, *uuid, *label;
	uint64_t seed;
	int shard_count;
	struct ngb_session_runner runner;   /* points into the two below */
	char *runner_host, *runner_boot;
};
int ngb_store_session_get(struct ngb_store *st, int64_t session_id, struct ngb_session_state *out,
			  struct ngb_err *e);
void ngb_session_state_release(struct ngb_session_state *s);
/* Makes now the session's runner if was still is and the session is
 * running; -EBUSY when another process took it meanwhile. */
int ngb_store_session_claim(struct ngb_store *st, int64_t session_id,
			    const struct ngb_session_runner *was,
			    const struct ngb_session_runner *now, struct ngb_err *e);
/* Where a stored trial sits in its session's plan. */
struct ngb_trial_key {
	int seq, round, repetition, warmup;
	char *kind, *allocator, *workload, *params;
};
int ngb_store_session_trials(struct ngb_store *st, int64_t session_id,
			     struct ngb_trial_key **out, size_t *n, struct ngb_err *e);
void ngb_trial_keys_free(struct ngb_trial_key *v, size_t n);

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
	/* provenance */
	const char *host;
	int shard;                     /* K of --shard=K/N, 0 when not sharded */
	const char *machine;           /* fingerprint id (machines table) */
	const char *env_knobs;         /* allocator knobs in the child's environment */
};

/* Writes the trial with its results and counters in one transaction. */
int ngb_store_trial_add(struct ngb_store *st, const struct ngb_trial_row *t,
			int64_t *trial_id, struct ngb_err *e);

/* One shard's run of a session: written when it starts and when it ends. */
struct ngb_shard_row {
	int64_t session_id;
	int shard, shard_count;
	const char *host, *machine;
	const char *status;           /* running, complete, interrupted, failed */
	const char *started_at, *finished_at;
	int planned;                  /* trials of this shard */
	int trials;                   /* trials stored */
	const char *origin;           /* where it was run: "HOST:DB session N" */
};
int ngb_store_shard_record(struct ngb_store *st, const struct ngb_shard_row *r, struct ngb_err *e);

/*
 * Merges databases into out: shards of one session (same uuid) become one
 * session, other sessions keep their identity; a trial present twice is
 * taken once, two different trials with the same place in one session are
 * an error naming both.  Everything is checked before out is written, and
 * written in one transaction (a new out is built beside it and renamed):
 * on any error out is as it was.  The result tells what was done and which
 * shards are still missing.
 */
struct ngb_merge_result {
	char **notes;                 /* what was done */
	size_t nnotes;
	char **missing;               /* shards missing or incomplete, with what to do */
	size_t nmissing;
	int sessions_added, sessions_extended;
	long trials_added;
	long trials_duplicate;        /* trials met more than once, taken once */
	int incomplete;               /* some session lacks a complete run of a shard */
};
int ngb_store_merge(const char *out, const char *const *in, size_t nin,
		    struct ngb_merge_result *res, struct ngb_err *e);
void ngb_merge_result_release(struct ngb_merge_result *res);

/*
 * Resolves a session selector: a number (session id), "latest", a label
 * (the newest session with that label) or a session's uuid.  -ENOENT with
 * a message when none.
 */
int ngb_store_session_find(struct ngb_store *st, const char *selector, int64_t *session_id,
			   struct ngb_err *e);

/* One stored session as 'ngbench list sessions' shows it. */
struct ngb_session_summary {
	int64_t id;
	const char *started_at, *status;
	const char *label;            /* NULL when none */
	const char *command_line;     /* NULL when not recorded */
	int trials;                   /* measured (not warm-up) trials */
	int failed;                   /* of them, neither ok, skipped nor interrupted */
	struct ngb_session_runner runner;
};
/*
 * Calls fn for each session in id order; the summary's strings live until
 * fn returns.  0, fn's value when not 0 (which ends the walk), or -EIO with
 * a message.
 */
int ngb_store_sessions_each(struct ngb_store *st,
			    int (*fn)(const struct ngb_session_summary *s, void *arg), void *arg,
			    struct ngb_err *e);

#endif /* NGBENCH_STORE_H */
