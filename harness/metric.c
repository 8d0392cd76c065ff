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
 * What glibc's regcomp builds for a pattern, estimated from its text so that
 * a pattern it would spend seconds or gigabytes on is refused before it is
 * compiled (shapes found by tests/fuzz, times measured with glibc 2.36):
 *  - nodes: a repeated subexpression is copied once per copy it needs ("x+"
 *    is "xx*", "x{2,5}" five copies), so repetitions of repetitions
 *    multiply: "(a)" and 30 '+' signs take minutes and gigabytes;
 *  - epsilon nodes (group ends, '|', '?', '*', the optional copies of
 *    "{m,n}", anchors): each one's epsilon closure is computed and merged
 *    into its predecessors', so the time grows with their square: 8,000
 *    "a?" in a row take 0.3 s, "((a?){255}){10}" 0.8 s, ";" with 93 '?' and
 *    30 '+' more than 10 s;
 *  - anchors (^ $ \b \B \< \> \` \'): a node after one is copied for each
 *    combination of constraints that reaches it, so anchors in a loop are
 *    exponential ("((^|$|\b|\B))*" more than 30 s), many of them in a row
 *    polynomial of high degree (1,600 '^' take 12 s), and a few of them
 *    multiply the cost of the epsilon nodes: "(\b|\B|^|$)(\b|\B|^|$)"
 *    before 700 "a?" in a loop take 3.7 s, the loop alone 0.07 s; and
 *    one anchor before loops of what can match "" ("(a*)*", "(a|)+") is
 *    exponential in their number: "\>((a*)*){0,15}" takes 0.9 s,
 *    "\>((){2,}){0,20}" 135 s;
 *  - loops of what can match "" make the epsilon closures be computed over
 *    again: "(){1,255}" takes 0.006 s, "(){1,255}()*" 0.22 s and
 *    "(()*){1,255}" 1.3 s.
 * And a back-reference makes regexec, run on every line of the output,
 * polynomial of high degree in the line's length: "(a*)*\1c" takes 3.4 s on
 * a line of 160 'a'.
 *
 * Hence the rules: no stacked repetition operators (POSIX leaves "a?+" and
 * "a*?" undefined; glibc nests them), no repeated anchor, no back-reference,
 * at most REGEX_NODES_MAX nodes and REGEX_ANCHORS_MAX anchors, at most
 * REGEX_EPSILON_MAX epsilon nodes times one more than the anchors times one
 * more than the loops of what can match "", and with anchors at most
 * REGEX_EMPTY_LOOPS_MAX such loops.  The costliest accepted shape found
 * (by hand and in 185,000 random patterns), "((a|){50}){2,}", compiles in
 * 0.05 to 0.18 s on a busy 2-core machine; "((a|){100}){2,}", refused,
 * takes 0.3 s.
 */
#define REGEX_NODES_MAX 100000.0
#define REGEX_EPSILON_MAX 1000.0
#define REGEX_ANCHORS_MAX 8.0
#define REGEX_EMPTY_LOOPS_MAX 8.0
#define REGEX_DEPTH_MAX 64

struct regex_cost {
	double nodes, epsilon, anchors;
	double empty_loops;     /* repetitions without bound of what can match "" */
	int nullable;           /* it can match "" (not summed) */
};

static void regex_cost_add(struct regex_cost *to, const struct regex_cost *c, double times)
{
	to->nodes += c->nodes * times;
	to->epsilon += c->epsilon * times;
	to->anchors += c->anchors * times;
	to->empty_loops += c->empty_loops * times;
}

/* The digits at *@s (at most 10^6), moving past them; -1 if none. */
static double regex_count(const char **s)
{
	double n = -1;

	for (; **s >= '0' && **s <= '9'; (*s)++)
		n = n < 0 ? **s - '0' : n < 1e6 ? n * 10 + (**s - '0') : n;
	return n;
}

/*
 * The repetition operator at *@s ('*', '+', '?' or an interval "{m}",
 * "{m,}", "{m,n}", "{,n}"), moving past it: the copies of the repeated atom
 * regcomp makes, the epsilon nodes it adds, whether it has an upper bound and
 * its lower one; 0 if *@s is none.
 */
static int regex_repetition(const char **s, double *copies, double *optional, int *bounded,
			    double *least)
{
	double lo, hi;

	switch (**s) {
	case '*':
	case '?':
		lo = 0, hi = **s == '*' ? -1 : 1;
		break;
	case '+':
		lo = 1, hi = -1;
		break;
	case '{':
		(*s)++;
		lo = regex_count(s);
		hi = lo;
		if (**s == ',') {
			(*s)++;
			hi = regex_count(s);
		}
		lo = lo < 0 ? 0 : lo;
		/* a malformed interval: regcomp refuses it, count it as one copy */
		while (**s && **s != '}')
			(*s)++;
		if (!**s)
			(*s)--;
		break;
	default:
		return 0;
	}
	(*s)++;
	*copies = hi < 0 ? lo + 1 : hi;
	*copies = *copies < 1 ? 1 : *copies;
	*optional = hi < 0 ? 1 : hi - lo;
	*bounded = hi >= 0;
	*least = lo;
	return 1;
}

/* The bracket expression at @s ('['), to just after its ']'. */
static const char *regex_bracket_end(const char *s)
{
	s++;
	s += *s == '^';
	s += *s == ']';
	while (*s && *s != ']') {
		const char *close;

		/* [:class:], [.coll.] and [=equiv=] may hold a ']' */
		if (s[0] == '[' && s[1] && strchr(":.=", s[1]) &&
		    (close = strchr(s + 2, s[1])) && close[1] == ']')
			s = close + 2;
		else
			s++;
	}
	return s + (*s == ']');
}

#define regex_refuse(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static int regex_too_costly(const char *shown, const struct regex_cost *c, char *err, size_t errlen)
{
	if (c->anchors > REGEX_ANCHORS_MAX)
		return regex_refuse("regular expression '%s' for --metric has more than %g anchors "
				    "(^ $ \\b \\B \\< \\> \\` \\'), which glibc compiles in "
				    "time that grows steeply with their number: keep fewer",
				    shown, REGEX_ANCHORS_MAX);
	if (c->anchors && c->empty_loops > REGEX_EMPTY_LOOPS_MAX)
		return regex_refuse("regular expression '%s' for --metric has an anchor and more "
				    "than %g repetitions of something that can match the empty "
				    "string (as '(a*)*' or '(a|)+'), which glibc compiles in time "
				    "that doubles with each: repeat only what matches at least "
				    "one character ('(a*)*' is 'a*')", shown, REGEX_EMPTY_LOOPS_MAX);
	if (c->nodes > REGEX_NODES_MAX ||
	    c->epsilon * (1 + c->anchors) * (1 + c->empty_loops) > REGEX_EPSILON_MAX)
		return regex_refuse("regular expression '%s' for --metric is too costly to "
				    "compile: its repetitions multiply (a repetition of a "
				    "repetition, or large counts) or it has too many optional "
				    "parts and alternatives: simplify it", shown);
	return 0;
}

/*
 * 0, or -1 with the reason in @err if @pattern would cost too much (above);
 * @shown is the pattern as the message quotes it.
 */
static int regex_check(const char *pattern, const char *shown, char *err, size_t errlen)
{
	/*
	 * per open group: its cost so far, that of its last atom (in seq),
	 * whether its branch before that atom can match "", and whether an
	 * earlier branch can
	 */
	struct regex_cost seq[REGEX_DEPTH_MAX + 1], atom[REGEX_DEPTH_MAX + 1];
	int prefix_nullable[REGEX_DEPTH_MAX + 1], branch_nullable[REGEX_DEPTH_MAX + 1];
	const struct regex_cost one = { 1, 0, 0, 0, 0 }, epsilon = { 1, 1, 0, 0, 1 },
				anchor = { 1, 1, 1, 0, 1 };
	const char *s = pattern, *repeat = NULL;
	int depth = 0;

	memset(seq, 0, sizeof(seq));
	memset(atom, 0, sizeof(atom));
	atom[0].nullable = 1;
	prefix_nullable[0] = 1;
	branch_nullable[0] = 0;
	while (*s) {
		const char *at = s;
		double copies, optional, least;
		struct regex_cost c = one;
		int bounded;

		if (regex_repetition(&s, &copies, &optional, &bounded, &least)) {
			if (repeat)
				return regex_refuse("regular expression '%s' for --metric stacks "
						    "repetition operators ('%.*s' at byte %zu), "
						    "which POSIX leaves undefined (there are no lazy "
						    "or possessive forms): keep one of them",
						    shown, (int)(s - repeat), repeat,
						    (size_t)(repeat - pattern) + 1);
			if (atom[depth].anchors)
				return regex_refuse("regular expression '%s' for --metric repeats an "
						    "anchor (^ $ \\b \\B \\< \\> \\` \\') with '%.*s': "
						    "glibc compiles that in exponential time; put the "
						    "anchor outside the repetition",
						    shown, (int)(s - at), at);
			c.nodes = c.epsilon = optional;
			c.anchors = 0;
			c.empty_loops = !bounded && atom[depth].nullable;
			c.nullable = !least || atom[depth].nullable;
			regex_cost_add(&c, &atom[depth], copies);
			regex_cost_add(&seq[depth], &atom[depth], -1);
			regex_cost_add(&seq[depth], &c, 1);
			atom[depth] = c;
			repeat = at;
		} else {
			repeat = NULL;
			if (*s == '\\' && s[1] >= '1' && s[1] <= '9') {
				return regex_refuse("regular expression '%s' for --metric has a "
						    "back-reference ('\\%c'), which makes matching "
						    "each line of the output take time that grows "
						    "steeply with its length: match the text itself",
						    shown, s[1]);
			} else if (*s == '\\' && s[1]) {
				if (strchr("bB<>`'", s[1]))
					c = anchor;
				s += 2;
			} else if (*s == '[') {
				s = regex_bracket_end(s);
			} else if (*s == '(') {
				if (depth == REGEX_DEPTH_MAX)
					return regex_refuse("regular expression '%s' for --metric nests "
							    "groups more than %d deep: simplify it",
							    shown, REGEX_DEPTH_MAX);
				depth++;
				memset(&seq[depth], 0, sizeof(seq[depth]));
				memset(&atom[depth], 0, sizeof(atom[depth]));
				atom[depth].nullable = 1;
				prefix_nullable[depth] = 1;
				branch_nullable[depth] = 0;
				s++;
				continue;
			} else if (*s == ')' && depth > 0) {
				/* the group's open and close nodes */
				c = seq[depth];
				regex_cost_add(&c, &epsilon, 2);
				c.nullable = branch_nullable[depth] ||
					     (prefix_nullable[depth] && atom[depth].nullable);
				depth--;
				s++;
			} else if (*s == '|') {
				branch_nullable[depth] |= prefix_nullable[depth] && atom[depth].nullable;
				prefix_nullable[depth] = 1;
				c = epsilon;
				s++;
			} else {
				if (*s == '^' || *s == '$')
					c = anchor;
				s++;
			}
			regex_cost_add(&seq[depth], &c, 1);
			if (*at == '|') {
				/* a new branch: nothing to repeat yet */
				memset(&atom[depth], 0, sizeof(atom[depth]));
				atom[depth].nullable = 1;
			} else {
				prefix_nullable[depth] &= atom[depth].nullable;
				atom[depth] = c;
			}
		}
		if (regex_too_costly(shown, &seq[depth], err, errlen))
			return -1;
	}
	/* a group left open: regcomp refuses it, but count it anyway */
	for (; depth > 0; depth--)
		regex_cost_add(&seq[depth - 1], &seq[depth], 1);
	return regex_too_costly(shown, &seq[0], err, errlen);
}

int cmd_metric_compile(struct cmd_metric *m, const char *pattern, char *err, size_t errlen)
{
	char shown[80];
	size_t n = strlen(pattern);
	int rc;

	cmd_metric_release(m);
	/* a long pattern is quoted by its start (whole UTF-8 characters), so
	 * that the reason still fits */
	if (n > 60)
		for (n = 60; n > 0 && ((unsigned char)pattern[n] & 0xc0) == 0x80; n--)
			;
	snprintf(shown, sizeof(shown), "%.*s%s", (int)n, pattern, pattern[n] ? "..." : "");
	if (regex_check(pattern, shown, err, errlen))
		return -1;
	rc = regcomp(&m->re, pattern, REG_EXTENDED);
	if (rc) {
		char msg[256];

		regerror(rc, &m->re, msg, sizeof(msg));
		snprintf(err, errlen, "bad regular expression '%s' for --metric: %s", shown, msg);
		return -1;
	}
	if (m->re.re_nsub < 1) {
		regfree(&m->re);
		snprintf(err, errlen, "the regular expression '%s' for --metric has no group: put "
			 "the number in parentheses, e.g. 'Throughput = ([0-9.]+)'", shown);
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
