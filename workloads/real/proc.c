/*
 * workloads/real/proc.c - running real programs for the drivers: measured
 * and clean children, the private folder, timeouts, readiness checks and
 * clean-up on every way out.  See proc.h for why the drivers are static.
 *
 * Invariant: every child the driver started is in children[] until it has
 * been reaped, and every exit path (rp_fail, rp_skip, exit, a signal) kills
 * what is left there with SIGKILL before the driver goes.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "ngbench/ipc.h"
#include "proc.h"

extern char **environ;

#define MAX_CHILDREN 8

static const char *prog_name = "driver";
static char dir[4096];
static pid_t children[MAX_CHILDREN];
static volatile sig_atomic_t stop_signal;
static int spawned;

double rp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void rp_sleep(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Async-signal-safe: only kill(2). */
static void kill_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/*
 * Kills @pid and everything it started: stopped first so that it cannot
 * start more, then its children (from /proc/PID/task/TID/children), then
 * itself.  Not for signal handlers (it reads files).
 */
static void kill_tree(pid_t pid)
{
	char path[320], line[4096];
	DIR *d;
	struct dirent *e;

	kill(pid, SIGSTOP);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		FILE *f;
		char *tok, *save = NULL;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children", (int)pid, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f))
			for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
				kill_tree((pid_t)atoi(tok));
		fclose(f);
	}
	if (d)
		closedir(d);
	kill(pid, SIGKILL);
}

static void cleanup(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0)
			kill_tree(children[i]);
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0) {
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
	if (*dir) {
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
		*dir = '\0';
	}
}

static void on_signal(int sig)
{
	kill_children();
	if (stop_signal)
		_exit(128 + sig); /* a second signal: go now */
	stop_signal = sig;
}

void rp_check_signals(void)
{
	if (stop_signal) {
		int sig = stop_signal;

		cleanup();
		fprintf(stderr, "%s: stopped by signal %d (%s); children killed\n", prog_name, sig,
			strsignal(sig));
		_exit(128 + sig);
	}
}

static __attribute__((noreturn)) void vdie(int code, const char *fmt, va_list ap)
{
	rp_check_signals();
	fprintf(stderr, "%s: ", prog_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
	cleanup();
	_exit(code);
}

void rp_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(1, fmt, ap);
}

void rp_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(77, fmt, ap);
}

void rp_init(const char *prog)
{
	struct sigaction sa;
	const char *tmp = getenv("TMPDIR");

	prog_name = prog;
	/* the harness dying must not leave a server behind */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/*
	 * A harness killed between our fork and the prctl above sends no
	 * signal: we were handed to init already, so stop before starting
	 * anything (a subreaper other than init is not detected).
	 */
	if (getppid() == 1) {
		fprintf(stderr, "%s: the process that started it is gone; nothing started\n", prog);
		_exit(1);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waits return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "%s/ngb-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prog);
	if (!mkdtemp(dir)) {
		int e = errno;

		*dir = '\0';
		rp_skip("cannot make a private folder under %s: %s", tmp && *tmp ? tmp : "/tmp",
			strerror(e));
	}
	atexit(cleanup);
}

const char *rp_dir(void)
{
	return dir;
}

const char *rp_path(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		rp_fail("out of memory");
	return p;
}

static char *find_in_path(const char *cmd)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *d, *found = NULL;

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0 ? strdup(cmd) : NULL;
	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *f;

		if (asprintf(&f, "%s/%s", *d ? d : ".", cmd) < 0)
			break;
		if (access(f, X_OK) == 0)
			found = f;
		else
			free(f);
	}
	free(copy);
	return found;
}

void rp_require(const char *cmd, const char *package)
{
	char *f = find_in_path(cmd);

	if (!f)
		rp_skip("unavailable: '%s' is not installed (not found in PATH); fix: apt-get install %s",
			cmd, package);
	free(f);
}

/* The environment of a child; see enum rp_env. */
static char **child_env(enum rp_env mode)
{
	size_t n = 0, k = 0;
	char **e, **out;
	const char *pre = NULL;

	for (e = environ; *e; e++)
		n++;
	out = calloc(n + 2, sizeof(*out));
	if (!out)
		rp_fail("out of memory");
	for (e = environ; *e; e++) {
		if (!strncmp(*e, "LD_PRELOAD=", 11)) {
			pre = *e + 11;
			continue;
		}
		if (mode == RP_CLEAN && !strncmp(*e, "NGBENCH_", 8))
			continue;
		out[k++] = *e;
	}
	if (mode == RP_MEASURED) {
		/*
		 * glibc goes last in the preload list: a program that links
		 * its own malloc (Debian's redis-server links jemalloc) then
		 * gets the allocator under test, or glibc's for ptmalloc2,
		 * never its own.  The allocator's library comes first and
		 * still wins where it defines a function.
		 */
		char *v;

		if (asprintf(&v, "LD_PRELOAD=%s%slibc.so.6", pre && *pre ? pre : "",
			     pre && *pre ? ":" : "") < 0)
			rp_fail("out of memory");
		out[k++] = v;
	}
	out[k] = NULL;
	return out;
}

static void remember(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] <= 0) {
			children[i] = pid;
			return;
		}
	kill(pid, SIGKILL);
	rp_fail("internal error: more than %d children", MAX_CHILDREN);
}

static void forget(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
}

static int witness_fd(void)
{
	const char *s = getenv(NGB_WITNESS_FD_ENV);

	return s && *s ? atoi(s) : -1;
}

void rp_spawn(struct rp_proc *p, char *const argv[], enum rp_env env, const char *in_path,
	      const char *out_path, const cpu_set_t *cpus)
{
	char **envp = child_env(env), *prog = find_in_path(argv[0]), name[64];
	int errpipe[2], wfd = witness_fd(), err = 0;
	pid_t parent = getpid();
	ssize_t r;

	if (!prog)
		rp_fail("cannot run '%s': not found in PATH", argv[0]);
	snprintf(name, sizeof(name), "%s.%d.stderr", p->name, spawned++);
	p->err_path = (char *)rp_path(name);
	if (pipe2(errpipe, O_CLOEXEC) != 0)
		rp_fail("pipe: %s", strerror(errno));
	fflush(NULL);
	p->started = rp_now();
	p->pid = fork();
	if (p->pid < 0)
		rp_fail("cannot fork for %s: %s", p->name, strerror(errno));
	if (p->pid == 0) {
		sigset_t none;
		int in, out, errf;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		in = open(in_path ? in_path : "/dev/null", O_RDONLY);
		out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		errf = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0 || errf < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(errf, 2) < 0)
			goto fail;
		if (env == RP_CLEAN && wfd > 2)
			close(wfd); /* only the measured program reports */
		if (cpus && sched_setaffinity(0, sizeof(*cpus), cpus) != 0)
			goto fail;
		execve(prog, argv, envp);
fail:
		err = errno;
		if (write(errpipe[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	remember(p->pid);
	close(errpipe[1]);
	do
		r = read(errpipe[0], &err, sizeof(err));
	while (r < 0 && errno == EINTR);
	close(errpipe[0]);
	free(prog);
	for (size_t i = 0; envp[i]; i++)
		if (!strncmp(envp[i], "LD_PRELOAD=", 11))
			free(envp[i]);
	free(envp);
	if (r == sizeof(err)) {
		waitpid(p->pid, NULL, 0);
		forget(p->pid);
		p->pid = 0;
		rp_fail("cannot start %s (%s): %s", p->name, argv[0], strerror(err));
	}
}

static void reaped(struct rp_proc *p, int status)
{
	p->ended = rp_now();
	p->status = status;
	forget(p->pid);
	p->pid = 0;
}

int rp_poll(struct rp_proc *p)
{
	int st;
	pid_t r;

	if (!p->pid)
		return 1;
	r = waitpid(p->pid, &st, WNOHANG);
	if (r == p->pid) {
		reaped(p, st);
		return 1;
	}
	return 0;
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/*
 * Waits until @a or @b (may be NULL) ends or @timeout passes; returns a
 * mask: 1 @a ended, 2 @b ended.  pidfds make the end exact (the time of
 * the measured program is taken at its reaping); without them, polls.
 */
static int wait2(struct rp_proc *a, struct rp_proc *b, double timeout)
{
	double end = rp_now() + timeout;
	struct pollfd pf[2];
	int n = 0, mask;

	pf[0].fd = a->pid ? pidfd_of(a->pid) : -1;
	pf[1].fd = b && b->pid ? pidfd_of(b->pid) : -1;
	pf[0].events = pf[1].events = POLLIN;
	for (;;) {
		double left;

		mask = (rp_poll(a) ? 1 : 0) | (b && rp_poll(b) ? 2 : 0);
		if (mask)
			break;
		rp_check_signals();
		left = end - rp_now();
		if (left <= 0)
			break;
		if (pf[0].fd >= 0 && (!b || pf[1].fd >= 0)) {
			n = poll(pf, b ? 2 : 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
			(void)n;
		} else {
			rp_sleep(left < 0.002 ? left : 0.002);
		}
	}
	if (pf[0].fd >= 0)
		close(pf[0].fd);
	if (pf[1].fd >= 0)
		close(pf[1].fd);
	return mask;
}

int rp_wait(struct rp_proc *p, double timeout)
{
	return wait2(p, NULL, timeout) & 1;
}

int rp_wait_either(struct rp_proc *a, struct rp_proc *b, double timeout)
{
	return wait2(a, b, timeout);
}

void rp_stop(struct rp_proc *p, int sig, double grace)
{
	int st;

	if (!p->pid)
		return;
	if (sig == SIGKILL)
		grace = 0;
	else
		kill(p->pid, sig);
	if (grace > 0 && rp_wait(p, grace))
		return;
	kill_tree(p->pid);
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	reaped(p, st);
}

int rp_ok(const struct rp_proc *p)
{
	return !p->pid && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
}

const char *rp_how(const struct rp_proc *p)
{
	static char buf[128];

	if (p->pid)
		snprintf(buf, sizeof(buf), "still running");
	else if (WIFEXITED(p->status))
		snprintf(buf, sizeof(buf), "exit status %d", WEXITSTATUS(p->status));
	else if (WIFSIGNALED(p->status))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)", WTERMSIG(p->status),
			 strsignal(WTERMSIG(p->status)));
	else
		snprintf(buf, sizeof(buf), "wait status 0x%x", p->status);
	return buf;
}

void rp_fail_proc(const struct rp_proc *p, const char *what)
{
	const char *tail = p->err_path ? rp_tail(p->err_path, 20) : "";

	rp_fail("%s %s (%s)%s%s", p->name, what, rp_how(p),
		*tail ? "; the last lines of its standard error:\n" : "; its standard error was empty",
		tail);
}

void rp_run_ok(struct rp_proc *p, double timeout)
{
	if (!rp_wait(p, timeout)) {
		rp_stop(p, SIGKILL, 1);
		rp_fail_proc(p, "did not finish in time");
	}
	if (!rp_ok(p))
		rp_fail_proc(p, "failed");
}

double rp_measure(const char *name, char *const argv[], const char *in_path,
		  const char *out_path)
{
	struct rp_proc p = { .name = name };

	rp_spawn(&p, argv, RP_MEASURED, in_path, out_path, NULL);
	rp_run_ok(&p, 1e9);
	return p.ended - p.started;
}

char *rp_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct rp_buf b = { 0 };
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n + 1 > b.cap) {
			b.cap = (b.len + n + 1) * 2;
			b.p = realloc(b.p, b.cap);
			if (!b.p)
				rp_fail("out of memory");
		}
		memcpy(b.p + b.len, chunk, n);
		b.len += n;
	}
	fclose(f);
	if (!b.p)
		b.p = calloc(1, 1);
	else
		b.p[b.len] = '\0';
	if (len)
		*len = b.len;
	return b.p;
}

const char *rp_tail(const char *path, int lines)
{
	static char buf[4096];
	size_t len;
	char *text = rp_slurp(path, &len), *start;
	int seen = 0;

	*buf = '\0';
	if (!text)
		return buf;
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	start = text + len;
	while (start > text && seen < lines)
		if (*--start == '\n' && ++seen == lines)
			start++;
	if (strlen(start) >= sizeof(buf))
		start += strlen(start) - (sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", start);
	free(text);
	return buf;
}

void rp_write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		rp_fail("cannot write '%s': %s", path, strerror(errno));
}

int rp_split_cpus(cpu_set_t *server, cpu_set_t *client)
{
	cpu_set_t all;
	int first = -1;

	if (sched_getaffinity(0, sizeof(all), &all) != 0 || CPU_COUNT(&all) < 2)
		return 0;
	CPU_ZERO(server);
	*client = all;
	for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
		if (CPU_ISSET(c, &all))
			first = c;
	CPU_SET(first, server);
	CPU_CLR(first, client);
	return 1;
}

int rp_connect_unix(const char *path)
{
	struct sockaddr_un a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int rp_can_connect_unix(const char *path)
{
	int fd = rp_connect_unix(path);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static void loopback(struct sockaddr_in *a, int port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int rp_can_connect_tcp(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	loopback(&a, port);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

int rp_port_in_use(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, used;

	if (fd < 0)
		return 0;
	/* SO_REUSEADDR: a connection in TIME_WAIT is not "in use" */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	loopback(&a, port);
	used = bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno == EADDRINUSE;
	close(fd);
	return used;
}

long rp_proc_rss_kb(pid_t pid, int peak)
{
	char path[64], line[256];
	const char *key = peak ? "VmHWM:" : "VmRSS:";
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			kb = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return kb;
}

void rp_printf(struct rp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			rp_fail("cannot format text");
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			rp_fail("out of memory");
	}
}

void rp_buf_free(struct rp_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

uint64_t rp_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Knuth's MMIX LCG; the scripts use the same constants. */
uint64_t rp_lcg_next(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (*state >> 33) % 1000003;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * joined_bytes: per round, the length of the ','-joined "KEY:TAG" strings
 * of every 8th record in sorted order (KEY "k%07d" of the value, TAG the
 * value mod 13 in decimal), summed over the rounds.
 */
uint32_t rp_sorted_fold(uint64_t seed, long rounds, long n, uint64_t *joined_bytes)
{
	uint64_t *v = malloc(sizeof(*v) * (size_t)(n > 0 ? n : 1)), bytes = 0;
	uint32_t total = 0;

	if (!v)
		rp_fail("out of memory");
	for (long r = 0; r < rounds; r++) {
		uint64_t state = seed * 1000003u + (uint64_t)r;
		uint32_t h = 0;
		long parts = 0;

		for (long i = 0; i < n; i++)
			v[i] = rp_lcg_next(&state);
		qsort(v, (size_t)n, sizeof(*v), cmp_u64);
		for (long i = 0; i < n; i++) {
			h = h * 31u + (uint32_t)v[i];
			if ((i + 1) % 8 == 0) {
				bytes += 8 + 1 + (v[i] % 13 >= 10 ? 2 : 1);
				parts++;
			}
		}
		if (parts > 1)
			bytes += (uint64_t)(parts - 1);
		total += h;
	}
	free(v);
	*joined_bytes = bytes;
	return total;
}

uint32_t rp_check_fold(const char *out_path, const char *who, uint64_t seed, long rounds,
		       long n)
{
	char *out = rp_slurp(out_path, NULL), *line;
	unsigned long long got_sum, got_bytes;
	uint64_t want_bytes;
	uint32_t want = rp_sorted_fold(seed, rounds, n, &want_bytes);

	line = out ? strstr(out, "ngb-checksum ") : NULL;
	if (!line || sscanf(line, "ngb-checksum %llu %llu", &got_sum, &got_bytes) != 2)
		rp_fail("self-check failed: %s printed no 'ngb-checksum SUM BYTES' line", who);
	if (got_sum != want || got_bytes != want_bytes)
		rp_fail("self-check failed: %s printed checksum %llu and %llu joined bytes, "
			"expected %u and %llu", who, got_sum, got_bytes, want,
			(unsigned long long)want_bytes);
	free(out);
	return want;
}
