/*
 * allocators/hoard/internal.h - private declarations of the Hoard allocator.
 *
 * Implements the allocator of Berger, McKinley, Blumofe and Wilson, "Hoard:
 * A Scalable Memory Allocator for Multithreaded Applications" (ASPLOS 2000),
 * called "the paper" below.  Nothing outside allocators/hoard/ includes this
 * file; the library's public surface is the C allocation API plus the few
 * hoard_* functions declared at the end.
 *
 * Invariant (the paper's Section 3.1, maintained by hoard_free()): for every
 * per-processor heap i,
 *
 *	u_i >= a_i - K*S   or   u_i >= (1 - f) * a_i
 *
 * where u_i is the memory in use in heap i and a_i the memory it holds
 * (S per superblock).  A free that breaks both inequalities moves a
 * superblock that is at least f empty to the global heap (heap 0).
 *
 * Locks: one per heap, including the global heap.  Lock order: a
 * per-processor heap before the global heap; no thread ever holds two
 * per-processor heaps.  A superblock's owner changes only while both the old
 * and the new owner's locks are held, so holding heap h and reading
 * owner == h makes the ownership stable (this stands in for the paper's
 * per-superblock lock).
 */
#ifndef NGBENCH_HOARD_INTERNAL_H
#define NGBENCH_HOARD_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define HOARD_EXPORT __attribute__((visibility("default")))
#define HOARD_LIKELY(x) __builtin_expect(!!(x), 1)
#define HOARD_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* Slow paths kept out of line, so that the fast paths that call them need
 * no stack frame. */
#define HOARD_NOINLINE __attribute__((noinline))
/* Code that the batch loops must have inline (with their constant n). */
#define HOARD_ALWAYS_INLINE inline __attribute__((always_inline))

/* Every block is aligned to this; it is also the size class granularity. */
#define HOARD_ALIGN 16u
#define HOARD_CACHELINE 64u

/*
 * Superblock header, at the start of every superblock.  Its size is a
 * multiple of the cache line so that the first block never shares a line
 * with the header that the owner writes on every malloc and free.
 */
#define HOARD_HEADER_SIZE 128u

/* Heap 0 is the global heap; per-processor heaps are 1..nheaps. */
#define HOARD_GLOBAL 0u
#define HOARD_MAX_HEAPS 256u

/*
 * Fullness groups (the paper's "bins"): group 0 holds completely empty
 * superblocks, group g in 1..HOARD_GROUPS those with used/capacity in
 * [(g-1)/G, g/G), and HOARD_GROUP_FULL those without a free block (kept on
 * a list only so that hoard_check() and the statistics can see them; malloc
 * never looks there).
 */
#define HOARD_GROUPS 8u
#define HOARD_GROUP_FULL (HOARD_GROUPS + 1u)
#define HOARD_NLISTS (HOARD_GROUPS + 2u)
#define HOARD_GROUP_NONE 0xffu

/* Size classes that the thread cache serves (heap.c), the largest block
 * it caches, and the slot of the classes it does not cache (always empty
 * and without room). */
#define HOARD_TC_CLASSES 32u
#define HOARD_TC_MAX_SIZE 1024u
#define HOARD_TC_SLOT_NONE HOARD_TC_CLASSES

#define HOARD_MAGIC_SMALL 0x48534231u /* "HSB1": superblock of one size class */
#define HOARD_MAGIC_LARGE 0x484c4731u /* "HLG1": object > S/2 from mmap */

struct hoard_lock {
	atomic_int held;
};

/*
 * A superblock's identity in one word, so that free's fast path tells
 * "a small block of a superblock my heap owns, no aligned pointers in it"
 * with one load and one comparison (heap.c, hoard_free):
 *
 *	bits 0-31	magic (HOARD_MAGIC_SMALL or HOARD_MAGIC_LARGE)
 *	bits 32-62	owner heap index; written under the old and the new
 *			owner's locks
 *	bit 63		set once an interior (aligned) pointer was handed out;
 *			written under the owner's lock
 *
 * Every writer holds the owner's lock, so a load and a store update it.
 */
#define HOARD_ID_OWNER_SHIFT 32
#define HOARD_ID_OWNER_MASK 0x7fffffffu
#define HOARD_ID_INTERIOR (UINT64_C(1) << 63)

/*
 * The header's first cache line holds what is written once, when the
 * superblock is formatted or changes owner, and read by every free (ident,
 * tc_slot, block_size): the second line holds what malloc and free write
 * under the owner's lock (used, free_list, the group and its links), so
 * those writes never take the line that other threads' frees read.
 */
struct hoard_sb {
	/* ---- read-mostly ---- */
	_Atomic uint64_t ident;
	/* Small: size class index, block size, blocks that fit. */
	uint32_t sclass;
	uint32_t block_size;
	uint32_t capacity;
	/* The thread cache's slot for this class (HOARD_TC_SLOT_NONE when
	 * the class is not cached), read by free's fast path. */
	uint8_t tc_slot;
	/* Large objects: the mapping held another object before (calloc
	 * must clear it; a fresh mapping is zero). */
	uint8_t large_dirty;
	char *blocks;
	/* Large objects: the mapping that holds header and object, the size
	 * asked for (counted in U) and the pages from the header to the end
	 * of the object (counted in A; the rest of the mapping is address
	 * space never touched). */
	char *map;
	size_t map_len;
	size_t large_size;
	size_t large_pages;

	/* ---- written under the owner's lock ---- */
	_Alignas(HOARD_CACHELINE) uint32_t used;
	/* Blocks carved so far from the never-used tail (lazy free list). */
	uint32_t carved;
	/* The fullness group and the range of used that keeps it there:
	 * grp_lo <= used < grp_hi (no division on the fast paths). */
	uint32_t grp_lo, grp_hi;
	uint8_t group;
	/* LIFO free list threaded through the free blocks. */
	void *free_list;
	struct hoard_sb *prev, *next;
};

_Static_assert(sizeof(struct hoard_sb) <= HOARD_HEADER_SIZE,
	       "superblock header larger than HOARD_HEADER_SIZE");
_Static_assert(offsetof(struct hoard_sb, used) == HOARD_CACHELINE,
	       "read-mostly part of the header is not one cache line");

/*
 * One size class of one heap.  u and a are kept per size class, as in the
 * paper's analysis ("since the number of size classes is constant, the
 * theorem holds across all size classes") and in the Hoard distribution:
 * within one class every superblock has the same capacity, so when the
 * invariant breaks a superblock that is at least f empty exists in that
 * class (pigeonhole) and the search for it is a few list heads.
 * a counts a superblock's capacity (blocks * block size), not S: a
 * superblock whose blocks are all in use is then 100% used, and is never
 * mistaken for one that is f empty because S/2-sized classes leave half of S
 * unusable.
 */
struct hoard_class_lists {
	struct hoard_sb *list[HOARD_NLISTS];
	/* Bit g set when list[g] is not empty. */
	uint32_t nonempty;
	uint32_t nsuperblocks;
	size_t in_use;		/* u_{i,c} */
	size_t held;		/* a_{i,c} */
	/* min(a - K*S, (1-f)*a): a free that leaves u below it breaks the
	 * invariant. */
	size_t release_below;
};

struct hoard_heap {
	struct hoard_lock lock;
	uint32_t index;
	/* Per size class fullness groups and accounting (nclasses). */
	struct hoard_class_lists *classes;
	/* Global heap only: completely empty superblocks, of any class
	 * (the paper recycles them for any size class). */
	struct hoard_sb *empty;
	size_t nempty;
	/* Global heap only: empty superblocks whose pages past the header
	 * went back to the system (heap.c), linked through next. */
	struct hoard_sb *released;
	size_t nreleased;
	uint64_t pages_released;	/* superblocks released, in total */
	/* Statistics, updated under this heap's lock. */
	uint64_t transfers_to_global;
	uint64_t transfers_from_global;
	uint64_t lock_acquisitions;
	uint64_t superblocks_created;
} __attribute__((aligned(HOARD_CACHELINE)));

struct hoard_config {
	/*
	 * Read by the inline fast paths, so first: the largest request the
	 * thread cache serves (0 before initialization and with the cache
	 * off, which sends every call to the slow paths), the cache slot of
	 * each 16-byte size step up to it, and the mask that finds a block's
	 * superblock.
	 */
	size_t tc_max_size;
	uintptr_t sb_mask;	/* ~(S - 1) */
	/* The first arena (heap.c): address space where a header may be
	 * read, [arena_base, arena_base + arena_len); set at initialization,
	 * 0 before (and when no arena could be reserved). */
	uintptr_t arena_base;
	size_t arena_len;
	uint8_t tc_slot_of[HOARD_TC_MAX_SIZE / HOARD_ALIGN + 1];
	size_t sb_size;		/* S */
	unsigned sb_shift;	/* log2(S) */
	double empty_fraction;	/* f */
	uint32_t f_fixed;	/* f * 2^16 */
	size_t reserve;		/* K */
	double class_base;	/* b */
	unsigned nheaps;	/* per-processor heaps */
	size_t page;
	size_t max_small;	/* S/2: larger objects go to mmap */
	unsigned nclasses;
	uint32_t *class_size;	/* nclasses entries */
	uint32_t *class_capacity; /* blocks per superblock */
	uint16_t *class_of;	/* index (size + 15) / 16 -> class */
	size_t tc_bytes;	/* thread cache budget per class */
	size_t large_cache;	/* bytes of freed large mappings kept, 0: none */
	size_t retain;		/* bytes of empty superblocks the global heap
				 * keeps resident; SIZE_MAX: all (the paper) */
	uint16_t tc_cap[HOARD_TC_CLASSES]; /* blocks cached per class, 0: none */
	int stats;		/* statistics requested */
	char stats_path[4096];
};

extern struct hoard_config hoard_cfg;
extern struct hoard_heap *hoard_heaps; /* nheaps + 1 entries */
extern _Atomic int hoard_ready;

/* Global counters that are not tied to one heap's lock. */
struct hoard_counters {
	_Atomic size_t allocated;	/* A(t): superblocks * S + large maps */
	_Atomic size_t allocated_peak;
	_Atomic size_t in_use;		/* U(t), kept only with statistics */
	_Atomic size_t in_use_peak;
	_Atomic uint64_t large_allocs;
	_Atomic uint64_t os_maps;
	_Atomic uint64_t large_reuses;	/* large objects served from the cache */
	_Atomic size_t large_cached;	/* bytes (counted in A) in the cache now */
	_Atomic size_t large_live;	/* large objects now */
	_Atomic uint64_t interior_superblocks; /* marked for an offset pointer */
	_Atomic size_t large_live_bytes; /* their pages (counted in A) */
	_Atomic uint64_t large_spans;	/* large objects placed in arena spans */
	_Atomic uint64_t spans_released; /* freed spans whose pages went back */
	_Atomic uint64_t large_moves;	/* mappings moved to grow (realloc) */
};
extern struct hoard_counters hoard_count;

/* config.c */
int hoard_config_load(struct hoard_config *cfg, void *(*meta_alloc)(size_t));

/* lock.c */
void hoard_lock_slow(struct hoard_lock *l);

static inline void hoard_lock(struct hoard_lock *l)
{
	if (HOARD_LIKELY(!atomic_exchange_explicit(&l->held, 1, memory_order_acquire)))
		return;
	hoard_lock_slow(l);
}

static inline void hoard_unlock(struct hoard_lock *l)
{
	atomic_store_explicit(&l->held, 0, memory_order_release);
}

/* heap.c: the algorithm */
int hoard_init(void);
int hoard_tcache_init_locked(void);
void *hoard_alloc(size_t size, size_t align);
void *hoard_alloc_slow(size_t size);
void hoard_dealloc_slow(void *p);
size_t hoard_usable(const void *p);
void hoard_stats_write(void);
/* Publishes this thread's pending changes of U (statistics). */
void hoard_in_use_publish(void);
void hoard_heap_totals(uint64_t *in_use, uint64_t *held);
void hoard_fork_prepare(void);
void hoard_fork_parent(void);
void hoard_fork_child(void);
void *hoard_os_map(size_t len);
int hoard_large_grow(void *p, size_t size);
/* Moves and grows a large mapping (realloc): the new pointer, or NULL. */
void *hoard_large_move(void *p, size_t size);
int hoard_trim(size_t keep);
void hoard_set_retain(size_t bytes);
/* Whether p, from hoard_alloc, may hold old bytes beyond a small block's
 * (a large object in a reused mapping): calloc must clear it then. */
int hoard_large_dirty(const void *p);
/* p's superblock or large object's header when Hoard handed p out (or p
 * points into Hoard's superblocks), else NULL: the header of any other
 * pointer is never read. */
struct hoard_sb *hoard_sb_find(const void *p);

static inline struct hoard_sb *hoard_sb_of(const void *p)
{
	/*
	 * Superblocks are S-aligned and no block starts at the superblock's
	 * first byte (the header is there), so p - 1 rounded down to S finds
	 * the header.  Large objects keep the same rule (see hoard_large_alloc).
	 */
	return (struct hoard_sb *)(((uintptr_t)p - 1) & hoard_cfg.sb_mask);
}

/* Whether sb lies in the first arena, where a header may be read (one
 * subtraction and one comparison). */
static inline int hoard_in_arena0(const struct hoard_sb *sb)
{
	return (uintptr_t)sb - hoard_cfg.arena_base < hoard_cfg.arena_len;
}

static inline uint32_t hoard_sb_magic(const struct hoard_sb *sb)
{
	return (uint32_t)atomic_load_explicit(&sb->ident, memory_order_relaxed);
}

static inline uint32_t hoard_sb_owner(const struct hoard_sb *sb, memory_order order)
{
	return (uint32_t)(atomic_load_explicit(&sb->ident, order) >> HOARD_ID_OWNER_SHIFT) &
	       HOARD_ID_OWNER_MASK;
}

static inline int hoard_sb_interior(const struct hoard_sb *sb)
{
	return !!(atomic_load_explicit(&sb->ident, memory_order_relaxed) & HOARD_ID_INTERIOR);
}

/*
 * The thread cache (heap.c).  tag is the ident of a superblock whose blocks
 * this thread may cache: HOARD_MAGIC_SMALL with the thread's own heap as
 * owner and no interior pointers; 0 (which no superblock has) while the
 * thread caches nothing: not registered yet, exiting, or the cache is off.
 * Slot s caches the blocks lo[s] .. top[s] - 1 of an array of pointers
 * (the last one freed on top) that ends at hi[s]: top == lo is an empty
 * slot, top == hi a full one.  An array rather than a list threaded
 * through the blocks: free writes nothing into the block, malloc's next
 * block is not a load from the one it returns, and giving blocks back
 * (tcache_flush_class) reads the array, not a chain of dependent loads.
 * The slot HOARD_TC_SLOT_NONE, and every slot before the thread
 * registers, has top == lo == hi == NULL: empty and full at once.
 */
struct hoard_tcache {
	uint64_t tag;
	void **top[HOARD_TC_CLASSES + 1];
	void **lo[HOARD_TC_CLASSES + 1];
	void **hi[HOARD_TC_CLASSES + 1];
	/* 0: not registered for the flush at thread exit; 1: active;
	 * 2: disabled (thread exiting, or no key). */
	uint8_t state;
	/* Blocks of other heaps freed by this thread, on their way back to
	 * their owners in one batch (heap.c, remote_flush). */
	uint32_t nremote;
	size_t remote_bytes;
	void *remote;
	/* The arrays of all slots, one piece of metadata (heap.c). */
	void **store;
};

extern __thread struct hoard_tcache hoard_tc __attribute__((tls_model("initial-exec")));

/*
 * malloc's fast path: a block of the thread cache, no lock, no atomic;
 * NULL when it has none.  Everything else (initialization, large objects,
 * classes the cache does not serve, an empty cache, HOARD_THREAD_CACHE=0)
 * is hoard_alloc_slow.
 */
static inline void *hoard_malloc_cached(size_t size)
{
	if (HOARD_LIKELY(size <= hoard_cfg.tc_max_size)) {
		unsigned s = hoard_cfg.tc_slot_of[(size + HOARD_ALIGN - 1) / HOARD_ALIGN];
		void **t = hoard_tc.top[s];

		if (HOARD_LIKELY(t != hoard_tc.lo[s])) {
			void *b = t[-1];

			/* The cache holds no NULL: callers need not test. */
			if (b == NULL)
				__builtin_unreachable();
			hoard_tc.top[s] = t - 1;
			return b;
		}
	}
	return NULL;
}

static inline void *hoard_malloc(size_t size)
{
	void *b = hoard_malloc_cached(size);

	return HOARD_LIKELY(b != NULL) ? b : hoard_alloc_slow(size);
}

/*
 * free's fast path: a block of a superblock that the thread's own heap
 * owns goes to the thread cache when there is room.  The header is read
 * only inside the first arena, so a pointer that is not Hoard's never
 * makes free read memory that may not be mapped.  The owner is read
 * without the lock: if the superblock has just moved, the block merely
 * stays "in use" a little longer and goes to whoever owns it when the
 * cache is flushed.
 */
static inline void hoard_free(void *p)
{
	struct hoard_sb *sb = hoard_sb_of(p);

	if (HOARD_LIKELY(hoard_in_arena0(sb) &&
			 atomic_load_explicit(&sb->ident, memory_order_relaxed) == hoard_tc.tag)) {
		unsigned s = sb->tc_slot;
		void **t = hoard_tc.top[s];

		if (HOARD_LIKELY(t != hoard_tc.hi[s])) {
			*t = p;
			hoard_tc.top[s] = t + 1;
			return;
		}
	}
	hoard_dealloc_slow(p);
}

/* Stable part of the public interface, looked up with dlsym by tests and by
 * the ngbench plugin. */
HOARD_EXPORT const char *hoard_version(void);
HOARD_EXPORT int hoard_stat(const char *name, uint64_t *value);
HOARD_EXPORT int hoard_check(void);
HOARD_EXPORT int hoard_owns(const void *p);

#endif /* NGBENCH_HOARD_INTERNAL_H */
