/*
 * tests/nextgen/behaviour.c - what makes libnextgen an offload allocator,
 * checked from inside a program that has it preloaded (behaviour.sh runs it
 * in each protocol and base):
 *
 *   behaviour            the server thread exists, is pinned where
 *                        NGMALLOC_CPU says, sleeps when the program does not
 *                        allocate; exiting threads hand their memory back;
 *                        more threads than cores finish; a fork child gets a
 *                        server of its own; memalign rounds a
 *                        non-power-of-two alignment up, as glibc does
 *   behaviour pairs N    N malloc/free pairs, for the statistics file
 *   behaviour double-free now|interleaved|others|threads|large
 *                        frees a block twice (see double_free): the
 *                        allocator must abort; exits 0 if it did not
 *   behaviour large-handoff
 *                        threads allocate large blocks that another
 *                        thread frees at once; all must be freed once
 *   behaviour trim-race  threads that idle briefly between bursts, their
 *                        blocks checked, while the allocator trims idle
 *                        threads as often as it can (NGMALLOC_TRIM_MS=1)
 *   behaviour idle-rss   a thread allocates 64 MiB of small blocks and four
 *                        large ones, frees them all and then idles: the
 *                        process's resident memory must come back down
 *   behaviour big MIB [THREADS]
 *                        one block of MIB MiB, written, while THREADS
 *                        (0-64) threads that have allocated are alive:
 *                        exits 0 when it could be had (behaviour.sh runs
 *                        it under ulimit -v)
 *   behaviour unshare    unshare(CLONE_NEWUSER) in a program whose server
 *                        runs: the server steps aside, the call succeeds as
 *                        under glibc, and a new server serves afterwards;
 *                        with a second client thread alive it fails as
 *                        under glibc (run without the library too)
 *   behaviour introspection
 *                        mallinfo2, mallinfo, malloc_trim, malloc_stats
 *                        and mallopt answer for the own heap, not glibc's
 *   behaviour fork-busy N
 *                        N forks while three threads allocate and free
 *                        without a pause: prints the mean and the median
 *                        time of fork() in microseconds, to be compared
 *                        with glibc's
 *   behaviour short-lived N
 *                        N children that allocate a little and exit, N of
 *                        them forked and N forked and exec'd: prints the
 *                        median lifetime of each kind in microseconds, to
 *                        be compared with glibc's (behaviour.sh)
 *   behaviour churn MS   MS milliseconds of allocations of 16 to 1024 bytes
 *                        and their frees, 4,096 live at a time, for the
 *                        statistics file (the crowded-machine test)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* The server's task id, 0 if there is none (waits up to 2 s for it). */
static int server_tid(void)
{
	for (int tries = 0; tries < 200; tries++) {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;
		int tid = 0;

		free(malloc(100));	/* a slow path starts the server */
		while (d && (e = readdir(d))) {
			char path[64], comm[32] = "";
			FILE *f;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
			f = fopen(path, "r");
			if (f && fgets(comm, sizeof(comm), f) && !strncmp(comm, "ngmalloc-srv", 12))
				tid = atoi(e->d_name);
			if (f)
				fclose(f);
		}
		if (d)
			closedir(d);
		if (tid)
			return tid;
		sleep_ms(10);
	}
	return 0;
}

static int task_field(int tid, const char *key, char *out, size_t len)
{
	char path[64], line[256];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			char *v = line + strlen(key);

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			snprintf(out, len, "%s", v);
			found = 1;
		}
	if (f)
		fclose(f);
	return found;
}

/* utime + stime of a task, in clock ticks; its state letter in *state. */
static long task_cpu(int tid, char *state)
{
	char path[64], buf[512], *p;
	unsigned long ut = 0, st = 0;
	ssize_t n;
	int fd;

	/* open and read, not stdio: an allocation would wake the server */
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 state, &ut, &st) != 3)
		return -1;
	return (long)(ut + st);
}

static long rss_kib(void)
{
	char v[64];

	return task_field((int)getpid(), "VmRSS:", v, sizeof(v)) ? atol(v) : -1;
}

static void *short_life(void *arg)
{
	void *p[20][8];

	(void)arg;
	for (int c = 0; c < 20; c++)
		for (int i = 0; i < 8; i++) {
			p[c][i] = malloc((size_t)(c + 1) * 48);
			memset(p[c][i], c, (size_t)(c + 1) * 48);
		}
	for (int c = 0; c < 20; c++)
		for (int i = 0; i < 8; i += 2)
			free(p[c][i]);	/* half freed, half left in the stocks' place */
	for (int c = 0; c < 20; c++)
		for (int i = 1; i < 8; i += 2)
			free(p[c][i]);
	return NULL;
}

/* A thread that allocates, then holds its block until the main thread
 * has had its big one (big_block). */
static pthread_barrier_t big_bar;

static void *big_holder(void *arg)
{
	char *p = malloc(100);

	(void)arg;
	if (p)
		memset(p, 1, 100);
	pthread_barrier_wait(&big_bar);	/* allocated */
	pthread_barrier_wait(&big_bar);	/* the big block was tried */
	free(p);
	return NULL;
}

/* One block of n bytes, written, while `threads` other threads that have
 * allocated are alive (their stacks 256 KiB, so that under ulimit -v the
 * stacks take little).  0 when the block could be had. */
static int big_block(size_t n, int threads)
{
	pthread_t t[64];
	pthread_attr_t a;
	char *p;
	int i, made = 0;

	if (threads < 0 || threads > 64)
		return 2;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256 << 10);
	pthread_barrier_init(&big_bar, NULL, (unsigned)threads + 1);
	for (i = 0; i < threads; i++)
		if (pthread_create(&t[i], &a, big_holder, NULL)) {
			fprintf(stderr, "thread %d of %d could not be created\n", i + 1, threads);
			return 2;
		}
	made = i;
	pthread_barrier_wait(&big_bar);
	p = malloc(n);
	if (p)
		for (size_t k = 0; k < n; k += 4096)
			p[k] = 1;
	else
		fprintf(stderr, "malloc(%zu) failed beside %d threads\n", n, threads);
	pthread_barrier_wait(&big_bar);
	for (i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	free(p);
	return p ? 0 : 1;
}

static int bad_blocks;

static void *busy(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	unsigned char *v[64] = { 0 };

	for (int r = 0; r < 40000; r++) {
		int i = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 64;
		size_t n = (seed >> 8) % 700 + 1;

		if (v[i]) {
			if (v[i][0] != (unsigned char)i)
				__atomic_add_fetch(&bad_blocks, 1, __ATOMIC_RELAXED);
			free(v[i]);
		}
		v[i] = malloc(n);
		v[i][0] = (unsigned char)i;
	}
	for (int i = 0; i < 64; i++)
		free(v[i]);
	return NULL;
}

static int pairs(long n)
{
	for (long i = 0; i < n; i++) {
		volatile char *p = malloc(64);

		p[0] = 1;
		free((void *)p);
	}
	return 0;
}

/* volatile: the compiler must not see (and warn about) the second free */
static void *volatile victim;

static void *free_victim(void *arg)
{
	(void)arg;
	free(victim);
	return NULL;
}

/*
 * Frees a 64-byte block twice: at once (now), with one other block freed in
 * between (interleaved: free(a); free(b); free(a)), with 64 others in
 * between (others), or the second time from another thread (threads); or
 * a 1 MiB block (a mapping of its own) twice at once (large).  The
 * allocator must abort; returns 0 if it did not.
 */
static int double_free(const char *how)
{
	void *b, *others[64];
	struct timespec ts = { 0, 20000000 };
	pthread_t t;

	/* past the start: the allocator core runs, this thread has its client */
	for (int i = 0; i < 20; i++) {
		free(malloc(64));
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	victim = malloc(!strcmp(how, "large") ? 1 << 20 : 64);
	b = malloc(64);
	memset(victim, 1, 64);
	memset(b, 2, 64);
	if (!strcmp(how, "threads")) {
		pthread_create(&t, NULL, free_victim, NULL);
		pthread_join(t, NULL);
	} else {
		free(victim);
	}
	if (!strcmp(how, "interleaved"))
		free(b);
	if (!strcmp(how, "others"))
		for (int i = 0; i < 64; i++)
			free(others[i] = malloc(64));
	free(victim);
	/* an allocator core finds it asynchronously: give it time */
	for (int i = 0; i < 100; i++) {
		free(malloc(64));
		nanosleep(&ts, NULL);
	}
	return 0;
}

/*
 * Large blocks handed from the thread that allocated them to one that
 * frees them at once: the freeing thread's free may reach the allocator
 * core before the record of the block, which its maker queued (a mapping
 * made by the client itself); the core looks at the newest thread first,
 * so the taker is the newer thread.  Every block must be freed exactly
 * once: no abort, and the statistics count no invalid free
 * (large-handoff).
 */
#define HANDOFF_N 300
static void *volatile handoff[HANDOFF_N];
static int handoff_missing;

static void *large_taker(void *arg)
{
	(void)arg;
	for (int i = 0; i < HANDOFF_N; i++) {
		void *p;

		while (!(p = __atomic_load_n(&handoff[i], __ATOMIC_ACQUIRE)))
			;
		if (p == (void *)1)
			handoff_missing++;
		else
			free(p);
	}
	return NULL;
}

static int large_handoff(void)
{
	pthread_t t;

	/* past the start: the allocator core runs, this thread has its client */
	for (int i = 0; i < 20; i++) {
		free(malloc(64));
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	pthread_create(&t, NULL, large_taker, NULL);
	/* the taker has registered (its first malloc) before the blocks come */
	nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	for (int i = 0; i < HANDOFF_N; i++) {
		char *p = malloc((size_t)(300 + i % 7 * 100) << 10);

		if (p)
			p[0] = (char)i;
		__atomic_store_n(&handoff[i], p ? p : (void *)1, __ATOMIC_RELEASE);
	}
	pthread_join(t, NULL);
	expect_int_eq(handoff_missing, 0, "%d large blocks allocated and freed by another thread",
		      HANDOFF_N);
	tap_plan(tap_count);
	return tap_done();
}

static pthread_mutex_t idle_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
static int idle_stage;

/* Sizes of the idle thread's blocks: ten classes from 24 bytes to 8000. */
static const size_t idle_sizes[] = { 24, 48, 96, 160, 320, 640, 1000, 2000, 4000, 8000 };
#define IDLE_SMALL_BYTES ((size_t)64 << 20)

static void *burst_then_idle(void *arg)
{
	enum { SMALL = 65536, LARGE = 4 };
	char **small = mmap(NULL, SMALL * sizeof(char *), PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *large[LARGE];
	size_t total = 0;
	int n = 0;

	(void)arg;
	/* 64 MiB, the same number of bytes of each size */
	while (total < IDLE_SMALL_BYTES && n < SMALL) {
		size_t k = idle_sizes[(n / 64) % (sizeof(idle_sizes) / sizeof(idle_sizes[0]))];

		small[n] = malloc(k);
		memset(small[n++], 3, k);
		total += k;
	}
	for (int i = 0; i < LARGE; i++) {
		large[i] = malloc((size_t)8 << 20);
		memset(large[i], 4, (size_t)8 << 20);
	}
	pthread_mutex_lock(&idle_mtx);
	idle_stage = 1;		/* the peak */
	pthread_cond_broadcast(&idle_cv);
	while (idle_stage == 1)
		pthread_cond_wait(&idle_cv, &idle_mtx);
	pthread_mutex_unlock(&idle_mtx);
	for (int i = 0; i < n; i++)
		free(small[i]);
	for (int i = 0; i < LARGE; i++)
		free(large[i]);
	munmap(small, SMALL * sizeof(char *));
	pthread_mutex_lock(&idle_mtx);
	idle_stage = 3;		/* freed; now idle until told to end */
	pthread_cond_broadcast(&idle_cv);
	while (idle_stage == 3)
		pthread_cond_wait(&idle_cv, &idle_mtx);
	pthread_mutex_unlock(&idle_mtx);
	return NULL;
}

static void idle_wait(int stage)
{
	pthread_mutex_lock(&idle_mtx);
	while (idle_stage != stage)
		pthread_cond_wait(&idle_cv, &idle_mtx);
	pthread_mutex_unlock(&idle_mtx);
}

static void idle_set(int stage)
{
	pthread_mutex_lock(&idle_mtx);
	idle_stage = stage;
	pthread_cond_broadcast(&idle_cv);
	pthread_mutex_unlock(&idle_mtx);
}

/*
 * What an idle thread may leave resident: the allocator's own structures
 * and one spare span per class; the 64 MiB burst and what the thread's
 * stocks and local stacks kept of it must be gone.
 */
#define IDLE_LEFT_KIB 4096
#define IDLE_WAIT_MS 3000

static int idle_rss(void)
{
	long base, peak, after = 0, waited = 0;
	pthread_t t;

	free(malloc(1000));
	base = rss_kib();
	pthread_create(&t, NULL, burst_then_idle, NULL);
	idle_wait(1);
	peak = rss_kib();
	idle_set(2);
	idle_wait(3);
	/* the thread now blocks on a condition variable, inside no allocator
	 * call: the allocator has IDLE_WAIT_MS to take its memory back */
	while (waited < IDLE_WAIT_MS) {
		sleep_ms(50);
		waited += 50;
		after = rss_kib();
		if (after - base < IDLE_LEFT_KIB)
			break;
	}
	idle_set(4);
	pthread_join(t, NULL);
	tap_plan(2);
	ok(peak - base > 90000, "the burst was resident (RSS %ld -> %ld KiB)", base, peak);
	ok(after - base < IDLE_LEFT_KIB,
	   "an idle thread's freed memory goes back: RSS %ld KiB at the peak, %ld KiB "
	   "above the start after %ld ms (limit %d KiB)",
	   peak, after - base, waited, IDLE_LEFT_KIB);
	return tap_done();
}

/*
 * Threads that go idle for a few milliseconds between bursts, while the
 * allocator (run with NGMALLOC_TRIM_MS=1) takes idle threads' blocks back
 * as often as it can: each block carries its owner's pattern, checked
 * before it is freed.  A block handed out twice, or lost to a race of the
 * handshake, shows as a wrong pattern (or a double-free abort).
 */
static int race_bad;

static void *trim_racer(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg, tag = seed & 0xff;
	unsigned char *v[256] = { 0 };
	size_t len[256];

	for (int round = 0; round < 150; round++) {
		for (int r = 0; r < 2000; r++) {
			int i = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 256;

			if (v[i]) {
				for (size_t j = 0; j < len[i]; j += 61)
					if (v[i][j] != tag)
						__atomic_add_fetch(&race_bad, 1, __ATOMIC_RELAXED);
				free(v[i]);
			}
			len[i] = (seed >> 8) % 3000 + 1;
			v[i] = malloc(len[i]);
			memset(v[i], (int)tag, len[i]);
		}
		sleep_ms(round % 4);	/* 0-3 ms: idle, or racing back in */
	}
	for (int i = 0; i < 256; i++)
		free(v[i]);
	return NULL;
}

static int trim_race(void)
{
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, trim_racer, (void *)(uintptr_t)(i * 77 + 11));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	tap_plan(1);
	expect_int_eq(race_bad, 0, "threads racing the idle trim keep their blocks intact");
	return tap_done();
}

/*
 * A short-lived process: a few blocks of several classes and one large
 * block, enough to start the server and to need its answers, then exit.
 */
static int short_child(void)
{
	void *p[64];

	for (int i = 0; i < 64; i++) {
		p[i] = malloc((size_t)(16 << (i % 8)));
		if (!p[i])
			return 1;
		memset(p[i], i, 16);
	}
	free(malloc(1 << 20));
	for (int i = 0; i < 64; i++)
		free(p[i]);
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* Blocks of several classes, freed in the order they came, so that the
 * thread's stocks run out and the server keeps working. */
static int churn(long ms)
{
	enum { LIVE = 4096 };
	static char *live[LIVE];
	long end = now_us() + ms * 1000, i = 0;

	while (now_us() < end)
		for (int k = 0; k < 1024; k++, i++) {
			size_t size = 16 + (size_t)(i * 37 % 1009);
			char *p = malloc(size);

			if (!p)
				return 1;
			p[0] = (char)i;
			p[size - 1] = (char)i;
			free(live[i % LIVE]);
			live[i % LIVE] = p;
		}
	for (int k = 0; k < LIVE; k++)
		free(live[k]);
	return 0;
}

/*
 * Times N children of each kind from fork to reaped: "fork" children run
 * short_child after the fork, "exec" children are this program started by
 * posix_spawn to run it in a new image.  A server that kept its process from exiting, or its
 * first answer waiting, shows as milliseconds here (an RCU grace period:
 * see membarrier_register in ngmalloc.c).
 */
static int short_lived(const char *self, long n)
{
	static long life[2][1000];
	char *child_argv[] = { (char *)self, (char *)"short-child", NULL };

	if (n < 1 || n > 1000)
		return 2;
	for (int kind = 0; kind < 2; kind++) {
		for (long i = 0; i < n; i++) {
			long t0 = now_us();
			int status;
			pid_t pid;

			if (kind == 1) {
				if (posix_spawn(&pid, self, NULL, NULL, child_argv, environ))
					return 1;
			} else if ((pid = fork()) == 0) {
				_exit(short_child());
			} else if (pid < 0) {
				return 1;
			}
			if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0) {
				fprintf(stderr, "short-lived: child %ld of kind %d failed (status %d)\n",
					i, kind, status);
				return 1;
			}
			life[kind][i] = now_us() - t0;
		}
		qsort(life[kind], (size_t)n, sizeof(long), cmp_long);
	}
	for (int kind = 0; kind < 2; kind++) {
		long sum = 0;

		for (long i = 0; i < n; i++)
			sum += life[kind][i];
		printf("%s_mean=%ld %s_median=%ld %s_max=%ld\n", kind ? "exec" : "fork", sum / n,
		       kind ? "exec" : "fork", life[kind][n / 2], kind ? "exec" : "fork",
		       life[kind][n - 1]);
	}
	return 0;
}

/*
 * glibc's introspection calls, answered by libnextgen for its own heap
 * (NGMALLOC_BASE=own): glibc's would speak of an arena nobody uses.
 */
static int introspection(void)
{
	enum { N = 20000, SIZE = 200 };
	static void *v[N];
	struct mallinfo2 m0, m1, m2, m3;
	struct mallinfo old;
	char text[1024] = "";
	void *big;
	int fds[2], saved, trimmed;
	ssize_t len;

	tap_plan(10);
	m0 = mallinfo2();
	for (int i = 0; i < N; i++) {
		v[i] = malloc(SIZE);
		if (v[i])
			memset(v[i], 1, SIZE);
	}
	m1 = mallinfo2();
	ok(m1.uordblks >= m0.uordblks + (size_t)N * SIZE,
	   "mallinfo2 counts the blocks handed out (uordblks %zu -> %zu for %d x %d bytes)",
	   m0.uordblks, m1.uordblks, N, SIZE);
	ok(m1.arena >= m1.uordblks && m1.fordblks == m1.arena - m1.uordblks,
	   "arena holds them, fordblks is the rest (%zu = %zu + %zu)", m1.arena, m1.uordblks,
	   m1.fordblks);
	big = malloc((size_t)8 << 20);
	if (big)
		memset(big, 2, 4096);
	/* a large block its thread mapped itself is recorded by the server
	 * when it gets to it */
	m2 = mallinfo2();
	for (int tries = 0; tries < 100 && m2.hblks == m1.hblks; tries++) {
		sleep_ms(10);
		m2 = mallinfo2();
	}
	ok(big && m2.hblks == m1.hblks + 1 && m2.hblkhd >= m1.hblkhd + ((size_t)8 << 20),
	   "a large block is one more mapping (hblks %zu -> %zu, hblkhd %zu -> %zu)", m1.hblks,
	   m2.hblks, m1.hblkhd, m2.hblkhd);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	old = mallinfo();
#pragma GCC diagnostic pop
	ok(old.hblks == (int)m2.hblks && old.arena > 0, "mallinfo says the same in ints");
	free(big);
	for (int i = 0; i < N; i++)
		free(v[i]);
	/* frees are queued for the server, which may release spans (free
	 * runs kept resident) after any one trim: trim until it has caught up */
	trimmed = malloc_trim(0);
	m3 = mallinfo2();
	for (int tries = 0; tries < 100 && (m3.keepcost || m3.hblks != m1.hblks); tries++) {
		sleep_ms(10);
		malloc_trim(0);
		m3 = mallinfo2();
	}
	ok(trimmed == 0 || trimmed == 1, "malloc_trim returns 0 or 1 (%d)", trimmed);
	ok(m3.keepcost == 0, "after malloc_trim nothing resident is kept free (keepcost %zu)",
	   m3.keepcost);
	ok(m3.hblks == m1.hblks, "the large block's mapping is gone (hblks %zu)", m3.hblks);
	ok(mallopt(M_ARENA_MAX, 2) == 0, "mallopt changes nothing in the own heap: 0");
	/* its few hundred bytes fit in a pipe's buffer */
	saved = dup(2);
	if (saved >= 0 && !pipe(fds)) {
		dup2(fds[1], 2);
		malloc_stats();
		dup2(saved, 2);
		close(fds[1]);
		len = read(fds[0], text, sizeof(text) - 1);
		text[len > 0 ? len : 0] = 0;
		close(fds[0]);
	}
	if (saved >= 0)
		close(saved);
	ok(strstr(text, "nextgen") != NULL, "malloc_stats speaks of nextgen's heap");
	ok(strstr(text, "in use bytes") != NULL && strstr(text, "system bytes") != NULL,
	   "in glibc's layout");
	return tap_done();
}

static void *wait_for_go(void *arg)
{
	_Atomic int *go = arg;
	void *p = malloc(64);	/* a client of its own */

	while (!atomic_load(go))
		sleep_ms(1);
	free(p);
	return NULL;
}

/*
 * unshare(CLONE_NEWUSER) needs a process of one thread.  Without the
 * library (glibc) the answers are the kernel's alone, so behaviour.sh runs
 * this both ways and expects the same.
 */
static int unshare_test(void)
{
	enum { N = 50000 };
	static unsigned char *v[N];
	int preloaded = dlsym(RTLD_DEFAULT, "ngmalloc_version") != NULL, bad = 0, r, err;
	_Atomic int go = 0;
	pthread_t t;

	tap_plan(5);
	if (preloaded)
		ok(server_tid() > 0, "a server runs before the call");
	else
		tap_skip(1, "libnextgen is not preloaded");
	/* a second thread with a client: the call must fail, as with glibc */
	pthread_create(&t, NULL, wait_for_go, &go);
	sleep_ms(20);
	r = unshare(CLONE_NEWUSER);
	err = errno;
	atomic_store(&go, 1);
	pthread_join(t, NULL);
	ok(r == -1 && err == EINVAL, "with two threads: EINVAL (%d, %s)", r, strerror(err));
	sleep_ms(20);	/* the joined thread leaves the group */
	for (int i = 0; i < N; i++) {
		v[i] = malloc(64 + i % 200);
		if (v[i])
			memset(v[i], i & 0xff, 64);
	}
	r = unshare(CLONE_NEWUSER);
	err = errno;
	ok(r == 0, "with one thread: 0 (%d, %s)", r, r ? strerror(err) : "ok");
	for (int i = 0; i < N; i++) {
		for (int j = 0; v[i] && j < 64; j++)
			bad += v[i][j] != (i & 0xff);
		free(v[i]);
	}
	expect_int_eq(bad, 0, "the blocks allocated before it are intact");
	if (preloaded)
		ok(server_tid() > 0, "a server runs again after it");
	else
		tap_skip(1, "libnextgen is not preloaded");
	return tap_done();
}

/* Threads that allocate and free until told to stop (fork_busy). */
static _Atomic int churn_stop;

static void *churner(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	void *v[256] = { 0 };

	while (!atomic_load_explicit(&churn_stop, memory_order_relaxed)) {
		int i = (int)((seed = seed * 1103515245u + 12345u) >> 16) & 255;
		size_t n = (seed >> 8) % (i < 8 ? 300000 : 2000) + 1;

		free(v[i]);
		v[i] = malloc(n);
		if (v[i])
			memset(v[i], 1, n < 64 ? n : 64);
	}
	for (int i = 0; i < 256; i++)
		free(v[i]);
	return NULL;
}

/*
 * More threads than cores keep the server busy, or off its CPU, while the
 * main thread forks: fork parks the server at a safe point first.  The
 * child allocates and exits.  Prints the mean and median of fork()'s own
 * time.
 */
static int fork_busy(long n)
{
	static long took[100000];
	pthread_t t[3];
	long total = 0;
	int bad = 0;

	if (n < 1 || n > 100000)
		return 2;
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, churner, (void *)(uintptr_t)(i * 7 + 1));
	for (long k = 0; k < n; k++) {
		long t0 = now_us();
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			void *p = malloc(1000);

			if (p)
				memset(p, 2, 1000);
			free(p);
			_exit(p ? 0 : 1);
		}
		took[k] = now_us() - t0;
		total += took[k];
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bad++;
	}
	atomic_store(&churn_stop, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	if (bad) {
		fprintf(stderr, "fork-busy: %d of %ld children failed\n", bad, n);
		return 1;
	}
	qsort(took, (size_t)n, sizeof(took[0]), cmp_long);
	printf("fork_mean=%ld fork_median=%ld\n", total / n, took[n / 2]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cpu = getenv("NGMALLOC_CPU");
	char allowed[64] = "", state = '?';
	pthread_t t[8];
	long before, after, c0, c1;
	int tid, status;
	pid_t pid;

	if (argc == 3 && !strcmp(argv[1], "pairs"))
		return pairs(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "double-free"))
		return double_free(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "large-handoff"))
		return large_handoff();
	if (argc == 2 && !strcmp(argv[1], "idle-rss"))
		return idle_rss();
	if (argc == 2 && !strcmp(argv[1], "trim-race"))
		return trim_race();
	if (argc == 2 && !strcmp(argv[1], "short-child"))
		return short_child();
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "big"))
		return big_block((size_t)atol(argv[2]) << 20, argc == 4 ? atoi(argv[3]) : 0);
	if (argc == 2 && !strcmp(argv[1], "unshare"))
		return unshare_test();
	if (argc == 2 && !strcmp(argv[1], "introspection"))
		return introspection();
	if (argc == 3 && !strcmp(argv[1], "fork-busy"))
		return fork_busy(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "churn"))
		return churn(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "short-lived"))
		return short_lived(argv[0], atol(argv[2]));
	if (!dlsym(RTLD_DEFAULT, "ngmalloc_version"))
		tap_skip_all("libnextgen is not preloaded");

	tid = server_tid();
	ok(tid > 0, "a server thread runs (task %d)", tid);
	if (cpu && *cpu && task_field(tid, "Cpus_allowed_list:", allowed, sizeof(allowed)))
		expect_str_eq(allowed, cpu, "the server is pinned to NGMALLOC_CPU");
	else
		tap_skip(1, "NGMALLOC_CPU not set");

	/* spin 10 us, yield 1 ms, then sleep: 300 ms idle is well past that */
	sleep_ms(300);
	c0 = task_cpu(tid, &state);
	sleep_ms(300);
	c1 = task_cpu(tid, &state);
	ok(c0 >= 0 && c1 >= c0 && c1 - c0 <= 3,
	   "an idle server sleeps (state %c, %ld ticks in 300 ms)", state, c1 - c0);

	/* threads that exit give back their stocks and queued frees */
	for (int i = 0; i < 20; i++) {
		pthread_create(&t[0], NULL, short_life, NULL);
		pthread_join(t[0], NULL);
	}
	before = rss_kib();
	for (int i = 0; i < 400; i++) {
		pthread_create(&t[0], NULL, short_life, NULL);
		pthread_join(t[0], NULL);
	}
	sleep_ms(50);
	after = rss_kib();
	ok(before > 0 && after - before < 16384,
	   "400 short-lived threads leave no memory behind (RSS %ld -> %ld KiB)", before, after);

	/* more threads than cores: all finish with their data intact */
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, busy, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	expect_int_eq(bad_blocks, 0, "8 threads on few cores allocate and free correctly");

	/* a fork child (of a process with a server) starts its own server */
	pid = fork();
	if (pid == 0) {
		alarm(20);
		for (int j = 0; j < 20000; j++)
			free(malloc((size_t)j % 3000 + 1));
		_exit(server_tid() > 0 && server_tid() != tid ? 0 : 3);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "a fork child allocates and has a server of its own");

	/* the POSIX rules of allocators/common/posix_alloc.h, as glibc's */
	{
		void *a = memalign(24, 100), *b;

		ok(a && (uintptr_t)a % 32 == 0, "memalign(24) rounds the alignment up to 32 (%p)", a);
		free(a);
		errno = 0;
		b = aligned_alloc(24, 100);
		ok(!b && errno == EINVAL, "aligned_alloc(24) is EINVAL");
		errno = 0;
		b = pvalloc(SIZE_MAX - 10);
		ok(!b && errno == ENOMEM, "pvalloc of a size whose rounding overflows is ENOMEM");
	}
	tap_plan(tap_count);
	return tap_done();
}
