/*
 * harness/cmd_compare.c - ngbench compare A B: two sessions cell by cell,
 * with a verdict per cell and an exit status for CI.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../lib/options.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char compare_synopsis[] =
	"usage: ngbench compare [--db=PATH] [--stat=min|p25|median] [--min-effect=PCT]\n"
	"                       [--absolute] [--history] [--format=text|json|html]\n"
	"                       [--output=FILE] A B\n"
	"   or: ngbench compare --baseline-file=FILE [--threshold=PCT] [--force] [OPTIONS]\n"
	"                       [SESSION]\n"
	"\n"
	"Compares session B with session A cell by cell (workload and parameter set x\n"
	"threads x allocator): the speedup of B over A (> 1: B is better) with a 95%\n"
	"interval, the two-sided Mann-Whitney U test of all runs, and a verdict, held\n"
	"across the cells by Holm's correction (the chance that any cell of the\n"
	"comparison is called faster or slower by noise alone is 5%), relative to the\n"
	"shift of the whole session (the median speedup over the cells: the machine\n"
	"moves every cell of a session together), which is reported once:\n"
	"  slower, faster  the whole interval lies beyond the minimum effect\n"
	"  same            the interval lies within the minimum effect, or the change is\n"
	"                  real but smaller than it\n"
	"  noisy           nothing can be told: the interval holds 1 and reaches beyond the\n"
	"                  minimum effect (or a side has a single run)\n"
	"\n"
	"A and B are session numbers, labels (the newest session with it) or 'latest'.\n"
	"\n"
	"With --baseline-file, SESSION (default: latest) is judged against a baseline\n"
	"file ('ngbench baseline save') as 'ngbench ci' judges it: timed cells by the\n"
	"statistic and minimum effect below, simulated cells (--counters=sim) by their\n"
	"instructions and D1 / last-level misses, which may rise by the threshold plus\n"
	"twice the range of the baseline's own runs (a miss count at least as much as the\n"
	"instructions).  A baseline from another machine (CPU, cores, kernel, libc; for\n"
	"simulated cells libc, OS and cache geometry) is refused with the differences,\n"
	"unless --force.\n"
	"\n";

static const char compare_epilogue[] =
	"Exit status: 0, 1 when any cell is significantly slower by more than the minimum\n"
	"effect (or the database cannot be read; with a baseline file: any regression, or\n"
	"a failed or missing cell), 2 for bad usage, 3 a baseline from another machine.\n";

/* compare --baseline-file FILE [SESSION]: the gate of 'ngbench ci' on a stored session */
static int compare_with_baseline(const char *db, const char *bfile, int nargs, const char **args,
				 const struct ngb_compare_options *copt,
				 struct ngb_gate_options *gopt, enum ngb_report_format fmt)
{
	struct ngb_baseline *base;
	struct ngb_store *st;
	struct ngb_err e;
	int64_t sid;
	int rc;

	if (nargs > 1)
		return usage_error("compare", "with --baseline-file give at most one session");
	gopt->time = *copt;
	if (ngb_baseline_read(bfile, &base, &e)) {
		error("%s", e.msg);
		return 2;
	}
	rc = cmd_open_session("compare", db, nargs ? args[0] : "latest", &st, &sid);
	if (!rc) {
		rc = ci_judge(st, sid, base, gopt, fmt, NULL, NULL, "ngbench compare");
		ngb_store_close(st);
	}
	ngb_baseline_free(base);
	if (fflush(stdout) && !rc)
		rc = 1;
	return rc;
}

/* --format: text, json, html, and markdown for a baseline file (checked later) */
static int opt_format(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	enum ngb_report_format f;

	if (ngb_report_format_parse(arg, &f) || f == NGB_FORMAT_CSV)
		return ngb_err_set(e, -EINVAL, "unknown format '%s': compare speaks text, json "
				   "and html", arg);
	*(enum ngb_report_format *)o->value = f;
	return 0;
}

int cmd_compare(int argc, const char **argv)
{
	/* p25 by default: the fewest false alarms in 44 pairs of identical sessions
	 * measured on this machine (reports/README.md).  The gate's options hold
	 * the comparison's: judging against a baseline file takes them as given. */
	struct ngb_gate_options gopt = { 0.005, { NGB_STAT_P25, 0.05, 0.95, 0, 0 }, 0, 0 };
	enum ngb_report_format fmt = NGB_FORMAT_TEXT;
	const char *db = NULL, *bfile = NULL, *output = NULL;
	const struct ngb_option opts[] = {
		OPT_STRING(0, "db", &db, "PATH",
			   "the database (default: $NGBENCH_DB, else the default location)"),
		OPT_CALLBACK(0, "stat", &gopt, "STAT", gate_option_stat,
			     "what is compared: p25 (default; the best quarter: the 25th\n"
			     "percentile of a time, the 75th of a rate, bootstrap interval),\n"
			     "min (the best run, bootstrap interval) or median\n"
			     "(Hodges-Lehmann with the Mann-Whitney interval). p25 gave the\n"
			     "fewest false alarms here; min the most (reports/README.md)"),
		OPT_CALLBACK(0, "min-effect", &gopt, "PCT", gate_option_min_effect,
			     "the smallest change that counts, e.g. 5% (default) or 0.05"),
		OPT_FLAG(0, "absolute", &gopt.time.absolute,
			 "judge each cell against 1, not against the session's shift"),
		OPT_FLAG(0, "history", &gopt.time.history,
			 "judge each cell with its own spread between sessions, from\n"
			 "the database's other sessions of it (8 or more, same host),\n"
			 "not the cells' common spread"),
		OPT_CALLBACK(0, "format", &fmt, "FMT", opt_format,
			     "text (default), json or html (a self-contained page: the\n"
			     "verdicts as a map, then every cell; with a baseline file\n"
			     "text, json or markdown)"),
		OPT_STRING(0, "output", &output, "FILE", "write there instead of to standard output"),
		OPT_STRING(0, "baseline-file", &bfile, "FILE",
			   "judge one session against a baseline file"),
		OPT_CALLBACK(0, "threshold", &gopt, "PCT", gate_option_threshold,
			     "with a baseline file: the allowed rise of simulated counts\n"
			     "(default 0.5%)"),
		OPT_FLAG(0, "force", &gopt.force,
			 "with a baseline file: judge across machines or geometries"),
		OPT_END(),
	};
	const struct ngb_command cmd = { "compare", compare_synopsis, compare_epilogue, opts,
					 NGB_CMD_HELP_FLUSH_LONG |
					 NGB_CMD_HELP_COLUMN(21) };
	struct ngb_compare_options copt;
	FILE *out = stdout;
	struct ngb_compare *cmp;
	struct ngb_store *st;
	struct ngb_err e;
	int64_t a, b;
	int rc, first = ngb_parse_options(&cmd, argc, argv);

	if (first < 0)
		return ngb_options_exit(first);
	copt = gopt.time;
	if (bfile) {
		if (fmt == NGB_FORMAT_HTML || output)
			return usage_error("compare", "--format=html and --output are for two "
					   "sessions, not --baseline-file");
		return compare_with_baseline(db, bfile, argc - first, argv + first, &copt, &gopt,
					     fmt);
	}
	if (fmt == NGB_FORMAT_MARKDOWN)
		return usage_error("compare", "markdown is for --baseline-file; compare speaks text "
				   "and json");
	if (argc - first != 2)
		return usage_error("compare", "give two sessions: A (before) and B (after)");
	rc = cmd_open_session("compare", db, argv[first], &st, &a);
	if (rc)
		return rc;
	if (ngb_store_session_find(st, argv[first + 1], &b, &e)) {
		ngb_store_close(st);
		return usage_error("compare", "%s", e.msg);
	}
	warn_machine_difference(ngb_store_db(st), a, b);
	rc = ngb_compare_load(ngb_store_db(st), a, b, &copt, &cmp, &e);
	if (!rc && output && !(out = fopen(output, "w"))) {
		rc = fail(1, "cannot write '%s': %s", output, strerror(errno));
		ngb_compare_free(cmp);
		ngb_store_close(st);
		return rc;
	}
	if (!rc) {
		rc = ngb_compare_write(cmp, fmt, out, &e);
		if (!rc)
			rc = ngb_compare_count(cmp, NGB_VERDICT_SLOWER) ? 1 : 0;
		else
			rc = fail(1, "%s", e.msg);
		ngb_compare_free(cmp);
	} else {
		rc = fail(1, "%s", e.msg);
	}
	ngb_store_close(st);
	if (out != stdout) {
		int bad = ferror(out);

		if (fclose(out) || bad)
			rc = fail(1, "cannot write '%s'", output);
	}
	if (fflush(stdout))
		return 1;
	return rc;
}
