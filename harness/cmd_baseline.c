/*
 * harness/cmd_baseline.c - ngbench baseline save: a session's cells as a
 * baseline file for git (reports/baseline.c has the format), taken from a
 * stored session or from a fresh run of an experiment.
 *
 * Also the two steps that 'ngbench ci' and 'ngbench compare
 * --baseline-file' share with it: running an experiment as one labelled
 * session, and judging a session against a baseline file.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "../lib/options.h"
#include "ngbench/report.h"
#include "ngbench/store.h"

static const char baseline_synopsis[] =
	"usage: ngbench baseline save (--experiment=NAME | --session=SEL) -o FILE [OPTIONS]\n"
	"   or: ngbench baseline show FILE\n"
	"\n"
	"save writes a baseline file: per cell (workload x parameters x threads x\n"
	"allocator x counter mode) the runs' values (timed cells) or the median,\n"
	"smallest and largest instructions and D1 / last-level misses (simulated cells,\n"
	"per operation when the workload reports 'ops', else per run), with the machine\n"
	"fingerprint (CPU, cores, kernel, OS, libc), the cache geometry and the versions\n"
	"(allocators, ngbench and its commit).  The file is small, stable and meant for\n"
	"git: 'ngbench ci' and 'ngbench compare --baseline-file' judge later sessions\n"
	"against it.  With --experiment the experiment is run first (one session).\n"
	"show checks a baseline file and lists its cells.\n"
	"\n";

static const char baseline_epilogue[] =
	"Exit status: 0, 1 when the run had failed trials or the file cannot be written\n"
	"(a baseline is then not written), 2 for bad usage.\n"
	"\n"
	"Example:\n"
	"  ngbench baseline save --experiment=ci-sim -r 8 --cpus=0 -o data/baselines/ci-sim.baseline\n";

int ci_run_experiment(const char *cmd, const char *experiment, const char *label, const char *db,
		      const char *reps, const char *allocs, const char *cpus, int quiet)
{
	struct run_config cfg;
	int rc = 0;

	run_config_init(&cfg, cmd);
	cfg.experiment = experiment;
	cfg.label = label;
	cfg.db = db;
	cfg.quiet = quiet;
	if (reps)
		rc = run_config_repetitions(&cfg, reps);
	if (!rc && allocs)
		rc = run_config_allocators(&cfg, allocs);
	if (!rc && cpus)
		rc = run_config_cpus(&cfg, cpus);
	if (!rc)
		rc = engine_run(&cfg);
	run_config_release(&cfg);
	return rc;
}

/* This machine, as 'ngbench run' records it (machine_fingerprint()), in the
 * terms of a baseline file. */
void ci_machine_fingerprint(struct ngb_baseline *here)
{
	struct machine_fp fp;
	struct ngb_session_info si;

	machine_fingerprint(&fp);
	machine_session_facts(&fp, &si);
	memset(here, 0, sizeof(*here));
	here->cpu_model = xstrdup(si.cpu_model);
	here->os = xstrdup(si.os);
	here->kernel = xstrdup(si.kernel);
	here->libc = xstrdup(si.libc);
	here->cores = si.cores;
	machine_fp_release(&fp);
}

/*
 * Runs of one timed cell more than STALL_FACTOR from the cell's median: this
 * machine's runs spread by 15-25 %, so such a run was stalled (CI once had
 * three 3 ms runs of a baseline take 3.5 s), or the program itself is
 * bimodal.  When they are a tenth of the cell's runs or more (three of ten
 * hid a several-fold slowdown from the gate there) the cell is named, once,
 * on stderr, with what to do; one such run among hundreds moves no median.
 */
#define STALL_FACTOR 3.0

static void stall_notes(const struct ngb_baseline *b, const char *what, const char *todo)
{
	size_t i, j;

	for (i = 0; i < b->ncells; i++) {
		const struct ngb_baseline_cell *c = &b->cells[i];
		size_t far = 0;
		double med;

		if (c->have_sim || c->nvalues < 3)
			continue;
		med = ngb_quantile_sorted(c->values, c->nvalues, 0.5);   /* they are sorted */
		if (!(med > 0))
			continue;
		for (j = 0; j < c->nvalues; j++)
			far += c->values[j] > med * STALL_FACTOR || c->values[j] < med / STALL_FACTOR;
		if (far && far * 10 >= c->nvalues)
			fprintf(stderr, "note: %s: %s t=%d %s: %zu of %zu runs lie more than %gx from "
				"the cell's median (%.4g): the machine stalled while they ran, or the "
				"program is bimodal; a slowdown may not be told from such runs: %s\n",
				what, c->workload, c->threads, c->allocator, far, c->nvalues,
				STALL_FACTOR, med, todo);
	}
}

/* The options of 'baseline save', which its --help shows. */
#define SAVE_OPTIONS(xname, sel, control, outp, reps, allocs, cpus, label, db, quiet) { \
	OPT_STRING('x', "experiment", xname, "NAME", \
		   "run this experiment (name or INI path) and save its\nsession"), \
	OPT_STRING('s', "session", sel, "SEL", \
		   "save a stored session instead (number, label or\n'latest')"), \
	OPT_STRING(0, "control", control, "ALLOC", \
		   "timed cells: keep each run's metric over that of this\n" \
		   "allocator's run in the same round (it must be among the\n" \
		   "experiment's allocators); the gate then judges these\n" \
		   "ratios, which the machine's drift between sessions does\n" \
		   "not move (docs/ci.md); its own cells are not kept;\n" \
		   "default: the experiment's 'control', if it has one; a\n" \
		   "library given by path is named by its file name, or\n" \
		   "NAME of NAME=PATH"), \
	OPT_STRING('o', "output", outp, "FILE", \
		   "the baseline file to write ('-': standard output)"), \
	OPT_STRING('r', "repetitions", reps, "N", \
		   "with --experiment: override its repetitions (a baseline\n" \
		   "with more runs knows a noisy allocator's spread better);\n" \
		   "default: the experiment's 'baseline-repetitions', if any"), \
	OPT_STRING('a', "allocator", allocs, "LIST", "with --experiment: narrow its allocators"), \
	OPT_STRING(0, "cpus", cpus, "LIST", \
		   "with --experiment: pin the trials (as 'ngbench run')"), \
	OPT_STRING('l', "label", label, "TEXT", "with --experiment: the session's label"), \
	OPT_PATH(0, "db", db, "PATH", "the database"), \
	OPT_FLAG('q', "quiet", quiet, "no progress line"), \
	OPT_END(), \
}

static void baseline_help(FILE *f)
{
	const struct ngb_option opts[] = SAVE_OPTIONS(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
						      NULL, NULL);
	const struct ngb_command cmd = { "baseline", baseline_synopsis, baseline_epilogue, opts, 0 };

	ngb_options_usage(&cmd, f);
}

static int save(int argc, const char **argv)
{
	const char *xname = NULL, *sel = NULL, *outp = NULL, *reps = NULL, *allocs = NULL;
	const char *cpus = NULL, *label = NULL, *db = NULL, *control = NULL;
	int quiet = 0;
	const struct ngb_option opts[] = SAVE_OPTIONS(&xname, &sel, &control, &outp, &reps, &allocs,
						      &cpus, &label, &db, &quiet);
	const struct ngb_command cmd = { "baseline", baseline_synopsis, baseline_epilogue, opts, 0 };
	char *xreps = NULL, *xcontrol = NULL; /* from the experiment file */
	char *control_name = NULL;
	struct ngb_baseline *b = NULL;
	struct ngb_store *st = NULL;
	struct ngb_err e;
	char *lab = NULL;
	int64_t sid;
	int first = ngb_parse_options(&cmd, argc, argv), run_rc = 0, rc;
	FILE *out;

	if (first < 0)
		return ngb_options_exit(first);
	if (first != argc)
		return usage_error("baseline", "unexpected argument '%s'", argv[first]);
	if (!xname == !sel)
		return usage_error("baseline", "give one of --experiment=NAME (run it) or "
				   "--session=SEL (a stored session)");
	if (!outp)
		return usage_error("baseline", "give the file to write: -o FILE");
	if (sel && (reps || allocs || cpus || label))
		return usage_error("baseline", "--repetitions, --allocator, --cpus and --label go "
				   "with --experiment");
	if (xname) {
		char *now = now_iso8601();
		struct experiment x;

		/* the experiment's own defaults for a baseline, unless given here */
		rc = experiment_load(xname, &x);
		if (rc) {
			experiment_release(&x);
			free(now);
			return rc;
		}
		if (!reps && x.baseline_reps) {
			xreps = xasprintf("%ld", x.baseline_reps);
			reps = xreps;
		}
		if (!control && x.control) {
			xcontrol = xstrdup(x.control);
			control = xcontrol;
		}
		if (!quiet && (xreps || xcontrol))
			fprintf(stderr, "baseline: %s%s%s%s%s from the experiment %s\n",
				xreps ? xreps : "", xreps ? " repetitions" : "",
				xreps && xcontrol ? " and " : "", xcontrol ? "the control " : "",
				xcontrol ? xcontrol : "", x.name);
		experiment_release(&x);
		lab = label ? xstrdup(label) : xasprintf("baseline:%s:%s", xname, now);
		free(now);
		run_rc = ci_run_experiment("baseline", xname, lab, db, reps, allocs, cpus, quiet);
		if (run_rc == 2 || run_rc > 128) {
			rc = run_rc;
			goto out;
		}
		if (run_rc) {
			/* a baseline of failed trials would gate against failures */
			error("some trials failed: no baseline written; see 'ngbench report %s'", lab);
			rc = 1;
			goto out;
		}
		sel = lab;
	}
	/* a library given by path runs under its file name, or the NAME of
	 * NAME=PATH, as 'ngbench run' names it */
	if (control && alloc_spec_library(control, &control_name))
		control = control_name;
	rc = cmd_open_session("baseline", db, sel, &st, &sid);
	if (rc)
		goto out;
	rc = ngb_baseline_from_session(ngb_store_db(st), sid, control, &b, &e);
	ngb_store_close(st);
	if (rc) {
		error("%s", e.msg);
		rc = 1;
		goto out;
	}
	if (!b->ncells) {
		error("the session has no trials to make a baseline of");
		rc = 1;
		goto out;
	}
	/* a timed cell that never ran beside its control could never be judged */
	for (size_t i = 0; i < b->ncells; i++) {
		const struct ngb_baseline_cell *c = &b->cells[i];

		if (b->control && c->runs && !c->nvalues) {
			error("%s t=%d %s: none of its %zu runs has a run of the control %s in its "
			      "round: add %s to that job's allocators; no baseline written",
			      c->workload, c->threads, c->allocator, c->runs, b->control, b->control);
			rc = 1;
			goto out;
		}
	}
	out = strcmp(outp, "-") ? fopen(outp, "w") : stdout;
	if (!out) {
		error("cannot write '%s': %s", outp, strerror(errno));
		rc = 1;
		goto out;
	}
	rc = ngb_baseline_write(b, out, &e);
	if (out != stdout && fclose(out) && !rc)
		rc = ngb_err_set(&e, -EIO, "cannot write '%s'", outp);
	if (!rc && out != stdout)
		fprintf(stderr, "baseline: %zu cells written to '%s'\n", b->ncells, outp);
	if (!rc)
		stall_notes(b, "baseline", "save it again on a quiet machine");
	if (rc) {
		error("%s", e.msg);
		rc = 1;
	}
out:
	ngb_baseline_free(b);
	free(lab);
	free(xreps);
	free(xcontrol);
	free(control_name);
	return rc;
}

static int show(int argc, const char **argv)
{
	struct ngb_baseline *b;
	struct ngb_err e;
	size_t i;

	if (argc != 2)
		return usage_error("baseline", "'baseline show' takes one file");
	if (ngb_baseline_read(argv[1], &b, &e))
		return fail(1, "%s", e.msg);
	printf("source:  %s\nngbench: %s (commit %s)\nmachine: %s, %d cores, %s, %s, libc %s\n",
	       b->source ? b->source : "?", b->version ? b->version : "?",
	       b->commit ? b->commit : "?", b->cpu_model ? b->cpu_model : "?", b->cores,
	       b->kernel ? b->kernel : "?", b->os ? b->os : "?", b->libc ? b->libc : "?");
	if (b->control)
		printf("control: %s (timed cells are ratios to its run in the same round)\n",
		       b->control);
	for (i = 0; i < b->ncells; i++) {
		const struct ngb_baseline_cell *c = &b->cells[i];

		printf("cell:    %s t=%d %s (%s%s%s), %zu runs", c->workload, c->threads, c->allocator,
		       c->counters, c->geometry ? " " : "", c->geometry ? c->geometry : "", c->runs);
		if (c->have_sim)
			printf(", %.10g instructions per %s", c->sim_med[NGB_SIM_IR],
			       c->per_op ? "op" : "run");
		putchar('\n');
	}
	ngb_baseline_free(b);
	return fflush(stdout) ? 1 : 0;
}

int cmd_baseline(int argc, const char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		baseline_help(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "save"))
		return save(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return show(argc - 1, argv + 1);
	return usage_error("baseline", "unknown subcommand '%s': use save or show", argv[1]);
}

/*
 * What makes a timed gate weak on a noisy machine, said once on stderr: no
 * control (sessions drift as a whole), or few runs (single runs spread; the
 * baseline's median counts as much as the session's).  docs/ci.md has the
 * measurements behind the numbers.
 */
#define TIMED_BASELINE_RUNS 400
#define TIMED_SESSION_RUNS 160

static void timed_gate_notes(const struct ngb_baseline *base, const struct ngb_baseline *cur)
{
	size_t i, timed = 0, few_base = 0, few_cur = 0;

	for (i = 0; i < base->ncells; i++)
		if (!base->cells[i].have_sim) {
			timed++;
			few_base += base->cells[i].nvalues < TIMED_BASELINE_RUNS;
		}
	for (i = 0; i < cur->ncells; i++)
		if (!cur->cells[i].have_sim)
			few_cur += cur->cells[i].nvalues < TIMED_SESSION_RUNS;
	if (!timed)
		return;
	stall_notes(base, "the baseline", "save it again on a quiet machine");
	stall_notes(cur, "this session", "run the job again");
	if (!base->control)
		fprintf(stderr, "note: %zu timed cells judged without a control: a shared "
			"machine's drift between sessions moves them as much as a change of the "
			"code does; save the baseline with --control (docs/ci.md)\n", timed);
	if (few_base || few_cur)
		fprintf(stderr, "note: timed cells with fewer than %d runs in the baseline (%zu) "
			"or %d in this session (%zu): on a machine whose single runs spread as "
			"this project's CI machine's do, a 10%% slowdown is not found every time "
			"with fewer (docs/ci.md, \"Why so many runs\")\n", TIMED_BASELINE_RUNS,
			few_base, TIMED_SESSION_RUNS, few_cur);
}

/*
 * Judges session sid of st against the baseline file: writes the verdicts
 * (fmt, an enum ngb_report_format, on standard output; markdown / JUnit to
 * the files given) and returns the
 * exit status: 0 pass, 1 a failing verdict, 3 refused (another machine or
 * geometry, without force).
 */
int ci_judge(struct ngb_store *st, int64_t sid, const struct ngb_baseline *base,
	     const struct ngb_gate_options *gopt, int fmt, const char *summary,
	     const char *junit, const char *suite)
{
	struct ngb_baseline *cur = NULL;
	struct ngb_gate *g = NULL;
	struct ngb_err e;
	int rc;

	if (ngb_baseline_from_session(ngb_store_db(st), sid, base->control, &cur, &e))
		return fail(1, "%s", e.msg);
	rc = ngb_gate_run(base, cur, gopt, &g, &e);
	if (rc) {
		ngb_baseline_free(cur);
		error("%s", e.msg);
		return rc == -EXDEV ? 3 : 1;
	}
	rc = ngb_gate_write(g, (enum ngb_report_format)fmt, stdout, &e) ? error("%s", e.msg) : 0;
	timed_gate_notes(base, cur);
	if (summary) {
		/* appended: a CI job's summary file collects every step's */
		FILE *f = fopen(summary, "a");
		int wrc = f ? ngb_gate_write(g, NGB_FORMAT_MARKDOWN, f, &e) : -1;

		if (!f || (fclose(f) | wrc)) {
			error("cannot write the summary '%s'", summary);
			rc = -1;
		}
	}
	if (junit) {
		FILE *f = fopen(junit, "w");
		int wrc = f ? ngb_gate_write_junit(g, suite, f, &e) : -1;

		if (!f || (fclose(f) | wrc)) {
			error("cannot write the JUnit report '%s'", junit);
			rc = -1;
		}
	}
	/* another geometry in a cell is the same refusal as another machine */
	rc = ngb_gate_count(g, NGB_GATE_REFUSED) ? 3 : rc || ngb_gate_failed(g) ? 1 : 0;
	ngb_gate_free(g);
	ngb_baseline_free(cur);
	return rc;
}
