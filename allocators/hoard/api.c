/*
 * allocators/hoard/api.c - the C allocation API over the Hoard heaps
 * (heap.c), process hooks (constructor, fork handlers, statistics at exit)
 * and the small hoard_* inspection interface.
 *
 * Every function here may be the first allocation of the process (the
 * dynamic linker, libc and libpthread allocate before main); the slow path
 * of hoard_malloc() initializes on first use without allocating.  C++
 * operator new and delete are in cxx.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "../common/posix_alloc.h"

/* malloc and free are the inline fast paths of internal.h. */
HOARD_EXPORT void *malloc(size_t size)
{
	return hoard_malloc(size);
}

/* free(NULL) fails the fast path's arena check and returns in the slow
 * path (dealloc_outside), so the fast path does not test for it. */
HOARD_EXPORT void free(void *p)
{
	hoard_free(p);
}

HOARD_EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (posix_alloc_mul(n, size, &total))
		return NULL;
	p = hoard_malloc(total);
	/* Objects above S/2 in fresh anonymous mappings are already zero. */
	if (p && (total <= hoard_cfg.max_small || hoard_large_dirty(p)))
		memset(p, 0, total);
	return p;
}

HOARD_EXPORT void *realloc(void *p, size_t size)
{
	const struct hoard_sb *sb;
	size_t usable;
	void *q;

	if (!p)
		return hoard_malloc(size);
	if (size == 0) {
		/* As glibc: realloc(p, 0) frees p and returns NULL. */
		hoard_free(p);
		return NULL;
	}
	sb = hoard_sb_find(p);
	usable = sb ? hoard_usable(p) : 0;
	if (!sb) {
		/* Not Hoard's: nothing of it can be copied or freed. */
		return hoard_malloc(size);
	} else if (hoard_sb_magic(sb) == HOARD_MAGIC_LARGE && size > hoard_cfg.max_small) {
		/* In place: within the mapping, not wasting half of it, or
		 * grown with mremap; hoard_large_grow records the new size. */
		if ((size > usable || size >= usable / 2) && !hoard_large_grow(p, size))
			return p;
		/* Else moved without copying, when it is a mapping of its own. */
		if (size > usable && (q = hoard_large_move(p, size)) != NULL)
			return q;
	} else if (hoard_sb_magic(sb) == HOARD_MAGIC_SMALL && size <= usable &&
		   (size > usable / 2 || usable <= 64)) {
		/* Same block unless it would waste more than half of it. */
		return p;
	}
	q = hoard_malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, size < usable ? size : usable);
	hoard_free(p);
	return q;
}

HOARD_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

static void *aligned(size_t align, size_t size)
{
	return hoard_alloc(size, align <= HOARD_ALIGN ? 0 : align);
}

HOARD_EXPORT void *memalign(size_t align, size_t size)
{
	/* As glibc: a non-power of two is rounded up to one. */
	align = posix_alloc_memalign_align(align);
	return align ? aligned(align, size) : NULL;
}

HOARD_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;
	int saved = errno;

	if (!posix_alloc_align_ok(align))
		return EINVAL;
	p = aligned(align, size);
	if (!p) {
		errno = saved;
		return ENOMEM;
	}
	*out = p;
	return 0;
}

HOARD_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	/* C17 7.22.3.1: an alignment the implementation does not support
	 * gives NULL; here, anything but a power of two. */
	if (!posix_alloc_is_pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(align, size);
}

HOARD_EXPORT void *valloc(size_t size)
{
	if (hoard_init()) {
		errno = ENOMEM;
		return NULL;
	}
	return aligned(hoard_cfg.page, size);
}

HOARD_EXPORT void *pvalloc(size_t size)
{
	size_t page;

	if (hoard_init()) {
		errno = ENOMEM;
		return NULL;
	}
	page = hoard_cfg.page;
	size = posix_alloc_pvalloc_size(size, page);
	return size ? aligned(page, size) : NULL;
}

HOARD_EXPORT size_t malloc_usable_size(void *p)
{
	return p ? hoard_usable(p) : 0;
}

/*
 * glibc's own entry points under their internal names: some programs and
 * libraries call them directly, and they must not hand our blocks to
 * glibc's allocator (tcmalloc and jemalloc provide them for the same reason).
 */
HOARD_EXPORT void *__libc_malloc(size_t size);
HOARD_EXPORT void __libc_free(void *p);
HOARD_EXPORT void *__libc_calloc(size_t n, size_t size);
HOARD_EXPORT void *__libc_realloc(void *p, size_t size);
HOARD_EXPORT void *__libc_memalign(size_t align, size_t size);
HOARD_EXPORT void *__libc_valloc(size_t size);
HOARD_EXPORT void *__libc_pvalloc(size_t size);

void *__libc_malloc(size_t size) { return malloc(size); }
void __libc_free(void *p) { free(p); }
void *__libc_calloc(size_t n, size_t size) { return calloc(n, size); }
void *__libc_realloc(void *p, size_t size) { return realloc(p, size); }
void *__libc_memalign(size_t align, size_t size) { return memalign(align, size); }
void *__libc_valloc(size_t size) { return valloc(size); }
void *__libc_pvalloc(size_t size) { return pvalloc(size); }

/* ---- statistics --------------------------------------------------------- */

struct hoard_snapshot {
	uint64_t superblock_size, empty_fraction_ppm, reserve_superblocks;
	uint64_t size_class_base_ppm, heaps, size_classes, large_cache_limit, retain_bytes;
	uint64_t transfers_to_global, transfers_from_global, global_lock_acquisitions;
	uint64_t superblocks_created, global_empty_superblocks;
	uint64_t global_released_superblocks, superblocks_released;
	uint64_t large_allocs, os_maps, large_reuses, large_cached_bytes;
	uint64_t large_live, large_live_bytes, large_spans, spans_released, large_moves;
	uint64_t interior_superblocks;
	uint64_t peak_allocated_bytes, allocated_bytes;
	uint64_t peak_in_use_bytes, in_use_bytes;
	uint64_t heap_in_use_bytes, heap_held_bytes;
};

/*
 * The statistics, in the order they are written.  The paper's measures:
 * transfers and global-heap lock acquisitions (synchronization, Section
 * 4.2), and the peaks of A (memory from the operating system: superblocks
 * times S plus large mappings) and U (bytes in use, counted in block sizes)
 * whose ratio bounds blowup (Section 4.1).  The in-use figures are kept
 * only when HOARD_STATS is set.  heap_in_use_bytes and heap_held_bytes are
 * the sums of u and a over all heaps now (blocks in thread caches count as
 * in use), read heap by heap.
 */
#define HOARD_STAT_LIST(X)             \
	X(superblock_size)             \
	X(empty_fraction_ppm)          \
	X(reserve_superblocks)         \
	X(size_class_base_ppm)         \
	X(heaps)                       \
	X(size_classes)                \
	X(large_cache_limit)           \
	X(retain_bytes)                \
	X(transfers_to_global)         \
	X(transfers_from_global)       \
	X(global_lock_acquisitions)    \
	X(superblocks_created)         \
	X(global_empty_superblocks)    \
	X(global_released_superblocks) \
	X(superblocks_released)        \
	X(large_allocs)                \
	X(os_maps)                     \
	X(large_reuses)                \
	X(large_cached_bytes)          \
	X(large_live)                  \
	X(large_live_bytes)            \
	X(large_spans)                 \
	X(spans_released)              \
	X(large_moves)                 \
	X(interior_superblocks)        \
	X(peak_allocated_bytes)        \
	X(allocated_bytes)             \
	X(peak_in_use_bytes)           \
	X(in_use_bytes)                \
	X(heap_in_use_bytes)           \
	X(heap_held_bytes)

static void snapshot(struct hoard_snapshot *s)
{
	struct hoard_heap *global = &hoard_heaps[HOARD_GLOBAL];

	memset(s, 0, sizeof(*s));
	hoard_in_use_publish();
	s->superblock_size = hoard_cfg.sb_size;
	s->empty_fraction_ppm = (uint64_t)(hoard_cfg.empty_fraction * 1e6 + 0.5);
	s->reserve_superblocks = hoard_cfg.reserve;
	s->size_class_base_ppm = (uint64_t)(hoard_cfg.class_base * 1e6 + 0.5);
	s->heaps = hoard_cfg.nheaps;
	s->size_classes = hoard_cfg.nclasses;
	s->large_cache_limit = hoard_cfg.large_cache;
	hoard_lock(&global->lock);
	s->retain_bytes = hoard_cfg.retain == SIZE_MAX ? UINT64_MAX : hoard_cfg.retain;
	s->global_released_superblocks = global->nreleased;
	s->superblocks_released = global->pages_released;
	s->transfers_to_global = global->transfers_to_global;
	s->transfers_from_global = global->transfers_from_global;
	s->global_lock_acquisitions = global->lock_acquisitions;
	s->superblocks_created = global->superblocks_created;
	s->global_empty_superblocks = global->nempty;
	hoard_unlock(&global->lock);
	hoard_heap_totals(&s->heap_in_use_bytes, &s->heap_held_bytes);
	s->large_allocs = atomic_load(&hoard_count.large_allocs);
	s->os_maps = atomic_load(&hoard_count.os_maps);
	s->large_reuses = atomic_load(&hoard_count.large_reuses);
	s->large_cached_bytes = atomic_load(&hoard_count.large_cached);
	s->large_live = atomic_load(&hoard_count.large_live);
	s->large_live_bytes = atomic_load(&hoard_count.large_live_bytes);
	s->large_spans = atomic_load(&hoard_count.large_spans);
	s->spans_released = atomic_load(&hoard_count.spans_released);
	s->large_moves = atomic_load(&hoard_count.large_moves);
	s->interior_superblocks = atomic_load(&hoard_count.interior_superblocks);
	s->peak_allocated_bytes = atomic_load(&hoard_count.allocated_peak);
	s->allocated_bytes = atomic_load(&hoard_count.allocated);
	s->peak_in_use_bytes = atomic_load(&hoard_count.in_use_peak);
	s->in_use_bytes = atomic_load(&hoard_count.in_use);
}

int hoard_stat(const char *name, uint64_t *value)
{
	struct hoard_snapshot s;

	if (!name || !value)
		return -EINVAL;
	if (hoard_init())
		return -ENOMEM;
	snapshot(&s);
#define X(field)                              \
	if (!strcmp(name, #field)) {          \
		*value = s.field;             \
		return 0;                     \
	}
	HOARD_STAT_LIST(X)
#undef X
	return -ENOENT;
}

/* No stdio: it may allocate, and this runs at exit. */
static size_t append(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	buf[at] = '\0';
	return at;
}

static size_t append_u64(char *buf, size_t at, size_t cap, uint64_t v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0 && at + 1 < cap)
		buf[at++] = digits[--n];
	buf[at] = '\0';
	return at;
}

/* HOARD_STATS with each "%p" replaced by the process id. */
static void stats_path(char *out, size_t cap)
{
	size_t at = 0;

	out[0] = '\0';
	for (const char *s = hoard_cfg.stats_path; *s && at + 1 < cap; s++) {
		if (s[0] == '%' && s[1] == 'p') {
			at = append_u64(out, at, cap, (uint64_t)getpid());
			s++;
		} else {
			out[at++] = *s;
			out[at] = '\0';
		}
	}
}

/* The statistics as "name=value" lines, written to fd. */
static void stats_write_fd(int fd)
{
	struct hoard_snapshot s;
	char text[2048];
	size_t at = 0, off = 0;

	snapshot(&s);
#define X(field)                                                  \
	at = append(text, at, sizeof(text), #field "=");          \
	at = append_u64(text, at, sizeof(text), s.field);         \
	at = append(text, at, sizeof(text), "\n");
	HOARD_STAT_LIST(X)
#undef X
	while (off < at) {
		ssize_t n = write(fd, text + off, at - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

void hoard_stats_write(void)
{
	char path[4096];
	int fd;

	if (!hoard_cfg.stats || !atomic_load(&hoard_ready))
		return;
	if (!strcmp(hoard_cfg.stats_path, "stderr")) {
		stats_write_fd(2);
		return;
	}
	/* The last process to exit writes the file; with "%p", each
	 * process (and each exec'd child) writes its own. */
	stats_path(path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	stats_write_fd(fd);
	close(fd);
}

/* ---- glibc's introspection calls, with Hoard's own numbers --------------- */

/*
 * mallinfo2 in Hoard's terms: arena is the superblock memory held from
 * the system (A without the large objects), uordblks the bytes of the
 * blocks in use (blocks in thread caches and on their way back to their
 * owners count as in use, as they do for the emptiness invariant),
 * fordblks the rest of arena, ordblks the global heap's resident empty
 * superblocks, hblks and hblkhd the large objects (> S/2, each its own
 * mapping) and their pages, keepcost what malloc_trim(0) would give back
 * now at least (the global heap's resident empty superblocks and the kept
 * large mappings).  Hoard has no fastbins: smblks, fsmblks and usmblks
 * are 0, as glibc's usmblks always is.
 */
HOARD_EXPORT struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 mi;
	struct hoard_snapshot s;
	size_t large;

	memset(&mi, 0, sizeof(mi));
	if (hoard_init())
		return mi;
	snapshot(&s);
	large = s.large_live_bytes + s.large_cached_bytes;
	mi.arena = s.allocated_bytes > large ? s.allocated_bytes - large : 0;
	mi.uordblks = s.heap_in_use_bytes;
	mi.fordblks = mi.arena > mi.uordblks ? mi.arena - mi.uordblks : 0;
	mi.ordblks = s.global_empty_superblocks;
	mi.hblks = s.large_live;
	mi.hblkhd = s.large_live_bytes;
	mi.keepcost = s.global_empty_superblocks * s.superblock_size + s.large_cached_bytes;
	return mi;
}

/* The same numbers, each at most INT_MAX (glibc wraps them instead). */
HOARD_EXPORT struct mallinfo mallinfo(void)
{
	return posix_alloc_mallinfo(mallinfo2());
}

HOARD_EXPORT int malloc_trim(size_t pad)
{
	if (hoard_init())
		return 0;
	return hoard_trim(pad);
}

/* glibc writes its arenas' figures on stderr; Hoard writes its statistics. */
HOARD_EXPORT void malloc_stats(void)
{
	if (hoard_init())
		return;
	stats_write_fd(2);
}

/*
 * Only M_TRIM_THRESHOLD means something here: the bytes of empty
 * superblocks the global heap keeps before it gives pages back
 * (HOARD_RETAIN).  Every other option returns 0, glibc's "not done".
 */
HOARD_EXPORT int mallopt(int param, int value)
{
	if (param != M_TRIM_THRESHOLD || value < 0 || hoard_init())
		return 0;
	hoard_set_retain((size_t)value);
	return 1;
}

/* ---- process hooks ------------------------------------------------------ */

const char *hoard_version(void)
{
	return PACKAGE_VERSION;
}

__attribute__((constructor)) static void hoard_constructor(void)
{
	/* Initialized here at the latest, so that the fork handlers below
	 * (whose registration may itself call malloc) find a ready heap. */
	if (hoard_init())
		return;
	pthread_atfork(hoard_fork_prepare, hoard_fork_parent, hoard_fork_child);
}

__attribute__((destructor)) static void hoard_destructor(void)
{
	hoard_stats_write();
}
