/*
 * tests/perfmon/software.c - counting a real child the way the runner does.
 *
 * Software events must give real values on every Linux machine; hardware
 * events must come back either counted (a machine with a PMU) or with a
 * status and a reason, never as a zero.  Nothing here assumes which: the
 * assertions follow what the machine itself says (ngb_perfmon_machine_probe).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ngbench/perfmon.h"
#include "tap.h"

static const struct ngb_counter *row(const struct ngb_counter *rows, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].event, name) == 0)
			return &rows[i];
	return NULL;
}

static int in_allowed_set(const struct ngb_counter *c)
{
	switch (c->status) {
	case NGB_STATUS_OK:
	case NGB_STATUS_SCALED:
		return c->has_value && c->has_raw && c->has_times && c->time_running > 0;
	case NGB_STATUS_UNSUPPORTED:
	case NGB_STATUS_DENIED:
	case NGB_STATUS_ERROR:
		return !c->has_value && c->reason[0] != '\0';
	}
	return 0;
}

/* The runner's protocol: fork, child waits on a pipe, attach, release, wait4. */
static int run_counted(const struct ngb_perfmon *pm, char *const argv[], struct ngb_counter *rows,
		       size_t n, int *status, struct rusage *ru)
{
	struct ngb_perfmon_attach *a;
	struct ngb_err err = { 0 };
	int gate[2];
	char go = 0;
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		if (read(gate[0], &go, 1) != 1)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(gate[0]);
	if (ngb_perfmon_attach(pm, pid, &a, &err)) {
		tap_diag("attach: %s", err.msg);
		close(gate[1]);
		wait4(pid, status, 0, ru);
		return -1;
	}
	if (write(gate[1], &go, 1) != 1)
		return -1;
	close(gate[1]);
	wait4(pid, status, 0, ru);
	ngb_perfmon_collect(a, rows, n);
	ngb_perfmon_detach(a);
	return 0;
}

int main(void)
{
	char *touch[] = { PM_CHILD, "touch", "8", "2", NULL };
	char *sleeper[] = { PM_CHILD, "sleep", "20", NULL };
	char *missing[] = { "/nonexistent/ngbench-test-program", NULL };
	struct ngb_perfmon_config cfg = { .events = NULL, .user_only = -1 };
	struct ngb_perfmon_machine m;
	struct ngb_counter rows[32];
	struct ngb_perfmon *pm;
	struct ngb_err err = { 0 };
	struct rusage ru;
	const struct ngb_counter *c;
	size_t n;
	int status, ret;

	ngb_perfmon_machine_probe(&m);
	if (access("/proc/sys/kernel/perf_event_paranoid", R_OK) != 0)
		tap_skip_all("this kernel has no perf events");
	if (m.paranoid >= 3 && !m.privileged)
		tap_skip_all("perf_event_paranoid >= 3 forbids perf events to this user");
	tap_plan(33);
	tap_diag("paranoid=%d privileged=%d kernel_pmu=%d cycles probe: %s", m.paranoid,
		 m.privileged, m.kernel_pmu, m.hw_probe_errno ? strerror(m.hw_probe_errno) : "ok");

	ret = ngb_perfmon_new(&pm, &cfg, &err);
	expect_int_eq(ret, 0, "default session (%s)", ret ? err.msg : "ok");
	if (ret)
		return tap_done();
	n = ngb_perfmon_nevents(pm);

	/* Two threads fault in 8 MiB each: 4096 pages, all inherited into one count. */
	ret = run_counted(pm, touch, rows, n, &status, &ru);
	expect_int_eq(ret, 0, "the child ran counted");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child succeeded");

	c = row(rows, n, "task-clock");
	ok(c && c->status == NGB_STATUS_OK && c->source == NGB_SOURCE_SW, "task-clock is ok (sw)");
	ok(c && c->has_value && c->value > 0, "task-clock is a real nonzero value (%.0f ns)",
	   c ? c->value : -1);
	c = row(rows, n, "page-faults");
	ok(c && c->status == NGB_STATUS_OK, "page-faults is ok");
	ok(c && c->has_value && c->value >= 4096,
	   "page-faults counts both threads' 4096 pages (%.0f)", c ? c->value : -1);
	ok(c && c->value <= (double)(ru.ru_minflt + ru.ru_majflt),
	   "page-faults (%.0f) <= rusage faults (%ld)",
	   c ? c->value : -1, ru.ru_minflt + ru.ru_majflt);
	c = row(rows, n, "cpu-migrations");
	if (ngb_perfmon_user_only(pm))
		ok(c && (c->status == NGB_STATUS_DENIED || c->status == NGB_STATUS_UNSUPPORTED) &&
		   !c->has_value, "user-only: cpu-migrations reported, not zero (%s)",
		   c ? c->reason : "");
	else
		ok(c && c->status == NGB_STATUS_OK && c->has_value, "cpu-migrations is counted");

	/* Every row: a status from the allowed set, consistent with its fields. */
	{
		int consistent = 1, named = 1, encoded = 1;

		for (size_t i = 0; i < n; i++) {
			if (!in_allowed_set(&rows[i])) {
				consistent = 0;
				tap_diag("inconsistent: %s status=%s has_value=%d reason='%s'",
					 rows[i].event, ngb_counter_status_name(rows[i].status),
					 rows[i].has_value, rows[i].reason);
			}
			named &= strcmp(rows[i].event, ngb_perfmon_event_name(pm, i)) == 0;
			encoded &= strstr(rows[i].encoding, "type=") != NULL;
		}
		ok(consistent, "every row has an allowed status and no value unless counted");
		ok(named, "rows are in event order");
		ok(encoded, "every row carries its encoding");
	}

	/* Hardware events: whatever this machine does, said truthfully. */
	c = row(rows, n, "cycles");
	if (m.hw_probe_errno == 0) {
		ok(c && (c->status == NGB_STATUS_OK || c->status == NGB_STATUS_SCALED),
		   "PMU present: cycles counted");
		ok(c && c->value > 0, "PMU present: cycles nonzero");
		tap_skip(2, "this machine has a PMU");
	} else {
		tap_skip(2, "this machine has no usable PMU");
		ok(c && c->status == ngb_counter_status_from_errno(m.hw_probe_errno),
		   "no PMU: cycles is %s as the probe said",
		   ngb_counter_status_name(ngb_counter_status_from_errno(m.hw_probe_errno)));
		expect_str_contains(c ? c->reason : NULL, strerrorname_np(m.hw_probe_errno),
				    "the reason names %s", strerrorname_np(m.hw_probe_errno));
		if (c)
			tap_diag("cycles: %s (%s)", ngb_counter_status_name(c->status), c->reason);
	}
	c = row(rows, n, "LLC-load-misses");
	ok(c && (c->has_value || c->status != NGB_STATUS_OK), "LLC-load-misses: value or status");
	ok(c && c->source == NGB_SOURCE_PMU, "LLC-load-misses has source pmu");

	/* A sleeping child switches context; software events see the switches. */
	cfg.events = "context-switches,task-clock";
	ngb_perfmon_free(pm);
	ret = ngb_perfmon_new(&pm, &cfg, &err);
	expect_int_eq(ret, 0, "a software-only session");
	ret = run_counted(pm, sleeper, rows, 2, &status, &ru);
	expect_int_eq(ret, 0, "the sleeper ran counted");
	tap_diag("context-switches=%.0f (%s) rusage nvcsw=%ld nivcsw=%ld", rows[0].value,
		 ngb_counter_status_name(rows[0].status), ru.ru_nvcsw, ru.ru_nivcsw);
	if (ngb_perfmon_user_only(pm)) {
		/* Switches happen in the kernel: excluded, so reported, never a 0. */
		ok((rows[0].status == NGB_STATUS_DENIED || rows[0].status == NGB_STATUS_UNSUPPORTED) &&
		   !rows[0].has_value, "user-only: context-switches is %s, without a value (%s)",
		   ngb_counter_status_name(rows[0].status), rows[0].reason);
	} else {
		ok(rows[0].status == NGB_STATUS_OK && rows[0].value >= 20,
		   "20 sleeps: at least 20 context switches (%.0f)", rows[0].value);
	}
	ok(rows[1].has_value && rows[1].value < 1e9, "task-clock of a sleeper is small (%.0f ns)",
	   rows[1].value);

	/* The program never starts: nothing was counted, and it says so. */
	ret = ngb_perfmon_probe(pm, missing, rows, 2, &status, &err);
	expect_int_eq(ret, 0, "probe of a missing program returns");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 127, "the child could not exec");
	ok(rows[1].status == NGB_STATUS_ERROR && !rows[1].has_value,
	   "task-clock: error, no value (%s)", rows[1].reason);
	expect_str_contains(rows[1].reason, "never enabled", "the reason says why");

	/* The child is gone before attach: every counter fails, the trial goes on. */
	{
		struct ngb_perfmon_attach *a;
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		waitpid(pid, &status, 0);
		ret = ngb_perfmon_attach(pm, pid, &a, &err);
		expect_int_eq(ret, 0, "attach to a reaped pid still returns 0");
		if (ret == 0) {
			ngb_perfmon_collect(a, rows, 2);
			ngb_perfmon_detach(a);
			ok(rows[1].status == NGB_STATUS_ERROR && !rows[1].has_value,
			   "its task-clock is an error");
			expect_str_contains(rows[1].reason, "ESRCH", "the reason is ESRCH");
		} else {
			tap_skip(2, "attach failed");
		}
		expect_int_eq(ngb_perfmon_attach(pm, 0, &a, &err), -EINVAL, "pid 0 is refused");
	}

	/* Kernel counting where paranoid forbids it: denied, with the hint. */
	if (m.paranoid >= 2 && !m.privileged) {
		cfg.events = "task-clock";
		cfg.user_only = 0;
		ngb_perfmon_free(pm);
		ret = ngb_perfmon_new(&pm, &cfg, &err);
		ret = ret ? ret : ngb_perfmon_probe(pm, touch, rows, 1, &status, &err);
		expect_int_eq(ret, 0, "a session counting the kernel");
		tap_diag("task-clock with the kernel: %s (%s)", ngb_counter_status_name(rows[0].status),
			 rows[0].reason);
		ok(rows[0].status == NGB_STATUS_DENIED || rows[0].status == NGB_STATUS_OK,
		   "kernel task-clock: denied or ok (software clocks ignore exclusion on some kernels)");
		if (rows[0].status == NGB_STATUS_DENIED)
			expect_str_contains(rows[0].reason, "perf_event_paranoid",
					    "the reason names perf_event_paranoid");
		else
			tap_skip(1, "not denied here");
	} else {
		tap_skip(3, "kernel counting is allowed to this user");
	}
	ngb_perfmon_free(pm);
	return tap_done();
}
