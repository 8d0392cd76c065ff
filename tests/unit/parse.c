/*
 * tests/unit/parse.c - strict option values, CPU lists, name suggestions,
 * result records.
 */
#include "config.h"

#include <string.h>

#include "../tap.h"
#include "../../harness/internal.h"

static void test_numbers(void)
{
	long l = 0;
	double d = 0;
	uint64_t z = 0;

	ok(parse_long("42", &l) == 0 && l == 42, "a whole number parses");
	ok(parse_long("42abc", &l) < 0, "trailing text is refused");
	ok(parse_long("", &l) < 0, "an empty value is refused");
	ok(parse_long(" 4", &l) < 0, "leading space is refused");
	/* found by tests/fuzz/size.c */
	ok(parse_long("\v2", &l) < 0 && parse_long("\f2", &l) < 0 && parse_long("\r2", &l) < 0,
	   "leading vertical tab, form feed or CR is refused");
	ok(parse_double("\v2.5", &d) < 0, "by the real numbers too");
	ok(parse_long("99999999999999999999", &l) < 0, "overflow is refused");
	ok(parse_double("0.25", &d) == 0 && d == 0.25, "a real number parses");
	ok(parse_double("nan", &d) < 0, "NaN is refused");
	ok(parse_size("64K", &z) == 0 && z == 65536, "64K is 65536");
	ok(parse_size("1M", &z) == 0 && z == 1048576, "1M is 1048576");
	ok(parse_size("2GiB", &z) == 0 && z == 2147483648ULL, "2GiB is 2^31");
	ok(parse_size("3X", &z) < 0, "an unknown suffix is refused");
	ok(parse_size("-1", &z) < 0, "a negative size is refused");
	ok(parse_size("17179869184G", &z) < 0, "a size beyond 64 bits is refused, not wrapped");
}

static void test_cpus(void)
{
	unsigned char m[128];

	ok(parse_cpu_list("0,2-3", m) == 0 && m[0] == 0x0d, "0,2-3 is CPUs 0, 2 and 3");
	ok(parse_cpu_list("3-1", m) < 0, "a backwards range is refused");
	ok(parse_cpu_list("a", m) < 0, "letters are refused");
	ok(parse_cpu_list("", m) < 0, "an empty list is refused");
	ok(parse_cpu_list("1,", m) < 0, "a trailing comma is refused (an item is missing)");
	ok(parse_cpu_list("0-", m) < 0, "so is an open range");
}

static void test_closest(void)
{
	static const char *const names[] = { "ptmalloc2", "jemalloc", "tcmalloc", "mimalloc" };

	expect_str_eq(closest_name("jemaloc", names, 4), "jemalloc", "a typo finds its name");
	expect_str_eq(closest_name("jem", names, 4), "jemalloc", "a prefix finds its name");
	expect_str_eq(closest_name("tcmaloc", names, 4), "tcmalloc", "another typo");
	ok(closest_name("xyzzy-frobnicator", names, 4) == NULL, "nonsense suggests nothing");
}

static void test_record(void)
{
	static const char text[] =
		"some output\n"
		"ngbench-result: metric=ops value=1 unit=x better=higher\n"
		"ngbench-result: metric=seconds value=2.5 unit=s better=lower checksum=0x1f n=7\n"
		"more output\n";
	struct result_record r;

	memset(&r, 0, sizeof(r));
	result_record_parse(text, strlen(text), &r);
	ok(r.present && !r.error, "a record is found");
	expect_str_eq(r.metric, "seconds", "the last record counts");
	expect_dbl_near(r.value, 2.5, 0, "its value");
	expect_int_eq(r.higher_is_better, 0, "its direction");
	expect_int_eq(r.nextra, 2, "its free pairs");
	expect_str_eq(r.keys[0], "checksum", "kept in order");
	result_record_release(&r);

	result_record_parse("ngbench-result: metric=x value=abc better=lower\n", strlen("ngbench-result: metric=x value=abc better=lower\n"), &r);
	expect_str_contains(r.error, "is not a number", "a non-numeric value is an error");
	result_record_release(&r);
	result_record_parse("ngbench-result: metric=x value=1\n", strlen("ngbench-result: metric=x value=1\n"), &r);
	expect_str_contains(r.error, "better=", "a missing direction is an error");
	result_record_release(&r);
	result_record_parse("ngbench-result: metric=x value=1 better=lower Bad=1\n", strlen("ngbench-result: metric=x value=1 better=lower Bad=1\n"), &r);
	expect_str_contains(r.error, "malformed pair", "an invalid key is an error");
	result_record_release(&r);
	result_record_parse("nothing here\n", strlen("nothing here\n"), &r);
	ok(!r.present, "no record, no result");
}

static void test_strings(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	strbuf_add_shell_quoted(&sb, "plain-arg");
	strbuf_addch(&sb, ' ');
	strbuf_add_shell_quoted(&sb, "it's");
	expect_str_eq(strbuf_str(&sb), "plain-arg 'it'\\''s'", "shell quoting");
	strbuf_release(&sb);
	s = utf8_sanitize("ok \xc3\xa9 \xff end");
	expect_str_eq(s, "ok \xc3\xa9 \xef\xbf\xbd end", "invalid UTF-8 becomes U+FFFD, valid stays");
	free(s);
	/* strict: what jansson refuses never passes (each bad byte is one U+FFFD) */
#define FFFD "\xef\xbf\xbd"
	s = utf8_sanitize("a\xed\xa0\x80" "b");
	expect_str_eq(s, "a" FFFD FFFD FFFD "b", "a UTF-16 surrogate (U+D800) is replaced");
	free(s);
	s = utf8_sanitize("\xe0\x80\xaf|\xc0\xaf|\xf0\x80\x80\xaf");
	expect_str_eq(s, FFFD FFFD FFFD "|" FFFD FFFD "|" FFFD FFFD FFFD FFFD, "overlong forms are replaced");
	free(s);
	s = utf8_sanitize("\xf4\x90\x80\x80 \xf5\x80\x80\x80");
	expect_str_eq(s, FFFD FFFD FFFD FFFD " " FFFD FFFD FFFD FFFD, "code points above U+10FFFF are replaced");
	free(s);
	s = utf8_sanitize("\xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80");
	expect_str_eq(s, "\xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80", "U+10FFFF, U+D7FF and U+E000 stay");
	free(s);
}

int main(void)
{
	tap_plan(41);
	test_numbers();
	test_cpus();
	test_closest();
	test_record();
	test_strings();
	return tap_done();
}
