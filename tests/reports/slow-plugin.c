/*
 * tests/reports/slow-plugin.c - a test allocator plugin for 'ngbench
 * compare': glibc's malloc behind a library that does extra work per call
 * (NGBENCH_TEST_SLOW_SPINS iterations), so that a known slowdown can be
 * measured and must be found.
 */
#include "ngbench/allocator.h"

static const struct ngb_allocator slow = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "test-slow",
	.summary = "glibc malloc with NGBENCH_TEST_SLOW_SPINS busy iterations per malloc (tests only)",
	.library = "./libtestslow.so",
};

NGB_ALLOCATOR_PLUGIN(slow)
