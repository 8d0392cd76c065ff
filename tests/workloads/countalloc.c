/*
 * tests/workloads/countalloc.c - a preloadable shim that counts the calls a
 * program makes to the allocator and the sizes it asks for, and prints them
 * on standard error at exit (or into $NGB_COUNTALLOC_OUT).  It forwards to
 * glibc's allocator through the __libc_* entry points, so it needs no dlsym
 * (which allocates).  C++'s operators new and delete (all twenty forms) are
 * counted apart, as new and delete (every delete, of NULL too), and served by
 * the same entry points; a failed throwing new aborts (no C++ here).  Used to measure the xalanc workload's call rate and
 * size mix (workloads/README.md); never in timing runs.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

/* Request sizes: <=16, <=32, <=64, <=128, <=256, <=512, <=1K, <=4K, <=64K, more. */
static const size_t bound[] = { 16, 32, 64, 128, 256, 512, 1024, 4096, 65536, (size_t)-1 };
#define BUCKETS (sizeof(bound) / sizeof(*bound))

static atomic_ullong n_malloc, n_calloc, n_realloc, n_free, n_memalign, n_bytes;
static atomic_ullong n_new, n_delete;
static atomic_ullong hist[BUCKETS];
static struct timespec start;

static void count(size_t n)
{
	size_t b = 0;

	while (n > bound[b])
		b++;
	atomic_fetch_add_explicit(&hist[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&n_bytes, n, memory_order_relaxed);
}

void *malloc(size_t n)
{
	atomic_fetch_add_explicit(&n_malloc, 1, memory_order_relaxed);
	count(n);
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t s)
{
	atomic_fetch_add_explicit(&n_calloc, 1, memory_order_relaxed);
	count(n * s);
	return __libc_calloc(n, s);
}

void *realloc(void *p, size_t n)
{
	atomic_fetch_add_explicit(&n_realloc, 1, memory_order_relaxed);
	count(n);
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p)
		atomic_fetch_add_explicit(&n_free, 1, memory_order_relaxed);
	__libc_free(p);
}

void *memalign(size_t a, size_t n)
{
	atomic_fetch_add_explicit(&n_memalign, 1, memory_order_relaxed);
	count(n);
	return __libc_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
	return memalign(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
	void *p = memalign(a, n);

	if (!p)
		return 12; /* ENOMEM */
	*out = p;
	return 0;
}

static void *new_of(size_t a, size_t n, int nothrow)
{
	void *p;

	atomic_fetch_add_explicit(&n_new, 1, memory_order_relaxed);
	count(n);
	p = a ? __libc_memalign(a, n ? n : 1) : __libc_malloc(n ? n : 1);
	if (!p && !nothrow)
		abort();
	return p;
}

static void delete_of(void *p)
{
	atomic_fetch_add_explicit(&n_delete, 1, memory_order_relaxed);
	__libc_free(p);
}

/* The Itanium C++ ABI's names: std::align_val_t is a size_t, a
 * std::nothrow_t const & a pointer. */
#define NEW(sym, params, a, nothrow) \
	void *sym params;            \
	void *sym params { return new_of(a, n, nothrow); }
#define DELETE(sym, params) \
	void sym params;    \
	void sym params { delete_of(p); }

NEW(_Znwm, (size_t n), 0, 0)
NEW(_Znam, (size_t n), 0, 0)
NEW(_ZnwmRKSt9nothrow_t, (size_t n, const void *t), ((void)t, 0), 1)
NEW(_ZnamRKSt9nothrow_t, (size_t n, const void *t), ((void)t, 0), 1)
NEW(_ZnwmSt11align_val_t, (size_t n, size_t a), a, 0)
NEW(_ZnamSt11align_val_t, (size_t n, size_t a), a, 0)
NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, (size_t n, size_t a, const void *t), ((void)t, a), 1)
NEW(_ZnamSt11align_val_tRKSt9nothrow_t, (size_t n, size_t a, const void *t), ((void)t, a), 1)
DELETE(_ZdlPv, (void *p))
DELETE(_ZdaPv, (void *p))
DELETE(_ZdlPvm, (void *p, size_t n))
DELETE(_ZdaPvm, (void *p, size_t n))
DELETE(_ZdlPvRKSt9nothrow_t, (void *p, const void *t))
DELETE(_ZdaPvRKSt9nothrow_t, (void *p, const void *t))
DELETE(_ZdlPvSt11align_val_t, (void *p, size_t a))
DELETE(_ZdaPvSt11align_val_t, (void *p, size_t a))
DELETE(_ZdlPvmSt11align_val_t, (void *p, size_t n, size_t a))
DELETE(_ZdaPvmSt11align_val_t, (void *p, size_t n, size_t a))
DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t a, const void *t))
DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t a, const void *t))

__attribute__((constructor)) static void begin(void)
{
	clock_gettime(CLOCK_MONOTONIC, &start);
}

__attribute__((destructor)) static void report(void)
{
	struct timespec now;
	char line[512];
	int len;
	const char *out = getenv("NGB_COUNTALLOC_OUT");
	FILE *f;

	clock_gettime(CLOCK_MONOTONIC, &now);
	len = snprintf(line, sizeof(line),
		       "countalloc: seconds=%.3f malloc=%llu calloc=%llu realloc=%llu memalign=%llu "
		       "free=%llu new=%llu delete=%llu bytes=%llu",
		       (double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) * 1e-9,
		       n_malloc, n_calloc, n_realloc, n_memalign, n_free, n_new, n_delete, n_bytes);
	for (size_t b = 0; b < BUCKETS && len < (int)sizeof(line); b++) {
		if (bound[b] == (size_t)-1)
			len += snprintf(line + len, sizeof(line) - len, " gt%zu=%llu",
					bound[b - 1], hist[b]);
		else
			len += snprintf(line + len, sizeof(line) - len, " le%zu=%llu", bound[b],
					hist[b]);
	}
	f = out ? fopen(out, "a") : NULL;
	fprintf(f ? f : stderr, "%s\n", line);
	if (f)
		fclose(f);
}
