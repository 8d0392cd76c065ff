/*
 * allocators/system/ptmalloc2.c - the C library's own malloc (glibc's
 * ptmalloc2): nothing to preload; its version is the C library's.
 */
#include <gnu/libc-version.h>
#include <stdio.h>

#include "ngbench/allocator.h"

static int ptmalloc2_version(char *buf, size_t len)
{
	snprintf(buf, len, "glibc %s", gnu_get_libc_version());
	return 0;
}

static const struct ngb_allocator ptmalloc2 = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "ptmalloc2",
	.summary = "the GNU C library's malloc (ptmalloc2): the baseline, nothing preloaded",
	.library = NULL,
	.package = "libc6",
	.probe_version = ptmalloc2_version,
};

NGB_ALLOCATOR_PLUGIN(ptmalloc2)
