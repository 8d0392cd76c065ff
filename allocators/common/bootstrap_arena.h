/*
 * allocators/common/bootstrap_arena.h - the memory an interposing library
 * hands out before it has found the next malloc (dlsym(RTLD_NEXT, ...)
 * allocates while it resolves the entry points, so those calls cannot go
 * to the library that is being looked up).  Used by the profiling shim
 * (allocators/profile/shim.c) and the trace recorder
 * (allocators/trace/recorder.c); each library that includes it has its
 * own arena.
 *
 * A static 64 KiB arena, bumped with one compare-and-swap, never freed:
 * a handful of small blocks are asked for at start-up.  Each block has its
 * size in the 16 bytes before it (for realloc and malloc_usable_size), and
 * the bytes after a block up to the next one stay zero.  No libc
 * allocator is called.
 */
#ifndef NGBENCH_ALLOCATORS_BOOTSTRAP_ARENA_H
#define NGBENCH_ALLOCATORS_BOOTSTRAP_ARENA_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARENA_BYTES (64 * 1024)
static _Alignas(64) unsigned char arena[ARENA_BYTES];
static atomic_size_t arena_used;

static inline int in_arena(const void *p)
{
	return (uintptr_t)p - (uintptr_t)arena < ARENA_BYTES;
}

/* n bytes aligned to align (at most 4096), or NULL when the arena is full. */
static inline void *arena_alloc(size_t n, size_t align)
{
	size_t off, start, end;

	if (align < 16)
		align = 16;
	if (align > 4096 || n > ARENA_BYTES)
		return NULL;
	off = atomic_load_explicit(&arena_used, memory_order_relaxed);
	do {
		start = (off + 16 + align - 1) & ~(align - 1);
		end = start + ((n + 15) & ~(size_t)15);
		if (end > ARENA_BYTES)
			return NULL;
	} while (!atomic_compare_exchange_weak_explicit(&arena_used, &off, end,
							memory_order_relaxed, memory_order_relaxed));
	memcpy(arena + start - 16, &n, sizeof(n));
	return arena + start;
}

/* The size a block of the arena was asked with. */
static inline size_t arena_size(const void *p)
{
	size_t n;

	memcpy(&n, (const unsigned char *)p - 16, sizeof(n));
	return n;
}

#endif /* NGBENCH_ALLOCATORS_BOOTSTRAP_ARENA_H */
