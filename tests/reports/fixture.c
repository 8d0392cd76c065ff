/*
 * tests/reports/fixture.c - the report's numbers over the fixture database
 * (data/fixtures/report.sql) against hand-computed values, and compare's
 * verdicts between its two sessions.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ngbench/report.h"
#include "ngbench/store.h"
#include "tap.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static json_t *cell(json_t *cells, const char *wl, const char *alloc)
{
	size_t i;
	json_t *c;

	json_array_foreach(cells, i, c)
		if (!strcmp(json_string_value(json_object_get(c, "workload")), wl) &&
		    !strcmp(json_string_value(json_object_get(c, "allocator")), alloc))
			return c;
	return NULL;
}

static double num(json_t *o, const char *path)
{
	char buf[128], *save, *tok;
	json_t *j = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save))
		j = json_object_get(j, tok);
	return j && json_is_number(j) ? json_number_value(j) : NAN;
}

static json_t *render(sqlite3 *db, int64_t sid, enum ngb_report_format f, char **text)
{
	struct ngb_report *r;
	struct ngb_err e;
	size_t len;
	FILE *m = open_memstream(text, &len);
	json_t *j = NULL;

	if (ngb_report_load(db, sid, NULL, &r, &e) == 0) {
		ngb_report_write(r, f, m, &e);
		ngb_report_free(r);
	}
	fclose(m);
	if (f == NGB_FORMAT_JSON)
		j = json_loads(*text, 0, NULL);
	return j;
}

int main(void)
{
	const char *srcdir = getenv("top_srcdir");
	char path[4096], dbp[4100], sqlpath[4096], *sql, *text = NULL;
	struct ngb_store *st;
	struct ngb_err e;
	sqlite3 *db;
	json_t *root, *cells, *c, *geo, *prof;
	int fd;

	if (!srcdir)
		srcdir = ".";
	snprintf(sqlpath, sizeof(sqlpath), "%s/data/fixtures/report.sql", srcdir);
	sql = slurp(sqlpath);
	if (!sql)
		tap_skip_all("data/fixtures/report.sql not found (run through make check)");
	fd = mkstemp(tap_tmp_template(path, sizeof(path), "ngbench-fixture"));
	close(fd);
	unlink(path);
	snprintf(dbp, sizeof(dbp), "%s.db", path);
	if (ngb_store_create_at_version(dbp, ngb_store_schema_version(), &e) ||
	    ngb_store_open(&st, dbp, 0, &e)) {
		printf("1..0 # SKIP cannot create a database: %s\n", e.msg);
		return 0;
	}
	db = ngb_store_db(st);
	tap_plan(62);
	expect_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "the fixture loads");

	root = render(db, 1, NGB_FORMAT_JSON, &text);
	ok(root != NULL, "the JSON report parses");
	expect_int_eq(num(root, "format_version"), 1, "it has a format version");
	cells = json_object_get(root, "cells");
	expect_int_eq(json_array_size(cells), 4, "4 cells");

	c = cell(cells, "wl", "ptmalloc2");
	expect_int_eq(num(c, "succeeded"), 6, "warm-up and profiling trials are left out");
	expect_dbl_near(num(c, "median"), 11.5, 1e-12, "median of 9..14");
	expect_dbl_near(num(c, "median_ci.lo"), 9, 0, "interval [x(1),");
	expect_dbl_near(num(c, "median_ci.hi"), 14, 0, "x(6)]");
	expect_dbl_near(num(c, "median_ci.level"), 0.96875, 1e-12, "at 1 - 2/64");
	expect_dbl_near(num(c, "best"), 9, 0, "best time is the minimum");
	expect_dbl_near(num(c, "maxrss_kb_median"), 3500, 0, "median max RSS");
	expect_dbl_near(num(c, "speedup"), 1, 0, "the baseline's speedup is 1");

	c = cell(cells, "wl", "fastalloc");
	expect_int_eq(num(c, "failed"), 1, "the failed trial is counted");
	expect_dbl_near(num(c, "median"), 6.25, 1e-12, "median 6.25");
	expect_dbl_near(num(c, "speedup"), 1.8257418583505542, 1e-12, "speedup = 1/sqrt(0.3)");
	expect_dbl_near(num(c, "speedup_ci.lo"), 1 / 0.7, 1e-12, "interval low 1/0.7");
	expect_dbl_near(num(c, "speedup_ci.hi"), 7.0 / 3, 1e-12, "interval high 7/3");
	expect_dbl_near(num(c, "speedup_ci.level"), 0.9588744588744589, 1e-12, "at 95.89%%");

	c = cell(cells, "rate", "fastalloc");
	expect_dbl_near(num(c, "speedup"), 1.9047619047619047, 1e-12, "rate: higher is better");
	expect_dbl_near(num(c, "best"), 210, 0, "best rate is the maximum");
	expect_dbl_near(num(c, "derived.ipc"), 3, 1e-12, "IPC from instructions and cycles");
	expect_dbl_near(num(c, "derived.insn_per_op"), 0.9, 1e-12, "instructions per operation");
	ok(json_is_null(json_object_get(json_object_get(c, "derived"), "llc_mpki")) ||
		   !json_object_get(json_object_get(c, "derived"), "llc_mpki"),
	   "MPKI of an uncounted event is null, never 0");
	c = cell(cells, "rate", "ptmalloc2");
	expect_dbl_near(num(c, "derived.ipc"), 2, 1e-12, "IPC median of 2, 2, 3 (scaled counts count)");
	expect_dbl_near(num(c, "counters.instructions"), 2000, 0, "counter median");

	geo = json_object_get(root, "geomean");
	expect_dbl_near(num(json_array_get(geo, 1), "speedup"), 1.8648333812207838, 1e-12,
			"geometric mean over the two workloads");
	expect_int_eq(json_array_size(json_object_get(root, "failures")), 1, "one failed trial listed");
	json_decref(root);
	free(text);

	/* escaping: the label and stderr never reach markdown or HTML as markup */
	render(db, 1, NGB_FORMAT_MARKDOWN, &text);
	ok(!strstr(text, "<script>") && strstr(text, "&lt;script&gt;"), "markdown escapes the label");
	free(text);
	render(db, 1, NGB_FORMAT_HTML, &text);
	/* the page's one script element is its own, at the end */
	ok(strstr(text, "<script>(function(){'use strict';") &&
	   !strstr(strstr(text, "<script") + 1, "<script"), "one script element, the page's own");
	ok(strstr(text, "&lt;script&gt;alert(1)") && !strstr(text, "<script>alert"),
	   "HTML escapes the label");
	ok(!strstr(text, "<b>bold") && strstr(text, "&lt;b&gt;bold"), "and the failure reason");
	free(text);

	/*
	 * Session 3: profiles and RSS over time (data/fixtures/report.sql).  The
	 * workload's numbers are the medians over the three profile trials that
	 * succeeded, of both allocators (trial 48 failed: its 99999s are out).
	 */
	root = render(db, 3, NGB_FORMAT_JSON, &text);
	prof = json_object_get(root, "profile");
	ok(prof != NULL, "session 3 has a profile section");
	c = json_array_get(json_object_get(prof, "workloads"), 0);
	expect_dbl_near(num(c, "profile_trials"), 3, 0, "three profile trials (the failed one left out)");
	expect_dbl_near(num(c, "peak_live_bytes"), 1200, 0, "max live: median of 1000, 1200, 1400");
	expect_dbl_near(num(c, "bytes_requested"), 60000, 0, "total requested: median");
	expect_dbl_near(num(c, "allocations"), 120, 0, "objects: median");
	expect_dbl_near(num(c, "avg_request_bytes"), 500, 0, "average size");
	cells = json_object_get(prof, "allocators");
	c = cell(cells, "pw", "ptmalloc2");
	ok(c == json_array_get(cells, 0), "the baseline's row first");
	expect_dbl_near(num(c, "fragmentation"), 4, 0, "fragmentation of ptmalloc2's one trial");
	expect_dbl_near(num(c, "blowup"), 1, 0, "ptmalloc2 is the best: blowup 1");
	expect_dbl_near(num(c, "malloc_ns.p999"), 400, 0, "malloc p99.9");
	c = cell(cells, "pw", "fastalloc");
	expect_dbl_near(num(c, "fragmentation"), 7, 1e-12, "fragmentation: median of 6 and 8");
	expect_dbl_near(num(c, "blowup"), 2, 1e-12, "blowup: median max RSS 6144 over 3072");
	expect_dbl_near(num(c, "malloc_ns.p50"), 40, 1e-12, "malloc p50: median of 30 and 50");
	expect_dbl_near(num(c, "free_ns.max"), 1250, 1e-12, "free max: median of 1000 and 1500");
	expect_dbl_near(json_number_value(json_array_get(json_object_get(c, "size_counts"), 1)), 140,
			0, "size bin [16, 32): 60 + 80 calls (other histograms left out)");
	expect_int_eq(json_array_size(json_object_get(prof, "size_bins")), 2,
		      "only the size bins of trials that succeeded");
	cells = json_object_get(prof, "rss");
	c = cell(cells, "pw", "ptmalloc2");
	expect_dbl_near(num(c, "peak_rss_kb"), 3072, 0, "peak RSS: median of 2048, 4096, 3072");
	expect_dbl_near(num(c, "end_rss_kb"), 1024, 0, "RSS at the end: median of 1024, 2048, 768");
	expect_dbl_near(num(c, "given_back"), 0.5, 1e-12, "given back: median of 1/2, 1/2, 3/4");
	expect_dbl_near(num(c, "plotted_trial"), 42, 0, "the median-run trial is plotted");
	c = cell(cells, "pw", "fastalloc");
	expect_dbl_near(num(c, "end_rss_kb"), 4608, 0, "RSS at the end: median of 6144 and 3072");
	expect_dbl_near(num(c, "given_back"), 0.25, 1e-12, "given back: median of 0 and 1/2");
	expect_dbl_near(num(c, "plotted_trial"), 43, 0, "two runs: the lower median is plotted");
	json_decref(root);
	free(text);
	render(db, 3, NGB_FORMAT_TEXT, &text);
	ok(strstr(text, "Allocation profile of each workload") && strstr(text, "1.2 KiB") &&
		   strstr(text, "Memory given back") && strstr(text, "50.0%"),
	   "the text report has the profile and RSS tables");
	free(text);

	/* a session without profiles or RSS samples reports as before */
	root = render(db, 1, NGB_FORMAT_JSON, &text);
	ok(!json_object_get(root, "profile"), "session 1: no profile in JSON");
	json_decref(root);
	free(text);
	render(db, 1, NGB_FORMAT_TEXT, &text);
	ok(!strstr(text, "Allocation profile") && !strstr(text, "Memory given back"),
	   "session 1: no empty profile or RSS sections");
	free(text);

	/* compare: session 2's ptmalloc2 is 1.5 times slower, its fastalloc the same */
	{
		struct ngb_compare_options o = { .stat = NGB_STAT_MEDIAN, .min_effect = 0.05,
						 .conf = 0.95 };
		struct ngb_compare *cmp;
		size_t len;
		FILE *m;

		expect_int_eq(ngb_compare_load(db, 1, 2, &o, &cmp, &e), 0, "compare loads");
		m = open_memstream(&text, &len);
		ngb_compare_write(cmp, NGB_FORMAT_JSON, m, &e);
		fclose(m);
		root = json_loads(text, 0, NULL);
		cells = json_object_get(root, "cells");
		c = cell(cells, "wl", "ptmalloc2");
		expect_str_eq(json_string_value(json_object_get(c, "verdict")), "slower",
			      "1.5 times slower is slower");
		expect_dbl_near(num(c, "speedup"), 1 / 1.5, 1e-12, "speedup 2/3");
		expect_dbl_near(num(c, "p"), 0.004329004329004329, 1e-12, "exact Mann-Whitney p = 4/924");
		expect_int_eq(ngb_compare_count(cmp, NGB_VERDICT_ONLY_A), 2, "rate cells are only in A");
		json_decref(root);
		free(text);
		ngb_compare_free(cmp);
	}
	ngb_store_close(st);
	unlink(dbp);
	free(sql);
	return tap_done();
}
