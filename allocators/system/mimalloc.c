/*
 * allocators/system/mimalloc.c - Microsoft's mimalloc: free-list sharding
 * in pages of per-thread heaps.  mi_version() returns e.g. 209 for 2.0.9.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "ngbench/allocator.h"

typedef int (*mi_version_fn)(void);

static int mimalloc_version(char *buf, size_t len)
{
	mi_version_fn mi_version = (mi_version_fn)dlsym(RTLD_DEFAULT, "mi_version");
	int v;

	if (!mi_version)
		return -ENOENT;
	v = mi_version();
	snprintf(buf, len, "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
	return 0;
}

static const struct ngb_allocator mimalloc = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "mimalloc",
	.summary = "mimalloc: free-list sharding in per-thread heaps (Microsoft)",
	.library = "libmimalloc.so.2",
	.package = "libmimalloc2.0",
	.probe_version = mimalloc_version,
};

NGB_ALLOCATOR_PLUGIN(mimalloc)
