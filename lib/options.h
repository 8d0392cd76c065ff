/*
 * lib/options.h - a command's options declared in one table, in the spirit
 * of git's parse-options: the name, the type of the value, where it goes, its
 * limits and its help text side by side.  From the table the helper builds
 * getopt_long's arrays, parses, refuses a bad value naming the option, and
 * prints the --help text.
 *
 *	static const char *const formats[] = { "text", "json", NULL };
 *	int quiet = 0, format = 0;
 *	long reps = 5;
 *	const struct ngb_option opts[] = {
 *		OPT_FLAG('q', "quiet", &quiet, "only errors and warnings"),
 *		OPT_INT('r', "repetitions", &reps, "N", 1, 100000, "trials per cell"),
 *		OPT_ENUM(0, "format", &format, formats, "text (default) or json"),
 *		OPT_END(),
 *	};
 *	const struct ngb_command cmd = { "merge", merge_usage, NULL, opts };
 *	int i = ngb_parse_options(&cmd, argc, argv);
 *
 *	if (i < 0)
 *		return ngb_options_exit(i);   // --help printed: 0; bad usage: 2
 *	// argv[i..argc-1] are the operands
 *
 * -h and --help are always there (the table need not list them).  An option
 * given twice takes its last value, except a list, which collects them all.
 * A value out of range, malformed or missing is refused with the option
 * named ("option '--repetitions' must be between 1 and 100000, not 0"),
 * followed by "Try 'ngbench CMD --help'." and exit status 2, the same words
 * the commands used before the table existed.
 *
 * ngb_options_parse() is the part without output, for tests and for code
 * that wants the message itself.
 */
#ifndef NGBENCH_LIB_OPTIONS_H
#define NGBENCH_LIB_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ngbench/error.h"

enum ngb_option_type {
	NGB_OPT_END,
	NGB_OPT_FLAG,     /* int: set to .ival (1 unless given) */
	NGB_OPT_STRING,   /* const char *: the argument as given, "" allowed */
	NGB_OPT_PATH,     /* const char *: a non-empty argument */
	NGB_OPT_INT,      /* long in [.min, .max] */
	NGB_OPT_SIZE,     /* uint64_t in [.umin, .umax]: 123, 4K, 1M, 2G, 1GiB */
	NGB_OPT_DOUBLE,   /* double in [.dmin, .dmax], finite */
	NGB_OPT_ENUM,     /* int: the index of the argument in .choices */
	NGB_OPT_LIST,     /* struct ngb_option_list: every occurrence, in order */
	NGB_OPT_CALLBACK, /* .cb(opt, arg, e) decides */
};

/* Flags of an option. */
#define NGB_OPT_OPTARG 1 /* the value is optional: --name or --name=VALUE */
#define NGB_OPT_HIDDEN 2 /* accepted, not shown in --help */
#define NGB_OPT_SPACED 4 /* --help shows "--name VALUE", not "--name=VALUE" */

struct ngb_option;
/* 0, or a negative errno with a message in e naming the option. */
typedef int (*ngb_option_cb)(const struct ngb_option *opt, const char *arg, struct ngb_err *e);

struct ngb_option {
	enum ngb_option_type type;
	int short_name;           /* 'q', or 0 for a long option only */
	const char *long_name;    /* "quiet", or NULL for a short option only */
	void *value;              /* where the value goes (see the types) */
	const char *argh;         /* the value's name in --help: "N", "FILE" */
	const char *help;         /* one line or several separated by '\n' */
	int flags;
	long ival;                /* FLAG: the value set */
	long min, max;            /* INT */
	uint64_t umin, umax;      /* SIZE */
	double dmin, dmax;        /* DOUBLE */
	const char *const *choices; /* ENUM: NULL-terminated */
	ngb_option_cb cb;         /* CALLBACK; .value is passed through in opt */
};

/* The values of a NGB_OPT_LIST option; items point into argv. */
struct ngb_option_list {
	const char **v;
	size_t n, alloc;
};
void ngb_option_list_release(struct ngb_option_list *l);

#define OPT_END() { .type = NGB_OPT_END }
#define OPT_FLAG(s, l, v, h) \
	{ .type = NGB_OPT_FLAG, .short_name = (s), .long_name = (l), .value = (v), .help = (h), \
	  .ival = 1 }
#define OPT_SET_INT(s, l, v, i, h) \
	{ .type = NGB_OPT_FLAG, .short_name = (s), .long_name = (l), .value = (v), .help = (h), \
	  .ival = (i) }
#define OPT_STRING(s, l, v, a, h) \
	{ .type = NGB_OPT_STRING, .short_name = (s), .long_name = (l), .value = (v), \
	  .argh = (a), .help = (h) }
#define OPT_PATH(s, l, v, a, h) \
	{ .type = NGB_OPT_PATH, .short_name = (s), .long_name = (l), .value = (v), \
	  .argh = (a), .help = (h) }
#define OPT_INT(s, l, v, a, lo, hi, h) \
	{ .type = NGB_OPT_INT, .short_name = (s), .long_name = (l), .value = (v), \
	  .argh = (a), .help = (h), .min = (lo), .max = (hi) }
#define OPT_SIZE(s, l, v, a, lo, hi, h) \
	{ .type = NGB_OPT_SIZE, .short_name = (s), .long_name = (l), .value = (v), \
	  .argh = (a), .help = (h), .umin = (lo), .umax = (hi) }
#define OPT_DOUBLE(s, l, v, a, lo, hi, h) \
	{ .type = NGB_OPT_DOUBLE, .short_name = (s), .long_name = (l), .value = (v), \
	  .argh = (a), .help = (h), .dmin = (lo), .dmax = (hi) }
#define OPT_ENUM(s, l, v, a, c, h) \
	{ .type = NGB_OPT_ENUM, .short_name = (s), .long_name = (l), .value = (v), \
	  .argh = (a), .help = (h), .choices = (c) }
#define OPT_LIST(s, l, v, a, h) \
	{ .type = NGB_OPT_LIST, .short_name = (s), .long_name = (l), .value = (v), \
	  .argh = (a), .help = (h) }
#define OPT_CALLBACK(s, l, v, a, f, h) \
	{ .type = NGB_OPT_CALLBACK, .short_name = (s), .long_name = (l), .value = (v), \
	  .argh = (a), .help = (h), .cb = (f) }

/* A command: its name, and the text of its --help around the option table. */
struct ngb_command {
	const char *name;         /* "merge": in messages and "Try 'ngbench merge --help'" */
	const char *synopsis;     /* "usage: ngbench merge [--quiet] OUT.db IN.db...\n\n..." */
	const char *epilogue;     /* after the options, or NULL */
	const struct ngb_option *options;
	int flags;                /* NGB_CMD_* */
};

/* Options end at the first operand (POSIX order): "ngbench merge OUT -q"
 * takes -q as a file.  Without it options and operands may mix, as in
 * "ngbench report 3 --format=json" (GNU order); "--" ends the options. */
#define NGB_CMD_STOP_AT_OPERAND 1

/* --help writes a long option without a short one at the margin
 * ("  --db=PATH"), not lined up under the long names ("  -h, --help"). */
#define NGB_CMD_HELP_FLUSH_LONG 2

/* --help starts the options' help in column c (at most 255).  Without it
 * the column is computed: past the widest option, at most 26, a wider one
 * puts its help on the next line.  A fixed column lets a wider option keep
 * its help on its own line, two spaces after it. */
#define NGB_CMD_HELP_COLUMN(c) ((c) << 8)

/* Returned by ngb_options_parse() when -h or --help was given. */
#define NGB_OPTIONS_HELP 1

/*
 * Parses the options in argv[1..] (argv[0] is the command's name) and
 * stores their values; GNU order moves the operands to the end of argv as
 * getopt_long does.  Returns 0 with *first the index of the first operand,
 * NGB_OPTIONS_HELP, or -EINVAL with the message in e.
 */
int ngb_options_parse(const struct ngb_command *cmd, int argc, const char **argv, int *first,
		      struct ngb_err *e);

/* Writes cmd->synopsis, "Options:", the table and cmd->epilogue to f. */
void ngb_options_usage(const struct ngb_command *cmd, FILE *f);

#define NGB_OPTIONS_EXIT_HELP (-1)  /* --help was printed: exit 0 */
#define NGB_OPTIONS_EXIT_USAGE (-2) /* a usage error was printed: exit 2 */

/*
 * For a command: parses; on -h prints the help on stdout, on a bad option
 * prints "ngbench: error: MESSAGE" and "Try 'ngbench NAME --help'." on
 * stderr.  Returns the index of the first operand, or one of the two
 * NGB_OPTIONS_EXIT_* values, which ngb_options_exit() turns into the
 * command's exit status.
 */
int ngb_parse_options(const struct ngb_command *cmd, int argc, const char **argv);

static inline int ngb_options_exit(int r)
{
	return r == NGB_OPTIONS_EXIT_HELP ? 0 : 2;
}

#endif /* NGBENCH_LIB_OPTIONS_H */
