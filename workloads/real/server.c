/*
 * workloads/real/server.c - the server workload: any server under the
 * allocator, driven by any client, declared with parameters only, so that
 * an experiment file adds a server program without C:
 *
 *   [redis-by-hand]
 *   workloads = server
 *   set = start=redis-server,--port,{port},--bind,127.0.0.1,--appendonly,no
 *   set = ready=port
 *   set = port=21379
 *   set = client=redis-benchmark,-p,{port},-n,20000,-t,get,-q
 *
 * Commands are words separated by commas (no shell, no spaces: the
 * experiment's set lines split on spaces); {dir} (a private folder),
 * {port} and {seed} are replaced in every word.  The server runs with the
 * allocator preloaded, the client without it.  A port that is in use
 * before the start is refused (the readiness check would otherwise talk to
 * another program).  The server must become ready within ready-timeout,
 * must live until the client ends, and must stop (exit 0, or die of the
 * stop signal) within stop-timeout; each failure fails the trial with the
 * server's standard error's tail.
 *
 * Metric: the client's wall time.  Self-check: the client's exit status
 * (0 passes); key=value pairs of an "ngbench-result:" line the client
 * prints are passed on with "client." in front.
 */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common.h"
#include "ngbench/ipc.h"
#include "proc.h"

static const char notes[] =
	"Example, by hand: workloads/server --start=memcached,-p,{port},-l,127.0.0.1\n"
	"  --ready=port --port=21211 --client=python3,client.py,{port}\n"
	"Words are separated by commas; {dir} {port} {seed} are replaced.";

/* Splits @spec at commas into a NULL-terminated argv, replacing {dir},
 * {port} and {seed}. */
static char **words(const char *spec, const char *what)
{
	size_t n = 1, k = 0;
	char **argv, *copy = strdup(spec), *save = NULL, *w;

	if (!copy)
		rp_fail("out of memory");
	for (const char *p = spec; *p; p++)
		n += *p == ',';
	argv = calloc(n + 1, sizeof(*argv));
	if (!argv)
		rp_fail("out of memory");
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct rp_buf b = { 0 };

		for (const char *p = w; *p;) {
			if (!strncmp(p, "{dir}", 5)) {
				rp_printf(&b, "%s", rp_dir());
				p += 5;
			} else if (!strncmp(p, "{port}", 6)) {
				rp_printf(&b, "%lld", wl_int("port"));
				p += 6;
			} else if (!strncmp(p, "{seed}", 6)) {
				rp_printf(&b, "%lld", wl_int("seed"));
				p += 6;
			} else {
				rp_printf(&b, "%c", *p++);
			}
		}
		argv[k++] = b.p;
	}
	free(copy);
	if (!k) {
		fprintf(stderr, "server: --%s is empty: give a command, words separated by commas\n",
			what);
		exit(WL_EXIT_USAGE);
	}
	return argv;
}

static int ready_once(const char *ready, long long port)
{
	if (!strcmp(ready, "port"))
		return rp_can_connect_tcp((int)port);
	if (!strncmp(ready, "unix:", 5))
		return rp_can_connect_unix(words(ready + 5, "ready")[0]);
	if (!strncmp(ready, "file:", 5))
		return access(words(ready + 5, "ready")[0], F_OK) == 0;
	if (!strncmp(ready, "cmd:", 4)) {
		struct rp_proc chk = { .name = "readiness check" };

		rp_spawn(&chk, words(ready + 4, "ready"), RP_CLEAN, NULL, NULL, NULL);
		if (!rp_wait(&chk, wl_double("ready-timeout")))
			rp_stop(&chk, SIGKILL, 1);
		return rp_ok(&chk);
	}
	return 0;
}

static int signal_number(const char *name)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = { { "TERM", SIGTERM }, { "INT", SIGINT },   { "HUP", SIGHUP },
		     { "QUIT", SIGQUIT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
		     { "USR2", SIGUSR2 } };

	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		if (!strcmp(sigs[i].name, name))
			return sigs[i].sig;
	return 0;
}

/* The key=value pairs of the client's last result record, "client."-prefixed. */
static void client_pairs(const char *out, char *dst, size_t size)
{
	char *text = rp_slurp(out, NULL), *line = NULL, *p, *save = NULL, *tok;
	size_t len = 0;

	*dst = '\0';
	for (p = text; p && (p = strstr(p, NGB_RESULT_PREFIX)); p++)
		line = p;
	if (!line) {
		free(text);
		return;
	}
	line += strlen(NGB_RESULT_PREFIX);
	if ((p = strchr(line, '\n')))
		*p = '\0';
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		int good = eq && eq > tok;

		for (char *c = tok; good && c < eq; c++)
			good = islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
			       *c == '_' || *c == '.' || *c == '-';
		if (good && len + strlen(tok) + 9 < size)
			len += (size_t)snprintf(dst + len, size - len, " client.%s", tok);
	}
	free(text);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "server", notes);
	const char *ready = wl_str("ready"), *stop = wl_str("stop");
	long long port = wl_int("port");
	double ready_timeout = wl_double("ready-timeout"), end;
	struct rp_proc srv = { .name = "server" }, cli = { .name = "client" };
	char **sargv, **cargv, extra[4096];
	cpu_set_t scpu, ccpu;
	int pinned, ended, stop_sig = 0;
	long peak, after;
	const char *out;

	if (!*wl_str("start") || !*wl_str("client")) {
		fprintf(stderr, "server: give the server and its client: --start=COMMAND "
				"--client=COMMAND (in an experiment: set = start=..., set = client=...); "
				"see 'workloads/server --help'\n");
		return WL_EXIT_USAGE;
	}
	if (!*ready)
		ready = port ? "port" : "";
	if (!strcmp(ready, "port") && !port) {
		fprintf(stderr, "server: --ready=port needs --port\n");
		return WL_EXIT_USAGE;
	}
	if (strcmp(ready, "port") && strncmp(ready, "unix:", 5) && strncmp(ready, "file:", 5) &&
	    strncmp(ready, "cmd:", 4)) {
		fprintf(stderr, "server: --ready must be port, unix:PATH, file:PATH or cmd:COMMAND, "
				"not '%s'\n", ready);
		return WL_EXIT_USAGE;
	}
	if (strncmp(stop, "cmd:", 4) && !(stop_sig = signal_number(stop))) {
		fprintf(stderr, "server: --stop must be a signal name (TERM, INT, HUP, QUIT, KILL, "
				"USR1, USR2) or cmd:COMMAND, not '%s'\n", stop);
		return WL_EXIT_USAGE;
	}
	rp_init("server");
	sargv = words(wl_str("start"), "start");
	cargv = words(wl_str("client"), "client");
	rp_require(sargv[0], "the package that provides it");
	rp_require(cargv[0], "the package that provides it");
	srv.name = sargv[0];
	cli.name = cargv[0];
	if (port && rp_port_in_use((int)port))
		rp_fail("port %lld on 127.0.0.1 is already in use by another program: stop it or "
			"choose another port (set = port=N)", port);
	pinned = wl_int("pin") && rp_split_cpus(&scpu, &ccpu);

	rp_spawn(&srv, sargv, RP_MEASURED, NULL, rp_path("server.out"), pinned ? &scpu : NULL);
	end = rp_now() + ready_timeout;
	for (;;) {
		if (rp_poll(&srv))
			rp_fail_proc(&srv, "exited before it was ready");
		if (ready_once(ready, port))
			break;
		if (rp_now() > end) {
			rp_stop(&srv, SIGKILL, 1);
			rp_fail("%s was not ready within %g s (readiness: %s); the last lines of its "
				"standard error:\n%s", srv.name, ready_timeout, ready,
				rp_tail(srv.err_path, 20));
		}
		rp_check_signals();
		rp_sleep(0.01);
	}

	out = rp_path("client.out");
	rp_spawn(&cli, cargv, RP_CLEAN, NULL, out, pinned ? &ccpu : NULL);
	ended = rp_wait_either(&cli, &srv, 1e9);
	if (ended & 2) {
		rp_stop(&cli, SIGKILL, 1);
		rp_fail_proc(&srv, "exited while the client ran");
	}
	if (!rp_ok(&cli))
		rp_fail_proc(&cli, "failed (the client's exit status is the self-check)");
	peak = rp_proc_rss_kb(srv.pid, 1);
	after = rp_proc_rss_kb(srv.pid, 0);

	if (stop_sig) {
		rp_stop(&srv, stop_sig, wl_double("stop-timeout"));
	} else {
		struct rp_proc st = { .name = "stop command" };

		rp_spawn(&st, words(stop + 4, "stop"), RP_CLEAN, NULL, NULL, NULL);
		rp_run_ok(&st, wl_double("stop-timeout"));
		if (!rp_wait(&srv, wl_double("stop-timeout")))
			rp_stop(&srv, SIGKILL, 1);
	}
	if (!rp_ok(&srv) && !(WIFSIGNALED(srv.status) && stop_sig &&
			      WTERMSIG(srv.status) == stop_sig && stop_sig != SIGKILL))
		rp_fail_proc(&srv, "did not stop cleanly");

	client_pairs(out, extra, sizeof(extra));
	if (peak >= 0 && after >= 0)
		wl_result("seconds", cli.ended - cli.started, "s", 0,
			  " server_peak_rss_kb=%ld server_rss_after_kb=%ld pinned=%d%s", peak, after,
			  pinned, extra);
	else
		wl_result("seconds", cli.ended - cli.started, "s", 0,
			  " server_peak_rss_kb=unavailable server_rss_after_kb=unavailable pinned=%d%s",
			  pinned, extra);
	return 0;
}
