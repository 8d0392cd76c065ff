/*
 * tests/ci/extra-plugin.c - a test allocator plugin for the CI gate:
 * glibc's malloc behind a library that executes NGBENCH_TEST_EXTRA_INSNS
 * extra instructions per malloc (libtestextra.c), so that a known increase
 * of the simulated instruction count can be made and must be found.
 */
#include "ngbench/allocator.h"

static const struct ngb_allocator extra = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "test-extra",
	.summary = "glibc malloc plus NGBENCH_TEST_EXTRA_INSNS instructions per malloc (tests only)",
	.library = "./libtestextra.so",
};

NGB_ALLOCATOR_PLUGIN(extra)
