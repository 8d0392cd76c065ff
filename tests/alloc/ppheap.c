/*
 * tests/alloc/ppheap.c - a test-only "pure private heaps" allocator, the
 * taxonomy class of the Hoard paper's Section 6 (STL's pthread_alloc, Cilk):
 * each thread allocates from its own heap and a block freed by any thread
 * goes to the freeing thread's heap, never back to its owner.  Under the
 * producer-consumer pattern its memory grows without bound; the blowup
 * test (tests/alloc/blowup.sh) shows that next to Hoard's bounded blowup.
 *
 * No locks: every list is thread-local.  Power-of-two size classes; a
 * 16-byte header before each block holds its class (and, for aligned
 * blocks, the distance to the block's start).  Objects above 1 MiB are
 * mapped directly.  Memory is never returned to the system.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../allocators/common/posix_alloc.h"

#define PP_EXPORT __attribute__((visibility("default")))
#define PP_MIN_SHIFT 4
#define PP_MAX_SHIFT 20
#define PP_NCLASSES (PP_MAX_SHIFT - PP_MIN_SHIFT + 1)
#define PP_CHUNK (4u << 20)
#define PP_LARGE 0xffffu
#define PP_ALIGN_MAX ((size_t)1 << PP_MAX_SHIFT)   /* the largest alignment served */

struct pp_header {
	uint32_t cls;		/* class, or PP_LARGE */
	uint32_t offset;	/* block start = header - offset (aligned) */
	uint64_t map_len;	/* PP_LARGE: length of the mapping */
};

struct pp_heap {
	void *free_list[PP_NCLASSES];
	char *bump, *end;
};

static __thread struct pp_heap heap __attribute__((tls_model("initial-exec")));

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A block of class c with room for a header: returns the block start. */
static char *pp_block(unsigned c)
{
	size_t size = (size_t)1 << (c + PP_MIN_SHIFT);
	char *b = heap.free_list[c];

	if (b) {
		heap.free_list[c] = *(void **)(b + sizeof(struct pp_header));
		return b;
	}
	if ((size_t)(heap.end - heap.bump) < size) {
		heap.bump = map(PP_CHUNK);
		if (!heap.bump)
			return NULL;
		heap.end = heap.bump + PP_CHUNK;
	}
	b = heap.bump;
	heap.bump += size;
	return b;
}

static void *pp_alloc(size_t size, size_t align)
{
	size_t need, c = 0;
	char *b, *p;
	struct pp_header *h;

	if (align < 16)
		align = 16;
	if (size > PTRDIFF_MAX - align - 2 * sizeof(struct pp_header)) {
		errno = ENOMEM;
		return NULL;
	}
	need = size + sizeof(struct pp_header) + align - 16;
	if (need > ((size_t)1 << PP_MAX_SHIFT)) {
		size_t len = (need + 4095) & ~(size_t)4095;

		b = map(len);
		if (!b) {
			errno = ENOMEM;
			return NULL;
		}
		p = (char *)(((uintptr_t)b + sizeof(struct pp_header) + align - 1) & ~(uintptr_t)(align - 1));
		h = (struct pp_header *)p - 1;
		h->cls = PP_LARGE;
		h->offset = (uint32_t)((char *)h - b);
		h->map_len = len;
		return p;
	}
	while (((size_t)1 << (c + PP_MIN_SHIFT)) < need)
		c++;
	b = pp_block((unsigned)c);
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	p = (char *)(((uintptr_t)b + sizeof(struct pp_header) + align - 1) & ~(uintptr_t)(align - 1));
	h = (struct pp_header *)p - 1;
	h->cls = (uint32_t)c;
	h->offset = (uint32_t)((char *)h - b);
	return p;
}

static struct pp_header *header(void *p)
{
	return (struct pp_header *)p - 1;
}

static size_t pp_usable(void *p)
{
	struct pp_header *h = header(p);
	char *b = (char *)h - h->offset;

	if (h->cls == PP_LARGE)
		return (size_t)(b + h->map_len - (char *)p);
	return (size_t)(b + ((size_t)1 << (h->cls + PP_MIN_SHIFT)) - (char *)p);
}

PP_EXPORT void free(void *p)
{
	struct pp_header *h;
	char *b;

	if (!p)
		return;
	h = header(p);
	b = (char *)h - h->offset;
	if (h->cls == PP_LARGE) {
		munmap(b, h->map_len);
		return;
	}
	/* Pure private heaps: the block joins the freeing thread's heap. */
	*(void **)(b + sizeof(struct pp_header)) = heap.free_list[h->cls];
	heap.free_list[h->cls] = b;
}

PP_EXPORT void *malloc(size_t size)
{
	return pp_alloc(size, 16);
}

PP_EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (posix_alloc_mul(n, size, &total))
		return NULL;
	p = pp_alloc(total, 16);
	if (p)
		memset(p, 0, total);
	return p;
}

PP_EXPORT void *realloc(void *p, size_t size)
{
	size_t usable;
	void *q;

	if (!p)
		return pp_alloc(size, 16);
	if (!size) {
		free(p);
		return NULL;
	}
	usable = pp_usable(p);
	if (size <= usable)
		return p;
	q = pp_alloc(size, 16);
	if (!q)
		return NULL;
	memcpy(q, p, usable);
	free(p);
	return q;
}

PP_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (posix_alloc_mul(n, size, &total))
		return NULL;
	return realloc(p, total);
}

PP_EXPORT void *memalign(size_t align, size_t size)
{
	align = posix_alloc_memalign_align(align);
	if (!align)
		return NULL;
	if (align > PP_ALIGN_MAX) {
		errno = EINVAL;
		return NULL;
	}
	return pp_alloc(size, align);
}

PP_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (!posix_alloc_is_pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return memalign(align, size);
}

PP_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (!posix_alloc_align_ok(align) || align > PP_ALIGN_MAX)
		return EINVAL;
	p = pp_alloc(size, align);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

PP_EXPORT void *valloc(size_t size)
{
	return pp_alloc(size, 4096);
}

PP_EXPORT void *pvalloc(size_t size)
{
	size = posix_alloc_pvalloc_size(size, 4096);
	return size ? pp_alloc(size, 4096) : NULL;
}

PP_EXPORT size_t malloc_usable_size(void *p)
{
	return p ? pp_usable(p) : 0;
}
