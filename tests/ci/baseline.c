/*
 * tests/ci/baseline.c - baseline files and the CI gate on made-up cells:
 * the file round-trips byte for byte (escaped names included), a bad file
 * is refused with its line, and the gate's verdicts follow its rule
 * (reports/gate.c): a deterministic simulated cell may rise by the
 * threshold, a noisy one by the threshold plus its baseline's spread; a
 * 1 % rise is a regression at 0.5 %, 0.4 % is not; another geometry or
 * machine is refused unless forced; a missing cell fails, a new one does
 * not; timed cells follow compare.  A baseline cell that lacks a parameter
 * the session ran at the registry's default is the session's cell (a
 * size default "4K" given as 4096 too); at another value, or a parameter
 * the registry does not know, it is not.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngbench/report.h"
#include "tap.h"

#define HEAD                                                                                 \
	"format = 1\nsource = session 1\nngbench = 0.1.0\ncommit = abc\ncpu = AMD EPYC\n"   \
	"cores = 2\nkernel = Linux 6.1\nos = Debian GNU/Linux 12 (bookworm)\nlibc = 2.36\n"

#define SIMCELL(alloc, geo, ir, irmin, irmax)                                                \
	"\n[cell]\nworkload = threadtest\nparams = {\"iterations\":\"20\"}\nthreads = 1\n"     \
	"allocator = " alloc "\nallocator-version = 1\ncounters = sim\ngeometry = " geo "\n"  \
	"metric = seconds\nunit = s\nbetter = lower\nruns = 3\nper = run\n"                    \
	"instructions = " ir " min " irmin " max " irmax "\n"                                  \
	"D1-misses = 1000 min 1000 max 1000\nLL-misses = 100 min 100 max 100\n"

/* A simulated cell whose last-level misses are given, their runs agreeing. */
#define SIMCELL_LL(alloc, ir, irmin, irmax, ll)                                              \
	"\n[cell]\nworkload = threadtest\nparams = {\"iterations\":\"20\"}\nthreads = 1\n"     \
	"allocator = " alloc "\nallocator-version = 1\ncounters = sim\ngeometry = " GEO "\n"  \
	"metric = seconds\nunit = s\nbetter = lower\nruns = 3\nper = run\n"                    \
	"instructions = " ir " min " irmin " max " irmax "\n"                                  \
	"D1-misses = 1000 min 1000 max 1000\nLL-misses = " ll " min " ll " max " ll "\n"

#define GEO "I1=32768,8,64 D1=32768,8,64 LL=8388608,16,64 model=client"

/* a simulated cell of the redis workload with these parameters (JSON) */
#define REDIS(params)                                                                        \
	HEAD "\n[cell]\nworkload = redis\nparams = " params "\nthreads = 1\n"                  \
	"allocator = hoard\ncounters = sim\ngeometry = " GEO "\nmetric = seconds\n"            \
	"better = lower\nruns = 3\nper = run\ninstructions = 1000 min 1000 max 1000\n"         \
	"D1-misses = 10 min 10 max 10\nLL-misses = 1 min 1 max 1\n"

static struct ngb_baseline *parse(const char *text)
{
	struct ngb_baseline *b = NULL;
	struct ngb_err e;

	if (ngb_baseline_parse(text, "test", &b, &e))
		tap_diag("parse: %s", e.msg);
	return b;
}

static enum ngb_gate_verdict verdict1(const char *base, const char *cur, int force, int *rc)
{
	struct ngb_gate_options o = { 0.005, { .stat = NGB_STAT_P25, .min_effect = 0.05, .conf = 0.95 },
				       force, 1 };
	struct ngb_baseline *b = parse(base), *c = parse(cur);
	struct ngb_gate *g = NULL;
	enum ngb_gate_verdict v = NGB_GATE_NEW;
	struct ngb_err e;
	size_t i;

	*rc = b && c ? ngb_gate_run(b, c, &o, &g, &e) : -EINVAL;
	if (g) {
		/* the failing verdict if any (a missing cell comes with a new one) */
		for (i = NGB_GATE_PASS; i <= NGB_GATE_REFUSED; i++)
			if (ngb_gate_count(g, i) && (v == NGB_GATE_NEW || ngb_gate_verdict_fails(i)))
				v = i;
		ngb_gate_free(g);
	}
	ngb_baseline_free(b);
	ngb_baseline_free(c);
	return v;
}

/* Sessions judged by a baseline cell of redis without max-size. */
static const struct {
	const char *session;
	enum ngb_gate_verdict verdict;
	const char *what;
} older[] = {
	{ REDIS("{\"max-size\":\"4K\",\"requests\":\"5\"}"), NGB_GATE_PASS,
	  "a baseline without max-size stands for the session's 4K cell" },
	{ REDIS("{\"max-size\":\"4096\",\"requests\":\"5\"}"), NGB_GATE_PASS,
	  "and for max-size=4096, the same size" },
	{ REDIS("{\"max-size\":\"8K\",\"requests\":\"5\"}"), NGB_GATE_MISSING,
	  "not for max-size=8K" },
	{ REDIS("{\"max-size\":\"4K\",\"requests\":\"6\"}"), NGB_GATE_MISSING,
	  "nor when a parameter both have differs" },
	{ REDIS("{\"colour\":\"4K\",\"requests\":\"5\"}"), NGB_GATE_MISSING,
	  "nor for a parameter the registry does not know" },
};

static char *to_text(const struct ngb_baseline *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ngb_err e;

	ngb_baseline_write(b, f, &e);
	fclose(f);
	return buf;
}

int main(void)
{
	const char *base = HEAD SIMCELL("hoard", GEO, "1000000", "1000000", "1000000");
	const char *noisy = HEAD SIMCELL("nextgen", GEO, "1000000", "990000", "1010000");
	struct ngb_baseline *b, *b2;
	struct ngb_err e;
	char *t1, *t2, *xml = NULL;
	size_t xlen = 0;
	int rc;

	tap_plan(39);

	/* the gate on simulated counts */
	expect_int_eq(verdict1(base, base, 0, &rc), NGB_GATE_PASS, "identical counts pass");
	expect_int_eq(verdict1(base, HEAD SIMCELL("hoard", GEO, "1010000", "1010000", "1010000"), 0,
			       &rc), NGB_GATE_REGRESSION, "+1 %% instructions is a regression at 0.5 %%");
	expect_int_eq(verdict1(base, HEAD SIMCELL("hoard", GEO, "1004000", "1004000", "1004000"), 0,
			       &rc), NGB_GATE_PASS, "+0.4 %% passes");
	expect_int_eq(verdict1(base, HEAD SIMCELL("hoard", GEO, "990000", "990000", "990000"), 0,
			       &rc), NGB_GATE_BETTER, "-1 %% is better (not a failure)");
	expect_int_eq(verdict1(noisy, HEAD SIMCELL("nextgen", GEO, "1040000", "1040000", "1040000"),
			       0, &rc), NGB_GATE_PASS,
		      "a baseline range of 2 %% allows +4 %% (limit 0.5 %% + 2 x 2 %%)");
	expect_int_eq(verdict1(noisy, HEAD SIMCELL("nextgen", GEO, "1050000", "1050000", "1050000"),
			       0, &rc), NGB_GATE_REGRESSION, "but not +5 %%");
	expect_int_eq(verdict1(HEAD SIMCELL_LL("nextgen", "1000000", "990000", "1010000", "10000"),
			       HEAD SIMCELL_LL("nextgen", "1000000", "1000000", "1000000", "10300"),
			       0, &rc), NGB_GATE_PASS,
		      "where instructions vary by 2 %%, misses whose runs agreed may rise +3 %% too");
	expect_int_eq(verdict1(HEAD SIMCELL_LL("nextgen", "1000000", "990000", "1010000", "10000"),
			       HEAD SIMCELL_LL("nextgen", "1000000", "1000000", "1000000", "10500"),
			       0, &rc), NGB_GATE_REGRESSION, "but not +5 %%");
	expect_int_eq(verdict1(HEAD SIMCELL_LL("hoard", "1000000", "1000000", "1000000", "10000"),
			       HEAD SIMCELL_LL("hoard", "1000000", "1000000", "1000000", "10100"),
			       0, &rc), NGB_GATE_REGRESSION,
		      "where instructions agree, +1 %% misses is a regression");
	expect_int_eq(verdict1(base, HEAD SIMCELL("hoard", "I1=32768,8,64 D1=32768,8,64 "
						   "LL=33554432,16,64 model=server", "1000000",
						   "1000000", "1000000"), 0, &rc),
		      NGB_GATE_REFUSED, "another geometry is refused");
	expect_int_eq(verdict1(base, HEAD SIMCELL("hoard", "I1=32768,8,64 D1=32768,8,64 "
						   "LL=33554432,16,64 model=server", "1000000",
						   "1000000", "1000000"), 1, &rc),
		      NGB_GATE_PASS, "unless forced");
	expect_int_eq(verdict1(base, HEAD SIMCELL("mimalloc", GEO, "1", "1", "1"), 0, &rc),
		      NGB_GATE_MISSING, "a cell of the baseline missing from the session: missing");

	/* a baseline older than a parameter: redis's max-size defaults to 4K */
	for (size_t i = 0; i < sizeof(older) / sizeof(older[0]); i++)
		expect_int_eq(verdict1(REDIS("{\"requests\":\"5\"}"), older[i].session, 0, &rc),
			      older[i].verdict, "%s", older[i].what);

	/* the machine */
	{
		const char *other_cpu = "format = 1\ncpu = Intel Xeon\ncores = 64\nkernel = Linux 5.4\n"
					"os = Debian GNU/Linux 12 (bookworm)\nlibc = 2.36\n"
					SIMCELL("hoard", GEO, "1000000", "1000000", "1000000");
		const char *other_libc = "format = 1\ncpu = AMD EPYC\ncores = 2\nkernel = Linux 6.1\n"
					 "os = Debian GNU/Linux 12 (bookworm)\nlibc = 2.41\n"
					 SIMCELL("hoard", GEO, "1000000", "1000000", "1000000");

		expect_int_eq(verdict1(base, other_cpu, 0, &rc), NGB_GATE_PASS,
			      "simulated cells do not care about the CPU, cores or kernel");
		verdict1(base, other_libc, 0, &rc);
		expect_int_eq(rc, -EXDEV, "another libc is refused (instruction counts depend on it)");
		verdict1(base, other_libc, 1, &rc);
		expect_int_eq(rc, 0, "unless forced");
	}
	{
		const char *tb = HEAD "\n[cell]\nworkload = threadtest\nparams = {}\nthreads = 1\n"
				 "allocator = hoard\ncounters = none\nmetric = seconds\nbetter = lower\n"
				 "runs = 10\nvalues = 1 1.01 1.02 0.99 1 1.03 1.01 0.98 1 1.02\n";
		const char *slow = HEAD "\n[cell]\nworkload = threadtest\nparams = {}\nthreads = 1\n"
				   "allocator = hoard\ncounters = none\nmetric = seconds\nbetter = lower\n"
				   "runs = 10\nvalues = 1.3 1.31 1.32 1.29 1.3 1.33 1.31 1.28 1.3 1.32\n";
		const char *moved = "format = 1\ncpu = Intel Xeon\ncores = 2\nkernel = Linux 6.1\n"
				    "os = Debian GNU/Linux 12 (bookworm)\nlibc = 2.36\n"
				    "\n[cell]\nworkload = threadtest\nparams = {}\nthreads = 1\n"
				    "allocator = hoard\ncounters = none\nmetric = seconds\n"
				    "better = lower\nruns = 1\nvalues = 1\n";

		expect_int_eq(verdict1(tb, tb, 0, &rc), NGB_GATE_PASS, "timed: the same runs pass");
		expect_int_eq(verdict1(tb, slow, 0, &rc), NGB_GATE_REGRESSION,
			      "timed: 30 %% slower is a regression");
		verdict1(tb, moved, 0, &rc);
		expect_int_eq(rc, -EXDEV, "timed cells on another CPU are refused");
	}

	/* the file */
	b = parse(HEAD "\n[cell]\nworkload = odd\\x0aname\\x5c\nparams = {}\nthreads = 2\n"
		       "allocator = /opt/lib\\x5cmy.so\ncounters = hw\nmetric = ops\nbetter = higher\n"
		       "runs = 3\nvalues = 3 1 2\n");
	ok(b && b->ncells == 1 && !strcmp(b->cells[0].workload, "odd\nname\\"),
	   "escaped names are read back");
	ok(b && b->cells[0].nvalues == 3 && b->cells[0].values[0] == 1 && b->cells[0].values[2] == 3,
	   "values are read and sorted");
	t1 = b ? to_text(b) : NULL;
	b2 = t1 ? parse(t1) : NULL;
	t2 = b2 ? to_text(b2) : NULL;
	ok(t1 && t2 && !strcmp(t1, t2), "written, read and written again: the same bytes");
	ok(t1 && strstr(t1, "workload = odd\\x0aname\\x5c\n"), "a newline in a name stays on one line");
	free(t1);
	free(t2);
	ngb_baseline_free(b);
	ngb_baseline_free(b2);

	/* a control: named in the head, ratios and unpaired runs kept */
	b = parse(HEAD "control = ptmalloc2\n\n[cell]\nworkload = larson\nparams = {}\nthreads = 1\n"
		  "allocator = hoard\ncounters = none\nmetric = ops\nbetter = higher\nruns = 4\n"
		  "unpaired = 1\nvalues = 1.1 0.9 1\n");
	ok(b && b->control && !strcmp(b->control, "ptmalloc2") && b->cells[0].unpaired == 1 &&
	   b->cells[0].nvalues == 3, "a control and unpaired runs are read");
	t1 = b ? to_text(b) : NULL;
	ok(t1 && strstr(t1, "libc = 2.36\ncontrol = ptmalloc2\n") && strstr(t1, "unpaired = 1\n"),
	   "and written back");
	free(t1);
	ngb_baseline_free(b);

	expect_int_eq(ngb_baseline_parse(HEAD "colour = blue\n", "f", &b, &e), -EINVAL,
		      "an unknown key is refused");
	expect_str_contains(e.msg, "line 10", "with its line");
	expect_int_eq(ngb_baseline_parse(HEAD SIMCELL("hoard", GEO, "1", "1", "1")
					 SIMCELL("mimalloc", GEO, "1", "1", "1")
					 SIMCELL("hoard", GEO, "2", "2", "2"), "f", &b, &e),
		      -EINVAL, "the same cell twice is refused");
	expect_str_contains(e.msg, "cells 1 and 3 are the same cell", "naming both cells");
	expect_int_eq(ngb_baseline_parse(HEAD SIMCELL("hoard", GEO, "1", "1", "1")
					 SIMCELL("mimalloc", GEO, "1", "1", "1"), "f", &b, &e),
		      0, "two cells of different allocators are read");
	ngb_baseline_free(b);
	expect_int_eq(ngb_baseline_parse("format = 2\n", "f", &b, &e), -EINVAL,
		      "a newer format is refused");
	expect_int_eq(ngb_baseline_parse("# nothing\n", "f", &b, &e), -EINVAL,
		      "a file without a format line is refused");

	/* JUnit: one testcase per cell, a failure for a regression, names escaped */
	{
		struct ngb_gate_options o = {
			0.005, { .stat = NGB_STAT_P25, .min_effect = 0.05, .conf = 0.95 }, 0, 1
		};
		struct ngb_baseline *bb = parse(HEAD SIMCELL("<x&y>", GEO, "100", "100", "100"));
		struct ngb_baseline *cc = parse(HEAD SIMCELL("<x&y>", GEO, "200", "200", "200"));
		struct ngb_gate *g = NULL;
		FILE *f = open_memstream(&xml, &xlen);

		if (bb && cc && !ngb_gate_run(bb, cc, &o, &g, &e))
			ngb_gate_write_junit(g, "suite", f, &e);
		fclose(f);
		ok(xml && strstr(xml, "<failure type=\"regression\""), "JUnit: the regression is a failure");
		ok(xml && strstr(xml, "&lt;x&amp;y&gt;") && !strstr(xml, "<x&y>"),
		   "JUnit: the allocator's name is escaped");
		ok(g && ngb_gate_failed(g), "the gate failed");
		ngb_gate_free(g);
		ngb_baseline_free(bb);
		ngb_baseline_free(cc);
		free(xml);
	}
	return tap_done();
}
