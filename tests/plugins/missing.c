/* tests/plugins/missing.c - a plugin whose library is not installed. */
#include "ngbench/allocator.h"

static const struct ngb_allocator missing = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "test-missing",
	.summary = "test plugin whose library does not exist",
	.library = "libngbench-test-missing.so.9",
	.package = "ngbench-test-missing-pkg",
};

NGB_ALLOCATOR_PLUGIN(missing)
