/*
 * reports/gate.c - the CI gate: a session's cells judged against a baseline
 * file, with a verdict per cell, and the outputs a CI job wants: a terminal
 * table, markdown (a job summary or a pull-request comment), JSON and JUnit
 * XML (one testcase per cell).  A baseline cell judges the session's cell
 * of the same key or, when the baseline predates a parameter the workload
 * gained, the cell that runs it at its default (baseline_match.c), and its
 * detail then says so.
 *
 * Time cells are judged exactly as 'ngbench compare' judges two sessions
 * (compare_values: the statistic, its interval and the minimum effect), the
 * baseline's runs standing for session A.
 *
 * Simulated cells are judged on the medians of instructions and D1 and
 * last-level misses (per operation or per run, as the baseline says).  A
 * cell regresses when a quantity rises above
 *
 *	limit = median_base * (1 + threshold) + 2 * (max_base - min_base)
 *
 * For a deterministic allocator the baseline's runs agree (max = min) and
 * this is the plain relative threshold: identical code never crosses it,
 * and any change above it is caught every time.  An allocator whose
 * simulated counts vary from run to run (nextgen's server thread, whose
 * spinning depends on valgrind's scheduling) widens its own limit by twice
 * the range its baseline runs showed: the range of 8 runs covers about
 * 7/9 of such a distribution, and with one range the median of 3 new runs
 * still crossed it in 1 of 5 A/A runs here (docs/ci.md), so the margin is
 * two.  A baseline saved with more repetitions than the CI run knows the
 * allocator's noise better.  A miss count may rise at least as much as the
 * instructions may: when the path through the program varies, the misses
 * vary with it, and one session's runs can agree on them by chance (nextgen
 * on threadtest: 24 baseline runs within 2 last-level misses of 21,963,
 * then a CI session 0.77 % above, where its instructions' range allowed
 * 0.85 %).  Improvements beyond the mirror limit are 'better': not a
 * failure, a hint to update the baseline.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "ngbench/utf8.h"

struct gate_cell {
	const struct ngb_baseline_cell *base, *cur;   /* either may be NULL */
	enum ngb_gate_verdict verdict;
	char *why;                       /* one line: what crossed, or why not judged */
	/* sim */
	int sim;
	double change[NGB_SIM_NMETRICS]; /* relative change of the median */
	double limit[NGB_SIM_NMETRICS];  /* the allowed relative increase */
	/* time */
	struct value_cmp tc;
};

struct ngb_gate {
	const struct ngb_baseline *base, *cur;
	struct ngb_gate_options opt;
	struct gate_cell *cells;
	size_t ncells;
	char *forced;                    /* the machine difference that --force overrode */
};

const char *ngb_gate_verdict_name(enum ngb_gate_verdict v)
{
	static const char *const names[] = { "pass", "better", "regression", "failed", "missing",
					     "new", "refused" };

	return names[v];
}

int ngb_gate_verdict_fails(enum ngb_gate_verdict v)
{
	return v == NGB_GATE_REGRESSION || v == NGB_GATE_FAILED || v == NGB_GATE_MISSING ||
	       v == NGB_GATE_REFUSED;
}

#define fmt_alloc rep_asprintf

static int same_geometry(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static void judge_sim(struct gate_cell *g, double thr)
{
	const struct ngb_baseline_cell *b = g->base, *c = g->cur;
	int m, worse = -1, better = -1;

	g->sim = 1;
	for (m = 0; m < NGB_SIM_NMETRICS; m++) {
		double med = b->sim_med[m], spread = b->sim_max[m] - b->sim_min[m];

		if (!(med > 0)) {
			/* nothing to scale by (no misses at all): any count is a change */
			g->change[m] = c->sim_med[m] > 0 ? INFINITY : 0;
			g->limit[m] = thr;
		} else {
			g->change[m] = c->sim_med[m] / med - 1;
			g->limit[m] = thr + 2 * spread / med;
		}
	}
	for (m = 0; m < NGB_SIM_NMETRICS; m++) {
		if (m != NGB_SIM_IR && g->limit[m] < g->limit[NGB_SIM_IR])
			g->limit[m] = g->limit[NGB_SIM_IR];
		if (g->change[m] > g->limit[m] && (worse < 0 || g->change[m] - g->limit[m] >
					      g->change[worse] - g->limit[worse]))
			worse = m;
		if (g->change[m] < -g->limit[m] && better < 0)
			better = m;
	}
	if (worse >= 0) {
		g->verdict = NGB_GATE_REGRESSION;
		g->why = fmt_alloc("%s per %s +%.3f%% (allowed +%.3f%%)", ngb_sim_metric_name(worse),
				   b->per_op ? "operation" : "run", 100 * g->change[worse],
				   100 * g->limit[worse]);
	} else if (better >= 0) {
		g->verdict = NGB_GATE_BETTER;
		g->why = fmt_alloc("%s per %s %.3f%% (beyond -%.3f%%): update the baseline?",
				   ngb_sim_metric_name(better), b->per_op ? "operation" : "run",
				   100 * g->change[better], 100 * g->limit[better]);
	} else {
		g->verdict = NGB_GATE_PASS;
		g->why = fmt_alloc("instructions %+.3f%% (allowed +%.3f%%), D1 misses %+.3f%% "
				   "(+%.3f%%), LL misses %+.3f%% (+%.3f%%)",
				   100 * g->change[NGB_SIM_IR], 100 * g->limit[NGB_SIM_IR],
				   100 * g->change[NGB_SIM_D1], 100 * g->limit[NGB_SIM_D1],
				   100 * g->change[NGB_SIM_LL], 100 * g->limit[NGB_SIM_LL]);
	}
}

static void judge_time(struct gate_cell *g, const struct ngb_gate_options *o, const char *ctl)
{
	const struct ngb_baseline_cell *b = g->base, *c = g->cur;
	double conf = o->time.conf > 0 ? o->time.conf : 0.95;
	struct ngb_compare_options t = o->time;

	/* ratios to a control have no slow tail to avoid: the median (Hodges-Lehmann) */
	if (ctl && !o->stat_given)
		t.stat = NGB_STAT_MEDIAN;
	compare_values(b->values, b->nvalues, c->values, c->nvalues, b->higher, &t, conf,
		       &g->tc);
	g->verdict = g->tc.verdict == NGB_VERDICT_SLOWER ? NGB_GATE_REGRESSION
		   : g->tc.verdict == NGB_VERDICT_FASTER ? NGB_GATE_BETTER
							 : NGB_GATE_PASS;
	if (g->tc.ci.level > 0)
		g->why = fmt_alloc("%s: speedup %.3fx [%.3f, %.3f]%s%s, %s, minimum effect %g%%",
				   ngb_verdict_name(g->tc.verdict), g->tc.speedup, g->tc.ci.lo,
				   g->tc.ci.hi, ctl ? " against control " : "", ctl ? ctl : "",
				   ngb_compare_stat_name(t.stat), 100 * o->time.min_effect);
	else
		g->why = fmt_alloc("%s: too few runs to tell", ngb_verdict_name(g->tc.verdict));
}

static void judge(struct gate_cell *g, const struct ngb_gate_options *o, const char *ctl)
{
	const struct ngb_baseline_cell *b = g->base, *c = g->cur;

	if (c->failed && !c->runs) {
		g->verdict = NGB_GATE_FAILED;
		g->why = fmt_alloc("all %zu trials failed", c->failed);
		return;
	}
	if (c->failed) {
		g->verdict = NGB_GATE_FAILED;
		g->why = fmt_alloc("%zu of %zu trials failed", c->failed, c->failed + c->runs);
		return;
	}
	if (!strcmp(b->counters, "sim")) {
		if (!same_geometry(b->geometry, c->geometry) && !o->force) {
			g->verdict = NGB_GATE_REFUSED;
			g->why = fmt_alloc("another simulated geometry: baseline '%s', here '%s'",
					   b->geometry ? b->geometry : "", c->geometry ? c->geometry : "");
			return;
		}
		if (!b->have_sim || !c->have_sim) {
			g->verdict = NGB_GATE_FAILED;
			g->why = fmt_alloc("no simulated counts in the %s", b->have_sim ? "session"
											 : "baseline");
			return;
		}
		if (b->per_op != c->per_op) {
			g->verdict = NGB_GATE_FAILED;
			g->why = fmt_alloc("the baseline counts per %s, the session per %s",
					   b->per_op ? "operation" : "run", c->per_op ? "operation"
										  : "run");
			return;
		}
		judge_sim(g, o->threshold);
		return;
	}
	if (!b->nvalues) {
		g->verdict = NGB_GATE_FAILED;
		g->why = fmt_alloc("the baseline has no runs of this cell%s", ctl ? " paired with "
				   "a run of its control" : "");
		return;
	}
	if (!c->nvalues) {
		g->verdict = NGB_GATE_FAILED;
		g->why = fmt_alloc("no run of the session %s", ctl ? "has a run of the control in "
				   "its round: was the control left out?" : "succeeded");
		return;
	}
	judge_time(g, o, ctl);
}

int ngb_gate_run(const struct ngb_baseline *b, const struct ngb_baseline *cur,
		 const struct ngb_gate_options *opt, struct ngb_gate **out, struct ngb_err *e)
{
	struct ngb_gate *g;
	struct ngb_err me;
	size_t i, j, *pair = NULL;
	char **note = NULL;
	int rc = -ENOMEM;

	*out = NULL;
	if (ngb_baseline_check_machine(b, cur, &me) && !opt->force)
		return ngb_err_set(e, -EXDEV, "%s; run the baseline's experiment on this machine "
				   "and save a baseline here ('ngbench baseline save'), or judge "
				   "anyway with --force", me.msg);
	g = calloc(1, sizeof(*g));
	if (!g)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	g->base = b;
	g->cur = cur;
	g->opt = *opt;
	if (ngb_baseline_check_machine(b, cur, &me))
		g->forced = rep_strdup(me.msg);
	g->cells = calloc(b->ncells + cur->ncells + 1, sizeof(*g->cells));
	pair = calloc(b->ncells + 1, sizeof(*pair));
	note = calloc(b->ncells + 1, sizeof(*note));
	/* the session's cell that each baseline cell judges (baseline_match.c) */
	if (g->cells && pair && note)
		rc = baseline_pair_cells(b, cur, pair, note);
	for (i = 0; !rc && i < b->ncells; i++) {
		struct gate_cell *gc = &g->cells[g->ncells++];

		gc->base = &b->cells[i];
		gc->cur = pair[i] < cur->ncells ? &cur->cells[pair[i]] : NULL;
		if (!gc->cur) {
			gc->verdict = NGB_GATE_MISSING;
			gc->why = fmt_alloc("not in the session: was the experiment changed? update "
					    "the baseline on purpose");
			continue;
		}
		judge(gc, opt, b->control);
		if (note[i]) {
			/* the verdict's detail, then why the parameters differ */
			char *why = fmt_alloc("%s; %s", gc->why ? gc->why : "", note[i]);

			rc = why ? 0 : -ENOMEM;
			free(gc->why);
			gc->why = why;
		}
	}
	for (i = 0; note && i < b->ncells; i++)
		free(note[i]);
	free(note);
	free(pair);
	if (rc) {
		ngb_gate_free(g);
		return ngb_err_set(e, rc, "out of memory");
	}
	for (j = 0; j < cur->ncells; j++) {
		int found = 0;

		for (i = 0; i < b->ncells && !found; i++)
			found = g->cells[i].cur == &cur->cells[j];
		if (!found) {
			struct gate_cell *gc = &g->cells[g->ncells++];

			gc->cur = &cur->cells[j];
			gc->verdict = NGB_GATE_NEW;
			gc->why = fmt_alloc("not in the baseline: not judged");
		}
	}
	*out = g;
	return 0;
}

void ngb_gate_free(struct ngb_gate *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->ncells; i++)
		free(g->cells[i].why);
	free(g->cells);
	free(g->forced);
	free(g);
}

size_t ngb_gate_count(const struct ngb_gate *g, enum ngb_gate_verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < g->ncells; i++)
		n += g->cells[i].verdict == v;
	return n;
}

int ngb_gate_failed(const struct ngb_gate *g)
{
	size_t i;

	for (i = 0; i < g->ncells; i++)
		if (ngb_gate_verdict_fails(g->cells[i].verdict))
			return 1;
	return 0;
}

/* ---- outputs -------------------------------------------------------------- */

static const struct ngb_baseline_cell *any_side(const struct gate_cell *c)
{
	return c->base ? c->base : c->cur;
}

/* "threadtest t=1 hoard (sim)": the cell's name in every output */
static char *cell_name(const struct gate_cell *c)
{
	const struct ngb_baseline_cell *x = any_side(c);

	return fmt_alloc("%s t=%d %s (%s)", x->workload, x->threads, x->allocator, x->counters);
}

static void summary_counts(const struct ngb_gate *g, FILE *out)
{
	static const enum ngb_gate_verdict order[] = { NGB_GATE_REGRESSION, NGB_GATE_FAILED,
						       NGB_GATE_MISSING, NGB_GATE_REFUSED,
						       NGB_GATE_BETTER, NGB_GATE_PASS, NGB_GATE_NEW };
	size_t i, sep = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		size_t n = ngb_gate_count(g, order[i]);

		if (n)
			fprintf(out, "%s%zu %s", sep++ ? ", " : "", n, ngb_gate_verdict_name(order[i]));
	}
	if (!sep)
		fputs("no cells", out);
}

static void what_line(const struct ngb_gate *g, FILE *out, void (*put)(FILE *, const char *))
{
	fputs("baseline: ", out);
	put(out, g->base->source);
	fputs(" (ngbench ", out);
	put(out, g->base->version);
	fputs(", commit ", out);
	put(out, g->base->commit);
	fputs(")\nsession:  ", out);
	put(out, g->cur->source);
	fputs(" (ngbench ", out);
	put(out, g->cur->version);
	fputs(", commit ", out);
	put(out, g->cur->commit);
	fprintf(out, ")\nsimulated cells: instructions and D1/LL misses may rise by %g%% plus twice the "
		"range of the baseline's runs; timed cells: 'ngbench compare --stat=%s --min-effect=%g%%'",
		100 * g->opt.threshold,
		ngb_compare_stat_name(g->base->control && !g->opt.stat_given ? NGB_STAT_MEDIAN
									       : g->opt.time.stat),
		100 * g->opt.time.min_effect);
	if (g->base->control) {
		fputs(" of each run over the run of the control ", out);
		put(out, g->base->control);
		fputs(" in its round", out);
	}
	fputc('\n', out);
	if (g->forced) {
		fputs("FORCED across machines: ", out);
		put(out, g->forced);
		fputc('\n', out);
	}
}

static int write_text(const struct ngb_gate *g, FILE *out)
{
	size_t i, w = 4;

	what_line(g, out, put_text);
	fputc('\n', out);
	for (i = 0; i < g->ncells; i++) {
		char *n = cell_name(&g->cells[i]);

		if (n && text_width(n) > w)
			w = text_width(n);
		free(n);
	}
	fprintf(out, "%-*s  %-10s  %s\n", (int)w, "CELL", "VERDICT", "DETAIL");
	for (i = 0; i < g->ncells; i++) {
		char *n = cell_name(&g->cells[i]);

		put_text(out, n);
		fprintf(out, "%*s  %-10s  ", (int)(w - text_width(n ? n : "")), "",
			ngb_gate_verdict_name(g->cells[i].verdict));
		put_text(out, g->cells[i].why);
		fputc('\n', out);
		free(n);
	}
	fputs("\nsummary: ", out);
	summary_counts(g, out);
	fprintf(out, "\nresult: %s\n", ngb_gate_failed(g) ? "FAIL" : "pass");
	return ferror(out) ? -EIO : 0;
}

static void md_line(FILE *out, const char *s)
{
	put_markdown(out, s);
}

static int write_markdown(const struct ngb_gate *g, FILE *out)
{
	size_t i;
	int m;

	fprintf(out, "## ngbench: %s\n\n", ngb_gate_failed(g) ? ":x: performance regression"
							    : ":white_check_mark: no regression");
	summary_counts(g, out);
	fputs("\n\n", out);
	fputs("| cell | verdict | instructions | D1 misses | LL misses | detail |\n"
	      "| --- | --- | ---: | ---: | ---: | --- |\n", out);
	for (i = 0; i < g->ncells; i++) {
		const struct gate_cell *c = &g->cells[i];
		char *n = cell_name(c);

		fputs("| ", out);
		put_markdown(out, n);
		fprintf(out, " | %s%s%s | ", ngb_gate_verdict_fails(c->verdict) ? "**" : "",
			ngb_gate_verdict_name(c->verdict),
			ngb_gate_verdict_fails(c->verdict) ? "**" : "");
		for (m = 0; m < NGB_SIM_NMETRICS; m++) {
			if (c->sim && isfinite(c->change[m]))
				fprintf(out, "%+.3f%%", 100 * c->change[m]);
			else
				fputs("-", out);
			fputs(" | ", out);
		}
		put_markdown(out, c->why);
		fputs(" |\n", out);
		free(n);
	}
	fputs("\n<details><summary>provenance</summary>\n\n", out);
	fputs("- baseline: ", out);
	md_line(out, g->base->source);
	fputs(", ngbench ", out);
	md_line(out, g->base->version);
	fputs(" ", out);
	md_line(out, g->base->commit);
	fputs("\n- session: ", out);
	md_line(out, g->cur->source);
	fputs(", ngbench ", out);
	md_line(out, g->cur->version);
	fputs(" ", out);
	md_line(out, g->cur->commit);
	fputs("\n- machine: ", out);
	md_line(out, g->cur->cpu_model);
	fprintf(out, ", %d cores, ", g->cur->cores);
	md_line(out, g->cur->kernel);
	fputs(", libc ", out);
	md_line(out, g->cur->libc);
	fprintf(out, "\n- rule: simulated counts may rise by %g%% plus twice the baseline's range "
		"(misses at least as much as instructions); "
		"timed cells as `ngbench compare --stat=%s --min-effect=%g%%`\n",
		100 * g->opt.threshold, ngb_compare_stat_name(g->opt.time.stat),
		100 * g->opt.time.min_effect);
	if (g->forced) {
		fputs("- **forced across machines**: ", out);
		md_line(out, g->forced);
		fputc('\n', out);
	}
	fputs("\n</details>\n", out);
	return ferror(out) ? -EIO : 0;
}

static json_t *jcell(const struct gate_cell *c)
{
	const struct ngb_baseline_cell *x = any_side(c);
	json_t *o = json_pack("{s:o, s:o, s:i, s:o, s:o, s:s, s:o}", "workload",
			      json_text(x->workload), "params", json_text(x->params), "threads",
			      x->threads, "allocator", json_text(x->allocator), "counters",
			      json_text(x->counters), "verdict", ngb_gate_verdict_name(c->verdict),
			      "detail", json_text(c->why));
	int m;

	if (c->sim) {
		json_t *s = json_object();

		for (m = 0; m < NGB_SIM_NMETRICS; m++)
			json_object_set_new(s, ngb_sim_metric_name(m),
					    json_pack("{s:o, s:o, s:o, s:o}", "baseline",
						      json_num(c->base->sim_med[m]), "session",
						      json_num(c->cur->sim_med[m]), "change",
						      json_num(c->change[m]), "allowed",
						      json_num(c->limit[m])));
		json_object_set_new(o, "per", json_string(c->base->per_op ? "op" : "run"));
		json_object_set_new(o, "simulated", s);
	} else if (c->base && c->cur && c->tc.stat_a == c->tc.stat_a) {
		json_object_set_new(o, "time",
				    json_pack("{s:o, s:o, s:o, s:o, s:o, s:s}", "baseline",
					      json_num(c->tc.stat_a), "session", json_num(c->tc.stat_b),
					      "speedup", json_num(c->tc.speedup), "ci_lo",
					      json_num(c->tc.ci.level > 0 ? c->tc.ci.lo : NAN), "ci_hi",
					      json_num(c->tc.ci.level > 0 ? c->tc.ci.hi : NAN),
					      "verdict", ngb_verdict_name(c->tc.verdict)));
	}
	return o;
}

static int write_json(const struct ngb_gate *g, FILE *out)
{
	json_t *cells = json_array(), *root;
	size_t i;

	for (i = 0; i < g->ncells; i++)
		json_array_append_new(cells, jcell(&g->cells[i]));
	root = json_pack("{s:i, s:o, s:o, s:f, s:s, s:f, s:b, s:o, s:b}", "format_version",
			 NGB_REPORT_FORMAT_VERSION, "baseline", json_text(g->base->source),
			 "session", json_text(g->cur->source), "threshold", g->opt.threshold,
			 "time_stat", ngb_compare_stat_name(g->opt.time.stat), "min_effect",
			 g->opt.time.min_effect, "forced", g->forced != NULL, "cells", cells,
			 "failed", ngb_gate_failed(g));
	return json_dump_root(root, out);
}

int ngb_gate_write(const struct ngb_gate *g, enum ngb_report_format f, FILE *out,
		   struct ngb_err *e)
{
	int rc;

	switch (f) {
	case NGB_FORMAT_TEXT:
		rc = write_text(g, out);
		break;
	case NGB_FORMAT_MARKDOWN:
		rc = write_markdown(g, out);
		break;
	case NGB_FORMAT_JSON:
		rc = write_json(g, out);
		break;
	default:
		return ngb_err_set(e, -EINVAL, "the gate speaks text, markdown and json, not '%s'",
				   ngb_report_format_name(f));
	}
	return rc ? ngb_err_set(e, rc, "cannot write the verdicts") : 0;
}

/* XML text: valid UTF-8, the five entities, control bytes as pictures (put_html) */
static void put_xml(FILE *out, const char *s)
{
	char *v = ngb_utf8_valid_copy(s ? s : "");

	put_html(out, v ? v : "");
	free(v);
}

int ngb_gate_write_junit(const struct ngb_gate *g, const char *suite, FILE *out,
			 struct ngb_err *e)
{
	size_t i, nfail = 0, nskip = 0;

	for (i = 0; i < g->ncells; i++) {
		nfail += ngb_gate_verdict_fails(g->cells[i].verdict);
		nskip += g->cells[i].verdict == NGB_GATE_NEW;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites tests=\"%zu\" failures=\"%zu\">\n", g->ncells, nfail);
	fputs("  <testsuite name=\"", out);
	put_xml(out, suite);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
		g->ncells, nfail, nskip);
	for (i = 0; i < g->ncells; i++) {
		const struct gate_cell *c = &g->cells[i];
		const struct ngb_baseline_cell *x = any_side(c);
		char *n = cell_name(c);

		fputs("    <testcase classname=\"ngbench.", out);
		put_xml(out, x->workload);
		fputs("\" name=\"", out);
		put_xml(out, n);
		fputs("\">\n", out);
		if (ngb_gate_verdict_fails(c->verdict)) {
			fprintf(out, "      <failure type=\"%s\" message=\"",
				ngb_gate_verdict_name(c->verdict));
			put_xml(out, c->why);
			fputs("\">", out);
			put_xml(out, c->why);
			fputs("</failure>\n", out);
		} else if (c->verdict == NGB_GATE_NEW) {
			fputs("      <skipped message=\"not in the baseline\"/>\n", out);
		}
		fputs("      <system-out>", out);
		fprintf(out, "%s: ", ngb_gate_verdict_name(c->verdict));
		put_xml(out, c->why);
		fputs("</system-out>\n    </testcase>\n", out);
		free(n);
	}
	fputs("  </testsuite>\n</testsuites>\n", out);
	return ferror(out) ? ngb_err_set(e, -EIO, "cannot write the JUnit report") : 0;
}
