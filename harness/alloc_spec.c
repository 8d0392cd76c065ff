/*
 * harness/alloc_spec.c - the --allocator grammar: a comma-separated list of
 *
 *   NAME                 a discovered plugin (probed: it must be available)
 *   all                  every available plugin (the unavailable ones are
 *                        named on stderr and skipped)
 *   -NAME                leave NAME out of the selection ("all,-hoard")
 *   /path/lib.so         any malloc library, preloaded without a plugin,
 *                        named by its file name
 *   NAME=/path/lib.so    the same, named NAME (two libraries of one file
 *                        name need this: results are kept by name)
 *   NAME+VAR=VALUE[+...] a variant of NAME with its own environment knobs
 *   [NAME=]/path/lib.so+VAR=VALUE[+...]
 *                        a variant of a library given by path, named
 *                        NAME+VAR=VALUE (or its file name for NAME)
 *
 * resolved into the list of allocators a job runs, each once, in the order
 * given.  Bad input is a usage error naming the fix; nothing runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"

void print_names_hint(const char *what, const char *bad, const char *const *names, size_t n)
{
	const char *guess = closest_name(bad, names, n);
	size_t i;

	if (guess)
		fprintf(stderr, "Did you mean '%s'?\n", guess);
	fprintf(stderr, "Valid %s:", what);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i ? "," : "", names[i]);
	fprintf(stderr, "\n");
}

size_t drop_duplicates(void **v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n;)
			if (v[j] == v[i])
				memmove(&v[j], &v[j + 1], (--n - j) * sizeof(*v));
			else
				j++;
	return n;
}

/*
 * A library path with knobs, "/path/lib.so+VAR=VALUE[+...]": the library is
 * the shortest prefix before a '+' that is a file (a knob's value may hold
 * '/' and '+'), unless the whole path is one.  Returns the library
 * (malloc'ed) and in *knobs what follows its '+', or NULL without knobs.
 */
static char *library_knobs_split(const char *path, const char **knobs)
{
	struct stat st;
	const char *p;

	*knobs = NULL;
	if (!stat(path, &st))
		return xstrdup(path);
	for (p = strchr(path, '+'); p; p = strchr(p + 1, '+')) {
		char *lib = xasprintf("%.*s", (int)(p - path), path);

		if (!stat(lib, &st) && S_ISREG(st.st_mode)) {
			*knobs = p + 1;
			return lib;
		}
		free(lib);
	}
	return xstrdup(path);
}

/*
 * The parts of a library spec, "[NAME=]PATH[+VAR=VALUE...]": returns its
 * path inside spec (knobs included), or NULL when spec names no library;
 * sets *lib (malloc'ed) to the library, *label (malloc'ed) to the name it
 * runs under without the knobs (NAME, or the library's file name) and
 * *knobs to what follows the library's '+' inside spec, or NULL.
 */
static const char *library_spec_parts(const char *spec, char **lib, char **label,
				      const char **knobs)
{
	size_t k = strcspn(spec, "+=/");
	const char *path;

	if (spec[k] != '=' && spec[k] != '/')
		return NULL;
	path = spec[k] == '=' ? spec + k + 1 : spec;
	*lib = library_knobs_split(path, knobs);
	/* without NAME, spec's first '/' comes before any '+': lib holds it */
	*label = spec[k] == '=' ? xasprintf("%.*s", (int)k, spec) : xstrdup(strrchr(*lib, '/') + 1);
	return path;
}

const char *alloc_spec_library(const char *spec, char **name)
{
	const char *path, *knobs;
	char *lib, *label;

	*name = NULL;
	path = library_spec_parts(spec, &lib, &label, &knobs);
	if (!path)
		return NULL;
	free(lib);
	if (knobs) {
		*name = xasprintf("%s+%s", label, knobs);
		free(label);
	} else {
		*name = label;
	}
	return path;
}

int alloc_spec_resolve(const char *cmd, struct job *o, struct allocator_list *plugins,
		       struct allocator ***out, size_t *nout)
{
	struct allocator **sel = NULL;
	size_t nsel = 0, i, j;

	if (o->allocators.n == 0)
		strvec_push(&o->allocators, "all");
	for (i = 0; i < o->allocators.n; i++) {
		const char *name = o->allocators.v[i], *path, *spath, *knobs;
		char *label, *lib;

		if (name[0] == '-') {
			/* "all,-nextgen-sync": dropped from the selection below */
			if (!allocator_find(plugins, name + 1)) {
				free(sel);
				return usage_error(cmd, "cannot leave out unknown allocator '%s'",
						   name + 1);
			}
			continue;
		}
		if (!strcmp(name, "all")) {
			allocators_probe_all(plugins);
			for (j = 0; j < plugins->n; j++) {
				struct allocator *a = plugins->v[j];

				if (!a->available) {
					warning("skipping allocator '%s': %s%s%s", a->name, a->reason,
						a->fix ? "; fix: " : "", a->fix ? a->fix : "");
					continue;
				}
				sel = xrealloc(sel, (nsel + 1) * sizeof(*sel));
				sel[nsel++] = a;
			}
			continue;
		}
		if ((spath = library_spec_parts(name, &lib, &label, &knobs))) {
			/* "/path/lib.so" or "NAME=/path/lib.so" (a variant's value may
			 * hold a '/' or '=' too: there '+' comes first), either with
			 * "+VAR=VALUE" knobs after the path */
			struct allocator *a, *other;
			int by_path;
			char *why = NULL, *vname = knobs ? xasprintf("%s+%s", label, knobs) : NULL;

			path = lib;

			if (vname && strchr(label, '+')) {
				usage_error(cmd, "'%s': the knobs of a library given by path follow "
					    "its name, which holds a '+' itself: name it, "
					    "'NAME=%s'", name, spath);
				goto lib_fail;
			}
			if (name[strcspn(name, "+=/")] == '=' &&
			    (!allocator_name_valid(label) || !strcmp(label, "all") || !strchr(path, '/'))) {
				usage_error(cmd, "'%s': NAME=PATH names a malloc library given by "
					    "path; NAME is lower-case letters, digits, '.', '_' and "
					    "'-' (not 'all'), PATH holds a '/' (e.g. "
					    "'upstream=./libhoard.so')", name);
				goto lib_fail;
			}
			if (library_path_check(path, o->allocators.n > 1, &why)) {
				usage_error(cmd, "%s", why);
				free(why);
				goto lib_fail;
			}
			a = allocator_from_library(path, label);
			other = allocator_find(plugins, a->name);
			by_path = other && other->summary && !strcmp(other->summary, a->summary);
			if (by_path && other->library && a->library && !strcmp(other->library, a->library)) {
				/* the same library under the same name again: one allocator */
				allocator_free(a);
				a = other;
			} else if (other) {
				usage_error(cmd, "'%s' would be named '%s', which %s already names: "
					    "results are kept by allocator name, so give it a name of "
					    "its own: 'NAME=%s'", name, a->name,
					    by_path ? other->library : "an allocator plugin", spath);
				allocator_free(a);
				goto lib_fail;
			} else {
				allocator_probe(a);
				if (!a->available) {
					usage_error(cmd, "cannot use '%s': %s", name, a->reason);
					allocator_free(a);
					goto lib_fail;
				}
				/* owned by the plugin list from now on */
				plugins->v = xrealloc(plugins->v, (plugins->n + 1) * sizeof(*plugins->v));
				plugins->v[plugins->n++] = a;
			}
			if (vname) {
				/* the library's variant, "NAME+VAR=VALUE", once */
				struct allocator *v = allocator_find(plugins, vname);

				if (!v && !(v = allocator_variant(plugins, vname, &why))) {
					usage_error(cmd, "%s", why);
					free(why);
					goto lib_fail;
				}
				a = v;
			}
			free(label);
			free(vname);
			free(lib);
			sel = xrealloc(sel, (nsel + 1) * sizeof(*sel));
			sel[nsel++] = a;
			continue;
lib_fail:
			free(label);
			free(vname);
			free(lib);
			free(sel);
			return 2;
		}
		if (strchr(name, '+')) {
			/* "jemalloc+MALLOC_CONF=narenas:1": a variant with its own knobs */
			struct allocator *a = allocator_find(plugins, name);

			if (!a) {
				char *why = NULL;

				a = allocator_variant(plugins, name, &why);
				if (!a) {
					usage_error(cmd, "%s", why);
					free(why);
					free(sel);
					return 2;
				}
			}
			sel = xrealloc(sel, (nsel + 1) * sizeof(*sel));
			sel[nsel++] = a;
			continue;
		}
		{
			struct allocator *a = allocator_find(plugins, name);

			if (!a) {
				const char **names = xcalloc(plugins->n + 1, sizeof(*names));

				for (j = 0; j < plugins->n; j++)
					names[j] = plugins->v[j]->name;
				error("unknown allocator '%s'", name);
				print_names_hint("allocators", name, names, plugins->n);
				fprintf(stderr, "'ngbench list allocators' shows them with their status; "
						"a malloc library can also be given by path.\n");
				free(names);
				free(sel);
				return 2;
			}
			allocator_probe(a);
			if (!a->available) {
				error("allocator '%s' is unavailable: %s", a->name, a->reason);
				if (a->fix)
					fprintf(stderr, "fix: %s\n", a->fix);
				free(sel);
				return 2;
			}
			sel = xrealloc(sel, (nsel + 1) * sizeof(*sel));
			sel[nsel++] = a;
		}
	}
	/* drop duplicates, keeping the first, and the names given as -NAME */
	nsel = drop_duplicates((void **)sel, nsel);
	for (i = 0; i < o->allocators.n; i++) {
		if (o->allocators.v[i][0] != '-')
			continue;
		for (j = 0; j < nsel;)
			if (!strcmp(sel[j]->name, o->allocators.v[i] + 1))
				memmove(&sel[j], &sel[j + 1], (--nsel - j) * sizeof(*sel));
			else
				j++;
	}
	if (nsel == 0) {
		free(sel);
		return usage_error(cmd, "no allocator is available: see 'ngbench list allocators'");
	}
	*out = sel;
	*nout = nsel;
	return 0;
}

