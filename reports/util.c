/*
 * reports/util.c - small helpers of the reports: growing arrays, escaping
 * for each output format, and numbers for people.
 *
 * Invariant: whatever came from a user or a program (labels, command lines,
 * allocator paths, stderr tails) reaches an output only through the put_*
 * function of its format, so a label "<script>" shows as text in HTML and
 * markdown, and a label with escape sequences cannot drive a terminal.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "ngbench/utf8.h"

int dvec_push(struct dvec *d, double x)
{
	if (d->n == d->alloc) {
		size_t na = d->alloc ? 2 * d->alloc : 8;
		double *v = realloc(d->v, na * sizeof(*v));

		if (!v)
			return -1;
		d->v = v;
		d->alloc = na;
	}
	d->v[d->n++] = x;
	return 0;
}

void dvec_release(struct dvec *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

char *rep_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

int json_dump_root(json_t *root, FILE *out)
{
	int rc;

	if (!root)
		return -ENOMEM;
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	return rc || ferror(out) ? -EIO : 0;
}

char *rep_strdup(const char *s)
{
	return strdup(s ? s : "");
}

void put_html(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fprintf(out, "&#%d;", 0x2400 + (unsigned char)*s); /* control pictures */
			else
				fputc(*s, out);
		}
	}
}

/*
 * Markdown renderers pass inline HTML through, so < > & become entities;
 * the characters that start markdown syntax are backslash-escaped, | too
 * because a cell ends there, and a newline would end the table row.
 */
void put_markdown(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '\n': case '\r': fputs("<br>", out); break;
		case '\\': case '`': case '*': case '_': case '[': case ']': case '|':
		case '#': case '!': case '~': case '{': case '}': case '(': case ')':
			fputc('\\', out);
			fputc(*s, out);
			break;
		default:
			if ((unsigned char)*s < 0x20)
				fputc(' ', out);
			else
				fputc(*s, out);
		}
	}
}

void put_csv(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void put_text(FILE *out, const char *s)
{
	ngb_put_text(out, s);
}

size_t text_width(const char *s)
{
	size_t w = 0;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			w += 4;
		else if ((c & 0xc0) != 0x80)
			w++;
	}
	return w;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
char *plot_safe_copy(const char *s)
{
	char *out = strdup(s ? s : ""), *p;

	if (!out)
		return NULL;
	for (p = out; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._,:/+()=-",
			    *p))
			*p = '_';
	return out;
}

void fmt_num(char *buf, size_t len, double v)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(buf, len, "n/a");
	else if (a >= 1e9)
		snprintf(buf, len, "%.4gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, len, "%.4gM", v / 1e6);
	else if (a >= 1e4)
		snprintf(buf, len, "%.4gk", v / 1e3);
	else
		snprintf(buf, len, "%.4g", v);
}

int files_add(struct ngb_report_files *f, const char *path)
{
	char **v = realloc(f->paths, (f->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	f->paths = v;
	f->paths[f->n] = strdup(path);
	if (!f->paths[f->n])
		return -1;
	f->n++;
	return 0;
}

void ngb_report_files_release(struct ngb_report_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->paths[i]);
	free(f->paths);
	free(f->plots_note);
	memset(f, 0, sizeof(*f));
}

json_t *json_num(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

json_t *json_text(const char *s)
{
	/* NULL when out of memory: json_pack then fails and the emitter says so */
	return ngb_json_text_or_null(s);
}
