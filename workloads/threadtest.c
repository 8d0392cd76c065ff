/*
 * workloads/threadtest.c - the Hoard paper's threadtest (Berger et al.,
 * ASPLOS 2000, section 5): every thread repeatedly allocates a batch of
 * fixed-size objects and then frees them all; threads share nothing, so
 * any slowdown with more threads comes from the allocator (a lock, shared
 * metadata, false sharing inside it).
 *
 * Invariant of the self-check: every object holds the pattern of its
 * address from its allocation until the check just before its free.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char notes[] =
	"How this differs from Hoard's threadtest: the clock starts when every\n"
	"thread has been created and waits at a start line, and stops when the\n"
	"last one is joined (the original timed thread creation too); every\n"
	"object is filled with an address-derived key and checked before it is\n"
	"freed (the original's constructor writes its 8 bytes and never reads\n"
	"them; check=none writes those 8 bytes and nothing else); the pointer\n"
	"array comes from mmap (the original's from new[]: measured, it makes\n"
	"no difference).  Like the original (new Foo[1], delete[]), objects\n"
	"come from operator new[] and go back through operator delete[]: the\n"
	"allocator's own when it defines them, else libstdc++'s, which call\n"
	"malloc and free (the record's allocation= says which).  The default\n"
	"loop=tight keeps counters in registers and gives a remainder of\n"
	"objects / threads to the first threads (the original drops it);\n"
	"loop=original is the original's loop as GCC compiles it: volatile\n"
	"counters, the per-thread count divided anew at every object, an empty\n"
	"volatile 'work' loop.  They cost a few nanoseconds per object in every\n"
	"allocator and so make the allocators' differences smaller\n"
	"(workloads/README.md has the figures); bench/peers.sh runs it.";

/* operator new[](size_t) and operator delete[](void *), as the reference
 * (C++, new Foo[1] and delete[]) calls them. */
static void *(*op_new)(size_t);
static void (*op_delete)(void *);

struct worker {
	long long iterations;
	size_t objects;
	size_t size;
	void **slot;
} __attribute__((aligned(64)));

/* The original's constructor (Foo: two ints, 14 and 29), so that with
 * check=none the object is written as the original writes it. */
static inline void construct_foo(void *p, size_t size)
{
	static const int foo[2] = { 14, 29 };

	if (size >= sizeof(foo))
		memcpy(p, foo, sizeof(foo)); /* two stores, as Foo's constructor */
	else
		memcpy(p, foo, size);
}

/* What goes into a new object in the tight loop: the self-check's
 * pattern, or with check=none the original's constructor. */
static inline void construct(void *p, size_t size)
{
	if (wl_check_level == WL_CHECK_NONE)
		construct_foo(p, size);
	else
		wl_fill(p, size);
}

/* The tight loop: counters and bounds in registers. */
static void work_tight(void *arg)
{
	struct worker *w = arg;
	/* Locals, so that they stay in registers across malloc and free. */
	const size_t size = w->size, objects = w->objects;
	void **const slot = w->slot;
	void *(*const alloc)(size_t) = op_new;
	void (*const release)(void *) = op_delete;

	for (long long it = 0; it < w->iterations; it++) {
		for (size_t i = 0; i < objects; i++) {
			void *p = alloc(size);

			if (!p)
				wl_fail("operator new[](%zu) failed", size);
			construct(p, size);
			slot[i] = p;
		}
		for (size_t i = 0; i < objects; i++) {
			wl_check(slot[i], size);
			release(slot[i]);
		}
	}
}

/* The original's loop as GCC compiles it (-O3): its counters are volatile
 * ints on the stack, the bound nobjects / nthreads is made of globals that
 * every call to new[] or delete[] may change, so it is loaded and divided
 * anew at every object, and the empty 'work' loop (work = 0) stores and
 * loads its own volatile counter.  That costs a few nanoseconds per object,
 * in every allocator alike, and so makes the allocators' differences
 * smaller; loop=original keeps it so that the verdicts agree. */
static volatile int orig_objects, orig_threads, orig_work;

/* The original's loop, compiled apart for check=none (WL_BY_CHECK). */
static inline __attribute__((always_inline)) void original_loop(struct worker *w, int checked)
{
	const size_t size = w->size;
	void **const slot = w->slot;
	volatile int i;
	volatile long long it;

	for (it = 0; it < w->iterations; it++) {
		for (i = 0; i < orig_objects / orig_threads; i++) {
			void *p = op_new(size);

			if (!p)
				wl_fail("operator new[](%zu) failed", size);
			if (checked)
				wl_fill(p, size);
			else
				construct_foo(p, size);
			slot[i] = p;
			for (volatile int d = 0; d < orig_work; d++)
				;
		}
		for (i = 0; i < orig_objects / orig_threads; i++) {
			if (checked)
				wl_check(slot[i], size);
			op_delete(slot[i]);
			for (volatile int d = 0; d < orig_work; d++)
				;
		}
	}
}

static void work_original(void *arg)
{
	WL_BY_CHECK(original_loop, arg);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "threadtest", notes);
	int threads = (int)wl_int("threads");
	long long objects = wl_int("objects");
	int original = strcmp(wl_str("loop"), "original") == 0;
	struct worker *w = wl_meta_alloc(sizeof(*w) * threads);
	const char *api;
	double secs;

	if (original && objects > INT_MAX) {
		fprintf(stderr, "threadtest: option '--objects': %lld is too large for "
			"--loop=original (its counters are ints, at most %d): give fewer "
			"objects or --loop=tight\n", objects, INT_MAX);
		return WL_EXIT_USAGE;
	}
	for (int t = 0; t < threads; t++) {
		w[t].iterations = wl_int("iterations");
		w[t].size = wl_size("size");
		/* As the original, loop=original gives every thread
		 * objects / threads; loop=tight gives the remainder to the
		 * first threads. */
		w[t].objects = (size_t)(objects / threads + (!original && t < objects % threads));
		w[t].slot = wl_meta_alloc(sizeof(void *) * (w[t].objects ? w[t].objects : 1));
	}
	orig_objects = (int)(original ? objects : 0);
	orig_threads = threads;
	orig_work = 0;
	api = wl_cxx_new(&op_new, &op_delete);
	secs = wl_run_threads(threads, NULL, original ? work_original : work_tight, w, sizeof(*w));
	wl_result("seconds", secs, "s", 0,
		  " threads=%d objects=%lld iterations=%lld size=%zu allocation=%s loop=%s",
		  threads, objects, wl_int("iterations"), wl_size("size"), api, wl_str("loop"));
	return WL_EXIT_OK;
}
