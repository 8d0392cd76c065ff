/*
 * allocators/hoard/config.c - Hoard's parameters and size classes.
 *
 * The four parameters of the paper (Section 3 and Section 5's "in all
 * experiments ... S = 8K, f = 1/4, K = 4, b = 1.2") and the number of
 * per-processor heaps, read once from the environment:
 *
 *	HOARD_SUPERBLOCK_SIZE	S, bytes (4K, 64K, ...), default 8K
 *	HOARD_EMPTY_FRACTION	f, 0 < f < 1 ("0.25" or "1/4"), default 1/4
 *	HOARD_RESERVE		K, superblocks, default 4
 *	HOARD_SIZE_CLASS_BASE	b, 1 < b <= 4, default 1.2
 *	HOARD_HEAPS		per-processor heaps, default 2 * processors
 *	HOARD_THREAD_CACHE	bytes each thread may cache per size class,
 *				default 1M; 0: none, the paper's algorithm
 *	HOARD_LARGE_CACHE	bytes of freed large objects kept for reuse,
 *				default 16M (0 with HOARD_THREAD_CACHE=0);
 *				0: no spans, every large free unmaps, as in
 *				the paper
 *	HOARD_RETAIN		bytes of empty superblocks the global heap
 *				keeps resident before it gives pages back,
 *				default "all" (never, as in the paper)
 *	HOARD_STATS		file for statistics at exit ("stderr" for fd 2;
 *				"%p" in the name becomes the process id)
 *
 * This runs inside the first malloc of the process: it must not allocate
 * (no strtod, no stdio), only getenv and system calls.
 */
#include "config.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define S_DEFAULT 8192u
#define S_MIN 4096u
#define S_MAX (1u << 20)

/* Writes a warning on fd 2 without allocating; the library never exits. */
static void warn_invalid(const char *name, const char *value, const char *use)
{
	const char *parts[] = { "hoard: invalid ", name, " '", value,
				"', using ", use, "\n" };
	ssize_t unused;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		unused = write(2, parts[i], strlen(parts[i]));
		(void)unused;
	}
}

/* "8192", "8K", "1M": returns 0 and the value, or -1.  Its own copy, not
 * lib/numbers.c: it runs while the allocator sets itself up inside the first
 * malloc, so it calls nothing of the C library that might allocate, and a
 * preloaded allocator is built from its own sources alone. */
static int parse_size(const char *s, size_t *out)
{
	size_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*s - '0');
	}
	switch (*s) {
	case 'k': case 'K': v <<= 10; s++; break;
	case 'm': case 'M': v <<= 20; s++; break;
	case 'g': case 'G': v <<= 30; s++; break;
	}
	if (*s == 'B' || *s == 'b')
		s++;
	if (*s)
		return -1;
	*out = v;
	return 0;
}

/* "0.25", "1.2", "1/4": returns 0 and the value, or -1. */
static int parse_number(const char *s, double *out)
{
	double v = 0, scale = 1;
	int digits = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++)
		v = v * 10 + (*s - '0');
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			scale /= 10;
			v += (*s - '0') * scale;
		}
	} else if (*s == '/' && digits) {
		size_t den;

		if (parse_size(s + 1, &den) || den == 0)
			return -1;
		v /= (double)den;
		s += strlen(s);
	}
	if (!digits || *s)
		return -1;
	*out = v;
	return 0;
}

static unsigned processors(void)
{
	cpu_set_t set;

	/* sched_getaffinity does not allocate; sysconf may read files. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	return 1;
}

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/*
 * Size classes "a power of b apart" (the paper, Section 3.1): each class is
 * about b times the previous one, so rounding a request up to its class
 * wastes at most a factor b.  Classes are multiples of HOARD_ALIGN, so below
 * HOARD_ALIGN / (b - 1) bytes (80 for b = 1.2) they are 16 bytes apart and
 * the bound is the alignment's, not b's.  The last class is S/2: larger
 * objects go to mmap.
 *
 * Every power of two up to S/2 is a class too (added to the sequence, which
 * they only make denser): blocks start at the header's end, 128 bytes into
 * an S-aligned superblock, so a class whose size is a multiple of an
 * alignment up to 128 hands out only blocks with that alignment, and
 * memalign(64, n) finds one within a factor 2 of n (heap.c, aligned_class).
 */
static unsigned make_classes(const struct hoard_config *cfg, uint32_t *sizes)
{
	unsigned n = 0;
	size_t sz = HOARD_ALIGN;

	while (sz < cfg->max_small) {
		size_t next, pow2 = (size_t)1 << (64 - __builtin_clzl(sz));

		sizes[n++] = (uint32_t)sz;
		next = round_up((size_t)((double)sz * cfg->class_base + 0.999999),
				HOARD_ALIGN);
		if (next < sz + HOARD_ALIGN)
			next = sz + HOARD_ALIGN;
		if (pow2 < next && pow2 < cfg->max_small)
			sizes[n++] = (uint32_t)pow2;
		sz = next;
	}
	sizes[n++] = (uint32_t)cfg->max_small;
	return n;
}

int hoard_config_load(struct hoard_config *cfg, void *(*meta_alloc)(size_t))
{
	const char *e;
	size_t v;
	double d;
	unsigned nproc = processors();

	cfg->page = (size_t)sysconf(_SC_PAGESIZE);
	if (cfg->page == 0 || (cfg->page & (cfg->page - 1)))
		cfg->page = 4096;

	/*
	 * S: a multiple of the page size (the paper) and, here, a power of
	 * two so that the superblock of a block is found by masking its
	 * address.  8K is the paper's choice: big enough to amortize the
	 * global heap's lock over S/(f*s) allocations (Section 4.2), small
	 * enough that a size class wastes little in a superblock.
	 */
	cfg->sb_size = S_DEFAULT;
	e = getenv("HOARD_SUPERBLOCK_SIZE");
	if (e) {
		if (!parse_size(e, &v) && v >= S_MIN && v <= S_MAX &&
		    !(v & (v - 1)) && v % cfg->page == 0)
			cfg->sb_size = v;
		else
			warn_invalid("HOARD_SUPERBLOCK_SIZE", e, "8K");
	}
	if (cfg->sb_size < cfg->page)
		cfg->sb_size = cfg->page;
	cfg->sb_shift = (unsigned)__builtin_ctzl(cfg->sb_size);
	cfg->max_small = cfg->sb_size / 2;

	/*
	 * f, the empty fraction: a heap that is more than f empty (and holds
	 * more than K superblocks of free memory) gives a superblock back.
	 * It trades worst-case blowup, (1/(1-f)) * U + O(K*S*P), against
	 * global-heap synchronization; the paper found runtime and
	 * fragmentation robust for f in [1/8, 1/2] and used 1/4.
	 */
	cfg->empty_fraction = 0.25;
	e = getenv("HOARD_EMPTY_FRACTION");
	if (e) {
		if (!parse_number(e, &d) && d > 0 && d < 1)
			cfg->empty_fraction = d;
		else
			warn_invalid("HOARD_EMPTY_FRACTION", e, "1/4");
	}
	cfg->f_fixed = (uint32_t)(cfg->empty_fraction * 65536.0 + 0.5);

	/*
	 * K: superblocks' worth of free memory a heap may keep regardless of
	 * f, so that a heap that oscillates around a small size does not
	 * bounce superblocks through the global heap (the paper used 4).
	 */
	cfg->reserve = 4;
	e = getenv("HOARD_RESERVE");
	if (e) {
		if (!parse_size(e, &v) && v <= 1u << 20)
			cfg->reserve = v;
		else
			warn_invalid("HOARD_RESERVE", e, "4");
	}

	/* b: see make_classes(); the paper used 1.2. */
	cfg->class_base = 1.2;
	e = getenv("HOARD_SIZE_CLASS_BASE");
	if (e) {
		if (!parse_number(e, &d) && d > 1.0 && d <= 4.0)
			cfg->class_base = d;
		else
			warn_invalid("HOARD_SIZE_CLASS_BASE", e, "1.2");
	}

	/*
	 * Heaps: the paper maps threads to 2P heaps by hashing the thread
	 * id, to lower the chance that two running threads share a heap
	 * without changing the analysis.
	 */
	cfg->nheaps = 2 * nproc;
	e = getenv("HOARD_HEAPS");
	if (e) {
		if (!parse_size(e, &v) && v >= 1 && v <= HOARD_MAX_HEAPS)
			cfg->nheaps = (unsigned)v;
		else
			warn_invalid("HOARD_HEAPS", e, "2 per processor");
	}
	if (cfg->nheaps > HOARD_MAX_HEAPS)
		cfg->nheaps = HOARD_MAX_HEAPS;

	/*
	 * The thread cache (heap.c; not in the paper): up to tc_bytes per
	 * size class and thread, at least 64 blocks and at most 65535 (the
	 * width of tc_cap), for classes up to 1 KiB, where the lock would
	 * cost most relative to the work.  1M, as the Hoard distribution
	 * keeps up to 16 MB per thread of objects up to 1 KiB: with 8K and
	 * at most 512 blocks, a thread that freed more than 512 blocks of a
	 * class gave them back to their superblocks and refilled from
	 * superblocks later (threadtest at 2 threads frees 50,000 blocks of
	 * 16 bytes a round per thread), and threadtest stayed at 0.96x
	 * upstream Hoard.  512K held 32,768 of those blocks, and the rest
	 * still went through the global heap (35,000 superblock transfers a
	 * run of the quick preset, against 193 with 1M): 1M took threadtest
	 * at 2 threads from 1.11x to 1.22x upstream Hoard with the reference
	 * preset (docs/measurements/2026-12-07-hoard-speed-6.md).  At least
	 * 64 blocks: with 8K, classes from 160 bytes to 1 KiB cached 8 to 51
	 * blocks and larson (8 to 1000 bytes) flushed and refilled them
	 * every few dozen frees (0.93x upstream Hoard at one thread; 1.03x
	 * with 64).  So at most 20 MiB cached per thread (the 20 classes up
	 * to 1 KiB of b = 1.2, 1M each), counted as in use.  The arrays of
	 * block pointers are one mapping per thread, resident only as deep
	 * as the caches have been filled.
	 */
	cfg->tc_bytes = (size_t)1 << 20;
	e = getenv("HOARD_THREAD_CACHE");
	if (e) {
		if (!parse_size(e, &v) && v <= (1u << 20))
			cfg->tc_bytes = v;
		else
			warn_invalid("HOARD_THREAD_CACHE", e, "1M");
	}

	/*
	 * The cache of large mappings (heap.c; not in the paper): the paper
	 * maps every object above S/2 and unmaps it at free, and a program
	 * that allocates and frees such objects in turn spends its time in
	 * the kernel (GCC compiling one file: 30,000 mmap-munmap pairs of 4-8
	 * KiB objects with S = 8K, 1.6x glibc's time).  16M bounds the memory
	 * it keeps (4M gave back and faulted in again 1499 spans of xalanc
	 * at 2 threads); the paper's algorithm (the thread cache off) keeps
	 * none unless asked, and maps every large object.
	 */
	cfg->large_cache = cfg->tc_bytes ? (size_t)16 << 20 : 0;
	e = getenv("HOARD_LARGE_CACHE");
	if (e) {
		if (!parse_size(e, &v) && v <= ((size_t)1 << 30))
			cfg->large_cache = v;
		else
			warn_invalid("HOARD_LARGE_CACHE", e, cfg->tc_bytes ? "16M" : "0");
	}

	/*
	 * Memory given back (heap.c; not in the paper): the global heap keeps
	 * this many bytes of empty superblocks resident and gives the pages
	 * of any more back to the system.  "all" keeps every one, as the
	 * paper does, and is the default: 4M made mimalloc-bench's
	 * threadtest (1 thread, 8 MB freed and taken again each round) 2x
	 * slower (0.65 s against 0.30-0.34 s), and its xmalloc-test at 2
	 * threads 2-3x slower, releasing and faulting the same pages back
	 * every round.  malloc_trim gives memory back either way.
	 */
	cfg->retain = SIZE_MAX;
	e = getenv("HOARD_RETAIN");
	if (e) {
		if (!strcmp(e, "all"))
			cfg->retain = SIZE_MAX;
		else if (!parse_size(e, &v))
			cfg->retain = v;
		else
			warn_invalid("HOARD_RETAIN", e, "all");
	}

	e = getenv("HOARD_STATS");
	cfg->stats = 0;
	if (e && *e && strlen(e) < sizeof(cfg->stats_path)) {
		memcpy(cfg->stats_path, e, strlen(e) + 1);
		cfg->stats = 1;
	}

	/* The class table: at most one class per 16 bytes up to S/2. */
	cfg->class_size = meta_alloc((cfg->max_small / HOARD_ALIGN + 1) * sizeof(uint32_t));
	if (!cfg->class_size)
		return -1;
	cfg->nclasses = make_classes(cfg, cfg->class_size);
	cfg->class_capacity = meta_alloc(cfg->nclasses * sizeof(uint32_t));
	if (!cfg->class_capacity)
		return -1;
	for (unsigned c = 0; c < cfg->nclasses; c++)
		cfg->class_capacity[c] = (uint32_t)((cfg->sb_size - HOARD_HEADER_SIZE) /
						    cfg->class_size[c]);
	cfg->class_of = meta_alloc((cfg->max_small / HOARD_ALIGN + 1) * sizeof(uint16_t));
	if (!cfg->class_of)
		return -1;
	for (unsigned c = 0; c < HOARD_TC_CLASSES && c < cfg->nclasses; c++) {
		size_t n = cfg->tc_bytes / cfg->class_size[c];

		if (cfg->class_size[c] > 1024 || cfg->tc_bytes == 0)
			n = 0;
		else if (n > 65535)
			n = 65535;
		else if (n < 64)
			n = 64;
		cfg->tc_cap[c] = (uint16_t)n;
	}
	for (size_t i = 0, c = 0; i <= cfg->max_small / HOARD_ALIGN; i++) {
		while (cfg->class_size[c] < i * HOARD_ALIGN)
			c++;
		cfg->class_of[i] = (uint16_t)c;
	}
	cfg->sb_mask = ~(uintptr_t)(cfg->sb_size - 1);

	/*
	 * malloc's fast path (internal.h) looks up the cache slot of a
	 * request up to tc_max_size in a table of its own: the cached
	 * classes are the first ones (up to 1 KiB, at most 32), so slot is
	 * class.  S >= 4K makes S/2 >= HOARD_TC_MAX_SIZE, so class_of covers
	 * the table.  tc_max_size stays 0 without a cache: every malloc then
	 * takes the paper's path.
	 */
	size_t tc_max = 0;

	for (unsigned c = 0; c < HOARD_TC_CLASSES && c < cfg->nclasses; c++)
		if (cfg->tc_cap[c])
			tc_max = cfg->class_size[c];
	for (size_t i = 0; i <= HOARD_TC_MAX_SIZE / HOARD_ALIGN; i++)
		cfg->tc_slot_of[i] = (uint8_t)(i * HOARD_ALIGN <= tc_max ? cfg->class_of[i]
									  : HOARD_TC_SLOT_NONE);
	cfg->tc_max_size = tc_max;
	return 0;
}
