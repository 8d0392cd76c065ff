/*
 * tests/profile/guardalloc.c - a preloadable stand-in for an allocator with
 * entry points of its own that bypass the profiler (as jemalloc's mallocx
 * or C++ operators do), for tests/profile/shim.sh.  guard_alloc(n) returns
 * a block at the very start of a fresh mapping whose page before is
 * PROT_NONE: reading the 16 bytes in front of it faults.  Its free and
 * realloc know such blocks (a table of them) and forward everything else
 * to glibc through the __libc_* entry points.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

extern void *__libc_malloc(size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

#define PAGE 4096
#define MAX_GUARDED 64

static struct {
	char *p;
	size_t n;
} guarded[MAX_GUARDED];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void *guard_alloc(size_t n);

void *guard_alloc(size_t n)
{
	size_t len = PAGE + ((n + PAGE - 1) & ~(size_t)(PAGE - 1));
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *p = NULL;

	if (m == MAP_FAILED)
		return NULL;
	mprotect(m, PAGE, PROT_NONE);
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_GUARDED; i++)
		if (!guarded[i].p) {
			guarded[i].p = m + PAGE;
			guarded[i].n = n;
			p = m + PAGE;
			break;
		}
	pthread_mutex_unlock(&lock);
	if (!p)
		munmap(m, len);
	return p;
}

/* Takes p out of the table; its size, or 0 when it is not a guarded block. */
static size_t unguard(void *p)
{
	size_t n = 0;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_GUARDED; i++)
		if (p && guarded[i].p == p) {
			n = guarded[i].n;
			guarded[i].p = NULL;
			break;
		}
	pthread_mutex_unlock(&lock);
	if (n)
		munmap((char *)p - PAGE, PAGE + ((n + PAGE - 1) & ~(size_t)(PAGE - 1)));
	return n;
}

static size_t guarded_size(void *p)
{
	size_t n = 0;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_GUARDED; i++)
		if (p && guarded[i].p == p)
			n = guarded[i].n;
	pthread_mutex_unlock(&lock);
	return n;
}

void free(void *p)
{
	if (guarded_size(p))
		unguard(p);
	else
		__libc_free(p);
}

void *realloc(void *p, size_t n)
{
	size_t old = guarded_size(p);
	void *q;

	if (!old)
		return __libc_realloc(p, n);
	q = __libc_malloc(n);
	if (q) {
		memcpy(q, p, old < n ? old : n);
		unguard(p);
	}
	return q;
}
