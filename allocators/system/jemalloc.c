/*
 * allocators/system/jemalloc.c - jemalloc as Debian packages it (unprefixed
 * symbols).  The version comes from jemalloc itself: mallctl("version").
 */
#include "probe.h"

static const struct ngb_allocator jemalloc = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "jemalloc",
	.summary = "jemalloc: size-class arenas with thread caches (FreeBSD, Meta)",
	.library = "libjemalloc.so.2",
	.package = "libjemalloc2",
	.probe_version = probe_jemalloc_version,
};

NGB_ALLOCATOR_PLUGIN(jemalloc)
