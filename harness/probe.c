/*
 * harness/probe.c - ngbench-probe: runs as a child with an allocator
 * preloaded and tells the harness what it sees from inside.
 *
 *   ngbench-probe [--plugin PATH] [--library NAME]
 *
 * prints key=value lines on stdout:
 *   served_by=PATH     the loaded object that the program's malloc resolves to
 *   library=PATH       where the preloaded library NAME was found (with --library)
 *   library_error=...  NAME is not loaded (the dynamic linker could not preload it)
 *   version=TEXT       the plugin's probe_version(), run here, inside the child
 *   version_error=...  why the version could not be told
 *   malloc_ok=1        a malloc/free round trip worked
 *
 * It is never built with sanitizers: it runs with other allocators preloaded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngbench/allocator.h"

static void print_served_by(void)
{
	char resolved[PATH_MAX];
	void *sym = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info info;
	const char *name = NULL;

	if (sym && dladdr(sym, &info) && info.dli_fname && *info.dli_fname)
		name = info.dli_fname;
	if (name && realpath(name, resolved))
		name = resolved;
	printf("served_by=%s\n", name ? name : "(the program itself)");
}

static void print_library(const char *lib)
{
	char resolved[PATH_MAX];
	struct link_map *lm = NULL;
	void *h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);

	if (!h) {
		printf("library_error=%s is not loaded\n", lib);
		return;
	}
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name) {
		const char *name = lm->l_name;

		if (realpath(name, resolved))
			name = resolved;
		printf("library=%s\n", name);
	}
	dlclose(h);
}

static void print_version(const char *plugin)
{
	void *h = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
	ngb_allocator_plugin_fn fn;
	const struct ngb_allocator *a;
	char buf[256] = "";
	int rc;

	if (!h) {
		printf("version_error=cannot load the plugin: %s\n", dlerror());
		return;
	}
	fn = (ngb_allocator_plugin_fn)dlsym(h, NGB_ALLOCATOR_SYMBOL);
	a = fn ? fn() : NULL;
	if (!a || a->abi_version != NGB_ALLOCATOR_ABI_VERSION) {
		printf("version_error=the plugin has no descriptor of ABI version %d\n",
		       NGB_ALLOCATOR_ABI_VERSION);
		return;
	}
	if (!a->probe_version) {
		printf("version_error=the plugin has no version probe\n");
		return;
	}
	rc = a->probe_version(buf, sizeof(buf));
	if (rc == 0 && buf[0])
		printf("version=%s\n", buf);
	else
		printf("version_error=the allocator did not tell its version\n");
}

int main(int argc, char **argv)
{
	const char *plugin = NULL, *library = NULL;
	void *p;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--plugin") && i + 1 < argc)
			plugin = argv[++i];
		else if (!strcmp(argv[i], "--library") && i + 1 < argc)
			library = argv[++i];
		else {
			fprintf(stderr, "usage: ngbench-probe [--plugin PATH] [--library NAME]\n");
			return 2;
		}
	}
	p = malloc(100);
	if (p) {
		memset(p, 1, 100);
		free(p);
		printf("malloc_ok=1\n");
	}
	print_served_by();
	if (library)
		print_library(library);
	if (plugin)
		print_version(plugin);
	return 0;
}
