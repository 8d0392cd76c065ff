/*
 * harness/cmd_report.c - ngbench report [SESSION]
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char report_usage[] =
	"usage: ngbench report [--db=PATH] [--format=text] [SESSION]\n"
	"\n"
	"Shows a table of one stored session: for each workload (and thread count) and\n"
	"allocator, the median of the primary metric over the measured trials that\n"
	"succeeded, with the number of trials, failures and skips; then the trials that\n"
	"did not succeed, with their reasons.\n"
	"\n"
	"SESSION is a session number, a label given with 'ngbench run --label' (the\n"
	"newest session with it) or 'latest' (the default). 'ngbench list sessions'\n"
	"shows them.\n"
	"\n"
	"Options:\n"
	"  --db=PATH      the database (default: $NGBENCH_DB, else the default location)\n"
	"  --format=FMT   text (the only format for now)\n"
	"  -h, --help     show this help\n";

int cmd_report(int argc, const char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *selector = "latest";
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
			if (strcmp(optarg, "text"))
				return usage_error("report", "unknown format '%s': the report speaks 'text'",
						   optarg);
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
	if (ngb_store_open(&st, ngb_db_path(db), NGB_STORE_READONLY, &e))
		return error("%s", e.msg) ? 1 : 1;
	if (ngb_store_session_find(st, selector, &sid, &e)) {
		ngb_store_close(st);
		return error("%s", e.msg) ? 1 : 1;
	}
	rc = ngb_report_session_text(ngb_store_db(st), sid, stdout, &e);
	ngb_store_close(st);
	if (rc)
		return error("%s", e.msg) ? 1 : 1;
	return 0;
}
