/*
 * tests/perfmon/pm-child.c - the program the perfmon tests count.
 *
 *   pm-child touch MIB THREADS  each thread faults in MIB MiB of fresh pages
 *   pm-child churn ROUNDS       single-threaded malloc/free churn with a
 *                               fixed seed (deterministic under cachegrind)
 *   pm-child sleep N            N short sleeps (N context switches at least)
 *   pm-child migrate N          moves itself between CPU 0 and 1 N times
 *
 * It runs with other allocators preloaded, so it is built without sanitizers.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static size_t touch_bytes;

static void *touch(void *arg)
{
	long page = 4096;
	volatile char *p = mmap(NULL, touch_bytes, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED)
		return (void *)1;
	/* One fault per page: transparent huge pages would hide them. */
	madvise((void *)p, touch_bytes, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < touch_bytes; off += (size_t)page)
		p[off] = 1;
	munmap((void *)p, touch_bytes);
	return NULL;
}

static int run_touch(long mib, long threads)
{
	pthread_t t[64];
	void *r;
	int bad = 0;

	if (threads < 1 || threads > 64 || mib < 1)
		return 2;
	touch_bytes = (size_t)mib << 20;
	for (long i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, touch, NULL))
			return 1;
	for (long i = 0; i < threads; i++) {
		pthread_join(t[i], &r);
		bad |= r != NULL;
	}
	return bad;
}

static int run_churn(long rounds)
{
	enum { SLOTS = 512 };
	void *slot[SLOTS] = { 0 };
	uint64_t x = 88172645463325252ULL, sum = 0;

	for (long i = 0; i < rounds * SLOTS; i++) {
		size_t k, size;

		/* xorshift64 (Marsaglia 2003): the same sequence on every run. */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = x % SLOTS;
		size = 8 + (x >> 32) % 1024;
		free(slot[k]);
		slot[k] = malloc(size);
		if (!slot[k])
			return 1;
		memset(slot[k], (int)k, size);
		sum += ((unsigned char *)slot[k])[size - 1];
	}
	for (int k = 0; k < SLOTS; k++)
		free(slot[k]);
	/* Printed so that the loop is not optimised away. */
	printf("%llu\n", (unsigned long long)sum);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "touch") == 0)
		return run_touch(atol(argv[2]), atol(argv[3]));
	if (argc == 3 && strcmp(argv[1], "churn") == 0)
		return run_churn(atol(argv[2]));
	if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
		struct timespec ts = { 0, 1000000 };

		for (long i = atol(argv[2]); i > 0; i--)
			nanosleep(&ts, NULL);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "migrate") == 0) {
		for (long i = atol(argv[2]); i > 0; i--) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(i & 1, &set);
			if (sched_setaffinity(0, sizeof(set), &set))
				return 77;
		}
		return 0;
	}
	fprintf(stderr, "usage: pm-child touch MIB THREADS | churn ROUNDS | sleep N | "
		"migrate N\n");
	return 2;
}
