/*
 * harness/plugins.c - discovers the allocator plugins and probes them.
 *
 * A plugin is a file NAME.so in a plugin folder (NGBENCH_PLUGIN_PATH, then
 * the allocator folder of the build tree or of the installation).  Files
 * named lib*.so in those folders are allocator libraries, never loaded here.
 * A plugin's descriptor is read in a child process (plugin_describe.c), so a
 * plugin whose code crashes, exits or hangs when loaded is listed as
 * unavailable with the reason and never takes ngbench down.  An outside
 * plugin with the name of one of ngbench's own is refused, and the name is
 * unavailable until one of them is renamed; of two outside plugins of one
 * name the first in NGBENCH_PLUGIN_PATH's order is used, with a warning
 * that names both files: nothing is replaced silently.
 *
 * Whether an allocator is available is found out by ngbench-probe, run as a
 * child with the allocator preloaded: it reports where the dynamic linker
 * found the library, which object serves malloc and the allocator's own
 * version.  Nothing of the allocator runs in the harness (DESIGN.md,
 * principle 1).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* Built-in backends come first in listings, in this order. */
static const char *const preferred_order[] = {
	"ptmalloc2", "jemalloc", "tcmalloc", "mimalloc", "hoard", "nextgen", "nextgen-sync",
	"nextgen-glibc",
};

static int rank(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(preferred_order) / sizeof(preferred_order[0]); i++)
		if (!strcmp(name, preferred_order[i]))
			return (int)i;
	return 1000;
}

static int cmp_allocators(const void *pa, const void *pb)
{
	const struct allocator *a = *(struct allocator *const *)pa;
	const struct allocator *b = *(struct allocator *const *)pb;
	int ra = rank(a->name), rb = rank(b->name);

	return ra != rb ? ra - rb : strcmp(a->name, b->name);
}

int allocator_name_valid(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.", *s))
			return 0;
	return 1;
}

/* The plugin files NAME.so (not lib*.so) of a folder, in name order. */
static void scan_dir(struct strvec *paths, const char *dir)
{
	struct dirent **ents = NULL;
	int n, i;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		const char *f = ents[i]->d_name;
		size_t len = strlen(f);

		if (len >= 4 && !strcmp(f + len - 3, ".so") && strncmp(f, "lib", 3))
			strvec_pushf(paths, "%s/%s", dir, f);
		free(ents[i]);
	}
	free(ents);
}

static int same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return !strcmp(a, b) ||
	       (!stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/*
 * A plugin whose code crashed, exited or hung while it was loaded: listed
 * as unavailable under its file's name (NAME.so), so that it is seen where
 * the allocators are; NULL (a warning instead) if that is no valid name.
 * Takes reason.
 */
static struct allocator *faulted_plugin(const char *path, char *reason)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *name = xstrdup(base);
	struct allocator *a;

	name[strlen(name) - 3] = '\0'; /* ".so" */
	if (!allocator_name_valid(name)) {
		free(name);
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->name = name;
	a->summary = xstrdup("a plugin that could not be read");
	a->plugin_path = xstrdup(path);
	a->probed = 1;
	a->available = 0;
	a->reason = reason;
	a->fix = xasprintf("fix or remove the plugin '%s'", path);
	return a;
}

void allocators_discover(struct allocator_list *list)
{
	const char *env = getenv(NGB_PLUGIN_PATH_ENV);
	const char *own = ngb_paths()->allocator_dir;
	struct strvec dirs = STRVEC_INIT, paths = STRVEC_INIT;
	struct described *found;
	size_t i, first_own;

	memset(list, 0, sizeof(*list));
	if (env)
		strvec_split(&dirs, env, ':');
	for (i = 0; i < dirs.n; i++)
		if (*dirs.v[i] && !same_dir(dirs.v[i], own))
			scan_dir(&paths, dirs.v[i]);
	first_own = paths.n;
	scan_dir(&paths, own);
	strvec_clear(&dirs);

	found = xcalloc(paths.n ? paths.n : 1, sizeof(*found));
	describe_plugins(&paths, found);
	for (i = 0; i < paths.n; i++) {
		struct allocator *a = found[i].a, *other;

		if (found[i].faulted)
			a = faulted_plugin(paths.v[i], found[i].error);
		if (found[i].error && !a) {
			strvec_push(&list->load_errors, found[i].error);
			free(found[i].error);
			continue;
		}
		if (!a)
			continue;
		other = allocator_find(list, a->name);
		if (other && i >= first_own) {
			/* an outside plugin took a built-in's name: neither runs */
			size_t k;

			strvec_pushf(&list->load_errors, "plugin '%s' is named '%s' like ngbench's "
				     "own '%s': it is refused; rename or remove it", other->plugin_path,
				     a->name, a->plugin_path);
			a->reason = xasprintf("the plugin '%s' has the name of ngbench's own '%s', "
					      "so which one is meant is unclear",
					      other->plugin_path, a->plugin_path);
			a->fix = xasprintf("rename or remove '%s'", other->plugin_path);
			a->probed = 1;
			a->available = 0;
			for (k = 0; list->v[k] != other; k++)
				;
			list->v[k] = a;
			allocator_free(other);
			continue;
		}
		if (other) {
			/* two outside plugins of one name: the earlier folder wins, loudly */
			strvec_pushf(&list->load_errors, "plugins '%s' and '%s' are both named "
				     "'%s': '%s' is used, the first in $%s; rename or remove "
				     "the other", other->plugin_path, a->plugin_path, a->name,
				     other->plugin_path, NGB_PLUGIN_PATH_ENV);
			allocator_free(a);
			continue;
		}
		list->v = xrealloc(list->v, (list->n + 1) * sizeof(*list->v));
		list->v[list->n++] = a;
	}
	free(found);
	strvec_clear(&paths);
	if (list->n)
		qsort(list->v, list->n, sizeof(*list->v), cmp_allocators);
}

struct allocator *allocator_find(struct allocator_list *list, const char *name)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (!strcmp(list->v[i]->name, name))
			return list->v[i];
	return NULL;
}

int library_path_check(const char *path, int in_list, char **why)
{
	struct stat st;
	unsigned char magic[4];
	ssize_t n;
	int fd;

	if (stat(path, &st)) {
		*why = xasprintf("cannot read malloc library '%s': %s%s", path, strerror(errno),
				 in_list ? " (--allocator splits its list at commas, so a library "
					   "path cannot hold one: link it from a path without)" : "");
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		*why = xasprintf("'%s' is a folder: give the path of a malloc library (.so)", path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = xasprintf("cannot read malloc library '%s': %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, "\177ELF", 4)) {
		*why = xasprintf("'%s' is not a shared library (no ELF header): give the path of "
				 "a malloc library (.so)", path);
		return -1;
	}
	/* ld.so splits LD_PRELOAD at spaces and colons (elf/rtld.c) */
	if (strpbrk(path, " :")) {
		*why = xasprintf("'%s' holds a %s, which separates libraries in LD_PRELOAD, so "
				 "it cannot be preloaded: link it from a path without "
				 "(ln -s '%s' /tmp/lib.so)", path, strchr(path, ' ') ? "space" : "colon",
				 path);
		return -1;
	}
	return 0;
}

struct allocator *allocator_from_library(const char *path, const char *name)
{
	struct allocator *a = xcalloc(1, sizeof(*a));
	char resolved[PATH_MAX];

	a->name = xstrdup(name);
	a->summary = xstrdup("a malloc library given by path");
	a->library_spec = xstrdup(path);
	a->library = xstrdup(realpath(path, resolved) ? resolved : path);
	return a;
}

static int valid_env_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_", s[i]))
			return 0;
	return 1;
}

struct allocator *allocator_variant(struct allocator_list *list, const char *spec, char **why)
{
	struct strvec knobs = STRVEC_INIT;
	struct allocator *base, *a;
	char *name = strndup(spec, strcspn(spec, "+"));
	size_t i;

	if (!name)
		die("out of memory");
	base = allocator_find(list, name);
	if (!base) {
		*why = xasprintf("unknown allocator '%s' in '%s': 'ngbench list allocators' shows "
				 "them", name, spec);
		free(name);
		return NULL;
	}
	free(name);
	strvec_split(&knobs, strchr(spec, '+') + 1, '+');
	for (i = 0; i < knobs.n; i++) {
		const char *eq = strchr(knobs.v[i], '=');

		if (!eq || !valid_env_name(knobs.v[i], (size_t)(eq - knobs.v[i]))) {
			*why = xasprintf("'%s' in '%s' is not VAR=VALUE (a variant is "
					 "NAME+VAR=VALUE[+VAR=VALUE...])", knobs.v[i], spec);
			strvec_clear(&knobs);
			return NULL;
		}
	}
	if (!knobs.n) {
		*why = xasprintf("'%s' names no VAR=VALUE after '+'", spec);
		return NULL;
	}
	allocator_probe(base);
	if (!base->available) {
		*why = xasprintf("allocator '%s' is unavailable: %s", base->name, base->reason);
		strvec_clear(&knobs);
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->name = xstrdup(spec);
	a->summary = xasprintf("%s, with %s", base->summary, strchr(spec, '+') + 1);
	a->plugin_path = base->plugin_path ? xstrdup(base->plugin_path) : NULL;
	a->library = base->library ? xstrdup(base->library) : NULL;
	a->library_spec = base->library_spec ? xstrdup(base->library_spec) : NULL;
	a->package = base->package ? xstrdup(base->package) : NULL;
	a->stats_env = base->stats_env ? xstrdup(base->stats_env) : NULL;
	/* the plugin's knobs first, the variant's after: later ones win in the child */
	for (i = 0; i < base->env.n; i++)
		strvec_push(&a->env, base->env.v[i]);
	for (i = 0; i < knobs.n; i++)
		strvec_push(&a->env, knobs.v[i]);
	strvec_clear(&knobs);
	a->probed = 1;
	a->available = 1;
	a->version = base->version ? xstrdup(base->version) : NULL;
	a->served_by = base->served_by ? xstrdup(base->served_by) : NULL;
	list->v = xrealloc(list->v, (list->n + 1) * sizeof(*list->v));
	list->v[list->n++] = a;
	return a;
}

static void set_unavailable(struct allocator *a, char *reason, char *fix)
{
	a->available = 0;
	free(a->reason);
	free(a->fix);
	a->reason = reason;
	a->fix = fix;
}

/* The value of "key=" in the probe's output, or NULL. */
static char *probe_field(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;

			return strndup(v, strcspn(v, "\n"));
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int is_libc(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5);
}

int allocator_served_by_matches(const struct allocator *a, const char *served_by)
{
	char resolved[PATH_MAX];

	if (!served_by)
		return 0;
	if (!a->library)
		return is_libc(served_by);
	if (!realpath(a->library, resolved))
		return !strcmp(a->library, served_by);
	return !strcmp(resolved, served_by);
}

char *allocator_preload(const struct allocator *a, const char *extra)
{
	const char *lib = a->library ? a->library : a->library_spec;

	if (lib && extra)
		return xasprintf("%s:%s", lib, extra);
	if (lib)
		return xstrdup(lib);
	return extra ? xstrdup(extra) : NULL;
}

/* Is a one of ngbench's own plugins (its name, in ngbench's own folder)? */
static int is_builtin(const struct allocator *a)
{
	const char *own = ngb_paths()->allocator_dir;
	size_t n = strlen(own);

	return a->plugin_path && rank(a->name) < 1000 && !strncmp(a->plugin_path, own, n) &&
	       a->plugin_path[n] == '/' && !strchr(a->plugin_path + n + 1, '/');
}

/* The fix for an outside plugin whose library is missing: its library and
 * its file, never ngbench (rebuilding ngbench does not bring it). */
static char *missing_library_fix(const struct allocator *a)
{
	const char *lib = a->library_spec ? a->library_spec : a->library;

	if (a->package)
		return xasprintf("install %s (apt-get install %s), or correct the plugin '%s' "
				 "that names it", lib, a->package, a->plugin_path);
	return xasprintf("install %s, or correct the plugin '%s' that names it", lib,
			 a->plugin_path);
}

void allocator_probe(struct allocator *a)
{
	const struct ngb_paths *paths = ngb_paths();
	struct trial_spec spec;
	struct trial_outcome out;
	struct stat st;
	char *lib_path, *lib_err, *served, *version, *verr;
	size_t i;

	if (a->probed)
		return;
	a->probed = 1;
	a->available = 1;
	if (a->library && stat(a->library, &st) != 0) {
		char *fix;

		if (!a->plugin_path)
			fix = xstrdup("give the path of an existing library");
		else if (is_builtin(a))
			fix = xstrdup("rebuild and reinstall ngbench (make install)");
		else
			fix = missing_library_fix(a);
		set_unavailable(a, xasprintf("'%s' not found", a->library), fix);
		return;
	}
	if (access(paths->probe, X_OK) != 0) {
		set_unavailable(a, xasprintf("the probe '%s' is missing", paths->probe),
				xstrdup("rebuild ngbench (make)"));
		return;
	}

	memset(&spec, 0, sizeof(spec));
	strvec_push(&spec.argv, paths->probe);
	if (a->plugin_path) {
		strvec_push(&spec.argv, "--plugin");
		strvec_push(&spec.argv, a->plugin_path);
	}
	if (a->library_spec) {
		strvec_push(&spec.argv, "--library");
		strvec_push(&spec.argv, a->library ? a->library : a->library_spec);
	}
	for (i = 0; i < a->env.n; i++)
		strvec_push(&spec.env, a->env.v[i]);
	spec.preload = allocator_preload(a, NULL);
	spec.timeout_s = 30;
	spec.keep_stdout = 1;
	if (run_trial(&spec, &out) != 0) {
		set_unavailable(a, xstrdup("the probe could not be started"), NULL);
		trial_spec_release(&spec);
		return;
	}
	trial_spec_release(&spec);

	if (out.status != TRIAL_OK) {
		set_unavailable(a, xasprintf("the probe failed with %s preloaded: %s%s%s", a->name,
					     out.reason, out.stderr_tail ? ": " : "",
					     out.stderr_tail ? out.stderr_tail : ""),
				NULL);
		trial_outcome_release(&out);
		return;
	}
	lib_path = probe_field(out.stdout_text, "library");
	lib_err = probe_field(out.stdout_text, "library_error");
	served = probe_field(out.stdout_text, "served_by");
	version = probe_field(out.stdout_text, "version");
	verr = probe_field(out.stdout_text, "version_error");
	trial_outcome_release(&out);

	if (a->library_spec && !lib_path) {
		set_unavailable(a, xasprintf("%s not found", a->library_spec),
				!a->plugin_path ? NULL
				: !is_builtin(a) ? missing_library_fix(a)
				: a->package ? xasprintf("apt-get install %s", a->package) : NULL);
	} else {
		if (lib_path) {
			free(a->library);
			a->library = xstrdup(lib_path);
		}
		a->served_by = served ? xstrdup(served) : NULL;
		if (!allocator_served_by_matches(a, served))
			set_unavailable(a, xasprintf("%s is loaded but malloc is served by %s: it "
						     "does not replace malloc",
						     a->library ? a->library : "the C library",
						     served ? served : "an unknown object"),
					NULL);
	}
	if (version)
		a->version = xstrdup(version);
	else if (a->available && verr && a->plugin_path)
		warning("%s: %s", a->name, verr);
	free(lib_path);
	free(lib_err);
	free(served);
	free(version);
	free(verr);
}

void allocators_probe_all(struct allocator_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		allocator_probe(list->v[i]);
}

void allocator_free(struct allocator *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->summary);
	free(a->plugin_path);
	free(a->library);
	free(a->library_spec);
	free(a->package);
	strvec_clear(&a->env);
	free(a->stats_env);
	free(a->version);
	free(a->served_by);
	free(a->reason);
	free(a->fix);
	free(a);
}

void allocator_list_release(struct allocator_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		allocator_free(list->v[i]);
	free(list->v);
	strvec_clear(&list->load_errors);
	memset(list, 0, sizeof(*list));
}
