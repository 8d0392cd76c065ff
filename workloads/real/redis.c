/*
 * workloads/real/redis.c - the redis workload: redis-server under the
 * allocator on a private Unix socket, driven by redis-benchmark (not
 * preloaded).  Each pass runs SET, GET, LPUSH, LPOP and ZADD, `requests`
 * each, with a value size drawn log-uniformly from [min-size, max-size]
 * by the seed, so the server allocates and frees strings, list nodes and
 * sorted-set entries of varied sizes while keys are overwritten.
 *
 * Debian's redis-server links jemalloc; proc.c puts glibc last in
 * LD_PRELOAD, so malloc, free and malloc_usable_size come from the
 * allocator under test (or glibc's for ptmalloc2), and the witness proves
 * it.  jemalloc stays loaded only for redis's mallctl statistics, which are
 * then about an allocator that serves nothing: of INFO memory, only
 * used_memory (counted by redis through malloc_usable_size) and
 * mem_fragmentation_ratio (RSS / used_memory) are recorded.
 *
 * Pinning: with two or more allowed CPUs the server runs on the first and
 * the client on the others (on two CPUs: one each; the driver sleeps).
 *
 * Self-check: check-keys known keys with seeded values of varied sizes are
 * written to database 1 before the benchmark (which uses database 0); after
 * it, database 1 must hold exactly that many keys and a sample of them must
 * read back byte for byte; database 0 must hold the benchmark's keys.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../common.h"
#include "proc.h"

static const char notes[] =
	"Starts 'redis-server' (no persistence, Unix socket in a private folder)\n"
	"with the allocator preloaded, waits until it answers PING, runs\n"
	"'redis-benchmark -t set,get,lpush,lpop,zadd --csv' once per pass without\n"
	"it, checks the server's data and stops it with SIGTERM.  The metric is\n"
	"all requests over the sum of each test's time by redis-benchmark's own\n"
	"rates.";

static const char *const tests[] = { "SET", "GET", "LPUSH", "LPOP", "ZADD" };
#define NTESTS 5

/* ------------------------------------------------------------------ */
/* a minimal RESP client: commands out, one reply at a time in */

struct conn {
	int fd;
	char buf[65536];
	size_t pos, len;
};

static void conn_open(struct conn *c, const char *sock)
{
	struct timeval tv = { .tv_sec = 30 };

	c->pos = c->len = 0;
	c->fd = rp_connect_unix(sock);
	if (c->fd < 0)
		rp_fail("cannot connect to redis-server at %s: %s", sock, strerror(errno));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void conn_send(struct conn *c, int argc, const char *const *argv, const size_t *lens)
{
	struct rp_buf b = { 0 };
	size_t off = 0;

	rp_printf(&b, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		size_t n = lens ? lens[i] : strlen(argv[i]);

		rp_printf(&b, "$%zu\r\n", n);
		if (b.len + n + 3 > b.cap) {
			b.cap = b.len + n + 3;
			b.p = realloc(b.p, b.cap);
			if (!b.p)
				rp_fail("out of memory");
		}
		memcpy(b.p + b.len, argv[i], n);
		b.len += n;
		rp_printf(&b, "\r\n");
	}
	while (off < b.len) {
		ssize_t w = write(c->fd, b.p + off, b.len - off);

		if (w <= 0) {
			rp_check_signals();
			rp_fail("cannot send to redis-server: %s", strerror(errno));
		}
		off += (size_t)w;
	}
	rp_buf_free(&b);
}

static int conn_byte(struct conn *c)
{
	if (c->pos == c->len) {
		ssize_t r = read(c->fd, c->buf, sizeof(c->buf));

		if (r <= 0) {
			rp_check_signals();
			rp_fail("redis-server closed the connection or did not answer: %s",
				r < 0 ? strerror(errno) : "end of file");
		}
		c->pos = 0;
		c->len = (size_t)r;
	}
	return (unsigned char)c->buf[c->pos++];
}

/* One reply: its type byte; the line or bulk string in *out (malloc'd). */
static int conn_reply(struct conn *c, char **out, size_t *outlen)
{
	struct rp_buf line = { 0 };
	int type = conn_byte(c), ch;

	while ((ch = conn_byte(c)) != '\n')
		if (ch != '\r')
			rp_printf(&line, "%c", ch);
	if (!line.p)
		rp_printf(&line, "%s", "");
	if (type == '$') {
		long n = strtol(line.p, NULL, 10);
		char *s;

		if (n < 0) {
			*out = line.p;
			*outlen = 0;
			return '_'; /* nil */
		}
		s = malloc((size_t)n + 1);
		if (!s)
			rp_fail("out of memory");
		for (long i = 0; i < n; i++)
			s[i] = (char)conn_byte(c);
		s[n] = '\0';
		conn_byte(c);
		conn_byte(c);
		rp_buf_free(&line);
		*out = s;
		*outlen = (size_t)n;
		return '$';
	}
	*out = line.p;
	*outlen = line.len;
	return type;
}

/* Sends a command and returns its reply, which must not be an error. */
static char *command(struct conn *c, const char *what, int argc, const char *const *argv,
		     size_t *len)
{
	char *r;
	size_t n;
	int t;

	conn_send(c, argc, argv, NULL);
	t = conn_reply(c, &r, &n);
	if (t == '-')
		rp_fail("redis-server refused %s: %s", what, r);
	if (len)
		*len = n;
	return r;
}

/* ------------------------------------------------------------------ */

/* The known value of check key i: its size and bytes from the seed. */
static size_t check_value(uint64_t seed, long i, char *buf, size_t max)
{
	struct wl_rng r;
	size_t n;

	wl_rng_seed(&r, seed, 1000 + (uint64_t)i);
	n = (size_t)wl_rng_range(&r, 1, max);
	for (size_t k = 0; k < n; k++)
		buf[k] = (char)('!' + wl_rng_range(&r, 0, 93));
	return n;
}

#define CHECK_MAX 2048

static void write_check_keys(const char *sock, uint64_t seed, long keys)
{
	struct conn *c = calloc(1, sizeof(*c));
	char *val = malloc(CHECK_MAX), key[64], *r;
	const char *sel[] = { "SELECT", "1" };
	size_t n;

	if (!c || !val)
		rp_fail("out of memory");
	conn_open(c, sock);
	free(command(c, "SELECT 1", 2, sel, NULL));
	for (long i = 0; i < keys; i += 100) {
		long end = i + 100 < keys ? i + 100 : keys;

		for (long k = i; k < end; k++) {
			const char *argv[] = { "SET", key, val };
			size_t lens[3];

			snprintf(key, sizeof(key), "ngb:check:%ld", k);
			lens[0] = 3;
			lens[1] = strlen(key);
			lens[2] = check_value(seed, k, val, CHECK_MAX);
			conn_send(c, 3, argv, lens);
		}
		for (long k = i; k < end; k++)
			if (conn_reply(c, &r, &n) != '+')
				rp_fail("redis-server did not store check key %ld: %s", k, r);
			else
				free(r);
	}
	close(c->fd);
	free(c);
	free(val);
}

struct server_state {
	long long dbsize0, dbsize1;
	double frag;     /* -1: unavailable */
	long long used;  /* -1: unavailable */
};

static long long info_number(const char *info, const char *key, double *d)
{
	const char *p = strstr(info, key);

	if (!p || p[strlen(key)] != ':')
		return -1;
	if (d)
		*d = strtod(p + strlen(key) + 1, NULL);
	return strtoll(p + strlen(key) + 1, NULL, 10);
}

static void check_server(const char *sock, uint64_t seed, long keys, long long keyspace,
			 struct server_state *st)
{
	struct conn *c = calloc(1, sizeof(*c));
	char *val = malloc(CHECK_MAX), key[64], *r;
	const char *info[] = { "INFO", "memory" }, *dbsize[] = { "DBSIZE" };
	const char *sel1[] = { "SELECT", "1" }, *sel0[] = { "SELECT", "0" };
	long step = keys / 100 > 0 ? keys / 100 : 1;
	size_t n;

	if (!c || !val)
		rp_fail("out of memory");
	conn_open(c, sock);
	r = command(c, "INFO memory", 2, info, NULL);
	st->used = info_number(r, "used_memory", NULL);
	st->frag = -1;
	if (info_number(r, "mem_fragmentation_ratio", &st->frag) < 0)
		st->frag = -1;
	free(r);
	free(command(c, "SELECT 0", 2, sel0, NULL));
	r = command(c, "DBSIZE", 1, dbsize, NULL);
	st->dbsize0 = strtoll(r, NULL, 10);
	free(r);
	free(command(c, "SELECT 1", 2, sel1, NULL));
	r = command(c, "DBSIZE", 1, dbsize, NULL);
	st->dbsize1 = strtoll(r, NULL, 10);
	free(r);
	if (st->dbsize1 != keys)
		rp_fail("self-check failed: database 1 holds %lld keys, %ld were written",
			st->dbsize1, keys);
	/* redis-benchmark's keys: key:NNN for SET, mylist, myzset */
	if (st->dbsize0 < 1 || st->dbsize0 > keyspace + 2)
		rp_fail("self-check failed: database 0 holds %lld keys after the benchmark; "
			"expected 1 to %lld", st->dbsize0, keyspace + 2);
	for (long k = 0; k < keys; k += step) {
		const char *get[] = { "GET", key };
		size_t want;

		snprintf(key, sizeof(key), "ngb:check:%ld", k);
		want = check_value(seed, k, val, CHECK_MAX);
		r = command(c, "GET", 2, get, &n);
		if (n != want || memcmp(r, val, n))
			rp_fail("self-check failed: GET %s returned %zu bytes that differ from the "
				"%zu written", key, n, want);
		free(r);
	}
	close(c->fd);
	free(c);
	free(val);
}

/* Adds the rates of a redis-benchmark --csv output to @rps (per test). */
static void parse_csv(const char *path, double *rps)
{
	char *text = rp_slurp(path, NULL);

	for (int t = 0; t < NTESTS; t++) {
		char pat[32];
		const char *p;

		snprintf(pat, sizeof(pat), "\"%s\",\"", tests[t]);
		p = text ? strstr(text, pat) : NULL;
		if (!p || (rps[t] = strtod(p + strlen(pat), NULL)) <= 0)
			rp_fail("redis-benchmark printed no rate for %s: %s", tests[t],
				rp_tail(path, 3));
	}
	free(text);
}

static void wait_ready(struct rp_proc *srv, const char *sock, double timeout)
{
	double end = rp_now() + timeout;

	for (;;) {
		if (rp_poll(srv))
			rp_fail_proc(srv, "exited before it was ready");
		if (rp_can_connect_unix(sock)) {
			struct conn *c = calloc(1, sizeof(*c));
			const char *ping[] = { "PING" };
			char *r = NULL;

			if (!c)
				rp_fail("out of memory");
			conn_open(c, sock);
			r = command(c, "PING", 1, ping, NULL);
			close(c->fd);
			free(c);
			if (!strcmp(r, "PONG")) {
				free(r);
				return;
			}
			free(r);
		}
		if (rp_now() > end) {
			rp_stop(srv, SIGKILL, 1);
			rp_fail_proc(srv, "was not ready in time");
		}
		rp_check_signals();
		rp_sleep(0.01);
	}
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "redis", notes);
	long long requests = wl_int("requests"), keyspace = wl_int("keyspace");
	long passes = (long)wl_int("passes"), keys = (long)wl_int("check-keys");
	size_t lo = wl_size("min-size"), hi = wl_size("max-size");
	uint64_t seed = (uint64_t)wl_int("seed");
	struct rp_proc srv = { .name = "redis-server" };
	cpu_set_t scpu, ccpu;
	int pinned;
	const char *sock, *out;
	double rps[NTESTS], busy[NTESTS] = { 0 }, total_time = 0;
	char a_n[32], a_c[32], a_r[32], a_d[32], sizes[4096] = "";
	struct server_state st;
	struct wl_rng rng;
	long peak, after;

	wl_require_le("min-size", "max-size");
	rp_init("redis");
	rp_require("redis-server", "redis-server");
	rp_require("redis-benchmark", "redis-tools");
	sock = rp_path("redis.sock");
	if (strlen(sock) >= 100)
		rp_skip("the private folder's path is too long for a Unix socket: %s (set TMPDIR "
			"to a shorter folder)", rp_dir());
	pinned = wl_int("pin") && rp_split_cpus(&scpu, &ccpu);

	char *sargs[] = { "redis-server", "--port", "0", "--unixsocket", (char *)sock,
			  "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
			  "--daemonize", "no", "--dir", (char *)rp_dir(), "--loglevel", "warning",
			  "--jemalloc-bg-thread", "no", NULL };
	rp_spawn(&srv, sargs, RP_MEASURED, NULL, NULL, pinned ? &scpu : NULL);
	wait_ready(&srv, sock, wl_double("ready-timeout"));
	write_check_keys(sock, seed, keys);

	wl_rng_seed(&rng, seed, 0);
	snprintf(a_n, sizeof(a_n), "%lld", requests);
	snprintf(a_c, sizeof(a_c), "%lld", wl_int("clients"));
	snprintf(a_r, sizeof(a_r), "%lld", keyspace);
	for (long p = 0; p < passes; p++) {
		/* log-uniform value size in [lo, hi] */
		double u = (double)wl_rng_range(&rng, 0, 1000000) / 1e6;
		size_t d = (size_t)llround(exp(log((double)lo) + u * (log((double)hi) - log((double)lo))));
		struct rp_proc cli = { .name = "redis-benchmark" };
		char name[32];
		int ended;

		snprintf(a_d, sizeof(a_d), "%zu", d);
		if (strlen(sizes) + 24 < sizeof(sizes))
			snprintf(sizes + strlen(sizes), sizeof(sizes) - strlen(sizes), "%s%zu",
				 p ? "," : "", d);
		snprintf(name, sizeof(name), "pass%ld.csv", p);
		out = rp_path(name);
		char *cargs[] = { "redis-benchmark", "-s", (char *)sock, "-n", a_n, "-c", a_c,
				  "-r", a_r, "-d", a_d, "-t", "set,get,lpush,lpop,zadd", "--csv",
				  NULL };
		rp_spawn(&cli, cargs, RP_CLEAN, NULL, out, pinned ? &ccpu : NULL);
		ended = rp_wait_either(&cli, &srv, 1e9);
		if (ended & 2) {
			rp_stop(&cli, SIGKILL, 1);
			rp_fail_proc(&srv, "exited during the benchmark");
		}
		if (!rp_ok(&cli))
			rp_fail_proc(&cli, "failed");
		parse_csv(out, rps);
		for (int t = 0; t < NTESTS; t++) {
			busy[t] += (double)requests / rps[t];
			total_time += (double)requests / rps[t];
		}
	}
	peak = rp_proc_rss_kb(srv.pid, 1);
	after = rp_proc_rss_kb(srv.pid, 0);
	check_server(sock, seed, keys, keyspace, &st);
	rp_stop(&srv, SIGTERM, 10);
	if (!rp_ok(&srv))
		rp_fail_proc(&srv, "did not stop cleanly on SIGTERM");

	{
		char extra[2048], frag[32], rss[64];
		int len = 0;

		for (int t = 0; t < NTESTS; t++) {
			char lower[16];

			for (int i = 0; i <= (int)strlen(tests[t]); i++)
				lower[i] = (char)(tests[t][i] | (tests[t][i] ? 0x20 : 0));
			len += snprintf(extra + len, sizeof(extra) - len, " %s_rps=%.0f", lower,
					(double)requests * passes / busy[t]);
		}
		if (st.frag >= 0)
			snprintf(frag, sizeof(frag), "%.3f", st.frag);
		else
			snprintf(frag, sizeof(frag), "unavailable");
		if (peak >= 0 && after >= 0)
			snprintf(rss, sizeof(rss), "server_peak_rss_kb=%ld server_rss_after_kb=%ld",
				 peak, after);
		else
			snprintf(rss, sizeof(rss),
				 "server_peak_rss_kb=unavailable server_rss_after_kb=unavailable");
		wl_result("requests_per_sec", (double)requests * NTESTS * passes / total_time, "req/s",
			  1, "%s %s mem_fragmentation_ratio=%s used_memory=%lld keys_db0=%lld "
			  "check_keys=%lld value_sizes=%s pinned=%d requests=%lld passes=%ld",
			  extra, rss, frag, st.used, st.dbsize0, st.dbsize1, sizes, pinned, requests,
			  passes);
	}
	return 0;
}
