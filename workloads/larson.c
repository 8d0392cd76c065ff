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
 * Main first allocates every block, deals them to the chains in a random
 * order and replaces four times as many at random (the original's
 * warm-up, not timed).  Each thread writes the self-check's canaries into
 * its blocks (the original writes two bytes).  Blocks come from operator
 * new[] and go back through delete[], as the original's (C++) do.
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
	"How this differs from mimalloc-bench's larson (\"larson SECONDS MIN MAX\n"
	"BLOCKS ROUNDS SEED THREADS\" = --seconds --min-size --max-size --blocks\n"
	"--rounds --seed --threads): the clock runs from the start line (every\n"
	"first thread created) until the last thread of every chain has stopped\n"
	"and been joined, not from before thread creation; sizes are uniform in\n"
	"[min-size, max-size] (the original's in [min, max-1]) and sizes, slots\n"
	"and the warm-up come from seeded xoshiro256** streams; each block gets\n"
	"the self-check's canaries (16 bytes at each end, blocks up to 32 bytes\n"
	"whole), checked before its free, where the original writes two\n"
	"bytes.  As the original (built with CPP=1, as mimalloc-bench does),\n"
	"blocks come from operator new[] and go back through operator\n"
	"delete[]: the allocator's own when it defines them, else libstdc++'s\n"
	"(the record's allocation= says which).  ops_per_sec counts allocations\n"
	"and frees (twice the original's throughput).  How many operations fit\n"
	"in 'seconds' depends on timing; the self-check does not.";

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
/* new char[] and delete[], as the original (built with CPP=1) */
static void *(*op_new)(size_t);
static void (*op_delete)(void *);

static void *new_block(struct wl_rng *rng, size_t *len)
{
	size_t n = (size_t)wl_rng_range(rng, min_size, max_size);
	void *p = op_new(n);

	if (!p)
		wl_fail("operator new[](%zu) failed", n);
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
			op_delete(c->slot[i]);
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
	const char *api;
	double t0, t1;

	min_size = wl_size("min-size");
	max_size = wl_size("max-size");
	nblocks = (size_t)wl_int("blocks");
	rounds = wl_int("rounds");
	wl_require_le("min-size", "max-size");
	api = wl_cxx_new(&op_new, &op_delete);

	/* Warm-up, not timed, as the original's: main allocates every block,
	 * deals them out to the chains in a random order and then replaces
	 * four times as many random blocks, so that the chains start from a
	 * fragmented heap and their first frees are cross-thread. */
	size_t all = nblocks * (size_t)threads;
	void **slot = wl_meta_alloc(sizeof(void *) * all);
	size_t *len = wl_meta_alloc(sizeof(size_t) * all);
	struct wl_rng warm;

	wl_rng_seed(&warm, (uint64_t)wl_int("seed"), (uint64_t)threads);
	for (size_t i = 0; i < all; i++)
		slot[i] = new_block(&warm, &len[i]);
	for (size_t i = all; i > 1; i--) {
		size_t j = (size_t)wl_rng_range(&warm, 0, i - 1);
		void *p = slot[j];
		size_t n = len[j];

		slot[j] = slot[i - 1];
		len[j] = len[i - 1];
		slot[i - 1] = p;
		len[i - 1] = n;
	}
	for (size_t k = 0; k < 4 * all; k++) {
		size_t i = (size_t)wl_rng_range(&warm, 0, all - 1);

		wl_check(slot[i], len[i]);
		op_delete(slot[i]);
		slot[i] = new_block(&warm, &len[i]);
	}
	for (int t = 0; t < threads; t++) {
		c[t].id = t;
		c[t].slot = slot + (size_t)t * nblocks;
		c[t].len = len + (size_t)t * nblocks;
		wl_rng_seed(&c[t].rng, (uint64_t)wl_int("seed"), (uint64_t)t);
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
			op_delete(c[t].slot[i]);
		}
		ops += c[t].ops;
		handoffs += c[t].handoffs;
	}
	wl_result("ops_per_sec", (double)ops / (t1 - t0), "ops/s", 1,
		  " threads=%d ops=%llu seconds=%.6f handoffs=%lld blocks=%zu min_size=%zu max_size=%zu"
		  " allocation=%s",
		  threads, ops, t1 - t0, handoffs, nblocks, min_size, max_size, api);
	return WL_EXIT_OK;
}
