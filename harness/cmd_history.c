/*
 * harness/cmd_history.c - ngbench history: one metric of one workload and
 * allocator over the stored sessions, with its change points
 * (reports/history.c, reports/changepoint.c).
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

static const char history_synopsis[] =
	"usage: ngbench history --workload=W --allocator=A [OPTIONS]\n"
	"\n"
	"Shows a metric over the stored sessions, one point per session (or per commit),\n"
	"in time order: the median of its runs with the 95% interval of the median\n"
	"(the range below six runs), and marks the change points found by E-divisive\n"
	"means (Matteson & James 2014, as used by MongoDB and Apache Otava): splits\n"
	"that a permutation test finds significant, kept only when the medians on both\n"
	"sides differ by the minimum magnitude, and with at least --min-segment points\n"
	"on each side, so that one odd session is never a change.\n"
	"\n";

static const char history_epilogue[] =
	"Exit status: 0, 1 when the database cannot be read or the plot not written, 2 for\n"
	"bad usage or when nothing matches.\n"
	"\n"
	"Example:\n"
	"  ngbench history -w threadtest -a hoard -t 1 --metric=instructions --plot-dir=hist\n";

/* The --set values, in argv: NAME=VALUE, at most 32. */
struct history_sets {
	const char *v[32];
	size_t n;
};

static int opt_set(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct history_sets *sets = o->value;

	if (!strchr(arg, '=') || *arg == '=')
		return ngb_err_set(e, -EINVAL, "--set takes NAME=VALUE (a parameter of the "
				   "workload), not '%s'", arg);
	if (sets->n == sizeof(sets->v) / sizeof(sets->v[0]))
		return ngb_err_set(e, -EINVAL, "too many --set options (at most %zu)",
				   sizeof(sets->v) / sizeof(sets->v[0]));
	sets->v[sets->n++] = arg;
	return 0;
}

static int opt_mode(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	if (strcmp(arg, "timed") && strcmp(arg, "sim"))
		return ngb_err_set(e, -EINVAL, "unknown mode '%s': use timed (runs with "
				   "--counters=hw or none) or sim (--counters=sim)", arg);
	*(const char **)o->value = arg;
	return 0;
}

static int opt_min_magnitude(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	if (compare_parse_effect(arg, o->value))
		return ngb_err_set(e, -EINVAL, "bad minimum magnitude '%s': give a percentage "
				   "such as 5%% or a fraction such as 0.05", arg);
	return 0;
}

static int opt_format(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	if (ngb_report_format_parse(arg, o->value))
		return ngb_err_set(e, -EINVAL, "unknown format '%s': use text, markdown, csv, "
				   "json or html", arg);
	return 0;
}

int cmd_history(int argc, const char **argv)
{
	static const char *const orders[] = { "time", "commit", NULL };
	struct ngb_history_query q = { 0 };
	struct history_sets sets = { .n = 0 };
	enum ngb_report_format fmt = NGB_FORMAT_TEXT;
	const char *db = NULL, *plot_dir = NULL, *output = NULL;
	long threads = -1, min_segment = 3;
	int order = 0;
	const struct ngb_option opts[] = {
		OPT_STRING('w', "workload", &q.workload, "W",
			   "the workload ('command' for runs of a program)"),
		OPT_STRING('a', "allocator", &q.allocator, "A", "the allocator"),
		OPT_INT('t', "threads", &threads, "N", 0, 1024,
			"one thread count (default: each its own series)"),
		OPT_STRING('m', "metric", &q.metric, "NAME",
			   "the primary metric (default), a simulated quantity as\n"
			   "the CI gate sees it (instructions, D1-misses,\n"
			   "LL-misses), a counter event (Ir, task-clock, ...) or a\n"
			   "numeric key of the result record"),
		{ .type = NGB_OPT_CALLBACK, .short_name = 's', .long_name = "set", .value = &sets,
		  .argh = "NAME=VALUE", .cb = opt_set, .flags = NGB_OPT_SPACED,
		  .help = "only runs with this workload parameter (repeatable);\n"
			  "needed when the sessions ran the workload with several\n"
			  "parameter sets, each of which is its own series" },
		OPT_CALLBACK(0, "mode", &q.mode, "MODE", opt_mode,
			     "timed (runs with --counters=hw or none) or sim (under\n"
			     "cachegrind, whose wall time is not comparable); default:\n"
			     "sim for a simulated quantity or cachegrind event, else timed"),
		OPT_ENUM(0, "order", &order, "ORDER", orders,
			 "time (default) or commit (the sessions of a commit pooled)"),
		OPT_CALLBACK(0, "min-magnitude", &q.cp.min_magnitude, "PCT", opt_min_magnitude,
			     "the smallest change kept (default 5%)"),
		OPT_DOUBLE(0, "sig-level", &q.cp.sig_level, "P", 1e-6, 0.5,
			   "the permutation test's level (default 0.05)"),
		OPT_INT(0, "min-segment", &min_segment, "N", 1, 1000,
			"the fewest points between change points (default 3)"),
		OPT_CALLBACK(0, "format", &fmt, "FMT", opt_format,
			     "text (default), markdown, csv, json or html (a\n"
			     "self-contained page: what changed, the change-point\n"
			     "plot, the points)"),
		OPT_STRING(0, "output", &output, "FILE", "write there instead of to standard output"),
		OPT_STRING(0, "plot-dir", &plot_dir, "DIR",
			   "also write history.dat and history.gp there, rendered to\n"
			   "SVG and PNG when gnuplot is found"),
		OPT_STRING(0, "db", &db, "PATH", "the database"),
		OPT_END(),
	};
	const struct ngb_command cmd = { "history", history_synopsis, history_epilogue, opts,
					 NGB_CMD_HELP_COLUMN(26) };
	FILE *out = stdout;
	struct ngb_report_files files = { 0 };
	struct ngb_history *h;
	struct ngb_store *st;
	struct ngb_err e;
	int rc, first;

	q.cp.sig_level = 0.05;
	q.cp.permutations = 199;
	q.cp.min_magnitude = 0.05;
	first = ngb_parse_options(&cmd, argc, argv);
	if (first < 0)
		return ngb_options_exit(first);
	q.threads = (int)threads;
	q.order = orders[order];
	q.cp.min_size = (size_t)min_segment;
	if (first != argc)
		return usage_error("history", "unexpected argument '%s'", argv[first]);
	if (!q.workload || !q.allocator)
		return usage_error("history", "give --workload=W and --allocator=A");
	q.sets = sets.v;
	q.nsets = sets.n;
	rc = cmd_open_session("history", db, "latest", &st, &(int64_t){ 0 });
	if (rc)
		return rc;
	rc = ngb_history_load(ngb_store_db(st), &q, &h, &e);
	ngb_store_close(st);
	if (rc)
		return rc == -ENOENT ? usage_error("history", "%s", e.msg) : fail(1, "%s", e.msg);
	if (output && !(out = fopen(output, "w"))) {
		rc = fail(1, "cannot write '%s': %s", output, strerror(errno));
		ngb_history_free(h);
		return rc;
	}
	rc = ngb_history_write(h, fmt, out, &e) ? fail(1, "%s", e.msg) : 0;
	if (out != stdout) {
		int bad = ferror(out);

		if ((fclose(out) || bad) && !rc)
			rc = fail(1, "cannot write '%s'", output);
	}
	if (!rc && plot_dir) {
		if (ngb_history_plot(h, plot_dir, &files, &e)) {
			rc = fail(1, "%s", e.msg);
		} else {
			for (size_t i = 0; i < files.n; i++)
				fprintf(stderr, "wrote %s\n", files.paths[i]);
			if (files.plots_note)
				fprintf(stderr, "note: %s\n", files.plots_note);
		}
		ngb_report_files_release(&files);
	}
	ngb_history_free(h);
	if (fflush(stdout) && !rc)
		rc = 1;
	return rc;
}
