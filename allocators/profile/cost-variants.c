/*
 * allocators/profile/cost-variants.c - two stripped-down stand-ins for the
 * shim, built by measure-insns.sh (never installed, never a test), to split
 * the shim's cost into its parts:
 *
 *   cc -O2 -fPIC -shared -fno-builtin cost-variants.c -ldl            forward only
 *   cc -O2 -fPIC -shared -fno-builtin -DHEADER cost-variants.c -ldl   + the header
 *
 * The first only interposes malloc, free, calloc and realloc and forwards
 * them to the next definition; the second also puts the shim's 16-byte
 * header (requested size, check value) in front of each block, reads it
 * back at free and clears it, but counts nothing.  The real shim adds the
 * counting (and the memalign family, the re-entry guard, the thread state)
 * on top.  Only for single-threaded runs of programs that use these four
 * functions (larson): no locks, no memalign family.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef HEADER
#define HDR 16
#else
#define HDR 0
#endif
#define CHECK UINT64_C(0x9f0a7c35)

static void *(*next_malloc)(size_t);
static void (*next_free)(void *);
static void *(*next_realloc)(void *, size_t);

/* what dlsym allocates before the entry points are known */
static _Alignas(16) char arena[1 << 16];
static size_t arena_used;
static int resolving;

static int in_arena(const void *p)
{
	return (const char *)p >= arena && (const char *)p < arena + sizeof(arena);
}

static void *arena_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > sizeof(arena) - arena_used)
		return NULL;
	p = arena + arena_used;
	arena_used += n;
	return p;
}

static void resolve(void)
{
	resolving = 1;
	*(void **)&next_malloc = dlsym(RTLD_NEXT, "malloc");
	*(void **)&next_free = dlsym(RTLD_NEXT, "free");
	*(void **)&next_realloc = dlsym(RTLD_NEXT, "realloc");
	resolving = 0;
}

void *malloc(size_t n)
{
	char *p;

	if (!next_malloc) {
		if (resolving)
			return arena_alloc(n);
		resolve();
	}
	p = next_malloc(n + HDR);
#ifdef HEADER
	if (p) {
		((uint64_t *)p)[0] = n;
		((uint64_t *)p)[1] = CHECK;
	}
	return p ? p + HDR : NULL;
#else
	return p;
#endif
}

void free(void *p)
{
	if (!p || in_arena(p))
		return;
#ifdef HEADER
	{
		uint64_t *h = (uint64_t *)((char *)p - HDR);

		if (h[1] == CHECK) {
			h[1] = 0;
			next_free(h);
			return;
		}
	}
#endif
	next_free(p);
}

void *calloc(size_t n, size_t m)
{
	size_t b;
	void *p;

	if (__builtin_mul_overflow(n, m, &b))
		return NULL;
	p = malloc(b);
	if (p && !in_arena(p))
		memset(p, 0, b);
	return p;
}

void *realloc(void *p, size_t n)
{
	char *q;

	if (!p || in_arena(p)) {
		size_t room = p ? (size_t)(arena + sizeof(arena) - (char *)p) : 0;

		q = malloc(n);
		if (q && p)
			memcpy(q, p, n < room ? n : room);
		return q;
	}
#ifdef HEADER
	if (((uint64_t *)p)[-1] == CHECK) {
		q = next_realloc((char *)p - HDR, n + HDR);
		if (q)
			((uint64_t *)q)[0] = n;
		return q ? q + HDR : NULL;
	}
#endif
	return next_realloc(p, n);
}
