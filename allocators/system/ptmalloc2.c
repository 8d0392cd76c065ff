/*
 * allocators/system/ptmalloc2.c - the C library's own malloc (glibc's
 * ptmalloc2): nothing to preload; its version is the C library's.
 */
#include "probe.h"

static const struct ngb_allocator ptmalloc2 = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "ptmalloc2",
	.summary = "the GNU C library's malloc (ptmalloc2): the baseline, nothing preloaded",
	.library = NULL,
	.package = "libc6",
	.probe_version = probe_glibc_version,
};

NGB_ALLOCATOR_PLUGIN(ptmalloc2)
