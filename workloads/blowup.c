/*
 * workloads/blowup.c - the producer-consumer pattern with which the Hoard
 * paper (Berger et al., ASPLOS 2000, section 2.2) shows blowup: one thread
 * allocates blocks, other threads free them.  An allocator whose freed
 * memory goes to the freeing thread's heap and never back to the producer
 * grows without bound; one that returns it stays flat.
 *
 * Blowup is the paper's definition: the most memory the allocator held
 * divided by the most memory the program had live (requested bytes).  The
 * allocator's memory is measured as the growth of the peak resident set
 * over its value before the first round; it is reported after 1, 2, 4, ...
 * rounds and at the end, so a growing blowup shows.
 *
 * Invariant: in each round all objects are allocated (and filled) before
 * any is freed, so the live peak is exactly objects x size; every object
 * is checked before it is freed.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static const char notes[] =
	"How this differs from the paper's description: rounds are explicit (the\n"
	"producer allocates a whole round, the consumers free it, then the next\n"
	"round starts), so the live peak is known exactly; the consumers free\n"
	"the objects round-robin; with --threads=1 the producer frees its own\n"
	"objects, which gives the baseline; the peak RSS is reset (clear_refs)\n"
	"before the first round where the kernel allows it.  The time of the\n"
	"rounds is reported as 'seconds' but the metric is the blowup.\n"
	"--seed has no effect: nothing is random.";

struct team {
	int threads;
	long long rounds;
	size_t objects, size;
	void **obj;
	pthread_barrier_t ready, freed;
};

struct member {
	struct team *team;
	int id;
} __attribute__((aligned(64)));

#define MAX_MARKS 24

static size_t base_rss;
static double marks[MAX_MARKS];
static long long mark_round[MAX_MARKS];
static int nmarks;
static double last_blowup;

static void consume(struct team *tm, int id)
{
	int consumers = tm->threads > 1 ? tm->threads - 1 : 1;
	int me = tm->threads > 1 ? id - 1 : 0;

	for (size_t i = (size_t)me; i < tm->objects; i += (size_t)consumers) {
		wl_check(tm->obj[i], tm->size);
		free(tm->obj[i]);
	}
}

static void member_run(void *arg)
{
	struct member *m = arg;
	struct team *tm = m->team;

	for (long long r = 1; r <= tm->rounds; r++) {
		if (m->id == 0) {
			for (size_t i = 0; i < tm->objects; i++) {
				tm->obj[i] = malloc(tm->size);
				if (!tm->obj[i])
					wl_fail("malloc(%zu) failed in round %lld", tm->size, r);
				wl_fill(tm->obj[i], tm->size);
			}
		}
		pthread_barrier_wait(&tm->ready);
		if (m->id != 0 || tm->threads == 1)
			consume(tm, m->id);
		pthread_barrier_wait(&tm->freed);
		if (m->id == 0) {
			size_t peak = wl_rss_peak();
			double live = (double)tm->objects * (double)tm->size;

			last_blowup = peak > base_rss ? (double)(peak - base_rss) / live : 0;
			/* r is a power of two, or the last round */
			if (!(r & (r - 1)) || r == tm->rounds) {
				if (nmarks < MAX_MARKS) {
					marks[nmarks] = last_blowup;
					mark_round[nmarks++] = r;
				}
			}
		}
	}
}

static void member_setup(void *arg)
{
	struct member *m = arg;

	/* Touch the stack and let main take the baseline after all threads
	 * exist. */
	(void)m;
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "blowup", notes);
	struct team tm = {
		.threads = (int)wl_int("threads"),
		.rounds = wl_int("rounds"),
		.objects = (size_t)wl_int("objects"),
		.size = wl_size("size"),
	};
	struct member *m = wl_meta_alloc(sizeof(*m) * tm.threads);
	char extra[MAX_MARKS * 40] = "";
	size_t len = 0;
	double secs;

	tm.obj = wl_meta_alloc(sizeof(void *) * tm.objects);
	/* The bookkeeping array is part of the baseline, not of the blowup. */
	memset(tm.obj, 0, sizeof(void *) * tm.objects);
	pthread_barrier_init(&tm.ready, NULL, (unsigned)tm.threads);
	pthread_barrier_init(&tm.freed, NULL, (unsigned)tm.threads);
	for (int t = 0; t < tm.threads; t++) {
		m[t].team = &tm;
		m[t].id = t;
	}
	wl_rss_reset_peak();
	base_rss = wl_rss_now();
	if (!base_rss)
		wl_skip("cannot read the resident set size from /proc/self/status");
	secs = wl_run_threads(tm.threads, member_setup, member_run, m, sizeof(*m));
	for (int i = 0; i < nmarks; i++)
		len += (size_t)snprintf(extra + len, sizeof(extra) - len, " blowup_r%lld=%.4f",
					mark_round[i], marks[i]);
	wl_result("blowup", last_blowup, "ratio", 0,
		  " threads=%d rounds=%lld objects=%zu size=%zu live_bytes=%zu seconds=%.6f%s",
		  tm.threads, tm.rounds, tm.objects, tm.size, tm.objects * tm.size, secs, extra);
	return WL_EXIT_OK;
}
