/*
 * tests/alloc/torture.c - a multithreaded allocator torture test, run under
 * every allocator by tests/alloc/suite.sh.
 *
 * THREADS threads each run OPS random operations: allocate a block of a
 * random size (mostly small, some medium, a few above any superblock) with
 * a random API function, fill it with a pattern derived from its address
 * and size, and swap it into a random shared slot; the block that comes
 * out, usually allocated by another thread, is verified and then freed,
 * realloc'ed (verified again at its new place) or kept.  Every block is
 * verified before it is freed.  Arguments: [threads] [ops per thread].
 *
 * Under hoard, hoard_check() (found with dlsym) must find its heaps
 * consistent and the emptiness invariant intact at the end.
 */
#include "config.h"

#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"

#define NSLOTS 4096

struct slot {
	pthread_mutex_t lock;
	unsigned char *p;
	size_t size;
};

static struct slot slots[NSLOTS];
static long ops_per_thread = 100000;

struct result {
	long corrupt, misaligned, short_usable, failed;
};

static inline uint64_t rng(uint64_t *s)
{
	/* xorshift64*: seeded per thread, so runs are repeatable. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static inline uint64_t pattern_word(const unsigned char *p, size_t size, size_t i)
{
	return ((uint64_t)(uintptr_t)p ^ (size << 40)) * 0x9e3779b97f4a7c15ull + i;
}

static void fill(unsigned char *p, size_t size)
{
	size_t words = size / 8;

	for (size_t i = 0; i < words; i++) {
		uint64_t w = pattern_word(p, size, i);

		memcpy(p + i * 8, &w, 8);
	}
	for (size_t i = words * 8; i < size; i++)
		p[i] = (unsigned char)(pattern_word(p, size, i) >> 3);
}

/*
 * Checks the first len bytes of p against the pattern of a block of the
 * given size at address at: at == p for a block in place, the old address
 * for one that realloc moved (the pattern is address-derived).
 */
static int verify_as(const unsigned char *p, const unsigned char *at, size_t size, size_t len)
{
	size_t words = len / 8;

	for (size_t i = 0; i < words; i++) {
		uint64_t w;

		memcpy(&w, p + i * 8, 8);
		if (w != pattern_word(at, size, i))
			return 0;
	}
	for (size_t i = words * 8; i < len && len == size; i++)
		if (p[i] != (unsigned char)(pattern_word(at, size, i) >> 3))
			return 0;
	return 1;
}

static int verify(const unsigned char *p, size_t size)
{
	return verify_as(p, p, size, size);
}

static size_t random_size(uint64_t *s)
{
	uint64_t r = rng(s);

	unsigned kind = (unsigned)(r % 1000);

	if (kind < 2)
		return (size_t)(r >> 20) % (1 << 20);	/* up to 1 MiB */
	if (kind < 50)
		return (size_t)(r >> 20) % 20000;	/* around S */
	return (size_t)(r >> 20) % 300;			/* the common case */
}

static unsigned char *random_alloc(uint64_t *s, size_t size, struct result *res)
{
	uint64_t r = rng(s) % 16;
	size_t align = _Alignof(max_align_t);
	void *p = NULL;

	/* C17 7.22.3: n bytes need no more than the largest power of two
	 * <= n (small blocks of jemalloc, tcmalloc, mimalloc are 8-aligned). */
	while (align > 1 && align > size)
		align /= 2;
	/* jemalloc ignores the alignment of empty aligned blocks (known
	 * deviation, tested by the conformance suite): ask for one byte. */
	if (r >= 1 && r <= 3 && size == 0)
		size = 1;

	switch (r) {
	case 0:
		p = calloc(1, size);
		if (p)
			for (size_t i = 0; i < size; i++)
				if (((unsigned char *)p)[i]) {
					res->corrupt++;
					break;
				}
		break;
	case 1:
		align = (size_t)1 << (rng(s) % 13);
		if (align < sizeof(void *))
			align = sizeof(void *);
		if (posix_memalign(&p, align, size))
			p = NULL;
		break;
	case 2:
		align = (size_t)1 << (rng(s) % 13);
		p = memalign(align, size);
		break;
	case 3:
		align = (size_t)1 << (rng(s) % 13);
		size = (size + align - 1) / align * align;
		p = aligned_alloc(align, size);
		break;
	default:
		p = malloc(size);
		break;
	}
	if (!p) {
		res->failed++;
		return NULL;
	}
	if ((uintptr_t)p & (align - 1))
		res->misaligned++;
	if (malloc_usable_size(p) < size)
		res->short_usable++;
	return p;
}

static void *worker(void *arg)
{
	struct result *res = arg;
	uint64_t s = 0x12345678u + (uint64_t)(uintptr_t)arg * 7919;

	for (long op = 0; op < ops_per_thread; op++) {
		size_t size = random_size(&s);
		unsigned char *p = random_alloc(&s, size, res), *out;
		size_t out_size;
		struct slot *sl;

		if (!p)
			continue;
		fill(p, size);
		sl = &slots[rng(&s) % NSLOTS];
		pthread_mutex_lock(&sl->lock);
		out = sl->p;
		out_size = sl->size;
		sl->p = p;
		sl->size = size;
		pthread_mutex_unlock(&sl->lock);
		if (!out)
			continue;
		if (!verify(out, out_size))
			res->corrupt++;
		if (rng(&s) % 8 == 0) {
			/* realloc someone else's block, then free it here. */
			size_t n = random_size(&s);
			unsigned char *q = realloc(out, n ? n : 1);

			if (!q) {
				res->failed++;
				free(out);
				continue;
			}
			if (!verify_as(q, out, out_size, n < out_size ? n : out_size))
				res->corrupt++;
			if (malloc_usable_size(q) < n)
				res->short_usable++;
			fill(q, n);
			if (!verify(q, n))
				res->corrupt++;
			free(q);
		} else {
			free(out);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t t[64];
	struct result res[64];
	struct result sum = { 0, 0, 0, 0 };
	long drained_bad = 0;
	int (*check)(void);

	if (argc > 2)
		ops_per_thread = atol(argv[2]);

	if (nthreads < 1 || nthreads > 64)
		nthreads = 4;
	for (int i = 0; i < NSLOTS; i++)
		pthread_mutex_init(&slots[i].lock, NULL);
	memset(res, 0, sizeof(res));
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, &res[i]);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		sum.corrupt += res[i].corrupt;
		sum.misaligned += res[i].misaligned;
		sum.short_usable += res[i].short_usable;
		sum.failed += res[i].failed;
	}
	for (int i = 0; i < NSLOTS; i++) {
		if (slots[i].p && !verify(slots[i].p, slots[i].size))
			drained_bad++;
		free(slots[i].p);
	}
	tap_plan(6);
	tap_diag("%d threads x %ld operations", nthreads, ops_per_thread);
	expect_int_eq(sum.failed, 0, "every allocation succeeds");
	expect_int_eq(sum.corrupt, 0, "every block keeps its pattern until freed (cross-thread)");
	expect_int_eq(drained_bad, 0, "blocks left in slots are intact at the end");
	if (sum.misaligned && getenv("NGB_ALLOC_DEVIATIONS") &&
	    strstr(getenv("NGB_ALLOC_DEVIATIONS"), "misaligned"))
		printf("not ok %d - every block has the alignment asked for (%ld not)"
		       " # TODO known deviation 'misaligned' of this allocator\n",
		       ++tap_count, sum.misaligned);
	else
		expect_int_eq(sum.misaligned, 0, "every block has the alignment asked for");
	expect_int_eq(sum.short_usable, 0, "usable size >= requested for every block");
	*(void **)&check = dlsym(RTLD_DEFAULT, "hoard_check");
	if (check)
		expect_int_eq(check(), 0, "hoard_check: heaps consistent, emptiness invariant holds");
	else
		tap_skip(1, "not hoard: no hoard_check");
	return tap_done();
}
