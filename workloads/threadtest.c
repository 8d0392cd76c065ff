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

#include <dlfcn.h>
#include <stdlib.h>

#include "common.h"

static const char notes[] =
	"How this differs from Hoard's threadtest: the clock starts when every\n"
	"thread has been created and waits at a start line, and stops when the\n"
	"last one is joined (the original timed thread creation too); the\n"
	"objects of a batch are divided among the threads as in the original, a\n"
	"remainder going to the first threads; every object is filled with an\n"
	"address-derived pattern and checked before it is freed (the original\n"
	"never touched its objects), so the time includes writing and reading\n"
	"each object once; there is no 'work' loop between allocations.  Like\n"
	"the original (new Foo[1], delete[]), objects come from operator new[]\n"
	"and go back through operator delete[]: the allocator's own when it\n"
	"defines them, else libstdc++'s, which call malloc and free (malloc and\n"
	"free directly if libstdc++ cannot be loaded; the record says which).";

/* operator new[](size_t) and operator delete[](void *), by their Itanium
 * ABI names: the reference is C++ and allocates through them, so an
 * allocator that does not define them (glibc, some Hoard builds) is
 * reached through libstdc++'s, as in the reference. */
static void *(*op_new)(size_t);
static void (*op_delete)(void *);
static const char *api = "operator-new";

static void *new_with_malloc(size_t n)
{
	return malloc(n);
}

static void resolve_new(void)
{
	op_new = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "_Znam");
	op_delete = (void (*)(void *))dlsym(RTLD_DEFAULT, "_ZdaPv");
	if (!op_new || !op_delete) {
		void *h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL);

		op_new = h ? (void *(*)(size_t))dlsym(h, "_Znam") : NULL;
		op_delete = h ? (void (*)(void *))dlsym(h, "_ZdaPv") : NULL;
	}
	if (!op_new || !op_delete) {
		op_new = new_with_malloc;
		op_delete = free;
		api = "malloc";
	}
}

struct worker {
	long long iterations;
	size_t objects;
	size_t size;
	void **slot;
} __attribute__((aligned(64)));

static void work(void *arg)
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
			wl_fill(p, size);
			slot[i] = p;
		}
		for (size_t i = 0; i < objects; i++) {
			wl_check(slot[i], size);
			release(slot[i]);
		}
	}
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "threadtest", notes);
	int threads = (int)wl_int("threads");
	long long objects = wl_int("objects");
	struct worker *w = wl_meta_alloc(sizeof(*w) * threads);
	double secs;

	for (int t = 0; t < threads; t++) {
		w[t].iterations = wl_int("iterations");
		w[t].size = wl_size("size");
		w[t].objects = (size_t)(objects / threads + (t < objects % threads));
		w[t].slot = wl_meta_alloc(sizeof(void *) * (w[t].objects ? w[t].objects : 1));
	}
	resolve_new();
	secs = wl_run_threads(threads, NULL, work, w, sizeof(*w));
	wl_result("seconds", secs, "s", 0,
		  " threads=%d objects=%lld iterations=%lld size=%zu allocation=%s",
		  threads, objects, wl_int("iterations"), wl_size("size"), api);
	return WL_EXIT_OK;
}
