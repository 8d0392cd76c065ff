/*
 * harness/cmd_export.c - ngbench export: raw trials and counters as CSV or
 * JSON for other tools.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char export_usage[] =
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
	"\n"
	"Options:\n"
	"  --db=PATH        the database (default: $NGBENCH_DB, else the default location)\n"
	"  --format=FMT     csv (default) or json\n"
	"  --table=TABLE    for csv: trials (default) or counters\n"
	"  --all            every session\n"
	"  -h, --help       show this help\n";

int cmd_export(int argc, const char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "table", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum ngb_report_format fmt = NGB_FORMAT_CSV;
	enum ngb_export_table table = NGB_EXPORT_TRIALS;
	const char *db = NULL, *selector = "latest";
	struct ngb_store *st;
	struct ngb_err e;
	int64_t sid = -1;
	int c, rc, all = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, (char *const *)argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'f':
			if (ngb_report_format_parse(optarg, &fmt) ||
			    (fmt != NGB_FORMAT_CSV && fmt != NGB_FORMAT_JSON))
				return usage_error("export", "unknown format '%s': export speaks csv and json",
						   optarg);
			break;
		case 't':
			if (!strcmp(optarg, "trials"))
				table = NGB_EXPORT_TRIALS;
			else if (!strcmp(optarg, "counters"))
				table = NGB_EXPORT_COUNTERS;
			else
				return usage_error("export", "unknown table '%s': use trials or counters",
						   optarg);
			break;
		case 'a':
			all = 1;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return 0;
		case ':':
			return usage_error("export", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("export", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc - 1 || (all && optind < argc))
		return usage_error("export", "give one session or --all");
	if (table == NGB_EXPORT_COUNTERS && fmt == NGB_FORMAT_JSON)
		return usage_error("export", "--table is for csv: json holds the counters in each trial");
	if (optind == argc - 1)
		selector = argv[optind];
	if (all) {
		if (ngb_store_open(&st, ngb_db_path(db), NGB_STORE_READONLY, &e))
			return error("%s", e.msg) ? 1 : 1;
	} else {
		rc = cmd_open_session("export", db, selector, &st, &sid);
		if (rc)
			return rc;
	}
	rc = ngb_export(ngb_store_db(st), all ? -1 : sid, fmt, table, stdout, &e);
	ngb_store_close(st);
	if (rc)
		return error("%s", e.msg) ? 1 : 1;
	return fflush(stdout) ? 1 : 0;
}
