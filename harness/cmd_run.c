/*
 * harness/cmd_run.c - ngbench run: its options into a run_config, and the
 * run engine (engine.h) does the rest: cells, the shuffled rounds, every
 * trial committed the moment it ends.  Also --resume, which finishes a
 * session whose ngbench died.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static const char run_usage[] =
	"usage: ngbench run [OPTIONS] --workload=LIST\n"
	"   or: ngbench run [OPTIONS] -- COMMAND [ARGS...]\n"
	"\n"
	"Runs each allocator on each workload (or on COMMAND, timed by wall clock), one\n"
	"child process per trial, and stores every trial in the database as it ends.\n"
	"\n"
	"What to run:\n"
	"  -a, --allocator=LIST   allocator names, 'all' (every available one; the default)\n"
	"                         or the path of any malloc library (/path/libfoo.so);\n"
	"                         comma-separated; -NAME leaves one out (all,-hoard);\n"
	"                         NAME+VAR=VALUE[+VAR=VALUE] is a variant with its own\n"
	"                         environment knobs (jemalloc+MALLOC_CONF=narenas:1)\n"
	"  -w, --workload=LIST    registered workload names or 'all'; comma-separated\n"
	"  -p, --preset=NAME      quick (~1 s), standard (~10 s) or full (~60 s); default quick\n"
	"  -t, --threads=LIST     thread counts to sweep, e.g. 1,2,4 (workloads with a\n"
	"                         thread parameter)\n"
	"  -s, --set NAME=VALUE   set a workload parameter (repeatable); checked against the\n"
	"                         registry ('ngbench list workloads --format=json')\n"
	"  -- COMMAND [ARGS...]   run any program instead; its metric is wall seconds,\n"
	"                         or what --metric reads from its output:\n"
	"      --metric=REGEX     for a command: a POSIX extended regular expression whose\n"
	"                         first group is the metric, matched against each line of\n"
	"                         its standard output; the last match counts; no match or\n"
	"                         not a number fails the trial\n"
	"      --better=higher|lower, --unit=UNIT, --metric-name=NAME (default 'metric')\n"
	"                         go with --metric; --better is required\n"
	"  -x, --experiment=NAME  run an experiment file: a name from 'ngbench list\n"
	"                         experiments' or the path of an INI file (see the README);\n"
	"                         --allocator and --repetitions may narrow it\n"
	"  -n, --dry-run          check everything and print the trials it would run\n"
	"\n"
	"How:\n"
	"  -r, --repetitions=N    measured trials per cell (default 5; this is a noisy\n"
	"                         world, one trial proves nothing)\n"
	"      --warmup=N         warm-up rounds run first and stored as warm-up, not\n"
	"                         counted in reports (default 0)\n"
	"      --timeout=SECONDS  per trial; the trial's process group is killed after it\n"
	"                         (default 600; 0 for none)\n"
	"      --cpus=LIST        pin the children to these CPUs, e.g. 0 or 0-1\n"
	"      --seed=N           seed of the trial order (default: from the clock; stored)\n"
	"      --shard=K/N        run only shard K of N of the session (cell groups g with\n"
	"                         g mod N = K-1); every shard needs the same --seed or\n"
	"                         --session-id; 'ngbench merge' joins them (docs/scale-out.md)\n"
	"      --session-id=UUID  the session's identity across databases (default: derived\n"
	"                         from the plan and seed with --shard, else random)\n"
	"      --resume=SESSION   finish a session whose ngbench died (shown 'abandoned' by\n"
	"                         'ngbench list sessions'): run exactly its missing trials,\n"
	"                         in the same order, into it; only --db and --quiet go with it\n"
	"      --show-output      copy each trial's output to ours after it ends\n"
	"      --profile[=N]      also N profile trials per cell (default 1), interleaved\n"
	"                         with the rest: the allocation profiler is preloaded in\n"
	"                         front of the allocator (calls, sizes, peak live bytes,\n"
	"                         cross-thread frees, sampled malloc/free latency); stored\n"
	"                         as kind 'profile', never counted as timings\n"
	"\n"
	"Counters (see 'ngbench perfmon' for what this machine can count):\n"
	"      --counters=MODE    hw (default: PMU and software events with perf_event_open),\n"
	"                         sim (run under valgrind's cachegrind with a declared cache\n"
	"                         geometry: deterministic, 20-100x slower) or none\n"
	"      --events=LIST      events for hw (default: the NextGen-Malloc paper's Table 1\n"
	"                         set plus task-clock and cpu-migrations)\n"
	"      --cache=GEOMETRY   for sim: client (default), server, dtlb-client, dtlb-server,\n"
	"                         or sizes such as I1=32K,8,64:D1=48K,12,64:LL=32M,16,64\n"
	"  -q, --quiet            no progress line (there is none unless stderr is a terminal)\n"
	"\n"
	"Where:\n"
	"  -l, --label=TEXT       a label for the session, for 'ngbench report LABEL'\n"
	"      --db=PATH          the database (default $NGBENCH_DB, else data/ngbench.db in\n"
	"                         the build tree, or ~/.local/share/ngbench/ngbench.db when\n"
	"                         installed)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 when every trial succeeded, 1 when any failed, 2 for bad usage,\n"
	"128+N when interrupted by signal N (finished trials stay stored).\n"
	"\n"
	"Examples:\n"
	"  ngbench run -w larson,xmalloc -t 1,2 -r 5\n"
	"  ngbench run -a jemalloc,mimalloc -w xalanc --preset=standard --label=nightly\n"
	"  ngbench run -a all -r 3 -- python3 -c 'x = [str(i) for i in range(10**6)]'\n"
	"  ngbench run -a glibc,mimalloc --metric='Throughput = *([0-9.]+)' --better=higher \\\n"
	"      --unit=ops/s -- ./larson 5 8 1000 5000 100 4141 2\n";

/* Long options without a letter. */
enum { OPT_SHARD = 0x100, OPT_SESSION_ID, OPT_RESUME };

static int parse_run_options(int argc, const char **argv, struct run_config *o)
{
	static const struct option opts[] = {
		{ "allocator", required_argument, NULL, 'a' },
		{ "workload", required_argument, NULL, 'w' },
		{ "experiment", required_argument, NULL, 'x' },
		{ "preset", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "set", required_argument, NULL, 's' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "seed", required_argument, NULL, 'S' },
		{ "label", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'D' },
		{ "show-output", no_argument, NULL, 'O' },
		{ "profile", optional_argument, NULL, 'P' },
		{ "counters", required_argument, NULL, 'K' },
		{ "events", required_argument, NULL, 'E' },
		{ "cache", required_argument, NULL, 'G' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "session-id", required_argument, NULL, OPT_SESSION_ID },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "metric", required_argument, NULL, 'M' },
		{ "better", required_argument, NULL, 'B' },
		{ "unit", required_argument, NULL, 'U' },
		{ "metric-name", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct job *j = &o->cli;
	int c, others = 0;   /* options besides --db, --quiet and --resume */

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, (char *const *)argv, "+:a:w:x:p:t:s:r:l:qnh", opts, NULL)) != -1) {
		others += c != 'D' && c != 'q' && c != OPT_RESUME;
		switch (c) {
		case 'a':
			if (run_config_allocators(o, optarg))
				return 2;
			break;
		case 'w':
			strvec_split(&j->workloads, optarg, ',');
			if (!*optarg)
				return usage_error("run", "--workload needs a name");
			break;
		case 'x':
			o->experiment = optarg;
			break;
		case 'p':
			if (ngb_preset_parse(optarg, &j->preset))
				return usage_error("run", "unknown preset '%s': give quick, standard or full",
						   optarg);
			o->have_preset = 1;
			break;
		case 't': {
			char *why = NULL;

			if (job_set_threads(j, optarg, &why)) {
				usage_error("run", "option '--threads' %s", why);
				free(why);
				return 2;
			}
			break;
		}
		case 's':
			strvec_push(&j->sets, optarg);
			break;
		case 'r':
			if (run_config_repetitions(o, optarg))
				return 2;
			break;
		case 'W':
			if (parse_long_opt("--warmup", optarg, 0, 1000, &o->warmup))
				return 2;
			o->have_warmup = 1;
			break;
		case 'T':
			if (parse_double_opt("--timeout", optarg, 0, 1e7, &o->timeout_s))
				return 2;
			o->have_timeout = 1;
			break;
		case 'C':
			if (run_config_cpus(o, optarg))
				return 2;
			break;
		case 'S': {
			long v;

			if (parse_long_opt("--seed", optarg, 0, LONG_MAX, &v))
				return 2;
			o->seed = (uint64_t)v;
			o->have_seed = 1;
			break;
		}
		case 'l':
			o->label = optarg;
			break;
		case 'D':
			o->db = optarg;
			break;
		case 'O':
			o->show_output = 1;
			break;
		case 'P':
			o->profile = 1;
			if (optarg && parse_long_opt("--profile", optarg, 1, 100000, &o->profile))
				return 2;
			break;
		case 'K': {
			struct ngb_err e;

			if (ngb_counters_mode_parse(optarg, &j->counters, &e))
				return usage_error("run", "%s", e.msg);
			o->have_counters = 1;
			break;
		}
		case 'E':
			free(j->events);
			j->events = xstrdup(optarg);
			break;
		case 'G':
			free(j->cache);
			j->cache = xstrdup(optarg);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case OPT_SHARD: {
			char *why = NULL;

			if (shard_parse(optarg, &o->shard_k, &o->shard_n, &why)) {
				usage_error("run", "option '--shard' %s", why);
				free(why);
				return 2;
			}
			break;
		}
		case OPT_SESSION_ID:
			if (!session_id_valid(optarg))
				return usage_error("run", "option '--session-id' takes a UUID such as "
						   "0b8e6f1c-3f7a-4c2e-9a51-5d2f0c7e8b14 (uuidgen makes "
						   "one), not '%s'", optarg);
			o->session_id = optarg;
			break;
		case OPT_RESUME:
			o->resume = optarg;
			break;
		case 'M': case 'B': case 'U': case 'N': {
			char *why = cmd_metric_option(&j->metric, c == 'M' ? "metric" : c == 'B' ? "better"
								  : c == 'U' ? "unit" : "metric-name",
						      optarg);

			if (why) {
				usage_error("run", "%s", why);
				free(why);
				return 2;
			}
			break;
		}
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		case ':':
			return usage_error("run", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++)
		strvec_push(&j->command, argv[optind]);
	if (o->resume) {
		if (others || j->command.n)
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
