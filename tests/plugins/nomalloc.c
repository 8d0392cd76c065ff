/* tests/plugins/nomalloc.c - a plugin whose library loads but does not define malloc. */
#include "ngbench/allocator.h"

static const struct ngb_allocator nomalloc = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "test-nomalloc",
	.summary = "test plugin whose library does not replace malloc",
	.library = "./libtestnomalloc.so",
};

NGB_ALLOCATOR_PLUGIN(nomalloc)
