/*
 * harness/cmd_run.c - ngbench run: its options into a run_config, and the
 * run engine (engine.h) does the rest: cells, the shuffled rounds, every
 * trial committed the moment it ends.  Also --resume, which finishes a
 * session whose ngbench died.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "../lib/options.h"

static const char run_synopsis[] =
	"usage: ngbench run [OPTIONS] --workload=LIST\n"
	"   or: ngbench run [OPTIONS] -- COMMAND [ARGS...]\n"
	"\n"
	"Runs each allocator on each workload (or on COMMAND, timed by wall clock), one\n"
	"child process per trial, and stores every trial in the database as it ends.\n"
	"-- COMMAND [ARGS...] runs any program instead of a workload; its metric is wall\n"
	"seconds, or what --metric reads from its output.  Counters: see 'ngbench\n"
	"perfmon' for what this machine can count.\n"
	"\n";

static const char run_epilogue[] =
	"Exit status: 0 when every trial succeeded, 1 when any failed, 2 for bad usage,\n"
	"128+N when interrupted by signal N (finished trials stay stored).\n"
	"\n"
	"Examples:\n"
	"  ngbench run -w larson,xmalloc -t 1,2 -r 5\n"
	"  ngbench run -a jemalloc,mimalloc -w xalanc --preset=standard --label=nightly\n"
	"  ngbench run -a all -r 3 -- python3 -c 'x = [str(i) for i in range(10**6)]'\n"
	"  ngbench run -a glibc,mimalloc --metric='Throughput = *([0-9.]+)' --better=higher \\\n"
	"      --unit=ops/s -- ./larson 5 8 1000 5000 100 4141 2\n";

/*
 * The options that fill a run_config through a callback; opt->value is
 * the run_config.  Each counts as an option of what to run, which
 * --resume takes from the session instead.
 */
static int what_to_run;

static int opt_list(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct run_config *c = o->value;
	struct strvec *sv = o->short_name == 'a' ? &c->cli.allocators : &c->cli.workloads;

	what_to_run++;
	if (!*arg)
		return ngb_err_set(e, -EINVAL, "--%s needs a name", o->long_name);
	strvec_split(sv, arg, ',');
	return 0;
}

static int opt_preset(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct run_config *c = o->value;

	what_to_run++;
	if (ngb_preset_parse(arg, &c->cli.preset))
		return ngb_err_set(e, -EINVAL,
				   "unknown preset '%s': give " NGB_PRESET_CHOICES, arg);
	c->have_preset = 1;
	return 0;
}

static int opt_threads(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct run_config *c = o->value;
	char *why = NULL;

	what_to_run++;
	if (job_set_threads(&c->cli, arg, &why)) {
		ngb_err_set(e, -EINVAL, "option '--threads' %s", why);
		free(why);
		return -EINVAL;
	}
	return 0;
}

static int opt_set(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct run_config *c = o->value;

	(void)e;
	what_to_run++;
	strvec_push(&c->cli.sets, arg);
	return 0;
}

static int opt_cpus(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	what_to_run++;
	return run_config_set_cpus(o->value, arg, e);
}

static int opt_counters(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct run_config *c = o->value;

	what_to_run++;
	if (ngb_counters_mode_parse(arg, &c->cli.counters, e))
		return -EINVAL;
	c->have_counters = 1;
	return 0;
}

static int opt_text(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct run_config *c = o->value;
	char **slot = o->long_name[0] == 'e' ? &c->cli.events : &c->cli.cache;

	(void)e;
	what_to_run++;
	free(*slot);
	*slot = xstrdup(arg);
	return 0;
}

static int opt_shard(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct run_config *c = o->value;
	char *why = NULL;

	what_to_run++;
	if (shard_parse(arg, &c->shard_k, &c->shard_n, &why)) {
		ngb_err_set(e, -EINVAL, "option '--shard' %s", why);
		free(why);
		return -EINVAL;
	}
	return 0;
}

static int opt_session_id(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct run_config *c = o->value;

	what_to_run++;
	if (!session_id_valid(arg))
		return ngb_err_set(e, -EINVAL, "option '--session-id' takes a UUID such as "
				   "0b8e6f1c-3f7a-4c2e-9a51-5d2f0c7e8b14 (uuidgen makes one), "
				   "not '%s'", arg);
	c->session_id = arg;
	return 0;
}

static int opt_metric(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct run_config *c = o->value;
	char *why = cmd_metric_option(&c->cli.metric, o->long_name, arg);

	what_to_run++;
	if (why) {
		ngb_err_set(e, -EINVAL, "%s", why);
		free(why);
		return -EINVAL;
	}
	return 0;
}

static int parse_run_options(int argc, const char **argv, struct run_config *o)
{
	long reps = -1, warmup = -1, seed = -1;
	double timeout = -1;
	const struct ngb_option opts[] = {
		OPT_CALLBACK('a', "allocator", o, "LIST", opt_list,
			     "allocator names, 'all' (every available one; the default)\n"
			     "or the path of any malloc library (/path/libfoo.so),\n"
			     "named by its file name or NAME=/path/libfoo.so;\n"
			     "comma-separated; -NAME leaves one out (all,-hoard);\n"
			     "NAME+VAR=VALUE[+VAR=VALUE] is a variant with its own\n"
			     "environment knobs (jemalloc+MALLOC_CONF=narenas:1),\n"
			     "and so is /path/libfoo.so+VAR=VALUE"),
		OPT_CALLBACK('w', "workload", o, "LIST", opt_list,
			     "registered workload names or 'all'; comma-separated"),
		OPT_CALLBACK('p', "preset", o, "NAME", opt_preset, ngb_preset_help),
		OPT_CALLBACK('t', "threads", o, "LIST", opt_threads,
			     "thread counts to sweep, e.g. 1,2,4 (workloads with a\n"
			     "thread parameter)"),
		OPT_CALLBACK('s', "set", o, "NAME=VALUE", opt_set,
			     "set a workload parameter (repeatable); checked against the\n"
			     "registry ('ngbench list workloads --format=json')"),
		OPT_CALLBACK(0, "metric", o, "REGEX", opt_metric,
			     "for a command: a POSIX extended regular expression whose\n"
			     "first group is the metric, matched against each line of\n"
			     "its standard output; the last match counts; no match or\n"
			     "not a number fails the trial"),
		OPT_CALLBACK(0, "better", o, "higher|lower", opt_metric,
			     "goes with --metric, which requires it"),
		OPT_CALLBACK(0, "unit", o, "UNIT", opt_metric, "goes with --metric"),
		OPT_CALLBACK(0, "metric-name", o, "NAME", opt_metric,
			     "goes with --metric (default 'metric')"),
		OPT_PATH('x', "experiment", &o->experiment, "NAME",
			 "run an experiment file: a name from 'ngbench list\n"
			 "experiments' or the path of an INI file (see the README);\n"
			 "--allocator and --repetitions may narrow it"),
		OPT_FLAG('n', "dry-run", &o->dry_run,
			 "check everything and print the trials it would run"),
		OPT_INT('r', "repetitions", &reps, "N", 1, 100000,
			"measured trials per cell (default 5; this is a noisy\n"
			"world, one trial proves nothing)"),
		OPT_INT(0, "warmup", &warmup, "N", 0, 1000,
			"warm-up rounds run first and stored as warm-up, not\n"
			"counted in reports (default 0)"),
		OPT_DOUBLE(0, "timeout", &timeout, "SECONDS", 0, 1e7,
			   "per trial; the trial's process group is killed after it\n"
			   "(default 600; 0 for none)"),
		OPT_CALLBACK(0, "cpus", o, "LIST", opt_cpus,
			     "pin the children to these CPUs, e.g. 0 or 0-1"),
		OPT_INT(0, "seed", &seed, "N", 0, LONG_MAX,
			"seed of the trial order (default: from the clock; stored)"),
		OPT_CALLBACK(0, "shard", o, "K/N", opt_shard,
			     "run only shard K of N of the session (cell groups g with\n"
			     "g mod N = K-1); every shard needs the same --seed or\n"
			     "--session-id; 'ngbench merge' joins them (docs/scale-out.md)"),
		OPT_CALLBACK(0, "session-id", o, "UUID", opt_session_id,
			     "the session's identity across databases (default: derived\n"
			     "from the plan and seed with --shard, else random)"),
		OPT_STRING(0, "resume", &o->resume, "SESSION",
			   "finish a session whose ngbench died (shown 'abandoned' by\n"
			   "'ngbench list sessions'): run exactly its missing trials,\n"
			   "in the same order, into it; only --db and --quiet go with it"),
		OPT_FLAG(0, "show-output", &o->show_output,
			 "copy each trial's output to ours after it ends"),
		{ .type = NGB_OPT_INT, .long_name = "profile", .value = &o->profile, .argh = "N",
		  .flags = NGB_OPT_OPTARG, .ival = 1, .min = 1, .max = 100000,
		  .help = "also N profile trials per cell (default 1), interleaved\n"
			  "with the rest: the allocation profiler is preloaded in\n"
			  "front of the allocator (calls, sizes, peak live bytes,\n"
			  "cross-thread frees, sampled malloc/free latency); stored\n"
			  "as kind 'profile', never counted as timings" },
		OPT_CALLBACK(0, "counters", o, "MODE", opt_counters,
			     "hw (default: PMU and software events with perf_event_open),\n"
			     "sim (run under valgrind's cachegrind with a declared cache\n"
			     "geometry: deterministic, 20-100x slower) or none"),
		OPT_CALLBACK(0, "events", o, "LIST", opt_text,
			     "events for hw (default: the NextGen-Malloc paper's Table 1\n"
			     "set plus task-clock and cpu-migrations)"),
		OPT_CALLBACK(0, "cache", o, "GEOMETRY", opt_text,
			     "for sim: client (default), server, dtlb-client, dtlb-server,\n"
			     "or sizes such as I1=32K,8,64:D1=48K,12,64:LL=32M,16,64"),
		OPT_FLAG('q', "quiet", &o->quiet,
			 "no progress line (there is none unless stderr is a terminal)"),
		OPT_STRING('l', "label", &o->label, "TEXT",
			   "a label for the session, for 'ngbench report LABEL'"),
		OPT_PATH(0, "db", &o->db, "PATH",
			 "the database (default $NGBENCH_DB, else data/ngbench.db in\n"
			 "the build tree, or ~/.local/share/ngbench/ngbench.db when\n"
			 "installed)"),
		OPT_END(),
	};
	const struct ngb_command cmd = { "run", run_synopsis, run_epilogue, opts,
					 NGB_CMD_STOP_AT_OPERAND };
	struct job *j = &o->cli;
	int first;

	what_to_run = 0;
	first = ngb_parse_options(&cmd, argc, argv);
	if (first < 0)
		return first == NGB_OPTIONS_EXIT_HELP ? -1 : 2;
	if (reps >= 0) {
		j->repetitions = reps;
		o->have_reps = 1;
	}
	if (warmup >= 0) {
		o->warmup = warmup;
		o->have_warmup = 1;
	}
	if (timeout >= 0) {
		o->timeout_s = timeout;
		o->have_timeout = 1;
	}
	if (seed >= 0) {
		o->seed = (uint64_t)seed;
		o->have_seed = 1;
	}
	for (; first < argc; first++)
		strvec_push(&j->command, argv[first]);
	if (o->resume) {
		if (what_to_run || reps >= 0 || warmup >= 0 || timeout >= 0 || seed >= 0 ||
		    o->experiment || o->dry_run || o->show_output || o->profile || o->label ||
		    j->command.n)
			return usage_error("run", "--resume runs the session with its own options: "
					   "only --db and --quiet go with it");
		return 0;
	}
	if (o->shard_n && !o->have_seed && !o->session_id)
		return usage_error("run", "with --shard every shard must order its trials alike: "
				   "give each the same --seed=N or --session-id=UUID");
	if (o->experiment) {
		if (j->workloads.n || j->command.n || j->sets.n || j->threads.n || o->have_preset ||
		    o->have_counters || j->events || j->cache || j->metric.pattern ||
		    j->metric.better >= 0 || j->metric.unit || j->metric.name)
			return usage_error("run", "with --experiment, the experiment file says what to run; "
					   "only --allocator and --repetitions may narrow it");
		return 0;
	}
	if (j->command.n && j->workloads.n)
		return usage_error("run", "give either --workload or -- COMMAND, not both");
	if (!j->command.n && !j->workloads.n)
		return usage_error("run", "nothing to run: give --workload=NAME (see 'ngbench list "
				   "workloads'), --experiment=NAME or -- COMMAND [ARGS...]");
	return 0;
}
int cmd_run(int argc, const char **argv)
{
	struct run_config cfg;
	int rc;

	run_config_init(&cfg, "run");
	rc = parse_run_options(argc, argv, &cfg);
	if (rc == 0)
		rc = engine_run(&cfg);
	else if (rc < 0)
		rc = 0;   /* --help */
	run_config_release(&cfg);
	return rc;
}
