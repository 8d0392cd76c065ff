/*
 * harness/main.c - the ngbench command: a table of subcommands, git style.
 *
 *   ngbench [--version] [--help] COMMAND [ARGS]
 *
 * Each command is `int cmd_<name>(int argc, const char **argv)` in its own
 * file and returns the exit status; `ngbench help CMD` runs `CMD --help`.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

struct command {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run allocators x workloads (or any command) and store the trials" },
	{ "list", cmd_list, "list allocators, workloads or stored sessions" },
	{ "report", cmd_report, "show a table of a stored session" },
	{ "compare", cmd_compare, "compare two sessions cell by cell, with a verdict" },
	{ "baseline", cmd_baseline, "save a session as a baseline file for CI (in git)" },
	{ "ci", cmd_ci, "run an experiment and gate it against a baseline file" },
	{ "merge", cmd_merge, "merge databases: the shards of a session into one" },
	{ "history", cmd_history, "a metric over sessions, with its change points" },
	{ "export", cmd_export, "write raw trials and counters as CSV or JSON" },
	{ "reproduce", cmd_reproduce, "run an experiment and write its report folder" },
	{ "trace", cmd_trace, "record a program's allocation calls; show or convert a trace" },
	{ "perfmon", cmd_perfmon, "tell what this machine can count, and why not" },
	{ "doctor", cmd_perfmon, "the same as perfmon" },
	{ "help", cmd_help, "show help on ngbench or on one command" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char main_usage[] =
	"usage: ngbench [--version] [--help] COMMAND [ARGS]\n"
	"\n"
	"Benchmarks and characterizes memory allocators: runs workloads (or any\n"
	"command) under each allocator, one child process per trial, and stores\n"
	"every trial with its resources, counters and provenance in SQLite.\n"
	"\n"
	"Commands:\n";

static void print_main_help(FILE *f)
{
	size_t i;

	fputs(main_usage, f);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nExamples:\n"
	      "  ngbench list allocators\n"
	      "  ngbench run --allocator=all --workload=larson --preset=quick -r 5\n"
	      "  ngbench run --allocator=jemalloc,mimalloc -r 3 -- ./my-app --input data\n"
	      "  ngbench report latest\n"
	      "\n'ngbench help COMMAND' shows the options of a command; 'man ngbench' has more.\n",
	      f);
}

const char *const *command_names(size_t *n)
{
	static const char *names[NCOMMANDS];
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	*n = NCOMMANDS;
	return names;
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int show_command_help(const char *name)
{
	const struct command *c = find_command(name);
	const char *argv[] = { name, "--help", NULL };

	if (!c)
		return -1;
	return c->fn(2, argv);
}

static int unknown_command(const char *name)
{
	size_t n;
	const char *const *names = command_names(&n);
	const char *guess = closest_name(name, names, n);

	error("'%s' is not an ngbench command", name);
	if (guess)
		fprintf(stderr, "Did you mean '%s'?\n", guess);
	fprintf(stderr, "Commands:");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %s", names[i]);
	fprintf(stderr, "\nSee 'ngbench --help'.\n");
	return 2;
}

int cmd_help(int argc, const char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: ngbench help [COMMAND]\n\n"
		       "Shows the help of ngbench, or of COMMAND (the same as 'ngbench COMMAND --help').\n");
		return 0;
	}
	if (argc < 2) {
		print_main_help(stdout);
		return 0;
	}
	if (argc > 2)
		return usage_error("help", "'help' takes one command name");
	if (show_command_help(argv[1]) < 0)
		return unknown_command(argv[1]);
	return 0;
}

/*
 * An option that names a file or folder, given empty ("--db=", or "--db"
 * followed by ""), is a usage error for every command: it is what a script
 * with an unset variable writes, and falling back to a default would put
 * results somewhere the user did not mean.
 */
static int check_empty_paths(const char *cmd, int argc, const char **argv)
{
	static const char *const longs[] = {
		"db", "output", "output-dir", "plot-dir", "summary", "junit", "baseline-file",
		"experiment", "allocator",
	};
	static const char shorts[] = "oxa";
	int i;
	size_t k;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i];
		int next_empty = i + 1 < argc && !argv[i + 1][0];

		if (a[0] != '-')
			continue;
		for (k = 0; k < sizeof(longs) / sizeof(longs[0]); k++) {
			size_t n = strlen(longs[k]);

			if (a[1] == '-' && !strncmp(a + 2, longs[k], n) &&
			    ((a[2 + n] == '=' && !a[3 + n]) || (!a[2 + n] && next_empty)))
				return usage_error(cmd, "option '--%s' is empty: give a path (is a "
						   "variable unset?)", longs[k]);
		}
		if (a[1] && a[1] != '-' && !a[2] && strchr(shorts, a[1]) && next_empty)
			return usage_error(cmd, "option '-%c' is empty: give a path or name (is a "
					   "variable unset?)", a[1]);
	}
	return 0;
}

int main(int argc, const char **argv)
{
	const struct command *c;

	ngb_argc = argc;
	ngb_argv = argv;
	if (argc < 2) {
		print_main_help(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("ngbench %s (commit %s)\n", PACKAGE_VERSION, ngb_git_commit());
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_main_help(stdout);
		return 0;
	}
	if (argv[1][0] == '-')
		return usage_error(NULL, "unknown option '%s'; see 'ngbench --help'", argv[1]);
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	if (check_empty_paths(c->name, argc - 1, argv + 1))
		return 2;
	return c->fn(argc - 1, argv + 1);
}
