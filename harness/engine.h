/*
 * harness/engine.h - the run engine: a session as a library call.
 *
 * A run has three steps, each a function here, used alike by 'ngbench
 * run', 'baseline save', 'ci' and 'reproduce' (none of them builds an
 * argument vector for another command):
 *
 *   plan   run_config (what to run and how) -> cells (allocator x workload x
 *          parameter set x threads, per job), the shard of each cell, the
 *          number of trials; nothing is written (session_plan)
 *   open   the database, the machine, the session row (session_open), or
 *          an abandoned session taken over to finish it (session_resume)
 *   run    the scheduler: rounds of shuffled cells, one trial at a time,
 *          each judged and committed before the next (session_run)
 *
 * The files: engine.c (plan, open, close), cells.c (workloads and their
 * parameters into cells), alloc_spec.c (the --allocator grammar), trial.c
 * (one trial: its spec and the validity rules), trial_row.c (a finished
 * trial as a database row), scheduler.c (the order and the loop),
 * resume.c (abandoned sessions and what is missing from them).
 *
 * Errors are printed where they are found (the engine is the harness's,
 * not a public library) and returned as the command's exit status: 2 for
 * bad input, 1 for a failure to run, 128+N when interrupted by signal N.
 */
#ifndef NGBENCH_HARNESS_ENGINE_H
#define NGBENCH_HARNESS_ENGINE_H

#include <stdint.h>

#include "internal.h"

/* What to run and how: the command line's options, or another command's. */
struct run_config {
	const char *cmd;            /* the command, for "Try 'ngbench CMD --help'" */
	struct job cli;             /* the job the command line describes */
	int have_preset, have_reps, have_counters;
	const char *experiment;     /* name or path; NULL: the cli job */
	long warmup;
	int have_warmup;
	double timeout_s;
	int have_timeout;
	int have_cpus;
	unsigned char cpus[128];
	char *cpus_text;            /* --cpus as given (kept for --resume) */
	int have_seed;
	uint64_t seed;
	const char *label;
	const char *db;
	int show_output;
	long profile;               /* profile trials per cell (0: none) */
	int quiet;
	int dry_run;
	int shard_k, shard_n;       /* --shard=K/N; 0/0 when not sharded */
	const char *session_id;
	const char *resume;         /* --resume: the session to finish */
	/* with --resume: the experiment text as the session stored it */
	char *experiment_text;
	char *experiment_name, *experiment_path;
	struct strvec owned;        /* strings a resume read back, freed with c */
};

void run_config_init(struct run_config *c, const char *cmd);
void run_config_release(struct run_config *c);
/*
 * The options other commands pass on to a run, checked as 'ngbench run'
 * checks them: 0, or the exit status (2) after the message.
 */
int run_config_allocators(struct run_config *c, const char *list);
int run_config_repetitions(struct run_config *c, const char *n);
int run_config_cpus(struct run_config *c, const char *list);
/* The same without the message printed: 0, or -EINVAL with it in e. */
int run_config_set_cpus(struct run_config *c, const char *list, struct ngb_err *e);
/* The config as JSON (stored with the session, read back by --resume). */
char *run_config_to_json(const struct run_config *c);
/* 0, or -1 with *why (to free). */
int run_config_from_json(struct run_config *c, const char *json, char **why);

/* One cell: an allocator on one job's program with one parameter set. */
struct cell {
	struct job *job;
	const struct ngb_workload *wl; /* NULL: a command */
	struct allocator *alloc;
	struct strvec argv;
	char *params_json;
	int threads;
	char *title;
};

/* Expands one job into cells (cells.c); 0, or the exit status after an error. */
int cells_expand_job(const char *cmd, struct job *j, struct allocator_list *plugins,
		     struct cell **cells, size_t *ncells);
void cells_release(struct cell *cells, size_t n);
/* Resolves a job's --allocator list (alloc_spec.c); 0, or 2 after the message. */
/* The library an --allocator item names ("/path/lib.so" or
 * "NAME=/path/lib.so"; a '+' before any '=' or '/' makes a variant): its
 * path inside spec (with any "+VAR=VALUE" knobs after it), and in *name
 * (malloc'ed) the name it runs under, its file name or NAME, then the
 * knobs ("lib.so+VAR=VALUE"); NULL (and *name NULL) when spec names no
 * library. */
const char *alloc_spec_library(const char *spec, char **name);
int alloc_spec_resolve(const char *cmd, struct job *o, struct allocator_list *plugins,
		       struct allocator ***out, size_t *nout);
/* Prints "Did you mean ...? Valid WHAT: ..." on stderr. */
void print_names_hint(const char *what, const char *bad, const char *const *names, size_t n);
/* Removes repeated pointers, keeping the first of each; returns the new count. */
size_t drop_duplicates(void **v, size_t n);

struct session {
	struct run_config *cfg;     /* the caller's */
	struct experiment x;
	struct allocator_list plugins;
	struct cell *cells;
	size_t ncells;
	int *shard_of;              /* the shard of each cell, NULL when not sharded */
	long maxreps;
	int total;                  /* trials this run is to run */
	/* from session_open / session_resume */
	struct machine_fp fp;
	struct ngb_store *st;
	int64_t id;
	char *uuid, *plan, *config, *started;
	char *options;              /* the run_config as given, as JSON */
	unsigned char *done;        /* with --resume: done[seq] for stored trials */
	int ndone;
	int stored_before;          /* trials stored before a resume */
};

/* The result of session_run. */
struct session_tally {
	int ok, failed, skipped;    /* measured trials */
	int stored;                 /* every trial stored by this run, warm-up included */
	int stop;                   /* the signal that stopped it, or 0 */
	int failed_to_run;          /* a trial could not be stored */
	const char *status;         /* complete, interrupted, failed */
	double seconds;
};

/*
 * Plans a session: loads the jobs, discovers the allocators, expands and
 * shards the cells and counts the trials.  Writes nothing.  0, or the exit
 * status after the message; session_release() frees s either way.
 */
int session_plan(struct session *s, struct run_config *cfg);
/* Prints the trials it would run (--dry-run). */
void session_print_plan(const struct session *s);
/* Opens the database and writes the session row; 0, or 1 after the message. */
int session_open(struct session *s);
/* Runs the trials not yet stored; tally gets the counts.  0 or 1 (a trial
 * could not be stored). */
int session_run(struct session *s, struct session_tally *tally);
/* Writes the session's end; 0, or 1 after the message. */
int session_close(struct session *s, struct session_tally *tally);
/* The exit status of a run: 0, 1 when a trial failed, 128+N when interrupted. */
int session_exit_status(const struct session_tally *t);
void session_release(struct session *s);

/* The digest of what the whole session runs (the same in each shard), and
 * its configuration as stored with it (engine.c). */
char *plan_digest(const struct run_config *o, const struct cell *cells, size_t ncells);
char *config_json(const struct run_config *o, const struct experiment *x, struct cell *cells,
		  size_t ncells);

/* ---- finishing an abandoned session (resume.c) -------------------------- */

struct resume {
	struct ngb_store *st;
	struct ngb_session_state state;
	char *host;
};
/*
 * Opens the session cfg->resume names and fills cfg with its stored options
 * and seed, if it is abandoned and from this host; 0, or the exit status
 * after the message (2: refused).
 */
int resume_load(struct run_config *cfg, struct resume *r);
/*
 * After session_plan(): checks that the plan and configuration are the
 * stored ones and every stored trial is where the plan puts it, marks them
 * done and takes the session over; 0, or the exit status after the message.
 */
int resume_attach(struct session *s, struct resume *r);
void resume_release(struct resume *r);

/*
 * A whole run as one call, for the commands that run an experiment and
 * then read its session (baseline, ci, reproduce): plan, open, run, close,
 * with the summary 'ngbench run' prints.  The exit status as 'ngbench run'.
 */
int engine_run(struct run_config *cfg);

/* ---- one trial (trial.c, trial_row.c) ----------------------------------- */

struct trial_slot {
	int seq, round, rep;
	int warm, prof;
	int done;                   /* trials this run has run before it (progress) */
};

/* Runs, judges and stores one trial; 0, or -1 when it could not be stored. */
int trial_run(struct session *s, const struct cell *c, const struct trial_slot *t,
	      struct progress *prog, struct trial_outcome *out);
/* Decides the trial's final status from what the runner saw. */
void trial_judge(const struct cell *c, struct trial_outcome *out, int prof);
/* The trial as its database row, written in one transaction; 0 or -1. */
int trial_store(const struct session *s, const struct cell *c, const struct trial_slot *t,
		const char *started, struct trial_outcome *out);

/* ---- the order (scheduler.c) -------------------------------------------- */

/* Fills order[0..n) with the shuffled slots of one round. */
void schedule_shuffle(int *order, int n, uint64_t seed, int round);
/*
 * Calls fn for every trial of the session in the order it runs, with its
 * sequence number, whether this shard runs it (mine) and its cell; stops
 * when fn returns non-zero and returns that.
 */
typedef int (*schedule_fn)(struct session *s, struct cell *c, const struct trial_slot *t,
			   int mine, void *arg);
int schedule_walk(struct session *s, schedule_fn fn, void *arg);

/* ---- who runs a session (owner.c) --------------------------------------- */

/* The start time of process pid in clock ticks since boot (/proc/PID/stat
 * field 22); 0, or -1 when there is no such process. */
int process_start_time(pid_t pid, uint64_t *ticks);
/* This boot's identity (/proc/sys/kernel/random/boot_id), or "" if unreadable. */
const char *boot_id(void);
/* Fills the runner fields of si with this process. */
void session_runner_self(struct ngb_session_runner *r, const char *host);
/*
 * Is a 'running' session's ngbench still there?  1 live, 0 gone (abandoned),
 * -1 unknown (another host, or no runner recorded).
 */
int session_runner_alive(const struct ngb_session_runner *r, const char *host);

#endif /* NGBENCH_HARNESS_ENGINE_H */
