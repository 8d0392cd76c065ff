/*
 * harness/parse.c - strict parsing of option values and name suggestions.
 *
 * Every number a user types is parsed whole: "12abc", "", " 3" and values out
 * of range are refused with the option named, never truncated silently.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ngbench/utf8.h"

int parse_long_opt(const char *opt, const char *s, long min, long max, long *out)
{
	long v;

	if (parse_long(s, &v))
		return error("option '%s' takes a whole number, not '%s'", opt, s ? s : "");
	if (v < min || v > max)
		return error("option '%s' must be between %ld and %ld, not %ld", opt, min, max, v);
	*out = v;
	return 0;
}

int parse_double_opt(const char *opt, const char *s, double min, double max, double *out)
{
	double v;

	if (parse_double(s, &v))
		return error("option '%s' takes a number, not '%s'", opt, s ? s : "");
	if (v < min || v > max)
		return error("option '%s' must be between %g and %g, not %g", opt, min, max, v);
	*out = v;
	return 0;
}

int parse_size_opt(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (parse_size(s, &v))
		return error("option '%s' takes a size such as 4096, 64K or 1M, not '%s'", opt,
			     s ? s : "");
	if (v < min || v > max)
		return error("option '%s' must be between %llu and %llu bytes", opt,
			     (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int parse_cpu_list(const char *s, unsigned char mask[128])
{
	const char *p = s;
	int any = 0;

	memset(mask, 0, 128);
	while (*p) {
		char *end;
		long a, b;

		/* isdigit, not strchr: strchr("0..9", '\0') finds the terminator */
		if (!isdigit((unsigned char)*p))
			return -1;
		a = strtol(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (!isdigit((unsigned char)*p))
				return -1;
			b = strtol(p, &end, 10);
		}
		if (a < 0 || b < a || b >= 1024)
			return -1;
		for (; a <= b; a++)
			mask[a / 8] |= (unsigned char)(1u << (a % 8));
		any = 1;
		if (*end == ',') {
			end++;
			if (!*end)
				return -1;   /* "0," : an item is missing */
		} else if (*end) {
			return -1;
		}
		p = end;
	}
	return any ? 0 : -1;
}

int cpu_list_usable(const unsigned char mask[128], char **why)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;   /* cannot tell: let the trial say */
	for (cpu = 0; cpu < 1024; cpu++) {
		if (!(mask[cpu / 8] & (1u << (cpu % 8))))
			continue;
		if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &set)) {
			*why = xasprintf("CPU %d is not one this process may run on (%d of them: "
					 "see 'nproc' and 'taskset -p $$')", cpu, CPU_COUNT(&set));
			return -1;
		}
	}
	return 0;
}

int split_words(const char *s, struct strvec *out, char **why)
{
	struct strbuf w = STRBUF_INIT;
	int in_word = 0;
	char quote = 0;

	for (; *s; s++) {
		if (quote == '\'') {
			if (*s == '\'')
				quote = 0;
			else
				strbuf_addch(&w, *s);
		} else if (quote == '"') {
			if (*s == '"')
				quote = 0;
			else if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				strbuf_addch(&w, *++s);
			else
				strbuf_addch(&w, *s);
		} else if (*s == ' ' || *s == '\t') {
			if (in_word)
				strvec_push(out, strbuf_str(&w));
			strbuf_release(&w);
			in_word = 0;
		} else {
			in_word = 1;
			if (*s == '\'' || *s == '"')
				quote = *s;
			else if (*s == '\\' && s[1])
				strbuf_addch(&w, *++s);
			else
				strbuf_addch(&w, *s);
		}
	}
	if (quote) {
		strbuf_release(&w);
		*why = xasprintf("has an unterminated %s quote", quote == '"' ? "double" : "single");
		return -1;
	}
	if (in_word)
		strvec_push(out, strbuf_str(&w));
	strbuf_release(&w);
	return 0;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *row = xcalloc(lb + 1, sizeof(*row)), d;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best;

			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *closest_name(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t i, bestd = (size_t)-1;

	for (i = 0; i < n; i++) {
		size_t d = edit_distance(s, names[i]);

		/* a prefix ("jem" for "jemalloc") is a good guess too */
		if (strlen(s) >= 2 && !strncmp(s, names[i], strlen(s)))
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = names[i];
		}
	}
	/* Close enough: at most a third of the name differs. */
	if (best && bestd <= 1 + strlen(s) / 3)
		return best;
	return NULL;
}

char *utf8_sanitize(const char *s)
{
	char *v = ngb_utf8_valid_copy(s);

	if (!v)
		die("out of memory");
	return v;
}
