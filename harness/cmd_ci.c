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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../lib/options.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char ci_synopsis[] =
	"usage: ngbench ci --experiment=NAME --baseline-file=FILE [OPTIONS]\n"
	"\n"
	"Runs the experiment (a name from 'ngbench list experiments' or an INI path) as\n"
	"one session and judges every cell against the baseline file ('ngbench baseline\n"
	"save'):\n"
	"  simulated cells (--counters=sim)  instructions and D1 / last-level misses (per\n"
	"      operation, or per run) may rise by the threshold plus twice the range\n"
	"      the baseline's own runs showed (a miss count at least as much as the\n"
	"      instructions); deterministic allocators show none\n"
	"  timed cells  as 'ngbench compare' (--stat, --min-effect): slower is a regression;\n"
	"      with a control in the baseline ('baseline save --control'), each run's\n"
	"      metric over the control's run in its round, by median unless --stat\n"
	"A cell whose trials failed, or that is missing from the run, fails too.\n"
	"\n";

static const char ci_epilogue[] =
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

int cmd_ci(int argc, const char **argv)
{
	static const char *const formats[] = { "text", "markdown", "json", NULL };
	static const enum ngb_report_format format_of[] = { NGB_FORMAT_TEXT, NGB_FORMAT_MARKDOWN,
							    NGB_FORMAT_JSON };
	struct ngb_gate_options gopt = { 0.005, { NGB_STAT_P25, 0.05, 0.95, 0, 0 }, 0, 0 };
	const char *xname = NULL, *bfile = NULL, *summary = NULL, *junit = NULL, *reps = NULL;
	const char *allocs = NULL, *cpus = NULL, *label = NULL, *db = NULL;
	int quiet = 0, format = 0;
	const struct ngb_option opts[] = {
		OPT_STRING('x', "experiment", &xname, "NAME", "the experiment to run"),
		OPT_PATH('b', "baseline-file", &bfile, "FILE", "the baseline to judge against"),
		OPT_PATH(0, "summary", &summary, "FILE",
			 "append a markdown summary (e.g. $GITHUB_STEP_SUMMARY)"),
		OPT_PATH(0, "junit", &junit, "FILE", "write JUnit XML: one testcase per cell"),
		OPT_ENUM(0, "format", &format, "FMT", formats,
			 "what goes to standard output: text, markdown\nor json"),
		OPT_CALLBACK(0, "threshold", &gopt, "PCT", gate_option_threshold,
			     "simulated cells: the allowed increase (default 0.5%)"),
		OPT_CALLBACK(0, "stat", &gopt, "STAT", gate_option_stat,
			     "timed cells: p25 (default), min or median"),
		OPT_CALLBACK(0, "min-effect", &gopt, "PCT", gate_option_min_effect,
			     "timed cells: the smallest change that counts (default 5%)"),
		OPT_FLAG(0, "force", &gopt.force, "judge even when the baseline comes from another\n"
			 "machine or cache geometry (the summary says so)"),
		OPT_STRING('r', "repetitions", &reps, "N", "override the experiment's repetitions"),
		OPT_STRING('a', "allocator", &allocs, "LIST", "narrow the experiment's allocators"),
		OPT_STRING(0, "cpus", &cpus, "LIST", "pin the trials (use the baseline's setting;\n"
			   "docs/ci.md)"),
		OPT_STRING('l', "label", &label, "TEXT", "the session's label (default ci:NAME:TIME)"),
		OPT_PATH(0, "db", &db, "PATH", "the database (default as 'ngbench run')"),
		OPT_FLAG('q', "quiet", &quiet, "no progress line"),
		OPT_END(),
	};
	const struct ngb_command cmd = { "ci", ci_synopsis, ci_epilogue, opts, 0 };
	enum ngb_report_format fmt;
	struct ngb_baseline *base = NULL, here;
	struct ngb_store *st = NULL;
	struct ngb_err e;
	char *lab = NULL, *suite;
	int64_t sid;
	int first = ngb_parse_options(&cmd, argc, argv), run_rc, rc;

	if (first < 0)
		return ngb_options_exit(first);
	if (first != argc)
		return usage_error("ci", "unexpected argument '%s'", argv[first]);
	fmt = format_of[format];
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
