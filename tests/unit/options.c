/*
 * tests/unit/options.c - option tables (lib/options.h): every type, the
 * messages a bad value gets, operand order, and the --help text.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "../../lib/options.h"

static const char *const formats[] = { "text", "markdown", "json", NULL };

struct vals {
	int quiet, format, all;
	long reps, profile;
	uint64_t size;
	double timeout;
	const char *label, *db, *mode;
	struct ngb_option_list sets;
	int cb_calls;
	const char *cb_arg;
};

static int shard_cb(const struct ngb_option *opt, const char *arg, struct ngb_err *e)
{
	struct vals *v = opt->value;

	v->cb_calls++;
	v->cb_arg = arg;
	if (!strchr(arg, '/'))
		return ngb_err_set(e, -EINVAL, "option '--shard' takes K/N, not '%s'", arg);
	return 0;
}

static struct vals v;
static const struct ngb_option opts[] = {
	OPT_FLAG('q', "quiet", &v.quiet, "only errors and warnings"),
	OPT_SET_INT(0, "all", &v.all, 7, "every session"),
	OPT_INT('r', "repetitions", &v.reps, "N", 1, 100000, "trials per cell"),
	OPT_SIZE(0, "size", &v.size, "BYTES", 16, 1 << 30, "block size"),
	OPT_DOUBLE(0, "timeout", &v.timeout, "S", 0, 1e7, "seconds per trial"),
	OPT_ENUM(0, "format", &v.format, "FMT", formats, "how to print it"),
	OPT_STRING('l', "label", &v.label, "TEXT", "a label\nsecond line of help"),
	OPT_PATH(0, "db", &v.db, "FILE", "the database"),
	OPT_LIST(0, "set", &v.sets, "NAME=VALUE", "a parameter (repeatable)"),
	{ .type = NGB_OPT_INT, .long_name = "profile", .value = &v.profile, .argh = "N",
	  .help = "profile every Nth trial", .flags = NGB_OPT_OPTARG, .ival = 1, .min = 1,
	  .max = 100 },
	OPT_CALLBACK(0, "shard", &v, "K/N", shard_cb, "run one part"),
	{ .type = NGB_OPT_STRING, .long_name = "secret", .value = &v.mode,
	  .flags = NGB_OPT_HIDDEN, .help = "not shown" },
	OPT_END(),
};
static const struct ngb_command cmd = { "demo", "usage: ngbench demo [OPTIONS] ARG...\n\n",
					"Exit status: 0.\n", opts, 0 };
static const struct ngb_command posix_cmd = { "demo", NULL, NULL, opts,
					      NGB_CMD_STOP_AT_OPERAND };

static void reset(void)
{
	ngb_option_list_release(&v.sets);
	memset(&v, 0, sizeof(v));
	v.reps = 5;
	v.timeout = 2.5;
	v.format = 0;
}

/* Parses a NULL-terminated list of words after "demo". */
static int parse(const struct ngb_command *c, int *first, struct ngb_err *e, ...)
{
	const char *argv[32] = { "demo" };
	int argc = 1;
	va_list ap;

	va_start(ap, e);
	while ((argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	e->msg[0] = '\0';
	return ngb_options_parse(c, argc, argv, first, e);
}

static void test_values(void)
{
	struct ngb_err e;
	int first = -1;

	reset();
	expect_int_eq(parse(&cmd, &first, &e, "-q", "-r", "12", "--size=64K", "--timeout=0.5",
			    "--format", "json", "-lfoo", "--db=x.db", "--set", "a=1", "--set=b=2",
			    "--all", "op", NULL), 0, "a full line parses");
	expect_int_eq(v.quiet, 1, "a flag is set");
	expect_int_eq(v.all, 7, "OPT_SET_INT sets its value");
	expect_int_eq(v.reps, 12, "-r 12");
	expect_u64_eq(v.size, 65536, "--size=64K");
	expect_dbl_near(v.timeout, 0.5, 0, "--timeout=0.5");
	expect_int_eq(v.format, 2, "--format json is the index of json");
	expect_str_eq(v.label, "foo", "-lfoo: a short option with its value attached");
	expect_str_eq(v.db, "x.db", "--db");
	expect_int_eq(v.sets.n, 2, "--set twice gives two items");
	ok(v.sets.n == 2 && !strcmp(v.sets.v[0], "a=1") && !strcmp(v.sets.v[1], "b=2"),
	   "in order, the value after the first '=' kept whole");
	expect_int_eq(first, 14, "the operand comes after the options");

	reset();
	expect_int_eq(parse(&cmd, &first, &e, "--rep=3", NULL), 0, "a unique prefix is taken");
	expect_int_eq(v.reps, 3, "as the whole name");
	reset();
	expect_int_eq(parse(&cmd, &first, &e, "--profile", NULL), 0, "an optional value left out");
	expect_int_eq(v.profile, 1, "gives the table's value");
	expect_int_eq(parse(&cmd, &first, &e, "--profile=9", NULL), 0, "or given");
	expect_int_eq(v.profile, 9, "is taken");
	expect_int_eq(parse(&cmd, &first, &e, "--shard=1/3", NULL), 0, "a callback accepts");
	ok(v.cb_calls == 1 && !strcmp(v.cb_arg, "1/3"), "the callback saw the value");
	expect_int_eq(parse(&cmd, &first, &e, "--shard=x", NULL), -EINVAL, "a callback refuses");
	expect_str_eq(e.msg, "option '--shard' takes K/N, not 'x'", "with its own message");
	expect_int_eq(parse(&cmd, &first, &e, "--secret=s", NULL), 0, "a hidden option parses");
	expect_int_eq(parse(&cmd, &first, &e, "--label=", NULL), 0, "a string may be empty");
	expect_str_eq(v.label, "", "and is");
	expect_int_eq(parse(&cmd, &first, &e, "-h", "--bogus", NULL), NGB_OPTIONS_HELP,
		      "-h asks for help before a later error");
	expect_int_eq(parse(&cmd, &first, &e, "--help", NULL), NGB_OPTIONS_HELP, "so does --help");
}

static void test_errors(void)
{
	static const struct {
		const char *arg, *msg;
	} bad[] = {
		{ "-r", "option '--repetitions' needs a value" },
		{ "--repetitions", "option '--repetitions' needs a value" },
		{ "-r0", "option '--repetitions' must be between 1 and 100000, not 0" },
		{ "--repetitions=abc", "option '--repetitions' takes a whole number, not 'abc'" },
		{ "--repetitions= 4", "option '--repetitions' takes a whole number, not ' 4'" },
		{ "--size=3X", "option '--size' takes a size such as 4096, 64K or 1M, not '3X'" },
		{ "--size=8", "option '--size' must be between 16 and 1073741824 bytes" },
		{ "--size=99999999999T", "option '--size' takes a size such as 4096, 64K or 1M, "
					 "not '99999999999T'" },
		{ "--timeout=-1", "option '--timeout' must be between 0 and 1e+07, not -1" },
		{ "--timeout=nan", "option '--timeout' takes a number, not 'nan'" },
		{ "--format=yaml", "unknown format 'yaml': use text, markdown or json" },
		{ "--db=", "option '--db' needs a non-empty FILE" },
		{ "--profile=0", "option '--profile' must be between 1 and 100, not 0" },
		{ "--bogus", "unknown option '--bogus'" },
		{ "--bogus=1", "unknown option '--bogus=1'" },
		{ "-z", "unknown option '-z'" },
		{ "-qz", "unknown option '-z'" },
		{ "--quiet=1", "option '--quiet' takes no value" },
	};
	struct ngb_err e;
	int first;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset();
		expect_int_eq(parse(&cmd, &first, &e, bad[i].arg, NULL), -EINVAL, "'%s' is refused",
			      bad[i].arg);
		expect_str_eq(e.msg, bad[i].msg, "with the option named");
	}
	reset();
	parse(&cmd, &first, &e, "-r0", NULL);
	expect_int_eq(v.reps, 5, "a refused value leaves the default");
}

static void test_order(void)
{
	struct ngb_err e;
	int first;
	const char *argv[] = { "demo", "A", "-q", "B", "--", "-r", NULL };

	reset();
	expect_int_eq(ngb_options_parse(&cmd, 6, argv, &first, &e), 0, "GNU order: parses");
	expect_int_eq(v.quiet, 1, "an option after an operand is an option");
	expect_int_eq(first, 3, "the operands are moved to the end");
	ok(!strcmp(argv[3], "A") && !strcmp(argv[4], "B") && !strcmp(argv[5], "-r"),
	   "A B -r, in order; '--' ended the options");

	reset();
	{
		const char *pargv[] = { "demo", "-q", "OUT", "-r", "2", NULL };

		expect_int_eq(ngb_options_parse(&posix_cmd, 5, pargv, &first, &e), 0,
			      "POSIX order: parses");
		expect_int_eq(first, 2, "options end at the first operand");
		expect_int_eq(v.reps, 5, "so -r after it is an operand");
	}
}

static char *read_all(FILE *f)
{
	size_t n;
	char *buf = calloc(1, 8192);

	rewind(f);
	n = fread(buf, 1, 8191, f);
	buf[n] = '\0';
	return buf;
}

static void test_usage(void)
{
	FILE *f = tmpfile();
	char *s;

	if (!f) {
		tap_skip(9, "no temporary file");
		return;
	}
	reset();
	ngb_options_usage(&cmd, f);
	s = read_all(f);
	expect_str_contains(s, "usage: ngbench demo [OPTIONS] ARG...\n\nOptions:\n",
			    "the synopsis comes first, then the options");
	expect_str_contains(s, "  -q, --quiet", "a short and a long name");
	expect_str_contains(s, "      --all ", "a long name alone keeps the short names' column");
	expect_str_contains(s, "--repetitions=N", "the value's name");
	expect_str_contains(s, "trials per cell (default: 5)\n", "the default, from the variable");
	expect_str_contains(s, "a label\n                        second line of help\n",
			    "a second line of help is indented to the help column");
	expect_str_contains(s, "--profile[=N]", "an optional value in brackets");
	ok(strstr(s, "secret") == NULL, "a hidden option is not shown");
	expect_str_contains(s, "  -h, --help            show this help\n\nExit status: 0.\n",
			    "-h is always there, and the epilogue ends it");
	free(s);
	fclose(f);
}

/* A fixed help column and long options at the margin, as a command whose
 * help was written by hand lays it out. */
static void test_usage_layout(void)
{
	const char *db = NULL, *set = NULL;
	int force = 0;
	const struct ngb_option opts[] = {
		OPT_STRING(0, "db", &db, "PATH", "the database"),
		OPT_STRING(0, "baseline-file", &set, "FILE", "wider than the column"),
		{ .type = NGB_OPT_STRING, .short_name = 's', .long_name = "set", .value = &set,
		  .argh = "NAME=VALUE", .flags = NGB_OPT_SPACED, .help = "spaced" },
		OPT_FLAG(0, "force", &force, "first line\nsecond line"),
		OPT_END(),
	};
	const struct ngb_command fixed = { "demo", "usage: demo\n\n", NULL, opts,
					   NGB_CMD_HELP_FLUSH_LONG | NGB_CMD_HELP_COLUMN(12) };
	FILE *f = tmpfile();
	char *s;

	if (!f) {
		tap_skip(5, "no temporary file");
		return;
	}
	ngb_options_usage(&fixed, f);
	s = read_all(f);
	expect_str_contains(s, "Options:\n  --db=PATH the database\n",
			    "a long option at the margin, its help in the fixed column");
	expect_str_contains(s, "\n  --baseline-file=FILE  wider than the column\n",
			    "a wider option keeps its help on its line, two spaces after");
	expect_str_contains(s, "\n  -s, --set NAME=VALUE  spaced\n",
			    "a spaced value is shown as a word of its own");
	expect_str_contains(s, "\n  --force   first line\n            second line\n",
			    "a second line starts in the fixed column");
	expect_str_contains(s, "\n  -h, --help  show this help\n", "and so does -h");
	free(s);
	fclose(f);
}

/* ngb_parse_options prints the error as the commands did, and returns -2. */
static void test_front(void)
{
	char path[4096];
	const char *argv[] = { "demo", "--format=ya\033ml", NULL };
	int fd = mkstemp(tap_tmp_template(path, sizeof(path), "ngb-options")), saved = dup(2), r;
	FILE *f;
	char *s;

	if (fd < 0 || saved < 0) {
		tap_skip(3, "no temporary file");
		return;
	}
	fflush(stderr);
	dup2(fd, 2);
	r = ngb_parse_options(&cmd, 2, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	expect_int_eq(r, NGB_OPTIONS_EXIT_USAGE, "a bad value: the usage exit");
	expect_int_eq(ngb_options_exit(r), 2, "which is status 2");
	f = fdopen(fd, "r");
	s = read_all(f);
	expect_str_eq(s, "ngbench: error: unknown format 'ya\\x1bml': use text, markdown or json\n"
			 "Try 'ngbench demo --help'.\n", "the message, escape shown as \\x1b");
	free(s);
	fclose(f);
	unlink(path);
}

int main(void)
{
	tap_plan(27 + 2 * 18 + 1 + 7 + 9 + 5 + 3);
	test_values();
	test_errors();
	test_order();
	test_usage();
	test_usage_layout();
	test_front();
	ngb_option_list_release(&v.sets);
	return tap_done();
}
