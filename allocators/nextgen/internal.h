/*
 * allocators/nextgen/internal.h - private declarations of the NextGen
 * offload allocator (libnextgen): size classes, the server-owned heap with
 * its span table, and the single-producer/single-consumer ring.
 *
 * Design (NextGen-Malloc, Li, Wu, Kavi et al., HotOS 2023, sections 3.1 and
 * 4.2; MMT, Tiwari et al., IPDPS 2010, for the glibc base): one server
 * thread owns every piece of allocator metadata; client threads talk to it
 * through rings in their own cache-line-separated memory.  Nothing in this
 * header is visible outside the library.
 */
#ifndef NGM_INTERNAL_H
#define NGM_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NGM_LINE 64

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* data of the library that the tests link directly too: no GOT access */
#define NGM_HIDDEN __attribute__((visibility("hidden")))

/*
 * Size classes.  Spacing 16 up to 128 bytes, then four classes per power of
 * two (at most 25% internal fragmentation, the usual choice of jemalloc and
 * mimalloc) up to NGM_SMALL_MAX; larger blocks are mapped directly.
 * Class 0 means "not a small block".
 */
#define NGM_SMALL_MAX (256u * 1024u)
#define NGM_NCLASSES 52

/*
 * The heap is one reserved region cut into 64 KiB granules.  A span is
 * 1..32 granules (a power of two) holding blocks of one class; it starts on
 * a granule boundary, so the class of any block follows from its address:
 * (p - base) >> NGM_GRANULE_SHIFT indexes the span table.  No block has a
 * header (the paper's segregated layout, section 3.1.2).
 */
#define NGM_GRANULE_SHIFT 16
#define NGM_GRANULE ((size_t)1 << NGM_GRANULE_SHIFT)

struct ngm_class {
	uint32_t size;		/* bytes per block */
	uint16_t granules;	/* granules per span */
	uint16_t nobj;		/* blocks per span */
};

extern NGM_HIDDEN const struct ngm_class ngm_classes[NGM_NCLASSES + 1];
extern NGM_HIDDEN const uint8_t ngm_class_small[65];

/* The class for a request of n bytes, 0 when n > NGM_SMALL_MAX. */
static inline unsigned ngm_size_class(size_t n)
{
	unsigned k;
	size_t step;

	if (n <= 1024)
		return ngm_class_small[(n + 15) >> 4];
	if (n > NGM_SMALL_MAX)
		return 0;
	/* n in (2^k, 2^(k+1)]: four classes of 2^(k-2) bytes each */
	k = 63 - (unsigned)__builtin_clzll(n - 1);
	step = (size_t)1 << (k - 2);
	return 8 + (k - 7) * 4 + (unsigned)((n - ((size_t)1 << k) + step - 1) >> (k - 2));
}

/* The smallest class >= n whose blocks are all aligned to align, or 0. */
unsigned ngm_aligned_class(size_t align, size_t n);

/* ---- the heap (base "own"): only ever used by its single owner ---- */

struct ngm_heap_stats {
	uint64_t spans_created;
	uint64_t spans_released;
	uint64_t large_allocs;
	uint64_t large_frees;
	uint64_t invalid_frees;
	uint64_t double_frees;
	uint64_t bytes_mapped;
	uint64_t bytes_purged;
	uint64_t huge_off;	/* 2 MiB chunks advised MADV_NOHUGEPAGE at a purge */
	uint64_t huge_on;	/* and advised MADV_HUGEPAGE again at a reuse */
};

/*
 * The region and its class-of-granule table are the only heap data that
 * clients read (for malloc_usable_size and realloc); they are written by
 * the owner before the blocks are handed out, so a client that received a
 * block through a release store sees its class.
 */
extern NGM_HIDDEN char *ngm_region_base;
extern NGM_HIDDEN size_t ngm_region_size;
extern NGM_HIDDEN _Atomic uint8_t *ngm_class_of;

static inline bool ngm_in_region(const void *p)
{
	return (uintptr_t)p - (uintptr_t)ngm_region_base < ngm_region_size;
}

/*
 * The freed-block map: one byte per 16 bytes of the region, so each block
 * (16-aligned, at least 16 bytes) has a byte of its own at its first
 * address, and no two threads ever write the same byte for different
 * blocks (no read-modify-write).  Written by clients only: 1 when the
 * program frees the block, 0 when malloc returns it.  A free that finds 1
 * is a double free.  Indexed by address >> 4 through a bias, so that
 * malloc's fast path needs no subtraction of the base.
 */
extern NGM_HIDDEN uintptr_t ngm_freed_bias;

static inline _Atomic uint8_t *ngm_freed_byte(const void *p)
{
	return (_Atomic uint8_t *)(ngm_freed_bias + ((uintptr_t)p >> 4));
}

static inline unsigned ngm_class_of_ptr(const void *p)
{
	size_t g = ((uintptr_t)p - (uintptr_t)ngm_region_base) >> NGM_GRANULE_SHIFT;

	return atomic_load_explicit(&ngm_class_of[g], memory_order_relaxed);
}

/* Reserves the region (max_bytes of address space, halved on failure). */
int ngm_heap_init(size_t max_bytes);
/* Up to n blocks of class cls into out; returns how many. */
unsigned ngm_heap_alloc_batch(unsigned cls, void **out, unsigned n);
/* 0, -EINVAL for a pointer that is not a block (counted, ignored), or
 * -EALREADY for a block that is free already (a double free). */
int ngm_heap_free(void *p);
/* Huge pages for the region (madvise mode of THP), pages of new spans
 * faulted in by the owner; set before the first allocation. */
#define NGM_HEAP_THP 1u
#define NGM_HEAP_PREFAULT 2u
/* An empty span's pages go back at once, not when ngm_heap_purge says. */
#define NGM_HEAP_PURGE_NOW 4u
void ngm_heap_set_flags(unsigned flags);
/* Pages of the free runs that have been free for age_ns or longer go back
 * to the kernel; returns the bytes.  Bytes of free runs still resident. */
size_t ngm_heap_purge(uint64_t age_ns);
size_t ngm_heap_dirty_bytes(void);
/* Faults in up to about budget bytes of the new spans that wait for it
 * (NGM_HEAP_PREFAULT); returns the bytes. */
size_t ngm_heap_prefault(size_t budget);
#ifndef MADV_POPULATE_WRITE
#define NGM_MADV_POPULATE_WRITE 23	/* Linux 5.14 */
#else
#define NGM_MADV_POPULATE_WRITE MADV_POPULATE_WRITE
#endif
/* Blocks larger than NGM_SMALL_MAX or aligned beyond a class: own mapping,
 * recorded in the owner's table. */
void *ngm_large_alloc(size_t n, size_t align);
/* The two halves of ngm_large_alloc: the mapping (any thread may make it;
 * its length in *len), and its record in the table (the owner; -ENOMEM
 * when the table cannot grow). */
void *ngm_large_map(size_t n, size_t align, size_t *len);
int ngm_large_adopt(void *p, size_t len);
/* 0 when p is a large block (and unmaps it), -1 when it is not. */
int ngm_large_free(void *p);
/* The verdict on a pointer freed that no table knows: -EALREADY when it is
 * a large block unmapped lately (a double free), else -EINVAL (counted as
 * invalid). */
int ngm_large_unknown(const void *p);
/* Usable size of a block of the heap or a large block, 0 if foreign. */
size_t ngm_heap_usable(const void *p);
void *ngm_large_realloc(void *p, size_t n);
/* Blocks of class cls the heap holds as free (tests). */
size_t ngm_heap_free_blocks(unsigned cls);
void ngm_heap_get_stats(struct ngm_heap_stats *st);

/* What the heap holds now (mallinfo2, malloc_stats); the owner only. */
struct ngm_heap_info {
	size_t span_bytes;	/* spans of the classes, empty ones kept too */
	size_t used_bytes;	/* their blocks handed out (to the program or to
				 * the threads' stocks and stacks) */
	size_t dirty_bytes;	/* free runs whose pages are still resident */
	size_t free_runs;	/* free runs, resident or not */
	size_t large_count;	/* large blocks, each a mapping */
	size_t large_bytes;
};
void ngm_heap_info(struct ngm_heap_info *in);

/* ---- single-producer/single-consumer ring of words ----
 *
 * The producer and the consumer each keep their own index in private memory
 * and publish it with a release store; the other side reads it with an
 * acquire load only when its cached copy says the ring is full (producer)
 * or empty (consumer).  No read-modify-write instruction anywhere: on x86 a
 * release store and an acquire load are plain moves.
 */
struct ngm_ring_prod {
	uint32_t tail;		/* next slot to write */
	uint32_t head_cache;	/* consumer's index, last seen */
};

static inline uint32_t ngm_ring_space(struct ngm_ring_prod *p, _Atomic uint32_t *head_pub,
				      uint32_t cap)
{
	uint32_t used = p->tail - p->head_cache;

	if (used == cap) {
		p->head_cache = atomic_load_explicit(head_pub, memory_order_acquire);
		used = p->tail - p->head_cache;
	}
	return cap - used;
}

/* Writes v when there is room; returns false when the ring is full. */
static inline bool ngm_ring_put(struct ngm_ring_prod *p, _Atomic uint32_t *head_pub,
				uintptr_t *slots, uint32_t cap, uintptr_t v)
{
	if (unlikely(ngm_ring_space(p, head_pub, cap) == 0))
		return false;
	slots[p->tail & (cap - 1)] = v;
	p->tail++;
	return true;
}

static inline void ngm_ring_publish(struct ngm_ring_prod *p, _Atomic uint32_t *tail_pub)
{
	atomic_store_explicit(tail_pub, p->tail, memory_order_release);
}

struct ngm_ring_cons {
	uint32_t head;		/* next slot to read */
};

/* Entries the producer has published and the consumer not yet read. */
static inline uint32_t ngm_ring_avail(const struct ngm_ring_cons *c, _Atomic uint32_t *tail_pub)
{
	return atomic_load_explicit(tail_pub, memory_order_acquire) - c->head;
}

static inline uintptr_t ngm_ring_get(struct ngm_ring_cons *c, const uintptr_t *slots, uint32_t cap)
{
	return slots[c->head++ & (cap - 1)];
}

/* Hands the slots read so far back to the producer. */
static inline void ngm_ring_release(const struct ngm_ring_cons *c, _Atomic uint32_t *head_pub)
{
	atomic_store_explicit(head_pub, c->head, memory_order_release);
}

#endif /* NGM_INTERNAL_H */
