/*
 * workloads/xmalloc.c - producers allocate, consumers free: the pattern of
 * Lever & Boreham's xmalloc test (used by the NextGen-Malloc paper, Table
 * 2), written anew.  The threads form a ring: each allocates batches of
 * objects and hands them to its successor, and frees the batches its
 * predecessor handed to it, so every free (with two or more threads) is a
 * cross-thread free.
 *
 * Invariant: at most QUEUE_BATCHES batches wait in an inbox, so memory is
 * bounded; a thread that cannot hand over frees its own inbox first, so the
 * ring cannot deadlock.  Every object holds its pattern until the check
 * before its free.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "common.h"

static const char notes[] =
	"How this differs from the xmalloc test: the threads form a ring in\n"
	"which every thread both allocates and frees (with one thread, it frees\n"
	"its own objects); batches go through a bounded inbox per thread, so\n"
	"memory stays bounded; the work is a fixed number of objects per thread\n"
	"rather than a time limit, and the clock starts when all threads wait at\n"
	"the start line; sizes come from a seeded xoshiro256** stream per\n"
	"thread; every object is filled with an address-derived pattern and\n"
	"checked before it is freed.  ops_per_sec counts malloc and free calls.";

#define QUEUE_BATCHES 4

struct item {
	void *p;
	size_t n;
};

struct worker {
	pthread_mutex_t lock;
	struct item *ring;     /* inbox: capacity QUEUE_BATCHES * batch */
	size_t head, count, cap;
	struct worker *succ;
	struct item *out;      /* the batch being built */
	struct wl_rng rng;
	long long objects;
} __attribute__((aligned(64)));

static size_t min_size, max_size, batch;
static atomic_llong freed;
static long long total;

static int push_batch(struct worker *to, const struct item *b, size_t n)
{
	int ok = 0;

	pthread_mutex_lock(&to->lock);
	if (to->cap - to->count >= n) {
		for (size_t i = 0; i < n; i++)
			to->ring[(to->head + to->count + i) % to->cap] = b[i];
		to->count += n;
		ok = 1;
	}
	pthread_mutex_unlock(&to->lock);
	return ok;
}

/* Frees up to one batch from the inbox; returns how many. */
static size_t drain(struct worker *w)
{
	struct item got[1024];
	size_t n, done = 0;

	do {
		pthread_mutex_lock(&w->lock);
		n = w->count < batch - done ? w->count : batch - done;
		if (n > 1024)
			n = 1024;
		for (size_t i = 0; i < n; i++)
			got[i] = w->ring[(w->head + i) % w->cap];
		w->head = (w->head + n) % w->cap;
		w->count -= n;
		pthread_mutex_unlock(&w->lock);
		for (size_t i = 0; i < n; i++) {
			wl_check(got[i].p, got[i].n);
			free(got[i].p);
		}
		done += n;
	} while (n == 1024 && done < batch);
	if (done)
		atomic_fetch_add_explicit(&freed, (long long)done, memory_order_relaxed);
	return done;
}

static void work(void *arg)
{
	struct worker *w = arg;
	long long made = 0;
	size_t built = 0;

	while (made < w->objects || built) {
		while (built < batch && made < w->objects) {
			size_t n = (size_t)wl_rng_range(&w->rng, min_size, max_size);
			void *p = malloc(n);

			if (!p)
				wl_fail("malloc(%zu) failed", n);
			wl_fill(p, n);
			w->out[built].p = p;
			w->out[built].n = n;
			built++;
			made++;
		}
		if (push_batch(w->succ, w->out, built))
			built = 0;
		if (!drain(w) && built)
			sched_yield();
	}
	while (atomic_load_explicit(&freed, memory_order_relaxed) < total)
		if (!drain(w))
			sched_yield();
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "xmalloc", notes);
	int threads = (int)wl_int("threads");
	long long objects = wl_int("objects");
	struct worker *w = wl_meta_alloc(sizeof(*w) * threads);
	double secs;

	min_size = wl_size("min-size");
	max_size = wl_size("max-size");
	batch = (size_t)wl_int("batch");
	wl_require_le("min-size", "max-size");
	total = objects * threads;
	for (int t = 0; t < threads; t++) {
		pthread_mutex_init(&w[t].lock, NULL);
		w[t].cap = QUEUE_BATCHES * batch;
		w[t].ring = wl_meta_alloc(sizeof(struct item) * w[t].cap);
		w[t].out = wl_meta_alloc(sizeof(struct item) * batch);
		w[t].succ = &w[(t + 1) % threads];
		w[t].objects = objects;
		wl_rng_seed(&w[t].rng, (uint64_t)wl_int("seed"), (uint64_t)t);
	}
	secs = wl_run_threads(threads, NULL, work, w, sizeof(*w));
	if (atomic_load(&freed) != total)
		wl_fail("freed %lld objects of %lld", (long long)atomic_load(&freed), total);
	wl_result("ops_per_sec", 2.0 * (double)total / secs, "ops/s", 1,
		  " threads=%d objects=%lld seconds=%.6f min_size=%zu max_size=%zu batch=%zu",
		  threads, total, secs, min_size, max_size, batch);
	return WL_EXIT_OK;
}
