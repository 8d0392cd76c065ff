/*
 * allocators/profile/shim.c - libngbench-profile.so, the allocation profiler
 * of `ngbench run --profile` (issue 9).
 *
 * Preloaded in front of the allocator under test (LD_PRELOAD=this:allocator:
 * witness), it defines the allocator's entry points, counts each call and
 * forwards it to the next definition in the search order (dlsym(RTLD_NEXT)).
 * At exit it writes one text file, named by $NGBENCH_PROFILE_OUT, that
 * harness/profile.c reads:
 *
 *   - calls to each function, bytes requested, requested sizes in
 *     power-of-two bins;
 *   - peak live requested bytes and objects (the denominator of the Hoard
 *     paper's fragmentation, Berger et al., ASPLOS 2000, section 2);
 *   - frees made by a thread other than the allocating one;
 *   - the latency of every 256th malloc and free of each thread, in time-stamp
 *     counter ticks, in log-spaced bins (8 per octave), with the counter's
 *     frequency estimated against CLOCK_MONOTONIC over the run.
 *
 * Rules that keep it safe inside any program:
 *
 *   - It never calls malloc.  Its memory comes from mmap; dlsym, which may
 *     allocate while the entry points are resolved, is served from a small
 *     static arena whose blocks are never forwarded to the real free.
 *   - Calls made while a call of the same thread is inside the shim (an
 *     allocator whose calloc calls malloc, the C library's reallocarray that
 *     calls realloc) are forwarded without being counted and without a
 *     header, so each of the program's calls is counted once.
 *   - Counters are per thread (written only by their owner: no locked
 *     instructions) in blocks that a thread takes on its first call and gives
 *     back at exit for the next new thread to keep adding to; the dump at exit
 *     sums them while other threads may still run.
 *   - Each block has a 16-byte header in front (requested size, allocating
 *     thread, offset, check value): the allocator is asked for that much
 *     more, so profile trials are never timing trials.  Pointers without the
 *     header are forwarded untouched and counted.
 *   - Peak live bytes: each thread keeps its own delta and folds it into the
 *     shared total when it exceeds 64 KiB (objects: 256, checked by every
 *     call but the fast paths'); the peak is checked against the shared total
 *     plus the thread's own delta at the thread's local highs (before a free
 *     or a fold lowers the delta, and at the dump), not at every allocation.
 *     Exact for one thread; with T threads it may miss at most (T - 1) x
 *     64 KiB (x 512 objects) of other threads' unfolded deltas.
 *
 * Only the first process writes: the variable is removed from the
 * environment at start-up (programs it executes are not profiled) and a
 * forked child, whose pid differs, does not write at its exit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

#include "ngbench/ipc.h"
#include "../common/bootstrap_arena.h"
#define HAVE_TSC 1
#endif

#define FORMAT_VERSION 1

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* The entry points, in the order of the output. */
#define PROFILE_C_CALLS(X) \
	X(malloc) X(free) X(calloc) X(realloc) X(reallocarray) X(memalign)     \
	X(posix_memalign) X(aligned_alloc) X(valloc) X(pvalloc) X(malloc_usable_size)
/* C++'s operators new and delete, all forms of each counted together */
#define PROFILE_CALLS(X) PROFILE_C_CALLS(X) X(operator_new) X(operator_delete)

enum call {
#define CALL_ENUM(n) CALL_##n,
	PROFILE_CALLS(CALL_ENUM)
#undef CALL_ENUM
	NCALLS
};

static const char *const call_names[] = {
#define CALL_NAME(n) #n,
	PROFILE_CALLS(CALL_NAME)
#undef CALL_NAME
};

/* The next definitions (the allocator under test, or the C library). */
static struct {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*reallocarray)(void *, size_t, size_t);
	void *(*memalign)(size_t, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
} next;

/* ---- memory of the shim itself: mmap only ------------------------------- */

static atomic_size_t mapped_bytes, mapped_peak;   /* never given back */

static void *map_pages(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t now, peak;

	if (p == MAP_FAILED)
		return NULL;
	now = atomic_fetch_add_explicit(&mapped_bytes, n, memory_order_relaxed) + n;
	peak = atomic_load_explicit(&mapped_peak, memory_order_relaxed);
	while (now > peak && !atomic_compare_exchange_weak_explicit(&mapped_peak, &peak, now,
								     memory_order_relaxed,
								     memory_order_relaxed))
		;
	return p;
}

/* dlsym's allocations: allocators/common/bootstrap_arena.h.  The 8 bytes
 * after an arena block stay zero, where a block of the shim has its nonzero
 * check value. */

/* ---- time ---------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The time-stamp counter, fenced so that the measured call neither starts
 * before the first read nor finishes after the second: lfence waits for the
 * instructions before it to complete (on AMD with the setting Linux makes
 * for its Spectre mitigations).  Not rdtscp: some virtual CPUs do not offer
 * it (this project's CI machine does not list it, and valgrind then stops
 * the program at it).  It ticks at a constant reference rate, not the
 * core's current clock.
 */
static inline uint64_t ticks_begin(void)
{
#ifdef HAVE_TSC
	_mm_lfence();
	return __rdtsc();
#else
	return mono_ns();
#endif
}

static inline uint64_t ticks_end(void)
{
#ifdef HAVE_TSC
	uint64_t t;

	_mm_lfence();
	t = __rdtsc();
	_mm_lfence();
	return t;
#else
	return mono_ns();
#endif
}

/* ---- per-thread statistics ---------------------------------------------- */

#define SIZE_BINS 65          /* bin 0: size 0; bin b: [2^(b-1), 2^b) */
#define LAT_SUB 8             /* latency bins per octave */
#define LAT_BINS 496          /* up to 2^63 ticks */
#define SAMPLE_EVERY 256      /* one malloc (free) in 256 is timed: the fast paths test the low byte */
_Static_assert(SAMPLE_EVERY == 256, "the fast paths sample when a count's low byte is 0");
#define FLUSH_BYTES (64 * 1024)
#define FLUSH_OBJECTS 256

enum { LAT_MALLOC, LAT_FREE, NLAT };
static const char *const lat_names[] = { "malloc_ticks", "free_ticks" };

typedef _Atomic uint64_t counter;

struct tstats {
	/*
	 * The sampling ticks: every malloc and every free of a block with a
	 * header, so they are also those calls' counts (calls[] holds the
	 * others: frees of NULL and of foreign pointers).  One add a call less.
	 */
	counter tick[NLAT];
	/* the owner's own, never read by others: first, on the hot lines */
	uint32_t serial;              /* which thread owns it now: never 0 */
	uint32_t owner_tag;           /* serial << 8, as block headers hold it */
	/* the header's second word for this thread's malloc: tag, shift, check */
	uint64_t own_word;
	/* interleaved, so that the compiler does not pack their updates into
	 * vector instructions (slower here than two adds) */
	int64_t delta_bytes, hi_bytes;       /* hi: the highest delta since the last fold */
	int64_t delta_objects, hi_objects;
	int64_t peak_seen_bytes, peak_seen_objects;
	counter calls[NCALLS];
	counter bytes, free_null, remote_frees, failed;
	counter size_hist[SIZE_BINS];
	counter lat[NLAT][LAT_BINS];
	counter lat_max[NLAT], lat_samples[NLAT];
	atomic_int in_use;
	struct tstats *next_block;
};

/*
 * A counter only its owner thread writes: no locked instruction needed.  On
 * x86-64 one add to memory (an aligned 8-byte store is single-copy atomic, so
 * the dump's relaxed loads see whole values), elsewhere a relaxed load and
 * store, which compilers do not fuse.
 */
static inline void bump(counter *c, uint64_t n)
{
#ifdef __x86_64__
	__asm__("addq %1, %0" : "+m"(*(uint64_t *)c) : "er"(n));
#else
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
#endif
}

static inline uint64_t get(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static _Atomic(struct tstats *) blocks;
static atomic_uint thread_serial;
static pthread_key_t release_key;
static int have_release_key;

/*
 * The thread's state, in one initial-exec TLS block: a preloaded library's TLS
 * is static, reaching it never calls __tls_get_addr (which may allocate), and
 * one block costs the fast paths one offset load instead of one per variable.
 */
enum { ST_FRESH, ST_OUT, ST_IN };
static __thread struct {
	struct tstats *stats;   /* the counters, or NULL */
	/*
	 * Where the thread is: ST_OUT outside the shim with its counters ready
	 * (the one state of the fast path), ST_IN inside a call of the shim
	 * (calls made from there are forwarded without being counted), ST_FRESH
	 * otherwise (a new thread, the entry points not yet known, no counters,
	 * or exiting).
	 */
	int state;
	/* kept for the thread's life, also when it calls again after its block went back */
	uint32_t serial;
	/*
	 * Set when the thread's block went back at its exit.  The C library
	 * still frees thread buffers after the key destructors; such calls take
	 * a block for the call only, so that blocks keep being reused.
	 */
	int exiting;
} tl __attribute__((tls_model("initial-exec")));
#define tl_stats tl.stats
#define tl_state tl.state
#define tl_serial tl.serial
#define tl_exiting tl.exiting

static atomic_llong live_bytes, live_objects, peak_bytes, peak_objects;

static void raise_peak(atomic_llong *peak, int64_t now, int64_t *seen)
{
	long long old = atomic_load_explicit(peak, memory_order_relaxed);

	while (now > old && !atomic_compare_exchange_weak_explicit(peak, &old, now,
								   memory_order_relaxed,
								   memory_order_relaxed))
		;
	*seen = now > old ? now : old;
}

/*
 * The peaks are checked lazily, at the thread's local highs.  The live total
 * peaks just before something is taken from it, so a thread checks its own
 * delta before a free lowers it, before a fold resets it, and when the file
 * is written; an allocation only adds.  And only when the delta is above the
 * highest one checked since the last fold: the shared total changes only by
 * folds, whose sums the folding threads have checked.  Exact for one thread;
 * a run of allocations costs no check at all, a check reads the shared total.
 */
static __attribute__((noinline)) void check_peaks(struct tstats *t)
{
	if (t->delta_bytes > t->hi_bytes) {
		int64_t b = atomic_load_explicit(&live_bytes, memory_order_relaxed) + t->delta_bytes;

		t->hi_bytes = t->delta_bytes;
		if (b > t->peak_seen_bytes)
			raise_peak(&peak_bytes, b, &t->peak_seen_bytes);
	}
	if (t->delta_objects > t->hi_objects) {
		int64_t o = atomic_load_explicit(&live_objects, memory_order_relaxed) +
			    t->delta_objects;

		t->hi_objects = t->delta_objects;
		if (o > t->peak_seen_objects)
			raise_peak(&peak_objects, o, &t->peak_seen_objects);
	}
}

static inline void note_peaks(struct tstats *t)
{
	if (unlikely(t->delta_bytes > t->hi_bytes || t->delta_objects > t->hi_objects))
		check_peaks(t);
}

static void fold_delta(struct tstats *t)
{
	note_peaks(t);
	if (t->delta_bytes)
		atomic_fetch_add_explicit(&live_bytes, t->delta_bytes, memory_order_relaxed);
	if (t->delta_objects)
		atomic_fetch_add_explicit(&live_objects, t->delta_objects, memory_order_relaxed);
	t->delta_bytes = t->delta_objects = 0;
	t->hi_bytes = t->hi_objects = 0;
}

static void release_block(void *arg)
{
	struct tstats *t = arg;

	fold_delta(t);
	tl_stats = NULL;
	tl_exiting = 1;
	tl_state = ST_FRESH;
	atomic_store_explicit(&t->in_use, 0, memory_order_release);
}

static inline uint64_t own_word(uint32_t serial);   /* with the header, below */

static struct tstats *acquire_block(void)
{
	struct tstats *t;
	int zero;

	for (t = atomic_load_explicit(&blocks, memory_order_acquire); t; t = t->next_block) {
		zero = 0;
		if (atomic_load_explicit(&t->in_use, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_strong(&t->in_use, &zero, 1))
			break;
	}
	if (!t) {
		t = map_pages(sizeof(*t));
		if (!t)
			return NULL;
		atomic_init(&t->in_use, 1);
		t->next_block = atomic_load_explicit(&blocks, memory_order_relaxed);
		while (!atomic_compare_exchange_weak_explicit(&blocks, &t->next_block, t,
							       memory_order_release,
							       memory_order_relaxed))
			;
	}
	if (!tl_serial)
		tl_serial = atomic_fetch_add_explicit(&thread_serial, 1, memory_order_relaxed) + 1;
	t->serial = tl_serial;
	t->owner_tag = tl_serial << 8;
	t->own_word = own_word(tl_serial);
	t->peak_seen_bytes = t->peak_seen_objects = 0;
	t->hi_bytes = t->delta_bytes;
	t->hi_objects = t->delta_objects;
	tl_stats = t;
	/* given back when the thread exits (keys below 32 never allocate) */
	if (have_release_key && !tl_exiting)
		pthread_setspecific(release_key, t);
	return t;
}

static inline struct tstats *self(void)
{
	struct tstats *t = tl_stats;

	return likely(t != NULL) ? t : acquire_block();
}

static inline void fold_if_far(struct tstats *t)
{
	if (unlikely((uint64_t)(t->delta_bytes + FLUSH_BYTES) > 2 * FLUSH_BYTES ||
		     (uint64_t)(t->delta_objects + FLUSH_OBJECTS) > 2 * FLUSH_OBJECTS))
		fold_delta(t);
}

/* An allocation of bytes: the deltas only (the peaks are checked before they fall). */
static inline void live_grow(struct tstats *t, int64_t bytes)
{
	t->delta_bytes += bytes;
	t->delta_objects++;
}

static inline void live_add(struct tstats *t, int64_t bytes)
{
	live_grow(t, bytes);
	fold_if_far(t);
}

/* A block leaves: the peaks checked at this local high, then the deltas. */
static inline void live_shrink(struct tstats *t, int64_t bytes)
{
	note_peaks(t);
	t->delta_bytes -= bytes;
	t->delta_objects--;
}

static inline void live_sub(struct tstats *t, int64_t bytes)
{
	live_shrink(t, bytes);
	fold_if_far(t);
}

/*
 * The fast paths check the bytes only.  Their objects are checked against
 * FLUSH_OBJECTS at every sampled malloc and free (one in SAMPLE_EVERY of
 * each, through the general path), so between two checks they add at most
 * SAMPLE_EVERY - 1 mallocs (or take SAMPLE_EVERY - 1 frees) to the
 * FLUSH_OBJECTS that a check leaves.  The shared totals are touched only by
 * a fold, never at every sample: with several threads their cache line
 * would move between cores a few times per 256 calls.
 */
#define OBJECTS_BOUND (FLUSH_OBJECTS + SAMPLE_EVERY)

/* An allocation only raises the delta, a free only lowers it: one bound each. */
static inline void live_add_fast(struct tstats *t, int64_t bytes)
{
	live_grow(t, bytes);
	if (unlikely(t->delta_bytes > FLUSH_BYTES))
		fold_delta(t);
}

static inline void live_sub_fast(struct tstats *t, int64_t bytes)
{
	live_shrink(t, bytes);
	if (unlikely(t->delta_bytes < -FLUSH_BYTES))
		fold_delta(t);
}

static inline unsigned size_bin(size_t n)
{
	return n ? 64 - (unsigned)__builtin_clzll((unsigned long long)n) : 0;
}

static inline void count_request(struct tstats *t, size_t n)
{
	bump(&t->bytes, n);
	bump(&t->size_hist[size_bin(n)], 1);
}

/*
 * The same for n below 2^63 (the fast path's requests): the bin is the
 * highest bit of 2n + 1, which is never 0, so one bsr and no branch.
 */
static inline void count_small_request(struct tstats *t, size_t n)
{
	uint64_t b, x = 2 * (uint64_t)n + 1;

#ifdef __x86_64__
	__asm__("bsrq %1, %0" : "=r"(b) : "rm"(x));   /* as a 64-bit index */
#else
	b = 63 - (unsigned)__builtin_clzll(x);
#endif
	bump(&t->bytes, n);
	bump(&t->size_hist[b], 1);
}

/* Bins 0-7 hold 0-7 ticks; above, 8 bins per octave by the 3 bits after the leading one. */
static inline unsigned lat_bin(uint64_t v)
{
	unsigned oct, b;

	if (v < LAT_SUB)
		return (unsigned)v;
	oct = 63 - (unsigned)__builtin_clzll(v);
	b = (oct - 2) * LAT_SUB + (unsigned)((v >> (oct - 3)) & (LAT_SUB - 1));
	return b < LAT_BINS ? b : LAT_BINS - 1;
}

static void lat_bounds(unsigned b, uint64_t *lo, uint64_t *hi)
{
	unsigned oct;

	if (b < LAT_SUB) {
		*lo = b;
		*hi = b + 1;
		return;
	}
	oct = b / LAT_SUB + 2;
	*lo = (uint64_t)(LAT_SUB + b % LAT_SUB) << (oct - 3);
	*hi = *lo + (UINT64_C(1) << (oct - 3));
	if (*hi < *lo)
		*hi = UINT64_MAX; /* the last bin: open above */
}

static inline void record_latency(struct tstats *t, int k, uint64_t v)
{
	bump(&t->lat[k][lat_bin(v)], 1);
	bump(&t->lat_samples[k], 1);
	if (v > get(&t->lat_max[k]))
		atomic_store_explicit(&t->lat_max[k], v, memory_order_relaxed);
}

/* Counts the call (owner-written, see bump) and tells whether to time it. */
static inline int sample_now(struct tstats *t, int k)
{
	uint64_t v = get(&t->tick[k]) + 1;

	atomic_store_explicit(&t->tick[k], v, memory_order_relaxed);
	return (v & (SAMPLE_EVERY - 1)) == 0;
}

/* ---- the block header ----------------------------------------------------- */

/*
 * Each block the shim hands out carries 16 bytes in front of the pointer the
 * program sees: the requested size, and a tag of the allocating thread's
 * serial, the offset of the program's pointer from the next allocator's block
 * and a constant, nonzero check value (one compare; free clears it, so no
 * stale copy survives).  Reading it at free touches the block's own cache
 * line (the allocator is about to touch it too), where a side table costs a
 * cache miss and shared lock traffic per free.
 *
 * The offset is 16 for malloc, calloc and realloc (so the allocator's 16-byte
 * alignment is kept) and the alignment (at least 16) for the memalign family,
 * which keeps the program's alignment; it is a power of two, stored as its
 * logarithm.  A pointer whose check value does not match was not handed out
 * by this shim (or was freed already: free clears the check value): it is
 * forwarded unchanged and counted.
 */
#define HDR_BYTES 16
#define HDR_SHIFT 4                   /* log2(HDR_BYTES) */
#define HDR_CHECK UINT32_C(0x9f0a7c35)

struct hdr {
	uint64_t size;                /* requested bytes */
	uint32_t owner_shift;         /* thread serial << 8 | log2(offset) */
	uint32_t check;               /* HDR_CHECK; 0 once freed */
};

/* Not 0: a freed block (cleared) or an arena block (zero there) fails it. */
static inline uint32_t hdr_check(const void *q)
{
	(void)q;
	return HDR_CHECK;
}

static inline struct hdr *hdr_of(void *q)
{
	return (struct hdr *)((unsigned char *)q - HDR_BYTES);
}

/* Writes the header in the block at base and returns the program's pointer. */
static inline uint64_t hdr_word(uint32_t serial, unsigned shift);

/* Writes the header (its second word given whole) in the block at base. */
static inline void *hdr_write(void *base, unsigned shift, size_t n, uint64_t word)
{
	unsigned char *q = (unsigned char *)base + ((size_t)1 << shift);
	struct hdr *h = hdr_of(q);

	h->size = n;
	__builtin_memcpy(&h->owner_shift, &word, sizeof(word));
	return q;
}

static inline void *hdr_put(void *base, unsigned shift, size_t n, uint32_t serial)
{
	return hdr_write(base, shift, n, hdr_word(serial, shift));
}

/* The header's second 8 bytes as one word (owner_shift, then check); the
 * shim is built with -fno-builtin, so the fast paths name __builtin_memcpy. */
static inline uint64_t hdr_word(uint32_t serial, unsigned shift)
{
	struct hdr h = { 0, serial << 8 | shift, HDR_CHECK };
	uint64_t w;

	__builtin_memcpy(&w, &h.owner_shift, sizeof(w));
	return w;
}

/* The word of a block this thread's malloc hands out (offset HDR_BYTES). */
static inline uint64_t own_word(uint32_t serial)
{
	return hdr_word(serial, HDR_SHIFT);
}

_Static_assert(offsetof(struct hdr, check) == offsetof(struct hdr, owner_shift) + 4,
	       "owner_shift and check form one word");

static inline int hdr_ours(void *q)
{
	return hdr_of(q)->check == hdr_check(q);
}

static inline void *hdr_base(void *q)
{
	return (unsigned char *)q - ((size_t)1 << (hdr_of(q)->owner_shift & 0xff));
}

/* The bytes to ask the next allocator for, saturated: a request that
 * overflows fails there as it should. */
static inline size_t with_offset(size_t n, unsigned shift)
{
	size_t m;

	return __builtin_add_overflow(n, (size_t)1 << shift, &m) ? SIZE_MAX : m;
}

/* log2 of the offset for alignment a: a rounded up to a power of two (as
 * glibc's memalign does), at least the header. */
static inline unsigned align_shift(size_t a)
{
	unsigned s = a <= HDR_BYTES ? HDR_SHIFT : 64 - (unsigned)__builtin_clzll(a - 1);

	return s < 63 ? s : 63;
}

/* Blocks of the bootstrap arena passed to free or realloc, and pointers
 * without a header (rare: shared among threads). */
static atomic_ullong arena_frees, unknown_frees;

/* ---- blocks at the start of a page ---------------------------------------- */

/*
 * The header of a pointer less than 16 bytes past a page boundary is on the
 * page before.  For a block the shim handed out that page is the block's
 * own; for a pointer it did not hand out (an allocator's own entry points
 * that bypass the shim, e.g. jemalloc's mallocx, or a block at the start of
 * a mapping) it may be unmapped, and reading there faults.  So the shim
 * remembers the blocks it hands out at such places (rare: the memalign
 * family with page alignment, or an allocator's block that happens to sit
 * 16 bytes before a page boundary) and reads the header of such a pointer
 * only when it is one of them.  An open-addressing set of addresses under a
 * spin lock, in its own mappings; edge_lost says it once had no memory to
 * grow, and then such pointers are read as any other.
 */
#define EDGE(p) (((uintptr_t)(p) & 0xff0) == 0)
#define EDGE_EMPTY ((uintptr_t)0)
#define EDGE_GONE ((uintptr_t)1)

static atomic_flag edge_lock = ATOMIC_FLAG_INIT;
static uintptr_t *edge_tab;
static size_t edge_cap, edge_used; /* used: entries and tombstones */
static int edge_lost;

static void edge_acquire(void)
{
	while (atomic_flag_test_and_set_explicit(&edge_lock, memory_order_acquire))
		sched_yield();
}

static void edge_release(void)
{
	atomic_flag_clear_explicit(&edge_lock, memory_order_release);
}

static size_t edge_slot(uintptr_t a, size_t cap)
{
	return (size_t)((a >> 12) * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (cap - 1);
}

/* Doubles the table (or makes the first); under the lock. */
static int edge_grow(void)
{
	size_t cap = edge_cap ? 2 * edge_cap : 1024, i, j;
	uintptr_t *tab = map_pages(cap * sizeof(*tab));

	if (!tab)
		return -1;
	for (i = 0; i < edge_cap; i++)
		if (edge_tab[i] > EDGE_GONE) {
			for (j = edge_slot(edge_tab[i], cap); tab[j]; j = (j + 1) & (cap - 1))
				;
			tab[j] = edge_tab[i];
		}
	if (edge_tab) {
		munmap(edge_tab, edge_cap * sizeof(*tab));
		atomic_fetch_sub_explicit(&mapped_bytes, edge_cap * sizeof(*tab), memory_order_relaxed);
	}
	for (edge_used = 0, i = 0; i < cap; i++)
		edge_used += tab[i] != EDGE_EMPTY;
	edge_tab = tab;
	edge_cap = cap;
	return 0;
}

/* Where a is in the table, or -1. */
static ptrdiff_t edge_find(uintptr_t a)
{
	size_t i;

	if (!edge_cap)
		return -1;
	for (i = edge_slot(a, edge_cap); edge_tab[i] != EDGE_EMPTY; i = (i + 1) & (edge_cap - 1))
		if (edge_tab[i] == a)
			return (ptrdiff_t)i;
	return -1;
}

/* Returns q, so that a caller need not keep it across the call. */
static __attribute__((noinline)) void *edge_add(void *q)
{
	uintptr_t a = (uintptr_t)q;
	size_t i;

	edge_acquire();
	if ((edge_used + 1) * 2 > edge_cap && edge_grow()) {
		edge_lost = 1;
	} else {
		for (i = edge_slot(a, edge_cap); edge_tab[i] > EDGE_GONE; i = (i + 1) & (edge_cap - 1))
			;
		edge_used += edge_tab[i] == EDGE_EMPTY;
		edge_tab[i] = a;
	}
	edge_release();
	return q;
}

static __attribute__((noinline)) int edge_has(const void *p)
{
	int found;

	edge_acquire();
	found = edge_lost || edge_find((uintptr_t)p) >= 0;
	edge_release();
	return found;
}

static __attribute__((noinline)) void edge_del(const void *p)
{
	ptrdiff_t i;

	edge_acquire();
	if ((i = edge_find((uintptr_t)p)) >= 0)
		edge_tab[i] = EDGE_GONE;
	edge_release();
}

/* A block the shim may have handed out leaves it. */
static inline void edge_leave(const void *p)
{
	if (unlikely(EDGE(p)))
		edge_del(p);
}

/* Whether p carries the shim's header, reading only what is safe to read. */
static inline int owned(void *p)
{
	return (!EDGE(p) || edge_has(p)) && hdr_ours(p);
}

/* A fork while another thread held the lock would leave it held in the child. */
static void edge_fork_prepare(void)
{
	edge_acquire();
}

static void edge_fork_done(void)
{
	edge_release();
}


/* A block leaves: its size out of the live total, a remote free counted. */
static inline void track_free(struct tstats *t, const struct hdr *h)
{
	live_sub(t, (int64_t)h->size);
	if ((h->owner_shift & ~UINT32_C(0xff)) != t->owner_tag)
		bump(&t->remote_frees, 1);
}

/* ---- start-up ------------------------------------------------------------ */

enum { NOT_READY, RESOLVING, READY };
static atomic_int state;
static char out_path[4096];
static pid_t out_pid;
static uint64_t start_ns, start_ticks;
static unsigned page_shift = 12;     /* log2 of the page size: valloc's offset */

static void resolve(void)
{
	int expected = NOT_READY, saved;

	if (!atomic_compare_exchange_strong(&state, &expected, RESOLVING)) {
		/* another thread resolves: wait for it (never long) */
		while (atomic_load_explicit(&state, memory_order_acquire) != READY)
			sched_yield();
		return;
	}
	saved = tl_state;
	tl_state = ST_IN;
	/* into a copy first: what dlsym allocates meanwhile comes from the
	 * arena, never from the next malloc without a header */
	{
		__typeof__(next) found;
		long page = sysconf(_SC_PAGESIZE);

#define RESOLVE(n) *(void **)&found.n = dlsym(RTLD_NEXT, #n);
		PROFILE_C_CALLS(RESOLVE)
#undef RESOLVE
		next = found;
		if (page > 0 && !(page & (page - 1)))
			page_shift = (unsigned)__builtin_ctzl((unsigned long)page);
	}
	have_release_key = pthread_key_create(&release_key, release_block) == 0;
	start_ns = mono_ns();
	start_ticks = ticks_end();
	tl_state = saved;
	atomic_store_explicit(&state, READY, memory_order_release);
}

static inline int ready(void)
{
	return likely(atomic_load_explicit(&state, memory_order_acquire) == READY);
}

/*
 * Read after the C library has set up the environment (the first calls may
 * come earlier, from the dynamic linker).
 */
__attribute__((constructor)) static void profile_start(void)
{
	const char *path = getenv(NGB_PROFILE_OUT_ENV);

	if (!ready())
		resolve();
	pthread_atfork(edge_fork_prepare, edge_fork_done, edge_fork_done);
	if (path && strlen(path) < sizeof(out_path)) {
		memcpy(out_path, path, strlen(path) + 1);
		out_pid = getpid();
	}
	unsetenv(NGB_PROFILE_OUT_ENV);
}

/* ---- the entry points ---------------------------------------------------- */

/*
 * Calls from inside the shim (the allocator's own nested calls, dlsym), or
 * before the entry points are known: forwarded without a header, since the
 * caller that receives the block is the allocator or the C library, which
 * gives it back the same way.
 */
static void *inner_malloc(size_t n)
{
	return next.malloc ? next.malloc(n) : arena_alloc(n, 16);
}

static void *inner_calloc(size_t n, size_t m)
{
	size_t b;

	if (next.calloc)
		return next.calloc(n, m);
	/* the arena is never reused, so it is still zero */
	return __builtin_mul_overflow(n, m, &b) ? NULL : arena_alloc(b, 16);
}

static void *inner_realloc(void *p, size_t n)
{
	void *q;

	if (!p || !in_arena(p))
		return next.realloc ? next.realloc(p, n) : p ? NULL : arena_alloc(n, 16);
	q = inner_malloc(n);
	if (q)
		memcpy(q, p, arena_size(p) < n ? arena_size(p) : n);
	return q;
}

static void *inner_memalign(size_t a, size_t n)
{
	return next.memalign ? next.memalign(a, n) : arena_alloc(n, a);
}

/* A call from outside that finds the thread not ready: the entry points
 * resolved, the thread's counters taken (NULL when there is no memory). */
static __attribute__((noinline)) int enter_slow(void)
{
	tl_state = ST_IN;
	if (!ready())
		resolve();
	if (!tl_stats)
		acquire_block();
	return 1;
}

static __attribute__((noinline)) void leave_slow(void)
{
	if (tl_exiting) {
		/* the block went back at the thread's exit: the call took one */
		if (tl_stats)
			release_block(tl_stats);
		tl_state = ST_FRESH;
	} else {
		tl_state = tl_stats ? ST_OUT : ST_FRESH;
	}
}

/* 1: a call of the program, to count; 0: from inside the shim, to forward. */
static inline int enter(int *st)
{
	*st = tl_state;
	if (likely(*st == ST_OUT)) {
		tl_state = ST_IN;
		return 1;
	}
	return *st == ST_FRESH && enter_slow();
}

static inline void leave(int st)
{
	if (likely(st == ST_OUT))
		tl_state = ST_OUT;
	else
		leave_slow();
}

/*
 * After an allocating call: the header on the block, the call and its
 * request counted.  t is NULL only when the shim had no memory for the
 * thread's counters; the block still gets its header.
 */
static inline __attribute__((always_inline)) void *finish(struct tstats *t, enum call c, void *base, unsigned shift, size_t n)
{
	void *q = base ? hdr_put(base, shift, n, tl_serial) : NULL;

	if (unlikely(q && EDGE(q)))
		edge_add(q);
	if (unlikely(!t))
		return q;
	if (c != CALL_malloc)         /* malloc is counted by its tick */
		bump(&t->calls[c], 1);
	count_request(t, n);
	if (likely(q != NULL))
		live_add(t, (int64_t)n);
	else
		bump(&t->failed, 1);
	return q;
}

/* ticked: the fast path has counted the call and found it due for a sample */
static inline __attribute__((always_inline)) void *malloc_slow(size_t n, int ticked)
{
	struct tstats *t;
	int st;
	size_t m = with_offset(n, HDR_SHIFT);
	void *p;

	if (!enter(&st))
		return inner_malloc(n);
	t = tl_stats;
	if (unlikely(t && (ticked || sample_now(t, LAT_MALLOC)))) {
		uint64_t t0 = ticks_begin();

		p = next.malloc(m);
		record_latency(t, LAT_MALLOC, ticks_end() - t0);
	} else {
		p = next.malloc(m);
	}
	p = finish(t, CALL_malloc, p, HDR_SHIFT, n);
	leave(st);
	return p;
}

static __attribute__((noinline)) void *malloc_general(size_t n)
{
	return malloc_slow(n, 0);
}

static __attribute__((noinline)) void *malloc_sampled(size_t n)
{
	return malloc_slow(n, 1);
}

static inline __attribute__((always_inline)) void free_slow(void *p, int ticked)
{
	struct tstats *t;
	int st;
	struct hdr *h;

	if (unlikely(p && in_arena(p))) {
		atomic_fetch_add_explicit(&arena_frees, 1, memory_order_relaxed);
		return;
	}
	if (!enter(&st)) {
		if (next.free)
			next.free(p);
		return;
	}
	t = tl_stats;
	/* frees of a block with a header are counted by their tick, others here */
	if (unlikely(!p)) {
		if (likely(t != NULL)) {
			bump(&t->calls[CALL_free], 1);
			bump(&t->free_null, 1);
		}
		next.free(p);
		leave(st);
		return;
	}
	h = hdr_of(p);
	if (unlikely(!owned(p))) {
		if (likely(t != NULL))
			bump(&t->calls[CALL_free], 1);
		atomic_fetch_add_explicit(&unknown_frees, 1, memory_order_relaxed);
		next.free(p);
		leave(st);
		return;
	}
	if (likely(t != NULL))
		track_free(t, h);
	edge_leave(p);
	h->check = 0;
	p = hdr_base(p);
	if (unlikely(t && (ticked || sample_now(t, LAT_FREE)))) {
		uint64_t t0 = ticks_begin();

		next.free(p);
		record_latency(t, LAT_FREE, ticks_end() - t0);
	} else {
		next.free(p);
	}
	leave(st);
}

static __attribute__((noinline)) void free_general(void *p)
{
	free_slow(p, 0);
}

static __attribute__((noinline)) void free_sampled(void *p)
{
	free_slow(p, 1);
}

/*
 * The fast paths: a call of the program from a thread with its counters, of
 * less than 2^63 bytes (malloc) or on a block with a header (free), not due
 * for a latency sample.  They do what malloc_general and free_general do in
 * that case, with nothing else in the way (no saved registers for the rare
 * cases); any other call goes there, except one due for a sample, which they
 * have counted already and hand to malloc_sampled (free_sampled).  Each part
 * is where `objdump -d` shows the fewest instructions: see "What it costs on
 * larson" in README.md.
 */
void *malloc(size_t n)
{
	struct tstats *t = tl_stats;
	void *p;

	/* requests of 2^63 bytes and more (which fail) go the general way,
	 * so the header's bytes cannot overflow here */
	if (unlikely(tl_state != ST_OUT || (int64_t)n < 0))
		return malloc_general(n);
	/* counted, then read back: an add to memory, a test of its low byte */
	bump(&t->tick[LAT_MALLOC], 1);
	if (unlikely((uint8_t)get(&t->tick[LAT_MALLOC]) == 0))     /* SAMPLE_EVERY */
		return malloc_sampled(n);
	tl_state = ST_IN;
	count_small_request(t, n);
	p = next.malloc(n + HDR_BYTES);
	tl_state = ST_OUT;
	if (unlikely(!p)) {
		bump(&t->failed, 1);
		return NULL;
	}
	live_add_fast(t, (int64_t)n);
	/* hdr_put with this thread's word: two stores */
	p = hdr_write(p, HDR_SHIFT, n, t->own_word);
	if (unlikely(EDGE(p)))
		return edge_add(p);
	return p;
}

void free(void *p)
{
	struct tstats *t = tl_stats;
	struct hdr *h;
	uint64_t w;

	/* arena blocks fail the check: free_general tells them apart; so do
	 * pointers at a page's start, whose header may not be readable, and
	 * NULL, which is one of them */
	if (unlikely(tl_state != ST_OUT || EDGE(p) || !hdr_ours(p)))
		return free_general(p);
	h = hdr_of(p);
	bump(&t->tick[LAT_FREE], 1);
	if (unlikely((uint8_t)get(&t->tick[LAT_FREE]) == 0))
		return free_sampled(p);
	tl_state = ST_IN;
	live_sub_fast(t, (int64_t)h->size);
	__builtin_memcpy(&w, &h->owner_shift, sizeof(w));
	if (likely(w == t->own_word)) {
		/* this thread's malloc: the usual case, one compare */
		h->check = 0;
		next.free(h);
	} else if (((w ^ t->own_word) & 0xff) == 0) {
		/* the same offset and check value: another thread's malloc */
		bump(&t->remote_frees, 1);
		h->check = 0;
		next.free(h);
	} else {
		if ((h->owner_shift & ~UINT32_C(0xff)) != t->owner_tag)
			bump(&t->remote_frees, 1);
		h->check = 0;
		next.free(hdr_base(p));
	}
	tl_state = ST_OUT;
}

void *calloc(size_t n, size_t m)
{
	struct tstats *t;
	int st;
	size_t bytes;
	void *p;

	if (!enter(&st))
		return inner_calloc(n, m);
	t = tl_stats;
	if (__builtin_mul_overflow(n, m, &bytes)) {
		/* no request: forwarded as it is, to fail there */
		p = next.calloc(n, m);
		if (p) {
			next.free(p);
			errno = ENOMEM;
		}
		if (t) {
			bump(&t->calls[CALL_calloc], 1);
			bump(&t->failed, 1);
		}
		leave(st);
		return NULL;
	}
	p = next.calloc(1, with_offset(bytes, HDR_SHIFT));
	p = finish(t, CALL_calloc, p, HDR_SHIFT, bytes);
	leave(st);
	return p;
}

/*
 * realloc and reallocarray: the next allocator resizes the whole block, so
 * the header and the offset in front of the program's bytes move with them
 * (a block of the memalign family keeps its offset, though realloc never
 * promised its alignment).  The tag is cleared while the call runs, and put
 * back if it fails.
 */
/*
 * realloc(p, 0) does what the next allocator does with it: glibc frees the
 * block and returns NULL (counted as a free, not a failure); others return a
 * minimal block, which gets a header (resized to hold one if it is smaller).
 */
static void *resize_to_zero(struct tstats *t, enum call c, struct hdr old, void *base,
			    void *(*call)(void *, size_t))
{
	void *q = call(base, 0);

	if (q && next.malloc_usable_size && next.malloc_usable_size(q) < HDR_BYTES)
		q = call(q, HDR_BYTES);
	if (!t)
		return q ? hdr_put(q, HDR_SHIFT, 0, tl_serial) : NULL;
	live_sub(t, (int64_t)old.size);
	if ((old.owner_shift & ~UINT32_C(0xff)) != t->owner_tag)
		bump(&t->remote_frees, 1);
	if (!q) {
		/* freed: the call and its request of 0 bytes, no block */
		bump(&t->calls[c], 1);
		count_request(t, 0);
		return NULL;
	}
	return finish(t, c, q, HDR_SHIFT, 0);
}

static void *resize(struct tstats *t, enum call c, void *p, size_t bytes,
		    void *(*call)(void *, size_t))
{
	struct hdr *h, old;
	unsigned shift = HDR_SHIFT;
	void *base, *q;

	if (!p)
		return finish(t, c, call(NULL, with_offset(bytes, shift)), shift, bytes);
	if (in_arena(p)) {
		/* a block of dlsym's: copied into a block with a header */
		atomic_fetch_add_explicit(&arena_frees, 1, memory_order_relaxed);
		q = finish(t, c, call(NULL, with_offset(bytes, shift)), shift, bytes);
		if (q)
			memcpy(q, p, arena_size(p) < bytes ? arena_size(p) : bytes);
		return q;
	}
	if (!owned(p)) {
		atomic_fetch_add_explicit(&unknown_frees, 1, memory_order_relaxed);
		if (t) {
			bump(&t->calls[c], 1);
			count_request(t, bytes);
		}
		return call(p, bytes);
	}
	h = hdr_of(p);
	old = *h;
	shift = old.owner_shift & 0xff;
	base = hdr_base(p);
	h->check = 0;
	if (unlikely(bytes == 0)) {
		edge_leave(p);
		return resize_to_zero(t, c, old, base, call);
	}
	q = call(base, with_offset(bytes, shift));
	if (!q) {
		*h = old;
		return finish(t, c, NULL, shift, bytes);
	}
	edge_leave(p);
	if (t) {
		live_sub(t, (int64_t)old.size);
		/* a block that moved was freed by this thread */
		if (q != base && (old.owner_shift >> 8) != (t->serial & 0xffffff))
			bump(&t->remote_frees, 1);
	}
	return finish(t, c, q, shift, bytes);
}

static void *call_realloc(void *p, size_t n)
{
	return next.realloc(p, n);
}

static void *call_reallocarray(void *p, size_t n)
{
	if (next.reallocarray)
		return next.reallocarray(p, 1, n);
	errno = ENOMEM;
	return NULL;
}

void *realloc(void *p, size_t n)
{
	struct tstats *t;
	int st;
	void *q;

	if (!enter(&st))
		return inner_realloc(p, n);
	t = tl_stats;
	q = resize(t, CALL_realloc, p, n, call_realloc);
	leave(st);
	return q;
}

void *reallocarray(void *p, size_t n, size_t m)
{
	struct tstats *t;
	int st;
	size_t bytes;
	void *q;

	if (!enter(&st)) {
		if (__builtin_mul_overflow(n, m, &bytes)) {
			errno = ENOMEM;
			return NULL;
		}
		return inner_realloc(p, bytes);
	}
	t = tl_stats;
	if (__builtin_mul_overflow(n, m, &bytes)) {
		if (t) {
			bump(&t->calls[CALL_reallocarray], 1);
			bump(&t->failed, 1);
		}
		leave(st);
		errno = ENOMEM;
		return NULL;
	}
	q = resize(t, CALL_reallocarray, p, bytes, call_reallocarray);
	leave(st);
	return q;
}

/* memalign and aligned_alloc: one shape, a different forward. */
#define ALIGNED_ENTRY(name)                                                    \
	void *name(size_t a, size_t n)                                         \
	{                                                                      \
		struct tstats *t;                                              \
		int st;                                                        \
		unsigned s = align_shift(a);                                   \
		void *p;                                                       \
                                                                               \
		if (!enter(&st))                                               \
			return next.name ? next.name(a, n) : inner_memalign(a, n); \
		t = tl_stats;                                                  \
		p = next.name ? next.name((size_t)1 << s, with_offset(n, s)) : NULL; \
		p = finish(t, CALL_##name, p, s, n);                           \
		leave(st);                                                     \
		return p;                                                      \
	}

ALIGNED_ENTRY(memalign)
ALIGNED_ENTRY(aligned_alloc)

int posix_memalign(void **out, size_t a, size_t n)
{
	struct tstats *t;
	int st;
	unsigned s = align_shift(a);
	void *base = NULL;
	int rc;

	if (!enter(&st)) {
		if (next.posix_memalign)
			return next.posix_memalign(out, a, n);
		*out = arena_alloc(n, a);
		return *out ? 0 : ENOMEM;
	}
	t = tl_stats;
	if (a < sizeof(void *) || (a & (a - 1))) {
		/* forwarded as it is, to fail there with EINVAL */
		rc = next.posix_memalign(&base, a, n);
		if (rc == 0) {
			next.free(base);
			rc = EINVAL;
		}
		finish(t, CALL_posix_memalign, NULL, s, n);
	} else {
		rc = next.posix_memalign(&base, (size_t)1 << s, with_offset(n, s));
		base = finish(t, CALL_posix_memalign, rc == 0 ? base : NULL, s, n);
		if (rc == 0)
			*out = base;
	}
	leave(st);
	return rc;
}

/* valloc and pvalloc: page-aligned, so the offset is a page. */
#define PAGE_ENTRY(name)                                                       \
	void *name(size_t n)                                                   \
	{                                                                      \
		struct tstats *t;                                              \
		int st;                                                        \
		void *p;                                                       \
                                                                               \
		if (!enter(&st))                                               \
			return next.name ? next.name(n) : arena_alloc(n, 4096); \
		t = tl_stats;                                                  \
		p = next.name ? next.name(with_offset(n, page_shift)) : NULL;  \
		p = finish(t, CALL_##name, p, page_shift, n);                  \
		leave(st);                                                     \
		return p;                                                      \
	}

PAGE_ENTRY(valloc)
PAGE_ENTRY(pvalloc)

size_t malloc_usable_size(void *p)
{
	struct tstats *t;
	int st;
	size_t n;

	if (p && in_arena(p))
		return arena_size(p);
	if (!enter(&st))
		return next.malloc_usable_size && p ? next.malloc_usable_size(p) : 0;
	t = tl_stats;
	if (!p || !next.malloc_usable_size)
		n = 0;
	else if (owned(p))
		n = next.malloc_usable_size(hdr_base(p)) - ((size_t)1 << (hdr_of(p)->owner_shift & 0xff));
	else
		n = next.malloc_usable_size(p);
	if (likely(t != NULL))
		bump(&t->calls[CALL_malloc_usable_size], 1);
	leave(st);
	return n;
}

/* ---- C++ operator new and delete ----------------------------------------- */

/*
 * jemalloc, tcmalloc and mimalloc define C++'s operator new and delete
 * themselves; a program's new then never reaches malloc, and its blocks
 * would have no header (uncounted, and freed through the shim's free as
 * foreign pointers).  So the shim defines all twenty, counts them as
 * operator_new and operator_delete and forwards each to the next definition
 * of the same operator (the allocator's, else libstdc++'s, which calls
 * malloc: a nested call, forwarded as such), with the header added as for
 * malloc (the aligned forms: as for memalign).  A sized delete is given the
 * size the next operator new was asked for.  The throwing forms may throw
 * std::bad_alloc through the shim (built with -fexceptions): the call is
 * counted as failed and the thread leaves the shim on the way (a cleanup),
 * so its next call is counted.  The exception object itself is allocated
 * while the thread is inside the shim: that malloc is not counted and its
 * free counts as unknown.  Their latency is not timed.
 */
enum { CXX_NOTHROW = 1, CXX_ALIGNED = 2, CXX_SIZED = 4 };

typedef void (*any_fn)(void);

struct cxx_op {
	const char *name;
	any_fn fn;     /* the next definition, resolved at the first call */
	int kind;
};

static any_fn cxx_next(struct cxx_op *op)
{
	if (!op->fn)
		*(void **)&op->fn = dlsym(RTLD_NEXT, op->name);
	return op->fn;
}

static void *new_call(any_fn fn, int kind, size_t n, size_t al, const void *nt)
{
	switch (kind & (CXX_NOTHROW | CXX_ALIGNED)) {
	case 0: return ((void *(*)(size_t))fn)(n);
	case CXX_NOTHROW: return ((void *(*)(size_t, const void *))fn)(n, nt);
	case CXX_ALIGNED: return ((void *(*)(size_t, size_t))fn)(n, al);
	default: return ((void *(*)(size_t, size_t, const void *))fn)(n, al, nt);
	}
}

static void delete_call(any_fn fn, int kind, void *p, size_t n, size_t al, const void *nt)
{
	switch (kind) {
	case 0: ((void (*)(void *))fn)(p); break;
	case CXX_SIZED: ((void (*)(void *, size_t))fn)(p, n); break;
	case CXX_NOTHROW: ((void (*)(void *, const void *))fn)(p, nt); break;
	case CXX_ALIGNED: ((void (*)(void *, size_t))fn)(p, al); break;
	case CXX_SIZED | CXX_ALIGNED: ((void (*)(void *, size_t, size_t))fn)(p, n, al); break;
	default: ((void (*)(void *, size_t, const void *))fn)(p, al, nt); break;
	}
}

/* Leaves the shim when a throwing operator new unwinds through it, the
 * call counted as a failed one. */
struct cxx_guard {
	int st, armed, pending;
	unsigned shift;
	size_t n;
};

static void cxx_unguard(struct cxx_guard *g)
{
	if (g->pending)
		finish(tl_stats, CALL_operator_new, NULL, g->shift, g->n);
	if (g->armed)
		leave(g->st);
}

static void *cxx_new(struct cxx_op *op, size_t n, size_t al, const void *nt)
{
	struct cxx_guard g __attribute__((cleanup(cxx_unguard))) = { 0, 0, 0, 0, n };
	unsigned s = op->kind & CXX_ALIGNED ? align_shift(al) : HDR_SHIFT;
	any_fn fn;
	void *p;

	g.shift = s;
	if (!enter(&g.st)) {
		fn = cxx_next(op);
		/* no C++ runtime behind (cannot be: the caller is C++ code) */
		return fn ? new_call(fn, op->kind, n, al, nt) : inner_memalign(al ? al : 16, n);
	}
	g.armed = 1;
	fn = cxx_next(op);
	g.pending = 1;
	if (fn)
		p = new_call(fn, op->kind, with_offset(n, s), al, nt);
	else
		p = next.memalign ? next.memalign((size_t)1 << s, with_offset(n, s)) : NULL;
	g.pending = 0;
	return finish(tl_stats, CALL_operator_new, p, s, n);
}

static void cxx_delete(struct cxx_op *op, void *p, size_t n, size_t al, const void *nt)
{
	struct tstats *t;
	struct hdr *h;
	unsigned shift;
	any_fn fn;
	int st;

	if (p && in_arena(p)) {
		atomic_fetch_add_explicit(&arena_frees, 1, memory_order_relaxed);
		return;
	}
	if (!enter(&st)) {
		if ((fn = cxx_next(op)) != NULL)
			delete_call(fn, op->kind, p, n, al, nt);
		else if (next.free)
			next.free(p);
		return;
	}
	t = tl_stats;
	fn = cxx_next(op);
	if (likely(t != NULL))
		bump(&t->calls[CALL_operator_delete], 1);
	if (p && owned(p)) {
		h = hdr_of(p);
		shift = h->owner_shift & 0xff;
		n = h->size + ((size_t)1 << shift);   /* what the next allocator was asked for */
		if (likely(t != NULL))
			track_free(t, h);
		edge_leave(p);
		h->check = 0;
		p = hdr_base(p);
	} else if (p) {
		atomic_fetch_add_explicit(&unknown_frees, 1, memory_order_relaxed);
	}
	if (fn)
		delete_call(fn, op->kind, p, n, al, nt);
	else
		next.free(p);
	leave(st);
}

/* The Itanium C++ ABI's names: std::align_val_t is a size_t, a
 * std::nothrow_t const & a pointer. */
#define NEW_OP(sym, kind, params, args)                                        \
	static struct cxx_op op##sym = { #sym, NULL, kind };                   \
	void *sym params;                                                      \
	void *sym params { return cxx_new args; }
#define DELETE_OP(sym, kind, params, args)                                     \
	static struct cxx_op op##sym = { #sym, NULL, kind };                   \
	void sym params;                                                       \
	void sym params { cxx_delete args; }

NEW_OP(_Znwm, 0, (size_t n), (&op_Znwm, n, 0, NULL))
NEW_OP(_Znam, 0, (size_t n), (&op_Znam, n, 0, NULL))
NEW_OP(_ZnwmRKSt9nothrow_t, CXX_NOTHROW, (size_t n, const void *nt),
       (&op_ZnwmRKSt9nothrow_t, n, 0, nt))
NEW_OP(_ZnamRKSt9nothrow_t, CXX_NOTHROW, (size_t n, const void *nt),
       (&op_ZnamRKSt9nothrow_t, n, 0, nt))
NEW_OP(_ZnwmSt11align_val_t, CXX_ALIGNED, (size_t n, size_t al),
       (&op_ZnwmSt11align_val_t, n, al, NULL))
NEW_OP(_ZnamSt11align_val_t, CXX_ALIGNED, (size_t n, size_t al),
       (&op_ZnamSt11align_val_t, n, al, NULL))
NEW_OP(_ZnwmSt11align_val_tRKSt9nothrow_t, CXX_ALIGNED | CXX_NOTHROW,
       (size_t n, size_t al, const void *nt), (&op_ZnwmSt11align_val_tRKSt9nothrow_t, n, al, nt))
NEW_OP(_ZnamSt11align_val_tRKSt9nothrow_t, CXX_ALIGNED | CXX_NOTHROW,
       (size_t n, size_t al, const void *nt), (&op_ZnamSt11align_val_tRKSt9nothrow_t, n, al, nt))

DELETE_OP(_ZdlPv, 0, (void *p), (&op_ZdlPv, p, 0, 0, NULL))
DELETE_OP(_ZdaPv, 0, (void *p), (&op_ZdaPv, p, 0, 0, NULL))
DELETE_OP(_ZdlPvm, CXX_SIZED, (void *p, size_t n), (&op_ZdlPvm, p, n, 0, NULL))
DELETE_OP(_ZdaPvm, CXX_SIZED, (void *p, size_t n), (&op_ZdaPvm, p, n, 0, NULL))
DELETE_OP(_ZdlPvRKSt9nothrow_t, CXX_NOTHROW, (void *p, const void *nt),
	  (&op_ZdlPvRKSt9nothrow_t, p, 0, 0, nt))
DELETE_OP(_ZdaPvRKSt9nothrow_t, CXX_NOTHROW, (void *p, const void *nt),
	  (&op_ZdaPvRKSt9nothrow_t, p, 0, 0, nt))
DELETE_OP(_ZdlPvSt11align_val_t, CXX_ALIGNED, (void *p, size_t al),
	  (&op_ZdlPvSt11align_val_t, p, 0, al, NULL))
DELETE_OP(_ZdaPvSt11align_val_t, CXX_ALIGNED, (void *p, size_t al),
	  (&op_ZdaPvSt11align_val_t, p, 0, al, NULL))
DELETE_OP(_ZdlPvmSt11align_val_t, CXX_SIZED | CXX_ALIGNED, (void *p, size_t n, size_t al),
	  (&op_ZdlPvmSt11align_val_t, p, n, al, NULL))
DELETE_OP(_ZdaPvmSt11align_val_t, CXX_SIZED | CXX_ALIGNED, (void *p, size_t n, size_t al),
	  (&op_ZdaPvmSt11align_val_t, p, n, al, NULL))
DELETE_OP(_ZdlPvSt11align_val_tRKSt9nothrow_t, CXX_ALIGNED | CXX_NOTHROW,
	  (void *p, size_t al, const void *nt), (&op_ZdlPvSt11align_val_tRKSt9nothrow_t, p, 0, al, nt))
DELETE_OP(_ZdaPvSt11align_val_tRKSt9nothrow_t, CXX_ALIGNED | CXX_NOTHROW,
	  (void *p, size_t al, const void *nt), (&op_ZdaPvSt11align_val_tRKSt9nothrow_t, p, 0, al, nt))

/* ---- the output ---------------------------------------------------------- */

struct writer {
	int fd;
	size_t len;
	int failed;
	char buf[4096];
};

static void w_flush(struct writer *w)
{
	size_t off = 0;

	while (off < w->len) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->failed = 1;
			break;
		}
		off += (size_t)n;
	}
	w->len = 0;
}

static void w_str(struct writer *w, const char *s)
{
	for (; *s; s++) {
		if (w->len == sizeof(w->buf))
			w_flush(w);
		w->buf[w->len++] = *s;
	}
}

/* Decimal without printf, which may allocate. */
static void w_u64(struct writer *w, uint64_t v)
{
	char d[24];
	int i = (int)sizeof(d) - 1;

	d[i] = '\0';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	w_str(w, d + i);
}

static void w_i64(struct writer *w, int64_t v)
{
	if (v < 0) {
		w_str(w, "-");
		w_u64(w, (uint64_t)-(v + 1) + 1);
	} else {
		w_u64(w, (uint64_t)v);
	}
}

static void w_pair(struct writer *w, const char *k1, const char *k2, uint64_t v)
{
	w_str(w, k1);
	w_str(w, k2);
	w_str(w, "=");
	w_u64(w, v);
	w_str(w, "\n");
}

static void w_bin(struct writer *w, const char *name, uint64_t lo, uint64_t hi, uint64_t n)
{
	w_str(w, "hist ");
	w_str(w, name);
	w_str(w, " ");
	w_u64(w, lo);
	w_str(w, " ");
	w_u64(w, hi);
	w_str(w, " ");
	w_u64(w, n);
	w_str(w, "\n");
}

static atomic_int dumped;

__attribute__((destructor)) static void profile_dump(void)
{
	static uint64_t calls[NCALLS], sizes[SIZE_BINS], lat[NLAT][LAT_BINS], lat_max[NLAT],
		lat_samples[NLAT];
	static struct writer w;
	uint64_t bytes = 0, free_null = 0, remote = 0, failed = 0, end_ns, end_ticks;
	int64_t lb, lo_;
	unsigned nblocks = 0, i, k;
	struct tstats *t;
	Dl_info info;

	if (!out_path[0] || getpid() != out_pid || atomic_exchange(&dumped, 1))
		return;
	end_ticks = ticks_end();
	end_ns = mono_ns();
	/* this thread's last high, if it allocated since its last free */
	if (tl_stats)
		note_peaks(tl_stats);
	lb = atomic_load(&live_bytes);
	lo_ = atomic_load(&live_objects);
	/* other threads may still run: every read is a relaxed atomic load */
	for (t = atomic_load_explicit(&blocks, memory_order_acquire); t; t = t->next_block) {
		nblocks++;
		for (i = 0; i < NCALLS; i++)
			calls[i] += get(&t->calls[i]);
		calls[CALL_malloc] += get(&t->tick[LAT_MALLOC]);
		calls[CALL_free] += get(&t->tick[LAT_FREE]);
		bytes += get(&t->bytes);
		free_null += get(&t->free_null);
		remote += get(&t->remote_frees);
		failed += get(&t->failed);
		for (i = 0; i < SIZE_BINS; i++)
			sizes[i] += get(&t->size_hist[i]);
		for (k = 0; k < NLAT; k++) {
			for (i = 0; i < LAT_BINS; i++)
				lat[k][i] += get(&t->lat[k][i]);
			if (get(&t->lat_max[k]) > lat_max[k])
				lat_max[k] = get(&t->lat_max[k]);
			lat_samples[k] += get(&t->lat_samples[k]);
		}
		/* the exiting thread's own unfolded delta (others' are theirs) */
		if (t == tl_stats) {
			lb += t->delta_bytes;
			lo_ += t->delta_objects;
		}
	}

	w.fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w.fd < 0)
		return;
	w_pair(&w, "ngbench-profile", "", FORMAT_VERSION);
	w_pair(&w, "pid", "", (uint64_t)out_pid);
	w_str(&w, "next=");
	w_str(&w, next.malloc && dladdr((void *)next.malloc, &info) && info.dli_fname &&
			  info.dli_fname[0] ? info.dli_fname : "(unknown)");
	w_str(&w, "\n");
#ifdef HAVE_TSC
	w_str(&w, "latency_unit=ticks\n");
	if (end_ns > start_ns)
		w_pair(&w, "tick_hz", "",
		       (uint64_t)((double)(end_ticks - start_ticks) * 1e9 / (double)(end_ns - start_ns)));
#else
	w_str(&w, "latency_unit=ns\n");
#endif
	w_pair(&w, "run_ns", "", end_ns - start_ns);
	w_pair(&w, "threads", "", atomic_load(&thread_serial));
	w_pair(&w, "stat_blocks", "", nblocks);
	for (i = 0; i < NCALLS; i++)
		w_pair(&w, "calls.", call_names[i], calls[i]);
	w_pair(&w, "bytes_requested", "", bytes);
	w_pair(&w, "free_null", "", free_null);
	w_pair(&w, "remote_frees", "", remote);
	w_pair(&w, "unknown_frees", "", atomic_load(&unknown_frees));
	w_pair(&w, "arena_frees", "", atomic_load(&arena_frees));
	w_pair(&w, "failed", "", failed);
	w_pair(&w, "peak_live_bytes", "", (uint64_t)atomic_load(&peak_bytes));
	w_pair(&w, "peak_live_objects", "", (uint64_t)atomic_load(&peak_objects));
	w_str(&w, "live_bytes_at_exit=");
	w_i64(&w, lb);
	w_str(&w, "\nlive_objects_at_exit=");
	w_i64(&w, lo_);
	w_str(&w, "\n");
	w_pair(&w, "shim_peak_bytes", "", atomic_load(&mapped_peak));
	w_pair(&w, "header_bytes", "", HDR_BYTES);
	w_pair(&w, "peak_error_bytes", "", (uint64_t)FLUSH_BYTES * (nblocks ? nblocks - 1 : 0));
	w_pair(&w, "peak_error_objects", "", (uint64_t)OBJECTS_BOUND * (nblocks ? nblocks - 1 : 0));
	w_pair(&w, "sample_every", "", SAMPLE_EVERY);
	for (k = 0; k < NLAT; k++) {
		w_str(&w, lat_names[k]);
		w_pair(&w, ".samples", "", lat_samples[k]);
		w_str(&w, lat_names[k]);
		w_pair(&w, ".max", "", lat_max[k]);
	}
	for (i = 0; i < SIZE_BINS; i++)
		if (sizes[i])
			w_bin(&w, "size", i ? UINT64_C(1) << (i - 1) : 0,
			      i == 0 ? 1 : i == 64 ? UINT64_MAX : UINT64_C(1) << i, sizes[i]);
	for (k = 0; k < NLAT; k++)
		for (i = 0; i < LAT_BINS; i++)
			if (lat[k][i]) {
				uint64_t lo, hi;

				lat_bounds(i, &lo, &hi);
				w_bin(&w, lat_names[k], lo, hi, lat[k][i]);
			}
	w_str(&w, "end\n");
	w_flush(&w);
	close(w.fd);
}
