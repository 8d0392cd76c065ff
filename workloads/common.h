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
 * the block's address and exits 1 instead of reporting a time.  Its level
 * is the parameter 'check': light (the default: 16-byte canaries at both
 * ends and a word per 4 KiB page, so the check costs a small fraction of
 * an operation), full (every byte), none (to measure the check's cost).
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

/* The level of wl_fill()/wl_check(), set by wl_init() from the parameter
 * 'check' when the workload has one. */
enum wl_check_level { WL_CHECK_LIGHT, WL_CHECK_FULL, WL_CHECK_NONE };
extern enum wl_check_level wl_check_level;

/* Fills [p, p+n) with the pattern of a block that starts at p and is n bytes
 * long (at the level of wl_check_level: light writes the canaries only);
 * wl_check() verifies it and, on a mismatch, reports the block and exits 1.
 * Safe for any alignment.
 *
 * The light check writes only where a wrong block shows first: 16 bytes at
 * each end (an allocator's header or free-list pointer, the next block of a
 * block that is too small, a block placed over another's tail all land
 * there) and one 8-byte word at every 4 KiB boundary inside, so that a
 * block placed inside a large one is caught too.  The words derive from a
 * key, (address ^ size << 48) times an odd constant, so two blocks with
 * different addresses or sizes write different words.  Blocks of up to
 * WL_LIGHT_ALL bytes are covered whole by the two ends: they get the full
 * pattern.  Inline, so that the check costs a few instructions per block
 * (workloads/README.md has the measured cost). */
#define WL_LIGHT_ALL 32
#define WL_LIGHT_PAGE 4096
#define WL_LIGHT_MUL 0x9e3779b97f4a7c15ULL
#define WL_LIGHT_W1 0x5851f42d4c957f2dULL
#define WL_LIGHT_W2 0x14057b7ef767814fULL
#define WL_LIGHT_W3 0x2545f4914f6cdd1dULL

void wl_fill_slow(void *p, size_t n);
void wl_check_slow(const void *p, size_t n);
void wl_light_mismatch(const void *p, size_t n, size_t off, uint64_t want)
	__attribute__((noreturn));

static inline uint64_t wl_light_key(const void *p, size_t n)
{
	return ((uint64_t)(uintptr_t)p ^ ((uint64_t)n << 48)) * WL_LIGHT_MUL;
}

static inline void wl_light_put(void *p, size_t off, uint64_t w)
{
	__builtin_memcpy((unsigned char *)p + off, &w, 8);
}

static inline void wl_light_get(const void *p, size_t n, size_t off, uint64_t want)
{
	uint64_t got;

	__builtin_memcpy(&got, (const unsigned char *)p + off, 8);
	if (__builtin_expect(got != want, 0))
		wl_light_mismatch(p, n, off, want);
}

static inline void wl_fill(void *p, size_t n)
{
	if (wl_check_level != WL_CHECK_LIGHT || n <= WL_LIGHT_ALL) {
		wl_fill_slow(p, n);
		return;
	}
	uint64_t k = wl_light_key(p, n);

	wl_light_put(p, 0, k);
	wl_light_put(p, 8, k ^ WL_LIGHT_W1);
	wl_light_put(p, n - 16, k ^ WL_LIGHT_W2);
	wl_light_put(p, n - 8, k ^ WL_LIGHT_W3);
	for (size_t off = WL_LIGHT_PAGE; off + 8 + 16 <= n; off += WL_LIGHT_PAGE)
		wl_light_put(p, off, k + off);
}

static inline void wl_check(const void *p, size_t n)
{
	if (wl_check_level != WL_CHECK_LIGHT || n <= WL_LIGHT_ALL) {
		wl_check_slow(p, n);
		return;
	}
	uint64_t k = wl_light_key(p, n);

	wl_light_get(p, n, 0, k);
	wl_light_get(p, n, 8, k ^ WL_LIGHT_W1);
	wl_light_get(p, n, n - 16, k ^ WL_LIGHT_W2);
	wl_light_get(p, n, n - 8, k ^ WL_LIGHT_W3);
	for (size_t off = WL_LIGHT_PAGE; off + 8 + 16 <= n; off += WL_LIGHT_PAGE)
		wl_light_get(p, n, off, k + off);
}
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

/*
 * Starts @n threads that call @run(arg_i) at once, with no start line, as
 * programs that time their whole run do; returns the seconds from before
 * the first thread was created until the last was joined.  Exits 77 when a
 * thread cannot be created.
 */
double wl_run_threads_as_created(int n, void (*run)(void *), void *arg_base, size_t arg_size);

#ifdef __cplusplus
}
#endif

#endif /* NGBENCH_WORKLOADS_COMMON_H */
