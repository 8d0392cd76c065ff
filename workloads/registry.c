/*
 * workloads/registry.c - the workload registry (include/ngbench/workload.h).
 *
 * One table describes every workload: the harness reads it to validate
 * --set NAME=VALUE and to pick presets, and every workload program parses
 * its own options from the same entry (workloads/common.c), so the two
 * cannot drift apart.  Presets aim at about 1 s (quick), 10 s (standard)
 * and 60 s (full) with one thread under glibc on a 2-core x86-64 VM; the
 * work per thread is fixed, so more threads take longer where they share
 * the cores.  The reference preset is instead the published program's own
 * command line (workloads/README.md, "Agreement").
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngbench/workload.h"
#include "../lib/numbers.h"

/* Every program takes a seed; its RNG streams derive from it. */
#define SEED_PARAM \
	{ "seed", NGB_PARAM_INT, "1", 0, 4294967295.0, NULL, \
	  "seed of the random numbers (sizes, slots, document content)" }

#define THREADS_PARAM(def, what) \
	{ "threads", NGB_PARAM_INT, def, 1, 1024, NULL, what }

/* Every program checks its own blocks; "light" is cheap enough for timed
 * runs (workloads/README.md has what each level costs), "full" is what the
 * self-check tests run, "none" writes only what the original program
 * writes: the reference presets run it, and the check's cost is measured
 * against it. */
#define CHECK_PARAM(what) \
	{ "check", NGB_PARAM_STRING, "light", 0, 0, "light|full|none", what }
#define BLOCK_CHECK_PARAM                                                          \
	CHECK_PARAM("self-check of every block: light (16-byte canaries, keyed by "      \
		    "address and size, at the head of every block, at the tail of 1 "     \
		    "block in 8, and a word per 4 KiB page), full (every byte), none "    \
		    "(only what the original program writes, as the reference preset)")

static const struct ngb_workload_param xalanc_params[] = {
	THREADS_PARAM("1", "threads, each parsing and transforming its own copy of the document"),
	{ "size", NGB_PARAM_SIZE, "1M", 1024, 1024.0 * 1024 * 1024, NULL,
	  "approximate size of the generated XML document" },
	{ "iterations", NGB_PARAM_INT, "2", 1, 100000, NULL,
	  "times each thread parses the document and runs all stylesheets over it" },
	CHECK_PARAM("light and none: Xalan's own allocations, output checksum only; full: "
		    "Xerces/Xalan allocate through a guard that adds 32 bytes to each block "
		    "and checks its bounds"),
	{ "expect", NGB_PARAM_STRING, "", 0, 0, NULL,
	  "expected output checksum (16 hex digits); empty: only check that iterations and threads agree" },
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param xmalloc_params[] = {
	THREADS_PARAM("2", "producers, and as many consumers (xmalloc-test's -w)"),
	{ "objects", NGB_PARAM_INT, "1000000", 1, 1e12, NULL,
	  "objects each producer allocates (rounded up to whole batches)" },
	{ "min-size", NGB_PARAM_SIZE, "64", 1, 1024.0 * 1024 * 1024, NULL,
	  "smallest object size" },
	{ "max-size", NGB_PARAM_SIZE, "64", 1, 1024.0 * 1024 * 1024, NULL,
	  "largest object size (equal to min-size: fixed size, xmalloc-test's -s)" },
	{ "batch", NGB_PARAM_INT, "4096", 1, 1000000, NULL,
	  "objects handed over at once (xmalloc-test: 4096)" },
	{ "seconds", NGB_PARAM_DOUBLE, "0", 0, 86400, NULL,
	  "run for this long instead of a number of objects (xmalloc-test's -t); "
	  "0: each producer allocates 'objects'" },
	BLOCK_CHECK_PARAM,
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param larson_params[] = {
	THREADS_PARAM("2", "concurrent server threads (each chain hands its blocks to a successor thread)"),
	{ "seconds", NGB_PARAM_DOUBLE, "1", 0.01, 86400, NULL,
	  "length of the timed steady state" },
	{ "min-size", NGB_PARAM_SIZE, "8", 1, 1024.0 * 1024 * 1024, NULL, "smallest block size" },
	{ "max-size", NGB_PARAM_SIZE, "1000", 1, 1024.0 * 1024 * 1024, NULL,
	  "bound of the block sizes: they are drawn from min-size to max-size - 1, as "
	  "the original draws them (min-size when the two are equal)" },
	{ "blocks", NGB_PARAM_INT, "5000", 1, 1e9, NULL, "live blocks per thread" },
	{ "rounds", NGB_PARAM_INT, "100", 1, 1e9, NULL,
	  "rounds (each replaces 'blocks' random blocks) before a thread hands over to its successor" },
	BLOCK_CHECK_PARAM,
	SEED_PARAM,
	{ NULL },
};

/* Hoard's cache-thrash and cache-scratch as mimalloc-bench runs them:
 * "cache-thrash T 1000 1 2000000 P" = threads T, iterations 1000, size 1,
 * writes 2000000. */
#define FALSE_SHARING_PARAMS                                                         \
	THREADS_PARAM("2", "threads, each allocating 'iterations' objects"),           \
	{ "iterations", NGB_PARAM_INT, "1000", 1, 1e12, NULL,                         \
	  "objects each thread allocates, writes and frees, one after the other" },    \
	{ "size", NGB_PARAM_SIZE, "1", 1, 1024.0 * 1024, NULL, "object size" },       \
	{ "writes", NGB_PARAM_INT, "2000000", 1, 1e12, NULL,                          \
	  "times each byte of an object is written and read, divided among the threads" }, \
	{ "start", NGB_PARAM_STRING, "created", 0, 0, "created|together",            \
	  "created: each thread runs as soon as it is created (the originals); "      \
	  "together: all first objects allocated, then a common start line" },       \
	{ "loop", NGB_PARAM_STRING, "tight", 0, 0, "tight|original",                 \
	  "tight: counters in registers; original: every variable on the stack, "     \
	  "as the originals' loop compiled with -O0 (bench/peers.sh)" },              \
	BLOCK_CHECK_PARAM,                                                           \
	SEED_PARAM,                                                                  \
	{ NULL }

static const struct ngb_workload_param active_false_params[] = {
	FALSE_SHARING_PARAMS,
};

static const struct ngb_workload_param passive_false_params[] = {
	FALSE_SHARING_PARAMS,
};

static const struct ngb_workload_param threadtest_params[] = {
	THREADS_PARAM("2", "threads; the objects of a batch are divided among them"),
	{ "iterations", NGB_PARAM_INT, "50", 1, 1e9, NULL, "batches each thread allocates and frees" },
	{ "objects", NGB_PARAM_INT, "100000", 1, 1e10, NULL,
	  "objects in a batch, in total over all threads" },
	{ "size", NGB_PARAM_SIZE, "8", 1, 1024.0 * 1024 * 1024, NULL, "object size" },
	{ "loop", NGB_PARAM_STRING, "tight", 0, 0, "tight|original",
	  "tight: counters in registers; original: volatile counters and the per-thread "
	  "count divided anew at every object, as Hoard's compiled loop" },
	BLOCK_CHECK_PARAM,
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param blowup_params[] = {
	THREADS_PARAM("2", "1 producer and threads-1 consumers (1: the producer frees its own objects)"),
	{ "rounds", NGB_PARAM_INT, "32", 1, 1e6, NULL, "producer-consumer rounds" },
	{ "objects", NGB_PARAM_INT, "16384", 1, 1e9, NULL, "objects the producer allocates per round" },
	{ "size", NGB_PARAM_SIZE, "64", 1, 1024.0 * 1024 * 1024, NULL, "object size" },
	BLOCK_CHECK_PARAM,
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param replay_params[] = {
	{ "trace", NGB_PARAM_STRING, "", 0, 0, NULL,
	  "the trace file to replay (ngbench trace record -o FILE -- COMMAND)" },
	{ "touch", NGB_PARAM_STRING, "light", 0, 0, "light|ends|all",
	  "light: each block as the light self-check (canaries at the head, the tail "
	  "sampled, a word per 4 KiB); ends: its first and last byte; all: every byte once, then the canaries" },
	{ "passes", NGB_PARAM_INT, "1", 1, 1e6, NULL,
	  "times the whole trace is replayed (blocks it never frees are freed between passes)" },
	SEED_PARAM,
	{ NULL },
};

/*
 * Real programs, run by a static driver (workloads/real/) that starts the
 * program under the allocator and checks its output.  Their time comes
 * from the program's own work, not from a loop of ours.
 */
#define READY_TIMEOUT_PARAM \
	{ "ready-timeout", NGB_PARAM_DOUBLE, "10", 0.1, 3600, NULL, \
	  "seconds the server may take to become ready before the trial fails" }

static const struct ngb_workload_param redis_params[] = {
	{ "requests", NGB_PARAM_INT, "5000", 1, 1e9, NULL,
	  "requests of each command (SET GET LPUSH LPOP ZADD) in each pass" },
	{ "passes", NGB_PARAM_INT, "3", 1, 1000, NULL,
	  "passes of the command mix, each with a value size drawn from the seed" },
	{ "min-size", NGB_PARAM_SIZE, "16", 1, 1024.0 * 1024, NULL, "smallest value size" },
	{ "max-size", NGB_PARAM_SIZE, "4K", 1, 1024.0 * 1024, NULL,
	  "largest value size (sizes are log-uniform between the two)" },
	{ "clients", NGB_PARAM_INT, "50", 1, 10000, NULL, "parallel connections of redis-benchmark" },
	{ "keyspace", NGB_PARAM_INT, "10000", 1, 1e9, NULL,
	  "random keys the SETs and GETs of redis-benchmark spread over" },
	{ "check-keys", NGB_PARAM_INT, "1000", 1, 1e7, NULL,
	  "known keys written before the run (database 1) and checked after it" },
	{ "pin", NGB_PARAM_INT, "1", 0, 1, NULL,
	  "1: server on the first allowed CPU, client on the others (when there are two or more)" },
	READY_TIMEOUT_PARAM,
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param rocksdb_params[] = {
	{ "num", NGB_PARAM_INT, "100000", 100, 1e10, NULL,
	  "keys written by fillrandom and read by readrandom" },
	{ "value-size", NGB_PARAM_SIZE, "100", 1, 1024.0 * 1024, NULL, "value size" },
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param sqlite_params[] = {
	{ "rows", NGB_PARAM_INT, "50000", 10, 1e9, NULL,
	  "orders inserted (customers: a tenth of that)" },
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param lua_params[] = {
	{ "rounds", NGB_PARAM_INT, "5", 1, 1e7, NULL,
	  "rounds, each building, sorting and dropping a table of records" },
	{ "records", NGB_PARAM_INT, "50000", 1, 1e8, NULL, "records (tables with strings) per round" },
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param ghostscript_params[] = {
	{ "pages", NGB_PARAM_INT, "40", 1, 1e6, NULL, "pages of the generated PostScript document" },
	{ "shapes", NGB_PARAM_INT, "200", 1, 1e6, NULL,
	  "shapes per page (paths, text, a dictionary and strings each)" },
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param z3_params[] = {
	{ "problems", NGB_PARAM_INT, "10", 1, 1e6, NULL,
	  "SMT-LIB problems (half satisfiable by a planted solution, half pigeonhole, unsatisfiable)" },
	{ "vars", NGB_PARAM_INT, "16", 2, 1e5, NULL, "integer variables of a satisfiable problem" },
	{ "holes", NGB_PARAM_INT, "7", 2, 20, NULL,
	  "holes of a pigeonhole problem (holes+1 pigeons)" },
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param python_params[] = {
	THREADS_PARAM("2", "Python threads (they share the interpreter lock)"),
	{ "rounds", NGB_PARAM_INT, "3", 1, 1e7, NULL,
	  "rounds, divided among the threads, each building and sorting records" },
	{ "records", NGB_PARAM_INT, "50000", 1, 1e8, NULL, "records (dicts with strings) per round" },
	{ "pymalloc", NGB_PARAM_INT, "0", 0, 1, NULL,
	  "0: PYTHONMALLOC=malloc, every object from the allocator under test; 1: Python's own small-object allocator" },
	SEED_PARAM,
	{ NULL },
};

static const struct ngb_workload_param server_params[] = {
	{ "start", NGB_PARAM_STRING, "", 0, 0, NULL,
	  "the server's command, words separated by commas; {dir} {port} {seed} are replaced" },
	{ "ready", NGB_PARAM_STRING, "", 0, 0, NULL,
	  "readiness: port (127.0.0.1:{port} accepts), unix:PATH, file:PATH, or cmd:WORDS exits 0" },
	{ "client", NGB_PARAM_STRING, "", 0, 0, NULL,
	  "the client's command (not measured), words separated by commas; exit 0 is its self-check" },
	{ "stop", NGB_PARAM_STRING, "TERM", 0, 0, NULL,
	  "how to stop the server: a signal name (TERM, INT, ...) or cmd:WORDS" },
	{ "port", NGB_PARAM_INT, "0", 0, 65535, NULL,
	  "TCP port for {port} on 127.0.0.1 (0: none); refused when already in use" },
	READY_TIMEOUT_PARAM,
	{ "stop-timeout", NGB_PARAM_DOUBLE, "5", 0.1, 3600, NULL,
	  "seconds the server may take to stop before it is killed" },
	{ "pin", NGB_PARAM_INT, "1", 0, 1, NULL,
	  "1: server on the first allowed CPU, client on the others (when there are two or more)" },
	SEED_PARAM,
	{ NULL },
};

const struct ngb_workload ngb_workloads[] = {
	{
		.name = "xalanc",
		.summary = "XSLT transforms of a generated document with Xalan-C (xalancbmk-like)",
		.program = "xalanc",
		.params = xalanc_params,
		.presets = { "size=1M iterations=2", "size=4M iterations=5", "size=8M iterations=12" },
		.smoke = "size=16K iterations=2",
		.threads_param = "threads",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
		.requires = "xalan",
		.unavailable_fix = "apt-get install libxalan-c-dev, then re-run configure",
	},
	{
		.name = "xmalloc",
		.summary = "producers allocate batches that consumers free (Lever & Boreham's xmalloc test)",
		.program = "xmalloc",
		.params = xmalloc_params,
		/* reference: bench.sh's "xmalloc-test -w T -t 5 -s 64" */
		.presets = { "objects=6000000", "objects=60000000", "objects=360000000",
			     "seconds=5 min-size=64 max-size=64 batch=4096 check=none" },
		.smoke = "objects=20000 batch=256 min-size=16 max-size=256",
		.threads_param = "threads",
		.metric = "ops_per_sec",
		.unit = "ops/s",
		.higher_is_better = 1,
	},
	{
		.name = "larson",
		.summary = "server simulation with blocks handed between threads (Larson & Krishnan, ISMM 1998)",
		.program = "larson",
		.params = larson_params,
		/* reference: bench.sh's "larson 5 8 1000 5000 100 4141 T" */
		.presets = { "seconds=1", "seconds=10", "seconds=60",
			     "seconds=5 min-size=8 max-size=1000 blocks=5000 rounds=100 seed=4141 "
			     "check=none" },
		.smoke = "seconds=0.05 blocks=500 rounds=2",
		.threads_param = "threads",
		.metric = "ops_per_sec",
		.unit = "ops/s",
		.higher_is_better = 1,
	},
	{
		.name = "active-false",
		.summary = "allocator-induced active false sharing (Hoard's cache-thrash, ASPLOS 2000)",
		.program = "active-false",
		.params = active_false_params,
		/* reference: bench.sh's "cache-thrash T 1000 1 2000000 T" */
		.presets = { "writes=500000", "writes=5000000", "writes=30000000",
			     "iterations=1000 size=1 writes=2000000 start=created loop=original check=none" },
		.smoke = "iterations=2000 writes=20 size=24",
		.threads_param = "threads",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
	},
	{
		.name = "passive-false",
		.summary = "allocator-induced passive false sharing (Hoard's cache-scratch, ASPLOS 2000)",
		.program = "passive-false",
		.params = passive_false_params,
		/* reference: bench.sh's "cache-scratch T 1000 1 2000000 T" */
		.presets = { "writes=500000", "writes=5000000", "writes=30000000",
			     "iterations=1000 size=1 writes=2000000 start=created loop=original check=none" },
		.smoke = "iterations=2000 writes=20 size=24",
		.threads_param = "threads",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
	},
	{
		.name = "threadtest",
		.summary = "batches of fixed-size objects allocated and freed per thread, no sharing (Hoard)",
		.program = "threadtest",
		.params = threadtest_params,
		/* reference: Hoard's "threadtest T 200 100000 0 1" (8-byte Foo objects) */
		.presets = { "iterations=250", "iterations=2500", "iterations=15000",
			     "iterations=200 objects=100000 size=8 loop=original check=none" },
		.smoke = "iterations=3 objects=2000",
		.threads_param = "threads",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
	},
	{
		.name = "blowup",
		.summary = "producer-consumer rounds: peak RSS over peak live bytes (Hoard's blowup)",
		.program = "blowup",
		.params = blowup_params,
		.presets = { "rounds=1200", "rounds=12000", "rounds=72000" },
		.smoke = "rounds=4 objects=2000",
		.threads_param = "threads",
		.metric = "blowup",
		.unit = "ratio",
		.higher_is_better = 0,
	},
	{
		.name = "replay",
		.summary = "replays a recorded allocation trace (ngbench trace record) with its threads",
		.program = "replay",
		.params = replay_params,
		.presets = { "", "", "" },
		.threads_param = NULL,
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
		.group = "user",
	},
	{
		.name = "redis",
		.summary = "redis-server under the allocator, redis-benchmark's SET/GET/LPUSH/LPOP/ZADD mix",
		.program = "redis",
		.params = redis_params,
		.presets = { "requests=5000", "requests=50000", "requests=300000" },
		.smoke = "requests=500 passes=2 check-keys=200",
		.metric = "requests_per_sec",
		.unit = "req/s",
		.higher_is_better = 1,
		.commands = "redis-server redis-benchmark",
		.group = "real",
		.unavailable_fix = "apt-get install redis-server redis-tools",
	},
	{
		.name = "rocksdb",
		.summary = "RocksDB's db_bench: fillrandom then readrandom in a fresh folder",
		.program = "rocksdb",
		.params = rocksdb_params,
		.presets = { "num=100000", "num=700000", "num=4000000" },
		.smoke = "num=5000",
		.metric = "ops_per_sec",
		.unit = "ops/s",
		.higher_is_better = 1,
		.commands = "db_bench",
		.group = "real",
		.unavailable_fix = "apt-get install rocksdb-tools",
	},
	{
		.name = "sqlite",
		.summary = "sqlite3 on a generated script: inserts, indexes, joins, deletes, aggregates",
		.program = "sqlite",
		.params = sqlite_params,
		.presets = { "rows=50000", "rows=500000", "rows=2000000" },
		.smoke = "rows=2000",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
		.commands = "sqlite3",
		.group = "real",
		.unavailable_fix = "apt-get install sqlite3",
	},
	{
		.name = "lua",
		.summary = "lua5.4 building, sorting and dropping tables of records and strings",
		.program = "lua",
		.params = lua_params,
		.presets = { "rounds=5", "rounds=50", "rounds=300" },
		.smoke = "rounds=2 records=5000",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
		.commands = "lua5.4",
		.group = "real",
		.unavailable_fix = "apt-get install lua5.4",
	},
	{
		.name = "ghostscript",
		.summary = "Ghostscript rendering a generated multi-page PostScript document to nullpage",
		.program = "ghostscript",
		.params = ghostscript_params,
		.presets = { "pages=40", "pages=400", "pages=2400" },
		.smoke = "pages=3 shapes=20",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
		.commands = "gs",
		.group = "real",
		.unavailable_fix = "apt-get install ghostscript",
	},
	{
		.name = "z3",
		.summary = "z3 solving a generated SMT-LIB set with known sat/unsat answers",
		.program = "z3",
		.params = z3_params,
		.presets = { "problems=10", "problems=100", "problems=600" },
		.smoke = "problems=2 vars=6 holes=4",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
		.commands = "z3",
		.group = "real",
		.unavailable_fix = "apt-get install z3",
	},
	{
		.name = "python",
		.summary = "python3 threads building, sorting and dropping dicts and strings",
		.program = "python",
		.params = python_params,
		.presets = { "rounds=3", "rounds=30", "rounds=180" },
		.smoke = "rounds=2 records=5000",
		.threads_param = "threads",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
		.commands = "python3",
		.group = "real",
		.unavailable_fix = "apt-get install python3",
	},
	{
		.name = "server",
		.summary = "any server under the allocator, driven by a client of the user's (set start, ready, client)",
		.program = "server",
		.params = server_params,
		.presets = { "", "", "" },
		.group = "user",
		.metric = "seconds",
		.unit = "s",
		.higher_is_better = 0,
	},
	{ .name = NULL },
};

const struct ngb_workload *ngb_workload_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct ngb_workload *w = ngb_workloads; w->name; w++)
		if (!strcmp(w->name, name))
			return w;
	return NULL;
}

const struct ngb_workload_param *ngb_workload_param_find(const struct ngb_workload *w,
							  const char *name)
{
	if (!w || !name)
		return NULL;
	for (const struct ngb_workload_param *p = w->params; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static const char *const preset_names[NGB_PRESET_COUNT] = { "quick", "standard", "full",
							     "reference" };

const char ngb_preset_help[] =
	"quick (~1 s), standard (~10 s), full (~60 s), or reference: the\n"
	"command line of the published program the workload reproduces\n"
	"(xmalloc, larson, active-false, passive-false, threadtest)\n"
	"with only the writes that program makes (no self-check);\n"
	"default quick";

void ngb_preset_reference_list(char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (const struct ngb_workload *w = ngb_workloads; w->name; w++) {
		int n;

		if (!w->presets[NGB_PRESET_REFERENCE])
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", w->name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

const char *ngb_preset_name(enum ngb_preset p)
{
	return (unsigned)p < NGB_PRESET_COUNT ? preset_names[p] : NULL;
}

int ngb_preset_parse(const char *s, enum ngb_preset *out)
{
	for (int i = 0; s && i < NGB_PRESET_COUNT; i++)
		if (!strcmp(s, preset_names[i])) {
			*out = (enum ngb_preset)i;
			return 0;
		}
	return -EINVAL;
}

int ngb_workload_param_parse(const struct ngb_workload_param *p, const char *text, double *num,
			     char *err, size_t errlen)
{
	uint64_t z;
	double v = 0;
	long l;

	switch (p->type) {
	case NGB_PARAM_INT:
		if (parse_long(text, &l)) {
			snprintf(err, errlen, "'%s' is not an integer", text);
			return -1;
		}
		v = (double)l;
		break;
	case NGB_PARAM_SIZE:
		if (parse_size(text, &z)) {
			snprintf(err, errlen, "'%s' is not a size (such as 512, 4K, 1M, 2G)", text);
			return -1;
		}
		v = (double)z;
		break;
	case NGB_PARAM_DOUBLE:
		if (parse_double(text, &v)) {
			snprintf(err, errlen, "'%s' is not a number", text);
			return -1;
		}
		break;
	case NGB_PARAM_STRING:
		if (p->choices) {
			size_t n = strlen(text);
			const char *c = p->choices;

			while (c) {
				const char *bar = strchr(c, '|');
				size_t len = bar ? (size_t)(bar - c) : strlen(c);

				if (len == n && !strncmp(c, text, n))
					break;
				c = bar ? bar + 1 : NULL;
			}
			if (!c) {
				snprintf(err, errlen, "'%s' is not one of %s", text, p->choices);
				return -1;
			}
		}
		*num = 0;
		return 0;
	}
	if (v < p->min || v > p->max) {
		snprintf(err, errlen, "'%s' is out of range [%.15g, %.15g]", text, p->min, p->max);
		return -1;
	}
	*num = v;
	return 0;
}
