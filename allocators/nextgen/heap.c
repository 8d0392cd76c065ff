/*
 * allocators/nextgen/heap.c - the "own" base allocator of libnextgen: a
 * segregated-metadata size-class heap owned by one thread at a time.
 *
 * Layout (NextGen-Malloc, section 3.1.2, segregated layout): user blocks
 * carry no header and no free-list link.  All metadata lives in memory of
 * its own (the span descriptors, their free-block bitmaps, the span table and
 * the large-block table), which only the owner touches, so the client cores
 * never load it into their caches and the owner never loads user blocks.
 *
 *  - The region: one range of address space reserved PROT_NONE at start
 *    and made accessible in NGM_COMMIT steps as the heap grows.
 *  - Spans: 1..32 granules of 64 KiB holding blocks of one class.  A span
 *    hands out the blocks freed back to it, lowest address first (a bitmap
 *    of free blocks, no free-list pointers inside the blocks), then the
 *    ones it never handed out, by bumping an index.
 *  - The span table: span_of[granule] -> descriptor (owner only) and
 *    ngm_class_of[granule] -> class (read by clients).
 *  - Large blocks (above NGM_SMALL_MAX, or aligned beyond what a class can
 *    give) are mapped directly and recorded in an open-addressing table.
 *
 * Invariant: a span with a free block is on its class's partial list;
 * a span with no block in use is either on that list (at most one such
 * spare per class) or released to the free-run lists by granule count.
 *
 * Not thread-safe by design: the server thread is the only owner while it
 * runs; before it runs (bootstrap, fork child) the caller holds the heap
 * lock of ngmalloc.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define NGM_COMMIT ((size_t)4 << 20)	/* mprotect step */
#define NGM_META_CHUNK ((size_t)1 << 20)
#define NGM_RUN_LISTS 6			/* spans of 1, 2, 4, ... 32 granules */
#define NGM_HUGE_SHIFT 21		/* a huge page, and the largest span */

struct span {
	struct span *next, *prev;	/* partial list, or free-run list */
	char *start;
	uint64_t *freemap;		/* bit i: block i is free (handed out in
					 * address order; double frees) */
	uint16_t cls;
	uint16_t granules;
	uint16_t bump;			/* blocks [bump, nobj) never handed out */
	uint16_t top;			/* free blocks below bump (bits set) */
	uint16_t scan;			/* no free bit in the words below it */
	uint16_t inuse;
	uint16_t map_cap;		/* blocks the freemap can hold */
	uint16_t on_list;
	uint16_t dirty;			/* free run whose pages are still resident */
	uint64_t freed_ns;		/* when it became a dirty free run */
};

char *ngm_region_base;
size_t ngm_region_size;
_Atomic uint8_t *ngm_class_of;
uintptr_t ngm_freed_bias;

static struct span **span_of;
/* 2 MiB chunk -> 1 while advised MADV_NOHUGEPAGE (huge_off) */
static uint8_t *huge_off;
static size_t next_granule;		/* bump pointer, in granules */
static size_t committed;		/* bytes accessible from the base */
static struct span *partial[NGM_NCLASSES + 1];
static unsigned spare[NGM_NCLASSES + 1];	/* empty spans on the list */
static unsigned class_spans[NGM_NCLASSES + 1];	/* spans made, for prefaulting */
/* Free runs by length; the dirty ones (pages resident) come first. */
static struct span *free_runs[NGM_RUN_LISTS];
static size_t dirty_bytes;
static struct span *free_descs;
static char *meta_cur, *meta_end;
static struct ngm_heap_stats hstats;
static unsigned hflags;			/* NGM_HEAP_THP, NGM_HEAP_PREFAULT */
/*
 * New spans waiting to be faulted in (ngm_heap_prefault): the owner
 * answers the request that made the span first, then faults its pages in
 * its own time.  Faulting in a span of huge pages can take milliseconds
 * (zeroing, compaction), which a client waiting for a refill used to wait.
 */
#define PF_QUEUE 64u
static struct { char *start; size_t len; } pf_q[PF_QUEUE];
static unsigned pf_head, pf_n;

/* Large blocks: key = address, 0 = empty slot. */
struct large {
	uintptr_t addr;
	size_t len;
};
static struct large *ltab;
static size_t lcap, lcount;

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Bump allocator for descriptors and bitmaps; never returns memory. */
static void *meta_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if ((size_t)(meta_end - meta_cur) < n) {
		size_t len = n > NGM_META_CHUNK ? n : NGM_META_CHUNK;
		char *m = map_anon(len);

		if (!m)
			return NULL;
		meta_cur = m;
		meta_end = m + len;
	}
	p = meta_cur;
	meta_cur += n;
	return p;
}

void ngm_heap_set_flags(unsigned flags)
{
	hflags = flags;
}

int ngm_heap_init(size_t max_bytes)
{
	size_t ng;
	void *p = MAP_FAILED, *freed;
	struct rlimit rl;

	if (ngm_region_base)
		return 0;
	/*
	 * Under a limit on address space (ulimit -v) the reservation counts
	 * against it, though it is not memory: at most half of the limit, so
	 * that the program's own mappings (libraries, stacks, large blocks)
	 * keep room.  Taking what fitted left Python no room to start under
	 * ulimit -v 300000.
	 */
	if (!getrlimit(RLIMIT_AS, &rl) && rl.rlim_cur != RLIM_INFINITY)
		while (max_bytes > ((size_t)64 << 20) && max_bytes > rl.rlim_cur / 2)
			max_bytes /= 2;
	for (; max_bytes >= ((size_t)64 << 20); max_bytes /= 2) {
		/* PROT_NONE: address space only, no commit charge yet */
		p = mmap(NULL, max_bytes + NGM_GRANULE * 32, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p != MAP_FAILED)
			break;
	}
	if (p == MAP_FAILED)
		return -ENOMEM;
	ng = max_bytes >> NGM_GRANULE_SHIFT;
	/* both tables are touched sparsely, so they cost what the heap uses */
	span_of = map_anon(ng * sizeof(*span_of));
	ngm_class_of = map_anon(ng);
	huge_off = map_anon((max_bytes >> NGM_HUGE_SHIFT) + 1);
	/* the freed-block map: 1/16 of the heap it covers, where it is used */
	freed = map_anon(max_bytes >> 4);
	if (!span_of || !ngm_class_of || !huge_off || !freed) {
		munmap(p, max_bytes + NGM_GRANULE * 32);
		return -ENOMEM;
	}
	/* align the base so that spans of 32 granules never straddle it */
	ngm_region_base = (char *)(((uintptr_t)p + NGM_GRANULE * 32 - 1) &
				   ~(uintptr_t)(NGM_GRANULE * 32 - 1));
	ngm_freed_bias = (uintptr_t)freed - ((uintptr_t)ngm_region_base >> 4);
	ngm_region_size = max_bytes;
	return 0;
}

/*
 * Huge pages and purging.  Giving back part of a huge page splits it into
 * small pages, and khugepaged (max_ptes_none 511 by default) later
 * collapses any 2 MiB range of a MADV_HUGEPAGE mapping that has a single
 * page left back into a whole huge page: an idle program's resident memory
 * grew again by up to 2 MiB per chunk it had purged (by 4-10 MiB within 3 s
 * in about 1 run in 75 of tests/nextgen/safety.sh's idle-rss).  So a
 * purge advises its chunk MADV_NOHUGEPAGE first, and a span made in such a
 * chunk advises it MADV_HUGEPAGE again: a heap in use has its huge pages,
 * an idle one keeps what it gave back.  A span never straddles a chunk
 * (spans are at most 2 MiB, aligned to their length, from a 2 MiB aligned
 * base).
 */
static void huge_advise(const char *start, bool on)
{
	size_t chunk = (size_t)(start - ngm_region_base) >> NGM_HUGE_SHIFT;

	if (!(hflags & NGM_HEAP_THP) || huge_off[chunk] == !on)
		return;
	madvise(ngm_region_base + (chunk << NGM_HUGE_SHIFT), (size_t)1 << NGM_HUGE_SHIFT,
		on ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	huge_off[chunk] = !on;
	if (on)
		hstats.huge_on++;
	else
		hstats.huge_off++;
}

static unsigned run_list(unsigned granules)
{
	return (unsigned)__builtin_ctz(granules);
}

/* A run of granules, from the free runs of that length or the bump pointer. */
static struct span *span_new(unsigned cls)
{
	const struct ngm_class *k = &ngm_classes[cls];
	unsigned rl = run_list(k->granules);
	struct span *s = free_runs[rl];
	size_t g, i;

	if (s) {
		free_runs[rl] = s->next;
		if (s->dirty)
			dirty_bytes -= (size_t)s->granules << NGM_GRANULE_SHIFT;
	} else {
		size_t end;

		/* spans are aligned to their own length in granules */
		g = (next_granule + k->granules - 1) & ~(size_t)(k->granules - 1);
		end = (g + k->granules) << NGM_GRANULE_SHIFT;
		if (end > ngm_region_size)
			return NULL;
		if (end > committed) {
			size_t want = (end + NGM_COMMIT - 1) & ~(NGM_COMMIT - 1);

			if (want > ngm_region_size)
				want = ngm_region_size;
			if (mprotect(ngm_region_base + committed, want - committed,
				     PROT_READ | PROT_WRITE))
				return NULL;
			/* THP in madvise mode: the commit steps are 2 MiB aligned */
			if (hflags & NGM_HEAP_THP)
				madvise(ngm_region_base + committed, want - committed,
					MADV_HUGEPAGE);
			hstats.bytes_mapped += want - committed;
			committed = want;
		}
		s = free_descs;
		if (s)
			free_descs = s->next;
		else
			s = meta_alloc(sizeof(*s));
		if (!s)
			return NULL;
		memset(s, 0, sizeof(*s));
		s->start = ngm_region_base + (g << NGM_GRANULE_SHIFT);
		s->granules = k->granules;
		next_granule = g + k->granules;
	}
	if (s->map_cap < k->nobj) {
		uint64_t *fm = meta_alloc(((size_t)k->nobj + 63) / 64 * sizeof(uint64_t));

		if (!fm) {
			s->next = free_runs[rl];
			free_runs[rl] = s;
			return NULL;
		}
		s->freemap = fm;
		s->map_cap = k->nobj;
	}
	memset(s->freemap, 0, ((size_t)k->nobj + 63) / 64 * sizeof(uint64_t));
	huge_advise(s->start, true);
	/* the server faults the pages in, not the client that gets the blocks;
	 * only for a class that is growing (its second span and on), so that
	 * a small program does not pay resident memory for a span per class */
	if ((hflags & NGM_HEAP_PREFAULT) && class_spans[cls]++ && !s->dirty) {
		size_t len = (size_t)s->granules << NGM_GRANULE_SHIFT;

		if (pf_n < PF_QUEUE) {
			pf_q[(pf_head + pf_n) % PF_QUEUE].start = s->start;
			pf_q[(pf_head + pf_n) % PF_QUEUE].len = len;
			pf_n++;
		} else {
			madvise(s->start, len, NGM_MADV_POPULATE_WRITE);
		}
	}
	s->dirty = 0;
	s->cls = (uint16_t)cls;
	s->bump = 0;
	s->top = 0;
	s->scan = 0;
	s->inuse = 0;
	s->next = s->prev = NULL;
	s->on_list = 0;
	g = (size_t)(s->start - ngm_region_base) >> NGM_GRANULE_SHIFT;
	for (i = 0; i < s->granules; i++) {
		span_of[g + i] = s;
		atomic_store_explicit(&ngm_class_of[g + i], (uint8_t)cls,
				      memory_order_relaxed);
	}
	hstats.spans_created++;
	return s;
}

static void list_add(struct span *s)
{
	s->prev = NULL;
	s->next = partial[s->cls];
	if (s->next)
		s->next->prev = s;
	partial[s->cls] = s;
	s->on_list = 1;
}

static void list_del(struct span *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		partial[s->cls] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	s->on_list = 0;
}

static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Gives an empty span's run back to the lists.  Its pages stay resident
 * (dirty) until ngm_heap_purge finds it old enough: a class that empties
 * a span and soon needs one again reuses the pages without page faults,
 * and a huge page is not split by every span that empties in it.
 */
/*
 * A free run's pages go back to the kernel, and so do those of its part of
 * the freed-block map (a granule's part is exactly one page): its blocks'
 * bytes read 0 again, so a late second free of one of them is left to the
 * owner's free bitmap.
 */
static void purge_run(char *start, size_t len)
{
	huge_advise(start, false);
	madvise(start, len, MADV_DONTNEED);
	madvise((void *)ngm_freed_byte(start), len >> 4, MADV_DONTNEED);
}

static void span_release(struct span *s)
{
	size_t g = (size_t)(s->start - ngm_region_base) >> NGM_GRANULE_SHIFT;
	size_t len = (size_t)s->granules << NGM_GRANULE_SHIFT;
	unsigned rl = run_list(s->granules);
	size_t i;

	for (i = 0; i < s->granules; i++) {
		atomic_store_explicit(&ngm_class_of[g + i], 0, memory_order_relaxed);
		span_of[g + i] = NULL;
	}
	if (hflags & NGM_HEAP_PURGE_NOW) {
		purge_run(s->start, len);
		s->dirty = 0;
	} else {
		s->dirty = 1;
		s->freed_ns = coarse_ns();
		dirty_bytes += len;
	}
	s->next = free_runs[rl];
	free_runs[rl] = s;
	hstats.spans_released++;
}

/* The dirty runs are a prefix of each list, newest first: the ones that
 * have been free for age_ns or longer lose their pages. */
size_t ngm_heap_purge(uint64_t age_ns)
{
	uint64_t now;
	size_t done = 0;
	unsigned rl;

	if (!dirty_bytes)
		return 0;
	now = coarse_ns();
	for (rl = 0; rl < NGM_RUN_LISTS; rl++) {
		struct span *s;

		for (s = free_runs[rl]; s && s->dirty; s = s->next) {
			size_t len = (size_t)s->granules << NGM_GRANULE_SHIFT;

			if (now - s->freed_ns < age_ns)
				continue;
			/* the contents may go: the next user of the run expects nothing */
			purge_run(s->start, len);
			s->dirty = 0;
			dirty_bytes -= len;
			done += len;
		}
	}
	hstats.bytes_purged += done;
	return done;
}

void ngm_heap_info(struct ngm_heap_info *in)
{
	size_t g, i;
	unsigned rl;

	memset(in, 0, sizeof(*in));
	/* a class span is found at its first granule; a free run has none */
	for (g = 0; g < next_granule; g++) {
		struct span *s = span_of ? span_of[g] : NULL;

		if (!s || s->start != ngm_region_base + (g << NGM_GRANULE_SHIFT))
			continue;
		in->span_bytes += (size_t)s->granules << NGM_GRANULE_SHIFT;
		in->used_bytes += (size_t)s->inuse * ngm_classes[s->cls].size;
	}
	in->dirty_bytes = dirty_bytes;
	for (rl = 0; rl < NGM_RUN_LISTS; rl++)
		for (struct span *s = free_runs[rl]; s; s = s->next)
			in->free_runs++;
	for (i = 0; i < lcap; i++)
		if (ltab[i].addr) {
			in->large_count++;
			in->large_bytes += ltab[i].len;
		}
}

size_t ngm_heap_prefault(size_t budget)
{
	size_t done = 0;

	while (pf_n && done < budget) {
		char *start = pf_q[pf_head].start;
		size_t len = pf_q[pf_head].len, g, step;

		g = (size_t)(start - ngm_region_base) >> NGM_GRANULE_SHIFT;
		/* a span released meanwhile: its run is not faulted in */
		step = !span_of[g] ? len : len < budget - done ? len : budget - done;
		if (span_of[g]) {
			madvise(start, step, NGM_MADV_POPULATE_WRITE);
			done += step;
		}
		pf_q[pf_head].start = start + step;
		pf_q[pf_head].len = len - step;
		if (step == len) {
			pf_head = (pf_head + 1) % PF_QUEUE;
			pf_n--;
		}
	}
	return done;
}

size_t ngm_heap_dirty_bytes(void)
{
	return dirty_bytes;
}

unsigned ngm_heap_alloc_batch(unsigned cls, void **out, unsigned n)
{
	const struct ngm_class *k = &ngm_classes[cls];
	unsigned got = 0;

	while (got < n) {
		struct span *s = partial[cls];

		if (!s) {
			s = span_new(cls);
			if (!s)
				break;
			list_add(s);
		}
		if (s->inuse == 0 && spare[cls])
			spare[cls]--;
		/* freed blocks in address order (the lowest first), so that
		 * consecutive mallocs of a class get neighbouring blocks */
		while (got < n && s->top) {
			uint64_t w = s->freemap[s->scan];
			unsigned i;

			if (!w) {
				s->scan++;
				continue;
			}
			i = (unsigned)__builtin_ctzll(w);
			s->freemap[s->scan] = w & (w - 1);
			s->top--;
			out[got++] = s->start + ((size_t)s->scan * 64 + i) * k->size;
		}
		while (got < n && s->bump < k->nobj)
			out[got++] = s->start + (size_t)s->bump++ * k->size;
		s->inuse = (uint16_t)(k->nobj - s->top - (k->nobj - s->bump));
		if (!s->top && s->bump == k->nobj)
			list_del(s);
	}
	return got;
}

int ngm_heap_free(void *p)
{
	size_t off = (uintptr_t)p - (uintptr_t)ngm_region_base;
	struct span *s = span_of[off >> NGM_GRANULE_SHIFT];
	size_t size, idx, in_span;
	uint64_t bit;

	if (!s) {
		hstats.invalid_frees++;
		return -EINVAL;
	}
	size = ngm_classes[s->cls].size;
	in_span = (uintptr_t)p - (uintptr_t)s->start;
	idx = in_span / size;
	if (idx * size != in_span || idx >= s->bump) {
		hstats.invalid_frees++;
		return -EINVAL;
	}
	bit = (uint64_t)1 << (idx & 63);
	if ((s->freemap[idx >> 6] & bit) || s->inuse == 0) {
		hstats.double_frees++;
		return -EALREADY;
	}
	s->freemap[idx >> 6] |= bit;
	s->top++;
	if (idx >> 6 < s->scan)
		s->scan = (uint16_t)(idx >> 6);
	s->inuse--;
	if (!s->on_list)
		list_add(s);
	if (s->inuse == 0) {
		/* keep one empty span per class against alloc/free ping-pong */
		if (spare[s->cls]) {
			list_del(s);
			span_release(s);
		} else {
			spare[s->cls]++;
		}
	}
	return 0;
}

size_t ngm_heap_free_blocks(unsigned cls)
{
	const struct ngm_class *k = &ngm_classes[cls];
	struct span *s;
	size_t n = 0;

	for (s = partial[cls]; s; s = s->next)
		n += s->top + (size_t)(k->nobj - s->bump);
	return n;
}

void ngm_heap_get_stats(struct ngm_heap_stats *st)
{
	*st = hstats;
}

/* ---- large blocks ---- */

static size_t lhash(uintptr_t a, size_t cap)
{
	/* addresses are page aligned: drop the zero bits, then mix */
	return (size_t)(((a >> 12) * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static int ltab_grow(void)
{
	size_t ncap = lcap ? lcap * 2 : 1024, i;
	struct large *n = map_anon(ncap * sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < lcap; i++) {
		size_t j;

		if (!ltab[i].addr)
			continue;
		for (j = lhash(ltab[i].addr, ncap); n[j].addr; j = (j + 1) & (ncap - 1))
			;
		n[j] = ltab[i];
	}
	if (ltab)
		munmap(ltab, lcap * sizeof(*ltab));
	ltab = n;
	lcap = ncap;
	return 0;
}

static struct large *ltab_find(uintptr_t a)
{
	size_t j;

	if (!lcap)
		return NULL;
	for (j = lhash(a, lcap); ltab[j].addr; j = (j + 1) & (lcap - 1))
		if (ltab[j].addr == a)
			return &ltab[j];
	return NULL;
}

static int ltab_insert(uintptr_t a, size_t len)
{
	size_t j;

	if ((lcount + 1) * 2 > lcap && ltab_grow())
		return -ENOMEM;
	for (j = lhash(a, lcap); ltab[j].addr; j = (j + 1) & (lcap - 1))
		;
	ltab[j].addr = a;
	ltab[j].len = len;
	lcount++;
	return 0;
}

/* Linear probing deletion by backward shift: no tombstones. */
static void ltab_remove(struct large *e)
{
	size_t i = (size_t)(e - ltab), j = i;

	for (;;) {
		size_t h;

		j = (j + 1) & (lcap - 1);
		if (!ltab[j].addr)
			break;
		h = lhash(ltab[j].addr, lcap);
		/* move j back into the hole i unless its home lies in (i, j] */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			ltab[i] = ltab[j];
			i = j;
		}
	}
	ltab[i].addr = 0;
	lcount--;
}

/*
 * Large blocks unmapped lately (a ring of addresses): a free of one of
 * them that no record explains is a second free.  An address mapped again
 * (adopted) leaves the ring.
 */
#define FREED_LARGE 256
static uintptr_t freed_large[FREED_LARGE];
static unsigned freed_large_next;

static void freed_large_forget(uintptr_t a)
{
	unsigned i;

	for (i = 0; i < FREED_LARGE; i++)
		if (freed_large[i] == a)
			freed_large[i] = 0;
}

/* Thread-safe: touches no heap state (any thread may map). */
void *ngm_large_map(size_t n, size_t align, size_t *lenp)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len, maplen;
	char *m, *p;

	if (align < page)
		align = page;
	if (n > SIZE_MAX / 2 - align)
		return NULL;
	len = (n + page - 1) & ~(page - 1);
	if (!len)
		len = page;
	maplen = len + (align > page ? align : 0);
	m = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
	/* trim the slack so that the block is exactly its own mapping */
	if (p > m)
		munmap(m, (size_t)(p - m));
	if (m + maplen > p + len)
		munmap(p + len, (size_t)(m + maplen - (p + len)));
	*lenp = len;
	return p;
}

int ngm_large_adopt(void *p, size_t len)
{
	if (ltab_insert((uintptr_t)p, len))
		return -ENOMEM;
	freed_large_forget((uintptr_t)p);
	hstats.large_allocs++;
	return 0;
}

void *ngm_large_alloc(size_t n, size_t align)
{
	size_t len;
	void *p = ngm_large_map(n, align, &len);

	if (p && ngm_large_adopt(p, len)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

int ngm_large_free(void *p)
{
	struct large *e = ltab_find((uintptr_t)p);

	if (!e)
		return -1;
	munmap(p, e->len);
	ltab_remove(e);
	freed_large[freed_large_next++ % FREED_LARGE] = (uintptr_t)p;
	hstats.large_frees++;
	return 0;
}

int ngm_large_unknown(const void *p)
{
	unsigned i;

	for (i = 0; p && i < FREED_LARGE; i++)
		if (freed_large[i] == (uintptr_t)p) {
			hstats.double_frees++;
			return -EALREADY;
		}
	hstats.invalid_frees++;
	return -EINVAL;
}

size_t ngm_heap_usable(const void *p)
{
	struct large *e;

	if (ngm_in_region(p)) {
		unsigned c = ngm_class_of_ptr(p);

		return c ? ngm_classes[c].size : 0;
	}
	e = ltab_find((uintptr_t)p);
	return e ? e->len : 0;
}

/* mremap keeps the pages: no copy through the server's cache. */
void *ngm_large_realloc(void *p, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct large *e = ltab_find((uintptr_t)p);
	size_t len;
	void *q;

	if (!e || n > SIZE_MAX / 2)
		return NULL;
	len = (n + page - 1) & ~(page - 1);
	q = mremap(p, e->len, len, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return NULL;
	ltab_remove(e);
	if (ltab_insert((uintptr_t)q, len)) {
		/* cannot record it: the table's own mapping failed */
		munmap(q, len);
		return NULL;
	}
	return q;
}
