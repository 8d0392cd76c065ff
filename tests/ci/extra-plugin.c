/*
 * tests/ci/extra-plugin.c - a test allocator plugin for the CI gate:
 * glibc's malloc behind a library that executes NGBENCH_TEST_EXTRA_INSNS
 * extra instructions per malloc (libtestextra.c), so that a known increase
 * of the simulated instruction count can be made and must be found.
 */
#include <stdio.h>

#include "ngbench/allocator.h"

/* Run with the library preloaded: glibc's malloc serves it. */
static int extra_version(char *buf, size_t len)
{
	return snprintf(buf, len, "test 1 (glibc malloc)") < (int)len ? 0 : -1;
}

static const struct ngb_allocator extra = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "test-extra",
	.summary = "glibc malloc plus NGBENCH_TEST_EXTRA_INSNS instructions per malloc (tests only)",
	.library = "./libtestextra.so",
	.probe_version = extra_version,
};

NGB_ALLOCATOR_PLUGIN(extra)
