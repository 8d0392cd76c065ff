/*
 * allocators/system/tcmalloc.c - gperftools' TCMalloc, the minimal build
 * (no heap profiler or checker hooks), as benchmarks usually take it.  The
 * version comes from tc_version().
 */
#include "probe.h"

static const struct ngb_allocator tcmalloc = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "tcmalloc",
	.summary = "gperftools TCMalloc (minimal): per-thread caches over a central page heap",
	.library = "libtcmalloc_minimal.so.4",
	.package = "libtcmalloc-minimal4",
	.probe_version = probe_tcmalloc_version,
};

NGB_ALLOCATOR_PLUGIN(tcmalloc)
