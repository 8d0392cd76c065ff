/*
 * tests/trace/traceprog.c - programs of known allocation calls for the
 * trace tests (tests/trace/trace.sh), recorded with `ngbench trace record`.
 *
 *   traceprog single   every C function a known number of times: 300
 *                      malloc+free pairs, 40 calloc, 30 realloc chains of 3,
 *                      20 each of memalign, posix_memalign, aligned_alloc,
 *                      10 valloc, 25 malloc_usable_size; 77 blocks of 12345
 *                      bytes never freed
 *   traceprog threads  4 threads; each allocates 1000 blocks of 64 bytes that
 *                      the next thread frees (4000 cross-thread frees)
 *   traceprog fork     200 mallocs in the parent, a child that makes 150
 *                      malloc+free pairs of 48 bytes and exits, the parent 100 more
 *   traceprog none     no allocation call at all (uses no stdio)
 *
 * No stdio on the paths that are counted: its buffers would add calls.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *keep[100000];
static int nkeep;

static void single(void)
{
	void *p;

	for (int i = 0; i < 300; i++) {
		p = malloc((size_t)(i % 200) + 1);
		memset(p, 1, (size_t)(i % 200) + 1);
		free(p);
	}
	for (int i = 0; i < 40; i++)
		keep[nkeep++] = calloc((size_t)i + 1, 8);
	for (int i = 0; i < 30; i++) {
		p = realloc(NULL, 16);
		p = realloc(p, 400);
		p = realloc(p, 4000);
		keep[nkeep++] = p;
	}
	for (int i = 0; i < 20; i++) {
		keep[nkeep++] = memalign(64, 100);
		if (posix_memalign(&p, 256, 300) == 0)
			keep[nkeep++] = p;
		keep[nkeep++] = aligned_alloc(4096, 8192);
	}
	for (int i = 0; i < 10; i++)
		keep[nkeep++] = valloc(1000);
	for (int i = 0; i < 25; i++)
		if (malloc_usable_size(keep[i]) < 8)
			abort();
	for (int i = 0; i < nkeep; i++)
		free(keep[i]);
	nkeep = 0;
	/* never freed */
	for (int i = 0; i < 77; i++)
		keep[nkeep++] = malloc(12345);
}

#define NT 4
#define PER 1000
static void *handoff[NT][PER];
static pthread_barrier_t bar;

static void *thread_main(void *arg)
{
	long me = (long)arg;

	for (int i = 0; i < PER; i++)
		handoff[me][i] = malloc(64);
	pthread_barrier_wait(&bar);
	for (int i = 0; i < PER; i++)
		free(handoff[(me + NT - 1) % NT][i]);
	return NULL;
}

static void threads(void)
{
	pthread_t t[NT];

	pthread_barrier_init(&bar, NULL, NT);
	for (long i = 0; i < NT; i++)
		if (pthread_create(&t[i], NULL, thread_main, (void *)i))
			exit(77);
	for (int i = 0; i < NT; i++)
		pthread_join(t[i], NULL);
}

static void forking(void)
{
	pid_t pid;
	int st;

	for (int i = 0; i < 200; i++)
		keep[nkeep++] = malloc(32);
	pid = fork();
	if (pid < 0)
		exit(77);
	if (pid == 0) {
		for (int i = 0; i < 150; i++)
			free(malloc(48));
		exit(0);
	}
	waitpid(pid, &st, 0);
	for (int i = 0; i < 100; i++)
		keep[nkeep++] = malloc(32);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (!strcmp(argv[1], "single"))
		single();
	else if (!strcmp(argv[1], "threads"))
		threads();
	else if (!strcmp(argv[1], "fork"))
		forking();
	else if (strcmp(argv[1], "none"))
		return 2;
	return 0;
}
