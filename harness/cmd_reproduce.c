/*
 * harness/cmd_reproduce.c - ngbench reproduce NAME: runs an experiment and
 * writes its report folder (tables in every format, plots, the HTML page).
 *
 * It runs the experiment with the run engine as one labelled session, then
 * 'ngbench report LABEL --output-dir=DIR', so that the session is an
 * ordinary one: it can be reported again, compared and exported like any
 * other.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "../lib/options.h"
#include "ngbench/report.h"

static const char reproduce_synopsis[] =
	"usage: ngbench reproduce [OPTIONS] EXPERIMENT\n"
	"\n"
	"Runs an experiment (a name from 'ngbench list experiments' or the path of an\n"
	"INI file) as one session and writes its report folder: report.txt, .md, .csv,\n"
	"JSON and the self-contained report.html, with the plots (gnuplot data, scripts,\n"
	"SVG and PNG) in plots/.  The table is printed and then the path of every file.\n"
	"\n";

static const char reproduce_epilogue[] =
	"Exit status: that of the run (0 when every trial succeeded, 1 when any failed,\n"
	"2 for bad usage), or 1 when the report could not be written.  The report is\n"
	"written even when some trials failed: it lists them with their reasons.\n"
	"\n"
	"Example:\n"
	"  ngbench reproduce hoard-scaling -r 3\n";

int cmd_reproduce(int argc, const char **argv)
{
	const char *outdir = NULL, *label = NULL, *allocs = NULL, *reps = NULL, *db = NULL;
	const char *baseline = NULL;
	int quiet = 0;
	const struct ngb_option opts[] = {
		OPT_PATH('o', "output-dir", &outdir, "DIR",
			 "where the report goes (default: ./EXPERIMENT-report)"),
		OPT_STRING('l', "label", &label, "TEXT",
			   "the session's label (default: reproduce:EXPERIMENT:TIME)"),
		OPT_STRING('a', "allocator", &allocs, "LIST", "narrow the experiment's allocators"),
		OPT_STRING('r', "repetitions", &reps, "N", "override the experiment's repetitions"),
		OPT_CALLBACK(0, "baseline", &baseline, "NAME", report_baseline_option,
			     "the allocator the report compares with"),
		OPT_PATH(0, "db", &db, "PATH", "the database"),
		OPT_FLAG('q', "quiet", &quiet, "no progress line"),
		OPT_END(),
	};
	const struct ngb_command cmd = { "reproduce", reproduce_synopsis, reproduce_epilogue, opts,
					 0 };
	struct report_args report = { .format = NGB_FORMAT_TEXT };
	char *dir = NULL, *lab = NULL, *name;
	int first = ngb_parse_options(&cmd, argc, argv), run_rc, rc;

	if (first < 0)
		return ngb_options_exit(first);
	if (first != argc - 1)
		return usage_error("reproduce", "give one experiment: a name from 'ngbench list "
				   "experiments' or the path of an INI file");
	/* the experiment's name without folder or .ini, for the defaults */
	name = xstrdup(strrchr(argv[first], '/') ? strrchr(argv[first], '/') + 1 : argv[first]);
	if (strlen(name) > 4 && !strcmp(name + strlen(name) - 4, ".ini"))
		name[strlen(name) - 4] = '\0';
	dir = outdir ? xstrdup(outdir) : xasprintf("%s-report", name);
	if (label) {
		lab = xstrdup(label);
	} else {
		char *now = now_iso8601();

		lab = xasprintf("reproduce:%s:%s", name, now);
		free(now);
	}

	run_rc = ci_run_experiment("reproduce", argv[first], lab, db, reps, allocs, NULL, quiet);
	if (run_rc == 2 || run_rc > 128) {
		/* bad input (nothing ran) or interrupted: no report to write */
		rc = run_rc;
		goto out;
	}

	report.db = db;
	report.selector = lab;
	report.baseline = baseline;
	report.outdir = dir;
	printf("\n");
	rc = report_run(&report);
	if (rc == 0)
		rc = run_rc;
out:
	free(dir);
	free(lab);
	free(name);
	return rc;
}
