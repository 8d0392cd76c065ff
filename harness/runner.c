/*
 * harness/runner.c - runs one trial: one child process, exec'ed directly.
 *
 * The child gets its own process group (so a timeout or Ctrl-C kills all it
 * started), /dev/null as stdin, private files as stdout and stderr, the
 * allocator in LD_PRELOAD and the witness library behind it.  The witness
 * writes, from inside the child, which loaded object serves malloc; a trial
 * whose allocator did not take effect fails instead of silently measuring
 * the C library's.
 *
 * Wall time runs from fork to reaping; user, sys, max RSS, faults and
 * context switches come from wait4()'s rusage, which counts the child and
 * every descendant it waited for.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define STDERR_TAIL_BYTES 4096
#define STDERR_TAIL_LINES 20

extern char **environ;

const char *trial_status_name(enum trial_status s)
{
	static const char *const names[] = {
		[TRIAL_OK] = "ok",
		[TRIAL_FAILED] = "failed",
		[TRIAL_SKIPPED] = "skipped",
		[TRIAL_SIGNAL] = "signal",
		[TRIAL_TIMEOUT] = "timeout",
		[TRIAL_EXEC_FAILED] = "exec-failed",
		[TRIAL_PRELOAD_FAILED] = "preload-failed",
		[TRIAL_INTERRUPTED] = "interrupted",
	};
	return names[s];
}

/* An anonymous file in $TMPDIR (or /tmp), read and written by fd. */
static int anon_file(void)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	path = xasprintf("%s/ngbench-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	free(path);
	return fd;
}

static char *read_all_fd(int fd, size_t max, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	off_t off = 0;
	ssize_t n;

	while (sb.len < max && (n = pread(fd, buf, sizeof(buf), off)) > 0) {
		strbuf_add(&sb, buf, (size_t)n);
		off += n;
	}
	if (len)
		*len = sb.len;
	return strbuf_detach(&sb);
}

/* The last lines of a file, at most STDERR_TAIL_BYTES. */
static char *file_tail(int fd)
{
	struct stat st;
	off_t from;
	char *buf, *p;
	ssize_t n;
	int lines = 0;

	if (fstat(fd, &st) != 0 || st.st_size == 0)
		return NULL;
	from = st.st_size > STDERR_TAIL_BYTES ? st.st_size - STDERR_TAIL_BYTES : 0;
	buf = xmalloc(STDERR_TAIL_BYTES + 1);
	n = pread(fd, buf, STDERR_TAIL_BYTES, from);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	/* drop a final newline, then keep the last STDERR_TAIL_LINES lines */
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (p = buf + n; p > buf; p--) {
		if (p[-1] == '\n' && ++lines == STDERR_TAIL_LINES)
			break;
	}
	/* a cut in the middle of a line: start at the next line */
	if (p == buf && from > 0) {
		char *nl = strchr(buf, '\n');

		if (nl)
			p = nl + 1;
	}
	p = xstrdup(p);
	free(buf);
	return p;
}

static void copy_fd_to(int fd, FILE *to)
{
	char buf[8192];
	off_t off = 0;
	ssize_t n;

	fflush(to);
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		fwrite(buf, 1, (size_t)n, to);
		off += n;
	}
	fflush(to);
}

/* The environment of the child: ours, with the trial's variables on top. */
static char **child_environment(const struct trial_spec *spec, int witness_fd,
				const char *stats_path, const char *profile_path,
				struct strvec *store)
{
	struct strvec names = STRVEC_INIT;
	char **e;
	size_t i;

	if (spec->preload)
		strvec_pushf(store, "LD_PRELOAD=%s", spec->preload);
	if (witness_fd >= 0)
		strvec_pushf(store, "%s=%d", NGB_WITNESS_FD_ENV, witness_fd);
	if (spec->stats_env && stats_path)
		strvec_pushf(store, "%s=%s", spec->stats_env, stats_path);
	if (profile_path)
		strvec_pushf(store, "%s=%s", NGB_PROFILE_OUT_ENV, profile_path);
	for (i = 0; i < spec->env.n; i++) {
		/* a later setting of the same variable wins (a variant's knob over its plugin's) */
		size_t k, len = strcspn(spec->env.v[i], "=");
		int later = 0;

		for (k = i + 1; k < spec->env.n && !later; k++)
			later = strcspn(spec->env.v[k], "=") == len &&
				!strncmp(spec->env.v[k], spec->env.v[i], len);
		if (!later)
			strvec_push(store, spec->env.v[i]);
	}
	for (i = 0; i < store->n; i++) {
		const char *eq = strchr(store->v[i], '=');
		char *name = strndup(store->v[i], eq ? (size_t)(eq - store->v[i]) : strlen(store->v[i]));

		strvec_push(&names, name);
		free(name);
	}
	/* Our LD_PRELOAD never leaks into the child: the trial decides. */
	for (e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t nlen = eq ? (size_t)(eq - *e) : strlen(*e);
		int overridden = !strncmp(*e, "LD_PRELOAD=", 11);

		for (i = 0; i < names.n && !overridden; i++)
			overridden = strlen(names.v[i]) == nlen && !strncmp(names.v[i], *e, nlen);
		if (!overridden)
			strvec_push(store, *e);
	}
	strvec_clear(&names);
	return strvec_argv(store);
}

/* The ngbench that forks the trial, for the child to check it is still there. */
static pid_t runner_parent;

static void child_exec(char **argv, char **envp, const struct trial_spec *spec, int out_fd,
		       int err_fd, int witness_fd, int gate, int errpipe)
{
	int devnull, e;
	sigset_t none;
	struct sigaction dfl;

	setpgid(0, 0);
	/* an ngbench killed outright (kill -9) takes its trial with it: an
	 * orphan would run on beside the trials of a resumed session */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != runner_parent)
		_exit(127);   /* it died before the line above */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	sigaction(SIGHUP, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		goto fail;
	if (witness_fd >= 0) {
		/* the witness fd must survive exec */
		int flags = fcntl(witness_fd, F_GETFD);

		fcntl(witness_fd, F_SETFD, flags & ~FD_CLOEXEC);
	}
	if (spec->cpus) {
		cpu_set_t set;
		int c;

		CPU_ZERO(&set);
		for (c = 0; c < 1024 && c < CPU_SETSIZE; c++)
			if (spec->cpus[c / 8] & (1u << (c % 8)))
				CPU_SET(c, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			goto fail;
	}
	if (gate >= 0) {
		/* wait until the parent has opened the counters on us */
		char c;

		while (read(gate, &c, 1) < 0 && errno == EINTR)
			;
		close(gate);
	}
	if (spec->sim)
		envp = sim_trial_child_prepare(spec, envp);
	execvpe(argv[0], argv, envp);
fail:
	e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static void read_witness(int fd, struct trial_outcome *out)
{
	size_t len;
	char *text = read_all_fd(fd, 8192, &len), *p, *nl;

	p = strstr(text, "served_by=");
	if (p) {
		p += strlen("served_by=");
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		out->served_by = xstrdup(p);
	}
	free(text);
}

static void read_stats(const char *path, struct trial_outcome *out)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *end;
		double v;

		line[strcspn(line, "\r\n")] = '\0';
		if (!eq || !result_key_valid(line, (size_t)(eq - line)))
			continue;
		end = eq + 1;
		if (parse_double(end, &v) == 0)
			strvec_push(&out->alloc_stats, line);
	}
	fclose(f);
}

/* A private file name in $TMPDIR for a file that another program writes. */
static char *temp_path(const char *what)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/ngbench-%s-XXXXXX", dir && *dir ? dir : "/tmp", what);
	int fd = mkstemp(path);

	if (fd < 0) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static void collect_sim(const struct trial_spec *spec, const char *sim_out,
			struct trial_outcome *out)
{
	struct ngb_err e;
	int n;

	out->counters = xcalloc(NGB_SIM_NEVENTS, sizeof(*out->counters));
	n = ngb_sim_collect(sim_out, spec->sim, spec->argv.v[0], out->counters, NGB_SIM_NEVENTS, &e);
	if (n < 0)
		n = (int)ngb_sim_fail_rows(spec->sim, e.msg, out->counters, NGB_SIM_NEVENTS);
	out->ncounters = (size_t)n;
}

int run_trial(const struct trial_spec *spec, struct trial_outcome *out)
{
	int out_fd = -1, err_fd = -1, wit_fd = -1, errpipe[2] = { -1, -1 }, gate[2] = { -1, -1 };
	struct strvec envstore = STRVEC_INIT;
	struct ngb_sim_command simcmd = { NULL, NULL };
	struct ngb_perfmon_attach *att = NULL;
	char *stats_path = NULL, *sim_out = NULL, *profile_path = NULL;
	char **argv;
	struct rusage ru;
	double start;
	int status = 0, exec_errno = 0, stop_sig = 0, rc = 0;
	enum trial_status killed;
	char **envp;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	memset(&ru, 0, sizeof(ru));
	out_fd = anon_file();
	err_fd = anon_file();
	if (spec->witness)
		wit_fd = anon_file();
	if (out_fd < 0 || err_fd < 0 || (spec->witness && wit_fd < 0)) {
		rc = error("cannot create a temporary file: %s", strerror(errno));
		goto out;
	}
	if ((spec->stats_env && !(stats_path = temp_path("stats"))) ||
	    (spec->sim && !(sim_out = temp_path("cachegrind"))) ||
	    (spec->profile && !(profile_path = temp_path("profile")))) {
		rc = error("cannot create a temporary file: %s", strerror(errno));
		goto out;
	}
	if (pipe2(errpipe, O_CLOEXEC) != 0 || (spec->pm && pipe2(gate, O_CLOEXEC) != 0)) {
		rc = error("cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	envp = child_environment(spec, wit_fd, stats_path, profile_path, &envstore);
	argv = spec->argv.v;
	if (spec->sim) {
		struct ngb_sim_config sc;
		struct ngb_err e;

		memset(&sc, 0, sizeof(sc));
		sc.geometry = *spec->sim;
		sc.preload = spec->preload;
		sc.out_file = sim_out;
		if (ngb_sim_command_build(&simcmd, &sc, spec->argv.v, envp, &e)) {
			rc = error("%s", e.msg);
			goto out;
		}
		argv = simcmd.argv;
		envp = simcmd.envp;
	}

	fflush(stdout);
	fflush(stderr);
	start = monotonic_seconds();
	runner_parent = getpid();
	pid = fork();
	if (pid < 0) {
		rc = error("cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (gate[1] >= 0)
			close(gate[1]);
		child_exec(argv, envp, spec, out_fd, err_fd, wit_fd, gate[0], errpipe[1]);
	}
	setpgid(pid, pid); /* both sides, so that kill(-pid) works at once */
	close(errpipe[1]);
	errpipe[1] = -1;
	if (spec->pm) {
		struct ngb_err e;

		/* a counter that cannot be opened is a status, never a lost trial */
		if (ngb_perfmon_attach(spec->pm, pid, &att, &e))
			att = NULL;
		close(gate[0]);
		close(gate[1]); /* releases the child */
		gate[0] = gate[1] = -1;
	}
	while (read(errpipe[0], &exec_errno, sizeof(exec_errno)) < 0 && errno == EINTR)
		;

	killed = trial_wait_child(pid, spec->timeout_s, start, &status, &ru, &stop_sig,
			    spec->sample_rss && !spec->sim ? &out->rss : NULL);
	out->wall_s = monotonic_seconds() - start;
	out->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
	out->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	out->maxrss_kb = ru.ru_maxrss;
	out->minflt = ru.ru_minflt;
	out->majflt = ru.ru_majflt;
	out->nvcsw = ru.ru_nvcsw;
	out->nivcsw = ru.ru_nivcsw;
	out->interrupted_by = stop_sig;
	if (WIFEXITED(status)) {
		out->exited = 1;
		out->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		out->term_signal = WTERMSIG(status);
	}

	if (att) {
		size_t n = ngb_perfmon_nevents(spec->pm);

		out->counters = xcalloc(n ? n : 1, sizeof(*out->counters));
		out->ncounters = ngb_perfmon_collect(att, out->counters, n);
	}
	if (spec->sim && killed == TRIAL_OK)
		collect_sim(spec, sim_out, out);
	if (wit_fd >= 0)
		read_witness(wit_fd, out);
	result_record_parse_fd(out_fd, &out->record);
	if (spec->metric)
		out->has_cmd_metric = cmd_metric_scan_fd(spec->metric, out_fd, &out->cmd_metric_value,
							 &out->cmd_metric_error) == 0;
	if (spec->keep_stdout)
		out->stdout_text = read_all_fd(out_fd, 65536, NULL);
	if (stats_path)
		read_stats(stats_path, out);
	if (profile_path && profile_read_file(profile_path, &out->profile, &out->profile_error))
		profile_release(&out->profile);
	if (spec->show_output) {
		copy_fd_to(out_fd, stdout);
		copy_fd_to(err_fd, stderr);
	}

	if (killed == TRIAL_INTERRUPTED) {
		out->status = TRIAL_INTERRUPTED;
		out->reason = xasprintf("interrupted by %s", strsignal(stop_sig));
	} else if (killed == TRIAL_TIMEOUT) {
		out->status = TRIAL_TIMEOUT;
		out->reason = xasprintf("timed out after %g s; its process group was killed",
					spec->timeout_s);
	} else if (exec_errno) {
		out->status = TRIAL_EXEC_FAILED;
		out->reason = xasprintf("cannot execute '%s': %s", spec->argv.v[0],
					strerror(exec_errno));
	} else if (out->term_signal) {
		out->status = TRIAL_SIGNAL;
		out->reason = xasprintf("killed by signal %d (%s)", out->term_signal,
					strsignal(out->term_signal));
	} else if (out->exit_code == 77) {
		out->status = TRIAL_SKIPPED;
		out->reason = xstrdup("exit status 77: the program cannot run here");
	} else if (out->exit_code != 0) {
		out->status = TRIAL_FAILED;
		out->reason = xasprintf("exit status %d", out->exit_code);
	} else {
		out->status = TRIAL_OK;
	}
	if (out->status != TRIAL_OK && out->status != TRIAL_INTERRUPTED)
		out->stderr_tail = file_tail(err_fd);

out:
	if (att)
		ngb_perfmon_detach(att);
	ngb_sim_command_release(&simcmd);
	if (stats_path) {
		unlink(stats_path);
		free(stats_path);
	}
	if (sim_out) {
		unlink(sim_out);
		free(sim_out);
	}
	if (profile_path) {
		unlink(profile_path);
		free(profile_path);
	}
	if (gate[0] >= 0)
		close(gate[0]);
	if (gate[1] >= 0)
		close(gate[1]);
	strvec_clear(&envstore);
	if (errpipe[0] >= 0)
		close(errpipe[0]);
	if (errpipe[1] >= 0)
		close(errpipe[1]);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (wit_fd >= 0)
		close(wit_fd);
	return rc;
}

void trial_outcome_release(struct trial_outcome *o)
{
	free(o->reason);
	free(o->served_by);
	free(o->stderr_tail);
	free(o->stdout_text);
	free(o->cmd_metric_error);
	free(o->counters);
	free(o->rss.t_ms);
	free(o->rss.kb);
	result_record_release(&o->record);
	strvec_clear(&o->alloc_stats);
	profile_release(&o->profile);
	free(o->profile_error);
	memset(o, 0, sizeof(*o));
}

void trial_spec_release(struct trial_spec *s)
{
	strvec_clear(&s->argv);
	strvec_clear(&s->env);
	free(s->preload);
	free(s->stats_env);
	memset(s, 0, sizeof(*s));
}
