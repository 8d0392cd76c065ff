/*
 * allocators/system/tcmalloc.c - gperftools' TCMalloc, the minimal build
 * (no heap profiler or checker hooks), as benchmarks usually take it.  The
 * version comes from tc_version().
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "ngbench/allocator.h"

typedef const char *(*tc_version_fn)(int *, int *, const char **);

static int tcmalloc_version(char *buf, size_t len)
{
	tc_version_fn tc_version = (tc_version_fn)dlsym(RTLD_DEFAULT, "tc_version");
	const char *patch = NULL, *s;
	int major = 0, minor = 0;

	if (!tc_version || !(s = tc_version(&major, &minor, &patch)))
		return -ENOENT;
	snprintf(buf, len, "%s", s);
	return 0;
}

static const struct ngb_allocator tcmalloc = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "tcmalloc",
	.summary = "gperftools TCMalloc (minimal): per-thread caches over a central page heap",
	.library = "libtcmalloc_minimal.so.4",
	.package = "libtcmalloc-minimal4",
	.probe_version = tcmalloc_version,
};

NGB_ALLOCATOR_PLUGIN(tcmalloc)
