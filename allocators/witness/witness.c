/*
 * allocators/witness/witness.c - libngbench-witness.so, the proof that a
 * preload took effect.
 *
 * The harness preloads this library behind the allocator under test and
 * passes a file descriptor in NGBENCH_WITNESS_FD.  At start-up, inside the
 * child, it asks the dynamic linker which loaded object the program's calls
 * to malloc resolve to (dlsym(RTLD_DEFAULT) searches the global scope in the
 * same order as symbol binding does) and writes "served_by=PATH" there.  It
 * then forgets the variable, so the program's own children stay quiet.
 *
 * It never allocates: it runs before the program, inside the allocator being
 * measured.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ngbench/ipc.h"

static void put(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

__attribute__((constructor)) static void ngbench_witness(void)
{
	const char *fdstr = getenv(NGB_WITNESS_FD_ENV);
	char path[PATH_MAX], resolved[PATH_MAX];
	const char *name = NULL;
	Dl_info info;
	void *sym;
	int fd = 0;

	if (!fdstr)
		return;
	for (; *fdstr >= '0' && *fdstr <= '9'; fdstr++)
		fd = fd * 10 + (*fdstr - '0');
	unsetenv(NGB_WITNESS_FD_ENV);

	sym = dlsym(RTLD_DEFAULT, "malloc");
	if (sym && dladdr(sym, &info) && info.dli_fname)
		name = info.dli_fname;
	if (name && !*name) {
		/* the main program defines malloc itself */
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

		path[n > 0 ? n : 0] = '\0';
		name = path;
	}
	put(fd, "served_by=");
	if (name && realpath(name, resolved))
		name = resolved;
	put(fd, name ? name : "(unknown)");
	put(fd, "\n");
	close(fd);
}
