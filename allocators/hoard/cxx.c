/*
 * allocators/hoard/cxx.c - C++ operator new and delete, by their Itanium
 * ABI names, over the Hoard heaps.
 *
 * Without them a C++ program reaches Hoard through libstdc++'s operators:
 * new[] calls new, which calls malloc, and delete[] calls delete, which
 * calls free, two calls through the PLT more per operation than malloc
 * and free themselves.  Here the fast paths of internal.h are inline in
 * each operator.
 *
 * What C cannot do, throwing std::bad_alloc and calling the
 * std::new_handler, is left to libstdc++: when Hoard has no memory, the
 * operator hands the request to the next definition of the same symbol
 * (libstdc++'s, found with dlsym(RTLD_NEXT)), which calls malloc or
 * aligned_alloc (this library's) again, calls the handler between tries
 * and throws (or returns NULL for the nothrow forms), exactly as without
 * these operators.  The exception unwinds through this file's frame with
 * the unwind tables that x86-64 and AArch64 compilers emit for C.
 *
 * The names assume that size_t is unsigned long (mangled "m"), true of
 * every LP64 target; elsewhere this file defines nothing and libstdc++'s
 * operators are used.
 */
#include "config.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

#include "internal.h"

#if defined(__LP64__) && __SIZEOF_LONG__ == 8 && __SIZEOF_SIZE_T__ == 8

/* The next definition of an operator new (libstdc++'s), for the cases it
 * must handle: no memory.  NULL when there is none, which a program that
 * uses operator new cannot be. */
static void *next_op(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static HOARD_NOINLINE void *new_failed(const char *name, size_t size)
{
	void *(*op)(size_t) = (void *(*)(size_t))next_op(name);

	if (!op)
		abort();
	return op(size);
}

static HOARD_NOINLINE void *new_nothrow_failed(const char *name, size_t size, const void *tag)
{
	void *(*op)(size_t, const void *) = (void *(*)(size_t, const void *))next_op(name);

	return op ? op(size, tag) : NULL;
}

static HOARD_NOINLINE void *new_aligned_failed(const char *name, size_t size, size_t align)
{
	void *(*op)(size_t, size_t) = (void *(*)(size_t, size_t))next_op(name);

	if (!op)
		abort();
	return op(size, align);
}

static HOARD_NOINLINE void *new_aligned_nothrow_failed(const char *name, size_t size,
							size_t align, const void *tag)
{
	void *(*op)(size_t, size_t, const void *) =
		(void *(*)(size_t, size_t, const void *))next_op(name);

	return op ? op(size, align, tag) : NULL;
}

/* A miss of operator new's fast path, out of line so that the fast path
 * ends in a jump, not a call that would need a stack frame. */
static HOARD_NOINLINE void *new_slow(const char *name, size_t size)
{
	void *p = hoard_alloc_slow(size);

	return HOARD_LIKELY(p != NULL) ? p : new_failed(name, size);
}

/* One operator new of each kind: the inline malloc fast path, then the
 * next definition when Hoard has no memory. */
#define HOARD_NEW(sym)                                          \
	HOARD_EXPORT void *sym(size_t size);                    \
	void *sym(size_t size)                                  \
	{                                                       \
		void *p = hoard_malloc_cached(size);            \
		if (HOARD_LIKELY(p != NULL))                    \
			return p;                               \
		return new_slow(#sym, size);                    \
	}

#define HOARD_NEW_NOTHROW(sym)                                  \
	HOARD_EXPORT void *sym(size_t size, const void *tag);   \
	void *sym(size_t size, const void *tag)                 \
	{                                                       \
		void *p = hoard_malloc(size);                   \
		if (HOARD_LIKELY(p != NULL))                    \
			return p;                               \
		return new_nothrow_failed(#sym, size, tag);     \
	}

#define HOARD_NEW_ALIGNED(sym)                                  \
	HOARD_EXPORT void *sym(size_t size, size_t align);      \
	void *sym(size_t size, size_t align)                    \
	{                                                       \
		void *p = hoard_alloc(size, align);             \
		if (HOARD_LIKELY(p != NULL))                    \
			return p;                               \
		return new_aligned_failed(#sym, size, align);   \
	}

#define HOARD_NEW_ALIGNED_NOTHROW(sym)                                      \
	HOARD_EXPORT void *sym(size_t size, size_t align, const void *tag); \
	void *sym(size_t size, size_t align, const void *tag)               \
	{                                                                   \
		void *p = hoard_alloc(size, align);                         \
		if (HOARD_LIKELY(p != NULL))                                \
			return p;                                           \
		return new_aligned_nothrow_failed(#sym, size, align, tag);  \
	}

/* Every operator delete is free: Hoard finds a block's size and alignment
 * from its superblock, so the sized and aligned forms ignore theirs. */
static inline void delete_block(void *p)
{
	hoard_free(p);	/* NULL included: see free */
}

#define HOARD_UNUSED __attribute__((unused))
#define HOARD_DELETE(sym)                               \
	HOARD_EXPORT void sym(void *p);                 \
	void sym(void *p)                               \
	{                                               \
		delete_block(p);                        \
	}
#define HOARD_DELETE2(sym, T)                           \
	HOARD_EXPORT void sym(void *p, T);              \
	void sym(void *p, T a HOARD_UNUSED)             \
	{                                               \
		delete_block(p);                        \
	}
#define HOARD_DELETE3(sym, T, U)                        \
	HOARD_EXPORT void sym(void *p, T, U);           \
	void sym(void *p, T a HOARD_UNUSED, U b HOARD_UNUSED) \
	{                                               \
		delete_block(p);                        \
	}

HOARD_NEW(_Znwm)			/* new(size_t) */
HOARD_NEW(_Znam)			/* new[](size_t) */
HOARD_NEW_NOTHROW(_ZnwmRKSt9nothrow_t)	/* new(size_t, nothrow_t) */
HOARD_NEW_NOTHROW(_ZnamRKSt9nothrow_t)
HOARD_NEW_ALIGNED(_ZnwmSt11align_val_t)	/* new(size_t, align_val_t) */
HOARD_NEW_ALIGNED(_ZnamSt11align_val_t)
HOARD_NEW_ALIGNED_NOTHROW(_ZnwmSt11align_val_tRKSt9nothrow_t)
HOARD_NEW_ALIGNED_NOTHROW(_ZnamSt11align_val_tRKSt9nothrow_t)

HOARD_DELETE(_ZdlPv)				/* delete(void *) */
HOARD_DELETE(_ZdaPv)				/* delete[](void *) */
HOARD_DELETE2(_ZdlPvm, size_t)			/* sized */
HOARD_DELETE2(_ZdaPvm, size_t)
HOARD_DELETE2(_ZdlPvRKSt9nothrow_t, const void *)	/* nothrow */
HOARD_DELETE2(_ZdaPvRKSt9nothrow_t, const void *)
HOARD_DELETE2(_ZdlPvSt11align_val_t, size_t)	/* aligned */
HOARD_DELETE2(_ZdaPvSt11align_val_t, size_t)
HOARD_DELETE3(_ZdlPvmSt11align_val_t, size_t, size_t)
HOARD_DELETE3(_ZdaPvmSt11align_val_t, size_t, size_t)
HOARD_DELETE3(_ZdlPvSt11align_val_tRKSt9nothrow_t, size_t, const void *)
HOARD_DELETE3(_ZdaPvSt11align_val_tRKSt9nothrow_t, size_t, const void *)

#endif
