/*
 * workloads/common.h - what every workload program shares: option parsing
 * driven by the registry (so a program and the registry cannot disagree on
 * a name, a default or a bound), a monotonic clock, a seeded RNG, the
 * address-derived fill/check pattern of the self-check, memory for the
 * workload's own bookkeeping that does not come from the allocator under
 * test, and the result record.
 *
 * The self-check: every block a workload allocates is filled with a pattern
 * derived from the block's start address and size, and checked just before
 * it is freed.  A block that another live block overlaps, or that the
 * allocator scribbled on, no longer holds its pattern: the program prints
 * the block's address and exits 1 instead of reporting a time.
 *
 * Exit codes (include/ngbench/workload.h): 0 success, 1 failure, 2 bad
 * usage, 77 cannot run here.
 */
#ifndef NGBENCH_WORKLOADS_COMMON_H
#define NGBENCH_WORKLOADS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "ngbench/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { WL_EXIT_OK = 0, WL_EXIT_FAIL = 1, WL_EXIT_USAGE = 2, WL_EXIT_SKIP = 77 };

/*
 * Parses argv against the registry entry of @workload: --NAME=VALUE or
 * --NAME VALUE for each of its parameters, and --help.  Values that are not
 * numbers, are out of range or not among the choices are refused with the
 * option named (exit 2).  @notes is printed by --help after the options: it
 * says how this program differs from the well-known version.  Returns the
 * registry entry.
 */
const struct ngb_workload *wl_init(int argc, char **argv, const char *workload,
				   const char *notes);

/* The parsed value of a parameter (the default when not given). */
long long wl_int(const char *name);
size_t wl_size(const char *name);
double wl_double(const char *name);
const char *wl_str(const char *name);

/* Refuses (exit 2, naming both options) a @lo parameter larger than @hi. */
void wl_require_le(const char *lo, const char *hi);

/* Seconds from a monotonic clock. */
double wl_now(void);

/* xoshiro256** (Blackman & Vigna, 2018), seeded through splitmix64 from a
 * seed and a stream number, so that thread i gets the same numbers in every
 * run whatever the scheduling. */
struct wl_rng {
	uint64_t s[4];
};
void wl_rng_seed(struct wl_rng *r, uint64_t seed, uint64_t stream);
uint64_t wl_rng_next(struct wl_rng *r);
/* Uniform in [lo, hi] (inclusive). */
uint64_t wl_rng_range(struct wl_rng *r, uint64_t lo, uint64_t hi);

/* Fills [p, p+n) with the pattern of a block that starts at p and is n bytes
 * long; wl_check() verifies it and, on a mismatch, reports the block and
 * exits 1.  Byte-wise safe for any alignment. */
void wl_fill(void *p, size_t n);
void wl_check(const void *p, size_t n);
/* The pattern byte at offset i of a block that starts at p, n bytes long. */
unsigned char wl_pattern_byte(const void *p, size_t n, size_t i);

/* Reports a failed self-check (printf-style, on stderr, prefixed with the
 * program name) and exits 1 at once, without running exit handlers while
 * other threads still work. */
void wl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Same for errors that are not a self-check: exit 77 (cannot run here). */
void wl_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Zeroed memory for the workload's own bookkeeping (arrays of pointers,
 * per-thread state), taken from mmap so that it neither comes from nor
 * disturbs the allocator under test.  Exits 77 when memory runs out. */
void *wl_meta_alloc(size_t n);
void wl_meta_free(void *p, size_t n);

/* Resident set size now and its peak, in bytes (from /proc/self/status);
 * 0 when unknown. */
size_t wl_rss_now(void);
size_t wl_rss_peak(void);

/*
 * Prints the result record:
 *   ngbench-result: metric=M value=V unit=U better=lower|higher EXTRA
 * @extra_fmt (may be NULL) formats the extra " key=value" pairs.
 */
void wl_result(const char *metric, double value, const char *unit, int higher,
	       const char *extra_fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Starts @n threads; thread i calls @setup(arg_i) (when not NULL), waits
 * until every thread and the caller are at the start line, then calls
 * @run(arg_i), with arg_i = arg_base + i * arg_size.  Returns the seconds
 * from the start line until the last thread was joined, so thread creation
 * and setup are not timed.  Exits 77 when a thread cannot be created.
 */
double wl_run_threads(int n, void (*setup)(void *), void (*run)(void *), void *arg_base,
		      size_t arg_size);

#ifdef __cplusplus
}
#endif

#endif /* NGBENCH_WORKLOADS_COMMON_H */
