/*
 * allocators/system/jemalloc.c - jemalloc as Debian packages it (unprefixed
 * symbols).  The version comes from jemalloc itself: mallctl("version").
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "ngbench/allocator.h"

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static int jemalloc_version(char *buf, size_t len)
{
	mallctl_fn mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
	const char *v = NULL;
	size_t sz = sizeof(v);

	if (!mallctl || mallctl("version", &v, &sz, NULL, 0) != 0 || !v)
		return -ENOENT;
	snprintf(buf, len, "%s", v);
	return 0;
}

static const struct ngb_allocator jemalloc = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "jemalloc",
	.summary = "jemalloc: size-class arenas with thread caches (FreeBSD, Meta)",
	.library = "libjemalloc.so.2",
	.package = "libjemalloc2",
	.probe_version = jemalloc_version,
};

NGB_ALLOCATOR_PLUGIN(jemalloc)
