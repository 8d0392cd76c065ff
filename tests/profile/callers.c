/*
 * tests/profile/callers.c - a program that makes known allocator calls, run
 * with the profiling shim preloaded by tests/profile/shim.sh (never
 * sanitized: it runs with another allocator in front).
 *
 *   callers threads T M K  T threads, each M rounds of one call to each
 *                          function, then K blocks handed to the next
 *                          thread, which frees them
 *   callers peak N         N blocks of 1000 bytes live at once, one thread
 *   callers running        exit() while two threads still allocate
 *   callers fork N         a forked child makes N mallocs and exits
 *   callers edge N         N blocks from the C library's own __libc_malloc
 *                          passed to free, and one to realloc (pointers the
 *                          shim did not hand out); realloc of a page-aligned
 *                          block; the calls that must fail (an invalid
 *                          alignment, an overflowing calloc); realloc(p, 0),
 *                          which frees with glibc behind the shim.  Exit
 *                          status: 0, or the number of the check that failed
 *   callers guard          with tests/profile/guardalloc behind the shim:
 *                          its blocks at the start of a mapping whose page
 *                          before is unreadable, passed to free and realloc
 *                          (the shim must not read in front of them)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long rounds, handed;
static int nthreads;
static void ***handoff;        /* handoff[t]: the blocks thread t gives to t+1 */
static pthread_barrier_t barrier;

/* One call to each of the eleven functions, and a free of each block. */
static void one_round(long i)
{
	void *p[9];
	size_t n = 16 + (size_t)(i % 200);
	int k;

	p[0] = malloc(n);
	p[1] = calloc(2, n);
	p[2] = realloc(malloc(n), 2 * n); /* a second malloc in this round */
	p[3] = reallocarray(NULL, 3, n);
	p[4] = memalign(64, n);
	if (posix_memalign(&p[5], 64, n))
		p[5] = NULL;
	p[6] = aligned_alloc(64, 256); /* n < 216 */
	p[7] = valloc(n);
	p[8] = pvalloc(n);
	if (malloc_usable_size(p[0]) < n)
		abort();
	for (k = 0; k < 9; k++) {
		if (!p[k])
			abort();
		memset(p[k], k, n);
		free(p[k]);
	}
}

static void *worker(void *arg)
{
	long t = (long)arg, i;

	for (i = 0; i < rounds; i++)
		one_round(i);
	for (i = 0; i < handed; i++)
		handoff[t][i] = malloc(32);
	pthread_barrier_wait(&barrier);
	/* free what the previous thread allocated */
	for (i = 0; i < handed; i++)
		free(handoff[(t + nthreads - 1) % nthreads][i]);
	return NULL;
}

/* glibc's own entry point: its blocks never pass through a preloaded malloc */
extern void *__libc_malloc(size_t n);

static int edge(long n)
{
	/* volatile: the compiler must not see the overflow coming */
	volatile size_t big = SIZE_MAX / 2;
	unsigned char *p, *q;
	void *r;
	long i;

	for (i = 0; i < n; i++)
		free(__libc_malloc(64));
	p = realloc(__libc_malloc(32), 64);
	if (!p)
		return 1;
	free(p);

	p = memalign(4096, 100);
	if (!p || (uintptr_t)p % 4096)
		return 2;
	memset(p, 7, 100);
	q = realloc(p, 5000);
	if (!q)
		return 3;
	for (i = 0; i < 100; i++)
		if (q[i] != 7)
			return 4;
	if (malloc_usable_size(q) < 5000)
		return 5;
	memset(q, 1, 5000);
	free(q);

	if (posix_memalign(&r, 24, 10) != EINVAL)
		return 6;
	if (calloc(big, 4) != NULL)
		return 7;
	r = realloc(NULL, 10);
	if (!r || malloc_usable_size(r) < 10)
		return 8;
	free(r);
	/* glibc frees on realloc(p, 0) and returns NULL: so must the shim in front */
	if (realloc(malloc(10), 0) != NULL)
		return 9;
	return 0;
}

static int guard(void)
{
	void *(*guard_alloc)(size_t);
	char *p, *q;

	*(void **)&guard_alloc = dlsym(RTLD_DEFAULT, "guard_alloc");
	if (!guard_alloc)
		return 10;
	p = guard_alloc(100);
	if (!p)
		return 11;
	memset(p, 3, 100);
	free(p);
	p = guard_alloc(100);
	if (!p)
		return 12;
	memset(p, 4, 100);
	q = realloc(p, 200);
	if (!q || q[99] != 4)
		return 13;
	free(q);
	return 0;
}

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		free(malloc(64));
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tid[64];
	long i;

	if (argc == 5 && !strcmp(argv[1], "threads")) {
		nthreads = atoi(argv[2]);
		rounds = atol(argv[3]);
		handed = atol(argv[4]);
		if (nthreads < 1 || nthreads > 64)
			return 2;
		handoff = calloc((size_t)nthreads, sizeof(*handoff));
		for (i = 0; i < nthreads; i++)
			handoff[i] = calloc((size_t)handed + 1, sizeof(void *));
		pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
		for (i = 0; i < nthreads; i++)
			if (pthread_create(&tid[i], NULL, worker, (void *)i))
				return 1;
		for (i = 0; i < nthreads; i++)
			pthread_join(tid[i], NULL);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "peak")) {
		long n = atol(argv[2]);
		void **v = calloc((size_t)n, sizeof(*v));

		for (i = 0; i < n; i++)
			v[i] = malloc(1000);
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "sizes")) {
		/* N blocks of each size at the edges of the power-of-two bins,
		 * and two requests that cannot be met */
		static const size_t sizes[] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 1023, 1024, 65535, 65536 };
		long n = atol(argv[2]);
		size_t k;
		volatile size_t huge;
		void *p;

		for (i = 0; i < n; i++)
			for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
				free(malloc(sizes[k]));
		/* volatile: sizes the compiler would flag; malloc must refuse them */
		huge = SIZE_MAX / 2 + 1;
		p = malloc(huge);
		if (p)
			return 1;
		huge = SIZE_MAX;
		p = malloc(huge);
		return p != NULL;
	}
	if (argc == 2 && !strcmp(argv[1], "running")) {
		for (i = 0; i < 2; i++)
			if (pthread_create(&tid[i], NULL, spin, NULL))
				return 1;
		usleep(100 * 1000);
		exit(0);
	}
	if (argc == 3 && !strcmp(argv[1], "fork")) {
		long n = atol(argv[2]);
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			for (i = 0; i < n; i++)
				free(malloc(8));
			exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			return 1;
		return WEXITSTATUS(status);
	}
	if (argc == 3 && !strcmp(argv[1], "edge"))
		return edge(atol(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "guard"))
		return guard();
	fprintf(stderr, "usage: callers threads T M K | peak N | sizes N | running | fork N | edge N | guard\n");
	return 2;
}
