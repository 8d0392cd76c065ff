/*
 * harness/cmd_export.c - ngbench export: raw trials and counters as CSV or
 * JSON for other tools.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "../lib/options.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char export_synopsis[] =
	"usage: ngbench export [--db=PATH] [--format=csv|json] [--table=trials|counters]\n"
	"                      [SESSION | --all]\n"
	"\n"
	"Writes the raw trials of one session (default: the latest) or of every session,\n"
	"with their results and counters, on standard output.\n"
	"\n"
	"  csv    one row per trial: every column of the trials table, then result.KEY\n"
	"         for each result the workload printed and counter.EVENT for each counter\n"
	"         that was counted (empty when not: never 0); --table=counters gives one\n"
	"         row per counter instead, with its status, raw count, times and reason\n"
	"  json   sessions with their trials, each with its results and counters\n"
	"\n"
	"Both carry a format_version. The columns are those of the database (README.md,\n"
	"'The database').\n"
	"\n";

static int opt_format(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	enum ngb_report_format f;

	if (ngb_report_format_parse(arg, &f) || (f != NGB_FORMAT_CSV && f != NGB_FORMAT_JSON))
		return ngb_err_set(e, -EINVAL, "unknown format '%s': export speaks csv and json",
				   arg);
	*(enum ngb_report_format *)o->value = f;
	return 0;
}

static int opt_table(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	enum ngb_export_table *t = o->value;

	if (!strcmp(arg, "trials"))
		*t = NGB_EXPORT_TRIALS;
	else if (!strcmp(arg, "counters"))
		*t = NGB_EXPORT_COUNTERS;
	else
		return ngb_err_set(e, -EINVAL, "unknown table '%s': use trials or counters", arg);
	return 0;
}

int cmd_export(int argc, const char **argv)
{
	enum ngb_report_format fmt = NGB_FORMAT_CSV;
	enum ngb_export_table table = NGB_EXPORT_TRIALS;
	const char *db = NULL, *selector = "latest";
	int all = 0;
	const struct ngb_option opts[] = {
		OPT_STRING(0, "db", &db, "PATH",
			   "the database (default: $NGBENCH_DB, else the default location)"),
		OPT_CALLBACK(0, "format", &fmt, "FMT", opt_format, "csv (default) or json"),
		OPT_CALLBACK(0, "table", &table, "TABLE", opt_table,
			     "for csv: trials (default) or counters"),
		OPT_FLAG(0, "all", &all, "every session"),
		OPT_END(),
	};
	const struct ngb_command cmd = { "export", export_synopsis, NULL, opts,
					 NGB_CMD_HELP_FLUSH_LONG |
					 NGB_CMD_HELP_COLUMN(19) };
	struct ngb_store *st;
	struct ngb_err e;
	int64_t sid = -1;
	int rc, first = ngb_parse_options(&cmd, argc, argv);

	if (first < 0)
		return ngb_options_exit(first);
	if (first < argc - 1 || (all && first < argc))
		return usage_error("export", "give one session or --all");
	if (table == NGB_EXPORT_COUNTERS && fmt == NGB_FORMAT_JSON)
		return usage_error("export", "--table is for csv: json holds the counters in each trial");
	if (first == argc - 1)
		selector = argv[first];
	if (all) {
		if (ngb_store_open(&st, ngb_db_path(db), NGB_STORE_READONLY, &e))
			return fail(1, "%s", e.msg);
	} else {
		rc = cmd_open_session("export", db, selector, &st, &sid);
		if (rc)
			return rc;
	}
	rc = ngb_export(ngb_store_db(st), all ? -1 : sid, fmt, table, stdout, &e);
	ngb_store_close(st);
	if (rc)
		return fail(1, "%s", e.msg);
	return fflush(stdout) ? 1 : 0;
}
