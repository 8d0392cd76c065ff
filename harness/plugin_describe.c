/*
 * harness/plugin_describe.c - reads the allocator plugins' descriptors in a
 * child process, for plugins.c.  A plugin's constructors (its own and those
 * of the libraries it needs) run when it is loaded, so loading it in
 * ngbench would let a crash, an exit() or a hang end ngbench (DESIGN.md,
 * principle 7).  Apart from plugins.c because the protocol between the
 * child and ngbench (messages, their parser, the timeouts and the restart
 * after a fault) is a unit of its own that discovery only calls.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

static char *dir_of(const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');

	if (slash)
		*slash = '\0';
	else
		strcpy(d, ".");
	return d;
}

/*
 * Reading the descriptors in a child.  A plugin's constructors (its own and
 * those of the libraries it needs) run when it is loaded, so loading it in
 * ngbench would let a crash, an exit() or a hang end ngbench.  One child
 * loads the plugins in turn and sends each descriptor down a pipe; when it
 * dies or stops answering, the plugin it had begun is the one at fault, and
 * a new child goes on with the next.
 *
 * Each message is a tag byte, a 32-bit length and that many bytes.
 */
enum {
	MSG_BEGIN = 'B',	/* the plugin with this index (a decimal) is being loaded */
	MSG_NAME = 'N', MSG_SUMMARY = 'S', MSG_LIBRARY = 'L', MSG_PACKAGE = 'P',
	MSG_STATS_ENV = 'T', MSG_ENV = 'V',
	MSG_REFUSED = 'X',	/* not a usable plugin: the reason */
	MSG_DONE = 'D',		/* the descriptor is complete */
	MSG_END = 'Z',		/* every plugin was read */
};

/* Seconds a plugin may take to load before it is called hanging. */
#define DESCRIBE_TIMEOUT_S 5

static int send_msg(int fd, int tag, const char *s)
{
	uint32_t len = s ? (uint32_t)strlen(s) : 0;
	unsigned char head[5];
	const char *parts[2] = { (const char *)head, s };
	size_t lens[2] = { sizeof(head), len }, i;

	head[0] = (unsigned char)tag;
	memcpy(head + 1, &len, sizeof(len));
	for (i = 0; i < 2; i++) {
		size_t done = 0;

		while (done < lens[i]) {
			ssize_t n = write(fd, parts[i] + done, lens[i] - done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			done += (size_t)n;
		}
	}
	return 0;
}

/* In the child: loads one plugin and sends its descriptor. */
static int describe_one(int fd, const char *path)
{
	const struct ngb_allocator *d;
	ngb_allocator_plugin_fn fn;
	char msg[4096];
	void *h;

	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(msg, sizeof(msg), "cannot load plugin '%s': %s", path, dlerror());
		return send_msg(fd, MSG_REFUSED, msg);
	}
	fn = (ngb_allocator_plugin_fn)dlsym(h, NGB_ALLOCATOR_SYMBOL);
	if (!fn) {
		snprintf(msg, sizeof(msg), "'%s' is not an ngbench allocator plugin (no %s)", path,
			 NGB_ALLOCATOR_SYMBOL);
		return send_msg(fd, MSG_REFUSED, msg);
	}
	d = fn();
	if (!d || d->abi_version != NGB_ALLOCATOR_ABI_VERSION) {
		snprintf(msg, sizeof(msg),
			 "plugin '%s' was built for allocator ABI %u, this ngbench needs %d: "
			 "rebuild the plugin", path, d ? d->abi_version : 0,
			 NGB_ALLOCATOR_ABI_VERSION);
		return send_msg(fd, MSG_REFUSED, msg);
	}
	if (!allocator_name_valid(d->name)) {
		snprintf(msg, sizeof(msg), "plugin '%s' has an invalid name", path);
		return send_msg(fd, MSG_REFUSED, msg);
	}
	if (send_msg(fd, MSG_NAME, d->name) || send_msg(fd, MSG_SUMMARY, d->summary ? d->summary : "") ||
	    (d->library && send_msg(fd, MSG_LIBRARY, d->library)) ||
	    (d->package && send_msg(fd, MSG_PACKAGE, d->package)) ||
	    (d->stats_env && send_msg(fd, MSG_STATS_ENV, d->stats_env)))
		return -1;
	if (d->env) {
		const char *const *e;

		for (e = d->env; *e; e++)
			if (send_msg(fd, MSG_ENV, *e))
				return -1;
	}
	/* never closed: a destructor is more of the plugin's code */
	return send_msg(fd, MSG_DONE, NULL);
}

static void describe_child(int fd, const struct strvec *paths, size_t from)
{
	struct sigaction dfl;
	char num[32];
	int devnull;
	size_t i;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGHUP, &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	/* a crash must end this child by its signal, so that the reason names
	 * it, also where a sanitizer's handler would turn it into an exit */
	sigaction(SIGSEGV, &dfl, NULL);
	sigaction(SIGBUS, &dfl, NULL);
	sigaction(SIGFPE, &dfl, NULL);
	sigaction(SIGILL, &dfl, NULL);
	/* what a plugin prints must not mix with ngbench's output */
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
	}
	for (i = from; i < paths->n; i++) {
		snprintf(num, sizeof(num), "%zu", i);
		if (send_msg(fd, MSG_BEGIN, num) || describe_one(fd, paths->v[i]))
			_exit(3);
	}
	send_msg(fd, MSG_END, NULL);
	_exit(0);
}

/* What the parent has heard from one child. */
struct describe_reader {
	char *buf;
	size_t len, cap;
	long current;			/* index begun and not done, or -1 */
	struct allocator *a;		/* the descriptor being received */
	int ended;			/* MSG_END seen */
};

static void dir_of_plugin(struct allocator *a, const char *path)
{
	const char *lib = a->library_spec;

	if (lib && !strncmp(lib, "./", 2)) {
		char *dir = dir_of(path);

		a->library = xasprintf("%s/%s", dir, lib + 2);
		free(dir);
	} else if (lib && strchr(lib, '/')) {
		a->library = xstrdup(lib);
	}
}

/* Takes the complete messages out of r->buf into out[]. */
static void describe_parse(struct describe_reader *r, const struct strvec *paths,
			   struct described *out)
{
	size_t off = 0;

	while (r->len - off >= 5) {
		int tag = (unsigned char)r->buf[off];
		uint32_t len;
		char *v;

		memcpy(&len, r->buf + off + 1, sizeof(len));
		if (r->len - off - 5 < len)
			break;
		v = xmalloc((size_t)len + 1);
		memcpy(v, r->buf + off + 5, len);
		v[len] = '\0';
		off += 5 + (size_t)len;
		if (tag == MSG_BEGIN) {
			r->current = strtol(v, NULL, 10);
			if (r->current < 0 || (size_t)r->current >= paths->n)
				r->current = -1;
			allocator_free(r->a);
			r->a = xcalloc(1, sizeof(*r->a));
			r->a->plugin_path = xstrdup(paths->v[r->current >= 0 ? r->current : 0]);
		} else if (tag == MSG_END) {
			r->ended = 1;
		} else if (r->current < 0) {
			/* a message out of place: ignored, the plugin is judged by what follows */
		} else if (tag == MSG_REFUSED) {
			out[r->current].error = v;
			v = NULL;
			allocator_free(r->a);
			r->a = NULL;
			r->current = -1;
		} else if (tag == MSG_DONE) {
			dir_of_plugin(r->a, r->a->plugin_path);
			out[r->current].a = r->a;
			r->a = NULL;
			r->current = -1;
		} else {
			char **field = tag == MSG_NAME ? &r->a->name : tag == MSG_SUMMARY ? &r->a->summary
				: tag == MSG_LIBRARY ? &r->a->library_spec : tag == MSG_PACKAGE ? &r->a->package
				: tag == MSG_STATS_ENV ? &r->a->stats_env : NULL;

			if (field) {
				free(*field);
				*field = v;
				v = NULL;
			} else if (tag == MSG_ENV) {
				strvec_push(&r->a->env, v);
			}
		}
		free(v);
	}
	memmove(r->buf, r->buf + off, r->len - off);
	r->len -= off;
}

/* Why the child that was loading @path ended: from its wait status. */
static char *describe_failure(const char *path, int status, int timed_out)
{
	if (timed_out)
		return xasprintf("loading the plugin '%s' did not end within %d s (its code hangs "
				 "when loaded)", path, DESCRIBE_TIMEOUT_S);
	if (WIFSIGNALED(status))
		return xasprintf("loading the plugin '%s' crashed the process that loaded it "
				 "(signal SIG%s, %s)", path, sigabbrev_np(WTERMSIG(status)) ?
				 sigabbrev_np(WTERMSIG(status)) : "?", strsignal(WTERMSIG(status)));
	if (WIFEXITED(status))
		return xasprintf("loading the plugin '%s' ended the process that loaded it with "
				 "exit status %d before the plugin described itself", path,
				 WEXITSTATUS(status));
	return xasprintf("loading the plugin '%s' stopped the process that loaded it", path);
}

/*
 * Reads the descriptor of every plugin in paths, each in out[i] (a
 * descriptor or an error), without running any plugin code here.
 */
void describe_plugins(const struct strvec *paths, struct described *out)
{
	struct describe_reader r;
	size_t from = 0;

	memset(&r, 0, sizeof(r));
	while (from < paths->n) {
		int fds[2], status = 0, timed_out = 0;
		double deadline;
		long began;
		pid_t pid;

		if (pipe2(fds, O_CLOEXEC) != 0)
			goto fail;
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid < 0) {
			close(fds[0]);
			close(fds[1]);
			goto fail;
		}
		if (pid == 0) {
			close(fds[0]);
			describe_child(fds[1], paths, from);
		}
		close(fds[1]);
		r.len = 0;
		r.current = -1;
		r.ended = 0;
		began = -1;
		deadline = monotonic_seconds() + DESCRIBE_TIMEOUT_S;
		while (!r.ended) {
			struct pollfd pfd = { fds[0], POLLIN, 0 };
			double left = deadline - monotonic_seconds();
			ssize_t n;
			int pr;

			if (left <= 0) {
				timed_out = 1;
				break;
			}
			pr = poll(&pfd, 1, (int)(left * 1000) + 1);
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr <= 0)
				continue;
			if (r.cap - r.len < 4096) {
				r.cap = r.cap ? 2 * r.cap : 16384;
				r.buf = xrealloc(r.buf, r.cap);
			}
			n = read(fds[0], r.buf + r.len, r.cap - r.len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			r.len += (size_t)n;
			describe_parse(&r, paths, out);
			if (r.current != began) {
				/* each plugin has its own time */
				began = r.current;
				deadline = monotonic_seconds() + DESCRIBE_TIMEOUT_S;
			}
		}
		close(fds[0]);
		if (timed_out)
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (r.ended)
			break;
		/* the plugin begun and not done is the one at fault */
		from = r.current >= 0 ? (size_t)r.current : from;
		while (from < paths->n && (out[from].a || out[from].error))
			from++;
		if (from < paths->n) {
			out[from].error = describe_failure(paths->v[from], status, timed_out);
			out[from].faulted = 1;
			from++;
		}
		allocator_free(r.a);
		r.a = NULL;
	}
	allocator_free(r.a);
	free(r.buf);
	return;
fail:
	for (; from < paths->n; from++)
		if (!out[from].a && !out[from].error)
			out[from].error = xasprintf("cannot read plugin '%s': cannot start a process "
						    "to load it: %s", paths->v[from], strerror(errno));
	allocator_free(r.a);
	free(r.buf);
}
