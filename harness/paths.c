/*
 * harness/paths.c - where the harness finds its plugins, workloads, probe and
 * database.
 *
 * Run from the build tree (the executable lives in the configured build
 * folder), it uses the files built there; installed, it uses the directories
 * configure was given.  NGBENCH_PLUGIN_PATH adds plugin folders in front
 * (plugins.c).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int same_dir(const char *exe, const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];
	char *slash;

	if (!realpath(exe, a) || !realpath(dir, b))
		return 0;
	slash = strrchr(a, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return !strcmp(a, b);
}

const struct ngb_paths *ngb_paths(void)
{
	static struct ngb_paths p;
	static int done;
	char exe[PATH_MAX];
	ssize_t n;

	if (done)
		return &p;
	done = 1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	p.build_tree = n > 0 && same_dir(exe, NGB_BUILDDIR);
	if (p.build_tree) {
		p.allocator_dir = xstrdup(NGB_BUILDDIR "/allocators/.libs");
		p.workload_dir = xstrdup(NGB_BUILDDIR "/workloads");
		p.probe = xstrdup(NGB_BUILDDIR "/harness/ngbench-probe");
		p.default_db = xstrdup(NGB_BUILDDIR "/data/ngbench.db");
		p.experiment_dir = xstrdup(NGB_SRCDIR "/data/experiments");
	} else {
		const char *xdg = getenv("XDG_DATA_HOME");
		const char *home = getenv("HOME");

		p.allocator_dir = xstrdup(NGB_PKGLIBDIR "/allocators");
		p.workload_dir = xstrdup(NGB_PKGLIBEXECDIR "/workloads");
		p.probe = xstrdup(NGB_PKGLIBEXECDIR "/ngbench-probe");
		p.experiment_dir = xstrdup(NGB_PKGDATADIR "/experiments");
		if (xdg && *xdg == '/')
			p.default_db = xasprintf("%s/ngbench/ngbench.db", xdg);
		else if (home && *home)
			p.default_db = xasprintf("%s/.local/share/ngbench/ngbench.db", home);
		else
			p.default_db = xstrdup("ngbench.db");
	}
	p.witness = xasprintf("%s/libngbench-witness.so", p.allocator_dir);
	return &p;
}

const char *ngb_db_path(const char *opt)
{
	const char *env = getenv("NGBENCH_DB");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return ngb_paths()->default_db;
}

int make_parent_dir(const char *path)
{
	char *dir = xstrdup(path), *p;
	int rc = 0;

	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
			rc = error("cannot create folder '%s': %s", dir, strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}
