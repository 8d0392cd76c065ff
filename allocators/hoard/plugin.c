/*
 * allocators/hoard/plugin.c - the ngbench plugin for this project's Hoard.
 *
 * The library, libhoard.so, is built beside this plugin; the harness
 * preloads it into the trial's child.  probe_version() runs in
 * ngbench-probe with libhoard preloaded and asks the library itself.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "ngbench/allocator.h"

static int hoard_probe_version(char *buf, size_t len)
{
	const char *(*version)(void);
	const char *v;

	if (!buf || len == 0)
		return -EINVAL;
	*(void **)&version = dlsym(RTLD_DEFAULT, "hoard_version");
	if (!version)
		return -ENOENT;
	v = version();
	if (!v || strlen(v) >= len)
		return -ERANGE;
	memcpy(buf, v, strlen(v) + 1);
	return 0;
}

static const struct ngb_allocator hoard_allocator = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = "hoard",
	.summary = "Hoard (Berger et al., ASPLOS 2000): per-processor heaps, a global heap, bounded blowup",
	.library = "./libhoard.so",
	.package = NULL,
	.env = NULL,
	.probe_version = hoard_probe_version,
	.stats_env = "HOARD_STATS",
};

NGB_ALLOCATOR_PLUGIN(hoard_allocator)
