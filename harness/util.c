/*
 * harness/util.c - messages, allocation that cannot fail, growing strings
 * and string lists.  The harness's own memory comes from the C library; the
 * allocator under test never runs in this process.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ngbench/utf8.h"

/*
 * Messages often echo what the user gave (a label, a path, a line of a
 * file): control bytes in them are shown as \xNN so that an escape
 * sequence, a CR or a BEL cannot act on the terminal.  A newline or tab
 * the message itself holds stays.
 */
static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL;

	fflush(stdout);
	fprintf(stderr, "ngbench: %s", prefix);
	if (vasprintf(&msg, fmt, ap) < 0) {
		fputs("(cannot format the message)\n", stderr);
		return;
	}
	ngb_put_text_lines(stderr, msg);
	free(msg);
	fputc('\n', stderr);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return -1;
}

int fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return status;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Try 'ngbench %s --help'.\n", cmd);
	return 2;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

void strvec_push(struct strvec *sv, const char *s)
{
	if (sv->n + 2 > sv->alloc) {
		sv->alloc = sv->alloc ? sv->alloc * 2 : 8;
		sv->v = xrealloc(sv->v, sv->alloc * sizeof(*sv->v));
	}
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	strvec_push(sv, s);
	free(s);
}

void strvec_split(struct strvec *sv, const char *s, int sep)
{
	const char *p = s, *q;

	while (*p) {
		q = strchr(p, sep);
		if (!q)
			q = p + strlen(p);
		if (q > p) {
			char *piece = strndup(p, (size_t)(q - p));

			if (!piece)
				die("out of memory");
			strvec_push(sv, piece);
			free(piece);
		}
		p = *q ? q + 1 : q;
	}
}

int strvec_find(const struct strvec *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return (int)i;
	return -1;
}

void strvec_clear(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}

char **strvec_argv(struct strvec *sv)
{
	static char *empty[] = { NULL };

	return sv->v ? sv->v : empty;
}
