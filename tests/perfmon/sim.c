/*
 * tests/perfmon/sim.c - simulated counters: geometry, the valgrind command,
 * the output parser, and (with valgrind) determinism and sensitivity to the
 * preloaded allocator.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ngbench/perfmon.h"
#include "tap.h"

#define JEMALLOC "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

static int has_arg(char **v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return 1;
	return 0;
}

static long arg_index(char **v, const char *s)
{
	for (long i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return i;
	return -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Runs the program under cachegrind as the runner would; 0 or -1. */
static int simulate(const struct ngb_cache_geometry *g, const char *preload, const char *out,
		    char *const prog[], struct ngb_counter *rows)
{
	struct ngb_sim_config cfg = { .geometry = *g, .preload = preload, .out_file = out };
	struct ngb_sim_command cmd;
	struct ngb_err err = { 0 };
	int status, n;
	pid_t pid;

	unlink(out);
	if (ngb_sim_command_build(&cmd, &cfg, prog, NULL, &err)) {
		tap_diag("build: %s", err.msg);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		execve(cmd.argv[0], cmd.argv, cmd.envp);
		_exit(127);
	}
	ngb_sim_command_release(&cmd);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	n = ngb_sim_collect(out, g, prog[0], rows, NGB_SIM_NEVENTS, &err);
	if (n != NGB_SIM_NEVENTS) {
		tap_diag("collect: %s", err.msg);
		return -1;
	}
	return 0;
}

static int same_counts(const struct ngb_counter *a, const struct ngb_counter *b)
{
	for (int i = 0; i < NGB_SIM_NEVENTS; i++)
		if (a[i].status != NGB_STATUS_OK || b[i].status != NGB_STATUS_OK ||
		    a[i].raw != b[i].raw)
			return 0;
	return 1;
}

int main(void)
{
	struct ngb_cache_geometry g;
	struct ngb_sim_config cfg;
	struct ngb_sim_command cmd;
	struct ngb_counter rows[NGB_SIM_NEVENTS], again[NGB_SIM_NEVENTS], jem[NGB_SIM_NEVENTS];
	struct ngb_err err = { 0 };
	char tmpdir[2048], out[2100], vg[4096], buf[2200];
	char *prog[] = { PM_CHILD, "churn", "100", NULL };
	char *envp_in[] = { "LD_PRELOAD=/should/not/reach/valgrind.so", "KEEP=1", NULL };
	int ret;

	tap_plan(58);
	if (!mkdtemp(tap_tmp_template(tmpdir, sizeof(tmpdir), "ngb-sim")))
		tap_skip_all("cannot make a temporary directory");
	snprintf(out, sizeof(out), "%s/cg.out", tmpdir);

	/* ---- geometry ---- */
	expect_int_eq(ngb_cache_geometry_parse("client", &g, &err), 0, "client parses");
	ok(g.d1.size == 32768 && g.d1.assoc == 8 && g.d1.line == 64 && !g.dtlb,
	   "client D1 is 32 KiB, 8-way, 64 B");
	ok(g.ll.size == 8u << 20 && g.ll.assoc == 16, "client LL is 8 MiB, 16-way");
	expect_int_eq(ngb_cache_geometry_parse("server", &g, &err), 0, "server parses");
	ok(g.ll.size == 32u << 20, "server LL is 32 MiB");
	expect_int_eq(ngb_cache_geometry_parse("client:LL=2M,16,64", &g, &err), 0,
		      "a model with an override parses");
	ok(g.ll.size == 2u << 20 && g.d1.size == 32768, "the override replaces LL only");
	expect_str_eq(g.name, "client+custom", "an overridden model says so");
	expect_int_eq(ngb_cache_geometry_parse("I1=32K,8,64:D1=48KiB,12,64:LL=32M,16,64", &g, &err),
		      0, "explicit levels parse");
	ok(g.d1.size == 49152 && g.d1.assoc == 12, "D1 48 KiB 12-way (64 sets)");
	expect_int_eq(ngb_cache_geometry_parse("dtlb-client", &g, &err), 0, "dtlb-client parses");
	ok(g.dtlb && g.d1.line == 4096 && g.d1.size == 64 * 4096, "the DTLB as 64 page lines");
	expect_int_eq(ngb_cache_geometry_parse("D1=36K,6,64", &g, &err), -EINVAL,
		      "sets not a power of two fail");
	expect_str_contains(err.msg, "power of two", "the message says why");
	expect_int_eq(ngb_cache_geometry_parse("LL=8M,16,8", &g, &err), -EINVAL,
		      "a line of 8 bytes fails");
	expect_int_eq(ngb_cache_geometry_parse("laptop", &g, &err), -EINVAL, "unknown model fails");
	expect_int_eq(ngb_cache_geometry_parse("client:server", &g, &err), -EINVAL,
		      "two models fail");
	expect_int_eq(ngb_cache_geometry_parse("D1=32K,8", &g, &err), -EINVAL,
		      "a level without line size fails");
	expect_int_eq(ngb_cache_geometry_parse("LL=17179869184G,16,64", &g, &err), -EINVAL,
		      "a size beyond 64 bits fails rather than wrap to 0");
	ngb_cache_geometry_parse("client", &g, &err);
	ngb_cache_geometry_format(&g, buf, sizeof(buf));
	expect_str_contains(buf, "D1=32768,8,64", "the format gives D1 in bytes");
	expect_str_contains(buf, "model=client", "and the model");

	/* ---- the command, with a stand-in for valgrind ---- */
	memset(&cfg, 0, sizeof(cfg));
	cfg.valgrind = "/bin/true";
	cfg.geometry = g;
	cfg.preload = JEMALLOC;
	cfg.out_file = out;
	ret = ngb_sim_command_build(&cmd, &cfg, prog, envp_in, &err);
	expect_int_eq(ret, 0, "the command builds (%s)", ret ? err.msg : "ok");
	if (ret == 0) {
		long env_at = -1;

		expect_str_eq(cmd.argv[0], "/bin/true", "argv[0] is valgrind");
		ok(has_arg(cmd.argv, "--tool=cachegrind") && has_arg(cmd.argv, "--cache-sim=yes"),
		   "cachegrind with the cache simulation");
		ok(has_arg(cmd.argv, "--I1=32768,8,64") && has_arg(cmd.argv, "--D1=32768,8,64") &&
		   has_arg(cmd.argv, "--LL=8388608,16,64"), "every level given explicitly");
		snprintf(buf, sizeof(buf), "--cachegrind-out-file=%s", out);
		ok(has_arg(cmd.argv, buf), "the output file is the runner's");
		ok(has_arg(cmd.argv, "--trace-children=yes"), "valgrind follows env's exec");
		for (long i = 0; cmd.argv[i]; i++)
			if (strcmp(cmd.argv[i] + (strrchr(cmd.argv[i], '/') ? strrchr(cmd.argv[i], '/') -
						 cmd.argv[i] + 1 : 0), "env") == 0)
				env_at = i;
		ok(env_at > 0 && strcmp(cmd.argv[env_at + 1], "LD_PRELOAD=" JEMALLOC) == 0 &&
		   strcmp(cmd.argv[env_at + 2], PM_CHILD) == 0,
		   "the program runs as: env LD_PRELOAD=lib program");
		ok(!has_arg(cmd.envp, envp_in[0]), "valgrind's own environment has no LD_PRELOAD");
		ok(has_arg(cmd.envp, "KEEP=1"), "the rest of the environment is kept");
		ngb_sim_command_release(&cmd);
	} else {
		tap_skip(8, "no command");
	}
	cfg.preload = NULL;
	ret = ngb_sim_command_build(&cmd, &cfg, prog, envp_in, &err);
	ok(ret == 0 && arg_index(cmd.argv, PM_CHILD) == arg_index(cmd.argv, "-q") + 1,
	   "without a preload the program follows valgrind's options directly");
	if (ret == 0)
		ngb_sim_command_release(&cmd);
	cfg.out_file = NULL;
	expect_int_eq(ngb_sim_command_build(&cmd, &cfg, prog, envp_in, &err), -EINVAL,
		      "no output file fails");

	/* ---- the parser, on a file in cachegrind's format ---- */
	write_file(out, "desc: I1 cache: 32768 B, 64 B, 8-way associative\n"
			"cmd: /x/pm-child churn 100\n"
			"events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\n"
			"fl=a.c\nfn=main\n1 2 3 4 5 6 7 8 9 10\n"
			"summary: 100 2 1 40 5 3 20 4 2\n");
	ret = ngb_sim_collect(out, &g, "pm-child", rows, NGB_SIM_NEVENTS, &err);
	expect_int_eq(ret, NGB_SIM_NEVENTS, "a summary parses into 9 rows");
	expect_str_eq(rows[0].event, "Ir", "row 0 is Ir");
	ok(rows[0].status == NGB_STATUS_OK && rows[0].raw == 100 && rows[0].value == 100.0,
	   "Ir = 100");
	ok(rows[4].raw == 5 && strcmp(rows[4].event, "D1mr") == 0, "D1mr = 5");
	ok(rows[8].raw == 2 && strcmp(rows[8].event, "DLmw") == 0, "DLmw = 2");
	ok(rows[0].source == NGB_SOURCE_SIM && !rows[0].has_times, "source sim, no times");
	expect_str_contains(rows[0].encoding, "D1=32768,8,64", "the geometry is the encoding");
	ret = ngb_sim_collect(out, &g, "/usr/bin/env", rows, NGB_SIM_NEVENTS, &err);
	expect_int_eq(ret, -EPROTO, "counts of another program are refused");
	expect_str_contains(err.msg, "pm-child", "the message names what was counted");
	write_file(out, "cmd: pm-child\nevents: Ir Dr\nsummary: 10 4\n");
	ret = ngb_sim_collect(out, &g, NULL, rows, NGB_SIM_NEVENTS, &err);
	ok(ret == NGB_SIM_NEVENTS && rows[3].raw == 4 && rows[4].status == NGB_STATUS_ERROR &&
	   !rows[4].has_value, "events cachegrind did not count are errors, not zeros");
	write_file(out, "events: Ir\n");
	expect_int_eq(ngb_sim_collect(out, &g, NULL, rows, NGB_SIM_NEVENTS, &err), -EPROTO,
		      "a file without summary fails");
	unlink(out);
	expect_int_eq(ngb_sim_collect(out, &g, NULL, rows, NGB_SIM_NEVENTS, &err), -ENOENT,
		      "a missing file fails");
	ngb_sim_fail_rows(&g, "valgrind failed", rows, NGB_SIM_NEVENTS);
	ok(rows[8].status == NGB_STATUS_ERROR && !rows[8].has_value &&
	   strcmp(rows[8].reason, "valgrind failed") == 0, "failure rows carry the reason");

	/* ---- real simulation ---- */
	if (ngb_sim_find_valgrind(vg, sizeof(vg), &err)) {
		tap_skip(13, "valgrind is not installed");
		rmdir(tmpdir);
		return tap_done();
	}
	expect_int_eq(simulate(&g, NULL, out, prog, rows), 0, "a simulated run");
	expect_int_eq(simulate(&g, NULL, out, prog, again), 0, "the same run again");
	ok(same_counts(rows, again), "single-threaded: identical counts (Ir %llu, D1mr %llu)",
	   (unsigned long long)rows[0].raw, (unsigned long long)rows[4].raw);
	ok(rows[0].raw > 1000000, "Ir counts the whole program (%llu)",
	   (unsigned long long)rows[0].raw);
	if (access(JEMALLOC, R_OK) == 0) {
		expect_int_eq(simulate(&g, JEMALLOC, out, prog, jem), 0, "under jemalloc");
		tap_diag("Ir %llu -> %llu, D1mr %llu -> %llu, DLmr %llu -> %llu",
			 (unsigned long long)rows[0].raw, (unsigned long long)jem[0].raw,
			 (unsigned long long)rows[4].raw, (unsigned long long)jem[4].raw,
			 (unsigned long long)rows[5].raw, (unsigned long long)jem[5].raw);
		ok(jem[0].raw != rows[0].raw && jem[3].raw != rows[3].raw,
		   "another allocator changes the counts");
		/*
		 * jemalloc's purging is driven by the clock (time-based decay),
		 * so its instruction count moves by a few in 10^5 from run to
		 * run; with decay off it is bit-for-bit again.
		 */
		expect_int_eq(simulate(&g, JEMALLOC, out, prog, again), 0, "under jemalloc again");
		ok(again[0].raw > jem[0].raw * 0.999 && again[0].raw < jem[0].raw * 1.001,
		   "jemalloc with decay: Ir within 0.1%% (%llu, %llu)",
		   (unsigned long long)jem[0].raw, (unsigned long long)again[0].raw);
		setenv("MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1", 1);
		expect_int_eq(simulate(&g, JEMALLOC, out, prog, jem), 0, "jemalloc without decay");
		expect_int_eq(simulate(&g, JEMALLOC, out, prog, again), 0, "and again");
		ok(same_counts(jem, again), "jemalloc without decay: identical counts");
		unsetenv("MALLOC_CONF");
	} else {
		tap_skip(7, "jemalloc is not installed");
	}
	ngb_cache_geometry_parse("dtlb-client", &g, &err);
	expect_int_eq(simulate(&g, NULL, out, prog, rows), 0, "an approximate dTLB run");
	ok(strcmp(rows[4].event, "dtlb-approx:D1mr") == 0 && rows[4].status == NGB_STATUS_OK &&
	   strstr(rows[4].encoding, "approximate-dtlb"), "labelled approximate (%s = %llu)",
	   rows[4].event, (unsigned long long)rows[4].raw);
	unlink(out);
	rmdir(tmpdir);
	return tap_done();
}
