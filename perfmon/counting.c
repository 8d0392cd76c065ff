/*
 * perfmon/counting.c - perf_event_open on a child before it execs, and the
 * scaled values with a status per counter.
 *
 * The runner's child is forked and waits on a pipe; attach opens every event
 * on it with inherit (its threads and later children are counted and summed
 * into our file descriptor when they exit), disabled and enable_on_exec (the
 * kernel starts counting at the exec of the workload, so neither the harness
 * nor the child's pre-exec code is counted).  Each event is read on its own
 * with TOTAL_TIME_ENABLED and TOTAL_TIME_RUNNING: the kernel refuses
 * PERF_FORMAT_GROUP together with inherit, so groups only serve scheduling.
 *
 * Invariant: a counter's value is set only when the kernel counted it for a
 * nonzero time; everything else carries a status and a reason, never zero.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

struct ngb_perfmon_attach {
	const struct ngb_perfmon *pm;
	int *fd;     /* -1 when not open */
	int *err;    /* errno of the failed open, or 0 */
	int *alone;  /* errno of the failed group join when opened alone, or 0 */
};

void ngb_counter_scale(struct ngb_counter *c, uint64_t raw, uint64_t enabled, uint64_t running)
{
	c->has_raw = 1;
	c->raw = raw;
	c->has_times = 1;
	c->time_enabled = enabled;
	c->time_running = running;
	c->has_value = 0;
	c->value = 0;
	c->reason[0] = '\0';
	if (running == 0) {
		c->status = NGB_STATUS_ERROR;
		snprintf(c->reason, sizeof(c->reason), "%s",
			 enabled ? "never counted: the PMU had no free counter for the "
				   "whole run (time_running=0)"
				 : "never enabled: the program did not start (no exec)");
		return;
	}
	c->has_value = 1;
	if (running >= enabled) {
		c->status = NGB_STATUS_OK;
		c->value = (double)raw;
	} else {
		/* Multiplexed: extrapolate to the whole time the event was enabled. */
		c->status = NGB_STATUS_SCALED;
		c->value = (double)((long double)raw * enabled / running);
		snprintf(c->reason, sizeof(c->reason), "multiplexed: counted %.1f%% of the "
			 "time, value extrapolated", 100.0 * (double)running / (double)enabled);
	}
}

enum ngb_counter_status ngb_counter_status_from_errno(int err)
{
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		return NGB_STATUS_UNSUPPORTED;
	case EACCES:
	case EPERM:
		return NGB_STATUS_DENIED;
	default:
		return NGB_STATUS_ERROR;
	}
}

static const char *errno_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

void pm_reason(const struct ngb_perfmon *pm, const struct pm_event *ev, int err,
	       char *buf, size_t len)
{
	const char *name = errno_name(err);

	switch (err) {
	case ENOENT:
		if (ev->source == NGB_SOURCE_PMU && !pm->kernel_pmu)
			snprintf(buf, len, "%s: no hardware PMU on this machine (the kernel "
				 "exposes no CPU event source; virtual machines often have none)",
				 name);
		else if (ev->source == NGB_SOURCE_PMU)
			snprintf(buf, len, "%s: this CPU's PMU does not have this event", name);
		else
			snprintf(buf, len, "%s: this kernel does not have this software event",
				 name);
		return;
	case EOPNOTSUPP:
		snprintf(buf, len, "%s: the PMU cannot count this event this way "
			 "(per process, with these exclusions)", name);
		return;
	case ENODEV:
		snprintf(buf, len, "%s: the event's PMU is not available on this CPU", name);
		return;
	case EACCES:
	case EPERM:
		if (pm->paranoid >= 3)
			snprintf(buf, len, "%s: perf_event_paranoid=%d forbids all use of perf "
				 "events by unprivileged users; try 'sysctl "
				 "kernel.perf_event_paranoid=2' or CAP_PERFMON", name, pm->paranoid);
		else if (!pm->user_only && pm->paranoid >= 2)
			snprintf(buf, len, "%s: perf_event_paranoid=%d forbids counting kernel "
				 "code; count user space only or try 'sysctl "
				 "kernel.perf_event_paranoid=1'", name, pm->paranoid);
		else
			snprintf(buf, len, "%s: perf_event_paranoid=%d forbids this event to "
				 "this user; try 'sysctl kernel.perf_event_paranoid=1' or "
				 "CAP_PERFMON", name, pm->paranoid);
		return;
	case EINVAL:
		snprintf(buf, len, "%s: the kernel rejected the event's attributes", name);
		return;
	case EMFILE:
	case ENFILE:
		snprintf(buf, len, "%s: too many open files (raise 'ulimit -n')", name);
		return;
	case ESRCH:
		snprintf(buf, len, "%s: the child was gone before its counters were opened", name);
		return;
	case EBUSY:
		snprintf(buf, len, "%s: another tool holds the PMU exclusively", name);
		return;
	default:
		snprintf(buf, len, "%s: %s", name, strerror(err));
	}
}

int pm_kernel_only_excluded(const struct ngb_perfmon *pm, const struct pm_event *ev,
			    enum ngb_counter_status *status, char *reason, size_t len)
{
	if (!ev->kernel_only || !pm->user_only)
		return 0;
	if (pm->user_only_forced) {
		*status = NGB_STATUS_DENIED;
		snprintf(reason, len, "perf_event_paranoid=%d makes ngbench exclude the kernel, "
			 "where this event happens (it would read 0)%s; try 'sysctl "
			 "kernel.perf_event_paranoid=1' or CAP_PERFMON", pm->paranoid,
			 ev->attr.config == PERF_COUNT_SW_CONTEXT_SWITCHES
				 ? "; the trial's rusage has its context switches" : "");
	} else {
		*status = NGB_STATUS_UNSUPPORTED;
		snprintf(reason, len, "user-space-only counting excludes the kernel, where this "
			 "event happens (it would read 0)");
	}
	return 1;
}

static int open_event(const struct pm_event *ev, pid_t pid, int group_fd)
{
	struct perf_event_attr attr = ev->attr;
	int fd;

	attr.inherit = 1;
	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	/* Members follow their leader; a leader (or a lone event) starts at exec. */
	attr.disabled = group_fd < 0;
	attr.enable_on_exec = group_fd < 0;
	fd = (int)syscall(SYS_perf_event_open, &attr, pid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int ngb_perfmon_attach(const struct ngb_perfmon *pm, pid_t pid,
		       struct ngb_perfmon_attach **out, struct ngb_err *e)
{
	struct ngb_perfmon_attach *a;

	*out = NULL;
	if (pid <= 0)
		return ngb_err_set(e, -EINVAL, "cannot attach counters to pid %d", (int)pid);
	a = calloc(1, sizeof(*a));
	if (!a)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	a->pm = pm;
	a->fd = malloc(pm->n * sizeof(*a->fd));
	a->err = calloc(pm->n, sizeof(*a->err));
	a->alone = calloc(pm->n, sizeof(*a->alone));
	if (!a->fd || !a->err || !a->alone) {
		ngb_perfmon_detach(a);
		return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < pm->n; i++)
		a->fd[i] = -1;

	/* Leaders first (event order), then each member with its leader. */
	for (size_t i = 0; i < pm->n; i++) {
		const struct pm_event *ev = &pm->ev[i];
		int leader_fd = ev->leader == (int)i ? -1 : a->fd[ev->leader];
		enum ngb_counter_status st;
		char why[8];
		int fd;

		if (pm_kernel_only_excluded(pm, ev, &st, why, sizeof(why)))
			continue;

		if (ev->leader == (int)i || leader_fd < 0) {
			/*
			 * A leader, or a member whose leader failed: opened
			 * alone, so that its own errno is what it reports.
			 */
			fd = open_event(ev, pid, -1);
		} else {
			fd = open_event(ev, pid, leader_fd);
			if (fd < 0) {
				/* The group does not fit: count it alone rather than not at all. */
				a->alone[i] = -fd;
				fd = open_event(ev, pid, -1);
			}
		}
		if (fd < 0)
			a->err[i] = -fd;
		else
			a->fd[i] = fd;
	}
	*out = a;
	return 0;
}

size_t ngb_perfmon_collect(struct ngb_perfmon_attach *a, struct ngb_counter *rows, size_t n)
{
	const struct ngb_perfmon *pm = a->pm;
	size_t i;

	for (i = 0; i < pm->n && i < n; i++) {
		const struct pm_event *ev = &pm->ev[i];
		struct ngb_counter *c = &rows[i];
		uint64_t buf[3];
		ssize_t got;

		memset(c, 0, sizeof(*c));
		snprintf(c->event, sizeof(c->event), "%s", ev->name);
		snprintf(c->encoding, sizeof(c->encoding), "%s", ev->encoding);
		c->source = ev->source;
		if (pm_kernel_only_excluded(pm, ev, &c->status, c->reason, sizeof(c->reason)))
			continue;
		if (a->fd[i] < 0) {
			c->status = ngb_counter_status_from_errno(a->err[i]);
			pm_reason(pm, ev, a->err[i], c->reason, sizeof(c->reason));
			continue;
		}
		got = read(a->fd[i], buf, sizeof(buf));
		if (got != (ssize_t)sizeof(buf)) {
			int err = got < 0 ? errno : EIO;

			c->status = NGB_STATUS_ERROR;
			snprintf(c->reason, sizeof(c->reason), "%s: cannot read the counter: %s",
				 errno_name(err), strerror(err));
			continue;
		}
		ngb_counter_scale(c, buf[0], buf[1], buf[2]);
		if (c->has_value && a->alone[i])
			snprintf(c->reason, sizeof(c->reason),
				 "counted outside its group (joining it failed with %s), so "
				 "ratios with its group may cover different intervals",
				 errno_name(a->alone[i]));
	}
	return i;
}

void ngb_perfmon_detach(struct ngb_perfmon_attach *a)
{
	if (!a)
		return;
	if (a->fd) {
		for (size_t i = 0; i < a->pm->n; i++)
			if (a->fd[i] >= 0)
				close(a->fd[i]);
	}
	free(a->fd);
	free(a->err);
	free(a->alone);
	free(a);
}

int ngb_perfmon_probe(const struct ngb_perfmon *pm, char *const argv[],
		      struct ngb_counter *rows, size_t n, int *status, struct ngb_err *e)
{
	struct ngb_perfmon_attach *a;
	int gate[2], ret;
	pid_t pid;
	char go;

	if (pipe2(gate, O_CLOEXEC) < 0)
		return ngb_err_set(e, -errno, "cannot create a pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(gate[0]);
		close(gate[1]);
		return ngb_err_set(e, ret, "cannot fork: %s", strerror(-ret));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		close(gate[1]);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		/* Wait until the parent has opened the counters. */
		if (read(gate[0], &go, 1) != 1)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(gate[0]);
	ret = ngb_perfmon_attach(pm, pid, &a, e);
	/* Released either way: a failed attach must not leave the child hanging. */
	go = 0;
	if (ret == 0 && write(gate[1], &go, 1) != 1)
		ret = ngb_err_set(e, -errno, "cannot release the child: %s", strerror(errno));
	close(gate[1]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (ret == 0) {
		ngb_perfmon_collect(a, rows, n);
		ngb_perfmon_detach(a);
	}
	return ret;
}
