/*
 * allocators/system/probe.h - what the system allocator plugins share: the
 * version probe of each family of library, which asks the library itself
 * (probe_version runs in ngbench-probe with the library preloaded, see
 * include/ngbench/allocator.h).  A plugin for another build of a known
 * family (gperftools' full tcmalloc, say) is a descriptor that names its
 * library and package and picks its probe here.
 *
 * configure and build-aux/install-deps.sh read the '.name', '.library' and
 * '.package' lines of every allocators/system/NAME.c: keep each a string
 * literal on a line of its own, as in '.package = "libjemalloc2",'.
 */
#ifndef NGBENCH_SYSTEM_PROBE_H
#define NGBENCH_SYSTEM_PROBE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>

#include "ngbench/allocator.h"

/* The C library's malloc: its version is the C library's. */
static inline int probe_glibc_version(char *buf, size_t len)
{
	snprintf(buf, len, "glibc %s", gnu_get_libc_version());
	return 0;
}

/* jemalloc: mallctl("version"), e.g. "5.3.0-0-g54eaed1d...". */
static inline int probe_jemalloc_version(char *buf, size_t len)
{
	typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
	mallctl_fn mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
	const char *v = NULL;
	size_t sz = sizeof(v);

	if (!mallctl || mallctl("version", &v, &sz, NULL, 0) != 0 || !v)
		return -ENOENT;
	snprintf(buf, len, "%s", v);
	return 0;
}

/* gperftools' TCMalloc, any build: tc_version(), e.g. "gperftools 2.10". */
static inline int probe_tcmalloc_version(char *buf, size_t len)
{
	typedef const char *(*tc_version_fn)(int *, int *, const char **);
	tc_version_fn tc_version = (tc_version_fn)dlsym(RTLD_DEFAULT, "tc_version");
	const char *patch = NULL, *s;
	int major = 0, minor = 0;

	if (!tc_version || !(s = tc_version(&major, &minor, &patch)))
		return -ENOENT;
	snprintf(buf, len, "%s", s);
	return 0;
}

/* mimalloc: mi_version() returns e.g. 209 for 2.0.9. */
static inline int probe_mimalloc_version(char *buf, size_t len)
{
	int (*mi_version)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "mi_version");
	int v;

	if (!mi_version)
		return -ENOENT;
	v = mi_version();
	snprintf(buf, len, "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
	return 0;
}

#endif /* NGBENCH_SYSTEM_PROBE_H */
