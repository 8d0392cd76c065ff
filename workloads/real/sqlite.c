/*
 * workloads/real/sqlite.c - the sqlite workload: sqlite3 (the shell, on an
 * in-memory database), under the allocator, runs a generated script:
 * customers and orders inserted in one transaction (orders carry a note of
 * 10 to 200 random letters), two indexes, a join with GROUP BY, deletes and
 * updates, a join sorted by a computed string (a temporary b-tree), and a
 * table built with group_concat (long strings grown by realloc).  SQLite
 * takes its page cache, statements, rows and strings from malloc.
 *
 * Self-check: the generator keeps the rows it wrote and computes the answer
 * of every query; sqlite3's output must match line by line.  The FNV-1a
 * checksum of the whole output goes in the result record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common.h"
#include "proc.h"

static const char notes[] =
	"Runs 'sqlite3 -batch' (in-memory database) on a script generated from the\n"
	"seed, with the allocator preloaded; the metric is the wall time of the\n"
	"sqlite3 process.  Every query's answer is computed by this program too.";

#define CITIES 20

struct order {
	long cust, amount, note_len;
	int deleted;
};

static void letters(struct rp_buf *b, struct wl_rng *r, long n)
{
	char s[256];

	for (long i = 0; i < n; i++)
		s[i] = (char)('a' + wl_rng_range(r, 0, 25));
	s[n] = '\0';
	rp_printf(b, "%s", s);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "sqlite", notes);
	long rows = (long)wl_int("rows"), ncust = rows / 10 > 0 ? rows / 10 : 1;
	uint64_t seed = (uint64_t)wl_int("seed");
	double secs;
	struct rp_buf sql = { 0 }, want = { 0 };
	struct wl_rng rng;
	struct order *o = calloc((size_t)rows + 1, sizeof(*o));
	long *cust_city = calloc((size_t)ncust + 1, sizeof(long));
	long *cust_name = calloc((size_t)ncust + 1, sizeof(long));
	long *cust_score = calloc((size_t)ncust + 1, sizeof(long));
	long long city_n[CITIES] = { 0 }, city_sum[CITIES] = { 0 };
	const char *script, *out;
	char *got;
	size_t got_len;

	if (!o || !cust_city || !cust_name || !cust_score)
		rp_fail("out of memory");
	rp_init("sqlite");
	rp_require("sqlite3", "sqlite3");
	wl_rng_seed(&rng, seed, 0);

	rp_printf(&sql, "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, city TEXT, "
			"score INTEGER);\n"
			"CREATE TABLE orders(id INTEGER PRIMARY KEY, cust INTEGER, amount INTEGER, "
			"note TEXT);\nBEGIN;\n");
	for (long c = 1; c <= ncust; c++) {
		cust_city[c] = (long)wl_rng_range(&rng, 0, CITIES - 1);
		cust_name[c] = (long)wl_rng_range(&rng, 4, 24);
		cust_score[c] = (long)wl_rng_range(&rng, 0, 1000);
		rp_printf(&sql, "INSERT INTO customers VALUES(%ld,'", c);
		letters(&sql, &rng, cust_name[c]);
		rp_printf(&sql, "','city%02ld',%ld);\n", cust_city[c], cust_score[c]);
	}
	for (long i = 1; i <= rows; i++) {
		o[i].cust = (long)wl_rng_range(&rng, 1, (uint64_t)ncust);
		o[i].amount = (long)wl_rng_range(&rng, 1, 10000);
		o[i].note_len = (long)wl_rng_range(&rng, 10, 200);
		rp_printf(&sql, "INSERT INTO orders VALUES(%ld,%ld,%ld,'", i, o[i].cust, o[i].amount);
		letters(&sql, &rng, o[i].note_len);
		rp_printf(&sql, "');\n");
	}
	rp_printf(&sql, "COMMIT;\nCREATE INDEX orders_cust ON orders(cust);\n"
			"CREATE INDEX customers_city ON customers(city);\n");

	/* q1: everything */
	long long n = 0, sum = 0, notes_len = 0, concat_len = 0;
	for (long i = 1; i <= rows; i++) {
		n++;
		sum += o[i].amount;
		city_n[cust_city[o[i].cust]]++;
		city_sum[cust_city[o[i].cust]] += o[i].amount;
	}
	rp_printf(&sql, "SELECT 'q1', count(*), sum(amount) FROM orders;\n");
	rp_printf(&want, "q1|%lld|%lld\n", n, sum);
	/* q2: a join grouped by city */
	rp_printf(&sql, "SELECT 'q2', c.city, count(*), sum(o.amount) FROM orders o JOIN customers c "
			"ON o.cust = c.id GROUP BY c.city ORDER BY c.city;\n");
	for (int c = 0; c < CITIES; c++)
		if (city_n[c])
			rp_printf(&want, "q2|city%02d|%lld|%lld\n", c, city_n[c], city_sum[c]);
	/* deletes and updates */
	rp_printf(&sql, "DELETE FROM orders WHERE amount %% 7 = 0;\n"
			"UPDATE customers SET score = score + 1 WHERE id %% 3 = 0;\n");
	n = sum = 0;
	for (long i = 1; i <= rows; i++) {
		o[i].deleted = o[i].amount % 7 == 0;
		if (!o[i].deleted) {
			n++;
			sum += o[i].amount;
			notes_len += o[i].note_len;
			concat_len += o[i].note_len + cust_name[o[i].cust];
		}
	}
	rp_printf(&sql, "SELECT 'q3', count(*), sum(amount), sum(length(note)) FROM orders;\n");
	rp_printf(&want, "q3|%lld|%lld|%lld\n", n, sum, notes_len);
	/* q4: a join sorted by a computed string */
	rp_printf(&sql, "SELECT 'q4', count(*), sum(length(x)) FROM (SELECT o.note || c.name AS x "
			"FROM orders o JOIN customers c ON o.cust = c.id ORDER BY x);\n");
	rp_printf(&want, "q4|%lld|%lld\n", n, concat_len);
	/* q5: long strings from group_concat */
	{
		long long *per = calloc((size_t)ncust + 1, sizeof(long long)), groups = 0, len = 0;
		long *cnt = calloc((size_t)ncust + 1, sizeof(long));

		if (!per || !cnt)
			rp_fail("out of memory");
		for (long i = 1; i <= rows; i++)
			if (!o[i].deleted) {
				per[o[i].cust] += o[i].note_len;
				cnt[o[i].cust]++;
			}
		for (long c = 1; c <= ncust; c++)
			if (cnt[c]) {
				groups++;
				len += per[c] + cnt[c] - 1;
			}
		rp_printf(&sql, "CREATE TABLE summary AS SELECT cust, group_concat(note, ',') AS notes "
				"FROM orders GROUP BY cust;\n"
				"SELECT 'q5', count(*), sum(length(notes)) FROM summary;\n");
		rp_printf(&want, "q5|%lld|%lld\n", groups, len);
		free(per);
		free(cnt);
	}
	/* q6: the updated scores */
	{
		long long s = 0;

		for (long c = 1; c <= ncust; c++)
			s += cust_score[c] + (c % 3 == 0);
		rp_printf(&sql, "SELECT 'q6', sum(score) FROM customers;\n");
		rp_printf(&want, "q6|%lld\n", s);
	}
	script = rp_path("script.sql");
	out = rp_path("sqlite.out");
	rp_write_file(script, sql.p, sql.len);

	char *args[] = { "sqlite3", "-batch", "-bail", NULL };
	secs = rp_measure("sqlite3", args, script, out);
	got = rp_slurp(out, &got_len);
	if (!got || strcmp(got, want.p)) {
		const char *g = got ? got : "", *w = want.p;
		size_t i = 0;

		while (g[i] && g[i] == w[i])
			i++;
		while (i > 0 && g[i - 1] != '\n')
			i--;
		rp_fail("self-check failed: sqlite3's output differs from the expected answers at "
			"byte %zu: got '%.60s', expected '%.60s'", i, g + i, w + i);
	}
	wl_result("seconds", secs, "s", 0,
		  " rows=%ld customers=%ld script_bytes=%zu checksum=0x%016llx", rows, ncust, sql.len,
		  (unsigned long long)rp_fnv(RP_FNV_INIT, got, got_len));
	free(got);
	rp_buf_free(&sql);
	rp_buf_free(&want);
	return 0;
}
