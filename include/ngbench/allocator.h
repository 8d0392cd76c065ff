/*
 * ngbench/allocator.h - the allocator plugin ABI.
 *
 * An allocator backend is a small shared object that the harness dlopen()s.
 * It exports one function, ngb_allocator_plugin(), that returns a
 * descriptor.  The harness checks abi_version before it reads anything else.
 *
 * The allocator itself never runs in the harness: the descriptor only says
 * which library to preload into the child (LD_PRELOAD) and which knobs to put
 * in its environment.  probe_version() and probe_stats() are called by the
 * ngbench-probe helper, a child process in which the allocator is already
 * preloaded, never by the harness.
 */
#ifndef NGBENCH_ALLOCATOR_H
#define NGBENCH_ALLOCATOR_H

#include <stddef.h>

#define NGB_ALLOCATOR_ABI_VERSION 1

/* The name of the function every plugin exports. */
#define NGB_ALLOCATOR_SYMBOL "ngb_allocator_plugin"

struct ngb_allocator {
	/* NGB_ALLOCATOR_ABI_VERSION at the time the plugin was built. */
	unsigned abi_version;
	/* Short name used on the command line: [a-z0-9-]+. */
	const char *name;
	/* One line, no final full stop. */
	const char *summary;
	/*
	 * The library to preload.  NULL: none (the C library's malloc).
	 * A name without '/' is a soname found by the dynamic linker's
	 * search (e.g. "libjemalloc.so.2"); a name starting with "./" is
	 * relative to the directory the plugin was loaded from (this
	 * project's own allocators, built beside their plugins).
	 */
	const char *library;
	/* The Debian package that provides the library, for the fix hint. */
	const char *package;
	/* NULL-terminated list of "NAME=VALUE" set in the child, or NULL. */
	const char *const *env;
	/*
	 * Runs inside ngbench-probe with the allocator preloaded: writes the
	 * allocator's own idea of its version (NUL-terminated) into buf.
	 * Returns 0, or a negative errno when the version cannot be told.
	 * NULL: the probe reports no version.
	 */
	int (*probe_version)(char *buf, size_t len);
	/*
	 * For allocators that can report statistics at exit: the name of the
	 * environment variable that tells the allocator library where to
	 * write them.  The harness points it at a private file for each
	 * trial; the library writes lines "key=value" (key: [a-z0-9_.]+,
	 * value: a number) and the harness stores them with the trial as
	 * "alloc.<key>".  NULL: no statistics.
	 */
	const char *stats_env;
};

typedef const struct ngb_allocator *(*ngb_allocator_plugin_fn)(void);

/* In a plugin source file: NGB_ALLOCATOR_PLUGIN(my_descriptor); */
#define NGB_ALLOCATOR_PLUGIN(desc)                                           \
	const struct ngb_allocator *ngb_allocator_plugin(void);              \
	__attribute__((visibility("default")))                               \
	const struct ngb_allocator *ngb_allocator_plugin(void)               \
	{                                                                    \
		return &(desc);                                              \
	}

#endif /* NGBENCH_ALLOCATOR_H */
