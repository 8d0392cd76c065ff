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
 * warm-up, not timed).  Slots, sizes and chain seeds are the original's
 * lran2 draws, in the original's order.  Each block gets the original's
 * two bytes and the self-check's canaries on top.  Blocks come from
 * operator new[] and go back through delete[], as the original's (C++) do.
 *
 * Invariants: one thread at a time works on a chain (the successor starts
 * after its predecessor's last operation; the predecessor may still be
 * exiting); every thread is joined exactly once, by its successor (at the
 * successor's end) or, for the last of a chain, by main; every block holds
 * its pattern until the check before its free.
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
	"and been joined, not from before thread creation; every thread is\n"
	"joined (by its successor, at the successor's end, so that a successor\n"
	"runs while its predecessor exits, as in the original).  Sizes, slots\n"
	"and chain seeds are the original's: lran2 draws in its order, sizes\n"
	"min-size + draw % (max-size - min-size), so in [min-size, max-size - 1]\n"
	"unless the two are equal.  Each block gets the original's two bytes\n"
	"and, at check=light or full, the self-check's canaries (16 bytes at\n"
	"the head; at the tail for one block in 8 or when it shares the head's\n"
	"cache line), checked before its free; check=none writes only the\n"
	"original's two bytes (workloads/README.md: what each level costs).\n"
	"As the original (built with CPP=1, as mimalloc-bench does), blocks come\n"
	"from operator new[] and go back through operator\n"
	"delete[]: the allocator's own when it defines them, else libstdc++'s\n"
	"(the record's allocation= says which).  ops_per_sec counts allocations\n"
	"and frees (twice the original's throughput).  How many operations fit\n"
	"in 'seconds' depends on timing; the self-check does not.";

/* The original's random numbers: Gloger's lran2, a linear congruential
 * generator (the constants of Numerical Recipes) read through a shuffle
 * table of 97 entries.  Kept, rather than a faster generator, because the
 * original spends its two draws per operation (four divisions) between
 * the allocator's calls, and with it the slots and sizes are the
 * original's, draw for draw. */
#define LRAN2_MOD 714025L
#define LRAN2_MUL 1366L
#define LRAN2_ADD 150889L

struct lran2 {
	long x, y, v[97];
};

static void lran2_seed(struct lran2 *g, long seed)
{
	long x = (LRAN2_ADD - seed) % LRAN2_MOD;

	if (x < 0)
		x = -x;
	for (int j = 0; j < 97; j++) {
		x = (LRAN2_MUL * x + LRAN2_ADD) % LRAN2_MOD;
		g->v[j] = x;
	}
	g->x = (LRAN2_MUL * x + LRAN2_ADD) % LRAN2_MOD;
	g->y = g->x;
}

static long lran2(struct lran2 *g)
{
	int j = (int)(g->y % 97);

	g->y = g->v[j];
	g->x = (LRAN2_MUL * g->x + LRAN2_ADD) % LRAN2_MOD;
	g->v[j] = g->x;
	return g->y;
}

struct chain {
	int id;
	void **slot;
	size_t *len;
	struct lran2 rng;
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

/* A block of the original's size, min + lran2 % (max - min): in [min,
 * max - 1], or min when the two are equal.  The original writes two bytes
 * at its start and reads the first back (through volatile pointers); so
 * does this, at every check level, under the self-check's canaries
 * ('checked': see WL_BY_CHECK). */
static inline __attribute__((always_inline)) void *new_block(struct lran2 *rng, size_t *len,
							    int checked)
{
	size_t n = max_size == min_size ? min_size
		: min_size + (size_t)lran2(rng) % (max_size - min_size);
	char *p = op_new(n);
	volatile char *v = p;
	char got;

	if (!p)
		wl_fail("operator new[](%zu) failed", n);
	v[0] = 'a';
	got = v[0];
	if (n > 1)
		v[1] = 'b';
	(void)got;
	if (checked)
		wl_fill(p, n);
	*len = n;
	return p;
}

/* One thread's rounds of frees and allocations, compiled apart for
 * check=none (WL_BY_CHECK): 1 when it saw the stop. */
static inline __attribute__((always_inline)) int run_rounds(struct chain *c, int checked)
{
	for (long long r = 0; r < rounds; r++) {
		for (size_t k = 0; k < nblocks; k++) {
			if (atomic_load_explicit(&stop, memory_order_relaxed))
				return 1;
			size_t i = (size_t)lran2(&c->rng) % nblocks;

			if (checked)
				wl_check(c->slot[i], c->len[i]);
			op_delete(c->slot[i]);
			c->slot[i] = new_block(&c->rng, &c->len[i], checked);
			c->ops += 2;
		}
	}
	return atomic_load_explicit(&stop, memory_order_relaxed);
}

static void *chain_thread(void *arg)
{
	struct chain *c = arg;
	pthread_t prev = c->prev, next;
	int has_prev = c->has_prev, err;

	if (!has_prev)
		pthread_barrier_wait(&start_line);
	if (WL_BY_CHECK(run_rounds, c))
		goto stopped;
	/* The predecessor exited long ago (it started this thread as its
	 * last act): joining it here rather than at the start lets each
	 * successor run while its predecessor exits, as the original's
	 * threads (never joined there) do. */
	if (has_prev)
		pthread_join(prev, NULL);
	/* Hand the array over: the successor joins this thread at its end. */
	c->prev = pthread_self();
	c->has_prev = 1;
	c->handoffs++;
	err = pthread_create(&next, NULL, chain_thread, c);
	if (err)
		wl_skip("cannot start a successor thread: %s", strerror(err));
	return NULL;

stopped:
	if (has_prev)
		pthread_join(prev, NULL);
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
	struct lran2 warm;

	lran2_seed(&warm, (long)wl_int("seed"));
	for (size_t i = 0; i < all; i++)
		slot[i] = new_block(&warm, &len[i], 1);
	for (size_t i = all; i > 0; i--) {
		size_t j = (size_t)lran2(&warm) % i;
		void *p = slot[j];
		size_t n = len[j];

		slot[j] = slot[i - 1];
		len[j] = len[i - 1];
		slot[i - 1] = p;
		len[i - 1] = n;
	}
	for (size_t k = 0; k < 4 * all; k++) {
		size_t i = (size_t)lran2(&warm) % all;

		wl_check(slot[i], len[i]);
		op_delete(slot[i]);
		slot[i] = new_block(&warm, &len[i], 1);
	}
	for (int t = 0; t < threads; t++) {
		c[t].id = t;
		c[t].slot = slot + (size_t)t * nblocks;
		c[t].len = len + (size_t)t * nblocks;
		/* as the original: each chain's seed is the next draw */
		lran2_seed(&c[t].rng, lran2(&warm));
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
