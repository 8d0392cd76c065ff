/*
 * harness/cmd_history.c - ngbench history: one metric of one workload and
 * allocator over the stored sessions, with its change points
 * (reports/history.c, reports/changepoint.c).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char history_usage[] =
	"usage: ngbench history --workload=W --allocator=A [OPTIONS]\n"
	"\n"
	"Shows a metric over the stored sessions, one point per session (or per commit),\n"
	"in time order: the median of its runs with the 95% interval of the median\n"
	"(the range below six runs), and marks the change points found by E-divisive\n"
	"means (Matteson & James 2014, as used by MongoDB and Apache Otava): splits\n"
	"that a permutation test finds significant, kept only when the medians on both\n"
	"sides differ by the minimum magnitude, and with at least --min-segment points\n"
	"on each side, so that one odd session is never a change.\n"
	"\n"
	"Options:\n"
	"  -w, --workload=W        the workload ('command' for runs of a program)\n"
	"  -a, --allocator=A       the allocator\n"
	"  -t, --threads=N         one thread count (default: each its own series)\n"
	"  -m, --metric=NAME       the primary metric (default), a simulated quantity as\n"
	"                          the CI gate sees it (instructions, D1-misses,\n"
	"                          LL-misses), a counter event (Ir, task-clock, ...) or a\n"
	"                          numeric key of the result record\n"
	"  -s, --set NAME=VALUE    only runs with this workload parameter (repeatable);\n"
	"                          needed when the sessions ran the workload with several\n"
	"                          parameter sets, each of which is its own series\n"
	"      --mode=MODE         timed (runs with --counters=hw or none) or sim (under\n"
	"                          cachegrind, whose wall time is not comparable); default:\n"
	"                          sim for a simulated quantity or cachegrind event, else timed\n"
	"      --order=ORDER       time (default) or commit (the sessions of a commit pooled)\n"
	"      --min-magnitude=PCT the smallest change kept (default 5%)\n"
	"      --sig-level=P       the permutation test's level (default 0.05)\n"
	"      --min-segment=N     the fewest points between change points (default 3)\n"
	"      --format=FMT        text (default), markdown, csv, json or html (a\n"
	"                          self-contained page: what changed, the change-point\n"
	"                          plot, the points)\n"
	"      --output=FILE       write there instead of to standard output\n"
	"      --plot-dir=DIR      also write history.dat and history.gp there, rendered to\n"
	"                          SVG and PNG when gnuplot is found\n"
	"      --db=PATH           the database\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0, 1 when the database cannot be read or the plot not written, 2 for\n"
	"bad usage or when nothing matches.\n"
	"\n"
	"Example:\n"
	"  ngbench history -w threadtest -a hoard -t 1 --metric=instructions --plot-dir=hist\n";

int cmd_history(int argc, const char **argv)
{
	static const struct option opts[] = {
		{ "workload", required_argument, NULL, 'w' },
		{ "allocator", required_argument, NULL, 'a' },
		{ "threads", required_argument, NULL, 't' },
		{ "metric", required_argument, NULL, 'm' },
		{ "order", required_argument, NULL, 'o' },
		{ "min-magnitude", required_argument, NULL, 'M' },
		{ "sig-level", required_argument, NULL, 'p' },
		{ "min-segment", required_argument, NULL, 'S' },
		{ "set", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "plot-dir", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'O' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ngb_history_query q = { 0 };
	const char *sets[32];      /* --set values, in argv */
	size_t nsets = 0;
	enum ngb_report_format fmt = NGB_FORMAT_TEXT;
	const char *db = NULL, *plot_dir = NULL, *output = NULL;
	FILE *out = stdout;
	struct ngb_report_files files = { 0 };
	struct ngb_history *h;
	struct ngb_store *st;
	struct ngb_err e;
	long l;
	double d;
	int c, rc;

	q.threads = -1;
	q.order = "time";
	q.cp.sig_level = 0.05;
	q.cp.permutations = 199;
	q.cp.min_magnitude = 0.05;
	q.cp.min_size = 3;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, (char *const *)argv, ":w:a:t:m:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w': q.workload = optarg; break;
		case 'a': q.allocator = optarg; break;
		case 'm': q.metric = optarg; break;
		case 'd': db = optarg; break;
		case 'P': plot_dir = optarg; break;
		case 'O': output = optarg; break;
		case 't':
			if (parse_long_opt("--threads", optarg, 0, 1024, &l))
				return 2;
			q.threads = (int)l;
			break;
		case 'o':
			if (strcmp(optarg, "time") && strcmp(optarg, "commit"))
				return usage_error("history", "unknown order '%s': use time or commit",
						   optarg);
			q.order = optarg;
			break;
		case 'M':
			if (compare_parse_effect(optarg, &q.cp.min_magnitude))
				return usage_error("history", "bad minimum magnitude '%s': give a "
						   "percentage such as 5%% or a fraction such as 0.05",
						   optarg);
			break;
		case 'p':
			if (parse_double_opt("--sig-level", optarg, 1e-6, 0.5, &d))
				return 2;
			q.cp.sig_level = d;
			break;
		case 's':
			if (!strchr(optarg, '=') || *optarg == '=')
				return usage_error("history", "--set takes NAME=VALUE (a parameter of "
						   "the workload), not '%s'", optarg);
			if (nsets == sizeof(sets) / sizeof(sets[0]))
				return usage_error("history", "too many --set options (at most %zu)",
						   sizeof(sets) / sizeof(sets[0]));
			sets[nsets++] = optarg;
			break;
		case 'c':
			if (strcmp(optarg, "timed") && strcmp(optarg, "sim"))
				return usage_error("history", "unknown mode '%s': use timed (runs with "
						   "--counters=hw or none) or sim (--counters=sim)",
						   optarg);
			q.mode = optarg;
			break;
		case 'S':
			if (parse_long_opt("--min-segment", optarg, 1, 1000, &l))
				return 2;
			q.cp.min_size = (size_t)l;
			break;
		case 'f':
			if (ngb_report_format_parse(optarg, &fmt))
				return usage_error("history", "unknown format '%s': use text, markdown, "
						   "csv, json or html", optarg);
			break;
		case 'h':
			fputs(history_usage, stdout);
			return 0;
		case ':':
			return usage_error("history", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("history", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("history", "unexpected argument '%s'", argv[optind]);
	if (!q.workload || !q.allocator)
		return usage_error("history", "give --workload=W and --allocator=A");
	q.sets = sets;
	q.nsets = nsets;
	rc = cmd_open_session("history", db, "latest", &st, &(int64_t){ 0 });
	if (rc)
		return rc;
	rc = ngb_history_load(ngb_store_db(st), &q, &h, &e);
	ngb_store_close(st);
	if (rc)
		return rc == -ENOENT ? usage_error("history", "%s", e.msg) : (error("%s", e.msg), 1);
	if (output && !(out = fopen(output, "w"))) {
		rc = error("cannot write '%s': %s", output, strerror(errno)) ? 1 : 1;
		ngb_history_free(h);
		return rc;
	}
	rc = ngb_history_write(h, fmt, out, &e) ? (error("%s", e.msg), 1) : 0;
	if (out != stdout) {
		int bad = ferror(out);

		if ((fclose(out) || bad) && !rc)
			rc = error("cannot write '%s'", output) ? 1 : 1;
	}
	if (!rc && plot_dir) {
		if (ngb_history_plot(h, plot_dir, &files, &e)) {
			rc = error("%s", e.msg) ? 1 : 1;
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
