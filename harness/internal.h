/*
 * harness/internal.h - private declarations of the harness (the ngbench
 * command and libngbench).  Nothing outside harness/ and tests/ includes it.
 */
#ifndef NGBENCH_HARNESS_INTERNAL_H
#define NGBENCH_HARNESS_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <regex.h>
#include <stdint.h>
#include <sys/types.h>

#include "ngbench/allocator.h"
#include "ngbench/error.h"
#include "ngbench/ipc.h"
#include "ngbench/perfmon.h"
#include "ngbench/store.h"
#include "ngbench/workload.h"
#include "../lib/numbers.h"
#include "../lib/strbuf.h"

/* ---- messages (util.c) -------------------------------------------------- */

/* "ngbench: error: ..." on stderr; returns -1 so `return error(...)` reads well. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same message, returning status: `return fail(1, ...)` ends a command
 * with that exit status (1: it failed; 2: bad usage or input). */
int fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: prints, and returns 2 (the exit status for bad usage). */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
__attribute__((noreturn)) void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A list of strings. */
struct strvec {
	char **v;
	size_t n, alloc;
};
#define STRVEC_INIT { NULL, 0, 0 }
void strvec_push(struct strvec *sv, const char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Splits s at sep and pushes the non-empty pieces. */
void strvec_split(struct strvec *sv, const char *s, int sep);
int strvec_find(const struct strvec *sv, const char *s);
void strvec_clear(struct strvec *sv);
/* NULL-terminated view, for execve(). */
char **strvec_argv(struct strvec *sv);

/* ---- parsing option values (parse.c) ------------------------------------ */

/* Each returns 0, or prints an error naming the option and returns -1. */
int parse_long_opt(const char *opt, const char *s, long min, long max, long *out);
int parse_double_opt(const char *opt, const char *s, double min, double max, double *out);
/* Sizes: 123, 4K, 1M, 2G (powers of 1024). */
int parse_size_opt(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* The versions without messages: lib/numbers.h. */
/* A CPU list "0,2-3" into a bit mask of at most 1024 CPUs; -1 on bad input. */
int parse_cpu_list(const char *s, unsigned char mask[128]);
/* Are all CPUs of mask ones this process may run on?  -1 with *why if not. */
int cpu_list_usable(const unsigned char mask[128], char **why);

/* Splits a command line into words as a POSIX shell would, without its
 * expansions: blanks separate words; '...' is literal; "..." keeps blanks and
 * takes \" and \\ as escapes; a \ outside quotes escapes the next character.
 * Returns -1 with *why (to free) on an unterminated quote. */
int split_words(const char *s, struct strvec *out, char **why);

/* A copy of s with each byte that is not valid UTF-8 (strict: no overlong
 * forms, surrogates or code points beyond U+10FFFF, ngbench/utf8.h)
 * replaced by U+FFFD, for JSON output (the database keeps the original bytes). */
char *utf8_sanitize(const char *s);

/* The closest of names to s by edit distance, or NULL if none is close. */
const char *closest_name(const char *s, const char *const *names, size_t n);

/* ---- where things are (paths.c) ----------------------------------------- */

struct ngb_paths {
	int build_tree;          /* running from the build tree */
	char *allocator_dir;     /* plugins and this project's allocator libraries */
	char *workload_dir;
	char *probe;             /* ngbench-probe */
	char *witness;           /* libngbench-witness.so */
	char *experiment_dir;    /* the experiments shipped with ngbench */
	char *default_db;
};
const struct ngb_paths *ngb_paths(void);
/* The database path: --db, else $NGBENCH_DB, else the default. */
const char *ngb_db_path(const char *opt);
/* Creates the parent folder of a file path if missing. */
int make_parent_dir(const char *path);

/* ---- what a run needs around it (preflight.c) --------------------------- */

/* 0, or an error printed naming the cause and the fix, and -1. */
int preflight_tmpdir(void);
int preflight_db(const char *path);

/* ---- allocator plugins (plugins.c) -------------------------------------- */

struct allocator {
	char *name;
	char *summary;
	char *plugin_path;          /* NULL for a --allocator=/path/lib.so */
	char *library;              /* resolved path of the library to preload, NULL: libc */
	char *library_spec;         /* as the descriptor or user gave it */
	char *package;
	struct strvec env;          /* NAME=VALUE knobs */
	char *stats_env;
	/* filled by allocator_probe() */
	int probed;
	int available;
	char *version;
	char *served_by;            /* which object served malloc in the probe */
	char *reason;               /* why unavailable */
	char *fix;                  /* what to do about it */
};

struct allocator_list {
	struct allocator **v;
	size_t n;
	struct strvec load_errors;  /* plugins not loaded or not used: warnings */
};

/* Discovers the plugins (NGBENCH_PLUGIN_PATH, then the allocator folder). */
void allocators_discover(struct allocator_list *list);
struct allocator *allocator_find(struct allocator_list *list, const char *name);
/*
 * A variant "NAME+VAR=VALUE[+VAR=VALUE...]" of a discovered allocator, with
 * those knobs added to its environment; added to list (which owns it).
 * NULL with *why (to free) when the base is unknown or unavailable or a knob
 * is malformed.
 */
struct allocator *allocator_variant(struct allocator_list *list, const char *spec, char **why);
/* Can the library at path be preloaded: a readable ELF file whose path
 * holds no LD_PRELOAD separator?  -1 with *why (saying what to do) if not;
 * in_list: it came from a comma-separated list (a comma may have cut it). */
int library_path_check(const char *path, int in_list, char **why);
/* A malloc library given by path, run under the name NAME. */
struct allocator *allocator_from_library(const char *path, const char *name);
/* A name an allocator may have: [a-z0-9._-]+. */
int allocator_name_valid(const char *s);
/* What was read of one plugin file (plugin_describe.c). */
struct described {
	struct allocator *a;        /* the descriptor, or NULL */
	char *error;                /* or why there is none */
	int faulted;                /* the plugin's code crashed, exited or hung */
};
/* Reads the descriptor of each of paths, in a child process: out[i] for paths->v[i]. */
void describe_plugins(const struct strvec *paths, struct described *out);
/* Runs ngbench-probe with the allocator preloaded; fills version/availability. */
void allocator_probe(struct allocator *a);
void allocators_probe_all(struct allocator_list *list);
void allocator_free(struct allocator *a);
void allocator_list_release(struct allocator_list *list);
/* Does the object that served malloc belong to this allocator? */
int allocator_served_by_matches(const struct allocator *a, const char *served_by);
/* The LD_PRELOAD value for this allocator plus extra (may be NULL); NULL if none. */
char *allocator_preload(const struct allocator *a, const char *extra);

/* ---- workloads (cmd_list.c) --------------------------------------------- */

/* Is the workload's program built here?  *path_out (if given) gets its path. */
int workload_available(const struct ngb_workload *wl, char **path_out);

/* ---- jobs and experiments (experiment.c) ------------------------------- */

/* What one job runs: the command line is one job, an experiment file has several. */
struct job;

/* A command's own metric, read from its output (metric.c). */
struct cmd_metric {
	char *pattern;              /* NULL: none (the metric is wall seconds) */
	regex_t re;
	int compiled;
	char *name, *unit;          /* default "metric" and "" */
	int better;                 /* 1 higher, 0 lower, -1 not given */
};
int cmd_metric_compile(struct cmd_metric *m, const char *pattern, char *err, size_t errlen);
void cmd_metric_release(struct cmd_metric *m);
/* Applies option @key (metric, better, unit, metric-name) with @value;
 * NULL, or the message (to free) of a bad value. */
char *cmd_metric_option(struct cmd_metric *m, const char *key, const char *value);
void cmd_metric_copy(struct cmd_metric *dst, const struct cmd_metric *src);
/* NULL, or why the job's metric options do not fit together (to free). */
char *cmd_metric_check(const struct job *j);
/* The first group of the last match in the output file @fd; 0, or -1 with
 * *reason (to free): no match, or not a number. */
int cmd_metric_scan_fd(const struct cmd_metric *m, int fd, double *value, char **reason);

struct job {
	char *name;
	struct strvec allocators;   /* names, "all", or library paths */
	struct strvec workloads;    /* names or "all" */
	struct strvec command;      /* or a command instead of workloads */
	struct strvec sets;         /* NAME=VALUE */
	struct strvec threads;
	enum ngb_preset preset;
	long repetitions;
	enum ngb_counters_mode counters;
	char *events;               /* for hw */
	char *cache;                /* for sim */
	struct ngb_cache_geometry geometry; /* parsed from cache */
	struct ngb_perfmon *pm;     /* opened for the session when counters is hw */
	struct cmd_metric metric;   /* for a command: its own metric, or none */
};

struct experiment {
	char *name, *path, *description;
	char *text;                 /* the file as read, stored with the session */
	struct job *jobs;
	size_t njobs;
	long warmup;
	int have_warmup;
	double timeout_s;
	int have_timeout;
	char *control;              /* [global] control: for 'baseline save' */
	long baseline_reps;         /* [global] baseline-repetitions (0: none) */
};

void job_init(struct job *j, const char *name);
void job_release(struct job *j);
int job_set_threads(struct job *j, const char *list, char **why);
/* A name (looked up in the experiments folder) or a path; 0, or 2 after an error message. */
int experiment_load(const char *spec, struct experiment *x);
/* Parses x->text (len bytes; x->name names a [global]-only file's job):
 * 0, or a negative errno with "line N: ..." in e.  experiment_release()
 * frees x either way. */
int experiment_parse(struct experiment *x, size_t len, struct ngb_err *e);
void experiment_release(struct experiment *x);
void experiments_list(struct strvec *names);
/* With a list, experiment_load() accepts a ${NAME} that is not set: it
 * keeps the text and appends NAME to the list (for 'list experiments', which
 * describes what it cannot run); with NULL (the default) it is an error. */
void experiment_unset_env_to(struct strvec *missing);
const char *experiments_dir(void);

/* ---- the trial runner (runner.c) ---------------------------------------- */

struct trial_spec {
	struct strvec argv;         /* argv[0] is searched in PATH if it has no '/' */
	struct strvec env;          /* extra NAME=VALUE for the child */
	char *preload;              /* LD_PRELOAD for the child, or NULL */
	int witness;                /* preload the witness and report served_by */
	double timeout_s;           /* 0: none */
	const unsigned char *cpus;  /* CPU mask or NULL */
	char *stats_env;            /* allocator statistics file variable, or NULL */
	int show_output;            /* copy the child's output to ours afterwards */
	int keep_stdout;            /* keep the child's stdout (first 64 KiB) in the outcome */
	/* counters: at most one of the two */
	const struct ngb_perfmon *pm;              /* hardware and software counters */
	const struct ngb_cache_geometry *sim;      /* run under cachegrind with this geometry */
	int sample_rss;             /* sample the child's resident memory while it runs */
	int profile;                /* the profiling shim is preloaded: collect its file */
	const struct cmd_metric *metric; /* read the command's metric from its output */
};

/* The child's resident memory over time (ms since fork, KiB). */
struct rss_series {
	uint32_t *t_ms, *kb;
	size_t n;
	unsigned interval_ms;       /* the interval the series ended with */
};

enum trial_status {
	TRIAL_OK,
	TRIAL_FAILED,       /* non-zero exit, no result record, bad record */
	TRIAL_SKIPPED,      /* exit 77: the workload cannot run here */
	TRIAL_SIGNAL,
	TRIAL_TIMEOUT,
	TRIAL_EXEC_FAILED,
	TRIAL_PRELOAD_FAILED,
	TRIAL_INTERRUPTED,
};
const char *trial_status_name(enum trial_status s);

struct result_record {
	int present;
	char *metric, *unit;
	int has_value;
	double value;
	int higher_is_better;
	int nextra;
	char **keys, **values;      /* the free pairs */
	char *error;                /* why the record is malformed, or NULL */
};

/* ---- allocation profiles (profile.c) ---------------------------------- */

/* Where the profiling shim writes its file at the child's exit. */

struct profile_bin {
	char *name;                 /* "size", "malloc_ticks", "free_ticks" */
	double lo, hi;              /* count values in [lo, hi) */
	uint64_t count;
};

struct profile {
	int present;
	struct strvec pairs;        /* "key=value": as the shim wrote them, then derived */
	struct profile_bin *bins;
	size_t nbins;
};

/* Parses the shim's file; 0, or -1 with the reason in *why (to free). */
int profile_parse(const char *text, size_t len, struct profile *p, char **why);
int profile_read_file(const char *path, struct profile *p, char **why);
void profile_release(struct profile *p);
const char *profile_value(const struct profile *p, const char *key);
int profile_number(const struct profile *p, const char *key, double *out);
/* The q-quantile of a histogram, interpolated in its bin, capped at max (if >= 0). */
int profile_quantile(struct profile *p, const char *name, double q, double max, double *out);
/* Adds the derived values: totals, percentiles, fragmentation, per operation. */
void profile_derive(struct profile *p, const struct result_record *rec, long maxrss_kb);
/* The shim library beside the witness. */
char *profile_shim_path(void);

struct trial_outcome {
	enum trial_status status;
	char *reason;
	int exited;
	int exit_code;
	int term_signal;
	double wall_s, user_s, sys_s;
	long maxrss_kb, minflt, majflt, nvcsw, nivcsw;
	char *served_by;
	char *stderr_tail;
	char *stdout_text;          /* with keep_stdout */
	struct result_record record;
	struct strvec alloc_stats;  /* "key=value" from the allocator statistics file */
	struct ngb_counter *counters;
	size_t ncounters;
	struct rss_series rss;
	struct profile profile;     /* with spec->profile, when the shim wrote its file */
	char *profile_error;        /* why not */
	int interrupted_by;         /* signal that interrupted the session, or 0 */
	int has_cmd_metric;         /* with spec->metric: the value was read */
	double cmd_metric_value;
	char *cmd_metric_error;     /* with spec->metric: why it was not */
};

/* Set by the signal handler: SIGINT, SIGTERM, SIGHUP or SIGPIPE asked the
 * session to stop (wait.c). */
extern volatile int ngb_stop_signal;
void runner_install_signal_handlers(void);

int run_trial(const struct trial_spec *spec, struct trial_outcome *out);
/* Waits for the child to end, killing its group on timeout or when the
 * session is asked to stop, and samples its memory into rss (if given);
 * TRIAL_OK, or the reason it was killed (wait.c). */
struct rusage;
enum trial_status trial_wait_child(pid_t pid, double timeout_s, double start, int *status,
				   struct rusage *ru, int *stop_sig, struct rss_series *rss);
/*
 * In the child of a simulated trial, just before exec (simtrial.c):
 * address-space randomisation off and the environment envp padded to a
 * fixed size, so that the same program gives the same counts.  Returns
 * the environment to exec with.
 */
char **sim_trial_child_prepare(const struct trial_spec *spec, char **envp);
void trial_outcome_release(struct trial_outcome *o);
void trial_spec_release(struct trial_spec *s);

/* Parses "ngbench-result: ..." lines of a buffer; the last one counts (record.c). */
void result_record_parse(const char *text, size_t len, struct result_record *r);
/* Is k[0..n) a result key (lowercase letters, digits, "_.-")? */
int result_key_valid(const char *k, size_t n);
/* The same over a (possibly large) output file, read line by line from its start. */
void result_record_parse_fd(int fd, struct result_record *r);
void result_record_release(struct result_record *r);

/* ---- machine facts (machine.c) ------------------------------------------ */

/* This machine's fingerprint (see machine.c for what it holds). */
struct machine_fp {
	char *field[NGB_MACHINE_NFIELDS];
	char id[17];                /* 16 hex digits of a hash of the fields */
	char *host;                 /* not part of the fingerprint, */
	char *os;                   /* nor these two, which a session */
	int cores;                  /* row and a baseline file keep */
};
void machine_fingerprint(struct machine_fp *m);
void machine_fp_view(const struct machine_fp *m, struct ngb_machine *out);
void machine_fp_release(struct machine_fp *m);
/* The machine facts of a session row (host, CPU, cores, kernel, OS, libc),
 * taken from the fingerprint; si is cleared first. */
void machine_session_facts(const struct machine_fp *m, struct ngb_session_info *si);
/* Is "NAME=VALUE" an allocator knob (MALLOC_*, MIMALLOC_*, GLIBC_TUNABLES, ...)? */
int env_is_allocator_knob(const char *name_value);
/* The allocator knobs a child gets: extra (may be NULL) over ours, sorted,
 * shell-quoted, space-separated ("" when none). */
char *env_knobs(const struct strvec *extra);
/* FNV-1a over n bytes, continuing from h (0: start). */
uint64_t hash64(const void *data, size_t n, uint64_t h);

char *machine_cpu_model(void);
char *machine_os(void);
char *now_iso8601(void);
double monotonic_seconds(void);
const char *ngb_git_commit(void);

/* ---- one session cut into shards (shard.c) ----------------------------- */

/* "K/N" with 1 <= K <= N; 0, or -1 with *why (to free). */
int shard_parse(const char *s, int *k, int *n, char **why);
/* Is s a UUID (8-4-4-4-12 hexadecimal digits)? */
int session_id_valid(const char *s);
char *session_id_random(void);
/* The identity shards of one plan and seed agree on. */
char *session_id_derive(const char *plan, uint64_t seed);
/* The seed shards given only a session id agree on. */
uint64_t seed_from_session_id(const char *uuid);
/* Cells with equal keys form a group; group g goes to shard g mod N + 1.
 * Fills shard_of[i] for each cell; returns the number of groups. */
size_t shard_assign(const char *const *keys, size_t n, int nshards, int *shard_of);

/* ---- progress (progress.c) ---------------------------------------------- */

struct progress {
	int enabled;
	int total;
	double start;
};
void progress_init(struct progress *p, int total);
void progress_show(struct progress *p, int done, const char *cell);
void progress_clear(struct progress *p);

/* ---- commands ----------------------------------------------------------- */

int cmd_run(int argc, const char **argv);
int cmd_list(int argc, const char **argv);
int cmd_report(int argc, const char **argv);
int cmd_compare(int argc, const char **argv);   /* reports' command, in harness/cmd_compare.c */
int cmd_baseline(int argc, const char **argv);  /* reports' commands for CI: cmd_baseline.c, */
int cmd_ci(int argc, const char **argv);        /* cmd_ci.c and cmd_history.c */
int cmd_history(int argc, const char **argv);
/* Shared by compare, baseline and ci (gate_options.c, cmd_baseline.c):
 * "5%" or "0.05" -> 0.05 (-1 when bad); running an experiment as one labelled
 * session (cmd_run's exit status); this machine's fingerprint; judging a
 * stored session against a baseline (exit status: 0, 1 failing verdict, 3
 * refused). */
struct ngb_baseline;
struct ngb_gate_options;
struct ngb_store;
int compare_parse_effect(const char *s, double *out);
int ci_run_experiment(const char *cmd, const char *experiment, const char *label, const char *db,
		      const char *reps, const char *allocs, const char *cpus, int quiet);
void ci_machine_fingerprint(struct ngb_baseline *here);
int ci_judge(struct ngb_store *st, int64_t sid, const struct ngb_baseline *base,
	     const struct ngb_gate_options *gopt, int fmt, const char *summary,
	     const char *junit, const char *suite);
/* The same options as option-table callbacks (harness/gate_options.c);
 * opt->value is the struct ngb_gate_options. */
struct ngb_option;
struct ngb_err;
int gate_option_threshold(const struct ngb_option *o, const char *arg, struct ngb_err *e);
int gate_option_stat(const struct ngb_option *o, const char *arg, struct ngb_err *e);
int gate_option_min_effect(const struct ngb_option *o, const char *arg, struct ngb_err *e);
int cmd_merge(int argc, const char **argv);
int cmd_export(int argc, const char **argv);    /* reports' command, in harness/cmd_export.c */
int cmd_trace(int argc, const char **argv);
int cmd_reproduce(int argc, const char **argv);
/* A report as 'ngbench report' writes it (cmd_report.c), for the commands
 * that write one after a run; returns the command's exit status. */
struct report_args {
	const char *db;           /* NULL: $NGBENCH_DB, else the default location */
	const char *selector;     /* a session number, label, uuid; NULL: latest */
	const char *baseline;     /* NULL: ptmalloc2, else the session's first */
	const char *outdir;       /* NULL: only the table on stdout */
	const char *machine;      /* NULL: every machine */
	int pool;
	int format;               /* enum ngb_report_format */
};
int report_run(const struct report_args *a);
/* --baseline's table callback (a non-empty allocator name into a const char *). */
int report_baseline_option(const struct ngb_option *o, const char *arg, struct ngb_err *e);
/* Opens the database read-only and finds a session (cmd_report.c): 0, or the
 * exit status after the message (2 for an unknown session, 1 otherwise). */
struct ngb_store;
int cmd_open_session(const char *cmd, const char *db, const char *selector,
		     struct ngb_store **st, int64_t *sid);
/* Machines kept apart (report_machines.c): the machine groups of a session
 * to report one by one (0), or the exit status after saying why not; and a
 * warning when two sessions ran on different machines. */
struct ngb_machine_group;
int report_machine_groups(sqlite3 *db, int64_t sid, int pool, const char *pick, int can_split,
			  struct ngb_machine_group **out, size_t *nout);
void warn_machine_difference(sqlite3 *db, int64_t a, int64_t b);
int cmd_help(int argc, const char **argv);
int cmd_perfmon(int argc, const char **argv);   /* perfmon's, in harness/cmd_perfmon.c */

/* The process's own command line, as main() got it (stored with each session). */
extern int ngb_argc;
extern const char **ngb_argv;

/* Shows the help of a command (its --help); 0, or -1 if there is no such command. */
int show_command_help(const char *name);
/* The names of the commands, for suggestions. */
const char *const *command_names(size_t *n);

#endif /* NGBENCH_HARNESS_INTERNAL_H */
