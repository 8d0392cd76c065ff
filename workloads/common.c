/*
 * workloads/common.c - the helper shared by the workload programs: options
 * parsed against the registry, clock, RNG, self-check pattern, bookkeeping
 * memory, RSS and the result record.  See common.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "ngbench/ipc.h"

/* ------------------------------------------------------------------ */
/* options */

#define WL_MAX_PARAMS 32

static const struct ngb_workload *wl_self;
static double wl_num[WL_MAX_PARAMS];
static const char *wl_text[WL_MAX_PARAMS];

static int param_index(const char *name)
{
	for (int i = 0; wl_self && wl_self->params[i].name; i++)
		if (!strcmp(wl_self->params[i].name, name))
			return i;
	fprintf(stderr, "%s: internal error: no parameter '%s'\n",
		program_invocation_short_name, name);
	abort();
}

static const char *type_name(enum ngb_param_type t)
{
	switch (t) {
	case NGB_PARAM_INT: return "integer";
	case NGB_PARAM_SIZE: return "size";
	case NGB_PARAM_DOUBLE: return "number";
	case NGB_PARAM_STRING: return "text";
	}
	return "?";
}

static void usage(FILE *f, const char *notes)
{
	const struct ngb_workload *w = wl_self;

	fprintf(f, "usage: %s [--NAME=VALUE]...\n%s\n\noptions:\n", w->program, w->summary);
	for (int i = 0; w->params[i].name; i++) {
		const struct ngb_workload_param *p = &w->params[i];

		fprintf(f, "  --%s=%s\n      %s\n      default %s", p->name, type_name(p->type),
			p->help, *p->def ? p->def : "(empty)");
		if (p->type == NGB_PARAM_STRING && p->choices)
			fprintf(f, "; one of %s", p->choices);
		else if (p->type != NGB_PARAM_STRING)
			fprintf(f, "; range [%.15g, %.15g]", p->min, p->max);
		fputc('\n', f);
	}
	fprintf(f, "  --preset=NAME\n      start from a preset's values (below); options given"
		   " with it override them\n"
		   "  --help\n      print this help and exit\n\npresets (ngbench --preset):\n");
	for (int i = 0; i < NGB_PRESET_COUNT; i++)
		fprintf(f, "  %-9s %s\n", ngb_preset_name((enum ngb_preset)i),
			!w->presets[i] ? "(none: no published program's command line)"
			: *w->presets[i] ? w->presets[i] : "(defaults)");
	fprintf(f, "\nresult: one line 'ngbench-result: metric=%s value=... unit=%s better=%s ...'\n"
		   "exit status: 0 success, 1 self-check or run failed, 2 bad usage, 77 cannot run here\n",
		w->metric, w->unit, w->higher_is_better ? "higher" : "lower");
	if (notes && *notes)
		fprintf(f, "\n%s\n", notes);
}

static void set_param(int i, const char *text)
{
	char err[256];

	if (ngb_workload_param_parse(&wl_self->params[i], text, &wl_num[i], err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: option '--%s': %s\n", program_invocation_short_name,
			wl_self->params[i].name, err);
		exit(WL_EXIT_USAGE);
	}
	wl_text[i] = text;
}

/* --preset=NAME or --preset NAME at argv[*a]: its name, and *a moved past
 * a separate value; NULL when argv[*a] is not --preset. */
static const char *preset_arg(int argc, char **argv, int *a)
{
	const char *arg = argv[*a];

	if (!strncmp(arg, "--preset=", 9))
		return arg + 9;
	if (strcmp(arg, "--preset"))
		return NULL;
	if (*a + 1 >= argc) {
		fprintf(stderr, "%s: option '--preset' needs a value\n",
			program_invocation_short_name);
		exit(WL_EXIT_USAGE);
	}
	return argv[++*a];
}

/* Sets the parameters of preset name, before any option of the command
 * line (which override them, wherever --preset stands). */
static void apply_preset(const char *name)
{
	enum ngb_preset p;
	char *pairs, *save = NULL;
	size_t len;

	if (ngb_preset_parse(name, &p)) {
		fprintf(stderr, "%s: unknown preset '%s': give " NGB_PRESET_CHOICES "\n",
			program_invocation_short_name, name);
		exit(WL_EXIT_USAGE);
	}
	if (!wl_self->presets[p]) {
		char have[256];

		ngb_preset_reference_list(have, sizeof(have));
		fprintf(stderr, "%s: %s has no %s preset: it reproduces no published program's "
				"command line (those that do: %s)\n",
			program_invocation_short_name, wl_self->name, name, have);
		exit(WL_EXIT_USAGE);
	}
	/* wl_text keeps pointers into it: the copy lives as long as the
	 * program.  It is bookkeeping memory, not the measured heap: a
	 * strdup put a block of the preset's length before the workload's
	 * first one, so that a longer preset moved every block after it
	 * (passive-false's two handed 1-byte objects landed on one cache
	 * line under glibc when a preset grew by 14 characters). */
	len = strlen(wl_self->presets[p]) + 1;
	pairs = wl_meta_alloc(len);
	memcpy(pairs, wl_self->presets[p], len);
	for (char *tok = strtok_r(pairs, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		int i;

		*eq = '\0';
		i = param_index(tok);
		set_param(i, eq + 1);
	}
}

const struct ngb_workload *wl_init(int argc, char **argv, const char *workload,
				   const char *notes)
{
	wl_self = ngb_workload_find(workload);
	if (!wl_self) {
		fprintf(stderr, "%s: workload '%s' is not registered\n",
			program_invocation_short_name, workload);
		exit(WL_EXIT_FAIL);
	}
	for (int i = 0; wl_self->params[i].name; i++) {
		if (i >= WL_MAX_PARAMS)
			abort();
		set_param(i, wl_self->params[i].def);
	}
	for (int a = 1; a < argc; a++) {
		const char *name = preset_arg(argc, argv, &a);

		if (name)
			apply_preset(name);
	}
	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a], *val;
		size_t len;
		int i;

		if (preset_arg(argc, argv, &a))
			continue;
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout, notes);
			exit(WL_EXIT_OK);
		}
		if (strncmp(arg, "--", 2)) {
			fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n",
				program_invocation_short_name, arg);
			exit(WL_EXIT_USAGE);
		}
		arg += 2;
		val = strchr(arg, '=');
		len = val ? (size_t)(val - arg) : strlen(arg);
		for (i = 0; wl_self->params[i].name; i++)
			if (strlen(wl_self->params[i].name) == len &&
			    !strncmp(wl_self->params[i].name, arg, len))
				break;
		if (!wl_self->params[i].name) {
			fprintf(stderr, "%s: unknown option '--%.*s' (see --help)\n",
				program_invocation_short_name, (int)len, arg);
			exit(WL_EXIT_USAGE);
		}
		if (val) {
			val++;
		} else if (a + 1 < argc) {
			val = argv[++a];
		} else {
			fprintf(stderr, "%s: option '--%s' needs a value\n",
				program_invocation_short_name, wl_self->params[i].name);
			exit(WL_EXIT_USAGE);
		}
		set_param(i, val);
	}
	for (int i = 0; wl_self->params[i].name; i++)
		if (!strcmp(wl_self->params[i].name, "check"))
			wl_check_level = !strcmp(wl_text[i], "full") ? WL_CHECK_FULL
					 : !strcmp(wl_text[i], "none") ? WL_CHECK_NONE
									: WL_CHECK_LIGHT;
	return wl_self;
}

long long wl_int(const char *name)
{
	return (long long)wl_num[param_index(name)];
}

size_t wl_size(const char *name)
{
	return (size_t)wl_num[param_index(name)];
}

double wl_double(const char *name)
{
	return wl_num[param_index(name)];
}

const char *wl_str(const char *name)
{
	return wl_text[param_index(name)];
}

void wl_require_le(const char *lo, const char *hi)
{
	if (wl_double(lo) > wl_double(hi)) {
		fprintf(stderr, "%s: option '--%s': %s is larger than --%s=%s\n",
			program_invocation_short_name, lo, wl_str(lo), hi, wl_str(hi));
		exit(WL_EXIT_USAGE);
	}
}

/* ------------------------------------------------------------------ */
/* clock and RNG */

double wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void wl_rng_seed(struct wl_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

/* ------------------------------------------------------------------ */
/* the self-check pattern */

/* Word w of the block's pattern: a hash of its start and size, plus w times
 * an odd constant.  Two blocks that start at different addresses (or differ
 * in size) write different bytes where they overlap. */
static inline uint64_t pattern_seed(const void *p, size_t n)
{
	uint64_t x = (uint64_t)(uintptr_t)p ^ ((uint64_t)n << 40);

	return splitmix64(&x);
}

#define PATTERN_STEP 0x9e3779b97f4a7c15ULL

unsigned char wl_pattern_byte(const void *p, size_t n, size_t i)
{
	uint64_t w = pattern_seed(p, n) + (uint64_t)(i / 8) * PATTERN_STEP;

	return (unsigned char)(w >> (8 * (i % 8)));
}

static void full_fill(void *p, size_t n)
{
	unsigned char *b = p;
	uint64_t w = pattern_seed(p, n);
	size_t i;

	for (i = 0; i + 8 <= n; i += 8, w += PATTERN_STEP)
		memcpy(b + i, &w, 8);
	for (; i < n; i++)
		b[i] = (unsigned char)(w >> (8 * (i % 8)));
}

static __attribute__((noreturn)) void report_mismatch(const void *p, size_t n, size_t i,
						      unsigned char want)
{
	const unsigned char *b = p;

	wl_fail("self-check failed: block %p (size %zu) corrupted at offset %zu "
		"(address %p): expected 0x%02x, found 0x%02x",
		p, n, i, (const void *)(b + i), want, b[i]);
}

static void full_check(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t w = pattern_seed(p, n), got;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8, w += PATTERN_STEP) {
		memcpy(&got, b + i, 8);
		if (got != w)
			break;
	}
	for (; i < n; i++) {
		unsigned char want = wl_pattern_byte(p, n, i);

		if (b[i] != want)
			report_mismatch(p, n, i, want);
	}
}

enum wl_check_level wl_check_level = WL_CHECK_LIGHT;

/* The check's slow path, for check=full and for blocks too small for
 * the light check's canaries: the full pattern; a byte that does not hold
 * is reported with its offset.  check=none never comes here (wl_fill and
 * wl_check return inline). */
void wl_fill_slow(void *p, size_t n)
{
	full_fill(p, n);
}

void wl_check_slow(const void *p, size_t n)
{
	full_check(p, n);
}

/* Bytes [from, to) of a light-checked block: byte i holds byte
 * (i - base) % 8 of the key. */
static void light_range(const void *p, size_t n, uint64_t k, size_t base, size_t from,
			size_t to)
{
	const unsigned char *b = p;

	for (size_t i = from; i < to; i++) {
		unsigned char want = (unsigned char)(k >> (8 * ((i - base) & 7)));

		if (b[i] != want)
			report_mismatch(p, n, i, want);
	}
}

void wl_light_mismatch(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t k = wl_light_key(p, n);

	if (n < WL_LIGHT_SMALL) {
		light_range(p, n, k, 0, 0, n);
	} else {
		size_t tail = n >= WL_LIGHT_PAGE + 24 ? n - 16 : wl_light_tail(n, k);

		light_range(p, n, k, 0, 0, 16);
		light_range(p, n, k, tail, tail, tail + 16);
	}
	/* The page words: k + offset. */
	for (size_t off = WL_LIGHT_PAGE; off + 8 + 16 <= n; off += WL_LIGHT_PAGE)
		for (size_t i = 0; i < 8; i++)
			if (b[off + i] != (unsigned char)((k + off) >> (8 * i)))
				report_mismatch(p, n, off + i, (unsigned char)((k + off) >> (8 * i)));
	wl_fail("self-check failed: block %p (size %zu): a canary changed", p, n);
}

static __attribute__((noreturn)) void vreport(int code, const char *fmt, va_list ap)
{
	char buf[1024];
	int len = snprintf(buf, sizeof(buf), "%s: ", program_invocation_short_name);

	vsnprintf(buf + len, sizeof(buf) - len - 1, fmt, ap);
	len = strlen(buf);
	buf[len++] = '\n';
	/* write(2), not stdio: other threads may hold stdio locks or be in the
	 * middle of a broken allocator. */
	if (write(STDERR_FILENO, buf, len) < 0)
		_exit(code);
	_exit(code);
}

void wl_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(WL_EXIT_FAIL, fmt, ap);
}

void wl_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(WL_EXIT_SKIP, fmt, ap);
}

/* ------------------------------------------------------------------ */
/* bookkeeping memory, RSS, result */

void *wl_meta_alloc(size_t n)
{
	void *p;

	if (n == 0)
		n = 1;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		wl_skip("cannot map %zu bytes for bookkeeping: %s", n, strerror(errno));
	return p;
}

void wl_meta_free(void *p, size_t n)
{
	if (p)
		munmap(p, n ? n : 1);
}

static size_t status_kb(const char *key)
{
	/* Read with read(2) into a stack buffer: no allocation. */
	char buf[4096];
	size_t klen = strlen(key);
	ssize_t len;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = 0;
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return (size_t)strtoull(line + klen + 1, NULL, 10) * 1024;
	return 0;
}

size_t wl_rss_now(void)
{
	return status_kb("VmRSS");
}

size_t wl_rss_peak(void)
{
	return status_kb("VmHWM");
}

int wl_rss_reset_peak(void)
{
	/* "5" resets the peak RSS (Documentation/filesystems/proc.rst). */
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC), rc = -1;

	if (fd >= 0) {
		rc = write(fd, "5", 1) == 1 ? 0 : -1;
		close(fd);
	}
	return rc;
}

/*
 * @value with 9 significant digits as "d.dddddddde+ddd" (a '-' before it
 * if negative), written in @out and returned (from out or out + 1), which strtod and the harness read back, in the same
 * instructions for every normal number: printf's "%.9g" takes a few more or
 * fewer for different digits, and a workload prints its measured time, so
 * two identical simulated trials differed by that (perfmon/README.md).  No
 * branch depends on the value: the decimal exponent comes from the binary
 * one (floor(e2 * log10(2)) = (e2 * 78913) >> 18 for |e2| <= 1650), the
 * value is scaled by exact powers of ten to 9 digits before the point and
 * corrected by one step arithmetically, and the digits come out of a fixed
 * loop.  Zero, subnormals, infinities and NaN go to printf.
 */
static const char *format_9_digits(double value, char out[24])
{
	static const double p10_lo[16] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
		1e14, 1e15,
	};
	static const double p10_hi[39] = {	/* 10^(16 i - 304) */
		1e-304, 1e-288, 1e-272, 1e-256, 1e-240, 1e-224, 1e-208, 1e-192, 1e-176,
		1e-160, 1e-144, 1e-128, 1e-112, 1e-96, 1e-80, 1e-64, 1e-48, 1e-32, 1e-16,
		1e0, 1e16, 1e32, 1e48, 1e64, 1e80, 1e96, 1e112, 1e128, 1e144, 1e160,
		1e176, 1e192, 1e208, 1e224, 1e240, 1e256, 1e272, 1e288, 1e304,
	};
	uint64_t bits;
	int64_t n, rounded, big, big2;
	int e2, e10, k, neg, i;
	double x, hi, lo;
	char *p;

	memcpy(&bits, &value, sizeof(bits));
	e2 = (int)((bits >> 52) & 0x7ff) - 1023;
	if (e2 == -1023 || e2 == 1024) {
		snprintf(out, 24, "%.9g", value);
		return out;
	}
	neg = (int)(bits >> 63);
	/* 10^e10 <= |value| < 10^(e10 + 2); the shift of a positive number */
	e10 = (int)(((int64_t)e2 * 78913 + ((int64_t)1 << 40)) >> 18) - (1 << 22);
	/* |value| * 10^k with k = 8 - e10 in [-299, 316]: in [1e8, 1e10) */
	k = 8 - e10 + 304;
	/* every entry is read, so that which cache lines the tables cost does
	 * not depend on the value either: a simulated miss moved by one
	 * between two trials whose times differed by a power of two */
	hi = 0;
	for (i = 0; i < 39; i++)
		hi += p10_hi[i] * (double)(i == k / 16);
	lo = 0;
	for (i = 0; i < 16; i++)
		lo += p10_lo[i] * (double)(i == k % 16);
	x = fabs(value) * hi * lo;
	/* (signed conversions and selection by multiplying: no branch) */
	rounded = (int64_t)(x + 0.5);
	big = rounded >= 1000000000;
	n = rounded + ((int64_t)(x / 10 + 0.5) - rounded) * big;
	/* x / 10 may round up to 10^9 */
	big2 = n >= 1000000000;
	n /= 1 + 9 * big2;
	e10 += (int)(big + big2);

	out[0] = '-';
	p = out + 1;
	for (i = 9; i >= 1; i--) {
		p[i] = (char)('0' + n % 10);
		n /= 10;
	}
	p[0] = p[1];
	p[1] = '.';
	p[10] = 'e';
	p[11] = (char)('+' + ('-' - '+') * (e10 < 0));
	e10 *= 1 - 2 * (e10 < 0);
	p[12] = (char)('0' + e10 / 100);
	p[13] = (char)('0' + e10 / 10 % 10);
	p[14] = (char)('0' + e10 % 10);
	p[15] = '\0';
	return p - neg;
}

void wl_result(const char *metric, double value, const char *unit, int higher,
	       const char *extra_fmt, ...)
{
	char number[24];
	va_list ap;

	printf(NGB_RESULT_PREFIX " metric=%s value=%s unit=%s better=%s", metric,
	       format_9_digits(value, number), unit,
	       higher ? "higher" : "lower");
	if (extra_fmt) {
		va_start(ap, extra_fmt);
		vprintf(extra_fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
}

struct start_line {
	pthread_barrier_t barrier;
	void (*setup)(void *);
	void (*run)(void *);
};

struct thread_start {
	struct start_line *line;
	void *arg;
	double start;
};

static void *thread_main(void *p)
{
	struct thread_start *ts = p;

	if (ts->line->setup)
		ts->line->setup(ts->arg);
	pthread_barrier_wait(&ts->line->barrier);
	ts->start = wl_now();
	ts->line->run(ts->arg);
	return NULL;
}

double wl_run_threads(int n, void (*setup)(void *), void (*run)(void *), void *arg_base,
		      size_t arg_size)
{
	struct start_line line = { .setup = setup, .run = run };
	pthread_t *tid = wl_meta_alloc(sizeof(*tid) * n);
	struct thread_start *ts = wl_meta_alloc(sizeof(*ts) * n);
	double t0, t1;
	int err;

	pthread_barrier_init(&line.barrier, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		ts[i].line = &line;
		ts[i].arg = (char *)arg_base + (size_t)i * arg_size;
		err = pthread_create(&tid[i], NULL, thread_main, &ts[i]);
		if (err)
			wl_skip("cannot create thread %d of %d: %s", i + 1, n, strerror(err));
	}
	/* The clock starts when the first thread leaves the start line, read
	 * by the threads themselves: on a busy machine the main thread may
	 * wake after its workers, even after they have finished, and its own
	 * clock would then miss their work. */
	pthread_barrier_wait(&line.barrier);
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	t1 = wl_now();
	t0 = t1;
	for (int i = 0; i < n; i++)
		if (ts[i].start < t0)
			t0 = ts[i].start;
	pthread_barrier_destroy(&line.barrier);
	wl_meta_free(ts, sizeof(*ts) * n);
	wl_meta_free(tid, sizeof(*tid) * n);
	return t1 - t0;
}

struct as_created {
	void (*run)(void *);
	void *arg;
};

static void *as_created_main(void *p)
{
	struct as_created *a = p;

	a->run(a->arg);
	return NULL;
}

double wl_run_threads_as_created(int n, void (*run)(void *), void *arg_base, size_t arg_size)
{
	pthread_t *tid = wl_meta_alloc(sizeof(*tid) * n);
	struct as_created *a = wl_meta_alloc(sizeof(*a) * n);
	double t0, t1;
	int err;

	t0 = wl_now();
	for (int i = 0; i < n; i++) {
		a[i].run = run;
		a[i].arg = (char *)arg_base + (size_t)i * arg_size;
		err = pthread_create(&tid[i], NULL, as_created_main, &a[i]);
		if (err)
			wl_skip("cannot create thread %d of %d: %s", i + 1, n, strerror(err));
	}
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	t1 = wl_now();
	wl_meta_free(a, sizeof(*a) * n);
	wl_meta_free(tid, sizeof(*tid) * n);
	return t1 - t0;
}
