/*
 * harness/record.c - the result record a workload prints: one line
 *
 *   ngbench-result: metric=NAME value=NUMBER unit=UNIT better=lower|higher [key=value ...]
 *
 * on its standard output (the last one counts).  Keys are lowercase
 * letters, digits and "_.-"; a malformed pair, a missing metric, value or
 * better, or a value that is not a number makes the record malformed, with
 * the first reason kept in r->error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"


int result_key_valid(const char *k, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_.-", k[i]))
			return 0;
	return 1;
}

void result_record_release(struct result_record *r)
{
	int i;

	free(r->metric);
	free(r->unit);
	for (i = 0; i < r->nextra; i++) {
		free(r->keys[i]);
		free(r->values[i]);
	}
	free(r->keys);
	free(r->values);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

static void parse_record_line(const char *line, size_t len, struct result_record *r)
{
	char *copy = strndup(line, len), *save = NULL, *tok;
	int have_metric = 0, have_better = 0;

	if (!copy)
		die("out of memory");
	result_record_release(r);
	r->present = 1;
	for (tok = strtok_r(copy + strlen(NGB_RESULT_PREFIX), " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		char *eq = strchr(tok, '=');
		const char *val;

		if (!eq || !result_key_valid(tok, (size_t)(eq - tok))) {
			if (!r->error)
				r->error = xasprintf("malformed pair '%s' in the result record "
						     "(expected key=value)", tok);
			continue;
		}
		*eq = '\0';
		val = eq + 1;
		if (!strcmp(tok, "metric")) {
			free(r->metric);
			r->metric = xstrdup(val);
			have_metric = 1;
		} else if (!strcmp(tok, "value")) {
			if (parse_double(val, &r->value) == 0)
				r->has_value = 1;
			else if (!r->error)
				r->error = xasprintf("result value '%s' is not a number", val);
		} else if (!strcmp(tok, "unit")) {
			free(r->unit);
			r->unit = xstrdup(val);
		} else if (!strcmp(tok, "better")) {
			have_better = 1;
			if (!strcmp(val, "higher"))
				r->higher_is_better = 1;
			else if (!strcmp(val, "lower"))
				r->higher_is_better = 0;
			else if (!r->error)
				r->error = xasprintf("'better' must be 'lower' or 'higher', not '%s'", val);
		} else {
			r->keys = xrealloc(r->keys, (size_t)(r->nextra + 1) * sizeof(*r->keys));
			r->values = xrealloc(r->values, (size_t)(r->nextra + 1) * sizeof(*r->values));
			r->keys[r->nextra] = xstrdup(tok);
			r->values[r->nextra] = xstrdup(val);
			r->nextra++;
		}
	}
	if (!r->error && (!have_metric || !r->has_value))
		r->error = xstrdup("the result record lacks metric= or value=");
	if (!r->error && !have_better)
		r->error = xstrdup("the result record lacks better=lower|higher");
	free(copy);
}

void result_record_parse(const char *text, size_t len, struct result_record *r)
{
	const char *p = text, *end = text + len;
	size_t plen = strlen(NGB_RESULT_PREFIX);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) >= plen && !memcmp(p, NGB_RESULT_PREFIX, plen))
			parse_record_line(p, (size_t)(eol - p), r);
		p = eol + 1;
	}
}

void result_record_parse_fd(int fd, struct result_record *r)
{
	int dupfd = dup(fd);
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (dupfd < 0 || lseek(dupfd, 0, SEEK_SET) < 0 || !(f = fdopen(dupfd, "r"))) {
		if (dupfd >= 0)
			close(dupfd);
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0)
		if (!strncmp(line, NGB_RESULT_PREFIX, strlen(NGB_RESULT_PREFIX)))
			result_record_parse(line, (size_t)n, r);
	free(line);
	fclose(f);
}
