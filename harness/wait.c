/*
 * harness/wait.c - waiting for a trial's child: reaps it with wait4(),
 * sleeping on a pidfd (poll) between checks, kills its whole process group
 * on timeout or when the session is asked to stop (SIGINT, SIGTERM, SIGHUP,
 * SIGPIPE set ngb_stop_signal), and samples its resident memory meanwhile.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

volatile int ngb_stop_signal;

static void on_stop_signal(int sig)
{
	ngb_stop_signal = sig;
}

void runner_install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the wait loop must see EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/*
	 * A dropped SSH session (SIGHUP) and a reader that went away
	 * ('ngbench run --show-output | head': SIGPIPE) end the run as Ctrl-C
	 * does: the trial's group is killed, its temporary files removed, the
	 * session marked interrupted.  Their default action would kill ngbench
	 * on the spot and leave all three behind.  Writes to the closed pipe
	 * then fail with EPIPE and are dropped.
	 */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * Resident memory over time: /proc/PID/statm every interval while the child
 * runs.  The series is bounded: when it is full, every other sample goes and
 * the interval doubles, so a long trial keeps an even, coarser picture.
 */
#define RSS_FIRST_INTERVAL_MS 10
#define RSS_MAX_SAMPLES 2048

static void rss_add(struct rss_series *s, uint32_t t_ms, uint32_t kb)
{
	size_t i;

	if (s->n == RSS_MAX_SAMPLES) {
		for (i = 0; i < s->n / 2; i++) {
			s->t_ms[i] = s->t_ms[2 * i];
			s->kb[i] = s->kb[2 * i];
		}
		s->n /= 2;
		s->interval_ms *= 2;
	}
	if (!s->t_ms) {
		s->t_ms = xcalloc(RSS_MAX_SAMPLES, sizeof(*s->t_ms));
		s->kb = xcalloc(RSS_MAX_SAMPLES, sizeof(*s->kb));
	}
	s->t_ms[s->n] = t_ms;
	s->kb[s->n] = kb;
	s->n++;
}

static void rss_sample(struct rss_series *s, int statm_fd, double since_start)
{
	static long page_kb;
	char buf[128];
	unsigned long size, resident;
	ssize_t n;

	if (!page_kb)
		page_kb = sysconf(_SC_PAGESIZE) / 1024;
	n = pread(statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return; /* the child is gone: nothing to sample */
	buf[n] = '\0';
	/* an exited child (a zombie until it is reaped) has no memory: its statm
	 * reads all zeros, which is not a resident set of the program */
	if (sscanf(buf, "%lu %lu", &size, &resident) != 2 || !size)
		return;
	rss_add(s, (uint32_t)(since_start * 1000), (uint32_t)(resident * (unsigned long)page_kb));
}

enum trial_status trial_wait_child(pid_t pid, double timeout_s, double start, int *status,
				   struct rusage *ru, int *stop_sig, struct rss_series *rss)
{
	enum trial_status killed = TRIAL_OK;
	int pfd = pidfd_open_(pid), statm_fd = -1;
	double next_sample = start;

	if (rss) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
		statm_fd = open(path, O_RDONLY | O_CLOEXEC);
		rss->interval_ms = RSS_FIRST_INTERVAL_MS;
	}
	for (;;) {
		pid_t w = wait4(pid, status, WNOHANG, ru);
		double left;
		int slice;

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			*status = 0;
			break;
		}
		if (ngb_stop_signal && killed == TRIAL_OK) {
			*stop_sig = ngb_stop_signal;
			killed = TRIAL_INTERRUPTED;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
		left = timeout_s > 0 ? timeout_s - (monotonic_seconds() - start) : 1e9;
		if (left <= 0 && killed == TRIAL_OK) {
			killed = TRIAL_TIMEOUT;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			continue;
		}
		slice = left > 0.2 ? 200 : (int)(left * 1000) + 1;
		if (statm_fd >= 0) {
			double now = monotonic_seconds();

			if (now >= next_sample) {
				rss_sample(rss, statm_fd, now - start);
				next_sample = now + rss->interval_ms / 1000.0;
			}
			if ((next_sample - now) * 1000 < slice)
				slice = (int)((next_sample - now) * 1000) + 1;
		}
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };

			poll(&p, 1, slice);
		} else {
			struct timespec ts = { 0, 5 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (pfd >= 0)
		close(pfd);
	if (statm_fd >= 0)
		close(statm_fd);
	/* whatever the child left behind in its group goes too */
	kill(-pid, SIGKILL);
	return killed;
}
