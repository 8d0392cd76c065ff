/*
 * reports/compare.c - two sessions compared cell by cell (workload x thread
 * count x allocator): the speedup of B over A with an interval, a two-sided
 * Mann-Whitney U test, and a verdict.
 *
 * The statistic is chosen with --stat.  'median' uses the Hodges-Lehmann
 * shift of the log values with its Mann-Whitney interval (stats.c).  'min'
 * and 'p25' compare the best run or the best quarter of the runs, with a
 * percentile-bootstrap interval from a fixed seed.  The default, p25, gave
 * the fewest false alarms between identical sessions on this machine; the
 * bootstrap interval of a minimum is too narrow (a resample's minimum is
 * one of the few smallest values) and min gave the most (reports/README.md).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

/* 'ngbe': the bootstrap's seed, fixed so that the same data give the same verdict */
#define BOOTSTRAP_SEED 0x6e676265ULL
#define BOOTSTRAP_REPS 2000

struct cmp_cell {
	const struct cell *a, *b;     /* either may be NULL */
	double stat_a, stat_b;
	double speedup;               /* B over A, > 1: B is better */
	struct ngb_interval ci;
	struct ngb_mw mw;
	enum ngb_verdict verdict;
};

struct ngb_compare {
	struct ngb_report *ra, *rb;
	struct ngb_compare_options opt;
	struct cmp_cell *cells;
	size_t ncells;
};

int ngb_compare_stat_parse(const char *s, enum ngb_compare_stat *st)
{
	if (!strcmp(s, "min"))
		*st = NGB_STAT_MIN;
	else if (!strcmp(s, "p25"))
		*st = NGB_STAT_P25;
	else if (!strcmp(s, "median"))
		*st = NGB_STAT_MEDIAN;
	else
		return -EINVAL;
	return 0;
}

const char *ngb_compare_stat_name(enum ngb_compare_stat st)
{
	return st == NGB_STAT_MIN ? "min" : st == NGB_STAT_P25 ? "p25" : "median";
}

const char *ngb_verdict_name(enum ngb_verdict v)
{
	static const char *const names[] = { "same", "faster", "slower", "noisy", "only in A",
					     "only in B" };

	return names[v];
}

enum ngb_verdict ngb_verdict_of(double speedup, const struct ngb_interval *ci, double e)
{
	double band_lo = 1 / (1 + e), band_hi = 1 + e;

	if (!(ci->level > 0) || isnan(speedup))
		return NGB_VERDICT_NOISY;
	if (ci->hi < 1 && speedup < band_lo)
		return NGB_VERDICT_SLOWER;
	if (ci->lo > 1 && speedup > band_hi)
		return NGB_VERDICT_FASTER;
	if (ci->lo >= band_lo && ci->hi <= band_hi)
		return NGB_VERDICT_SAME;
	/* a real difference, but within the minimum effect */
	if ((ci->hi < 1 || ci->lo > 1) && speedup >= band_lo && speedup <= band_hi)
		return NGB_VERDICT_SAME;
	return NGB_VERDICT_NOISY;
}

/* the quantile of a side that the statistic looks at: the best end */
static double stat_q(enum ngb_compare_stat st, int higher)
{
	if (st == NGB_STAT_MIN)
		return higher ? 1 : 0;
	if (st == NGB_STAT_P25)
		return higher ? 0.75 : 0.25;
	return 0.5;
}

void compare_values(const double *av, size_t na, const double *bv, size_t nb, int higher,
		    const struct ngb_compare_options *o, double conf, struct value_cmp *r)
{
	double q = stat_q(o->stat, higher), ratio;
	struct ngb_interval ci;
	int rc;

	r->stat_a = ngb_quantile_sorted(av, na, q);
	r->stat_b = ngb_quantile_sorted(bv, nb, q);
	r->speedup = NAN;
	r->ci = (struct ngb_interval){ NAN, NAN, 0 };
	ngb_mann_whitney(av, na, bv, nb, &r->mw);
	if (!na || !nb) {
		r->verdict = NGB_VERDICT_NOISY;
		return;
	}
	if (o->stat == NGB_STAT_MEDIAN)
		rc = ngb_hl_ratio(av, na, bv, nb, conf, &ratio, &ci);
	else
		rc = ngb_bootstrap_ratio(av, na, bv, nb, q, conf, BOOTSTRAP_REPS, BOOTSTRAP_SEED,
					 &ratio, &ci);
	if (rc || !(ratio > 0)) {
		r->verdict = NGB_VERDICT_NOISY;
		return;
	}
	if (higher) {
		r->speedup = ratio;
		r->ci = ci;
	} else {
		r->speedup = 1 / ratio;
		r->ci = (struct ngb_interval){ 1 / ci.hi, 1 / ci.lo, ci.level };
	}
	/* a side with one run: nothing can be told, whatever the numbers */
	if (na < 2 || nb < 2)
		r->ci.level = 0;
	r->verdict = ngb_verdict_of(r->speedup, &r->ci, o->min_effect);
}

static void compute(struct cmp_cell *cc, const struct ngb_compare_options *o, double conf)
{
	struct value_cmp r;

	compare_values(cc->a->values.v, cc->a->values.n, cc->b->values.v, cc->b->values.n,
		       cc->a->higher, o, conf, &r);
	cc->stat_a = r.stat_a;
	cc->stat_b = r.stat_b;
	cc->speedup = r.speedup;
	cc->ci = r.ci;
	cc->mw = r.mw;
	cc->verdict = r.verdict;
}

static int same_cell(const struct cell *x, const struct cell *y)
{
	return !strcmp(x->workload, y->workload) && x->threads == y->threads &&
	       !strcmp(x->allocator, y->allocator);
}

int ngb_compare_load(sqlite3 *db, int64_t a, int64_t b, const struct ngb_compare_options *opt,
		     struct ngb_compare **out, struct ngb_err *e)
{
	struct ngb_compare *c;
	size_t i, j;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	c->opt = *opt;
	if (c->opt.conf <= 0)
		c->opt.conf = 0.95;
	rc = ngb_report_load(db, a, NULL, &c->ra, e);
	if (!rc)
		rc = ngb_report_load(db, b, NULL, &c->rb, e);
	if (rc) {
		ngb_compare_free(c);
		return rc;
	}
	c->cells = calloc(c->ra->ncells + c->rb->ncells + 1, sizeof(*c->cells));
	if (!c->cells) {
		ngb_compare_free(c);
		return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < c->ra->ncells; i++) {
		struct cmp_cell *cc = &c->cells[c->ncells++];

		cc->a = &c->ra->cells[i];
		for (j = 0; j < c->rb->ncells; j++)
			if (same_cell(cc->a, &c->rb->cells[j]))
				cc->b = &c->rb->cells[j];
		if (cc->b)
			compute(cc, &c->opt, c->opt.conf);
		else
			cc->verdict = NGB_VERDICT_ONLY_A;
	}
	for (j = 0; j < c->rb->ncells; j++) {
		int found = 0;

		for (i = 0; i < c->ra->ncells; i++)
			found |= same_cell(&c->ra->cells[i], &c->rb->cells[j]);
		if (!found) {
			c->cells[c->ncells].b = &c->rb->cells[j];
			c->cells[c->ncells++].verdict = NGB_VERDICT_ONLY_B;
		}
	}
	*out = c;
	return 0;
}

void ngb_compare_free(struct ngb_compare *c)
{
	if (!c)
		return;
	ngb_report_free(c->ra);
	ngb_report_free(c->rb);
	free(c->cells);
	free(c);
}

size_t ngb_compare_count(const struct ngb_compare *c, enum ngb_verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < c->ncells; i++)
		n += c->cells[i].verdict == v;
	return n;
}

static void session_line(FILE *out, const char *side, const struct ngb_report *r)
{
	fprintf(out, "%s: session %lld", side, (long long)r->session_id);
	if (r->label) {
		fputs(" \"", out);
		put_text(out, r->label);
		fputc('"', out);
	}
	fputs(", started ", out);
	put_text(out, r->started_at);
	fputc('\n', out);
}

static const char *stat_what(enum ngb_compare_stat st)
{
	switch (st) {
	case NGB_STAT_MIN:
		return "min: the best run of each side (the minimum of a time, the maximum of a "
		       "rate), percentile-bootstrap interval";
	case NGB_STAT_P25:
		return "p25: the best quarter of each side (the 25th percentile of a time, the 75th "
		       "of a rate), percentile-bootstrap interval";
	case NGB_STAT_MEDIAN:
		break;
	}
	return "median: Hodges-Lehmann shift with its Mann-Whitney interval";
}

static int write_text(const struct ngb_compare *c, FILE *out)
{
	size_t i, wl = 8, al = 9;
	static const enum ngb_verdict order[] = { NGB_VERDICT_SLOWER, NGB_VERDICT_FASTER,
						  NGB_VERDICT_SAME, NGB_VERDICT_NOISY,
						  NGB_VERDICT_ONLY_A, NGB_VERDICT_ONLY_B };

	session_line(out, "A", c->ra);
	session_line(out, "B", c->rb);
	fprintf(out, "statistic: %s; minimum effect %g%%; %.0f%% intervals\n\n",
		stat_what(c->opt.stat), 100 * c->opt.min_effect, 100 * c->opt.conf);
	for (i = 0; i < c->ncells; i++) {
		const struct cell *x = c->cells[i].a ? c->cells[i].a : c->cells[i].b;

		if (text_width(x->workload) > wl)
			wl = text_width(x->workload);
		if (text_width(x->allocator) > al)
			al = text_width(x->allocator);
	}
	fprintf(out, "%-*s  %7s  %-*s  %7s  %10s  %10s  %8s  %-17s  %8s  %s\n", (int)wl, "WORKLOAD",
		"THREADS", (int)al, "ALLOCATOR", "RUNS", "A", "B", "SPEEDUP", "95% CI", "P (MW)",
		"VERDICT");
	for (i = 0; i < c->ncells; i++) {
		const struct cmp_cell *cc = &c->cells[i];
		const struct cell *x = cc->a ? cc->a : cc->b;
		char thr[16], runs[32], sa[32], sb[32], sp[32], ci[64], p[32];

		snprintf(thr, sizeof(thr), x->threads ? "%d" : "-", x->threads);
		snprintf(runs, sizeof(runs), "%zu/%zu", cc->a ? cc->a->values.n : 0,
			 cc->b ? cc->b->values.n : 0);
		if (cc->a && cc->b) {
			fmt_num(sa, sizeof(sa), cc->stat_a);
			fmt_num(sb, sizeof(sb), cc->stat_b);
			snprintf(sp, sizeof(sp), isnan(cc->speedup) ? "n/a" : "%.3fx", cc->speedup);
			if (cc->ci.level > 0)
				snprintf(ci, sizeof(ci), "[%.3f, %.3f]", cc->ci.lo, cc->ci.hi);
			else
				snprintf(ci, sizeof(ci), "none");
			snprintf(p, sizeof(p), isnan(cc->mw.p) ? "n/a" : "%.3g", cc->mw.p);
		} else {
			strcpy(sa, "-"), strcpy(sb, "-"), strcpy(sp, "-"), strcpy(ci, "-"),
				strcpy(p, "-");
		}
		/* names may hold control bytes: written through put_text, padded by width */
		put_text(out, x->workload);
		fprintf(out, "%*s  %7s  ", (int)(wl - text_width(x->workload)), "", thr);
		put_text(out, x->allocator);
		fprintf(out, "%*s  %7s  %10s  %10s  %8s  %-17s  %8s  %s%s\n",
			(int)(al - text_width(x->allocator)), "", runs, sa, sb, sp, ci, p,
			ngb_verdict_name(cc->verdict),
			cc->a && cc->b && cc->ci.level > 0 && cc->ci.level < c->opt.conf - 1e-9 ?
				" (small samples)" : "");
	}
	fputs("\nSPEEDUP is B over A (> 1: B is better); P is the two-sided Mann-Whitney p-value of "
	      "all runs.\n", out);
	fputs("summary:", out);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		size_t n = ngb_compare_count(c, order[i]);

		if (n)
			fprintf(out, " %zu %s", n, ngb_verdict_name(order[i]));
	}
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

static json_t *jside(const struct ngb_report *r)
{
	return json_pack("{s:I, s:o, s:o}", "session", (json_int_t)r->session_id, "label",
			 json_text(r->label), "started_at", json_text(r->started_at));
}

static int write_json(const struct ngb_compare *c, FILE *out, struct ngb_err *e)
{
	json_t *cells = json_array(), *sum = json_object(), *root;
	size_t i;
	int rc;

	for (i = 0; i < c->ncells; i++) {
		const struct cmp_cell *cc = &c->cells[i];
		const struct cell *x = cc->a ? cc->a : cc->b;
		json_t *ci = cc->ci.level > 0 ? json_pack("{s:o, s:o, s:o}", "lo", json_num(cc->ci.lo),
							  "hi", json_num(cc->ci.hi), "level",
							  json_num(cc->ci.level))
					      : json_null();
		int both = cc->a && cc->b;

		json_array_append_new(cells,
			json_pack("{s:o, s:i, s:o, s:o, s:o, s:b, s:I, s:I, s:o, s:o, s:o, s:o, s:o,"
				  " s:o, s:b, s:s}",
				  "workload", json_text(x->workload), "threads", x->threads, "allocator",
				  json_text(x->allocator), "metric", json_text(x->metric), "unit",
				  json_text(x->unit), "higher_is_better", x->higher, "runs_a",
				  (json_int_t)(cc->a ? cc->a->values.n : 0), "runs_b",
				  (json_int_t)(cc->b ? cc->b->values.n : 0), "stat_a",
				  both ? json_num(cc->stat_a) : json_null(), "stat_b",
				  both ? json_num(cc->stat_b) : json_null(), "speedup",
				  both ? json_num(cc->speedup) : json_null(), "ci", ci, "p",
				  both ? json_num(cc->mw.p) : json_null(), "u",
				  both ? json_num(cc->mw.u) : json_null(), "p_exact", both && cc->mw.exact,
				  "verdict", ngb_verdict_name(cc->verdict)));
	}
	for (i = 0; i <= NGB_VERDICT_ONLY_B; i++)
		json_object_set_new(sum, ngb_verdict_name(i),
				    json_integer((json_int_t)ngb_compare_count(c, i)));
	root = json_pack("{s:i, s:o, s:o, s:s, s:f, s:f, s:o, s:o}", "format_version",
			 NGB_REPORT_FORMAT_VERSION, "a", jside(c->ra), "b", jside(c->rb), "stat",
			 ngb_compare_stat_name(c->opt.stat), "min_effect", c->opt.min_effect,
			 "confidence", c->opt.conf, "cells", cells, "summary", sum);
	if (!root)
		return ngb_err_set(e, -ENOMEM, "cannot build the JSON comparison");
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	return rc || ferror(out) ? ngb_err_set(e, -EIO, "cannot write the comparison") : 0;
}

int ngb_compare_write(const struct ngb_compare *c, enum ngb_report_format f, FILE *out,
		      struct ngb_err *e)
{
	if (f == NGB_FORMAT_JSON)
		return write_json(c, out, e);
	if (f != NGB_FORMAT_TEXT)
		return ngb_err_set(e, -EINVAL, "compare speaks text and json, not '%s'",
				   ngb_report_format_name(f));
	return write_text(c, out) ? ngb_err_set(e, -EIO, "cannot write the comparison") : 0;
}
