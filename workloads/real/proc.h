/*
 * workloads/real/proc.h - what the drivers of real programs share: running
 * a program under the allocator being measured (the trial's LD_PRELOAD and
 * witness kept) or outside it (a client: LD_PRELOAD and every NGBENCH_*
 * variable removed), a private temporary folder, timeouts, readiness checks
 * and the promise that no child outlives the driver.
 *
 * Why a driver and why it is linked statically: the harness preloads the
 * allocator and the witness into the program it starts.  A dynamically
 * linked driver would load the witness itself, which then reports the
 * driver and forgets its file descriptor, so nothing would prove what the
 * program that allocates (redis-server, sqlite3, ...) ran on.  A static
 * program ignores LD_PRELOAD: the witness first loads in the measured
 * child, which reports to the harness as any workload does, and the
 * driver's own allocations (glibc's, linked in) are never measured.
 *
 * Children: each runs with PR_SET_PDEATHSIG(SIGKILL), stays in the trial's
 * process group (the harness's timeout and Ctrl-C kill the group), and is
 * killed by the driver on every way out: a failure, SIGINT, SIGTERM,
 * SIGHUP, or the harness dying (the driver asks for SIGTERM then).
 */
#ifndef NGBENCH_WORKLOADS_REAL_PROC_H
#define NGBENCH_WORKLOADS_REAL_PROC_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How a child's environment is made. */
enum rp_env {
	RP_MEASURED, /* the driver's environment, libc.so.6 added to LD_PRELOAD */
	RP_CLEAN,    /* without LD_PRELOAD and NGBENCH_*: not measured */
};

struct rp_proc {
	const char *name;  /* for messages: "redis-server" */
	pid_t pid;         /* 0 when not running */
	int status;        /* wait status once reaped */
	char *err_path;    /* its standard error */
	double started, ended; /* rp_now() at spawn and at reaping */
};

/*
 * Sets up the driver: signal handlers, the parent-death signal, the private
 * folder (under $TMPDIR or /tmp, removed at exit).  @prog names the driver
 * in messages.
 */
void rp_init(const char *prog);
const char *rp_dir(void);
/* A path inside the private folder; the string lives until exit. */
const char *rp_path(const char *name);

/* Exits 77 with the package to install when @cmd is not found in PATH. */
void rp_require(const char *cmd, const char *package);

/*
 * Starts @argv[0] (searched in PATH).  stdin from @in_path or /dev/null,
 * stdout to @out_path (or /dev/null when NULL), stderr to a private file.
 * @cpus, when not NULL, pins it.  Exits 1 (with the reason) when it cannot
 * be started.
 */
void rp_spawn(struct rp_proc *p, char *const argv[], enum rp_env env, const char *in_path,
	      const char *out_path, const cpu_set_t *cpus);
/* Reaps @p if it has ended; 1 when it has. */
int rp_poll(struct rp_proc *p);
/* Waits for @p up to @timeout seconds; 1 when it ended, 0 on timeout. */
int rp_wait(struct rp_proc *p, double timeout);
/* Waits for @a or @b up to @timeout seconds; a mask: 1 @a ended, 2 @b. */
int rp_wait_either(struct rp_proc *a, struct rp_proc *b, double timeout);
/* Stops @p: @sig, then SIGKILL after @grace seconds; reaps it. */
void rp_stop(struct rp_proc *p, int sig, double grace);
/* 1 when @p exited with status 0. */
int rp_ok(const struct rp_proc *p);
/* "exit status 3" or "killed by signal 11 (Segmentation fault)". */
const char *rp_how(const struct rp_proc *p);

/*
 * Waits for @p (the measured program) up to @timeout seconds and fails the
 * run, with its standard error's tail, unless it exited with 0.
 */
void rp_run_ok(struct rp_proc *p, double timeout);

/* rp_spawn() + rp_run_ok() for the measured program of a one-process
 * workload: its wall time in seconds, from fork to reaping. */
double rp_measure(const char *name, char *const argv[], const char *in_path,
		  const char *out_path);

/* The last @lines lines of a file (a static buffer); "" when empty. */
const char *rp_tail(const char *path, int lines);
/* The whole file, NUL-terminated, or NULL; *len (if given) its length. */
char *rp_slurp(const char *path, size_t *len);
/* Writes @len bytes to a new file @path; exits 1 on error. */
void rp_write_file(const char *path, const char *text, size_t len);

/* Fails the run (exit 1) or gives up here (exit 77): message on stderr,
 * children killed, the private folder removed. */
void rp_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void rp_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* rp_fail() for a child: what happened to it and its stderr's tail. */
void rp_fail_proc(const struct rp_proc *p, const char *what) __attribute__((noreturn));

/* Splits the CPUs the driver may use: one for the server, the rest for the
 * client.  0 when there are fewer than two (nothing is pinned then). */
int rp_split_cpus(cpu_set_t *server, cpu_set_t *client);

/* Readiness: a Unix socket or 127.0.0.1:port accepts a connection. */
int rp_can_connect_unix(const char *path);
int rp_can_connect_tcp(int port);
/* 1 when 127.0.0.1:port cannot be bound because it is in use. */
int rp_port_in_use(int port);
/* A connected socket to a Unix socket path, or -1. */
int rp_connect_unix(const char *path);

/* Resident set size and its peak of a running process, in KiB; -1 unknown. */
long rp_proc_rss_kb(pid_t pid, int peak);

double rp_now(void);
void rp_sleep(double s);
/* Exits when a signal asked the driver to stop (call from wait loops). */
void rp_check_signals(void);

/* Text buffer for generated inputs. */
struct rp_buf {
	char *p;
	size_t len, cap;
};
void rp_printf(struct rp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rp_buf_free(struct rp_buf *b);

/* FNV-1a 64 over bytes, continuing from @h (start with RP_FNV_INIT). */
#define RP_FNV_INIT 0xcbf29ce484222325ull
uint64_t rp_fnv(uint64_t h, const void *p, size_t n);

/*
 * The checksum the Lua and Python scripts compute, computed here too: per
 * round, @n values of a 64-bit LCG (see rp_lcg_next) reduced mod 1000003
 * are sorted and folded into h = (h * 31 + v) mod 2^32.
 */
uint64_t rp_lcg_next(uint64_t *state);
uint32_t rp_sorted_fold(uint64_t seed, long rounds, long n, uint64_t *joined_bytes);

/*
 * Runs a measured program whose standard output holds a line
 * "ngb-checksum TOTAL BYTES" (the Lua and Python scripts) and fails unless
 * both match rp_sorted_fold(); returns the checksum.
 */
uint32_t rp_check_fold(const char *out_path, const char *who, uint64_t seed, long rounds,
		       long n);

#endif /* NGBENCH_WORKLOADS_REAL_PROC_H */
