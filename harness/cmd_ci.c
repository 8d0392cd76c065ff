/*
 * harness/cmd_ci.c - ngbench ci: one command for a CI job.  Runs an
 * experiment as one session, judges it against a baseline file (the gate of
 * reports/gate.c), prints the verdicts, writes a markdown summary and JUnit
 * XML, and exits non-zero on a regression.
 *
 * The machine is checked against the baseline before anything runs, so a
 * job on the wrong machine fails in a second with the reason, not after
 * minutes of trials.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char ci_usage[] =
	"usage: ngbench ci --experiment=NAME --baseline-file=FILE [OPTIONS]\n"
	"\n"
	"Runs the experiment (a name from 'ngbench list experiments' or an INI path) as\n"
	"one session and judges every cell against the baseline file ('ngbench baseline\n"
	"save'):\n"
	"  simulated cells (--counters=sim)  instructions and D1 / last-level misses (per\n"
	"      operation, or per run) may rise by the threshold plus twice the range\n"
	"      the baseline's own runs showed; deterministic allocators show none\n"
	"  timed cells  as 'ngbench compare' (--stat, --min-effect): slower is a regression;\n"
	"      with a control in the baseline ('baseline save --control'), each run's\n"
	"      metric over the control's run in its round, by median unless --stat\n"
	"A cell whose trials failed, or that is missing from the run, fails too.\n"
	"\n"
	"Options:\n"
	"  -x, --experiment=NAME    the experiment to run\n"
	"  -b, --baseline-file=FILE the baseline to judge against\n"
	"      --summary=FILE       append a markdown summary (e.g. $GITHUB_STEP_SUMMARY)\n"
	"      --junit=FILE         write JUnit XML: one testcase per cell\n"
	"      --format=FMT         what goes to standard output: text (default), markdown\n"
	"                           or json\n"
	"      --threshold=PCT      simulated cells: the allowed increase (default 0.5%)\n"
	"      --stat=STAT          timed cells: p25 (default), min or median\n"
	"      --min-effect=PCT     timed cells: the smallest change that counts (default 5%)\n"
	"      --force              judge even when the baseline comes from another machine\n"
	"                           or cache geometry (the summary says so)\n"
	"  -r, --repetitions=N      override the experiment's repetitions\n"
	"  -a, --allocator=LIST     narrow the experiment's allocators\n"
	"      --cpus=LIST          pin the trials (use the baseline's setting; docs/ci.md)\n"
	"  -l, --label=TEXT         the session's label (default ci:NAME:TIME)\n"
	"      --db=PATH            the database (default as 'ngbench run')\n"
	"  -q, --quiet              no progress line\n"
	"  -h, --help               show this help\n"
	"\n"
	"Exit status: 0 no regression; 1 a regression, a failed or missing cell, or a\n"
	"failure to run; 2 bad usage; 3 the baseline comes from another machine or\n"
	"geometry (without --force); 128+N interrupted.\n"
	"\n"
	"Example (this project's own CI, docs/ci.md):\n"
	"  ngbench ci --experiment=ci-sim --baseline-file=data/baselines/ci-sim.baseline \\\n"
	"             --cpus=0 --summary=ci-summary.md --junit=ci-junit.xml\n"
	"A timed gate against the control ptmalloc2 (baseline saved on the runner; the\n"
	"experiment names its control and the baseline's 400 repetitions):\n"
	"  ngbench baseline save --experiment=ci-time -o time.baseline\n"
	"  ngbench ci --experiment=ci-time --baseline-file=time.baseline\n";

int ci_parse_gate_option(const char *cmd, int c, const char *arg, struct ngb_gate_options *g)
{
	switch (c) {
	case 'T':
		if (compare_parse_effect(arg, &g->threshold))
			return usage_error(cmd, "bad threshold '%s': give a percentage such as 0.5%% "
					   "or a fraction such as 0.005", arg);
		return 0;
	case 'S':
		if (ngb_compare_stat_parse(arg, &g->time.stat))
			return usage_error(cmd, "unknown statistic '%s': use min, p25 or median", arg);
		g->stat_given = 1;
		return 0;
	case 'M':
		if (compare_parse_effect(arg, &g->time.min_effect))
			return usage_error(cmd, "bad minimum effect '%s': give a percentage such as 5%% "
					   "or a fraction such as 0.05, below 100%%", arg);
		return 0;
	case 'F':
		g->force = 1;
		return 0;
	}
	return -1;
}

int cmd_ci(int argc, const char **argv)
{
	static const struct option opts[] = {
		{ "experiment", required_argument, NULL, 'x' },
		{ "baseline-file", required_argument, NULL, 'b' },
		{ "summary", required_argument, NULL, 'm' },
		{ "junit", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "threshold", required_argument, NULL, 'T' },
		{ "stat", required_argument, NULL, 'S' },
		{ "min-effect", required_argument, NULL, 'M' },
		{ "force", no_argument, NULL, 'F' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "allocator", required_argument, NULL, 'a' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "label", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ngb_gate_options gopt = { 0.005, { NGB_STAT_P25, 0.05, 0.95 }, 0, 0 };
	const char *xname = NULL, *bfile = NULL, *summary = NULL, *junit = NULL, *reps = NULL;
	const char *allocs = NULL, *cpus = NULL, *label = NULL, *db = NULL;
	enum ngb_report_format fmt = NGB_FORMAT_TEXT;
	struct ngb_baseline *base = NULL, here;
	struct ngb_store *st = NULL;
	struct ngb_err e;
	char *lab = NULL, *suite;
	int64_t sid;
	int c, quiet = 0, run_rc, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, (char *const *)argv, ":x:b:r:a:l:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'x': xname = optarg; break;
		case 'b': bfile = optarg; break;
		case 'm': summary = optarg; break;
		case 'j': junit = optarg; break;
		case 'r': reps = optarg; break;
		case 'a': allocs = optarg; break;
		case 'c': cpus = optarg; break;
		case 'l': label = optarg; break;
		case 'd': db = optarg; break;
		case 'q': quiet = 1; break;
		case 'f':
			if (ngb_report_format_parse(optarg, &fmt) ||
			    (fmt != NGB_FORMAT_TEXT && fmt != NGB_FORMAT_MARKDOWN &&
			     fmt != NGB_FORMAT_JSON))
				return usage_error("ci", "unknown format '%s': use text, markdown or json",
						   optarg);
			break;
		case 'T': case 'S': case 'M': case 'F':
			rc = ci_parse_gate_option("ci", c, optarg, &gopt);
			if (rc)
				return rc;
			break;
		case 'h':
			fputs(ci_usage, stdout);
			return 0;
		case ':':
			return usage_error("ci", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("ci", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("ci", "unexpected argument '%s'", argv[optind]);
	if (!xname || !bfile)
		return usage_error("ci", "give --experiment=NAME and --baseline-file=FILE");
	if (ngb_baseline_read(bfile, &base, &e)) {
		error("%s", e.msg);
		return 2;
	}
	/* the wrong machine is told at once, not after the run */
	ci_machine_fingerprint(&here);
	rc = ngb_baseline_check_machine(base, &here, &e);
	free(here.cpu_model);
	free(here.os);
	free(here.kernel);
	free(here.libc);
	if (rc && !gopt.force) {
		error("%s; run the experiment and save a baseline on this machine (docs/ci.md), "
		      "or judge anyway with --force", e.msg);
		ngb_baseline_free(base);
		return 3;
	}
	{
		char *now = now_iso8601();

		lab = label ? xstrdup(label) : xasprintf("ci:%s:%s", xname, now);
		free(now);
	}
	run_rc = ci_run_experiment("ci", xname, lab, db, reps, allocs, cpus, quiet);
	if (run_rc == 2 || run_rc > 128) {
		rc = run_rc;
		goto out;
	}
	rc = cmd_open_session("ci", db, lab, &st, &sid);
	if (rc)
		goto out;
	suite = xasprintf("ngbench ci %s", xname);
	putchar('\n');
	rc = ci_judge(st, sid, base, &gopt, fmt, summary, junit, suite);
	free(suite);
	ngb_store_close(st);
	/* failed trials already fail their cells; a run error with none is still one */
	if (!rc && run_rc)
		rc = 1;
out:
	free(lab);
	ngb_baseline_free(base);
	if (fflush(stdout) && !rc)
		rc = 1;
	return rc;
}
