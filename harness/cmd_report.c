/*
 * harness/cmd_report.c - ngbench report [SESSION]: the tables of one session
 * in a format, or a folder with every format, the plots and the HTML page.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "../lib/options.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char report_synopsis[] =
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
	"\n";

static const char report_epilogue[] =
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

/* --format: every format the report speaks */
static int opt_format(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	enum ngb_report_format f;

	if (ngb_report_format_parse(arg, &f))
		return ngb_err_set(e, -EINVAL, "unknown format '%s': the report speaks text, "
				   "markdown, csv, json and html", arg);
	*(int *)o->value = (int)f;
	return 0;
}

/* A non-empty value; the message names what it is. */
static int nonempty(const struct ngb_option *o, const char *arg, const char *what,
		    struct ngb_err *e)
{
	if (!*arg)
		return ngb_err_set(e, -EINVAL, "option '--%s' needs %s", o->long_name, what);
	*(const char **)o->value = arg;
	return 0;
}

int report_baseline_option(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	return nonempty(o, arg, "an allocator name", e);
}

static int opt_output_dir(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	return nonempty(o, arg, "a folder", e);
}

static int opt_machine(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	return nonempty(o, arg, "a host name or fingerprint", e);
}

int report_run(const struct report_args *a)
{
	struct ngb_machine_group *groups = NULL;
	size_t ngroups = 0, gi;
	struct ngb_report_options ropt = { 0 };
	struct ngb_store *st;
	struct ngb_err e;
	int64_t sid;
	int rc;

	ropt.baseline = a->baseline;
	ropt.explicit_baseline = a->baseline != NULL;
	rc = cmd_open_session("report", a->db, a->selector ? a->selector : "latest", &st, &sid);
	if (rc)
		return rc;
	rc = report_machine_groups(ngb_store_db(st), sid, a->pool, a->machine,
				   !a->outdir && (a->format == NGB_FORMAT_TEXT ||
						  a->format == NGB_FORMAT_MARKDOWN),
				   &groups, &ngroups);
	if (rc) {
		ngb_store_close(st);
		return rc;
	}
	/* one report per machine; the whole session when it ran on one */
	for (gi = 0; gi < (ngroups > 1 || a->machine ? ngroups : 1) && !rc; gi++) {
		if (ngroups > 1 || a->machine) {
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
		rc = report_one(st, sid, &ropt, a->format, a->outdir, &e);
	}
	ngb_machine_scope_end(ngb_store_db(st));
	ngb_machine_groups_free(groups, ngroups);
	ngb_store_close(st);
	if (rc == -EINVAL)
		return usage_error("report", "%s", e.msg);
	if (rc)
		return fail(1, "%s", e.msg);
	return fflush(stdout) ? 1 : 0;
}

int cmd_report(int argc, const char **argv)
{
	struct report_args a = { .format = NGB_FORMAT_TEXT };
	const struct ngb_option opts[] = {
		OPT_STRING(0, "db", &a.db, "PATH",
			   "the database (default: $NGBENCH_DB, else the default location)"),
		OPT_CALLBACK(0, "baseline", &a.baseline, "NAME", report_baseline_option,
			     "the allocator the others are compared with (default\n"
			     "ptmalloc2, else the first one in the session)"),
		OPT_CALLBACK(0, "format", &a.format, "FMT", opt_format,
			     "text (default), markdown, csv, json (versioned) or html"),
		OPT_CALLBACK(0, "output-dir", &a.outdir, "DIR", opt_output_dir,
			     "also write DIR/report.{txt,md,csv,json,html}, the plots'\n"
			     "data and gnuplot scripts with their SVG and PNG renders in\n"
			     "DIR/plots, and list the files written"),
		OPT_CALLBACK(0, "machine", &a.machine, "NAME", opt_machine,
			     "only the trials of one machine (a host name or the first\n"
			     "digits of a fingerprint) of a session that ran on several"),
		OPT_FLAG(0, "pool", &a.pool,
			 "one machine per fingerprint: pool the hosts that are\n"
			 "identical by fingerprint (never different machines)"),
		OPT_END(),
	};
	const struct ngb_command cmd = { "report", report_synopsis, report_epilogue, opts,
					 NGB_CMD_HELP_FLUSH_LONG |
					 NGB_CMD_HELP_COLUMN(21) };
	int first = ngb_parse_options(&cmd, argc, argv);

	if (first < 0)
		return ngb_options_exit(first);
	if (first < argc - 1)
		return usage_error("report", "give at most one session");
	if (first == argc - 1)
		a.selector = argv[first];
	return report_run(&a);
}
