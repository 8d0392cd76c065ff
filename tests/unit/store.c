/*
 * tests/unit/store.c - the SQLite store: creation, migrations, refusals, verbatim text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "ngbench/store.h"

static char dir[2048];

static char *path_in(const char *name)
{
	static char buf[4][2100];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int user_version(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int has_table(struct ngb_store *st, const char *name)
{
	sqlite3_stmt *s;
	int found;

	sqlite3_prepare_v2(ngb_store_db(st), "SELECT 1 FROM sqlite_schema WHERE name = ?", -1, &s, NULL);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

static void test_migration(void)
{
	struct ngb_store *st;
	struct ngb_err e;
	char *p = path_in("v1.db");

	expect_int_eq(ngb_store_create_at_version(p, 1, &e), 0, "a version-1 database can be made");
	expect_int_eq(user_version(p), 1, "it is at schema 1");
	{
		/* a session and a trial stored before sessions had an identity */
		sqlite3 *db;

		sqlite3_open(p, &db);
		sqlite3_exec(db, "INSERT INTO sessions (started_at, host, command_line)"
			     " VALUES ('2026-01-01T00:00:00Z', 'old-host', 'ngbench run');"
			     "INSERT INTO trials (session_id, seq, round, repetition, allocator,"
			     " workload, argv, status) VALUES (1, 1, 1, 1, 'a', 'w', 'w', 'ok')",
			     NULL, NULL, NULL);
		sqlite3_close(db);
	}
	expect_int_eq(ngb_store_open(&st, p, 0, &e), 0, "opening it for writing migrates it");
	expect_int_eq(user_version(p), ngb_store_schema_version(), "to the latest schema");
	ok(has_table(st, "counters"), "migration 2 added the counters table");
	ok(has_table(st, "machines") && has_table(st, "session_shards"),
	   "the machines and shard runs have their tables");
	{
		sqlite3_stmt *s;
		char uuid[64] = "", host[64] = "";

		if (sqlite3_prepare_v2(ngb_store_db(st), "SELECT s.uuid, t.host FROM sessions s"
				       " JOIN trials t ON t.session_id = s.id", -1, &s, NULL) == SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW) {
			snprintf(uuid, sizeof(uuid), "%s", (const char *)sqlite3_column_text(s, 0));
			snprintf(host, sizeof(host), "%s", (const char *)sqlite3_column_text(s, 1));
		}
		sqlite3_finalize(s);
		ok(strlen(uuid) == 36 && uuid[8] == '-' && uuid[14] == '4' && uuid[23] == '-',
		   "an old session gets a random identity (%s)", uuid);
		expect_str_eq(host, "old-host", "and its trials the session's host");
	}
	ngb_store_close(st);
}

/* ngb_store_sessions_each's callback: keeps the one session it sees. */
struct seen {
	int n;
	int64_t id;
	int trials, failed;
	char label[128];
};

static int see_session(const struct ngb_session_summary *sum, void *arg)
{
	struct seen *seen = arg;

	seen->n++;
	seen->id = sum->id;
	seen->trials = sum->trials;
	seen->failed = sum->failed;
	snprintf(seen->label, sizeof(seen->label), "%s", sum->label ? sum->label : "(null)");
	return 0;
}

static void test_session_and_trial(void)
{
	static const char label[] = "it's \"q\"\n'; DROP TABLE trials; --\xff\xfe";
	struct ngb_store *st;
	struct ngb_err e;
	struct ngb_session_info si;
	struct ngb_trial_row t;
	struct ngb_result_pair res[2] = {
		{ "checksum", "0xabc", 0, 0 }, { "ops", "1000", 1, 1000 },
	};
	struct ngb_counter_row ctr[2] = {
		{ "task-clock", "sw", "ok", 1, 12345, 1, 12345, 1, 100, 100, "sw:0x1", NULL },
		{ "cycles", "pmu", "unsupported", 0, 0, 0, 0, 0, 0, 0, NULL, "ENOENT: no PMU" },
	};
	int64_t sid = 0, tid = 0, found = 0;
	sqlite3_stmt *s;

	expect_int_eq(ngb_store_open(&st, path_in("s.db"), NGB_STORE_CREATE, &e), 0, "a new database is created");
	memset(&si, 0, sizeof(si));
	si.started_at = "2026-01-01T00:00:00Z";
	si.command_line = "ngbench run";
	si.label = label;
	si.seed = 7;
	expect_int_eq(ngb_store_session_begin(st, &si, &sid, &e), 0, "a session is written");
	memset(&t, 0, sizeof(t));
	t.session_id = sid;
	t.seq = 1;
	t.round = 1;
	t.repetition = 1;
	t.allocator = "ptmalloc2";
	t.workload = "command";
	t.argv_text = "true";
	t.status = "ok";
	t.metric = "wall";
	t.has_metric_value = 1;
	t.metric_value = 0.5;
	t.results = res;
	t.nresults = 2;
	t.counters = ctr;
	t.ncounters = 2;
	expect_int_eq(ngb_store_trial_add(st, &t, &tid, &e), 0, "a trial is written with results and counters");

	sqlite3_prepare_v2(ngb_store_db(st), "SELECT label FROM sessions WHERE id = ?", -1, &s, NULL);
	sqlite3_bind_int64(s, 1, sid);
	ok(sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) == (int)strlen(label) &&
	   !memcmp(sqlite3_column_text(s, 0), label, strlen(label)), "the label is read back byte for byte");
	sqlite3_finalize(s);

	sqlite3_prepare_v2(ngb_store_db(st), "SELECT value IS NULL, reason FROM counters WHERE event = 'cycles'", -1, &s, NULL);
	ok(sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 1, "an unsupported counter has no value (NULL, not 0)");
	sqlite3_finalize(s);

	expect_int_eq(ngb_store_session_find(st, label, &found, &e), 0, "the session is found by its label");
	expect_int_eq(found, sid, "the right one");
	expect_int_eq(ngb_store_session_find(st, "latest", &found, &e), 0, "'latest' finds it");
	ok(ngb_store_session_find(st, "no-such-label", &found, &e) < 0, "an unknown label is an error");
	expect_str_contains(e.msg, "no session labelled 'no-such-label'", "with a clear message");
	expect_int_eq(ngb_store_session_end(st, sid, "2026-01-01T00:00:01Z", "complete", &e), 0, "the session is closed");
	{
		struct seen seen = { 0 };

		expect_int_eq(ngb_store_sessions_each(st, see_session, &seen, &e), 0,
			      "the sessions are listed");
		ok(seen.n == 1 && seen.id == sid, "the one session, with its id");
		ok(seen.trials == 1 && seen.failed == 0, "one trial, none failed");
		expect_str_eq(seen.label, label, "and its label as stored");
	}
	ngb_store_close(st);
}

static long file_size(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

static void test_refusals(void)
{
	struct ngb_store *st;
	struct ngb_err e;
	char *p = path_in("foreign.db");
	sqlite3 *db;
	FILE *f;
	long before;

	sqlite3_open(p, &db);
	sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);", NULL, NULL, NULL);
	sqlite3_close(db);
	before = file_size(p);
	ok(ngb_store_open(&st, p, 0, &e) < 0, "a foreign SQLite database is refused");
	expect_str_contains(e.msg, "not an ngbench database", "with the reason");
	expect_int_eq(file_size(p), before, "and left as it was");
	ok(access(path_in("foreign.db-wal"), F_OK) != 0, "no WAL file is made for it");

	p = path_in("text.db");
	f = fopen(p, "w");
	fputs("hello, not a database at all, just some text that is long enough\n", f);
	fclose(f);
	ok(ngb_store_open(&st, p, 0, &e) < 0, "a text file is refused");
	expect_str_contains(e.msg, "not an SQLite file", "with the reason");

	p = path_in("newer.db");
	ngb_store_create_at_version(p, ngb_store_schema_version(), &e);
	sqlite3_open(p, &db);
	sqlite3_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA user_version = 1000;", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(ngb_store_open(&st, p, 0, &e) < 0, "a newer schema is refused");
	expect_str_contains(e.msg, "newer ngbench", "with the reason");
	expect_int_eq(user_version(p), 1000, "and left as it was");

	p = path_in("ro.db");
	ngb_store_create_at_version(p, ngb_store_schema_version(), &e);
	chmod(p, 0444);
	ok(ngb_store_open(&st, p, 0, &e) < 0, "a read-only file is refused for writing");
	expect_str_contains(e.msg, "read-only", "with the reason");
	expect_int_eq(ngb_store_open(&st, p, NGB_STORE_READONLY, &e), 0, "but opens for reading");
	ngb_store_close(st);

	ok(ngb_store_open(&st, path_in("absent.db"), NGB_STORE_READONLY, &e) < 0, "a missing file is not created for reading");
	ok(access(path_in("absent.db"), F_OK) != 0, "and does not appear");
}

int main(void)
{
	char cmd[sizeof(dir) + 16];

	if (!mkdtemp(tap_tmp_template(dir, sizeof(dir), "ngbench-store")))
		tap_skip_all("cannot make a temporary folder");
	tap_plan(37);
	test_migration();
	test_session_and_trial();
	test_refusals();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
