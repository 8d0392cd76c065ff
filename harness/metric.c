/*
 * harness/metric.c - a command's own metric: 'ngbench run --metric=REGEX
 * --better=higher|lower --unit=U -- COMMAND' (or metric, better, unit and
 * metric-name in an experiment's job) takes the trial's metric from the
 * program's standard output instead of timing it by the wall clock.
 *
 * REGEX is a POSIX extended regular expression with at least one
 * parenthesized group; it is matched against each line of the output, and
 * the first group of the last match (the last line that matches, the last
 * match in that line) is the value.  No match, or a group that is not a
 * finite number, fails the trial with the reason: a command whose metric
 * cannot be read is never silently timed instead.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/*
 * Roughly how many nodes glibc's regcomp builds for the pattern: it copies
 * a repeated subexpression once per copy it needs ("x+" is "xx*", "x{2,5}"
 * five copies), so repetitions of repetitions multiply: "(a)" and 30 '+'
 * signs take it minutes and gigabytes (found by tests/fuzz).  Saturates at
 * REGEX_NODES_MAX + 1.
 */
#define REGEX_NODES_MAX 100000.0
#define REGEX_DEPTH_MAX 64

static double regex_nodes(const char *s)
{
	double seq[REGEX_DEPTH_MAX + 1] = { 0 }, atom = 0;
	int depth = 0;

	while (*s) {
		double factor = 0;

		if (*s == '\\' && s[1]) {
			s += 2;
			atom = 1;
		} else if (*s == '[') {
			s++;
			s += *s == '^';
			s += *s == ']';
			while (*s && *s != ']')
				s += s[0] == '[' && s[1] && strchr(":.=", s[1]) && strchr(s + 2, s[1]) ?
				     (size_t)(strchr(s + 2, s[1]) - s) + 1 : 1;
			s += *s == ']';
			atom = 1;
		} else if (*s == '(') {
			if (depth == REGEX_DEPTH_MAX)
				return REGEX_NODES_MAX + 1;
			seq[++depth] = 0;
			s++;
			atom = 0;
			continue;
		} else if (*s == ')' && depth > 0) {
			atom = seq[depth--] + 1;
			s++;
		} else if (*s == '*' || *s == '?') {
			factor = 1;
			s++;
		} else if (*s == '+') {
			factor = 2;
			s++;
		} else if (*s == '{') {
			char *end;
			double lo = strtod(s + 1, &end), hi = lo;

			if (*end == ',')
				hi = end[1] == '}' ? lo + 1 : strtod(end + 1, &end);
			factor = hi > lo ? hi : lo;
			factor = factor < 1 ? 1 : factor;
			s = strchr(s, '}') ? strchr(s, '}') + 1 : s + 1;
		} else {
			s++;
			atom = 1;
		}
		if (factor) {
			/* the atom already counted once: add the copies */
			seq[depth] += atom * (factor - 1);
			atom *= factor;
		} else {
			seq[depth] += atom;
		}
		if (seq[depth] > REGEX_NODES_MAX || atom > REGEX_NODES_MAX)
			return REGEX_NODES_MAX + 1;
	}
	return seq[0];
}

int cmd_metric_compile(struct cmd_metric *m, const char *pattern, char *err, size_t errlen)
{
	int rc;

	cmd_metric_release(m);
	if (regex_nodes(pattern) > REGEX_NODES_MAX) {
		snprintf(err, errlen, "regular expression '%s' for --metric: its repetitions "
			 "multiply (a repetition of a repetition, or large counts) beyond what can be "
			 "compiled in reasonable time: simplify it", pattern);
		return -1;
	}
	rc = regcomp(&m->re, pattern, REG_EXTENDED);
	if (rc) {
		char msg[256];

		regerror(rc, &m->re, msg, sizeof(msg));
		snprintf(err, errlen, "bad regular expression '%s' for --metric: %s", pattern, msg);
		return -1;
	}
	if (m->re.re_nsub < 1) {
		regfree(&m->re);
		snprintf(err, errlen, "the regular expression '%s' for --metric has no group: put "
			 "the number in parentheses, e.g. 'Throughput = ([0-9.]+)'", pattern);
		return -1;
	}
	m->pattern = xstrdup(pattern);
	m->compiled = 1;
	return 0;
}

/* The pattern only: the name, unit and direction stay. */
void cmd_metric_release(struct cmd_metric *m)
{
	if (m->compiled)
		regfree(&m->re);
	free(m->pattern);
	m->pattern = NULL;
	m->compiled = 0;
}

char *cmd_metric_option(struct cmd_metric *m, const char *key, const char *value)
{
	char err[512];

	if (!strcmp(key, "metric")) {
		if (cmd_metric_compile(m, value, err, sizeof(err)))
			return xstrdup(err);
	} else if (!strcmp(key, "better")) {
		if (!strcmp(value, "higher"))
			m->better = 1;
		else if (!strcmp(value, "lower"))
			m->better = 0;
		else
			return xasprintf("--better takes higher or lower, not '%s'", value);
	} else if (!strcmp(key, "unit")) {
		free(m->unit);
		m->unit = xstrdup(value);
	} else if (!strcmp(key, "metric-name")) {
		size_t n = strlen(value);

		if (!n || strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
			return xasprintf("--metric-name takes lowercase letters, digits, '_', '.' "
					 "and '-', not '%s'", value);
		free(m->name);
		m->name = xstrdup(value);
	}
	return NULL;
}

void cmd_metric_copy(struct cmd_metric *dst, const struct cmd_metric *src)
{
	char err[512];

	dst->better = src->better;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->unit = src->unit ? xstrdup(src->unit) : NULL;
	/* compiled once already, so it compiles again */
	if (src->pattern)
		cmd_metric_compile(dst, src->pattern, err, sizeof(err));
}

char *cmd_metric_check(const struct job *j)
{
	const struct cmd_metric *m = &j->metric;

	if (!m->pattern) {
		if (m->better >= 0 || m->unit || m->name)
			return xasprintf("%s: --better, --unit and --metric-name go with --metric",
					 j->name);
		return NULL;
	}
	if (!j->command.n)
		return xasprintf("%s: --metric reads a command's output: it goes with "
				 "-- COMMAND, not with workloads (they report their own metric)",
				 j->name);
	if (m->better < 0)
		return xasprintf("%s: --metric needs --better=higher or --better=lower", j->name);
	return NULL;
}

/* The first group of the last match in @line, copied into @got; 1 if any. */
static int last_match_in_line(const struct cmd_metric *m, const char *line, char *got,
			      size_t gotlen)
{
	regmatch_t g[2];
	const char *p = line;
	int found = 0, flags = 0;

	while (*p && regexec(&m->re, p, 2, g, flags) == 0) {
		if (g[1].rm_so >= 0) {
			size_t n = (size_t)(g[1].rm_eo - g[1].rm_so);

			if (n >= gotlen)
				n = gotlen - 1;
			memcpy(got, p + g[1].rm_so, n);
			got[n] = '\0';
			found = 1;
		}
		/* go on after this match (at least one character on) */
		p += g[0].rm_eo > 0 ? g[0].rm_eo : 1;
		flags = REG_NOTBOL;
	}
	return found;
}

int cmd_metric_scan_fd(const struct cmd_metric *m, int fd, double *value, char **reason)
{
	FILE *f;
	char *line = NULL, got[128] = "", *end;
	size_t cap = 0;
	ssize_t n;
	int found = 0, dup_fd = dup(fd);

	*reason = NULL;
	if (dup_fd < 0 || lseek(dup_fd, 0, SEEK_SET) < 0 || !(f = fdopen(dup_fd, "r"))) {
		*reason = xasprintf("cannot read the command's output: %s", strerror(errno));
		if (dup_fd >= 0)
			close(dup_fd);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (last_match_in_line(m, line, got, sizeof(got)))
			found = 1;
	}
	free(line);
	fclose(f);
	if (!found) {
		*reason = xasprintf("no line of the output matches --metric '%s'", m->pattern);
		return -1;
	}
	errno = 0;
	*value = strtod(got, &end);
	if (end == got || *end || errno == ERANGE || !isfinite(*value)) {
		*reason = xasprintf("--metric '%s' matched '%s', which is not a number", m->pattern,
				    got);
		return -1;
	}
	return 0;
}
