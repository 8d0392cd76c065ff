/* tests/plugins/badabi.c - a plugin built for another ABI version. */
#include "ngbench/allocator.h"

static const struct ngb_allocator badabi = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION + 98,
	.name = "test-badabi",
	.summary = "test plugin of a future ABI",
};

NGB_ALLOCATOR_PLUGIN(badabi)
