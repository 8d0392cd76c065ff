/*
 * ngbench/perfmon.h - counters for every trial: hardware (PMU), software and
 * simulated (cachegrind).
 *
 * Hardware and software counters (counters mode "hw").  One session per run:
 *
 *	struct ngb_perfmon *pm;
 *	ngb_perfmon_new(&pm, &cfg, &err);        encodes every event once
 *	for each trial:
 *		pid = fork();  child: blocks on a pipe, then execs
 *		ngb_perfmon_attach(pm, pid, &att, &err);  in the parent, before
 *		                                      the child is released
 *		release the child; wait4(pid, ...)
 *		ngb_perfmon_collect(att, rows, n)     n = ngb_perfmon_nevents(pm)
 *		ngb_perfmon_detach(att)
 *	ngb_perfmon_free(pm);
 *
 * Events are opened on the child with inherit (all its threads and the
 * processes it forks later), disabled, and enable_on_exec, so counting starts
 * at the exec of the workload and not in the harness's fork path.  Events are
 * grouped so that an access count and its miss count (LLC-loads and
 * LLC-load-misses, ...) are scheduled on the PMU together; each is read on
 * its own because the kernel does not support PERF_FORMAT_GROUP reads on
 * inherited events.
 *
 * A counter that cannot be opened or read never fails the trial: it comes
 * back with a status (unsupported, denied, error) and a reason, and without
 * a value.  Unavailable is never zero.
 *
 * Simulated counters (counters mode "sim"): the trial runs under valgrind's
 * cachegrind with a declared cache geometry (ngb_sim_command builds argv and
 * environment), and ngb_sim_collect reads the counts from cachegrind's
 * output file.  See perfmon/README.md for what simulation cannot show.
 *
 * All functions return 0 or a negative errno; on failure they leave a
 * message in *e (when e is not NULL).  Nothing here prints or exits.
 */
#ifndef NGBENCH_PERFMON_H
#define NGBENCH_PERFMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ngbench/error.h"

enum ngb_counters_mode {
	NGB_COUNTERS_NONE, /* no counters (rusage only) */
	NGB_COUNTERS_HW,   /* perf_event_open: PMU and software events (default) */
	NGB_COUNTERS_SIM,  /* cachegrind with a declared geometry */
};

/* "none", "hw", "sim" <-> enum; parse returns -EINVAL with a message. */
int ngb_counters_mode_parse(const char *s, enum ngb_counters_mode *out, struct ngb_err *e);
const char *ngb_counters_mode_name(enum ngb_counters_mode m);

enum ngb_counter_source {
	NGB_SOURCE_PMU, /* a hardware (or other non-software) PMU event */
	NGB_SOURCE_SW,  /* a kernel software event (task-clock, page-faults, ...) */
	NGB_SOURCE_SIM, /* counted by the cache simulator */
};

enum ngb_counter_status {
	NGB_STATUS_OK,          /* counted the whole time: value == raw */
	NGB_STATUS_SCALED,      /* multiplexed: value = raw * enabled / running */
	NGB_STATUS_UNSUPPORTED, /* ENOENT, EOPNOTSUPP, ENODEV: not on this machine */
	NGB_STATUS_DENIED,      /* EACCES, EPERM: forbidden (perf_event_paranoid) */
	NGB_STATUS_ERROR,       /* anything else, or opened but never counted */
};

/* "pmu", "sw", "sim" and "ok", "scaled", "unsupported", "denied", "error". */
const char *ngb_counter_source_name(enum ngb_counter_source s);
const char *ngb_counter_status_name(enum ngb_counter_status s);

#define NGB_COUNTER_EVENT_MAX 128
#define NGB_COUNTER_ENCODING_MAX 384
#define NGB_COUNTER_REASON_MAX 384

/*
 * One counter of one trial: exactly the columns of the store's counters
 * table.  has_value is set only for ok and scaled; has_raw and has_times say
 * whether raw and time_enabled/time_running are known (they are also kept
 * for a counter that was opened but never ran, to show why).  Simulated
 * counters have raw and value but no times.
 */
struct ngb_counter {
	char event[NGB_COUNTER_EVENT_MAX];
	enum ngb_counter_source source;
	enum ngb_counter_status status;
	int has_value;
	double value;
	int has_raw;
	uint64_t raw;
	int has_times;
	uint64_t time_enabled, time_running; /* nanoseconds */
	char encoding[NGB_COUNTER_ENCODING_MAX]; /* how it was counted */
	char reason[NGB_COUNTER_REASON_MAX];     /* empty when ok */
};

/*
 * The scaling rule, exposed so that it is tested on its own: fills status,
 * value, raw and times of c from one read.  running == enabled: ok;
 * 0 < running < enabled: scaled, value = raw * enabled / running, and the
 * reason tells the share of time counted;
 * running == 0: error (never counted), no value.
 */
void ngb_counter_scale(struct ngb_counter *c, uint64_t raw, uint64_t enabled, uint64_t running);

/*
 * The errno -> status rule (err is a positive errno): ENOENT, EOPNOTSUPP,
 * ENODEV: unsupported; EACCES, EPERM: denied; anything else: error.
 */
enum ngb_counter_status ngb_counter_status_from_errno(int err);

/* ---- hardware and software counters ------------------------------------ */

/*
 * The default event set: the NextGen-Malloc paper's Table 1 (cycles,
 * instructions, context switches, page faults, LLC loads and stores and
 * their misses, dTLB loads and stores and their misses) plus task-clock and
 * cpu-migrations, as a comma-separated list in ngb_perfmon_config.events
 * syntax.
 */
extern const char ngb_perfmon_default_events[];

struct ngb_perfmon_config {
	/*
	 * Comma-separated event names, NULL or "" for the default set.  Any
	 * name libpfm4 knows: perf's generic names (cycles, LLC-load-misses,
	 * task-clock), "perf::NAME", or a PMU event "pmu::EVENT:UMASK"
	 * ("ngbench perfmon --list" shows them).  Braces force a group:
	 * "{cycles,instructions},page-faults".  Without braces, access and
	 * miss counts of the same cache and operation are grouped, and so are
	 * cycles and instructions.
	 */
	const char *events;
	/*
	 * 1: count user space only; 0: user and kernel; -1 (or any other
	 * value): what perf_event_paranoid allows (kernel too only where an
	 * unprivileged process may count it).
	 */
	int user_only;
};

struct ngb_perfmon;        /* a session: encoded events and their groups */
struct ngb_perfmon_attach; /* the events opened on one child */

/*
 * Encodes every event with libpfm4 (once per session).  An unknown name
 * fails with -ENOENT and a message saying how to list valid names; a name
 * that libpfm4 knows but the kernel does not is not an error here (it comes
 * back from attach as unsupported).
 */
int ngb_perfmon_new(struct ngb_perfmon **out, const struct ngb_perfmon_config *cfg,
		    struct ngb_err *e);
void ngb_perfmon_free(struct ngb_perfmon *pm);

/* Number of events, the size of the rows array collect fills. */
size_t ngb_perfmon_nevents(const struct ngb_perfmon *pm);
/* Name of event i as the user gave it. */
const char *ngb_perfmon_event_name(const struct ngb_perfmon *pm, size_t i);
/*
 * Group of event i: events with the same group number are opened as one
 * perf group; the first of them (in event order) is the leader.
 */
int ngb_perfmon_event_group(const struct ngb_perfmon *pm, size_t i);
int ngb_perfmon_event_is_leader(const struct ngb_perfmon *pm, size_t i);
/* Encoding string of event i (libpfm4's canonical name, type, config). */
const char *ngb_perfmon_event_encoding(const struct ngb_perfmon *pm, size_t i);
enum ngb_counter_source ngb_perfmon_event_source(const struct ngb_perfmon *pm, size_t i);
/* Whether the session counts user space only (1) or kernel too (0). */
int ngb_perfmon_user_only(const struct ngb_perfmon *pm);

/*
 * Opens every event on pid, which must not have exec'd yet (the runner's
 * child waits on a pipe).  Returns 0 even when some or all events fail to
 * open: their status is kept for collect.  Fails only when memory runs out
 * (-ENOMEM) or pid is invalid (-EINVAL).
 */
int ngb_perfmon_attach(const struct ngb_perfmon *pm, pid_t pid,
		       struct ngb_perfmon_attach **out, struct ngb_err *e);
/*
 * After the runner's wait4: reads every counter into rows[0..n-1] in event
 * order (n must be ngb_perfmon_nevents) and returns the number of rows.
 * Counting stops with the child; inherited threads and children are summed
 * in by the kernel when they exit.  May be called once per attach.
 */
size_t ngb_perfmon_collect(struct ngb_perfmon_attach *a, struct ngb_counter *rows, size_t n);
/* Closes the events (also when the trial never ran) and frees a. */
void ngb_perfmon_detach(struct ngb_perfmon_attach *a);

/*
 * Convenience for tools and tests: forks, attaches, execs argv (searched in
 * PATH) with stdout and stdin on /dev/null, waits, collects.  *status gets
 * the wait status.  The real runner does this itself.
 */
int ngb_perfmon_probe(const struct ngb_perfmon *pm, char *const argv[],
		      struct ngb_counter *rows, size_t n, int *status, struct ngb_err *e);

/* ---- what this machine can do ------------------------------------------ */

struct ngb_perfmon_machine {
	int paranoid;          /* kernel.perf_event_paranoid, or INT_MIN if unknown */
	int privileged;        /* root, CAP_PERFMON or CAP_SYS_ADMIN in effect */
	int kernel_pmu;        /* the kernel exposes a CPU PMU (sysfs "cpu*") */
	char kernel_pmus[256]; /* event sources in /sys/bus/event_source/devices */
	char pfm_pmus[256];    /* PMUs libpfm4 detects (from the CPU id) */
	int hw_probe_errno;    /* opening "cycles" on this process: 0 or errno */
};

/* Never fails: fields that cannot be told are left at their "unknown" value. */
void ngb_perfmon_machine_probe(struct ngb_perfmon_machine *m);
/* What the paranoid level allows, in words, for an unprivileged user. */
const char *ngb_perfmon_paranoid_meaning(int paranoid);

/*
 * Lists the events libpfm4 knows for the PMUs present (perf generic events
 * included), calling fn for each "pmu::event" with its description.
 * Stops early and returns fn's value when it is not 0.
 */
int ngb_perfmon_list_events(int (*fn)(const char *name, const char *desc, void *arg), void *arg,
			    struct ngb_err *e);

/* ---- simulated counters (cachegrind) ------------------------------------ */

struct ngb_cache_level {
	unsigned long size; /* bytes */
	unsigned assoc;
	unsigned line;      /* bytes */
};

/*
 * A cache geometry for cachegrind: I1, D1 and the last level.  Cachegrind
 * needs each level's number of sets (size / (assoc * line)) to be a power
 * of two.  With dtlb set, the levels are TLBs: lines are pages, I1 the
 * instruction TLB, D1 the first-level data TLB, LL the second-level (shared)
 * TLB; the counts are an approximation (see perfmon/README.md) and the
 * events are named "dtlb-approx:...".
 */
struct ngb_cache_geometry {
	char name[64]; /* model name, or "custom" */
	int dtlb;
	struct ngb_cache_level i1, d1, ll;
};

/*
 * Parses a geometry: a model name ("client", "server", "dtlb-client",
 * "dtlb-server"), optionally followed by overrides, or overrides alone
 * (starting from "client"), separated by ':' --
 *	"server"  "client:LL=2M,16,64"  "I1=32K,8,64:D1=48K,12,64:LL=32M,16,64"
 * Sizes take K, M, G suffixes.
 */
int ngb_cache_geometry_parse(const char *spec, struct ngb_cache_geometry *g, struct ngb_err *e);
/* The named models, NULL-terminated, for --help and the doctor. */
extern const char *const ngb_cache_models[];
/* "I1=32768,8,64 D1=32768,8,64 LL=8388608,16,64 model=client" */
void ngb_cache_geometry_format(const struct ngb_cache_geometry *g, char *buf, size_t len);

struct ngb_sim_config {
	const char *valgrind;  /* program; NULL: configure's, else "valgrind" in PATH */
	struct ngb_cache_geometry geometry;
	const char *preload;   /* allocator library for the program, or NULL */
	const char *out_file;  /* cachegrind's output file, given by the runner */
};

/*
 * The command of a simulated trial.  argv is
 *	valgrind --tool=cachegrind --cache-sim=yes --I1=.. --D1=.. --LL=..
 *	  --cachegrind-out-file=OUT --trace-children=yes -q
 *	  [env LD_PRELOAD=PRELOAD] PROGRAM ARGS...
 * and envp is envp_in (NULL: environ) without LD_PRELOAD, so the allocator is
 * preloaded into the program alone, never into valgrind's launcher; valgrind
 * follows env's exec and the program, keeping the process id, writes the
 * output file last.  ngb_sim_collect checks the file's "cmd:" line to be
 * sure the counts are the program's.  Free with ngb_sim_command_release.
 */
struct ngb_sim_command {
	char **argv;
	char **envp;
};

int ngb_sim_command_build(struct ngb_sim_command *cmd, const struct ngb_sim_config *cfg,
			  char *const prog_argv[], char *const envp_in[], struct ngb_err *e);
void ngb_sim_command_release(struct ngb_sim_command *cmd);

/*
 * Where valgrind is: configure's path if still executable, else the first in
 * PATH.  0, or -ENOENT with a message naming the package (path is then "").
 */
int ngb_sim_find_valgrind(char *path, size_t pathlen, struct ngb_err *e);

/*
 * The number of rows ngb_sim_collect fills: Ir, I1mr, ILmr, Dr, D1mr, DLmr,
 * Dw, D1mw, DLmw (cachegrind's names: instructions read, I1 and LL
 * instruction read misses, data reads with D1 and LL misses, data writes
 * with D1 and LL misses).
 */
#define NGB_SIM_NEVENTS 9

/* Is name one of those events, as a simulated trial stores it (with the
 * prefix "dtlb-approx:" under a dTLB geometry)? */
int ngb_sim_event(const char *name);

/*
 * Reads cachegrind's output file into rows (source sim, status ok, value ==
 * raw, the geometry in encoding).  prog (may be NULL) is the program that
 * should have been counted: when the file's "cmd:" line names another
 * program (e.g. "env"), the rows are errors, not someone else's numbers.
 * Returns the number of rows filled, or a negative errno when the file is
 * missing or unreadable (the caller stores rows with status error).
 */
int ngb_sim_collect(const char *out_file, const struct ngb_cache_geometry *g, const char *prog,
		    struct ngb_counter *rows, size_t n, struct ngb_err *e);

/*
 * Fills rows with status error and reason for every simulated event, for a
 * trial whose output could not be read (valgrind failed, timeout).
 */
size_t ngb_sim_fail_rows(const struct ngb_cache_geometry *g, const char *reason,
			 struct ngb_counter *rows, size_t n);

#endif /* NGBENCH_PERFMON_H */
