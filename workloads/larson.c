/*
 * workloads/larson.c - the server simulation of Larson & Krishnan,
 * "Memory allocation for long-running server applications" (ISMM 1998),
 * as the Hoard paper runs it (Berger et al., ASPLOS 2000, section 5).
 *
 * Each of 'threads' chains owns an array of 'blocks' live blocks.  Its
 * thread repeatedly frees a random slot and allocates a block of random
 * size in [min-size, max-size] in its place; after 'rounds' x 'blocks'
 * replacements it starts a successor thread that carries on with the same
 * array and exits, so blocks are freed by threads other than the ones that
 * allocated them (the "bleeding" Larson and Krishnan saw in servers).
 *
 * Invariants: one thread at a time works on a chain (the successor starts
 * after its predecessor's last operation); every thread is joined exactly
 * once, by its successor or, for the last of a chain, by main; every block
 * holds its pattern until the check before its free.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

static const char notes[] =
	"How this differs from the well-known larson program: the clock covers\n"
	"the steady state only - from the moment every first thread waits at the\n"
	"start line (after the warm-up that fills all arrays) until the last\n"
	"thread of every chain has stopped - instead of a sleep in main; every\n"
	"thread is joined (by its successor, or by main for the last one) rather\n"
	"than left running; sizes, slots and the seed come from a per-chain\n"
	"xoshiro256** stream; every block is filled with an address-derived\n"
	"pattern and checked before it is freed.  ops_per_sec counts malloc and\n"
	"free calls.  How many operations fit in 'seconds' depends on timing;\n"
	"the self-check does not.";

struct chain {
	int id;
	void **slot;
	size_t *len;
	struct wl_rng rng;
	unsigned long long ops;
	long long handoffs;
	pthread_t prev;      /* the thread that started the current one */
	int has_prev;
	pthread_t last;      /* published by the thread that saw the stop */
	int done;
} __attribute__((aligned(64)));

static atomic_int stop;
static size_t min_size, max_size, nblocks;
static long long rounds;
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t start_line;

static void *new_block(struct wl_rng *rng, size_t *len)
{
	size_t n = (size_t)wl_rng_range(rng, min_size, max_size);
	void *p = malloc(n);

	if (!p)
		wl_fail("malloc(%zu) failed", n);
	wl_fill(p, n);
	*len = n;
	return p;
}

static void *chain_thread(void *arg)
{
	struct chain *c = arg;
	pthread_t next;
	int err;

	if (c->has_prev)
		pthread_join(c->prev, NULL);
	else
		pthread_barrier_wait(&start_line);
	for (long long r = 0; r < rounds; r++) {
		for (size_t k = 0; k < nblocks; k++) {
			if (atomic_load_explicit(&stop, memory_order_relaxed))
				goto stopped;
			size_t i = (size_t)wl_rng_range(&c->rng, 0, nblocks - 1);

			wl_check(c->slot[i], c->len[i]);
			free(c->slot[i]);
			c->slot[i] = new_block(&c->rng, &c->len[i]);
			c->ops += 2;
		}
	}
	/* Hand the array over: the successor joins this thread. */
	c->prev = pthread_self();
	c->has_prev = 1;
	c->handoffs++;
	err = pthread_create(&next, NULL, chain_thread, c);
	if (err)
		wl_skip("cannot start a successor thread: %s", strerror(err));
	return NULL;

stopped:
	pthread_mutex_lock(&done_lock);
	c->last = pthread_self();
	c->done = 1;
	pthread_cond_signal(&done_cond);
	pthread_mutex_unlock(&done_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "larson", notes);
	int threads = (int)wl_int("threads");
	double seconds = wl_double("seconds");
	struct chain *c = wl_meta_alloc(sizeof(*c) * threads);
	unsigned long long ops = 0;
	long long handoffs = 0;
	struct timespec ts;
	double t0, t1;

	min_size = wl_size("min-size");
	max_size = wl_size("max-size");
	nblocks = (size_t)wl_int("blocks");
	rounds = wl_int("rounds");
	wl_require_le("min-size", "max-size");

	/* Warm-up, not timed: main allocates every block, so the first frees
	 * of each chain are already cross-thread. */
	for (int t = 0; t < threads; t++) {
		c[t].id = t;
		c[t].slot = wl_meta_alloc(sizeof(void *) * nblocks);
		c[t].len = wl_meta_alloc(sizeof(size_t) * nblocks);
		wl_rng_seed(&c[t].rng, (uint64_t)wl_int("seed"), (uint64_t)t);
		for (size_t i = 0; i < nblocks; i++)
			c[t].slot[i] = new_block(&c[t].rng, &c[t].len[i]);
	}

	pthread_barrier_init(&start_line, NULL, (unsigned)threads + 1);
	for (int t = 0; t < threads; t++) {
		pthread_t tid;
		int err = pthread_create(&tid, NULL, chain_thread, &c[t]);

		if (err)
			wl_skip("cannot create thread %d of %d: %s", t + 1, threads, strerror(err));
	}
	pthread_barrier_wait(&start_line);
	t0 = wl_now();
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts))
		;
	atomic_store(&stop, 1);
	for (int t = 0; t < threads; t++) {
		pthread_mutex_lock(&done_lock);
		while (!c[t].done)
			pthread_cond_wait(&done_cond, &done_lock);
		pthread_mutex_unlock(&done_lock);
		pthread_join(c[t].last, NULL);
	}
	t1 = wl_now();

	for (int t = 0; t < threads; t++) {
		for (size_t i = 0; i < nblocks; i++) {
			wl_check(c[t].slot[i], c[t].len[i]);
			free(c[t].slot[i]);
		}
		ops += c[t].ops;
		handoffs += c[t].handoffs;
	}
	wl_result("ops_per_sec", (double)ops / (t1 - t0), "ops/s", 1,
		  " threads=%d ops=%llu seconds=%.6f handoffs=%lld blocks=%zu min_size=%zu max_size=%zu",
		  threads, ops, t1 - t0, handoffs, nblocks, min_size, max_size);
	return WL_EXIT_OK;
}
