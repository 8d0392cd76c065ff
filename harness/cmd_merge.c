/*
 * harness/cmd_merge.c - ngbench merge OUT.db IN.db...: databases into one,
 * the shards of a session into that session (data/merge.c does the work).
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "internal.h"
#include "../lib/options.h"
#include "ngbench/store.h"

static const char merge_synopsis[] =
	"usage: ngbench merge [--quiet] OUT.db IN.db...\n"
	"\n"
	"Merges the sessions of the input databases into OUT.db (created when missing).\n"
	"The shards of one session ('ngbench run --shard=K/N', with the same --seed or\n"
	"--session-id) become that session again, each trial keeping where it ran (host,\n"
	"shard, machine fingerprint); sessions from different runs keep their identity.\n"
	"A trial met twice is taken once; two different trials in one place of a session\n"
	"are an error naming both.  A complete run of a shard supersedes an interrupted\n"
	"or failed one, so a failed shard can be run again alone and merged.  Merge says\n"
	"which shards are missing or incomplete.\n"
	"\n"
	"OUT.db is written in one transaction after everything was checked (a new one\n"
	"is built beside it and moved into place): on any error it is as it was.\n"
	"\n";

static const char merge_epilogue[] =
	"Exit status: 0, 1 when nothing could be merged (a conflict, a database that is\n"
	"not ngbench's or of a newer schema) or a shard is missing or incomplete (the\n"
	"rest is merged), 2 for bad usage.\n"
	"\n"
	"Example (three shards run apart, then joined; docs/scale-out.md):\n"
	"  parallel ngbench run -x quick --seed=42 --shard={}/3 --db=shard-{}.db ::: 1 2 3\n"
	"  ngbench merge study.db shard-1.db shard-2.db shard-3.db\n"
	"  ngbench report --db=study.db\n";

int cmd_merge(int argc, const char **argv)
{
	int quiet = 0;
	const struct ngb_option opts[] = {
		OPT_FLAG('q', "quiet", &quiet, "only errors and warnings"),
		OPT_END(),
	};
	const struct ngb_command cmd = { "merge", merge_synopsis, merge_epilogue, opts,
					 NGB_CMD_STOP_AT_OPERAND };
	struct ngb_merge_result res;
	struct ngb_err e;
	int c, existed, first = ngb_parse_options(&cmd, argc, argv);
	size_t i;

	if (first < 0)
		return ngb_options_exit(first);
	if (argc - first < 2)
		return usage_error("merge", "give the output database and at least one input: "
				   "ngbench merge OUT.db IN.db...");
	existed = access(argv[first], F_OK) == 0;
	if (ngb_store_merge(argv[first], argv + first + 1, (size_t)(argc - first - 1), &res,
			    &e)) {
		error("%s", e.msg);
		fprintf(stderr, "ngbench: '%s' was not %s\n", argv[first],
			existed ? "changed" : "created");
		return 1;
	}
	for (i = 0; i < res.nnotes && !quiet; i++)
		printf("%s\n", res.notes[i]);
	for (i = 0; i < res.nmissing; i++)
		warning("%s", res.missing[i]);
	if (!quiet)
		printf("merged into %s: %d new session%s, %d extended, %ld trial%s added, %ld "
		       "met more than once and taken once\n", argv[first], res.sessions_added,
		       res.sessions_added == 1 ? "" : "s", res.sessions_extended, res.trials_added,
		       res.trials_added == 1 ? "" : "s", res.trials_duplicate);
	c = res.incomplete ? 1 : 0;
	ngb_merge_result_release(&res);
	return fflush(stdout) ? 1 : c;
}
