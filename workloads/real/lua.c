/*
 * workloads/real/lua.c - the lua workload: lua5.4, under the allocator,
 * runs a script that builds, sorts and drops tables of records (a table,
 * a formatted string and a tag table each) and joins strings, keeping the
 * last few rounds alive so that objects of several lifetimes mix.  Lua
 * allocates every table, string and closure through realloc/free
 * (lua_newstate with the standard allocator), so the allocator sees every
 * object.
 *
 * Self-check: the script prints a checksum of the sorted values and the
 * length of its joined strings; this driver computes both from the same
 * generator (proc.c, rp_sorted_fold) and compares.
 */
#include "config.h"

#include <stdio.h>

#include "../common.h"
#include "proc.h"

static const char notes[] =
	"Runs 'lua5.4 SCRIPT SEED ROUNDS RECORDS' with the allocator preloaded; the\n"
	"script is written by this program into a private folder.  The metric is\n"
	"the wall time of the lua5.4 process, start-up included (about 2 ms).";

static const char script[] =
	"local seed, rounds, n = tonumber(arg[1]), tonumber(arg[2]), tonumber(arg[3])\n"
	"local A, C = 6364136223846793005, 1442695040888963407\n"
	"local total, bytes, keep = 0, 0, {}\n"
	"local function before(a, b)\n"
	"  if a.val ~= b.val then return a.val < b.val end\n"
	"  return a.id < b.id\n"
	"end\n"
	"for r = 0, rounds - 1 do\n"
	"  local s = seed * 1000003 + r\n"
	"  local recs = {}\n"
	"  for i = 1, n do\n"
	"    s = s * A + C\n"
	"    local v = (s >> 33) % 1000003\n"
	"    recs[i] = { id = i, val = v, key = string.format('k%07d', v),\n"
	"                tags = { v % 7, v % 11, tostring(v % 13) } }\n"
	"  end\n"
	"  table.sort(recs, before)\n"
	"  local h, parts = 0, {}\n"
	"  for i = 1, n do\n"
	"    local rec = recs[i]\n"
	"    h = (h * 31 + rec.val) & 0xffffffff\n"
	"    if i % 8 == 0 then parts[#parts + 1] = rec.key .. ':' .. rec.tags[3] end\n"
	"  end\n"
	"  bytes = bytes + #table.concat(parts, ',')\n"
	"  keep[r % 3 + 1] = recs\n"
	"  total = (total + h) & 0xffffffff\n"
	"end\n"
	"print(string.format('ngb-checksum %d %d', total, bytes))\n";

int main(int argc, char **argv)
{
	wl_init(argc, argv, "lua", notes);
	long rounds = (long)wl_int("rounds"), records = (long)wl_int("records");
	unsigned long long seed = (unsigned long long)wl_int("seed");
	char a_seed[32], a_rounds[32], a_records[32];
	double secs;
	const char *path, *out;
	uint32_t sum;

	rp_init("lua");
	rp_require("lua5.4", "lua5.4");
	path = rp_path("alloc.lua");
	out = rp_path("lua.out");
	rp_write_file(path, script, sizeof(script) - 1);
	snprintf(a_seed, sizeof(a_seed), "%llu", seed);
	snprintf(a_rounds, sizeof(a_rounds), "%ld", rounds);
	snprintf(a_records, sizeof(a_records), "%ld", records);
	char *args[] = { "lua5.4", (char *)path, a_seed, a_rounds, a_records, NULL };
	secs = rp_measure("lua5.4", args, NULL, out);
	sum = rp_check_fold(out, "lua5.4", seed, rounds, records);
	wl_result("seconds", secs, "s", 0,
		  " rounds=%ld records=%ld checksum=%u", rounds, records, sum);
	return 0;
}
