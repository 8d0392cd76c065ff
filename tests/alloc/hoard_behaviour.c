/*
 * tests/alloc/hoard_behaviour.c - Hoard's own rules, observed through its
 * statistics (hoard_stat, hoard_check found with dlsym).  Skips itself
 * under any other allocator; tests/alloc/suite.sh runs it under each hoard
 * configuration of allocators.list.
 *
 * - objects above S/2 are large objects, objects up to S/2 come from
 *   superblocks;
 * - freed large mappings are kept up to HOARD_LARGE_CACHE and reused (calloc
 *   then clears them; a second free of one is ignored), or, with no cache,
 *   unmapped at once as in the paper;
 * - size classes are b apart: usable size < b * n + 32 (16-byte steps);
 * - the emptiness invariant: a heap whose blocks are all freed keeps at most
 *   about K superblocks and gives the rest to the global heap, and another
 *   thread's heap then reuses them instead of asking the system for more;
 * - a block freed by another thread goes back to its superblock's owner,
 *   so the producer reuses it (no new superblocks), and a live thread holds
 *   back at most a bounded batch of them (with its cache);
 * - the blocks a thread caches go back when it exits;
 * - large objects up to 256 KiB take spans of an arena (with the cache):
 *   reused in place, grown in place by realloc, a second or an interior
 *   free ignored, given back by malloc_trim and zero when reused; without
 *   the cache (the paper) they are mappings of their own;
 * - realloc moves a large mapping it cannot grow in place, without copying;
 * - with the thread cache, transfers between a heap and the global heap go
 *   in batches (several superblocks under one lock of the global heap) and
 *   the invariant holds at every step while a heap drains and refills;
 *   without it (the paper's algorithm), one superblock per refill;
 * - hoard_check: heaps consistent and the invariant intact after each step.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../tap.h"

static int (*stat_fn)(const char *, uint64_t *);
static int (*check_fn)(void);

static uint64_t get_stat(const char *name)
{
	uint64_t v = 0;

	if (stat_fn(name, &v))
		tap_diag("no statistic '%s'", name);
	return v;
}

#define BLOCK 64

static size_t nblocks;
static void **blocks;

static void *alloc_all(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < nblocks; i++)
		blocks[i] = malloc(BLOCK);
	return NULL;
}

static void *free_all(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < nblocks; i++)
		free(blocks[i]);
	return NULL;
}

/* Frees them all and, before exiting (which flushes what it holds),
 * reads the bytes in use of all heaps into *arg. */
static void *free_all_and_measure(void *arg)
{
	free_all(NULL);
	*(uint64_t *)arg = get_stat("heap_in_use_bytes");
	return NULL;
}

/* Frees the ten blocks of *arg and exits. */
static void *free_ten(void *arg)
{
	void **v = arg;

	for (int i = 0; i < 10; i++)
		free(v[i]);
	return NULL;
}

static void *alloc_then_free(void *arg)
{
	alloc_all(arg);
	free_all(arg);
	return NULL;
}

/* Fills this thread's cache of 64-byte blocks, then exits. */
static void *fill_cache_and_exit(void *arg)
{
	void *v[64];

	(void)arg;
	for (int i = 0; i < 64; i++)
		v[i] = malloc(BLOCK);
	for (int i = 0; i < 64; i++)
		free(v[i]);
	return NULL;
}

/*
 * Three rounds of allocating all the blocks and freeing them all, with
 * hoard_check (which checks the invariant of every heap) every 1/64 of
 * each phase; *arg counts the checks that failed.
 */
static void *drain_refill_checked(void *arg)
{
	int *bad = arg;
	size_t step = nblocks / 64 ? nblocks / 64 : 1;

	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < nblocks; i++) {
			blocks[i] = malloc(BLOCK);
			if (i % step == 0 && check_fn())
				++*bad;
		}
		for (size_t i = 0; i < nblocks; i++) {
			free(blocks[i]);
			if (i % step == 0 && check_fn())
				++*bad;
		}
	}
	return NULL;
}

static void run_arg(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	pthread_create(&t, NULL, fn, arg);
	pthread_join(t, NULL);
}

static void run(void *(*fn)(void *))
{
	run_arg(fn, NULL);
}

/* The cache of freed large mappings, or its absence. */
static void large_cache(uint64_t S)
{
	uint64_t limit = get_stat("large_cache_limit"), maps, reuses, alloc0;
	size_t n = (size_t)S + 100, i, nonzero = 0;
	unsigned char *p, *q, *r;
	void *many[64];

	tap_diag("large cache limit %llu", (unsigned long long)limit);
	alloc0 = get_stat("allocated_bytes");
	p = malloc(n);
	memset(p, 0xab, n);
	free(p);
	maps = get_stat("os_maps");
	reuses = get_stat("large_reuses");
	q = calloc(1, n);
	for (i = 0; i < n; i++)
		nonzero += q[i] != 0;
	expect_int_eq((int)nonzero, 0, "calloc of a large object is zero, reused mapping or not");
	if (!limit) {
		expect_u64_eq(get_stat("os_maps"), maps + 1, "no cache: a large object is a new mapping");
		expect_u64_eq(get_stat("large_reuses"), reuses, "and none is reused");
		expect_u64_eq(get_stat("large_cached_bytes"), 0, "nothing is kept");
		free(q);
		expect_u64_eq(get_stat("allocated_bytes"), alloc0, "its free gives the pages back");
		return;
	}
	expect_u64_eq(get_stat("os_maps"), maps, "the freed mapping serves the next object of its size");
	expect_u64_eq(get_stat("large_reuses"), reuses + 1, "counted as a reuse");
	free(q);
	free(q); /* a second free of a kept mapping: ignored */
	q = malloc(n);
	r = malloc(n);
	expect_int_eq(q != r, 1, "a second free did not put the mapping in twice");
	free(q);
	free(r);
	/* more than the limit freed: what is kept stays within it, and A
	 * counts what is kept (memory still held from the system) */
	alloc0 = get_stat("allocated_bytes") - get_stat("large_cached_bytes");
	for (i = 0; i < 64; i++)
		many[i] = malloc(limit / 16 > S / 2 ? (size_t)(limit / 16) : (size_t)(S / 2 + 1));
	for (i = 0; i < 64; i++)
		free(many[i]);
	expect_int_eq(get_stat("large_cached_bytes") <= limit, 1, "the cache keeps at most its limit");
	expect_u64_eq(get_stat("allocated_bytes") - get_stat("large_cached_bytes"), alloc0,
		      "A, less what the cache keeps, is as before");
}

/*
 * Objects above S/2 in spans of an arena (with the cache of large
 * mappings on), or mappings of their own (the paper's algorithm).
 */
static void spans(uint64_t S)
{
	uint64_t limit, spans0, maps, live, rel0;
	size_t n = (size_t)S + 100, i, nonzero = 0;
	unsigned char *p, *q;
	int (*owns)(const void *);

	malloc_trim(0); /* nothing kept: the next span freed is kept */
	limit = get_stat("large_cache_limit");
	spans0 = get_stat("large_spans");
	maps = get_stat("os_maps");
	*(void **)&owns = dlsym(RTLD_DEFAULT, "hoard_owns");
	p = malloc(n);
	if (!limit || n + 128 > ((size_t)256 << 10)) {
		expect_u64_eq(get_stat("large_spans"), spans0,
			      "without the cache (or above 256 KiB) a large object is no span");
		free(p);
		return;
	}
	expect_u64_eq(get_stat("large_spans"), spans0 + 1, "an object above S/2 takes a span");
	expect_u64_eq(get_stat("os_maps"), maps, "and no mapping of its own");
	expect_u64_eq((uint64_t)((uintptr_t)p & (S - 1)), 128,
		      "its header is at the S boundary below it");
	ok(owns && owns(p), "a span's object is Hoard's");
	memset(p, 0xab, n);
	q = realloc(p, 2 * S - 200);
	ok(q == p, "realloc within its span keeps it in place");
	for (i = 0; i < n; i++)
		nonzero += q[i] != 0xab;
	expect_int_eq((int)nonzero, 0, "and keeps its contents");
	live = get_stat("large_live");
	free(q + 16);
	expect_u64_eq(get_stat("large_live"), live, "a pointer inside a span's object frees nothing");
	free(q);
	free(q);
	expect_u64_eq(get_stat("large_live"), live - 1, "a second free of a span is ignored");
	q = malloc(n);
	ok(q == p, "a freed span serves the next object of its size");
	free(q);
	rel0 = get_stat("spans_released");
	malloc_trim(0);
	ok(get_stat("spans_released") > rel0, "malloc_trim gives the kept spans' pages back");
	expect_u64_eq(get_stat("large_cached_bytes"), 0, "and keeps nothing");
	q = calloc(1, n);
	ok(q == p, "a released span serves the next object of its size");
	nonzero = 0;
	for (i = 0; i < n; i++)
		nonzero += q[i] != 0;
	expect_int_eq((int)nonzero, 0, "zero-filled");
	free(q);
	expect_int_eq(check_fn(), 0, "hoard_check after the spans");
}

/*
 * A heap that drains and refills (threadtest's pattern): with the thread
 * cache, each lock of the global heap moves several superblocks, and the
 * invariant holds at every step; the paper's algorithm (no cache) moves
 * one superblock per refill and, here, one per release.
 */
static void batched_transfers(void)
{
	const char *tc = getenv("HOARD_THREAD_CACHE");
	int cache = !(tc && strtoull(tc, NULL, 0) == 0);
	uint64_t to = get_stat("transfers_to_global"), from = get_stat("transfers_from_global");
	uint64_t acq = get_stat("global_lock_acquisitions"), moved;
	int bad = 0;

	run_arg(drain_refill_checked, &bad);
	moved = get_stat("transfers_to_global") - to + get_stat("transfers_from_global") - from;
	acq = get_stat("global_lock_acquisitions") - acq;
	tap_diag("drain and refill, 3 rounds: %llu superblocks moved under %llu global locks",
		 (unsigned long long)moved, (unsigned long long)acq);
	expect_int_eq(bad, 0, "the invariant holds at every step of batched drains and refills");
	if (cache)
		ok(moved >= 2 * acq && moved >= 200, "with the thread cache, transfers go in batches "
		   "(at least 2 superblocks per global lock)");
	else
		ok(moved <= acq + acq / 4, "the paper's algorithm moves about one superblock per global lock");
}

/*
 * realloc of a large mapping whose address space above is taken: the
 * mapping moves (its pages, nothing copied) instead of being copied, keeps
 * its contents and its offset from an S boundary (so free finds its
 * header), and the old pointer is no object any more.
 */
static void large_move(uint64_t S)
{
	size_t n = (size_t)1 << 20, page = (size_t)sysconf(_SC_PAGESIZE), bad = 0, i;
	unsigned char *p = malloc(n), *q;
	uintptr_t end;
	uint64_t moves, live;
	void *guard;

	if (!p) {
		ok(0, "malloc of 1 MiB");
		return;
	}
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	/* the page after the object's mapping: taken (by us, or already, as
	 * the kernel maps downwards), so that it cannot grow there */
	end = ((uintptr_t)p + malloc_usable_size(p) + page - 1) & ~(uintptr_t)(page - 1);
	guard = mmap((void *)end, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		     -1, 0);
	if (guard == MAP_FAILED && errno != EEXIST) {
		tap_skip(6, "cannot map the page after a large object");
		free(p);
		return;
	}
	if (guard != MAP_FAILED && guard != (void *)end) {
		/* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
		munmap(guard, page);
		tap_skip(6, "MAP_FIXED_NOREPLACE is not honoured here");
		free(p);
		return;
	}
	moves = get_stat("large_moves");
	live = get_stat("large_live");
	q = realloc(p, 4 * n);
	ok(q != NULL && q != p, "realloc of a large object hemmed in above moves it");
	expect_u64_eq(get_stat("large_moves"), moves + 1, "by moving its pages (no copy)");
	for (i = 0; q && i < n; i++)
		bad += q[i] != (unsigned char)(i * 7 + 3);
	expect_int_eq((int)bad, 0, "with its contents");
	expect_u64_eq((uint64_t)((uintptr_t)q & (S - 1)), (uint64_t)((uintptr_t)p & (S - 1)),
		      "at the same offset from an S boundary");
	ok(q && malloc_usable_size(q) >= 4 * n, "and its new size");
	free(p); /* the old pointer: no object any more, ignored */
	free(q);
	expect_u64_eq(get_stat("large_live"), live - 1, "freed once, by its new pointer");
	if (guard != MAP_FAILED)
		munmap(guard, page);
}

int main(void)
{
	uint64_t S, K, b_ppm, before, created, to, from, live;
	void *p, *q;
	int bad;

	*(void **)&stat_fn = dlsym(RTLD_DEFAULT, "hoard_stat");
	*(void **)&check_fn = dlsym(RTLD_DEFAULT, "hoard_check");
	if (!stat_fn || !check_fn)
		tap_skip_all("hoard is not the preloaded allocator");
	S = get_stat("superblock_size");
	K = get_stat("reserve_superblocks");
	b_ppm = get_stat("size_class_base_ppm");
	tap_diag("S=%llu K=%llu b=%.3f f=%.3f heaps=%llu", (unsigned long long)S,
		 (unsigned long long)K, b_ppm / 1e6, get_stat("empty_fraction_ppm") / 1e6,
		 (unsigned long long)get_stat("heaps"));

	before = get_stat("large_allocs");
	p = malloc(S / 2);
	expect_u64_eq(get_stat("large_allocs"), before, "malloc(S/2) comes from a superblock");
	q = malloc(S / 2 + 1);
	expect_u64_eq(get_stat("large_allocs"), before + 1, "malloc(S/2 + 1) is a large object");
	free(p);
	free(q);

	large_cache(S);

	bad = 0;
	for (size_t n = 1; n <= S / 2; n++) {
		void *r = malloc(n);
		size_t u = malloc_usable_size(r);

		if (u < n || (double)u >= (double)n * b_ppm / 1e6 + 32)
			bad++;
		free(r);
	}
	expect_int_eq(bad, 0, "usable size of every n <= S/2 lies in [n, b*n + 32)");

	/* 200 superblocks' worth of 64-byte blocks, allocated and freed by
	 * one thread: all but about K superblocks go to the global heap. */
	nblocks = (size_t)(200 * S / BLOCK);
	blocks = calloc(nblocks, sizeof(*blocks));
	created = get_stat("superblocks_created");
	to = get_stat("transfers_to_global");
	run(alloc_then_free);
	created = get_stat("superblocks_created") - created;
	to = get_stat("transfers_to_global") - to;
	tap_diag("first thread: %llu superblocks created, %llu moved to the global heap",
		 (unsigned long long)created, (unsigned long long)to);
	ok(created >= 190, "the first thread took about 200 superblocks");
	ok(to + K + 2 >= created, "emptying its heap moved all but <= K+2 superblocks to the global heap");
	expect_int_eq(check_fn(), 0, "hoard_check after the first thread");

	/* Another thread (another heap) allocates as much: it reuses them. */
	before = get_stat("superblocks_created");
	from = get_stat("transfers_from_global");
	run(alloc_all);
	tap_diag("second thread: %llu superblocks created, %llu taken from the global heap",
		 (unsigned long long)(get_stat("superblocks_created") - before),
		 (unsigned long long)(get_stat("transfers_from_global") - from));
	ok(get_stat("superblocks_created") - before <= K + 2,
	   "the second thread reuses the global heap's superblocks (<= K+2 new)");
	ok(get_stat("transfers_from_global") - from + K + 2 >= created,
	   "the second thread took them from the global heap");

	/* Its blocks freed by a third thread go back to the second thread's
	 * superblocks: allocating them again needs no new superblock.  While
	 * the third thread lives, it may hold back at most its batch of
	 * another heap's blocks (64) and its cache of them (64, when all
	 * threads share one heap). */
	before = get_stat("heap_in_use_bytes");
	run_arg(free_all_and_measure, &live);
	tap_diag("third thread frees %zu blocks of another thread: in use %llu -> %llu bytes "
		 "before it exits, %llu after", nblocks, (unsigned long long)before,
		 (unsigned long long)live, (unsigned long long)get_stat("heap_in_use_bytes"));
	ok(live + nblocks * BLOCK <= before + 128 * BLOCK,
	   "a thread holds back at most 128 blocks freed for another heap");
	expect_int_eq(check_fn(), 0, "hoard_check after cross-thread frees");

	/* Fewer than a batch: they go back when the thread exits. */
	{
		void *v[10];

		for (int i = 0; i < 10; i++)
			v[i] = malloc(BLOCK);
		before = get_stat("heap_in_use_bytes");
		run_arg(free_ten, v);
		expect_u64_eq(get_stat("heap_in_use_bytes") + 10 * BLOCK, before,
			      "blocks freed for another heap come back when the thread exits");
	}
	before = get_stat("superblocks_created");
	run(alloc_then_free);
	ok(get_stat("superblocks_created") - before <= K + 2,
	   "memory freed by another thread is reused (no blowup)");
	expect_int_eq(check_fn(), 0, "hoard_check after reuse");

	/* 300 short-lived threads: what their caches hold must come back
	 * when they exit, or 300 caches' worth of blocks stays in use. */
	before = get_stat("heap_in_use_bytes");
	for (int i = 0; i < 300; i++)
		run(fill_cache_and_exit);
	tap_diag("300 threads that exit with full caches: in use %llu -> %llu bytes",
		 (unsigned long long)before, (unsigned long long)get_stat("heap_in_use_bytes"));
	ok(get_stat("heap_in_use_bytes") <= before + 64 * BLOCK,
	   "threads that exit give their cached blocks back");
	expect_int_eq(check_fn(), 0, "hoard_check at the end");
	ok(get_stat("global_lock_acquisitions") > 0 && get_stat("peak_allocated_bytes") >= 200 * S,
	   "statistics count global lock acquisitions and peak allocated memory");
	batched_transfers();
	free(blocks);
	spans(S);
	large_move(S);
	tap_plan(tap_count);
	return tap_done();
}
