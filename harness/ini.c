/*
 * harness/ini.c - the INI reader of ngbench (syntax in ngbench/ini.h).
 *
 * Written for ngbench rather than taken from libinih: Debian's libinih is
 * built with a fixed 200-byte line buffer, and a longer line was cut and its
 * tail read as a line of its own, so that a long description could set
 * 'repetitions'.  Here a line is whatever lies between two newlines, whatever
 * its length; nothing is merged, dropped or cut without an error.
 *
 * Invariant: the callback sees every section header and every key exactly
 * once, in file order, with the line it came from; a duplicate is reported
 * before the callback sees it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ngbench/ini.h"

struct seen {
	char *name;
	int line;
};

struct seen_list {
	struct seen *v;
	size_t n, alloc;
};

static void seen_clear(struct seen_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static const struct seen *seen_find(const struct seen_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

static int seen_add(struct seen_list *l, const char *name, int line)
{
	if (l->n == l->alloc) {
		size_t na = l->alloc ? 2 * l->alloc : 16;
		struct seen *nv = realloc(l->v, na * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->alloc = na;
	}
	l->v[l->n].name = strdup(name);
	if (!l->v[l->n].name)
		return -ENOMEM;
	l->v[l->n++].line = line;
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int repeatable(const struct ngb_ini_syntax *syn, const char *key)
{
	const char *const *k;

	for (k = syn->repeatable; k && *k; k++)
		if (!strcmp(*k, key))
			return 1;
	return 0;
}

/* Cuts [b, e) to its text without surrounding blanks, in place. */
static char *trim(char *b, char *e)
{
	while (b < e && is_blank(*b))
		b++;
	while (e > b && (is_blank(e[-1]) || e[-1] == '\r'))
		e--;
	*e = '\0';
	return b;
}

int ngb_ini_parse(const char *text, size_t len, const struct ngb_ini_syntax *syn, ngb_ini_fn *fn,
		  void *user, struct ngb_err *e)
{
	struct seen_list sections = { 0 }, keys = { 0 };
	struct ngb_ini_item it = { 0 };
	char *copy, *p, *end, *section = NULL;
	const char *nul;
	int line = 0, rc = 0;

	nul = memchr(text, '\0', len);
	if (nul) {
		const char *q;

		line = 1;
		for (q = text; q < nul; q++)
			line += *q == '\n';
		return ngb_err_set(e, -EINVAL, "line %d: a NUL byte: this is not a text file", line);
	}
	copy = malloc(len + 1);
	if (!copy)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	p = copy;
	end = copy + len;
	/* a byte-order mark, as some editors write at the start */
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	it.section = "";
	while (p < end && !rc) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *l, *eq, *key, *value;
		const struct seen *dup;

		if (!nl)
			nl = end;
		line++;
		l = trim(p, nl);
		p = nl + 1;
		if (!*l || (syn->comments && strchr(syn->comments, *l)))
			continue;
		if (*l == '[') {
			size_t n = strlen(l);

			if (n < 3 || l[n - 1] != ']') {
				rc = ngb_err_set(e, -EINVAL, "line %d: a section is '[name]'", line);
				break;
			}
			l[n - 1] = '\0';
			l = trim(l + 1, l + n - 1);
			if (!*l || strpbrk(l, "[]")) {
				rc = ngb_err_set(e, -EINVAL, "line %d: a section is '[name]'", line);
				break;
			}
			dup = seen_find(&sections, l);
			if (dup && !syn->sections_repeat) {
				rc = ngb_err_set(e, -EINVAL, "line %d: section [%s] appears again (first "
						 "at line %d): put its keys in one section", line, l,
						 dup->line);
				break;
			}
			if (!dup && (rc = seen_add(&sections, l, line)) < 0) {
				ngb_err_set(e, rc, "out of memory");
				break;
			}
			free(section);
			section = strdup(l);
			if (!section) {
				rc = ngb_err_set(e, -ENOMEM, "out of memory");
				break;
			}
			seen_clear(&keys);
			it.line = it.section_line = line;
			it.section = section;
			it.key = it.value = NULL;
			rc = fn(user, &it, e);
			if (rc < 0)
				goto callback_failed;
			continue;
		}
		eq = strchr(l, '=');
		if (!eq || eq == l) {
			rc = ngb_err_set(e, -EINVAL, "line %d: not INI (expected [section] or "
					 "key = value)", line);
			break;
		}
		key = trim(l, eq);
		value = trim(eq + 1, eq + 1 + strlen(eq + 1));
		dup = seen_find(&keys, key);
		if (dup && !repeatable(syn, key)) {
			if (*it.section)
				rc = ngb_err_set(e, -EINVAL, "line %d: '%s' appears again in [%s] (first "
						 "at line %d): give it once", line, key, it.section,
						 dup->line);
			else
				rc = ngb_err_set(e, -EINVAL, "line %d: '%s' appears again (first at "
						 "line %d): give it once", line, key, dup->line);
			break;
		}
		if (!dup && (rc = seen_add(&keys, key, line)) < 0) {
			ngb_err_set(e, rc, "out of memory");
			break;
		}
		it.line = line;
		it.key = key;
		it.value = value;
		rc = fn(user, &it, e);
		if (rc < 0)
			goto callback_failed;
	}
	goto out;

callback_failed:
	/* the callback's message, with its line in front */
	if (e) {
		char msg[sizeof(e->msg)];

		memcpy(msg, e->msg, sizeof(msg));
		ngb_err_set(e, rc, "line %d: %s", line, msg);
	}
out:
	free(section);
	free(copy);
	seen_clear(&sections);
	seen_clear(&keys);
	return rc;
}
