/*
 * workloads/real/rocksdb.c - the rocksdb workload: RocksDB's own benchmark,
 * db_bench, under the allocator, in a fresh folder: fillrandom (random
 * keys into the memtable, flushes and compactions into SST files), then
 * readrandom (point lookups through the block cache), then verifychecksum
 * (reads every block and checks its checksum).  The memtable's arena,
 * the block cache and the iterators come from malloc and operator new.
 *
 * Metric: operations per second over both phases, from db_bench's own
 * rates (ops / (num/fill_rate + num/read_rate)).
 *
 * Self-check: db_bench exits 0, verifychecksum ran without a corruption,
 * and readrandom found between 55% and 71% of its keys: with num random
 * keys written and num read, each drawn uniformly from num, a key is found
 * with probability 1 - (1 - 1/num)^num, about 63.2%.  The count is the
 * same in every run of a seed (found= in the record) and is compared
 * across allocators by the tests.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common.h"
#include "proc.h"

static const char notes[] =
	"Runs 'db_bench --benchmarks=fillrandom,readrandom,verifychecksum' with\n"
	"the allocator preloaded, in a fresh private folder, without compression;\n"
	"one thread.  Debian's db_bench is built with assertions on (it says so).";

/* The "NAME : X micros/op Y ops/sec" line of a benchmark; 0 when missing. */
static double rate(const char *out, const char *name)
{
	const char *p = out;
	size_t n = strlen(name);
	double micros, ops;

	while ((p = strstr(p, name))) {
		if ((p == out || p[-1] == '\n') && sscanf(p + n, " : %lf micros/op %lf ops/sec",
							  &micros, &ops) == 2)
			return ops;
		p += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "rocksdb", notes);
	long long num = wl_int("num");
	size_t value_size = wl_size("value-size");
	char a_db[4200], a_num[64], a_val[64], a_seed[64];
	const char *out, *p;
	char *text;
	double fill, read;
	long long found = -1, tried = -1;

	rp_init("rocksdb");
	rp_require("db_bench", "rocksdb-tools");
	out = rp_path("db_bench.out");
	snprintf(a_db, sizeof(a_db), "--db=%s", rp_path("db"));
	snprintf(a_num, sizeof(a_num), "--num=%lld", num);
	snprintf(a_val, sizeof(a_val), "--value_size=%zu", value_size);
	snprintf(a_seed, sizeof(a_seed), "--seed=%lld", wl_int("seed") + 1);
	char *args[] = { "db_bench", "--benchmarks=fillrandom,readrandom,verifychecksum", a_db,
			 a_num, a_val, a_seed, "--threads=1", "--compression_type=none",
			 "--histogram=0", "--statistics=0", "--progress_reports=0", NULL };
	rp_measure("db_bench", args, NULL, out);
	text = rp_slurp(out, NULL);
	if (!text)
		rp_fail("db_bench wrote no output");
	fill = rate(text, "fillrandom");
	read = rate(text, "readrandom");
	if (fill <= 0 || read <= 0)
		rp_fail("db_bench's output has no rate for fillrandom or readrandom");
	if (rate(text, "verifychecksum") <= 0 || strstr(text, "Corruption"))
		rp_fail("self-check failed: verifychecksum did not pass: %s", rp_tail(out, 5));
	p = strstr(text, "readrandom");
	p = p ? strchr(p, '(') : NULL;
	if (!p || sscanf(p, "(%lld of %lld found)", &found, &tried) != 2 || tried != num)
		rp_fail("db_bench's readrandom line has no '(F of N found)'");
	if (num >= 1000 && (found < num * 55 / 100 || found > num * 71 / 100))
		rp_fail("self-check failed: readrandom found %lld of %lld keys; random keys give "
			"about 63%%", found, tried);
	wl_result("ops_per_sec", 2.0 * (double)num / ((double)num / fill + (double)num / read),
		  "ops/s", 1, " fillrandom_ops_per_sec=%.0f readrandom_ops_per_sec=%.0f found=%lld "
		  "num=%lld value_size=%zu", fill, read, found, num, value_size);
	free(text);
	return 0;
}
