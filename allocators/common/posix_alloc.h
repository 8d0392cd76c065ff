/*
 * allocators/common/posix_alloc.h - the argument rules of the POSIX and
 * glibc allocation entry points, one copy for every malloc library of this
 * project (allocators/hoard, allocators/nextgen, the test heaps in tests/).
 *
 * Header-only and free of libc calls (it sets errno, nothing more), because
 * a preloaded allocator must not call back into the C library's allocator
 * from its own entry points, and may run before the C library is ready.
 * Each helper is the rule as glibc applies it (malloc/malloc.c), so that a
 * program sees the same answers from every allocator it is run with:
 *
 *	calloc, reallocarray  n * size overflowing size_t is ENOMEM
 *	posix_memalign        a power of two and a multiple of sizeof(void *),
 *	                      else EINVAL (returned, errno untouched)
 *	memalign              a non-power of two is rounded up to the next power
 *	                      of two; one that cannot be is EINVAL
 *	pvalloc               the size rounded up to whole pages, one page for
 *	                      0; a size that overflows the rounding is ENOMEM
 *	mallinfo              mallinfo2's figures, each at most INT_MAX (glibc
 *	                      wraps them instead)
 *
 * Used by allocators/hoard/api.c, allocators/nextgen/ngmalloc.c and
 * tests/alloc/ppheap.c.
 */
#ifndef NGBENCH_ALLOCATORS_POSIX_ALLOC_H
#define NGBENCH_ALLOCATORS_POSIX_ALLOC_H

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

static inline int posix_alloc_is_pow2(size_t v)
{
	return v && !(v & (v - 1));
}

/* *total = n * size: 0, or -1 with errno ENOMEM when it overflows. */
static inline int posix_alloc_mul(size_t n, size_t size, size_t *total)
{
	if (__builtin_mul_overflow(n, size, total)) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Is align one that posix_memalign accepts? */
static inline int posix_alloc_align_ok(size_t align)
{
	return posix_alloc_is_pow2(align) && align % sizeof(void *) == 0;
}

/* memalign's alignment: align, or the next power of two above it (1 for 0);
 * 0 with errno EINVAL when there is none in size_t. */
static inline size_t posix_alloc_memalign_align(size_t align)
{
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return 0;
	}
	if (align <= 1)
		return 1;
	if (posix_alloc_is_pow2(align))
		return align;
	return (size_t)1 << (8 * sizeof(size_t) - (size_t)__builtin_clzl(align));
}

/* pvalloc's size for a page of page bytes (a power of two): 0 with errno
 * ENOMEM when the rounding overflows. */
static inline size_t posix_alloc_pvalloc_size(size_t size, size_t page)
{
	if (size > SIZE_MAX - page) {
		errno = ENOMEM;
		return 0;
	}
	return size ? (size + page - 1) & ~(page - 1) : page;
}

static inline int posix_alloc_clamp_int(size_t v)
{
	return v > INT_MAX ? INT_MAX : (int)v;
}

/* mallinfo from mallinfo2's figures, each clamped to INT_MAX. */
static inline struct mallinfo posix_alloc_mallinfo(struct mallinfo2 m2)
{
	struct mallinfo mi = { 0 };

	mi.arena = posix_alloc_clamp_int(m2.arena);
	mi.ordblks = posix_alloc_clamp_int(m2.ordblks);
	mi.hblks = posix_alloc_clamp_int(m2.hblks);
	mi.hblkhd = posix_alloc_clamp_int(m2.hblkhd);
	mi.uordblks = posix_alloc_clamp_int(m2.uordblks);
	mi.fordblks = posix_alloc_clamp_int(m2.fordblks);
	mi.keepcost = posix_alloc_clamp_int(m2.keepcost);
	return mi;
}

#endif /* NGBENCH_ALLOCATORS_POSIX_ALLOC_H */
