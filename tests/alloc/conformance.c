/*
 * tests/alloc/conformance.c - the C allocation API, against whichever
 * allocator is preloaded (run by tests/alloc/suite.sh under each one).
 *
 * Every function of the API; alignments of every kind; zero sizes;
 * overflow of calloc and reallocarray (NULL and ENOMEM); realloc growth and
 * shrink keeping the data; usable size >= requested; free(NULL); fork while
 * other threads allocate.  Built without sanitizers: it runs with other
 * allocators preloaded.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"

static const size_t sizes[] = {
	0, 1, 2, 7, 8, 15, 16, 17, 31, 32, 48, 63, 64, 65, 100, 127, 128, 129,
	200, 255, 256, 257, 500, 1000, 1023, 1024, 1025, 2000, 4000, 4095, 4096,
	4097, 5000, 8191, 8192, 8193, 16384, 30000, 65536, 100000, 131072,
	262145, 1 << 20, (1 << 22) + 3,
};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Hides impossible sizes from the compiler, which would warn about them. */
static size_t opaque(size_t v)
{
	volatile size_t x = v;

	return x;
}

/*
 * Known deviations of the preloaded allocator, named in
 * NGB_ALLOC_DEVIATIONS (comma-separated; allocators.list sets it): a check
 * it fails is reported "not ok ... # TODO", an expected failure that stays
 * visible in the log, and calls that would crash it are not made.
 *	errno		a failure does not always set errno to ENOMEM
 *	zero-align	memalign / valloc of size 0 ignore the alignment
 *	misaligned	memalign, posix_memalign and aligned_alloc results
 *			are not always aligned
 *	pvalloc		no pvalloc of its own (glibc's would hand it glibc's
 *			memory): not called
 */
static int deviates(const char *key)
{
	const char *d = getenv("NGB_ALLOC_DEVIATIONS");
	size_t n = strlen(key);

	for (; d && *d; d += strcspn(d, ","), d += *d == ',')
		if (!strncmp(d, key, n) && (d[n] == ',' || d[n] == '\0'))
			return 1;
	return 0;
}

/* ok(), unless the allocator is known to fail this: then a TODO. */
#define ok_unless(key, cond, ...)                                                 \
	do {                                                                      \
		if ((cond) || !deviates(key)) {                                   \
			ok(cond, __VA_ARGS__);                                    \
		} else {                                                          \
			printf("not ok %d - ", ++tap_count);                      \
			printf(__VA_ARGS__);                                      \
			printf(" # TODO known deviation '%s' of this allocator\n", key); \
			fflush(stdout);                                           \
		}                                                                 \
	} while (0)

/*
 * C17 7.22.3: a block must suit any object with a fundamental alignment
 * and a size not above the size requested.  An object of n bytes cannot
 * need more than the largest power of two <= n, so small blocks may be
 * less aligned than max_align_t (jemalloc, tcmalloc and mimalloc give
 * 8-byte blocks 8-byte alignment).
 */
static size_t fundamental_align(size_t n)
{
	size_t a = _Alignof(max_align_t);

	while (a > 1 && a > n)
		a /= 2;
	return a;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 31 + (i >> 8));
}

static int check(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 31 + (i >> 8)))
			return 0;
	return 1;
}

static int aligned_to(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

static void test_malloc(void)
{
	int bad_null = 0, bad_align = 0, bad_usable = 0, bad_data = 0;
	void *ptrs[NSIZES];

	for (size_t i = 0; i < NSIZES; i++) {
		ptrs[i] = malloc(sizes[i]);
		if (!ptrs[i]) {
			bad_null++;
			continue;
		}
		if (!aligned_to(ptrs[i], fundamental_align(sizes[i])))
			bad_align++;
		if (malloc_usable_size(ptrs[i]) < sizes[i])
			bad_usable++;
		fill(ptrs[i], sizes[i], (unsigned)i);
	}
	for (size_t i = 0; i < NSIZES; i++) {
		if (ptrs[i] && !check(ptrs[i], sizes[i], (unsigned)i))
			bad_data++;
		free(ptrs[i]);
	}
	expect_int_eq(bad_null, 0, "malloc returns a block for every size, 0 included");
	expect_int_eq(bad_align, 0, "malloc aligns for every object that fits (C17 7.22.3)");
	expect_int_eq(bad_usable, 0, "malloc_usable_size >= requested size");
	expect_int_eq(bad_data, 0, "blocks keep their data until freed (no overlap)");

	{
		void *a = malloc(0), *b = malloc(0);

		ok(a && b && a != b, "malloc(0) returns distinct pointers");
		free(a);
		free(b);
	}
	free(NULL);
	ok(1, "free(NULL) does nothing");
	expect_int_eq(malloc_usable_size(NULL), 0, "malloc_usable_size(NULL) is 0");

	errno = 0;
	ok(malloc(opaque(SIZE_MAX)) == NULL, "malloc(SIZE_MAX) fails");
	ok_unless("errno", errno == ENOMEM, "malloc(SIZE_MAX) sets errno to ENOMEM");
	errno = 0;
	ok(malloc(opaque((size_t)PTRDIFF_MAX + 1)) == NULL, "malloc(PTRDIFF_MAX + 1) fails");
	ok_unless("errno", errno == ENOMEM, "malloc(PTRDIFF_MAX + 1) sets errno to ENOMEM");
}

static void test_calloc(void)
{
	int bad = 0;

	for (size_t i = 0; i < NSIZES; i++) {
		/* Dirty a block of the same size first, so reuse is tested. */
		unsigned char *d = malloc(sizes[i]), *p;

		if (d)
			memset(d, 0xa5, sizes[i]);
		free(d);
		p = calloc(1, sizes[i]);
		if (!p) {
			bad++;
			continue;
		}
		for (size_t j = 0; j < sizes[i]; j++)
			if (p[j]) {
				bad++;
				break;
			}
		free(p);
	}
	expect_int_eq(bad, 0, "calloc returns zeroed memory for every size, after reuse too");

	{
		unsigned char *p = calloc(1000, 24);
		int zero = p != NULL;

		for (size_t j = 0; p && j < 24000; j++)
			zero &= p[j] == 0;
		ok(zero, "calloc(n, size) with n > 1 zeroes n * size bytes");
		free(p);
	}
	free(calloc(0, 10));
	free(calloc(10, 0));
	ok(1, "calloc with a zero count or size returns something freeable");

	errno = 0;
	ok(calloc(opaque(SIZE_MAX / 2), 3) == NULL, "calloc(SIZE_MAX / 2, 3) overflows: NULL");
	ok_unless("errno", errno == ENOMEM, "calloc(SIZE_MAX / 2, 3) overflows: ENOMEM");
	errno = 0;
	ok(calloc(opaque((size_t)1 << 33), (size_t)1 << 33) == NULL,
	   "calloc(2^33, 2^33) overflows: NULL");
	ok_unless("errno", errno == ENOMEM, "calloc(2^33, 2^33) overflows: ENOMEM");
}

static void test_realloc(void)
{
	unsigned char *p = realloc(NULL, 10), *q;
	size_t have = 10;
	int bad = 0;

	ok(p != NULL, "realloc(NULL, n) allocates");
	fill(p, have, 7);
	/* Grow through every size class kind, then shrink back. */
	for (size_t i = 0; i < NSIZES; i++) {
		size_t n = sizes[i] ? sizes[i] : 1;
		size_t keep = n < have ? n : have;

		q = realloc(p, n);
		if (!q) {
			bad++;
			break;
		}
		if (!check(q, keep, 7) || malloc_usable_size(q) < n)
			bad++;
		p = q;
		fill(p, n, 7);
		have = n;
	}
	expect_int_eq(bad, 0, "realloc growth keeps the data (1 B to 4 MiB)");
	bad = 0;
	for (size_t i = NSIZES; i-- > 1;) {
		size_t n = sizes[i];

		q = realloc(p, n);
		if (!q) {
			bad++;
			break;
		}
		if (!check(q, n, 7) || malloc_usable_size(q) < n)
			bad++;
		p = q;
		have = n;
	}
	expect_int_eq(bad, 0, "realloc shrink keeps the prefix (4 MiB to 1 B)");

	errno = 0;
	q = realloc(p, opaque(SIZE_MAX - 4096));
	ok(q == NULL && check(p, have, 7), "realloc to an impossible size fails and keeps the block");
	ok_unless("errno", errno == ENOMEM, "realloc to an impossible size sets ENOMEM");
	free(p);

	/* realloc(p, 0) is implementation-defined: it must not crash. */
	p = malloc(100);
	q = realloc(p, 0);
	free(q);
	ok(1, "realloc(p, 0) frees or shrinks without crashing");
}

/* A failed reallocarray leaves the block valid: that is what is tested. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuse-after-free"
__attribute__((noinline)) static void test_reallocarray(void)
{
	unsigned char *p = reallocarray(NULL, 10, 10), *q;

	ok(p != NULL && malloc_usable_size(p) >= 100, "reallocarray(NULL, 10, 10) allocates 100 bytes");
	fill(p, 100, 3);
	q = reallocarray(p, 100, 100);
	ok(q != NULL && check(q, 100, 3) && malloc_usable_size(q) >= 10000,
	   "reallocarray grows and keeps the data");
	if (q)
		p = q;
	errno = 0;
	q = reallocarray(p, opaque(SIZE_MAX / 2), 3);
	ok(q == NULL, "reallocarray overflow: NULL");
	ok_unless("errno", errno == ENOMEM, "reallocarray overflow: ENOMEM");
	ok(check(p, 100, 3), "reallocarray overflow leaves the block intact");
	free(p);
}
#pragma GCC diagnostic pop

static const size_t aligns[] = {
	1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
	32768, 65536, 1 << 17, 1 << 20, 1 << 21,
};
static const size_t align_sizes[] = { 0, 1, 7, 16, 100, 1000, 4095, 4097, 5000, 100000 };

enum align_fn { F_POSIX_MEMALIGN, F_MEMALIGN, F_ALIGNED_ALLOC };

static void test_aligned(enum align_fn fn, const char *name)
{
	int bad_null = 0, bad_align = 0, bad_zero = 0, bad_usable = 0, bad_data = 0, n = 0;

	for (size_t a = 0; a < sizeof(aligns) / sizeof(aligns[0]); a++) {
		for (size_t s = 0; s < sizeof(align_sizes) / sizeof(align_sizes[0]); s++) {
			size_t align = aligns[a], size = align_sizes[s];
			void *p = NULL;

			if (fn == F_POSIX_MEMALIGN) {
				if (align < sizeof(void *))
					continue;
				if (posix_memalign(&p, align, size))
					p = NULL;
			} else if (fn == F_MEMALIGN) {
				p = memalign(align, size);
			} else {
				/* C11: size a multiple of the alignment. */
				size = (size + align - 1) / align * align;
				p = aligned_alloc(align, size);
			}
			n++;
			if (!p) {
				bad_null++;
				continue;
			}
			if (!aligned_to(p, align)) {
				if (size == 0)
					bad_zero++;
				else if (bad_align++ < 3)
					tap_diag("%s(%zu, %zu) = %p", name, align, size, p);
			}
			if (malloc_usable_size(p) < size)
				bad_usable++;
			fill(p, size, (unsigned)(a + s));
			if (!check(p, size, (unsigned)(a + s)))
				bad_data++;
			free(p);
		}
	}
	expect_int_eq(bad_null, 0, "%s: %d requests of alignments 1 B to 2 MiB succeed", name, n);
	ok_unless("misaligned", bad_align == 0,
		  "%s: results are aligned (%d not)", name, bad_align);
	ok_unless("zero-align", bad_zero == 0, "%s: results of size 0 are aligned too", name);
	expect_int_eq(bad_usable, 0, "%s: usable size >= requested", name);
	expect_int_eq(bad_data, 0, "%s: whole block writable", name);
}

static void test_alignment_api(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = (void *)1;
	int r;

	test_aligned(F_POSIX_MEMALIGN, "posix_memalign");
	test_aligned(F_MEMALIGN, "memalign");
	test_aligned(F_ALIGNED_ALLOC, "aligned_alloc");

	{
		/* Aligned empty blocks are blocks too: none may be, or overlap,
		 * another block. */
		void *v[128];
		int dup = 0;

		for (int i = 0; i < 128; i++)
			v[i] = i % 2 ? malloc(16) : memalign(32, 0);
		for (int i = 0; i < 128; i++)
			for (int j = 0; j < i; j++)
				dup += v[i] == v[j] || !v[i];
		for (int i = 0; i < 128; i++)
			free(v[i]);
		expect_int_eq(dup, 0, "memalign(32, 0) blocks are distinct from malloc(16) blocks");
	}

	r = posix_memalign(&p, 0, 16);
	ok(r == EINVAL && p == (void *)1, "posix_memalign alignment 0: EINVAL, *out untouched");
	r = posix_memalign(&p, 24, 16);
	expect_int_eq(r, EINVAL, "posix_memalign alignment 24 (not a power of two): EINVAL");
	r = posix_memalign(&p, sizeof(void *) / 2, 16);
	expect_int_eq(r, EINVAL, "posix_memalign alignment below sizeof(void *): EINVAL");
	r = posix_memalign(&p, 64, opaque(SIZE_MAX - 4096));
	expect_int_eq(r, ENOMEM, "posix_memalign of an impossible size: ENOMEM");

	p = valloc(100);
	ok(p && aligned_to(p, (size_t)page) && malloc_usable_size(p) >= 100, "valloc is page-aligned");
	free(p);
	p = valloc(0);
	ok(p != NULL, "valloc(0) returns something freeable");
	ok_unless("zero-align", aligned_to(p, (size_t)page), "valloc(0) is page-aligned");
	free(p);
	if (deviates("pvalloc")) {
		printf("not ok %d - pvalloc # TODO known deviation 'pvalloc' of this allocator\n",
		       ++tap_count);
		return;
	}
	p = pvalloc(100);
	ok(p && aligned_to(p, (size_t)page) && malloc_usable_size(p) >= (size_t)page,
	   "pvalloc is page-aligned and rounds the size up to a page");
	if (p)
		memset(p, 1, (size_t)page);
	free(p);
	/* glibc rounds 0 to 0 pages and gives a minimum block: no more. */
	p = pvalloc(0);
	ok(p && aligned_to(p, (size_t)page), "pvalloc(0) returns a page-aligned block");
	free(p);
}

/* Many live blocks of mixed sizes: none overlaps another. */
static void test_many(void)
{
	enum { N = 20000 };
	static unsigned char *p[N];
	static size_t sz[N];
	unsigned seed = 12345;
	int bad = 0, null = 0;

	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		sz[i] = (seed >> 16) % (i % 100 == 0 ? 70000 : 600);
		p[i] = malloc(sz[i]);
		if (!p[i]) {
			null++;
			continue;
		}
		fill(p[i], sz[i], (unsigned)i);
	}
	for (int i = 0; i < N; i += 2) {
		if (p[i] && !check(p[i], sz[i], (unsigned)i))
			bad++;
		free(p[i]);
		p[i] = NULL;
	}
	for (int i = 1; i < N; i += 2) {
		if (p[i] && !check(p[i], sz[i], (unsigned)i))
			bad++;
		free(p[i]);
	}
	expect_int_eq(null, 0, "%d live blocks of mixed sizes allocate", N);
	expect_int_eq(bad, 0, "%d live blocks of mixed sizes do not overlap", N);
}

static atomic_int stop;

static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		void *v[16];

		for (int i = 0; i < 16; i++)
			v[i] = malloc((size_t)(i * 97 % 3000) + 1);
		for (int i = 0; i < 16; i++)
			free(v[i]);
	}
	return NULL;
}

/* fork while other threads hold and take allocator locks. */
static void test_fork(void)
{
	pthread_t t[2];
	int failures = 0;

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	for (int i = 0; i < 40; i++) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			/* Deadlock shows as the alarm's signal. */
			alarm(10);
			for (int j = 0; j < 1000; j++)
				free(malloc((size_t)j * 13 + 1));
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failures++;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	expect_int_eq(failures, 0, "40 children forked while 2 threads allocate can allocate");
}

int main(void)
{
	test_malloc();
	test_calloc();
	test_realloc();
	test_reallocarray();
	test_alignment_api();
	test_many();
	test_fork();
	tap_plan(tap_count);
	return tap_done();
}
