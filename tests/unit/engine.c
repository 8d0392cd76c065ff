/*
 * tests/unit/engine.c - the run engine's pieces that need no child: a run's
 * options survive their JSON round trip (what --resume plans from), and a
 * session's runner is told live, gone (its pid ended or reused) or unknown
 * (another host, none recorded).
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "../../harness/engine.h"

static void test_options_round_trip(void)
{
	struct run_config a, b;
	char *ja, *jb, *why = NULL;

	run_config_init(&a, "run");
	ok(run_config_allocators(&a, "ptmalloc2,jemalloc+MALLOC_CONF=narenas:1") == 0,
	   "an allocator list is taken");
	ok(run_config_repetitions(&a, "7") == 0 && a.have_reps, "repetitions are taken");
	ok(run_config_repetitions(&a, "0") == 2, "zero repetitions are refused");
	ok(run_config_cpus(&a, "0") == 0 && a.have_cpus, "CPU 0 is taken");
	strvec_push(&a.cli.workloads, "larson");
	strvec_push(&a.cli.sets, "size=64");
	strvec_push(&a.cli.threads, "1");
	strvec_push(&a.cli.threads, "2");
	a.cli.preset = NGB_PRESET_STANDARD;
	a.have_preset = 1;
	a.cli.counters = NGB_COUNTERS_NONE;
	a.have_counters = 1;
	a.warmup = 2;
	a.have_warmup = 1;
	a.timeout_s = 12.5;
	a.have_timeout = 1;
	a.profile = 3;
	a.show_output = 1;
	a.shard_k = 2;
	a.shard_n = 3;
	a.session_id = "0b8e6f1c-3f7a-4c2e-9a51-5d2f0c7e8b14";
	ja = run_config_to_json(&a);

	run_config_init(&b, "run");
	ok(run_config_from_json(&b, ja, &why) == 0, "the JSON reads back");
	jb = run_config_to_json(&b);
	expect_str_eq(jb, ja, "and writes again as it was");
	expect_int_eq((int)b.cli.repetitions, 7, "repetitions survive");
	expect_int_eq(b.have_cpus, 1, "the pinning survives");
	expect_int_eq((int)b.cli.threads.n, 2, "the thread counts survive");
	expect_str_eq(b.session_id, a.session_id, "the session id survives");
	ok(!b.experiment, "no experiment stays none");
	free(jb);
	run_config_release(&b);

	run_config_init(&b, "run");
	ok(run_config_from_json(&b, "[1]", &why) < 0 && why, "JSON that is not an object is refused");
	free(why);
	why = NULL;
	ok(run_config_from_json(&b, "{\"preset\":\"huge\"}", &why) < 0 && why &&
	   strstr(why, "huge"), "an unknown preset is refused, naming it");
	free(why);
	run_config_release(&b);
	free(ja);
	run_config_release(&a);
}

static void test_runner(void)
{
	struct ngb_session_runner me, r;
	uint64_t start = 0, again = 0;
	pid_t child;
	int st;

	ok(process_start_time(getpid(), &start) == 0 && start > 0,
	   "this process has a start time");
	ok(process_start_time(getpid(), &again) == 0 && again == start, "the same on a second read");
	session_runner_self(&me, "here");
	expect_int_eq(session_runner_alive(&me, "here"), 1, "this process is a live runner");
	expect_int_eq(session_runner_alive(&me, "there"), -1, "another host's cannot be judged");
	r = me;
	r.start = start + 1;
	expect_int_eq(session_runner_alive(&r, "here"), 0, "a pid with another start time is gone");
	r = me;
	r.pid = 0;
	expect_int_eq(session_runner_alive(&r, "here"), -1, "no recorded runner cannot be judged");
	if (*boot_id()) {
		r = me;
		r.boot = "not-this-boot";
		expect_int_eq(session_runner_alive(&r, "here"), 0, "a runner of another boot is gone");
	} else {
		tap_skip(1, "no boot id here");
	}
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, &st, 0);
	r = me;
	r.pid = child;
	ok(process_start_time(child, &again) < 0, "a reaped child has no start time");
	expect_int_eq(session_runner_alive(&r, "here"), 0, "and is a gone runner");
}

int main(void)
{
	tap_plan(22);
	test_options_round_trip();
	test_runner();
	return tap_done();
}
