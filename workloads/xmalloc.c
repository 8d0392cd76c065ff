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
 * stop when all 'threads' x batches-per-producer batches are popped); every
 * object holds its pattern until the check before its free.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char notes[] =
	"How this differs from mimalloc-bench's xmalloc-test: each producer\n"
	"allocates a fixed number of objects ('objects', rounded up to whole\n"
	"batches) instead of running for a time (-t), so that counted\n"
	"instructions repeat; the clock runs from the start line (all threads\n"
	"created) to the last join, not from before thread creation; sizes are\n"
	"uniform in [min-size, max-size] from a seeded xoshiro256** stream per\n"
	"producer (-s 64 is min-size=max-size=64; -s -1's list of 17 sizes is\n"
	"not offered); each object gets the original's memset of its first 128\n"
	"bytes and then the self-check's canaries, checked before the free.\n"
	"ops_per_sec counts malloc and free calls of the objects (twice the\n"
	"original's frees per second); the batch arrays are not counted.\n"
	"Like the original, --threads=N runs N producers and N consumers.";

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

static size_t min_size, max_size, per_batch;
static long long batches_per_producer;

struct worker {
	int producer;
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
 * with the object's index).  At the light level the canaries go on top;
 * at the full level the pattern covers everything. */
static inline void object_fill(void *p, size_t n, size_t index)
{
	if (wl_check_level == WL_CHECK_LIGHT)
		memset(p, (int)(index & 255), n < WRITTEN_BYTES ? n : WRITTEN_BYTES);
	wl_fill(p, n);
}

static void push(struct batch *b)
{
	pthread_mutex_lock(&lock);
	while (queued >= QUEUE_LIMIT)
		pthread_cond_wait(&not_full, &lock);
	b->next = stack;
	stack = b;
	queued++;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
}

/* NULL once every batch has been popped. */
static struct batch *pop(void)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&lock);
	while (!stack && popped < total_batches)
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

static void produce(struct worker *w)
{
	for (long long k = 0; k < batches_per_producer; k++) {
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
				object_fill(p, size, i);
				b->obj[i] = p;
			}
		} else {
			for (size_t i = 0; i < per_batch; i++) {
				size_t n = (size_t)wl_rng_range(&w->rng, min_size, max_size);
				void *p = malloc(n);

				if (!p)
					wl_fail("malloc(%zu) failed", n);
				object_fill(p, n, i);
				b->obj[i] = p;
				batch_sizes(b)[i] = n;
			}
		}
		push(b);
	}
}

static void consume(struct worker *w)
{
	struct batch *b;

	while ((b = pop())) {
		if (min_size == max_size) {
			const size_t size = min_size, count = per_batch;

			for (size_t i = 0; i < count; i++) {
				wl_check(b->obj[i], size);
				free(b->obj[i]);
			}
		} else {
			for (size_t i = 0; i < per_batch; i++) {
				wl_check(b->obj[i], batch_sizes(b)[i]);
				free(b->obj[i]);
			}
		}
		free(b);
		w->freed += (long long)per_batch;
	}
}

static void work(void *arg)
{
	struct worker *w = arg;

	if (w->producer)
		produce(w);
	else
		consume(w);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "xmalloc", notes);
	int threads = (int)wl_int("threads");
	long long objects = wl_int("objects"), freed = 0;
	struct worker *w = wl_meta_alloc(sizeof(*w) * 2 * threads);
	double secs;

	min_size = wl_size("min-size");
	max_size = wl_size("max-size");
	per_batch = (size_t)wl_int("batch");
	wl_require_le("min-size", "max-size");
	batches_per_producer = (objects + (long long)per_batch - 1) / (long long)per_batch;
	total_batches = batches_per_producer * threads;
	for (int t = 0; t < 2 * threads; t++) {
		w[t].producer = t % 2;
		wl_rng_seed(&w[t].rng, (uint64_t)wl_int("seed"), (uint64_t)t);
	}
	secs = wl_run_threads(2 * threads, NULL, work, w, sizeof(*w));
	for (int t = 0; t < 2 * threads; t++)
		freed += w[t].freed;
	if (freed != total_batches * (long long)per_batch)
		wl_fail("freed %lld objects of %lld", freed, total_batches * (long long)per_batch);
	wl_result("ops_per_sec", 2.0 * (double)freed / secs, "ops/s", 1,
		  " threads=%d producers=%d consumers=%d objects=%lld seconds=%.6f min_size=%zu"
		  " max_size=%zu batch=%zu",
		  threads, threads, threads, freed, secs, min_size, max_size, per_batch);
	return WL_EXIT_OK;
}
