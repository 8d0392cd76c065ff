/*
 * workloads/real/python.c - the python workload: python3, under the
 * allocator, runs threads that build, sort and drop lists of dicts with
 * strings and tuples (rounds divided among the threads, the last two
 * rounds of each thread kept alive).  By default PYTHONMALLOC=malloc, so
 * that every object, small ones included, comes from the allocator under
 * test; --pymalloc=1 leaves Python's own arena allocator in front of it
 * (objects up to 512 bytes then never reach malloc).  The threads share
 * the interpreter lock: they interleave rather than run at once, and the
 * allocator sees objects allocated by one thread freed by another only
 * through the garbage of the shared lists.
 *
 * Self-check: as the lua workload, a checksum and a byte count computed
 * here too (proc.c, rp_sorted_fold).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "../common.h"
#include "proc.h"

static const char notes[] =
	"Runs 'python3 SCRIPT SEED ROUNDS RECORDS THREADS' with the allocator\n"
	"preloaded and PYTHONMALLOC=malloc unless --pymalloc=1.  The metric is the\n"
	"wall time of the python3 process, start-up included (about 20 ms).";

static const char script[] =
	"import sys, threading\n"
	"seed, rounds, n, threads = map(int, sys.argv[1:5])\n"
	"A, C, M = 6364136223846793005, 1442695040888963407, (1 << 64) - 1\n"
	"sums = [0] * rounds\n"
	"bytes_ = [0] * rounds\n"
	"def work(t):\n"
	"    keep = []\n"
	"    for r in range(t, rounds, threads):\n"
	"        s = (seed * 1000003 + r) & M\n"
	"        recs = []\n"
	"        for i in range(n):\n"
	"            s = (s * A + C) & M\n"
	"            v = (s >> 33) % 1000003\n"
	"            recs.append({'id': i, 'val': v, 'key': 'k%07d' % v,\n"
	"                         'tags': (v % 7, v % 11, str(v % 13))})\n"
	"        recs.sort(key=lambda d: (d['val'], d['id']))\n"
	"        h = 0\n"
	"        parts = []\n"
	"        for i, d in enumerate(recs, 1):\n"
	"            h = (h * 31 + d['val']) & 0xffffffff\n"
	"            if i % 8 == 0:\n"
	"                parts.append(d['key'] + ':' + d['tags'][2])\n"
	"        bytes_[r] = len(','.join(parts))\n"
	"        sums[r] = h\n"
	"        keep.append(recs)\n"
	"        if len(keep) > 2:\n"
	"            keep.pop(0)\n"
	"ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]\n"
	"for t in ts:\n"
	"    t.start()\n"
	"for t in ts:\n"
	"    t.join()\n"
	"print('ngb-checksum %d %d' % (sum(sums) & 0xffffffff, sum(bytes_)))\n";

int main(int argc, char **argv)
{
	wl_init(argc, argv, "python", notes);
	long rounds = (long)wl_int("rounds"), records = (long)wl_int("records");
	long threads = (long)wl_int("threads");
	unsigned long long seed = (unsigned long long)wl_int("seed");
	char a_seed[32], a_rounds[32], a_records[32], a_threads[32];
	double secs;
	const char *path, *out;
	uint32_t sum;

	rp_init("python");
	rp_require("python3", "python3");
	path = rp_path("alloc.py");
	out = rp_path("python.out");
	rp_write_file(path, script, sizeof(script) - 1);
	snprintf(a_seed, sizeof(a_seed), "%llu", seed);
	snprintf(a_rounds, sizeof(a_rounds), "%ld", rounds);
	snprintf(a_records, sizeof(a_records), "%ld", records);
	snprintf(a_threads, sizeof(a_threads), "%ld", threads);
	if (wl_int("pymalloc"))
		unsetenv("PYTHONMALLOC");
	else
		setenv("PYTHONMALLOC", "malloc", 1);
	/* no .pyc files written, no user site: the same work in every run */
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	setenv("PYTHONNOUSERSITE", "1", 1);
	char *args[] = { "python3", "-S", (char *)path, a_seed, a_rounds, a_records, a_threads,
			 NULL };
	secs = rp_measure("python3", args, NULL, out);
	sum = rp_check_fold(out, "python3", seed, rounds, records);
	wl_result("seconds", secs, "s", 0,
		  " threads=%ld rounds=%ld records=%ld pymalloc=%lld checksum=%u", threads, rounds,
		  records, wl_int("pymalloc"), sum);
	return 0;
}
