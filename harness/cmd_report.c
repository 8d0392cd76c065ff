/*
 * harness/cmd_report.c - ngbench report [SESSION]: the tables of one session
 * in a format, or a folder with every format, the plots and the HTML page.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char report_usage[] =
	"usage: ngbench report [--db=PATH] [--baseline=ALLOCATOR] [--format=FMT]\n"
	"                      [--output-dir=DIR] [SESSION]\n"
	"\n"
	"Shows the results of one stored session: for each workload (and thread count)\n"
	"and allocator, the median of the primary metric with a distribution-free 95%\n"
	"interval, the best run, the speedup over the baseline with its interval\n"
	"(Hodges-Lehmann, Mann-Whitney), the trials and failures, the median max RSS,\n"
	"the counters with IPC, MPKI and per-operation figures where they were counted,\n"
	"a geometric-mean row, and the trials that did not succeed, with their reasons.\n"
	"\n"
	"SESSION is a session number, a label given with 'ngbench run --label' (the\n"
	"newest session with it), a session's uuid or 'latest' (the default).\n"
	"'ngbench list sessions' shows them.\n"
	"\n"
	"Options:\n"
	"  --db=PATH          the database (default: $NGBENCH_DB, else the default location)\n"
	"  --baseline=NAME    the allocator the others are compared with (default\n"
	"                     ptmalloc2, else the first one in the session)\n"
	"  --format=FMT       text (default), markdown, csv, json (versioned) or html\n"
	"  --output-dir=DIR   also write DIR/report.{txt,md,csv,json,html}, the plots'\n"
	"                     data and gnuplot scripts with their SVG and PNG renders in\n"
	"                     DIR/plots, and list the files written\n"
	"  --machine=NAME     only the trials of one machine (a host name or the first\n"
	"                     digits of a fingerprint) of a session that ran on several\n"
	"  --pool             one machine per fingerprint: pool the hosts that are\n"
	"                     identical by fingerprint (never different machines)\n"
	"  -h, --help         show this help\n"
	"\n"
	"A session merged from shards run apart may hold trials of several machines: its\n"
	"text and markdown report is split into one report per machine (host, or with\n"
	"--pool fingerprint), saying what differs; the other formats and --output-dir\n"
	"hold one table and are refused unless --machine picks one.\n"
	"\n"
	"Exit status: 0, 1 when the database cannot be read or written, 2 for bad usage\n"
	"(an unknown session, label, baseline, format or machine, or a mixed session in a\n"
	"one-table format).\n";

int cmd_open_session(const char *cmd, const char *db, const char *selector, struct ngb_store **st,
		     int64_t *sid)
{
	struct ngb_err e;
	int rc;

	if (ngb_store_open(st, ngb_db_path(db), NGB_STORE_READONLY, &e)) {
		error("%s", e.msg);
		return 1;
	}
	rc = ngb_store_session_find(*st, selector, sid, &e);
	if (rc) {
		ngb_store_close(*st);
		*st = NULL;
		if (rc == -ENOENT)
			return usage_error(cmd, "%s", e.msg);
		error("%s", e.msg);
		return 1;
	}
	return 0;
}

/* Loads and writes one report (of the machine the connection is confined to). */
static int report_one(struct ngb_store *st, int64_t sid, const struct ngb_report_options *ropt,
		      enum ngb_report_format fmt, const char *outdir, struct ngb_err *ep)
{
	struct ngb_report_files files;
	struct ngb_report *r;
	struct ngb_err e;
	size_t i;
	int rc;

	rc = ngb_report_load(ngb_store_db(st), sid, ropt, &r, &e);
	if (rc) {
		*ep = e;
		return rc == -EINVAL ? rc : -EIO;
	}
	rc = ngb_report_write(r, fmt, stdout, &e);
	if (!rc && outdir) {
		rc = ngb_report_write_dir(r, outdir, &files, &e);
		if (!rc) {
			printf("\nreport files:\n");
			for (i = 0; i < files.n; i++)
				printf("  %s\n", files.paths[i]);
			if (files.plots_note)
				warning("%s", files.plots_note);
		}
		ngb_report_files_release(&files);
	}
	ngb_report_free(r);
	if (rc) {
		*ep = e;
		return -EIO;
	}
	return 0;
}

int cmd_report(int argc, const char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "machine", required_argument, NULL, 'm' },
		{ "pool", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *selector = "latest", *outdir = NULL, *machine = NULL;
	struct ngb_machine_group *groups = NULL;
	size_t ngroups = 0, gi;
	int pool = 0;
	struct ngb_report_options ropt = { 0 };
	enum ngb_report_format fmt = NGB_FORMAT_TEXT;
	struct ngb_store *st;
	struct ngb_err e;
	int64_t sid;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, (char *const *)argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'f':
			if (ngb_report_format_parse(optarg, &fmt))
				return usage_error("report", "unknown format '%s': the report speaks text, "
						   "markdown, csv, json and html", optarg);
			break;
		case 'b':
			if (!*optarg)
				return usage_error("report", "option '--baseline' needs an allocator name");
			ropt.baseline = optarg;
			ropt.explicit_baseline = 1;
			break;
		case 'o':
			if (!*optarg)
				return usage_error("report", "option '--output-dir' needs a folder");
			outdir = optarg;
			break;
		case 'm':
			if (!*optarg)
				return usage_error("report", "option '--machine' needs a host name or "
						   "fingerprint");
			machine = optarg;
			break;
		case 'P':
			pool = 1;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		case ':':
			return usage_error("report", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("report", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc - 1)
		return usage_error("report", "give at most one session");
	if (optind == argc - 1)
		selector = argv[optind];
	rc = cmd_open_session("report", db, selector, &st, &sid);
	if (rc)
		return rc;
	rc = report_machine_groups(ngb_store_db(st), sid, pool, machine,
				   !outdir && (fmt == NGB_FORMAT_TEXT || fmt == NGB_FORMAT_MARKDOWN),
				   &groups, &ngroups);
	if (rc) {
		ngb_store_close(st);
		return rc;
	}
	/* one report per machine; the whole session when it ran on one */
	for (gi = 0; gi < (ngroups > 1 || machine ? ngroups : 1) && !rc; gi++) {
		if (ngroups > 1 || machine) {
			rc = ngb_machine_scope(ngb_store_db(st), &groups[gi], &e);
			if (rc)
				break;
			if (ngroups > 1)
				printf("%s== machine %d of %zu: %s %s, fingerprint %s, %ld trials ==\n\n",
				       gi ? "\n" : "", (int)gi + 1, ngroups,
				       groups[gi].pooled ? "hosts" : "host", groups[gi].hosts,
				       groups[gi].fingerprint ? groups[gi].fingerprint : "not recorded",
				       groups[gi].trials);
		}
		rc = report_one(st, sid, &ropt, fmt, outdir, &e);
	}
	ngb_machine_scope_end(ngb_store_db(st));
	ngb_machine_groups_free(groups, ngroups);
	ngb_store_close(st);
	if (rc == -EINVAL)
		return usage_error("report", "%s", e.msg);
	if (rc)
		return error("%s", e.msg) ? 1 : 1;
	return fflush(stdout) ? 1 : 0;
}
