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

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static const char reproduce_usage[] =
	"usage: ngbench reproduce [OPTIONS] EXPERIMENT\n"
	"\n"
	"Runs an experiment (a name from 'ngbench list experiments' or the path of an\n"
	"INI file) as one session and writes its report folder: report.txt, .md, .csv,\n"
	"JSON and the self-contained report.html, with the plots (gnuplot data, scripts,\n"
	"SVG and PNG) in plots/.  The table is printed and then the path of every file.\n"
	"\n"
	"Options:\n"
	"  -o, --output-dir=DIR   where the report goes (default: ./EXPERIMENT-report)\n"
	"  -l, --label=TEXT       the session's label (default: reproduce:EXPERIMENT:TIME)\n"
	"  -a, --allocator=LIST   narrow the experiment's allocators\n"
	"  -r, --repetitions=N    override the experiment's repetitions\n"
	"      --baseline=NAME    the allocator the report compares with\n"
	"      --db=PATH          the database\n"
	"  -q, --quiet            no progress line\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: that of the run (0 when every trial succeeded, 1 when any failed,\n"
	"2 for bad usage), or 1 when the report could not be written.  The report is\n"
	"written even when some trials failed: it lists them with their reasons.\n"
	"\n"
	"Example:\n"
	"  ngbench reproduce hoard-scaling -r 3\n";

int cmd_reproduce(int argc, const char **argv)
{
	static const struct option opts[] = {
		{ "output-dir", required_argument, NULL, 'o' },
		{ "label", required_argument, NULL, 'l' },
		{ "allocator", required_argument, NULL, 'a' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "db", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outdir = NULL, *label = NULL, *allocs = NULL, *reps = NULL, *db = NULL;
	const char *baseline = NULL;
	struct strvec report = STRVEC_INIT;
	char *dir = NULL, *lab = NULL, *name;
	int c, quiet = 0, run_rc, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, (char *const *)argv, ":o:l:a:r:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'l': label = optarg; break;
		case 'a': allocs = optarg; break;
		case 'r': reps = optarg; break;
		case 'b': baseline = optarg; break;
		case 'd': db = optarg; break;
		case 'q': quiet = 1; break;
		case 'h':
			fputs(reproduce_usage, stdout);
			return 0;
		case ':':
			return usage_error("reproduce", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("reproduce", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("reproduce", "give one experiment: a name from 'ngbench list "
				   "experiments' or the path of an INI file");
	/* the experiment's name without folder or .ini, for the defaults */
	name = xstrdup(strrchr(argv[optind], '/') ? strrchr(argv[optind], '/') + 1 : argv[optind]);
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

	run_rc = ci_run_experiment("reproduce", argv[optind], lab, db, reps, allocs, NULL, quiet);
	if (run_rc == 2 || run_rc > 128) {
		/* bad input (nothing ran) or interrupted: no report to write */
		rc = run_rc;
		goto out;
	}

	strvec_push(&report, "report");
	strvec_pushf(&report, "--output-dir=%s", dir);
	if (db)
		strvec_pushf(&report, "--db=%s", db);
	if (baseline)
		strvec_pushf(&report, "--baseline=%s", baseline);
	strvec_push(&report, lab);
	printf("\n");
	rc = cmd_report((int)report.n, (const char **)report.v);
	if (rc == 0)
		rc = run_rc;
out:
	strvec_clear(&report);
	free(dir);
	free(lab);
	free(name);
	return rc;
}
