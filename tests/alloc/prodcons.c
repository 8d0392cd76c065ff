/*
 * tests/alloc/prodcons.c - the producer-consumer pattern of the Hoard
 * paper's Section 2.2, for the blowup test (tests/alloc/blowup.sh).
 *
 * A producer thread allocates a batch of blocks and hands it to a consumer
 * thread, which frees them; then the next round.  The program never needs
 * more than one batch, so an allocator with bounded blowup keeps its peak
 * memory constant as rounds grow, while pure private heaps (the consumer's
 * frees go to the consumer's heap, which never allocates) grow by a batch
 * a round.  Prints "rounds=R peak_rss_kb=N" (VmHWM from /proc).
 * Arguments: rounds [blocks per round] [block size] [forks].  forks: child
 * processes started (and reaped) before the consumer thread, so that its
 * thread id is not the one after main's: with 3 and nothing else starting
 * a task meanwhile, the consumer's id is main's + 4.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long rounds, nblocks = 16384, block_size = 256;
static void **batch;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int full;	/* 1: batch ready for the consumer; 0: consumed */
static int done;

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (!full && !done)
			pthread_cond_wait(&cond, &lock);
		if (!full && done) {
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		pthread_mutex_unlock(&lock);
		for (long i = 0; i < nblocks; i++)
			free(batch[i]);
		pthread_mutex_lock(&lock);
		full = 0;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
}

static long peak_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 2) {
		fprintf(stderr, "usage: prodcons rounds [blocks] [size]\n");
		return 2;
	}
	rounds = atol(argv[1]);
	if (argc > 2)
		nblocks = atol(argv[2]);
	if (argc > 3)
		block_size = atol(argv[3]);
	for (long f = argc > 4 ? atol(argv[4]) : 0; f > 0; f--) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	batch = calloc((size_t)nblocks, sizeof(*batch));
	if (!batch || pthread_create(&t, NULL, consumer, NULL))
		return 1;
	for (long r = 0; r < rounds; r++) {
		for (long i = 0; i < nblocks; i++) {
			batch[i] = malloc((size_t)block_size);
			if (!batch[i])
				return 1;
			/* Touch it, as a real producer would. */
			memset(batch[i], (int)r, (size_t)block_size);
		}
		pthread_mutex_lock(&lock);
		full = 1;
		pthread_cond_broadcast(&cond);
		while (full)
			pthread_cond_wait(&cond, &lock);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	printf("rounds=%ld peak_rss_kb=%ld\n", rounds, peak_rss_kb());
	free(batch);
	return 0;
}
