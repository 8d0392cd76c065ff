/*
 * tests/tap.h - a small TAP producer with typed assertions.
 *
 * One test program per file; each prints a plan and "ok"/"not ok" lines that
 * automake's tap-driver.sh reads.  Assertions print both values on failure,
 * in the manner of jemalloc's expect_zu_eq.  A test that cannot run here is
 * skipped (tap_skip / tap_skip_all), never passed.
 */
#ifndef NGBENCH_TESTS_TAP_H
#define NGBENCH_TESTS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline void tap_plan(int n)
{
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	fflush(stdout);
	exit(0);
}

static inline int tap_ok_(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

static inline void tap_skip(int n, const char *why)
{
	while (n-- > 0)
		printf("ok %d # skip %s\n", ++tap_count, why);
	fflush(stdout);
}

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/*
 * A template for mkstemp or mkdtemp in the scratch folder the user chose:
 * buf gets "$TMPDIR/NAME-XXXXXX" ("/tmp" when TMPDIR is unset or empty), as
 * the shell tests' mktemp does.  A folder name too long for buf ends the
 * program with a bail-out that says so.
 */
static inline char *tap_tmp_template(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("TMPDIR");
	int n;

	if (!dir || !*dir)
		dir = "/tmp";
	n = snprintf(buf, len, "%s/%s-XXXXXX", dir, name);
	if (n < 0 || (size_t)n >= len) {
		printf("Bail out! TMPDIR '%s' is too long for a temporary file's name\n", dir);
		exit(1);
	}
	return buf;
}

/* Ends the program: exit status 1 when any assertion failed. */
static inline int tap_done(void)
{
	return tap_failed ? 1 : 0;
}

#define ok(cond, ...) tap_ok_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define expect_int_eq(a, b, ...)                                                   \
	do {                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                \
		if (!tap_ok_(a_ == b_, __FILE__, __LINE__, __VA_ARGS__))           \
			tap_diag("  %s = %lld, expected %s = %lld", #a, a_, #b, b_); \
	} while (0)

#define expect_u64_eq(a, b, ...)                                                   \
	do {                                                                       \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                   \
		if (!tap_ok_(a_ == b_, __FILE__, __LINE__, __VA_ARGS__))           \
			tap_diag("  %s = %" PRIu64 ", expected %s = %" PRIu64,     \
				 #a, a_, #b, b_);                                  \
	} while (0)

#define expect_dbl_near(a, b, eps, ...)                                            \
	do {                                                                       \
		double a_ = (double)(a), b_ = (double)(b);                         \
		double d_ = a_ > b_ ? a_ - b_ : b_ - a_;                           \
		if (!tap_ok_(d_ <= (eps), __FILE__, __LINE__, __VA_ARGS__))        \
			tap_diag("  %s = %.17g, expected %s = %.17g (+-%g)",       \
				 #a, a_, #b, b_, (double)(eps));                   \
	} while (0)

#define expect_str_eq(a, b, ...)                                                   \
	do {                                                                       \
		const char *a_ = (a), *b_ = (b);                                   \
		int eq_ = a_ && b_ ? strcmp(a_, b_) == 0 : a_ == b_;               \
		if (!tap_ok_(eq_, __FILE__, __LINE__, __VA_ARGS__))                \
			tap_diag("  %s = \"%s\", expected \"%s\"", #a,             \
				 a_ ? a_ : "(null)", b_ ? b_ : "(null)");          \
	} while (0)

#define expect_str_contains(hay, needle, ...)                                      \
	do {                                                                       \
		const char *h_ = (hay), *n_ = (needle);                            \
		int in_ = h_ && n_ && strstr(h_, n_) != NULL;                      \
		if (!tap_ok_(in_, __FILE__, __LINE__, __VA_ARGS__))                \
			tap_diag("  \"%s\" does not contain \"%s\"",               \
				 h_ ? h_ : "(null)", n_ ? n_ : "(null)");          \
	} while (0)

#endif /* NGBENCH_TESTS_TAP_H */
