/*
 * tests/profile/parse.c - the harness's reader of the profiling shim's file
 * (harness/profile.c): the format, every malformed case, quantiles from
 * bins, and the derived values (fragmentation, per operation, ns).  Runs
 * under ASan/UBSan when configured with --enable-sanitizers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "../../harness/internal.h"

static const char good[] =
	"ngbench-profile=1\n"
	"next=/lib/libc.so.6\n"
	"tick_hz=2000000000\n"
	"calls.malloc=200\n"
	"calls.calloc=100\n"
	"calls.operator_new=100\n"
	"calls.free=300\n"
	"calls.operator_delete=50\n"
	"bytes_requested=40000\n"
	"peak_live_bytes=1048576\n"
	"shim_peak_bytes=1048576\n"
	"malloc_ticks.max=90\n"
	"hist size 64 128 400\n"
	"hist malloc_ticks 10 20 50\n"
	"hist malloc_ticks 20 40 40\n"
	"hist malloc_ticks 80 96 10\n"
	"end\n";

static int parses(const char *text, const char *why_part)
{
	struct profile p;
	char *why = NULL;
	int rc = profile_parse(text, strlen(text), &p, &why);
	int matched = rc < 0 && why && strstr(why, why_part);

	if (rc == 0)
		profile_release(&p);
	else if (!matched)
		tap_diag("  reason: %s", why ? why : "(none)");
	free(why);
	return matched;
}

static void test_good(void)
{
	struct profile p;
	char *why = NULL;
	double v = 0;

	ok(profile_parse(good, strlen(good), &p, &why) == 0, "a well-formed profile parses");
	expect_str_eq(profile_value(&p, "next"), "/lib/libc.so.6", "a text value");
	ok(profile_number(&p, "calls.malloc", &v) == 0 && v == 200, "a number");
	ok(profile_value(&p, "calls.realloc") == NULL, "a missing key is NULL");
	expect_int_eq(p.nbins, 4, "four bins");
	expect_str_eq(p.bins[0].name, "size", "bins keep their names");

	/* 100 samples: the 50th is the last of [10, 20); the 99th is 9/10 into [80, 96) */
	ok(profile_quantile(&p, "malloc_ticks", 0.5, -1, &v) == 0, "p50 of the latency bins");
	expect_dbl_near(v, 20, 1e-9, "p50 is the top of the bin holding the 50th value");
	ok(profile_quantile(&p, "malloc_ticks", 0.99, -1, &v) == 0, "p99");
	expect_dbl_near(v, 80 + 16 * 0.9, 1e-9, "p99 is interpolated in its bin");
	ok(profile_quantile(&p, "malloc_ticks", 1.0, 90, &v) == 0, "p100");
	expect_dbl_near(v, 90, 1e-9, "a quantile never exceeds the maximum");
	ok(profile_quantile(&p, "free_ticks", 0.5, -1, &v) < 0, "an empty histogram has no quantile");
	ok(profile_quantile(&p, "malloc_ticks", 0, -1, &v) < 0, "q = 0 is refused");

	{
		struct result_record r;
		char *keys[] = { "threads", "ops" }, *values[] = { "1", "200" };

		memset(&r, 0, sizeof(r));
		r.present = 1;
		r.nextra = 2;
		r.keys = keys;
		r.values = values;
		/* RSS 3 MiB, 1 MiB of it the shim's: 2 MiB over 1 MiB live */
		profile_derive(&p, &r, 3072);
	}
	ok(profile_number(&p, "fragmentation", &v) == 0, "fragmentation derived");
	expect_dbl_near(v, 2.0, 1e-9, "fragmentation = (peak RSS - shim memory) / peak live bytes");
	ok(profile_number(&p, "allocations", &v) == 0 && v == 400, "allocations = malloc + calloc + operator new");
	ok(profile_number(&p, "calls", &v) == 0 && v == 750, "calls = allocations + frees + operator deletes");
	ok(profile_number(&p, "avg_request_bytes", &v) == 0 && v == 100, "average request");
	expect_str_eq(profile_value(&p, "op_key"), "ops", "operations counted by the record's ops");
	ok(profile_number(&p, "calls_per_op", &v) == 0 && v == 3.75, "calls per operation");
	ok(profile_number(&p, "bytes_per_op", &v) == 0 && v == 200, "bytes per operation");
	ok(profile_number(&p, "malloc_ticks.p50", &v) == 0 && v == 20, "p50 stored");
	ok(profile_number(&p, "malloc_ns.p50", &v) == 0, "p50 in ns from tick_hz");
	expect_dbl_near(v, 10, 1e-9, "20 ticks at 2 GHz are 10 ns");
	ok(profile_number(&p, "malloc_ns.max", &v) == 0 && v == 45, "max in ns");
	profile_derive(&p, NULL, 0);
	ok(profile_number(&p, "fragmentation", &v) == 0 && v == 2.0,
	   "deriving again without RSS keeps what was derived");
	profile_release(&p);
	ok(p.nbins == 0 && p.pairs.n == 0, "released");
}

/* The shim's block headers (header_bytes for each peak live object) come
 * out of the RSS too. */
static void test_headers(void)
{
	static const char text[] =
		"ngbench-profile=1\n"
		"peak_live_bytes=1048576\n"
		"peak_live_objects=16384\n"
		"shim_peak_bytes=1048576\n"
		"header_bytes=16\n"
		"end\n";
	struct profile p;
	char *why = NULL;
	double v;

	ok(profile_parse(text, strlen(text), &p, &why) == 0, "a profile with header_bytes parses");
	/* RSS 3 MiB - 1 MiB of the shim - 16384 x 16 bytes of headers, over 1 MiB */
	profile_derive(&p, NULL, 3072);
	ok(profile_number(&p, "peak_rss_bytes", &v) == 0, "peak RSS derived");
	expect_dbl_near(v, 3145728 - 1048576 - 262144, 1e-6, "less the shim and its headers");
	ok(profile_number(&p, "fragmentation", &v) == 0, "fragmentation derived");
	expect_dbl_near(v, 1.75, 1e-9, "fragmentation leaves the headers out");
	profile_release(&p);
	free(why);
}

static void test_bad(void)
{
	struct profile p;
	char *why = NULL;
	const char nul[] = "ngbench-profile=1\nx=1\0\nend\n";

	ok(parses("", "empty"), "an empty text is refused");
	ok(parses("hello\nend\n", "not a profile"), "a text without the first line is refused");
	ok(parses("ngbench-profile=2\nend\n", "format 2 is not supported"), "a newer format is refused");
	ok(parses("ngbench-profile=1\ncalls.malloc=1\n", "truncated"), "a file without 'end' is truncated");
	ok(parses("ngbench-profile=1\ncalls.malloc=1", "truncated"), "a last line without newline is truncated");
	ok(parses("ngbench-profile=1\nend\nx=1\n", "after 'end'"), "text after 'end' is refused");
	ok(parses("ngbench-profile=1\nBad=1\nend\n", "line 2: malformed"), "a key with upper case is refused");
	ok(parses("ngbench-profile=1\nx=\nend\n", "line 2: malformed"), "an empty value is refused");
	ok(parses("ngbench-profile=1\nx=a b\nend\n", "line 2: malformed"), "a value with a space is refused");
	ok(parses("ngbench-profile=1\nx=1\nx=2\nend\n", "given twice"), "a repeated key is refused");
	ok(parses("ngbench-profile=1\nhist size 8 4 1\nend\n", "LO < HI"), "a bin with LO >= HI is refused");
	ok(parses("ngbench-profile=1\nhist size 1 2\nend\n", "malformed histogram"), "a short bin is refused");
	ok(parses("ngbench-profile=1\nhist size 1 2 3 4\nend\n", "malformed histogram"), "a long bin is refused");
	ok(parses("ngbench-profile=1\nhist size -1 2 3\nend\n", "malformed histogram"), "a negative bound is refused");
	ok(parses("ngbench-profile=1\nhist size 1 99999999999999999999 3\nend\n", "malformed histogram"),
	   "an overflowing bound is refused");
	ok(parses("ngbench-profile=1\nhist Size 1 2 3\nend\n", "malformed histogram"), "a bad bin name is refused");
	ok(profile_parse(nul, sizeof(nul) - 1, &p, &why) < 0 && strstr(why, "NUL"), "a NUL byte is refused");
	free(why);
	why = NULL;
	ok(profile_read_file("/nonexistent/profile", &p, &why) < 0 && strstr(why, "cannot open"),
	   "a missing file says so");
	free(why);
}

static void test_file(void)
{
	char path[4096];
	struct profile p;
	char *why = NULL;
	int fd = mkstemp(tap_tmp_template(path, sizeof(path), "ngbench-profile-test"));

	if (fd < 0) {
		tap_skip(3, "cannot create a temporary file");
		return;
	}
	ok(profile_read_file(path, &p, &why) < 0 && strstr(why, "empty"),
	   "an empty file: the program did not reach its exit");
	free(why);
	why = NULL;
	ok(write(fd, good, strlen(good)) == (ssize_t)strlen(good), "written");
	close(fd);
	ok(profile_read_file(path, &p, &why) == 0 && p.nbins == 4, "a file reads like its text");
	profile_release(&p);
	free(why);
	unlink(path);
}

int main(void)
{
	tap_plan(54);
	test_good();
	test_headers();
	test_bad();
	test_file();
	return tap_done();
}
