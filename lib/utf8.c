/*
 * lib/utf8.c - strict UTF-8 validation and repair (ngbench/utf8.h), the
 * one rule behind every JSON document ngbench writes.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ngbench/utf8.h"

size_t ngb_utf8_seq(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;   /* a continuation byte, C0/C1 (overlong) or F5..FF */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and code points beyond U+10FFFF */
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

char *ngb_utf8_valid_copy(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char *out = malloc(3 * strlen((const char *)p) + 1), *o = out;

	if (!out)
		return NULL;
	while (*p) {
		size_t n = ngb_utf8_seq(p);

		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	*o = '\0';
	return out;
}

json_t *ngb_json_text(const char *s)
{
	char *clean = ngb_utf8_valid_copy(s);
	json_t *j = clean ? json_string(clean) : NULL;

	free(clean);
	return j;
}

json_t *ngb_json_text_or_null(const char *s)
{
	return s ? ngb_json_text(s) : json_null();
}

static void put_escaped(FILE *out, const char *s, int keep_lines)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && !(keep_lines && (c == '\n' || c == '\t'))) || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

void ngb_put_text(FILE *out, const char *s)
{
	put_escaped(out, s, 0);
}

void ngb_put_text_lines(FILE *out, const char *s)
{
	put_escaped(out, s, 1);
}
