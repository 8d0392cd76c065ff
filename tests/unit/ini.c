/*
 * tests/unit/ini.c - the INI reader shared by experiments and baselines:
 * lines of any length, duplicates named with both lines, NUL bytes refused.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "../../harness/internal.h"
#include "ngbench/ini.h"
#include "ngbench/report.h"

/* Every item as "line:[section]key=value;" */
static int collect(void *user, const struct ngb_ini_item *it, struct ngb_err *e)
{
	struct strbuf *sb = user;

	(void)e;
	if (it->key)
		strbuf_addf(sb, "%d:[%s]%s=%s;", it->line, it->section, it->key, it->value);
	else
		strbuf_addf(sb, "%d:[%s];", it->line, it->section);
	return 0;
}

/* len 0: the text's strlen */
static int parse(const char *text, size_t len, int repeat, struct strbuf *sb, struct ngb_err *e)
{
	static const char *const rep[] = { "set", NULL };
	struct ngb_ini_syntax syn = { ";#", repeat, rep };

	return ngb_ini_parse(text, len ? len : strlen(text), &syn, collect, sb, e);
}

static int refuse(void *user, const struct ngb_ini_item *it, struct ngb_err *e)
{
	(void)user;
	if (it->key && !strcmp(it->key, "bad"))
		return ngb_err_set(e, -EINVAL, "'bad' is bad");
	return 0;
}

int main(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct ngb_err e = { 0 };
	struct ngb_baseline *b = NULL;
	struct ngb_ini_syntax syn = { ";#", 0, NULL };
	char *big;
	size_t i;
	int rc;

	tap_plan(17);

	rc = parse("; c\n# c\n\n[s]\n  k = v w  \r\nx=\n", 0, 0, &sb, &e);
	expect_int_eq(rc, 0, "comments, blanks, CR and empty values");
	expect_str_eq(strbuf_str(&sb), "4:[s];5:[s]k=v w;6:[s]x=;", "each item once, with its line");
	strbuf_release(&sb);

	/* a line of 100000 bytes is one line, whatever it holds */
	big = xmalloc(100100);
	strcpy(big, "[s]\nd = ");
	for (i = strlen(big); i < 100000; i++)
		big[i] = "xy= []"[i % 6];
	big[i - 1] = 'z';
	strcpy(big + i, "\nk = 1\n");
	rc = parse(big, strlen(big), 0, &sb, &e);
	expect_int_eq(rc, 0, "a line of 100000 bytes");
	ok(strstr(strbuf_str(&sb), "3:[s]k=1;") != NULL, "the next line keeps its number");
	{
		const char *v = strstr(strbuf_str(&sb), "2:[s]d=") + 7;
		const char *end = strchr(v, ';');

		ok(end && (size_t)(end - v) == 100000 - 8 - 0, "its value has all %d bytes", 100000 - 8);
	}
	strbuf_release(&sb);
	free(big);

	rc = parse("[a]\nk=1\n[b]\n[a]\n", 0, 0, &sb, &e);
	expect_int_eq(rc, -EINVAL, "a section given twice is refused");
	expect_str_contains(e.msg, "line 4: section [a] appears again (first at line 1)", "naming both lines");
	strbuf_release(&sb);
	rc = parse("[cell]\nk=1\n[cell]\nk=2\n", 0, 1, &sb, &e);
	expect_int_eq(rc, 0, "sections repeat where the caller allows");
	strbuf_release(&sb);
	rc = parse("[a]\nk=1\nj=2\nk = 3\n", 0, 0, &sb, &e);
	expect_int_eq(rc, -EINVAL, "a key given twice is refused");
	expect_str_contains(e.msg, "line 4: 'k' appears again in [a] (first at line 2)", "naming both lines");
	strbuf_release(&sb);
	rc = parse("[a]\nset=1\nset=2\n", 0, 0, &sb, &e);
	expect_int_eq(rc, 0, "a repeatable key repeats");
	strbuf_release(&sb);
	rc = parse("[a]\nk=1\n\0k=2\n", 13, 0, &sb, &e);
	expect_int_eq(rc, -EINVAL, "a NUL byte is refused");
	expect_str_contains(e.msg, "line 3: a NUL byte", "with its line");
	strbuf_release(&sb);
	rc = parse("[a]\njunk\n", 0, 0, &sb, &e);
	expect_str_contains(e.msg, "line 2: not INI", "a line without '=' is not INI");
	strbuf_release(&sb);
	rc = ngb_ini_parse("[a]\nok=1\nbad=2\n", 15, &syn, refuse, NULL, &e);
	expect_str_eq(e.msg, "line 3: 'bad' is bad", "the callback's error gets its line");

	/* baselines read with the same reader: a key twice in a cell is an error */
	rc = ngb_baseline_parse("format = 1\n[cell]\nworkload = a\nworkload = b\n", "f", &b, &e);
	expect_int_eq(rc, -EINVAL, "a baseline key given twice in a cell is refused");
	expect_str_contains(e.msg, "'f' line 4: 'workload' appears again in [cell] (first at line 3)",
			    "naming the file and both lines");
	return tap_done();
}
