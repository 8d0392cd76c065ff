/*
 * allocators/nextgen/plugin.c - the ngbench plugins of libnextgen.
 *
 * One source, built four times: NGM_PLUGIN_VARIANT selects the protocol
 * and base of the allocator that the descriptor names (see the README).
 * The library is the same for all four; the environment picks the
 * variant, so that they appear side by side in reports.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "ngbench/allocator.h"

#define NGM_ASYNC_OWN 1
#define NGM_SYNC_OWN 2
#define NGM_ASYNC_GLIBC 3
#define NGM_PAPER_OWN 4

#if NGM_PLUGIN_VARIANT == NGM_ASYNC_OWN
#define NGM_NAME "nextgen"
#define NGM_SUMMARY "NextGen-Malloc offload: local reuse, pre-allocated stocks, batched frees, own heap"
#define NGM_MODE "async"
#define NGM_BASE "own"
#elif NGM_PLUGIN_VARIANT == NGM_SYNC_OWN
#define NGM_NAME "nextgen-sync"
#define NGM_SUMMARY "NextGen-Malloc offload, fully synchronous: malloc and free both wait (own heap)"
#define NGM_MODE "sync"
#define NGM_BASE "own"
#elif NGM_PLUGIN_VARIANT == NGM_ASYNC_GLIBC
#define NGM_NAME "nextgen-glibc"
#define NGM_SUMMARY "NextGen-Malloc offload with glibc's malloc on the server thread (MMT)"
#define NGM_MODE "async"
#define NGM_BASE "glibc"
#elif NGM_PLUGIN_VARIANT == NGM_PAPER_OWN
#define NGM_NAME "nextgen-paper"
#define NGM_SUMMARY "NextGen-Malloc's protocol as published: malloc waits, free is asynchronous (own heap)"
#define NGM_MODE "paper"
#define NGM_BASE "own"
#else
#error "NGM_PLUGIN_VARIANT must be 1 to 4"
#endif

static const char *const env[] = {
	"NGMALLOC_MODE=" NGM_MODE,
	"NGMALLOC_BASE=" NGM_BASE,
	NULL,
};

/* Runs in ngbench-probe, with libnextgen preloaded. */
static int probe_version(char *buf, size_t len)
{
	const char *v = dlsym(RTLD_DEFAULT, "ngmalloc_version");

	if (!v)
		return -ENOENT;
	if ((size_t)snprintf(buf, len, "%s", v) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static const struct ngb_allocator desc = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION,
	.name = NGM_NAME,
	.summary = NGM_SUMMARY,
	.library = "./libnextgen.so",
	.package = NULL,
	.env = env,
	.probe_version = probe_version,
	.stats_env = "NGMALLOC_STATS",
};

NGB_ALLOCATOR_PLUGIN(desc)
