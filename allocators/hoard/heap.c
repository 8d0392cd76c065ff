/*
 * allocators/hoard/heap.c - the Hoard algorithm: heaps, superblocks,
 * malloc and free (the paper's Figure 3 pseudo-code), and the transfers
 * between per-processor heaps and the global heap.
 *
 * malloc(sz) (the paper, Section 3.2):
 *   sz > S/2: map it from the operating system directly.
 *   Otherwise hash the thread to heap i, lock it, and take a block from the
 *   fullest superblock of sz's class in heap i.  When there is none, take a
 *   superblock of that class (or an empty one) from the global heap, or a
 *   new one from the operating system, and move it to heap i: u_i and a_i
 *   grow by its bytes in use and its capacity.
 * free(p):
 *   Large: unmap.  Otherwise find p's superblock by masking, lock the heap
 *   that owns it (not the caller's: this is what bounds blowup, the memory
 *   goes back to where the producer can reuse it, and what keeps pieces of
 *   a cache line from spreading over processors), push the block on the
 *   superblock's LIFO free list, and, when the free breaks the emptiness
 *   invariant u >= a - K*S or u >= (1-f)*a, move superblocks that are at
 *   least f empty to the global heap until it holds again.
 *
 * The global heap does not give memory back to the operating system (nor
 * did the paper's Hoard); its completely empty superblocks serve any size
 * class.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "internal.h"

struct hoard_config hoard_cfg;
struct hoard_heap *hoard_heaps;
_Atomic int hoard_ready;
struct hoard_counters hoard_count;

static struct hoard_lock init_lock;

/* Metadata (class tables, heaps) comes from its own mappings. */
static char *meta_next, *meta_end;

/* Superblocks are cut from chunks mapped ahead, under the global lock. */
#define HOARD_CHUNK (1u << 20)
static char *chunk_next, *chunk_end;

static struct hoard_arena *arena_reserve_locked(void);

/* The heap this thread hashes to; initial-exec TLS never calls malloc. */
static __thread struct hoard_heap *tls_heap __attribute__((tls_model("initial-exec")));

void *hoard_os_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	atomic_fetch_add_explicit(&hoard_count.os_maps, 1, memory_order_relaxed);
	return p;
}

static void *meta_alloc(size_t size)
{
	void *p;

	size = (size + HOARD_CACHELINE - 1) & ~(size_t)(HOARD_CACHELINE - 1);
	if ((size_t)(meta_end - meta_next) < size) {
		size_t len = size > (1u << 16) ? size : (1u << 16);

		len = (len + 4095) & ~(size_t)4095;
		meta_next = hoard_os_map(len);
		if (!meta_next)
			return NULL;
		meta_end = meta_next + len;
	}
	p = meta_next;
	meta_next += size;
	return p;
}

/* Adds delta to a counter and raises its peak. */
static void count_add(_Atomic size_t *now, _Atomic size_t *peak, ptrdiff_t delta)
{
	size_t v = atomic_fetch_add_explicit(now, (size_t)delta, memory_order_relaxed) + (size_t)delta;
	size_t p = atomic_load_explicit(peak, memory_order_relaxed);

	/* (a sum published ahead of the additions it follows may be
	 * below zero for a moment: no peak) */
	while ((ptrdiff_t)v > 0 && v > p && !atomic_compare_exchange_weak_explicit(peak, &p, v, memory_order_relaxed,
								memory_order_relaxed))
		;
}

static void count_allocated(ptrdiff_t delta)
{
	count_add(&hoard_count.allocated, &hoard_count.allocated_peak, delta);
}

/*
 * U, only with statistics.  Each thread adds its changes up and publishes
 * them to the shared counter once they reach HOARD_U_SLACK bytes either
 * way (and when it exits, and before it reads the statistics): with a
 * publication at every refill and flush of the thread cache, two threads
 * took the counter's cache line from each other every few hundred
 * operations, 5% of threadtest's time at 2 threads.  So U and its peak
 * are exact within HOARD_U_SLACK per live thread.
 */
#define HOARD_U_SLACK ((ptrdiff_t)16384)
static __thread ptrdiff_t u_pending __attribute__((tls_model("initial-exec")));

static void count_in_use(ptrdiff_t delta)
{
	ptrdiff_t p = u_pending + delta;

	/* Without the cache (the paper's algorithm, whose threads have no
	 * exit handler) every change is published at once. */
	if (hoard_cfg.tc_max_size && p < HOARD_U_SLACK && p > -HOARD_U_SLACK) {
		u_pending = p;
		return;
	}
	u_pending = 0;
	count_add(&hoard_count.in_use, &hoard_count.in_use_peak, p);
}

void hoard_in_use_publish(void)
{
	ptrdiff_t p = u_pending;

	u_pending = 0;
	if (p)
		count_add(&hoard_count.in_use, &hoard_count.in_use_peak, p);
}

int hoard_init(void)
{
	int ret = 0;

	if (atomic_load_explicit(&hoard_ready, memory_order_acquire))
		return 0;
	hoard_lock(&init_lock);
	if (!atomic_load_explicit(&hoard_ready, memory_order_relaxed)) {
		struct hoard_config *cfg = &hoard_cfg;

		ret = hoard_config_load(cfg, meta_alloc);
		if (!ret)
			hoard_heaps = meta_alloc((cfg->nheaps + 1) * sizeof(struct hoard_heap));
		for (unsigned i = 0; !ret && i <= cfg->nheaps; i++) {
			struct hoard_heap *h = hoard_heaps ? &hoard_heaps[i] : NULL;

			if (!h || !(h->classes = meta_alloc(cfg->nclasses * sizeof(*h->classes)))) {
				ret = -1;
				break;
			}
			h->index = i;
		}
		if (!ret)
			ret = hoard_tcache_init_locked();
		/* The first arena, before any thread may read its base. */
		if (!ret)
			arena_reserve_locked();
		if (!ret)
			atomic_store_explicit(&hoard_ready, 1, memory_order_release);
	}
	hoard_unlock(&init_lock);
	return ret;
}

/*
 * The paper hashes the thread id to a heap, so that a program's threads,
 * whose ids are usually consecutive, fall on distinct heaps.  They are
 * consecutive only on a quiet system: the kernel numbers the tasks of
 * every process from one counter, so on a busy one two threads of a
 * program can meet on one heap by tid mod P: a consumer that shares its
 * producer's heap keeps the producer's blocks in its own thread cache
 * (tests/alloc/blowup.sh, 1 MB more).  The threads are numbered here
 * instead, in the order they first allocate, so that the first P threads
 * of a program always have heaps of their own.
 */
static atomic_uint heap_turn;

static struct hoard_heap *assign_heap(void)
{
	unsigned k = atomic_fetch_add_explicit(&heap_turn, 1, memory_order_relaxed);

	tls_heap = &hoard_heaps[1 + k % hoard_cfg.nheaps];
	return tls_heap;
}

static inline struct hoard_heap *my_heap(void)
{
	struct hoard_heap *h = tls_heap;

	return HOARD_LIKELY(h != NULL) ? h : assign_heap();
}

/*
 * A heap lock is held for a few dozen instructions, so a waiter spins
 * briefly; when the holder has been preempted (more threads than
 * processors) it yields the processor to it, as the Hoard distribution's
 * spin lock does.  Unlocking is a plain release store.
 */
void hoard_lock_slow(struct hoard_lock *l)
{
	unsigned spins = 0;

	for (;;) {
		while (atomic_load_explicit(&l->held, memory_order_relaxed)) {
			if (++spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
				__builtin_ia32_pause();
#endif
			} else {
				sched_yield();
				spins = 0;
			}
		}
		if (!atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
			return;
	}
}

/* ---- accounting and the emptiness invariant ---------------------------- */

static inline size_t sb_capacity_bytes(const struct hoard_sb *sb)
{
	return (size_t)sb->capacity * sb->block_size;
}

static inline size_t sb_used_bytes(const struct hoard_sb *sb)
{
	return (size_t)sb->used * sb->block_size;
}

/*
 * f is kept in 1/65536ths.  Both tests below use the same exact rational
 * comparison, so that when a class's u < (1-f)*a some superblock of it has
 * used <= (1-f)*capacity (pigeonhole) and the release loop always finds one.
 */
static size_t keep_fraction_ceil(size_t a)
{
	unsigned __int128 x = (unsigned __int128)a * (65536u - hoard_cfg.f_fixed);

	return (size_t)((x + 65535) >> 16);
}

static void update_threshold(struct hoard_class_lists *cl)
{
	size_t a = cl->held, ks = hoard_cfg.reserve * hoard_cfg.sb_size;
	size_t by_reserve = a > ks ? a - ks : 0;
	/* u < ceil((1-f)*a) <=> u < (1-f)*a, u being an integer */
	size_t by_fraction = keep_fraction_ceil(a);

	cl->release_below = by_reserve < by_fraction ? by_reserve : by_fraction;
}

/* A superblock "at least f empty" (the paper's release condition). */
static inline int sb_f_empty(const struct hoard_sb *sb)
{
	return (unsigned __int128)sb_used_bytes(sb) * 65536u <=
	       (unsigned __int128)sb_capacity_bytes(sb) * (65536u - hoard_cfg.f_fixed);
}

/* ---- fullness groups ---------------------------------------------------- */

static unsigned group_of(const struct hoard_sb *sb)
{
	if (sb->used == sb->capacity)
		return HOARD_GROUP_FULL;
	if (sb->used == 0)
		return 0;
	return 1 + (unsigned)((uint64_t)sb->used * HOARD_GROUPS / sb->capacity);
}

static void set_group_range(struct hoard_sb *sb, unsigned g)
{
	uint64_t cap = sb->capacity;

	sb->group = (uint8_t)g;
	if (g == 0) {
		sb->grp_lo = 0;
		sb->grp_hi = 1;
	} else if (g == HOARD_GROUP_FULL) {
		sb->grp_lo = sb->capacity;
		sb->grp_hi = sb->capacity + 1;
	} else {
		/* used in [lo, hi) <=> floor(used * G / cap) == g - 1 */
		uint64_t lo = ((g - 1) * cap + HOARD_GROUPS - 1) / HOARD_GROUPS;
		uint64_t hi = (g * cap + HOARD_GROUPS - 1) / HOARD_GROUPS;

		sb->grp_lo = lo < 1 ? 1 : (uint32_t)lo;
		sb->grp_hi = hi > cap ? (uint32_t)cap : (uint32_t)hi;
	}
}

/* The global heap keeps its empty superblocks on one list for all classes. */
static inline struct hoard_sb **list_head(struct hoard_heap *h, struct hoard_sb *sb, unsigned g)
{
	if (g == 0 && h->index == HOARD_GLOBAL)
		return &h->empty;
	return &h->classes[sb->sclass].list[g];
}

static void sb_unlink_locked(struct hoard_heap *h, struct hoard_sb *sb)
{
	unsigned g = sb->group;
	struct hoard_sb **head;

	if (g == HOARD_GROUP_NONE)
		return;
	head = list_head(h, sb, g);
	if (sb->prev)
		sb->prev->next = sb->next;
	else
		*head = sb->next;
	if (sb->next)
		sb->next->prev = sb->prev;
	if (head == &h->empty)
		h->nempty--;
	else if (!*head)
		h->classes[sb->sclass].nonempty &= ~(1u << g);
	sb->prev = sb->next = NULL;
	sb->group = HOARD_GROUP_NONE;
}

/* Links sb at the front of the group its fullness puts it in. */
static void sb_link_locked(struct hoard_heap *h, struct hoard_sb *sb)
{
	unsigned g = group_of(sb);
	struct hoard_sb **head = list_head(h, sb, g);

	set_group_range(sb, g);
	sb->prev = NULL;
	sb->next = *head;
	if (*head)
		(*head)->prev = sb;
	*head = sb;
	if (head == &h->empty)
		h->nempty++;
	else
		h->classes[sb->sclass].nonempty |= 1u << g;
}

/*
 * Changes the owner in sb's ident, keeping magic and the interior flag;
 * with the old and the new owner's locks held (the only writers).
 */
static void sb_set_owner(struct hoard_sb *sb, uint32_t owner)
{
	uint64_t v = atomic_load_explicit(&sb->ident, memory_order_relaxed);

	v &= ~((uint64_t)HOARD_ID_OWNER_MASK << HOARD_ID_OWNER_SHIFT);
	v |= (uint64_t)owner << HOARD_ID_OWNER_SHIFT;
	atomic_store_explicit(&sb->ident, v, memory_order_release);
}

/*
 * Move-to-front within sb's group (the paper, Section 3.1: a free moves
 * the superblock to the front of its fullness group), when its group has
 * not changed: a splice, without recomputing the group.
 */
static inline void sb_to_front_locked(struct hoard_heap *h, struct hoard_sb *sb)
{
	struct hoard_sb **head;

	if (!sb->prev)
		return;
	head = list_head(h, sb, sb->group);
	sb->prev->next = sb->next;
	if (sb->next)
		sb->next->prev = sb->prev;
	sb->prev = NULL;
	sb->next = *head;
	(*head)->prev = sb;
	*head = sb;
}

/* After a free: a new group when sb's fullness left its range, else the
 * front of the same group. */
static inline void sb_freed_locked(struct hoard_heap *h, struct hoard_sb *sb)
{
	if (sb->used < sb->grp_lo) {
		sb_unlink_locked(h, sb);
		sb_link_locked(h, sb);
	} else {
		sb_to_front_locked(h, sb);
	}
}

/* Formats sb for class c; it belongs to the global heap, whose lock is held. */
static void sb_format(struct hoard_sb *sb, unsigned c)
{
	atomic_store_explicit(&sb->ident, HOARD_MAGIC_SMALL, memory_order_relaxed);
	sb->tc_slot = (uint8_t)(c < HOARD_TC_CLASSES && hoard_cfg.tc_cap[c] ? c : HOARD_TC_SLOT_NONE);
	sb->sclass = c;
	sb->block_size = hoard_cfg.class_size[c];
	sb->capacity = hoard_cfg.class_capacity[c];
	sb->used = 0;
	sb->carved = 0;
	sb->free_list = NULL;
	sb->blocks = (char *)sb + HOARD_HEADER_SIZE;
	sb->prev = sb->next = NULL;
	sb->group = HOARD_GROUP_NONE;
}

/* ---- the global heap ---------------------------------------------------- */

/*
 * Arenas: superblocks are cut from address space reserved ahead, readable
 * but not writable (a private read-only mapping is charged neither memory
 * nor commit; a read of a page never written finds the zero page), and
 * made writable a chunk at a time.  A pointer's superblock header is read
 * only when it lies in an arena, so free of a pointer that Hoard did not
 * hand out (a static buffer, another allocator's block, the stack) is
 * ignored without touching what lies below it, and never faults.  The
 * first arena is the one free's fast path checks (hoard_cfg.arena_base and
 * arena_len, constant once set); should it fill up, more are reserved,
 * checked on the slow paths.  A reservation that fails is retried
 * smaller, down to one chunk.
 */
#define HOARD_ARENA_MAX ((size_t)1 << 34) /* 16 GiB of address space */
#define HOARD_MAX_ARENAS 64u

struct hoard_arena {
	uintptr_t base;
	size_t reserved;
	size_t committed;	/* under the global heap's lock */
};

static struct hoard_arena arenas[HOARD_MAX_ARENAS];
static _Atomic unsigned narenas;

/* Reserves a new arena, aligned to the chunk; global heap locked (or
 * initialization). */
static struct hoard_arena *arena_reserve_locked(void)
{
	unsigned n = atomic_load_explicit(&narenas, memory_order_relaxed);
	size_t align = hoard_cfg.sb_size > HOARD_CHUNK ? hoard_cfg.sb_size : HOARD_CHUNK;
	size_t first = HOARD_ARENA_MAX;
	struct rlimit rl;

	if (n == HOARD_MAX_ARENAS)
		return NULL;
	/*
	 * Under a limit on address space (ulimit -v) a reservation counts
	 * against it though it is not memory: at most half of the limit, so
	 * that the program's own mappings (thread stacks, libraries, large
	 * blocks) keep room.  Taking the largest step that fitted took 256 MiB
	 * of a 293 MiB limit, and Python could then start no thread.
	 */
	if (!getrlimit(RLIMIT_AS, &rl) && rl.rlim_cur != RLIM_INFINITY)
		while (first > rl.rlim_cur / 2 && first / 2 >= align)
			first /= 2;
	for (size_t len = first; len >= align; len /= 8) {
		char *m = mmap(NULL, len + align, PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), *base;

		if (m == MAP_FAILED)
			continue;
		base = (char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
		if (base > m)
			munmap(m, (size_t)(base - m));
		munmap(base + len, (size_t)(m + align - base));
		atomic_fetch_add_explicit(&hoard_count.os_maps, 1, memory_order_relaxed);
		arenas[n].base = (uintptr_t)base;
		arenas[n].reserved = len;
		arenas[n].committed = 0;
		if (n == 0) {
			hoard_cfg.arena_base = (uintptr_t)base;
			hoard_cfg.arena_len = len;
		}
		atomic_store_explicit(&narenas, n + 1, memory_order_release);
		return &arenas[n];
	}
	return NULL;
}

/* Whether sb lies in any arena. */
static int in_arena(const struct hoard_sb *sb)
{
	unsigned n = atomic_load_explicit(&narenas, memory_order_acquire);

	if (HOARD_LIKELY(hoard_in_arena0(sb)))
		return 1;
	for (unsigned i = 1; i < n; i++)
		if ((uintptr_t)sb - arenas[i].base < arenas[i].reserved)
			return 1;
	return 0;
}

/* Makes the next chunk of the newest arena writable (a new arena when it
 * is full) for sb_from_os_locked; global heap locked. */
static int chunk_commit_locked(void)
{
	unsigned n = atomic_load_explicit(&narenas, memory_order_relaxed);
	struct hoard_arena *a = n ? &arenas[n - 1] : NULL;
	size_t len = hoard_cfg.sb_size > HOARD_CHUNK ? hoard_cfg.sb_size : HOARD_CHUNK;

	if (!a || a->reserved - a->committed < len) {
		a = arena_reserve_locked();
		if (!a)
			return -1;
	}
	if (mprotect((char *)a->base + a->committed, len, PROT_READ | PROT_WRITE))
		return -1;
	/* The next chunk of the same arena extends what is left of the
	 * current one, so that a span of several superblocks (large_alloc)
	 * may cross the boundary between them. */
	if ((char *)a->base + a->committed != chunk_end)
		chunk_next = (char *)a->base + a->committed;
	chunk_end = (char *)a->base + a->committed + len;
	a->committed += len;
	return 0;
}

/* A fresh superblock, S-aligned; with the global heap locked. */
static struct hoard_sb *sb_from_os_locked(struct hoard_heap *global)
{
	size_t S = hoard_cfg.sb_size;
	struct hoard_sb *sb;

	if (chunk_next == chunk_end && chunk_commit_locked())
		return NULL;
	sb = (struct hoard_sb *)chunk_next;
	chunk_next += S;
	global->superblocks_created++;
	count_allocated((ptrdiff_t)S);
	return sb;
}

/*
 * Giving memory back (not in the paper, whose global heap keeps every
 * empty superblock): when the global heap holds more than
 * hoard_cfg.retain bytes of empty superblocks, the pages of the newest
 * ones past their header page go back to the system (MADV_DONTNEED, so
 * RSS falls at once; a reused superblock's pages come back zero-filled on
 * first touch).  Their header stays, so they keep their place in the
 * global heap, on a list of their own, taken after the resident empty
 * ones.  Such pages leave A until the superblock is reused.
 */
static size_t sb_releasable(void)
{
	size_t S = hoard_cfg.sb_size, page = hoard_cfg.page;

	return S > page ? S - page : 0;
}

/* Gives sb's pages back; sb is empty, off every list, in the global heap. */
static void sb_release_pages_locked(struct hoard_heap *global, struct hoard_sb *sb)
{
	size_t len = sb_releasable();

	if (madvise((char *)sb + hoard_cfg.page, len, MADV_DONTNEED) == 0) {
		count_allocated(-(ptrdiff_t)len);
		global->pages_released++;
		sb->next = global->released;
		global->released = sb;
		global->nreleased++;
	} else {
		sb_link_locked(global, sb);
	}
}

/* Releases the global heap's resident empty superblocks beyond keep
 * bytes; returns how many. */
static size_t global_release_locked(struct hoard_heap *global, size_t keep)
{
	size_t n = 0;

	if (!sb_releasable())
		return 0;
	while (global->empty && global->nempty * hoard_cfg.sb_size > keep) {
		struct hoard_sb *sb = global->empty;

		sb_unlink_locked(global, sb);
		sb_release_pages_locked(global, sb);
		n++;
	}
	return n;
}

static inline void global_retain_locked(struct hoard_heap *global)
{
	if (HOARD_UNLIKELY(global->nempty * hoard_cfg.sb_size > hoard_cfg.retain))
		global_release_locked(global, hoard_cfg.retain);
}

/*
 * Batched transfers (not in the paper): with the thread cache on, one
 * lock of the global heap moves several superblocks.  The paper's
 * algorithm (the cache off) moves them as the paper does.
 */
static inline int batching(void)
{
	return hoard_cfg.tc_max_size != 0;
}

/*
 * Whether a heap's class with u bytes in use of a held sits at least at the
 * level a batch of transfers aims for: u >= a - K*S/2 or u >= (1 - f/2)*a,
 * half-way between the invariant's bound and a full heap, so that after a
 * batch some frees (or mallocs) pass before the next one.
 */
static int batch_level_ok(size_t u, size_t a)
{
	size_t half_ks = hoard_cfg.reserve * hoard_cfg.sb_size / 2;
	unsigned __int128 x = (unsigned __int128)a * (65536u - hoard_cfg.f_fixed / 2);

	return u + half_ks >= a || (unsigned __int128)u * 65536u >= x;
}

/* The superblock of class c (or empty) the global heap would give next,
 * without the released ones; NULL when it has none. */
static struct hoard_sb *global_next_locked(struct hoard_heap *global, unsigned c)
{
	struct hoard_class_lists *gcl = &global->classes[c];

	if (gcl->nonempty)
		return gcl->list[31 - __builtin_clz(gcl->nonempty)];
	return global->empty;
}

/* Takes sb (from global_next_locked) out of the global heap, formatted for
 * class c; both heaps locked. */
static void global_take_locked(struct hoard_heap *global, struct hoard_sb *sb, unsigned c)
{
	struct hoard_class_lists *gcl = &global->classes[c];

	sb_unlink_locked(global, sb);
	if (sb->used) {
		gcl->in_use -= sb_used_bytes(sb);
		gcl->held -= sb_capacity_bytes(sb);
		gcl->nsuperblocks--;
		update_threshold(gcl);
	} else {
		sb_format(sb, c);
	}
	global->transfers_from_global++;
}

/* sb joins heap h (locked; the global heap too, for the owner). */
static void heap_adopt_locked(struct hoard_heap *h, struct hoard_class_lists *cl,
			      struct hoard_sb *sb)
{
	sb_set_owner(sb, h->index);
	cl->in_use += sb_used_bytes(sb);
	cl->held += sb_capacity_bytes(sb);
	cl->nsuperblocks++;
	sb_link_locked(h, sb);
}

/* A batch moves at most this many superblocks under one lock. */
#define HOARD_BATCH_MAX 32u

/*
 * Heap h has no superblock of class c with a free block: take one from the
 * global heap (the fullest of class c, else an empty one re-formatted for
 * c) or from the operating system, and make h its owner.  With the thread
 * cache on, the same lock of the global heap brings more of its
 * superblocks of class c or empty ones, as long as the heap stays at the
 * batch level (batch_level_ok): the invariant holds after it, and fewer
 * transfers take the global lock.  Returns the first superblock.
 */
static struct hoard_sb *refill_locked(struct hoard_heap *h, unsigned c)
{
	struct hoard_heap *global = &hoard_heaps[HOARD_GLOBAL];
	struct hoard_class_lists *cl = &h->classes[c];
	struct hoard_sb *sb, *first;
	unsigned n = 1;

	hoard_lock(&global->lock);
	global->lock_acquisitions++;
	if ((sb = global_next_locked(global, c)) != NULL) {
		global_take_locked(global, sb, c);
	} else if (global->released) {
		sb = global->released;
		global->released = sb->next;
		global->nreleased--;
		count_allocated((ptrdiff_t)sb_releasable());
		sb_format(sb, c);
		global->transfers_from_global++;
	} else {
		sb = sb_from_os_locked(global);
		if (!sb) {
			hoard_unlock(&global->lock);
			return NULL;
		}
		sb_format(sb, c);
	}
	heap_adopt_locked(h, cl, sb);
	first = sb;
	while (batching() && n < HOARD_BATCH_MAX && (sb = global_next_locked(global, c)) != NULL) {
		size_t used = sb->used ? sb_used_bytes(sb) : 0;
		size_t cap = sb->used ? sb_capacity_bytes(sb)
				      : (size_t)hoard_cfg.class_capacity[c] * hoard_cfg.class_size[c];

		if (!batch_level_ok(cl->in_use + used, cl->held + cap))
			break;
		global_take_locked(global, sb, c);
		heap_adopt_locked(h, cl, sb);
		n++;
	}
	hoard_unlock(&global->lock);
	update_threshold(cl);
	return first;
}

/*
 * A superblock of class c that is at least f empty, preferring completely
 * empty ones (the paper observes that released superblocks are then almost
 * always empty, which is what keeps transfers from spreading cache lines
 * over processors), then the emptiest groups.
 */
static struct hoard_sb *release_candidate_locked(struct hoard_class_lists *cl)
{
	for (unsigned g = 0; g <= HOARD_GROUPS; g++) {
		for (struct hoard_sb *sb = cl->list[g]; sb; sb = sb->next)
			if (sb_f_empty(sb))
				return sb;
		/* Groups above 1 - f hold no candidate. */
		if ((uint64_t)g * 65536 >= (uint64_t)HOARD_GROUPS * (65536 - hoard_cfg.f_fixed))
			break;
	}
	return NULL;
}

/* sb leaves heap h for the global heap; both locked. */
static void heap_give_locked(struct hoard_heap *h, struct hoard_class_lists *cl,
			     struct hoard_heap *global, struct hoard_sb *sb)
{
	sb_unlink_locked(h, sb);
	cl->in_use -= sb_used_bytes(sb);
	cl->held -= sb_capacity_bytes(sb);
	cl->nsuperblocks--;
	update_threshold(cl);

	sb_set_owner(sb, HOARD_GLOBAL);
	if (sb->used) {
		struct hoard_class_lists *gcl = &global->classes[sb->sclass];

		gcl->in_use += sb_used_bytes(sb);
		gcl->held += sb_capacity_bytes(sb);
		gcl->nsuperblocks++;
	}
	sb_link_locked(global, sb);
	global->transfers_to_global++;
}

/*
 * The free that left cl below its threshold: restore the invariant.  With
 * the thread cache on, the same lock of the global heap takes more of the
 * class's completely empty superblocks, down to the batch level
 * (batch_level_ok), so that a heap that keeps emptying does not come back
 * for each superblock.
 */
static void release_locked(struct hoard_heap *h, struct hoard_class_lists *cl)
{
	struct hoard_heap *global = &hoard_heaps[HOARD_GLOBAL];
	unsigned n = 0;

	hoard_lock(&global->lock);
	global->lock_acquisitions++;
	while (cl->in_use < cl->release_below) {
		struct hoard_sb *sb = release_candidate_locked(cl);

		if (!sb)
			break;
		heap_give_locked(h, cl, global, sb);
		n++;
	}
	while (batching() && n < HOARD_BATCH_MAX && cl->list[0] &&
	       !batch_level_ok(cl->in_use, cl->held)) {
		heap_give_locked(h, cl, global, cl->list[0]);
		n++;
	}
	global_retain_locked(global);
	hoard_unlock(&global->lock);
}

/* ---- malloc and free ---------------------------------------------------- */

static void *large_alloc(size_t size, size_t align);
static void large_free(struct hoard_sb *hdr, void *p);
static int lt_remove(const struct hoard_sb *hdr);

/* One block from the fullest superblock of class c; heap h locked. */
static inline void *alloc_one_locked(struct hoard_heap *h, struct hoard_class_lists *cl,
				     unsigned c, struct hoard_sb **sbp)
{
	struct hoard_sb *sb;
	char *b;

	if (HOARD_LIKELY(cl->nonempty & ~(1u << HOARD_GROUP_FULL))) {
		/* The fullest superblock with a free block (Section 3.1). */
		sb = cl->list[31 - __builtin_clz(cl->nonempty & ~(1u << HOARD_GROUP_FULL))];
	} else {
		sb = refill_locked(h, c);
		if (HOARD_UNLIKELY(!sb))
			return NULL;
	}
	b = sb->free_list;
	if (b)
		sb->free_list = *(void **)b;
	else
		b = sb->blocks + (size_t)sb->carved++ * sb->block_size;
	sb->used++;
	cl->in_use += sb->block_size;
	if (HOARD_UNLIKELY(sb->used >= sb->grp_hi)) {
		sb_unlink_locked(h, sb);
		sb_link_locked(h, sb);
	}
	if (HOARD_UNLIKELY(hoard_cfg.stats))
		count_in_use((ptrdiff_t)sb->block_size);
	*sbp = sb;
	return b;
}

static inline char *block_start(const struct hoard_sb *sb, const void *p)
{
	size_t off = (size_t)((const char *)p - sb->blocks);

	return sb->blocks + (uint32_t)off / sb->block_size * sb->block_size;
}

/*
 * Gives n blocks of sb, linked from first to last, back to it; its owner h
 * is locked.  With n = 1 this is the paper's free; the thread cache's
 * batches give back runs of blocks of one superblock at once, and the
 * invariant is checked after each run as after a single free.
 */
static HOARD_ALWAYS_INLINE void free_run_locked(struct hoard_heap *h, struct hoard_sb *sb,
						 void *first, void *last, uint32_t n)
{
	struct hoard_class_lists *cl = &h->classes[sb->sclass];

	*(void **)last = sb->free_list;
	sb->free_list = first;
	sb->used -= n;
	cl->in_use -= (size_t)n * sb->block_size;
	if (HOARD_UNLIKELY(hoard_cfg.stats))
		count_in_use(-(ptrdiff_t)((size_t)n * sb->block_size));
	if (h->index != HOARD_GLOBAL) {
		/* Move to front of its fullness group (Section 3.1): the next
		 * malloc reuses the block just freed, still in cache. */
		sb_freed_locked(h, sb);
		if (HOARD_UNLIKELY(cl->in_use < cl->release_below))
			release_locked(h, cl);
		return;
	}
	if (sb->used == 0) {
		/* Empty in the global heap: free for any size class. */
		cl->held -= sb_capacity_bytes(sb);
		cl->nsuperblocks--;
		sb_unlink_locked(h, sb);
		sb_link_locked(h, sb);
		global_retain_locked(h);
	} else {
		sb_freed_locked(h, sb);
	}
}

/* Locks the heap that owns sb, checking it still does (see internal.h). */
static inline struct hoard_heap *lock_owner(struct hoard_sb *sb)
{
	for (;;) {
		uint32_t owner = hoard_sb_owner(sb, memory_order_acquire);
		struct hoard_heap *h = &hoard_heaps[owner];

		hoard_lock(&h->lock);
		if (HOARD_LIKELY(hoard_sb_owner(sb, memory_order_relaxed) == owner)) {
			if (HOARD_UNLIKELY(owner == HOARD_GLOBAL))
				h->lock_acquisitions++;
			return h;
		}
		hoard_unlock(&h->lock);
	}
}

static HOARD_NOINLINE void dealloc_locked_path(struct hoard_sb *sb, void *p)
{
	struct hoard_heap *h = lock_owner(sb);

	if (HOARD_UNLIKELY(sb->used == 0)) {
		/* A double free: nothing of it is ours to give back. */
		hoard_unlock(&h->lock);
		return;
	}
	free_run_locked(h, sb, p, p, 1);
	hoard_unlock(&h->lock);
}

/* ---- the thread cache --------------------------------------------------- */

/*
 * Not in the paper: a small per-thread cache of blocks of the thread's own
 * heap, as in the Hoard distribution since version 3, so that most malloc
 * and free calls take no lock.  To the heaps, cached blocks are in use, so
 * the invariant and the bound keep their form with U grown by at most the
 * caches' size (HOARD_THREAD_CACHE bytes per class and thread).  Only
 * blocks of superblocks owned by the thread's own heap are cached: a block
 * freed by another thread still goes back to its owner, which is what
 * bounds blowup and avoids passive false sharing.  HOARD_THREAD_CACHE=0
 * gives the paper's algorithm exactly.
 *
 * The fast paths are inline in internal.h (hoard_malloc, hoard_free); here
 * are the misses.  A slot caches at most tc_cap blocks.
 */
__thread struct hoard_tcache hoard_tc __attribute__((tls_model("initial-exec")));
static pthread_key_t tcache_key;
static int tcache_key_ok;

/*
 * The slots' arrays of a thread, one piece of metadata of tc_cap[0] +
 * tc_cap[1] + ... pointers; an exiting thread's goes on a list for the
 * next thread (under init_lock, taken once per thread).
 */
static void **tc_store_free;

static void **tc_store_get(void)
{
	size_t n = 0;
	void **st;

	for (unsigned c = 0; c < HOARD_TC_CLASSES; c++)
		n += hoard_cfg.tc_cap[c];
	hoard_lock(&init_lock);
	st = tc_store_free;
	if (st)
		tc_store_free = st[0];
	else
		st = meta_alloc((n ? n : 1) * sizeof(void *));
	hoard_unlock(&init_lock);
	return st;
}

static void tc_store_put(void **st)
{
	hoard_lock(&init_lock);
	st[0] = tc_store_free;
	tc_store_free = st;
	hoard_unlock(&init_lock);
}

/*
 * Gives all but keep cached blocks of class c back, under one lock of the
 * thread's heap for those whose superblock it still owns (all of them, but
 * for a superblock that moved meanwhile: that one goes to its owner).  The
 * newest go (the top of the slot's array), so nothing moves in the array.
 *
 * Neighbouring cached blocks usually come from one superblock (a refill
 * takes them from one, and frees follow allocations): each such run is
 * linked and spliced onto its superblock's free list whole
 * (free_run_locked), with one update of the counts and of the fullness
 * group.  The array is read in order, so the loop's loads do not wait on
 * each other as a walk along a list's links would.
 */
static HOARD_NOINLINE void tcache_flush_class(struct hoard_tcache *tc, unsigned c, unsigned keep)
{
	struct hoard_heap *h = tls_heap;
	void **lo = tc->lo[c], **end = tc->top[c], **q = lo + keep;
	void *moved = NULL;

	if (end - lo <= (ptrdiff_t)keep)
		return;
	tc->top[c] = q;
	hoard_lock(&h->lock);
	while (q < end) {
		void *first = *q, *last = first;
		struct hoard_sb *sb = hoard_sb_of(first);
		void **run = q;

		for (q++; q < end && hoard_sb_of(*q) == sb; q++) {
			*(void **)last = *q;
			last = *q;
		}
		if (HOARD_UNLIKELY(hoard_sb_owner(sb, memory_order_relaxed) != h->index)) {
			*(void **)last = moved;
			moved = first;
			continue;
		}
		free_run_locked(h, sb, first, last, (uint32_t)(q - run));
	}
	hoard_unlock(&h->lock);
	while (moved) {
		void *p = moved;

		moved = *(void **)p;
		dealloc_locked_path(hoard_sb_of(p), p);
	}
}

/*
 * Blocks that this thread frees but another heap owns (the producer-
 * consumer pattern) go back to their owners as the paper says, but in
 * batches: up to HOARD_REMOTE_BLOCKS blocks or 8 caches' worth of bytes,
 * one lock of each owner per batch instead of one per block.  Until then
 * they count as in use, like the cached blocks, so the bound keeps its
 * form; they are never reused by this thread, so no cache line of another
 * heap's superblock is handed to it (no passive false sharing).
 */
#define HOARD_REMOTE_BLOCKS 64u

static HOARD_NOINLINE void remote_flush(struct hoard_tcache *tc)
{
	void *list = tc->remote;

	tc->remote = NULL;
	tc->nremote = 0;
	tc->remote_bytes = 0;
	while (list) {
		/* The owner of the first block, locked; the blocks of other
		 * owners wait for the next pass. */
		struct hoard_heap *h = lock_owner(hoard_sb_of(list));
		void *rest = NULL;

		while (list) {
			void *first = list, *last = first;
			struct hoard_sb *sb = hoard_sb_of(first);
			uint32_t n = 1;

			/* A run of blocks of one superblock, freed together. */
			while (*(void **)last && hoard_sb_of(*(void **)last) == sb) {
				last = *(void **)last;
				n++;
			}
			list = *(void **)last;
			if (hoard_sb_owner(sb, memory_order_relaxed) != h->index) {
				*(void **)last = rest;
				rest = first;
			} else if (HOARD_LIKELY(sb->used >= n)) {
				/* (else a double free: nothing to give back) */
				free_run_locked(h, sb, first, last, n);
			}
		}
		hoard_unlock(&h->lock);
		list = rest;
	}
}

/* At thread exit: the cached blocks go back to their superblocks, and the
 * cache takes no more (a later destructor may still allocate and free). */
static void tcache_exit(void *arg)
{
	struct hoard_tcache *tc = arg;

	tc->state = 2;
	tc->tag = 0;
	for (unsigned c = 0; c < HOARD_TC_CLASSES; c++) {
		tcache_flush_class(tc, c, 0);
		tc->top[c] = tc->lo[c] = tc->hi[c] = NULL;
	}
	remote_flush(tc);
	if (tc->store) {
		tc_store_put(tc->store);
		tc->store = NULL;
	}
	hoard_in_use_publish();
}

/* The thread's first cached operation: the flush at exit, then the tag
 * that lets free's fast path recognize the blocks of its own heap. */
static HOARD_NOINLINE int tcache_register(struct hoard_tcache *tc)
{
	/* The value must be non-NULL for the destructor to run; keys below
	 * 32 live in the thread descriptor, so this does not allocate. */
	void **st;

	if (!tcache_key_ok || !(st = tc_store_get())) {
		tc->state = 2;
		return -1;
	}
	if (pthread_setspecific(tcache_key, tc)) {
		tc_store_put(st);
		tc->state = 2;
		return -1;
	}
	tc->store = st;
	for (unsigned c = 0; c < HOARD_TC_CLASSES; c++) {
		tc->lo[c] = tc->top[c] = st;
		st += hoard_cfg.tc_cap[c];
		tc->hi[c] = st;
	}
	tc->tag = HOARD_MAGIC_SMALL | (uint64_t)my_heap()->index << HOARD_ID_OWNER_SHIFT;
	tc->state = 1;
	return 0;
}

/*
 * Cache miss (the cache of class c is empty): blocks from the fullest
 * superblock under one lock, up to half a cache: first from its free list,
 * then never-used blocks carved from its tail (their addresses only: the
 * blocks themselves are not touched; the lowest address on top, so that
 * they are handed out in address order).  Returns the top one; the rest
 * stay in the cache.
 */
static HOARD_NOINLINE void *tcache_refill(struct hoard_tcache *tc, unsigned c)
{
	struct hoard_heap *h = my_heap();
	struct hoard_class_lists *cl = &h->classes[c];
	uint32_t want = hoard_cfg.tc_cap[c] / 2, taken = 0, nchain = 0;
	void **t = tc->lo[c], **chain_at = t, *chain = NULL;
	struct hoard_sb *sb;

	if (want < 1)
		want = 1;
	hoard_lock(&h->lock);
	if (HOARD_LIKELY(cl->nonempty & ~(1u << HOARD_GROUP_FULL))) {
		sb = cl->list[31 - __builtin_clz(cl->nonempty & ~(1u << HOARD_GROUP_FULL))];
	} else {
		sb = refill_locked(h, c);
		if (HOARD_UNLIKELY(!sb)) {
			hoard_unlock(&h->lock);
			return NULL;
		}
	}
	if (sb->carved - sb->used <= hoard_cfg.tc_cap[c]) {
		/* The whole free list fits: detached now, walked after the
		 * lock (its blocks were often linked by another thread's
		 * frees, so each step is a cache miss, which must not keep
		 * that thread waiting for the lock). */
		nchain = sb->carved - sb->used;
		chain = sb->free_list;
		sb->free_list = NULL;
		t += nchain;
		taken = nchain;
	} else {
		while (taken < want && sb->free_list) {
			void *b = sb->free_list;

			sb->free_list = *(void **)b;
			*t++ = b;
			taken++;
		}
	}
	if (taken < want && sb->carved < sb->capacity) {
		/* Never-used blocks, the first one carved on top. */
		uint32_t n = sb->capacity - sb->carved, bs = sb->block_size;
		char *b;

		if (n > want - taken)
			n = want - taken;
		b = sb->blocks + (size_t)(sb->carved + n) * bs;
		for (uint32_t k = 0; k < n; k++) {
			b -= bs;
			*t++ = b;
		}
		sb->carved += n;
		taken += n;
	}
	sb->used += taken;
	cl->in_use += (size_t)taken * sb->block_size;
	if (HOARD_UNLIKELY(hoard_cfg.stats))
		count_in_use((ptrdiff_t)((size_t)taken * sb->block_size));
	if (sb->used >= sb->grp_hi) {
		sb_unlink_locked(h, sb);
		sb_link_locked(h, sb);
	}
	hoard_unlock(&h->lock);
	for (uint32_t k = 0; k < nchain; k++) {
		chain_at[k] = chain;
		chain = *(void **)chain;
	}
	tc->top[c] = --t;
	return *t;
}

int hoard_tcache_init_locked(void)
{
	tcache_key_ok = pthread_key_create(&tcache_key, tcache_exit) == 0;
	return 0;
}

/* ---- malloc and free ---------------------------------------------------- */

static void *large_alloc(size_t size, size_t align);
static void large_free(struct hoard_sb *hdr, void *p);

/* The paper's malloc: one block under the lock of the thread's heap. */
static HOARD_NOINLINE void *alloc_small(unsigned c, size_t align)
{
	struct hoard_heap *h = my_heap();
	struct hoard_sb *sb;
	char *b;

	hoard_lock(&h->lock);
	b = alloc_one_locked(h, &h->classes[c], c, &sb);
	if (b && align > HOARD_ALIGN && ((uintptr_t)b & (align - 1))) {
		b = (char *)(((uintptr_t)b + align - 1) & ~(uintptr_t)(align - 1));
		if (!hoard_sb_interior(sb)) {
			atomic_fetch_add_explicit(&hoard_count.interior_superblocks, 1,
						  memory_order_relaxed);
			atomic_store_explicit(&sb->ident,
					      atomic_load_explicit(&sb->ident, memory_order_relaxed) |
						      HOARD_ID_INTERIOR,
					      memory_order_relaxed);
		}
	}
	hoard_unlock(&h->lock);
	if (HOARD_UNLIKELY(!b))
		errno = ENOMEM;
	return b;
}

/*
 * malloc when the fast path (hoard_malloc) found nothing: initialization,
 * large objects, classes the cache does not serve, the paper's algorithm
 * with the cache off, and the cache's misses.
 */
/* A block of class c: from the thread cache when the class is cached. */
static void *alloc_class(unsigned c)
{
	struct hoard_tcache *tc = &hoard_tc;
	void *b;

	if (c >= HOARD_TC_CLASSES || !hoard_cfg.tc_cap[c])
		return alloc_small(c, 0);
	/* The first call may come here before the tables were ready. */
	if (tc->top[c] != tc->lo[c])
		return *--tc->top[c];
	if (HOARD_UNLIKELY(tc->state != 1) && (tc->state == 2 || tcache_register(tc)))
		return alloc_small(c, 0);
	b = tcache_refill(tc, c);
	if (HOARD_UNLIKELY(!b))
		errno = ENOMEM;
	return b;
}

/*
 * malloc when the fast path (hoard_malloc) found nothing: initialization,
 * large objects, classes the cache does not serve, the paper's algorithm
 * with the cache off, and the cache's misses.
 */
void *hoard_alloc_slow(size_t size)
{
	if (HOARD_UNLIKELY(!atomic_load_explicit(&hoard_ready, memory_order_acquire)) &&
	    hoard_init()) {
		errno = ENOMEM;
		return NULL;
	}
	if (HOARD_UNLIKELY(size > hoard_cfg.max_small))
		return large_alloc(size, HOARD_ALIGN);
	return alloc_class(hoard_cfg.class_of[(size + HOARD_ALIGN - 1) / HOARD_ALIGN]);
}

/*
 * The smallest class whose size is a multiple of align (a power of two up
 * to HOARD_HEADER_SIZE) and holds size bytes: every block of it has that
 * alignment (config.c, make_classes), so the request needs no offset
 * inside a block.  The powers of two among the classes bound the search
 * and the waste (less than 2x).
 */
static unsigned aligned_class(size_t size, size_t align)
{
	size = (size + align - 1) & ~(align - 1);
	unsigned c = hoard_cfg.class_of[(size + HOARD_ALIGN - 1) / HOARD_ALIGN];

	while (hoard_cfg.class_size[c] & (align - 1))
		c++;
	return c;
}

void *hoard_alloc(size_t size, size_t align)
{
	if (HOARD_LIKELY(align <= HOARD_ALIGN))
		return hoard_malloc(size);
	if (HOARD_UNLIKELY(!atomic_load_explicit(&hoard_ready, memory_order_acquire)) &&
	    hoard_init()) {
		errno = ENOMEM;
		return NULL;
	}
	if (size == 0)
		size = 1;
	if (align <= HOARD_HEADER_SIZE && size <= hoard_cfg.max_small)
		return alloc_class(aligned_class(size, align));
	/*
	 * Larger alignments: a block big enough to align inside it: blocks
	 * are 16-aligned, so at most align - 16 bytes are skipped.  A zero
	 * size counts as one, or the aligned pointer could be the end of its
	 * block, which is the start of the next.  Such a pointer marks its
	 * superblock "interior", and frees in it leave the fast path.
	 */
	if (size > hoard_cfg.max_small || align - HOARD_ALIGN > hoard_cfg.max_small - size)
		return large_alloc(size, align);
	size += align - HOARD_ALIGN;
	return alloc_small(hoard_cfg.class_of[(size + HOARD_ALIGN - 1) / HOARD_ALIGN], align);
}

/* Another heap's block onto the batch that goes back to its owner. */
static HOARD_ALWAYS_INLINE void remote_push(struct hoard_tcache *tc, struct hoard_sb *sb, void *p)
{
	*(void **)p = tc->remote;
	tc->remote = p;
	tc->remote_bytes += sb->block_size;
	if (HOARD_UNLIKELY(++tc->nremote >= HOARD_REMOTE_BLOCKS ||
			   tc->remote_bytes >= 8 * hoard_cfg.tc_bytes))
		remote_flush(tc);
}

/*
 * The rest of free in an arena: interior pointers, the cache off or not
 * yet registered, the thread's own blocks when their cache slot is full or
 * the class is not cached.
 */
static HOARD_NOINLINE void dealloc_other(struct hoard_sb *sb, void *p, uint64_t id)
{
	struct hoard_tcache *tc = &hoard_tc;
	unsigned c;

	/* Not a block: a pointer into arena memory that is no block's, or
	 * a second free of a block whose superblock was formatted anew. */
	if (HOARD_UNLIKELY((uint32_t)id != HOARD_MAGIC_SMALL)) {
		/* A large object in a span (only its own pointer frees it). */
		if ((uint32_t)id == HOARD_MAGIC_LARGE && sb->capacity &&
		    (char *)p == (char *)sb + HOARD_HEADER_SIZE)
			large_free(sb, p);
		return;
	}
	if (HOARD_UNLIKELY(id & HOARD_ID_INTERIOR)) {
		p = block_start(sb, p);
		dealloc_locked_path(sb, p);
		return;
	}
	/* With the cache off (tc_max_size 0): the paper's free. */
	if (tc->state != 1 &&
	    (tc->state == 2 || !hoard_cfg.tc_max_size || tcache_register(tc))) {
		dealloc_locked_path(sb, p);
		return;
	}
	if (id != tc->tag) {
		/* Another heap's block (registered just now, or in a later
		 * arena): hoard_dealloc_slow's case. */
		remote_push(tc, sb, p);
		return;
	}
	c = sb->sclass;
	if (c < HOARD_TC_CLASSES && hoard_cfg.tc_cap[c]) {
		/* Full: give half back under one lock, keep this one. */
		if (tc->top[c] == tc->hi[c])
			tcache_flush_class(tc, c, hoard_cfg.tc_cap[c] / 2);
		*tc->top[c]++ = p;
		return;
	}
	dealloc_locked_path(sb, p);
}

/*
 * free of a pointer outside the first arena: a block of a later arena
 * (the usual slow path), a large object (taken out of the set of live
 * ones, so that a second free of it finds nothing), or a pointer Hoard did
 * not hand out, ignored without reading the memory below it.
 */
static HOARD_NOINLINE void dealloc_outside(struct hoard_sb *sb, void *p)
{
	if (p == NULL)
		return;
	if (in_arena(sb)) {
		dealloc_other(sb, p, atomic_load_explicit(&sb->ident, memory_order_relaxed));
		return;
	}
	if (atomic_load_explicit(&hoard_ready, memory_order_acquire) && lt_remove(sb))
		large_free(sb, p);
}

/*
 * free when the fast path (hoard_free) did not take the block.  First the
 * common case, another heap's small block (the producer-consumer pattern):
 * onto the batch that goes back to the owners (remote_flush), with no stack
 * frame; everything else in dealloc_other.
 */
void hoard_dealloc_slow(void *p)
{
	struct hoard_sb *sb = hoard_sb_of(p);
	struct hoard_tcache *tc = &hoard_tc;
	uint64_t id;

	if (HOARD_UNLIKELY(!hoard_in_arena0(sb))) {
		dealloc_outside(sb, p);
		return;
	}
	id = atomic_load_explicit(&sb->ident, memory_order_relaxed);
	if (HOARD_LIKELY(tc->state == 1 && id != tc->tag &&
			 (id & (HOARD_ID_INTERIOR | UINT32_MAX)) == HOARD_MAGIC_SMALL)) {
		remote_push(tc, sb, p);
		return;
	}
	dealloc_other(sb, p, id);
}

size_t hoard_usable(const void *p)
{
	const struct hoard_sb *sb = hoard_sb_find(p);

	if (!sb)
		return 0;

	/* A large object may use the rest of its last page; beyond, the
	 * mapping's address space is not counted in A. */
	if (hoard_sb_magic(sb) == HOARD_MAGIC_LARGE)
		return (size_t)((const char *)sb + sb->large_pages - (const char *)p);
	if (hoard_sb_magic(sb) != HOARD_MAGIC_SMALL)
		return 0;
	if (hoard_sb_interior(sb))
		return (size_t)(block_start(sb, p) + sb->block_size - (const char *)p);
	return sb->block_size;
}

/* ---- objects larger than S/2 -------------------------------------------- */

/*
 * The paper maps objects larger than S/2 directly.  Their header goes at
 * the S boundary just below the object, like a superblock's, so free()
 * tells them apart by the same masking: the mapping is over-sized by S
 * (address space only; the untouched part costs no memory).  With the
 * cache on, objects up to HOARD_SPAN_MAX take spans of an arena instead
 * (below).
 *
 * Freed mappings are kept for reuse, up to hoard_cfg.large_cache bytes of
 * the pages they had in use (counted in A meanwhile: memory held from the
 * system), each at most a quarter of that: the paper's mmap and munmap per
 * object made a program that allocates and frees such objects in turn
 * spend its time in the kernel.  A request takes a kept mapping of its own
 * length or up to a quarter longer (lengths in pages, buckets of one
 * length each); a mapping that does not fit pushes the longest ones out.
 * A kept mapping's header says it is no object (ident 0), so that a second
 * free of its pointer is ignored as any unknown pointer is.  Its
 * bookkeeping (lc_node) sits HOARD_ALIGN bytes into the mapping, clear of
 * the ident of a header at its start.
 */
#define LC_BUCKETS 512 /* mapping lengths kept: 1 to 512 pages */

struct lc_node {
	struct lc_node *next;
	size_t len;   /* of the mapping */
	size_t pages; /* its bytes counted in A */
};

static struct hoard_lock lc_lock;
static struct lc_node *lc_bucket[LC_BUCKETS + 1];
static size_t lc_bytes;  /* the pages bytes kept, at most hoard_cfg.large_cache */
static unsigned lc_top;  /* every bucket above is empty */

static char *lc_map(struct lc_node *n)
{
	return (char *)n - HOARD_ALIGN;
}

/* Unmaps kept mappings taken off the cache (no lock held); returns how
 * many. */
static size_t lc_unmap(struct lc_node *out)
{
	size_t n = 0;

	while (out) {
		struct lc_node *v = out;

		out = v->next;
		count_allocated(-(ptrdiff_t)v->pages);
		munmap(lc_map(v), v->len);
		n++;
	}
	return n;
}

/* Keeps the mapping of a freed large object; 0 when it does not qualify. */
static int lc_put(struct hoard_sb *hdr)
{
	size_t page = hoard_cfg.page, len = hdr->map_len, pages = hdr->large_pages;
	size_t b = len / page;
	struct lc_node *n, *out = NULL;

	if (pages > hoard_cfg.large_cache / 4 || b > LC_BUCKETS)
		return 0;
	atomic_store_explicit(&hdr->ident, 0, memory_order_relaxed);
	n = (struct lc_node *)(hdr->map + HOARD_ALIGN);
	n->len = len;
	n->pages = pages;
	hoard_lock(&lc_lock);
	/* room: the longest mappings go first, unmapped after the lock */
	while (lc_bytes + pages > hoard_cfg.large_cache && lc_top > 0) {
		struct lc_node *v = lc_bucket[lc_top];

		if (!v) {
			lc_top--;
			continue;
		}
		lc_bucket[lc_top] = v->next;
		lc_bytes -= v->pages;
		v->next = out;
		out = v;
	}
	if (lc_bytes + pages > hoard_cfg.large_cache) {
		/* Kept spans fill it: this mapping goes. */
		atomic_store_explicit(&hoard_count.large_cached, lc_bytes, memory_order_relaxed);
		hoard_unlock(&lc_lock);
		lc_unmap(out);
		return 0;
	}
	n->next = lc_bucket[b];
	lc_bucket[b] = n;
	lc_bytes += pages;
	if (b > lc_top)
		lc_top = (unsigned)b;
	atomic_store_explicit(&hoard_count.large_cached, lc_bytes, memory_order_relaxed);
	hoard_unlock(&lc_lock);
	lc_unmap(out);
	return 1;
}

/* A kept mapping of len to len + len/4 bytes, or NULL; its length and
 * counted bytes in *got and *pages. */
static char *lc_get(size_t len, size_t *got, size_t *pages)
{
	size_t page = hoard_cfg.page, b = len / page, hi = b + b / 4;
	struct lc_node *n = NULL;

	if (!hoard_cfg.large_cache || b > LC_BUCKETS)
		return NULL;
	hoard_lock(&lc_lock);
	if (hi > lc_top)
		hi = lc_top;
	for (; b <= hi && !n; b++)
		if ((n = lc_bucket[b]) != NULL) {
			lc_bucket[b] = n->next;
			lc_bytes -= n->pages;
			atomic_store_explicit(&hoard_count.large_cached, lc_bytes,
					      memory_order_relaxed);
		}
	hoard_unlock(&lc_lock);
	if (!n)
		return NULL;
	*got = n->len;
	*pages = n->pages;
	return lc_map(n);
}

/*
 * The live large objects' headers, in an open-addressing hash set (linear
 * probing, deletions by backward shift), so that a pointer outside the
 * arenas is taken for a large object only when Hoard made one there: its
 * header is read only then.  Grown by doubling, in mappings of its own.
 */
static struct hoard_lock lt_lock;
static uintptr_t *lt_slot;	/* header address, 0: empty */
static size_t lt_cap, lt_used;	/* lt_cap a power of two, or 0 */

static inline size_t lt_hash(uintptr_t key)
{
	return (size_t)((key >> 12) * 0x9e3779b97f4a7c15ull >> 20) & (lt_cap - 1);
}

/* The slot of key, or of the empty slot where it would go; lt_lock held. */
static size_t lt_find_locked(uintptr_t key)
{
	size_t i = lt_hash(key);

	while (lt_slot[i] && lt_slot[i] != key)
		i = (i + 1) & (lt_cap - 1);
	return i;
}

static int lt_grow_locked(void)
{
	size_t old_cap = lt_cap, cap = old_cap ? 2 * old_cap : 512;
	uintptr_t *old = lt_slot, *slot = hoard_os_map(cap * sizeof(*slot));

	if (!slot)
		return -1;
	lt_slot = slot;
	lt_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			lt_slot[lt_find_locked(old[i])] = old[i];
	if (old)
		munmap(old, old_cap * sizeof(*old));
	return 0;
}

static int lt_insert(const struct hoard_sb *hdr)
{
	int ret = 0;

	hoard_lock(&lt_lock);
	if (2 * (lt_used + 1) > lt_cap && lt_grow_locked())
		ret = -1;
	else {
		lt_slot[lt_find_locked((uintptr_t)hdr)] = (uintptr_t)hdr;
		lt_used++;
	}
	hoard_unlock(&lt_lock);
	return ret;
}

/* Takes hdr out of the set; 0 when it was not there. */
static int lt_remove(const struct hoard_sb *hdr)
{
	size_t i, j;

	hoard_lock(&lt_lock);
	if (!lt_cap || !lt_slot[i = lt_find_locked((uintptr_t)hdr)]) {
		hoard_unlock(&lt_lock);
		return 0;
	}
	/* Backward shift: move later members of the probe run into the hole
	 * when their home slot does not lie between the hole and them. */
	for (j = i;;) {
		size_t home;

		lt_slot[i] = 0;
		for (;;) {
			j = (j + 1) & (lt_cap - 1);
			if (!lt_slot[j])
				goto done;
			home = lt_hash(lt_slot[j]);
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		lt_slot[i] = lt_slot[j];
		i = j;
	}
done:
	lt_used--;
	hoard_unlock(&lt_lock);
	return 1;
}

static int lt_contains(const struct hoard_sb *hdr)
{
	int found;

	hoard_lock(&lt_lock);
	found = lt_cap && lt_slot[lt_find_locked((uintptr_t)hdr)] != 0;
	hoard_unlock(&lt_lock);
	return found;
}

struct hoard_sb *hoard_sb_find(const void *p)
{
	struct hoard_sb *sb = hoard_sb_of(p);

	if (!p || !atomic_load_explicit(&hoard_ready, memory_order_acquire))
		return NULL;
	return in_arena(sb) || lt_contains(sb) ? sb : NULL;
}

/* Bytes of pages from the header to the end of the object. */
static size_t large_pages(const struct hoard_sb *hdr, const char *p, size_t size)
{
	size_t page = hoard_cfg.page;

	return (((size_t)(p - (const char *)hdr) + size + page - 1) & ~(page - 1));
}

/*
 * Spans.  With the cache of large mappings on (the paper's algorithm maps
 * every large object), an object above S/2 whose header and object fit
 * in HOARD_SPAN_MAX bytes is no mapping of its own: it takes a span of
 * n = ceil((128 + size) / S) superblocks' worth of an arena, cut like a
 * superblock under the global heap's lock (the span may cross into the
 * next chunk of its arena), header at its start and object 128 bytes in,
 * so free finds the header by the same masking.  A freed span is kept for
 * the next object of the same n, resident while the bytes kept (its pages
 * and the large mappings' together) stay within hoard_cfg.large_cache, or
 * else with all its pages given back (MADV_DONTNEED; it comes back zero)
 * on a list of released spans of its n, whose nodes live in metadata, as
 * the span holds nothing then.  So a program that allocates and frees
 * objects of a few KiB makes no system call for them once their spans
 * exist, where a mapping of each made an mmap (and, past the cache, a
 * munmap) and its page faults.  The address space of a span is kept for
 * its n for ever: a program that frees many spans of one n and then needs
 * spans of another holds both in address space, but only the kept ones
 * in memory.  Lists under lc_lock; a span's header (ident 0 while it is
 * kept, so that a second free is ignored) links the resident ones.
 */
#define HOARD_SPAN_MAX ((size_t)256 << 10)
#define SPAN_BUCKETS (HOARD_SPAN_MAX / 4096) /* n for the smallest S */

struct span_node {
	struct span_node *next;
	char *span;
};

static struct hoard_sb *span_kept[SPAN_BUCKETS + 1];
static struct span_node *span_released[SPAN_BUCKETS + 1];
static struct span_node *span_nodes; /* unused nodes */

/* A node for a released span; lc_lock held. */
static struct span_node *span_node_get_locked(void)
{
	struct span_node *v = span_nodes;

	if (!v) {
		size_t len = (size_t)1 << 16;
		struct span_node *m = hoard_os_map(len);

		if (!m)
			return NULL;
		for (size_t i = 0; i < len / sizeof(*m); i++) {
			m[i].next = v;
			v = &m[i];
		}
	}
	span_nodes = v->next;
	return v;
}

/* Gives a freed span's pages back and lists it as released. */
static void span_release(char *span, size_t n, size_t pages)
{
	struct span_node *v;

	if (madvise(span, n * hoard_cfg.sb_size, MADV_DONTNEED)) {
		/* Still resident: lost for reuse, not for the count. */
		return;
	}
	count_allocated(-(ptrdiff_t)pages);
	atomic_fetch_add_explicit(&hoard_count.spans_released, 1, memory_order_relaxed);
	hoard_lock(&lc_lock);
	v = span_node_get_locked();
	if (v) {
		/* Without a node only its address space is lost. */
		v->span = span;
		v->next = span_released[n];
		span_released[n] = v;
	}
	hoard_unlock(&lc_lock);
}

/* Keeps the span of a freed large object, or releases it. */
static void span_put(struct hoard_sb *hdr)
{
	size_t n = hdr->capacity, pages = hdr->large_pages;

	atomic_store_explicit(&hdr->ident, 0, memory_order_relaxed);
	hoard_lock(&lc_lock);
	if (lc_bytes + pages <= hoard_cfg.large_cache) {
		hdr->next = span_kept[n];
		span_kept[n] = hdr;
		lc_bytes += pages;
		atomic_store_explicit(&hoard_count.large_cached, lc_bytes, memory_order_relaxed);
		hoard_unlock(&lc_lock);
		return;
	}
	hoard_unlock(&lc_lock);
	span_release((char *)hdr, n, pages);
}

/* A span of n superblocks: a kept one (*old_pages: its bytes counted in
 * A, and its memory is not zero), a released one or a new one (0: zero);
 * NULL when the arenas are exhausted. */
static char *span_get(size_t n, size_t *old_pages)
{
	struct hoard_heap *global = &hoard_heaps[HOARD_GLOBAL];
	size_t len = n * hoard_cfg.sb_size;
	struct hoard_sb *sb;
	struct span_node *v;
	char *span = NULL;

	*old_pages = 0;
	hoard_lock(&lc_lock);
	if ((sb = span_kept[n]) != NULL) {
		span_kept[n] = sb->next;
		lc_bytes -= sb->large_pages;
		atomic_store_explicit(&hoard_count.large_cached, lc_bytes, memory_order_relaxed);
		*old_pages = sb->large_pages;
		span = (char *)sb;
	} else if ((v = span_released[n]) != NULL) {
		span_released[n] = v->next;
		span = v->span;
		v->next = span_nodes;
		span_nodes = v;
	}
	hoard_unlock(&lc_lock);
	if (span)
		return span;
	hoard_lock(&global->lock);
	while ((size_t)(chunk_end - chunk_next) < len)
		if (chunk_commit_locked()) {
			hoard_unlock(&global->lock);
			return NULL;
		}
	span = chunk_next;
	chunk_next += len;
	hoard_unlock(&global->lock);
	return span;
}

/* Releases every kept span (malloc_trim); returns how many. */
static size_t span_trim(void)
{
	struct hoard_sb *out = NULL;
	size_t n = 0;

	hoard_lock(&lc_lock);
	for (size_t b = 1; b <= SPAN_BUCKETS; b++)
		while (span_kept[b]) {
			struct hoard_sb *sb = span_kept[b];

			span_kept[b] = sb->next;
			lc_bytes -= sb->large_pages;
			sb->next = out;
			out = sb;
		}
	atomic_store_explicit(&hoard_count.large_cached, lc_bytes, memory_order_relaxed);
	hoard_unlock(&lc_lock);
	while (out) {
		struct hoard_sb *sb = out;

		out = sb->next;
		span_release((char *)sb, sb->capacity, sb->large_pages);
		n++;
	}
	return n;
}

/* A large object in a span (align <= 128), or NULL (then it is mapped). */
static void *span_alloc(size_t size)
{
	size_t S = hoard_cfg.sb_size, n = (HOARD_HEADER_SIZE + size + S - 1) / S, old, pages;
	struct hoard_sb *hdr;
	char *span, *p;

	span = span_get(n, &old);
	if (!span)
		return NULL;
	hdr = (struct hoard_sb *)span;
	p = span + HOARD_HEADER_SIZE;
	/* A kept span's pages beyond the new object stay resident and
	 * counted: the object may use them. */
	pages = large_pages(hdr, p, size);
	if (pages < old)
		pages = old;
	hdr->map = span;
	hdr->map_len = n * S;
	hdr->capacity = (uint32_t)n;
	hdr->large_size = size;
	hdr->large_pages = pages;
	hdr->large_dirty = old != 0;
	atomic_store_explicit(&hdr->ident, HOARD_MAGIC_LARGE, memory_order_relaxed);
	if (old)
		atomic_fetch_add_explicit(&hoard_count.large_reuses, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hoard_count.large_spans, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hoard_count.large_allocs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hoard_count.large_live, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hoard_count.large_live_bytes, pages, memory_order_relaxed);
	count_allocated((ptrdiff_t)pages - (ptrdiff_t)old);
	if (HOARD_UNLIKELY(hoard_cfg.stats))
		count_in_use((ptrdiff_t)size);
	return p;
}

static void *large_alloc(size_t size, size_t align)
{
	size_t S = hoard_cfg.sb_size, page = hoard_cfg.page, len, got, old_pages = 0;
	char *map, *base, *p;
	struct hoard_sb *hdr;

	if (align < HOARD_ALIGN)
		align = HOARD_ALIGN;
	if (size > PTRDIFF_MAX - S - HOARD_HEADER_SIZE - align - page) {
		errno = ENOMEM;
		return NULL;
	}
	if (align <= HOARD_HEADER_SIZE && hoard_cfg.large_cache &&
	    size <= HOARD_SPAN_MAX - HOARD_HEADER_SIZE && (p = span_alloc(size)) != NULL)
		return p;
	len = (S + HOARD_HEADER_SIZE + align + size + page - 1) & ~(page - 1);
	map = lc_get(len, &got, &old_pages);
	if (!map) {
		map = hoard_os_map(len);
		if (!map) {
			errno = ENOMEM;
			return NULL;
		}
		got = len;
	} else {
		atomic_fetch_add_explicit(&hoard_count.large_reuses, 1, memory_order_relaxed);
	}
	/*
	 * p: aligned, past an S boundary by at least the header.  With
	 * align <= 128 it is base + 128; with 128 < align < S it is
	 * base + align; with align >= S it is itself on an S boundary and the
	 * header is one S below it, still inside the mapping.
	 */
	base = (char *)(((uintptr_t)map + S - 1) & ~(uintptr_t)(S - 1));
	p = (char *)(((uintptr_t)base + HOARD_HEADER_SIZE + align - 1) & ~(uintptr_t)(align - 1));
	hdr = hoard_sb_of(p);
	/* Owner: the global heap, which no thread cache's tag names. */
	atomic_store_explicit(&hdr->ident, HOARD_MAGIC_LARGE, memory_order_relaxed);
	hdr->map = map;
	hdr->map_len = got;
	hdr->capacity = 0; /* a mapping of its own, not a span */
	hdr->large_size = size;
	hdr->large_pages = large_pages(hdr, p, size);
	hdr->large_dirty = old_pages != 0;
	if (HOARD_UNLIKELY(lt_insert(hdr))) {
		atomic_store_explicit(&hdr->ident, 0, memory_order_relaxed);
		count_allocated(-(ptrdiff_t)old_pages);
		munmap(map, got);
		errno = ENOMEM;
		return NULL;
	}
	atomic_fetch_add_explicit(&hoard_count.large_allocs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hoard_count.large_live, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hoard_count.large_live_bytes, hdr->large_pages,
				  memory_order_relaxed);
	count_allocated((ptrdiff_t)hdr->large_pages - (ptrdiff_t)old_pages);
	if (HOARD_UNLIKELY(hoard_cfg.stats))
		count_in_use((ptrdiff_t)size);
	return p;
}

static void large_free(struct hoard_sb *hdr, void *p)
{
	char *map = hdr->map;
	size_t len = hdr->map_len;

	(void)p;
	if (HOARD_UNLIKELY(hoard_cfg.stats))
		count_in_use(-(ptrdiff_t)hdr->large_size);
	atomic_fetch_sub_explicit(&hoard_count.large_live, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&hoard_count.large_live_bytes, hdr->large_pages,
				  memory_order_relaxed);
	if (hdr->capacity) {
		span_put(hdr);
		return;
	}
	if (hoard_cfg.large_cache && lc_put(hdr))
		return;
	count_allocated(-(ptrdiff_t)hdr->large_pages);
	munmap(map, len);
}

int hoard_large_dirty(const void *p)
{
	const struct hoard_sb *sb = hoard_sb_of(p);

	return hoard_sb_magic(sb) == HOARD_MAGIC_LARGE && sb->large_dirty;
}

/* Records that the large object of hdr is now size bytes long. */
static void large_resized(struct hoard_sb *hdr, size_t size, size_t pages)
{
	if (HOARD_UNLIKELY(hoard_cfg.stats))
		count_in_use((ptrdiff_t)size - (ptrdiff_t)hdr->large_size);
	count_allocated((ptrdiff_t)pages - (ptrdiff_t)hdr->large_pages);
	atomic_fetch_add_explicit(&hoard_count.large_live_bytes, pages - hdr->large_pages,
				  memory_order_relaxed);
	hdr->large_size = size;
	hdr->large_pages = pages;
}

/* Grows a large object in place when the address space after it is free. */
int hoard_large_grow(void *p, size_t size)
{
	struct hoard_sb *hdr = hoard_sb_of(p);
	size_t need, pages, page = hoard_cfg.page;
	void *m;

	if (hoard_sb_magic(hdr) != HOARD_MAGIC_LARGE)
		return -1;
	if (size > PTRDIFF_MAX - page)
		return -1;
	need = ((size_t)((char *)p - hdr->map) + size + page - 1) & ~(page - 1);
	pages = large_pages(hdr, p, size);
	if (hdr->capacity) {
		/* A span does not grow; within it, its resident pages stay
		 * counted. */
		if (need > hdr->map_len)
			return -1;
		if (pages < hdr->large_pages)
			pages = hdr->large_pages;
	} else if (need > hdr->map_len) {
		m = mremap(hdr->map, hdr->map_len, need, 0);
		if (m == MAP_FAILED)
			return -1;
		hdr->map_len = need;
	}
	/* The object is now size bytes long (realloc keeps the block). */
	large_resized(hdr, size, pages);
	return 0;
}

/*
 * Grows a large object that is a mapping of its own where the address
 * space after it is taken: its pages move to a new place (mremap moves the
 * page tables, nothing is copied), at the same offset from an S boundary,
 * so that its header stays where hoard_sb_of finds it.  Returns the new
 * pointer, or NULL (then nothing changed).  Before this, realloc copied
 * such an object: a buffer grown 4 KiB at a time from 1 to 60 MiB took
 * 363 ms against glibc's 54, in 235 copies of up to 60 MiB.
 */
void *hoard_large_move(void *p, size_t size)
{
	struct hoard_sb *hdr = hoard_sb_of(p), *moved;
	size_t S = hoard_cfg.sb_size, page = hoard_cfg.page, off, need, res_len;
	char *res, *base, *map;
	void *m;

	if (hoard_sb_magic(hdr) != HOARD_MAGIC_LARGE || hdr->capacity)
		return NULL;
	map = hdr->map;
	off = (size_t)((char *)p - map);
	if (size > PTRDIFF_MAX - off - S - 2 * page)
		return NULL;
	need = (off + size + page - 1) & ~(page - 1);
	if (need <= hdr->map_len)
		return NULL;
	/* A reservation with room for any offset from an S boundary. */
	res_len = need + S;
	res = mmap(NULL, res_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return NULL;
	base = res + (((uintptr_t)map - (uintptr_t)res) & (S - 1));
	/* Out of the set of live objects while it has no address: realloc
	 * owns p, so no other call may look for it meanwhile. */
	if (!lt_remove(hdr)) {
		munmap(res, res_len);
		return NULL;
	}
	m = mremap(map, hdr->map_len, need, MREMAP_MAYMOVE | MREMAP_FIXED, base);
	if (m == MAP_FAILED) {
		/* Taken out just now, so there is room to put it back. */
		(void)lt_insert(hdr);
		munmap(res, res_len);
		return NULL;
	}
	if (base > res)
		munmap(res, (size_t)(base - res));
	if (res + res_len > base + need)
		munmap(base + need, (size_t)(res + res_len - (base + need)));
	moved = (struct hoard_sb *)(base + ((char *)hdr - map));
	moved->map = base;
	moved->map_len = need;
	/* One slot was just freed, so the set does not need to grow. */
	(void)lt_insert(moved);
	p = base + off;
	large_resized(moved, size, large_pages(moved, p, size));
	atomic_fetch_add_explicit(&hoard_count.large_moves, 1, memory_order_relaxed);
	return p;
}

/* ---- malloc_trim -------------------------------------------------------- */

/* Moves h's completely empty superblocks to the global heap; both locked. */
static void heap_give_empty_locked(struct hoard_heap *h, struct hoard_heap *global)
{
	for (unsigned c = 0; c < hoard_cfg.nclasses; c++) {
		struct hoard_class_lists *cl = &h->classes[c];

		while (cl->list[0])
			heap_give_locked(h, cl, global, cl->list[0]);
	}
}

/* mallopt(M_TRIM_THRESHOLD): a new retain, applied at once. */
void hoard_set_retain(size_t bytes)
{
	struct hoard_heap *global = &hoard_heaps[HOARD_GLOBAL];

	hoard_lock(&global->lock);
	hoard_cfg.retain = bytes;
	global_retain_locked(global);
	hoard_unlock(&global->lock);
}

/*
 * malloc_trim: the calling thread's cached blocks go back to their
 * superblocks, every heap's completely empty superblocks go to the global
 * heap (taking one out never breaks the emptiness invariant: a falls, u
 * stays), the global heap's empty superblocks beyond keep bytes give their
 * pages back, and the kept large mappings are unmapped.  Other threads'
 * caches are theirs to flush.  Returns 1 when memory went back, else 0.
 */
int hoard_trim(size_t keep)
{
	struct hoard_tcache *tc = &hoard_tc;
	struct hoard_heap *global = &hoard_heaps[HOARD_GLOBAL];
	struct lc_node *out = NULL;
	size_t n;

	if (!atomic_load_explicit(&hoard_ready, memory_order_acquire))
		return 0;
	if (tc->state == 1) {
		for (unsigned c = 0; c < HOARD_TC_CLASSES; c++)
			tcache_flush_class(tc, c, 0);
		remote_flush(tc);
	}
	for (unsigned i = 1; i <= hoard_cfg.nheaps; i++) {
		struct hoard_heap *h = &hoard_heaps[i];

		hoard_lock(&h->lock);
		hoard_lock(&global->lock);
		heap_give_empty_locked(h, global);
		hoard_unlock(&global->lock);
		hoard_unlock(&h->lock);
	}
	hoard_lock(&global->lock);
	n = global_release_locked(global, keep);
	hoard_unlock(&global->lock);

	hoard_lock(&lc_lock);
	for (unsigned b = 0; b <= lc_top; b++) {
		while (lc_bucket[b]) {
			struct lc_node *v = lc_bucket[b];

			lc_bucket[b] = v->next;
			lc_bytes -= v->pages;
			v->next = out;
			out = v;
		}
	}
	lc_top = 0;
	atomic_store_explicit(&hoard_count.large_cached, 0, memory_order_relaxed);
	hoard_unlock(&lc_lock);
	return (n + lc_unmap(out) + span_trim()) != 0;
}

/* ---- fork --------------------------------------------------------------- */

/*
 * pthread_atfork handlers: the child must not inherit a heap locked by a
 * thread that does not exist in it.  The order (per-processor heaps by
 * index, then the global heap) is the lock order of malloc and free.
 */
void hoard_fork_prepare(void)
{
	if (!atomic_load_explicit(&hoard_ready, memory_order_acquire))
		return;
	hoard_lock(&init_lock);
	for (unsigned i = 1; i <= hoard_cfg.nheaps; i++)
		hoard_lock(&hoard_heaps[i].lock);
	hoard_lock(&hoard_heaps[HOARD_GLOBAL].lock);
	hoard_lock(&lc_lock); /* a leaf: taken with no other lock held */
}

void hoard_fork_parent(void)
{
	if (!atomic_load_explicit(&hoard_ready, memory_order_acquire))
		return;
	hoard_unlock(&lc_lock);
	hoard_unlock(&hoard_heaps[HOARD_GLOBAL].lock);
	for (unsigned i = hoard_cfg.nheaps; i >= 1; i--)
		hoard_unlock(&hoard_heaps[i].lock);
	hoard_unlock(&init_lock);
}

void hoard_fork_child(void)
{
	/* Only this thread exists: every lock it did not take is free. */
	hoard_fork_parent();
}

/* ---- inspection --------------------------------------------------------- */

int hoard_owns(const void *p)
{
	const struct hoard_sb *sb;

	sb = hoard_sb_find(p);
	return sb && (hoard_sb_magic(sb) == HOARD_MAGIC_SMALL ||
		      hoard_sb_magic(sb) == HOARD_MAGIC_LARGE);
}

/* Checks one class of one heap; returns the number of problems. */
static int check_class_locked(struct hoard_heap *h, unsigned c)
{
	struct hoard_class_lists *cl = &h->classes[c];
	size_t used = 0, held = 0, n = 0;
	int bad = 0;

	for (unsigned g = 0; g < HOARD_NLISTS; g++) {
		if (g == 0 && h->index == HOARD_GLOBAL)
			continue;
		if (!!cl->list[g] != !!(cl->nonempty & (1u << g)))
			bad++;
		for (struct hoard_sb *sb = cl->list[g]; sb; sb = sb->next) {
			if (hoard_sb_magic(sb) != HOARD_MAGIC_SMALL || sb->sclass != c ||
			    hoard_sb_owner(sb, memory_order_relaxed) != h->index ||
			    sb->group != g || group_of(sb) != g || sb->used > sb->carved ||
			    (sb->next && sb->next->prev != sb))
				bad++;
			used += sb_used_bytes(sb);
			held += sb_capacity_bytes(sb);
			n++;
		}
	}
	if (used != cl->in_use || held != cl->held || n != cl->nsuperblocks)
		bad++;
	/*
	 * The emptiness invariant, for the per-processor heaps.  free()
	 * restores it exactly; a malloc that brings a superblock into a class
	 * whose superblocks are all full leaves u >= a - S, which breaks it
	 * only when K = 0, until the next free.  So: u >= a - max(K, 1) * S
	 * or u >= (1 - f) * a.
	 */
	if (h->index != HOARD_GLOBAL && cl->in_use < cl->release_below) {
		size_t k = hoard_cfg.reserve ? hoard_cfg.reserve : 1;

		if (cl->in_use + k * hoard_cfg.sb_size < cl->held)
			bad++;
	}
	return bad;
}

void hoard_heap_totals(uint64_t *in_use, uint64_t *held)
{
	*in_use = *held = 0;
	for (unsigned i = 0; i <= hoard_cfg.nheaps; i++) {
		struct hoard_heap *h = &hoard_heaps[i];

		hoard_lock(&h->lock);
		for (unsigned c = 0; c < hoard_cfg.nclasses; c++) {
			*in_use += h->classes[c].in_use;
			*held += h->classes[c].held;
		}
		hoard_unlock(&h->lock);
	}
}

int hoard_check(void)
{
	int bad = 0;

	if (!atomic_load_explicit(&hoard_ready, memory_order_acquire))
		return 0;
	for (unsigned i = 0; i <= hoard_cfg.nheaps; i++) {
		struct hoard_heap *h = &hoard_heaps[i];
		size_t nempty = 0;

		hoard_lock(&h->lock);
		for (unsigned c = 0; c < hoard_cfg.nclasses; c++)
			bad += check_class_locked(h, c);
		for (struct hoard_sb *sb = h->empty; sb; sb = sb->next, nempty++)
			if (sb->used != 0 || hoard_sb_owner(sb, memory_order_relaxed) != 0)
				bad++;
		if (nempty != h->nempty)
			bad++;
		nempty = 0;
		for (struct hoard_sb *sb = h->released; sb; sb = sb->next, nempty++)
			if (sb->used != 0 || hoard_sb_owner(sb, memory_order_relaxed) != 0)
				bad++;
		if (nempty != h->nreleased)
			bad++;
		hoard_unlock(&h->lock);
	}
	return bad ? -EINVAL : 0;
}
