/*
 * workloads/xmalloc.c - the xmalloc test of Lever & Boreham ("malloc()
 * Performance in a Multithreaded Linux Environment", USENIX 2000), as
 * mimalloc-bench runs it (bench/xmalloc-test, "xmalloc-test -w N -t 5
 * -s 64"), written anew.
 *
 * Thread roles: 'threads' producers and as many consumers.  A producer
 * allocates a batch array (from the allocator under test, as the original
 * does: 'batch' pointers, 32 KiB for 4096), fills it with 'batch' objects
 * of a size in [min-size, max-size], writes into each object and pushes the
 * batch onto one shared stack (last in, first out; a mutex and two
 * condition variables; at most QUEUE_LIMIT batches wait).  A consumer pops
 * any batch, frees its objects and the array.  So every free is a
 * cross-thread free, and the batches of all producers mix.
 *
 * Invariants: a producer waits while QUEUE_LIMIT batches are queued, so
 * memory is bounded; every batch pushed is popped exactly once (consumers
 * stop when all 'threads' x batches-per-producer batches are popped or,
 * with 'seconds', when the time is up: main then frees what is left);
 * every object holds its pattern until the check before its free.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

static const char notes[] =
	"How this differs from mimalloc-bench's xmalloc-test: by default each\n"
	"producer allocates a fixed number of objects ('objects', rounded up to\n"
	"whole batches), so that counted instructions repeat; --seconds=S runs\n"
	"for S seconds as the original's -t does (a timer thread that looks at\n"
	"the clock every millisecond, as the original's main thread, stops the\n"
	"producers and consumers; what is left in the queue then is freed after\n"
	"the clock and not counted, as in the original).  The clock runs from\n"
	"the start line (all threads created) to the last join, not from before\n"
	"thread creation; sizes are uniform in [min-size, max-size] from a\n"
	"seeded xoshiro256** stream per producer (-s 64 is\n"
	"min-size=max-size=64; -s -1's list of 17 sizes is not offered); each\n"
	"object gets the original's memset of its first 128 bytes and then the\n"
	"self-check's canaries, checked before the free.  ops_per_sec counts\n"
	"malloc and free calls of the objects (twice the original's frees per\n"
	"second); the batch arrays are not counted.  Like the original,\n"
	"--threads=N runs N producers and N consumers.";

/* The original's batch_count_limit. */
#define QUEUE_LIMIT 100
/* The original memsets the first 128 bytes of each object. */
#define WRITTEN_BYTES 128

struct batch {
	struct batch *next;
	void *obj[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static struct batch *stack;
static long long queued, popped, total_batches;
/* With 'seconds': set by the timer thread when the time is up. */
static atomic_int stop;
static double seconds;

static size_t min_size, max_size, per_batch;
static long long batches_per_producer;

enum { CONSUMER, PRODUCER, TIMER };

struct worker {
	int role;       /* CONSUMER, PRODUCER or TIMER */
	struct wl_rng rng;
	long long freed;
} __attribute__((aligned(64)));

/* The batch array: the pointers and, when sizes vary, the sizes after
 * them, so that the consumer can check each object (the original's array
 * holds only the pointers; with min-size=max-size, the default, so does
 * this one). */
static size_t batch_bytes(void)
{
	return sizeof(struct batch) +
	       per_batch * (sizeof(void *) + (min_size == max_size ? 0 : sizeof(size_t)));
}

static size_t *batch_sizes(struct batch *b)
{
	return (size_t *)&b->obj[per_batch];
}

/* What the original writes into an object: its first 128 bytes (a memset
 * with the object's index), at every check level: with none it is all
 * that is written, at the light level the canaries go on top, at the full
 * level the pattern covers everything.  The producer's and the consumer's
 * loops are compiled apart for check=none (WL_BY_CHECK). */
static inline __attribute__((always_inline)) void object_fill(void *p, size_t n, size_t index,
							       int checked)
{
	if (!checked || wl_check_level != WL_CHECK_FULL)
		memset(p, (int)(index & 255), n < WRITTEN_BYTES ? n : WRITTEN_BYTES);
	if (checked)
		wl_fill(p, n);
}

static void push(struct batch *b)
{
	pthread_mutex_lock(&lock);
	while (queued >= QUEUE_LIMIT && !atomic_load(&stop))
		pthread_cond_wait(&not_full, &lock);
	b->next = stack;
	stack = b;
	queued++;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
}

/* NULL once every batch has been popped or, with 'seconds', when the time
 * is up and no batch waits (as the original, a consumer that finds the
 * time up frees at most the batch it pops then). */
static struct batch *pop(void)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&lock);
	while (!stack && popped < total_batches && !atomic_load(&stop))
		pthread_cond_wait(&not_empty, &lock);
	if (stack) {
		b = stack;
		stack = b->next;
		queued--;
		popped++;
		pthread_cond_signal(&not_full);
		if (popped == total_batches)
			pthread_cond_broadcast(&not_empty);
	}
	pthread_mutex_unlock(&lock);
	return b;
}

static inline __attribute__((always_inline)) void produce_loop(struct worker *w, int checked)
{
	for (long long k = 0; k < batches_per_producer && !atomic_load(&stop); k++) {
		struct batch *b = malloc(batch_bytes());

		if (!b)
			wl_fail("malloc(%zu) failed", batch_bytes());
		if (min_size == max_size) {
			/* One size (-s 64): no draw, as the original; locals, so
			 * that they stay in registers across malloc. */
			const size_t size = min_size, count = per_batch;

			for (size_t i = 0; i < count; i++) {
				void *p = malloc(size);

				if (!p)
					wl_fail("malloc(%zu) failed", size);
				object_fill(p, size, i, checked);
				b->obj[i] = p;
			}
		} else {
			for (size_t i = 0; i < per_batch; i++) {
				size_t n = (size_t)wl_rng_range(&w->rng, min_size, max_size);
				void *p = malloc(n);

				if (!p)
					wl_fail("malloc(%zu) failed", n);
				object_fill(p, n, i, checked);
				b->obj[i] = p;
				batch_sizes(b)[i] = n;
			}
		}
		push(b);
	}
}

static inline __attribute__((always_inline)) void consume_loop(struct worker *w, int checked)
{
	struct batch *b;

	while ((b = pop())) {
		if (min_size == max_size) {
			const size_t size = min_size, count = per_batch;

			for (size_t i = 0; i < count; i++) {
				if (checked)
					wl_check(b->obj[i], size);
				free(b->obj[i]);
			}
		} else {
			for (size_t i = 0; i < per_batch; i++) {
				if (checked)
					wl_check(b->obj[i], batch_sizes(b)[i]);
				free(b->obj[i]);
			}
		}
		free(b);
		w->freed += (long long)per_batch;
		if (atomic_load(&stop))
			break;
	}
}

/* With 'seconds': stops the producers and the consumers when the time is
 * up, looking at the clock every millisecond as the original's main thread
 * does (usleep(1000)).  Its thousand wake-ups a second are part of the
 * original's load: each takes a core from one of the four busy threads on
 * a two-core machine. */
static void timer(void)
{
	const struct timespec ms = { 0, 1000000 };
	const double start = wl_now();

	do
		nanosleep(&ms, NULL);
	while (wl_now() - start <= seconds);
	pthread_mutex_lock(&lock);
	atomic_store(&stop, 1);
	pthread_cond_broadcast(&not_empty);
	pthread_cond_broadcast(&not_full);
	pthread_mutex_unlock(&lock);
}

static void work(void *arg)
{
	struct worker *w = arg;

	if (w->role == PRODUCER)
		WL_BY_CHECK(produce_loop, w);
	else if (w->role == CONSUMER)
		WL_BY_CHECK(consume_loop, w);
	else
		timer();
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "xmalloc", notes);
	int threads = (int)wl_int("threads");
	long long objects = wl_int("objects"), freed = 0;
	struct worker *w = wl_meta_alloc(sizeof(*w) * (2 * threads + 1));
	int workers = 2 * threads;
	double secs;

	min_size = wl_size("min-size");
	max_size = wl_size("max-size");
	per_batch = (size_t)wl_int("batch");
	wl_require_le("min-size", "max-size");
	seconds = wl_double("seconds");
	batches_per_producer = seconds > 0 ? LLONG_MAX
					   : (objects + (long long)per_batch - 1) / (long long)per_batch;
	total_batches = seconds > 0 ? LLONG_MAX : batches_per_producer * threads;
	for (int t = 0; t < 2 * threads; t++) {
		w[t].role = t % 2 ? PRODUCER : CONSUMER;
		wl_rng_seed(&w[t].rng, (uint64_t)wl_int("seed"), (uint64_t)t);
	}
	if (seconds > 0)
		w[workers++].role = TIMER;
	secs = wl_run_threads(workers, NULL, work, w, sizeof(*w));
	for (int t = 0; t < 2 * threads; t++)
		freed += w[t].freed;
	if (seconds > 0) {
		/* What the consumers left when the time was up, not counted
		 * (as the original). */
		while (stack) {
			struct batch *b = stack;

			stack = b->next;
			for (size_t i = 0; i < per_batch; i++) {
				wl_check(b->obj[i], min_size == max_size ? min_size : batch_sizes(b)[i]);
				free(b->obj[i]);
			}
			free(b);
		}
		if (freed != popped * (long long)per_batch)
			wl_fail("freed %lld objects of %lld popped", freed, popped * (long long)per_batch);
	} else if (freed != total_batches * (long long)per_batch)
		wl_fail("freed %lld objects of %lld", freed, total_batches * (long long)per_batch);
	wl_result("ops_per_sec", 2.0 * (double)freed / secs, "ops/s", 1,
		  " threads=%d producers=%d consumers=%d objects=%lld seconds=%.6f min_size=%zu"
		  " max_size=%zu batch=%zu timed=%s",
		  threads, threads, threads, freed, secs, min_size, max_size, per_batch,
		  seconds > 0 ? "seconds" : "objects");
	return WL_EXIT_OK;
}
