/*
 * allocators/system/mimalloc.c - Microsoft's mimalloc: free-list sharding
 * in pages of per-thread heaps.  The version comes from mi_version().
 */
#include "probe.h"

static const struct ngb_allocator mimalloc = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "mimalloc",
	.summary = "mimalloc: free-list sharding in per-thread heaps (Microsoft)",
	.library = "libmimalloc.so.2",
	.package = "libmimalloc2.0",
	.probe_version = probe_mimalloc_version,
};

NGB_ALLOCATOR_PLUGIN(mimalloc)
