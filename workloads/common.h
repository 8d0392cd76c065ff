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
 * is the parameter 'check': light (the default: 16-byte canaries at the
 * head of every block and at the tail of one block in 8, and a word per
 * 4 KiB page, so the check costs a small fraction of an operation), full
 * (every byte), none (to measure the check's cost).
 *
 * Exit codes (include/ngbench/workload.h): 0 success, 1 failure, 2 bad
 * usage, 77 cannot run here.
 */
#ifndef NGBENCH_WORKLOADS_COMMON_H
#define NGBENCH_WORKLOADS_COMMON_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
 * run whatever the scheduling.  Inline: larson draws two numbers per
 * operation, and a call costs as much as a fast allocator's malloc. */
struct wl_rng {
	uint64_t s[4];
};
void wl_rng_seed(struct wl_rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t wl_rng_next(struct wl_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5;
	uint64_t result = ((x << 7) | (x >> 57)) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}

/* Uniform in [lo, hi] (inclusive): Lemire's multiply-shift (the tiny bias
 * does not matter here). */
static inline uint64_t wl_rng_range(struct wl_rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo + 1;

	if (span == 0)
		return wl_rng_next(r);
	return lo + (uint64_t)(((unsigned __int128)wl_rng_next(r) * span) >> 64);
}

/* The level of wl_fill()/wl_check(), set by wl_init() from the parameter
 * 'check' when the workload has one. */
enum wl_check_level { WL_CHECK_LIGHT, WL_CHECK_FULL, WL_CHECK_NONE };
extern enum wl_check_level wl_check_level;

/* Fills [p, p+n) with the pattern of a block that starts at p and is n bytes
 * long (at the level of wl_check_level: light writes the canaries only);
 * wl_check() verifies it and, on a mismatch, reports the block and exits 1.
 * Safe for any alignment.
 *
 * The light check writes few words, where a wrong block shows first, and
 * only on the block's first cache line but for a sample.  The words are a
 * key, (address ^ size << 48) times an odd constant, so two blocks with
 * different addresses or sizes write different bytes:
 *   - the head: the first 16 bytes, on every block (an allocator's header
 *     or free-list pointer, a block placed over another's start land
 *     there);
 *   - the tail: the last 16 bytes (the next block of a block that is too
 *     small, a block placed over another's tail land there) on one block
 *     in 8, those whose key has its top three bits zero (spread over
 *     addresses and sizes; fill and check agree), and on every block that
 *     gets page words.  On the others the two words go over the head's
 *     again: the offset is (n - 16) & mask, so no branch mispredicts.  A
 *     tail on every block cost tcmalloc a third to a half of its larson
 *     throughput (its blocks are dense in spans: the tail is another cache
 *     line, which the allocator never touches); one in 8 still catches a
 *     wrong block within a few dozen blocks;
 *   - blocks of 4 KiB + 24 bytes and more: one 8-byte word at every 4 KiB
 *     boundary inside, so that a page-aligned block placed inside a large
 *     one is caught.
 * Blocks of 8 to 31 bytes are covered whole, by words at both ends that
 * overlap (byte i of the block is byte i % 8 of the key, so they agree);
 * blocks under 8 bytes get the full pattern.  Inline (workloads/README.md
 * has the measured cost). */
#define WL_LIGHT_MIN 8
#define WL_LIGHT_SMALL 32
#define WL_LIGHT_PAGE 4096
#define WL_LIGHT_SAMPLE_SHIFT 61 /* the tail of one block in 2^(64 - 61) = 8 */
#define WL_LIGHT_MUL 0x9e3779b97f4a7c15ULL

void wl_fill_slow(void *p, size_t n);
void wl_check_slow(const void *p, size_t n);
void wl_light_mismatch(const void *p, size_t n) __attribute__((noreturn, cold));

static inline uint64_t wl_light_key(const void *p, size_t n)
{
	return ((uint64_t)(uintptr_t)p ^ ((uint64_t)n << 48)) * WL_LIGHT_MUL;
}

/* Where the second pair of words of a block of n >= WL_LIGHT_SMALL bytes
 * with key k goes: its last 16 bytes when sampled, else over the head. */
static inline size_t wl_light_tail(size_t n, uint64_t k)
{
	return (n - 16) & -(size_t)((k >> WL_LIGHT_SAMPLE_SHIFT) == 0);
}

/* The word at offset off of a small block with key k: the key rotated so
 * that byte i of the block is byte i % 8 of the key. */
static inline uint64_t wl_light_word(uint64_t k, size_t off)
{
	unsigned s = (unsigned)(off & 7) * 8;

	return (k >> s) | (k << (-s & 63)); /* one ror */
}

static inline void wl_light_put(void *p, size_t off, uint64_t w)
{
	__builtin_memcpy((unsigned char *)p + off, &w, 8);
}

static inline uint64_t wl_light_get(const void *p, size_t off)
{
	uint64_t got;

	__builtin_memcpy(&got, (const unsigned char *)p + off, 8);
	return got;
}

/* check=none returns before any call: the reference preset runs the
 * reference's loop, which has no call between its allocator calls. */
static inline void wl_fill(void *p, size_t n)
{
	if (wl_check_level != WL_CHECK_LIGHT || n < WL_LIGHT_MIN) {
		if (wl_check_level != WL_CHECK_NONE)
			wl_fill_slow(p, n);
		return;
	}
	uint64_t k = wl_light_key(p, n);

	wl_light_put(p, 0, k);
	if (n < WL_LIGHT_SMALL) {
		uint64_t t = wl_light_word(k, n);

		wl_light_put(p, n - 8, t);
		if (n >= 16) {
			wl_light_put(p, 8, k);
			wl_light_put(p, n - 16, t);
		}
		return;
	}
	size_t off = wl_light_tail(n, k);

	wl_light_put(p, 8, k);
	wl_light_put(p, off, k);
	wl_light_put(p, off + 8, k);
	if (__builtin_expect(n >= WL_LIGHT_PAGE + 24, 0)) {
		for (size_t o = WL_LIGHT_PAGE; o + 8 + 16 <= n; o += WL_LIGHT_PAGE)
			wl_light_put(p, o, k + o);
		wl_light_put(p, n - 16, k);
		wl_light_put(p, n - 8, k);
	}
}

static inline void wl_check(const void *p, size_t n)
{
	if (wl_check_level != WL_CHECK_LIGHT || n < WL_LIGHT_MIN) {
		if (wl_check_level != WL_CHECK_NONE)
			wl_check_slow(p, n);
		return;
	}
	uint64_t k = wl_light_key(p, n), bad;

	if (n < WL_LIGHT_SMALL) {
		uint64_t t = wl_light_word(k, n);

		bad = (wl_light_get(p, 0) ^ k) | (wl_light_get(p, n - 8) ^ t);
		if (n >= 16)
			bad |= (wl_light_get(p, 8) ^ k) | (wl_light_get(p, n - 16) ^ t);
	} else {
		size_t off = wl_light_tail(n, k);

		bad = (wl_light_get(p, 0) ^ k) | (wl_light_get(p, 8) ^ k) |
		      (wl_light_get(p, off) ^ k) | (wl_light_get(p, off + 8) ^ k);
		if (__builtin_expect(n >= WL_LIGHT_PAGE + 24, 0)) {
			for (size_t o = WL_LIGHT_PAGE; o + 8 + 16 <= n; o += WL_LIGHT_PAGE)
				bad |= wl_light_get(p, o) ^ (k + o);
			bad |= (wl_light_get(p, n - 16) ^ k) | (wl_light_get(p, n - 8) ^ k);
		}
	}
	if (__builtin_expect(bad != 0, 0))
		wl_light_mismatch(p, n);
}
/* Calls FN(ARGS..., checked) with 'checked' a constant, 0 under
 * check=none and 1 otherwise: a hot loop written as an always-inline FN
 * that calls wl_fill()/wl_check() only 'if (checked)' is then compiled
 * apart for check=none, with no test of the level in it, as the originals
 * have none.  In a loop of a few nanoseconds those tests and the jumps to
 * check code laid out of line cost up to a fifth of an allocator's time
 * (workloads/README.md); the reference presets run check=none. */
#define WL_BY_CHECK(fn, ...) \
	(wl_check_level == WL_CHECK_NONE ? fn(__VA_ARGS__, 0) : fn(__VA_ARGS__, 1))

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

/*
 * C++'s operator new[](size_t) and operator delete[](void *) (by their
 * Itanium ABI names _Znam and _ZdaPv), for workloads that model C++
 * programs: the allocator's own when it defines them (jemalloc, tcmalloc,
 * mimalloc), else libstdc++'s, which call malloc and free (glibc), loaded
 * with dlopen when the program does not have it.  When neither can be
 * found, malloc and free themselves.  Returns what was found,
 * "operator-new" or "malloc", for the result record.  Inline, so that the
 * statically linked drivers of workloads/real/, which never call it, do
 * not link dlopen.
 */
static inline void *wl_new_with_malloc(size_t n)
{
	return malloc(n);
}

static inline const char *wl_cxx_new(void *(**op_new)(size_t), void (**op_delete)(void *))
{
	void *h;

	*op_new = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "_Znam");
	*op_delete = (void (*)(void *))dlsym(RTLD_DEFAULT, "_ZdaPv");
	if ((!*op_new || !*op_delete) && (h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL))) {
		*op_new = (void *(*)(size_t))dlsym(h, "_Znam");
		*op_delete = (void (*)(void *))dlsym(h, "_ZdaPv");
	}
	if (*op_new && *op_delete)
		return "operator-new";
	*op_new = wl_new_with_malloc;
	*op_delete = free;
	return "malloc";
}

/* Resident set size now and its peak, in bytes (from /proc/self/status);
 * 0 when unknown. */
size_t wl_rss_now(void);
size_t wl_rss_peak(void);
/* Resets the peak that wl_rss_peak() reads to the resident set now, where the
 * kernel allows it (/proc/self/clear_refs): 0; else -1, and the peak keeps
 * counting from the program's start. */
int wl_rss_reset_peak(void);

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
 * from the first thread leaving the start line (its own clock) until the
 * last thread was joined, so thread creation and setup are not timed.  Exits 77 when a thread cannot be created.
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
