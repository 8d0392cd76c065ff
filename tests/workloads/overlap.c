/*
 * tests/workloads/overlap.c - a broken allocator for the workloads' tests:
 * preloaded, it hands blocks that overlap the previous live block to every
 * malloc called from the main program, so a workload's self-check must
 * catch it and exit 1 with the block's address.
 *
 * Calls from shared libraries (libc's stdio and threads, libstdc++, Xalan's
 * own operator new) get correct, non-overlapping blocks, so the program
 * lives long enough for its self-check to run; the workloads take their
 * bookkeeping from mmap, so only their blocks are hit.
 *
 * Placement of a main-program block, after the previous one [s, e):
 *   - at (e - 8) rounded down to 16 when that is above s: the new block
 *     starts on the last 8 to 23 bytes of the previous one and stays
 *     16-byte aligned (xalanc's guard words sit there);
 *   - otherwise (blocks under 24 bytes) at s + size/2, unaligned: the
 *     workloads fill and check their blocks byte-wise.
 * A 1-byte block cannot partly overlap anything, so it gets fresh memory.
 *
 * With OVERLAP_MODE=short in the environment it is instead an allocator
 * whose blocks are too small: main-program blocks are packed one after the
 * other, each given room for fewer bytes than asked - n rounded up to 8,
 * less 8 (short by 1 to 8 bytes) above 8 bytes, half of n at or below - so
 * the next block starts inside the last bytes of the previous one.
 *
 * Never built with sanitizers: it is preloaded into other programs.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#define REGION (64ULL << 30)  /* reserved, not committed */
#define HDR 16
#define CLASS_STEP 16
#define CLASSES 256           /* reuse for blocks up to 4 KiB */

static atomic_flag lock = ATOMIC_FLAG_INIT;
static char *sane_base, *sane_top, *over_base, *over_top;
static char *prev_start, *prev_end;
static void *free_list[CLASSES];
static uintptr_t exe_lo, exe_hi;
static int ready, too_small;

static void take(void)
{
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		;
}

static void drop(void)
{
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

/* The main program's loaded range, from its program headers (getauxval:
 * no lock and no allocation, so safe inside malloc). */
static void find_exe(void)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	size_t n = getauxval(AT_PHNUM);
	uintptr_t base = 0, lo = UINTPTR_MAX, hi = 0;

	for (size_t i = 0; ph && i < n; i++)
		if (ph[i].p_type == PT_PHDR)
			base = (uintptr_t)ph - ph[i].p_vaddr;
	for (size_t i = 0; ph && i < n; i++)
		if (ph[i].p_type == PT_LOAD) {
			uintptr_t a = base + ph[i].p_vaddr;

			if (a < lo)
				lo = a;
			if (a + ph[i].p_memsz > hi)
				hi = a + ph[i].p_memsz;
		}
	exe_lo = lo;
	exe_hi = hi;
}

static int init_locked(void)
{
	void *a, *b;

	if (ready)
		return 0;
	a = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	b = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		return -1;
	sane_base = sane_top = a;
	over_base = over_top = b;
	find_exe();
	/* getenv neither allocates nor locks: safe inside malloc. */
	const char *mode = getenv("OVERLAP_MODE");
	too_small = mode && !strcmp(mode, "short");
	ready = 1;
	return 0;
}

static size_t round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

static void *sane_alloc_locked(size_t n)
{
	size_t need = round16(n ? n : 1);
	size_t c = need / CLASS_STEP;
	char *h;

	if (c < CLASSES && free_list[c]) {
		h = free_list[c];
		free_list[c] = *(void **)(h + HDR);
		return h + HDR;
	}
	if ((size_t)(sane_top - sane_base) + need + HDR > REGION)
		return NULL;
	h = sane_top;
	sane_top += need + HDR;
	*(size_t *)h = need;
	return h + HDR;
}

/* Room given to a block of n bytes in the too-small mode (see the top). */
static size_t short_room(size_t n)
{
	size_t room = n > 8 ? ((n + 7) & ~(size_t)7) - 8 : n / 2;

	return room ? room : 1;
}

static void *overlap_alloc_locked(size_t n)
{
	char *p;

	if (n == 0)
		n = 1;
	if (too_small) {
		p = prev_start ? prev_start + short_room((size_t)(prev_end - prev_start))
			       : (char *)round16((uintptr_t)over_top);
	} else if (!prev_start || n == 1) {
		p = (char *)round16((uintptr_t)over_top);
	} else {
		char *tail = (char *)(((uintptr_t)prev_end - 8) & ~(uintptr_t)15);
		size_t half = (size_t)(prev_end - prev_start) / 2;

		p = tail > prev_start ? tail : prev_start + (half ? half : 1);
	}
	if ((size_t)(p + n - over_base) > REGION)
		return NULL;
	prev_start = p;
	prev_end = p + n;
	if (prev_end > over_top)
		over_top = prev_end;
	return p;
}

static void *alloc(size_t n, uintptr_t caller)
{
	void *p = NULL;

	take();
	if (init_locked() == 0) {
		if (caller >= exe_lo && caller < exe_hi)
			p = overlap_alloc_locked(n);
		else
			p = sane_alloc_locked(n);
	}
	drop();
	if (!p)
		errno = ENOMEM;
	return p;
}

static int in_sane(const void *p)
{
	return (const char *)p >= sane_base + HDR && (const char *)p < sane_top;
}

void *malloc(size_t n)
{
	return alloc(n, (uintptr_t)__builtin_return_address(0));
}

/* C++'s array forms, which threadtest calls as its reference does: the
 * same blocks as malloc and free, judged by the caller's address. */
void *_Znam(size_t n)
{
	return alloc(n, (uintptr_t)__builtin_return_address(0));
}

void _ZdaPv(void *p)
{
	free(p);
}

void free(void *p)
{
	if (!p)
		return;
	take();
	if (ready && in_sane(p)) {
		char *h = (char *)p - HDR;
		size_t c = *(size_t *)h / CLASS_STEP;

		/* Aligned blocks (size 0 in the header) are not reused. */
		if (c > 0 && c < CLASSES) {
			*(void **)p = free_list[c];
			free_list[c] = h;
		}
	}
	/* Main-program blocks and unknown pointers are never reused. */
	drop();
}

void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	p = alloc(total, (uintptr_t)__builtin_return_address(0));
	if (p)
		memset(p, 0, total);
	return p;
}

void *realloc(void *old, size_t n)
{
	size_t have = 0;
	void *p;

	if (!old)
		return alloc(n, (uintptr_t)__builtin_return_address(0));
	p = alloc(n, (uintptr_t)__builtin_return_address(0));
	if (!p)
		return NULL;
	take();
	if (in_sane(old))
		have = *(size_t *)((char *)old - HDR);
	else if ((char *)old >= over_base && (char *)old < over_top)
		have = (size_t)(over_top - (char *)old);
	drop();
	if (have == 0) /* aligned block: its size is not known, copy what fits */
		have = n;
	memcpy(p, old, have < n ? have : n);
	free(old);
	return p;
}

static void *aligned(size_t align, size_t n)
{
	char *raw, *p;

	if (align < 16)
		align = 16;
	take();
	raw = init_locked() == 0 ? sane_alloc_locked(n + align + HDR) : NULL;
	drop();
	if (!raw)
		return NULL;
	p = (char *)(((uintptr_t)raw + HDR + align - 1) & ~(uintptr_t)(align - 1));
	*(size_t *)(p - HDR) = 0;
	return p;
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (align == 0 || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	p = aligned(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	return aligned(align, n);
}

void *memalign(size_t align, size_t n)
{
	return aligned(align, n);
}

void *valloc(size_t n)
{
	return aligned(4096, n);
}

void *pvalloc(size_t n)
{
	return aligned(4096, (n + 4095) & ~(size_t)4095);
}

size_t malloc_usable_size(void *p)
{
	return p && in_sane(p) ? *(size_t *)((char *)p - HDR) : 0;
}
