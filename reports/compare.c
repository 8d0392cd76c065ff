/*
 * reports/compare.c - two sessions compared cell by cell (workload x thread
 * count x allocator): the speedup of B over A with an interval, a two-sided
 * Mann-Whitney U test, and a verdict.
 *
 * The statistics behind the verdicts are in verdict.c; this file loads the
 * cells of the two sessions and writes them as text, JSON and HTML.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "verdict.h"

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
			if (cell_match(cc->a, &c->rb->cells[j]))
				cc->b = &c->rb->cells[j];
		if (cc->b)
			verdict_cell(cc, &c->opt, c->opt.conf, 1);
		else
			cc->verdict = NGB_VERDICT_ONLY_A;
	}
	for (j = 0; j < c->rb->ncells; j++) {
		int found = 0;

		for (i = 0; i < c->ra->ncells; i++)
			found |= cell_match(&c->ra->cells[i], &c->rb->cells[j]);
		if (!found) {
			c->cells[c->ncells].b = &c->rb->cells[j];
			c->cells[c->ncells++].verdict = NGB_VERDICT_ONLY_B;
		}
	}
	rc = verdict_family(c, db, e);
	if (rc) {
		ngb_compare_free(c);
		return rc;
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

/* How the verdicts hold over the whole comparison, in words (text and HTML:
 * nothing in it needs escaping). */
static void shift_note_words(const struct ngb_compare *c, FILE *out)
{
	const struct session_shift *sh = &c->shift;

	if (!sh->cells) {
		fprintf(out, "Session shift: not estimated (%zu cell(s) compared, %d needed); each "
			     "cell is judged against 1. ", c->family, SHIFT_MIN_CELLS);
		return;
	}
	fprintf(out, "Session shift: B moved as a whole by %+.1f%% against A (the median "
		     "speedup over %zu cells, %.3fx", 100 * (sh->factor - 1), sh->cells, sh->factor);
	if (sh->ci.level > 0)
		fprintf(out, ", %.0f%% interval [%.3f, %.3f]", 100 * sh->ci.level, sh->ci.lo,
			sh->ci.hi);
	fprintf(out, "): the machine between the sessions, or a change common to every cell, "
		     "which two sessions cannot tell apart. The cells scatter around it by "
		     "%.1f%% (their robust spread, a standard deviation). ",
		     100 * (exp(sh->tau) - 1));
	if (sh->removed) {
		fputs("Each cell is judged relative to the shift, its interval widened by that "
		      "spread and by the shift's own interval, so only a cell that moved apart "
		      "from the others by more than the sessions' noise is flagged; --absolute "
		      "judges each cell on its own runs against 1. ", out);
		if (sh->hist_cells)
			fprintf(out, "With --history, %zu of the cells are judged with their own "
				     "spread between sessions in place of that one, from %zu other "
				     "sessions of this host in the database (at least %d a cell). ",
				sh->hist_cells, sh->hist_sessions, HISTORY_MIN_SESSIONS);
		else if (c->opt.history)
			fprintf(out, "No cell has %d other sessions of this host in the database "
				     "from which to estimate its own spread between sessions. ",
				HISTORY_MIN_SESSIONS);
	} else
		fputs("Each cell is judged on its own runs against 1 (--absolute). ", out);
}

static void family_note_words(const struct ngb_compare *c, FILE *out)
{
	shift_note_words(c, out);
	fprintf(out,
		"Across cells: Holm's step-down method over the %zu cell(s) compared keeps the "
		"chance of any false faster or slower in this comparison at %.0f%%; a cell is "
		"faster or slower only when its adjusted p-value of the %s (P HOLM) is below "
		"%.2g", c->family, 100 * (1 - c->opt.conf),
		c->shift.removed ? "test relative to the shift" :
		c->opt.stat == NGB_STAT_MEDIAN ? "Mann-Whitney test" : "bootstrap test",
		1 - c->opt.conf);
	if (c->opt.absolute)
		fputs(".", out);
	else
		fprintf(out, " and its whole interval lies beyond the minimum effect of %g%%.",
			100 * c->opt.min_effect);
	if (c->demoted)
		fprintf(out, " %zu cell(s) beyond the minimum effect at their own %.0f%% level "
			     "were not after these: noisy.", c->demoted, 100 * c->opt.conf);
	fputs(" DETECT is the smallest change these runs could tell from noise at that level "
	      "(half the width of the cell's interval at 1 - 5%/cells); a smaller change, or one "
	      "below the minimum effect, is not reported.", out);
}

static void family_note(const struct ngb_compare *c, FILE *out)
{
	family_note_words(c, out);
	fputc('\n', out);
}

static void family_note_html(const struct ngb_compare *c, FILE *out)
{
	family_note_words(c, out);
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
	fprintf(out, "%-*s  %7s  %-*s  %7s  %10s  %10s  %8s  %-17s  %8s  %8s  %7s  %s\n", (int)wl,
		"WORKLOAD", "THREADS", (int)al, "ALLOCATOR", "RUNS", "A", "B", "SPEEDUP", "95% CI",
		"P (MW)", "P HOLM", "DETECT", "VERDICT");
	for (i = 0; i < c->ncells; i++) {
		const struct cmp_cell *cc = &c->cells[i];
		const struct cell *x = cc->a ? cc->a : cc->b;
		char thr[16], runs[32], sa[32], sb[32], sp[32], ci[64], p[32], ph[32], det[32];

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
			snprintf(ph, sizeof(ph), isnan(cc->p_holm) ? "n/a" : "%.3g", cc->p_holm);
			snprintf(det, sizeof(det), isnan(cc->detectable) ? "n/a" : "%.1f%%",
				 100 * cc->detectable);
		} else {
			strcpy(sa, "-"), strcpy(sb, "-"), strcpy(sp, "-"), strcpy(ci, "-"),
				strcpy(p, "-"), strcpy(ph, "-"), strcpy(det, "-");
		}
		/* names may hold control bytes: written through put_text, padded by width */
		put_text(out, x->workload);
		fprintf(out, "%*s  %7s  ", (int)(wl - text_width(x->workload)), "", thr);
		put_text(out, x->allocator);
		fprintf(out, "%*s  %7s  %10s  %10s  %8s  %-17s  %8s  %8s  %7s  %s%s\n",
			(int)(al - text_width(x->allocator)), "", runs, sa, sb, sp, ci, p, ph, det,
			ngb_verdict_name(cc->verdict),
			cc->a && cc->b && cc->ci.level > 0 && cc->ci.level < c->opt.conf - 1e-9 ?
				" (small samples)" : "");
	}
	fputs("\nSPEEDUP is B over A (> 1: B is better); P (MW) is the two-sided Mann-Whitney p-value "
	      "of all runs.\n", out);
	family_note(c, out);
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
		json_object_update_new(json_array_get(cells, json_array_size(cells) - 1),
				       json_pack("{s:o, s:o, s:o, s:s}", "p_test",
						 json_num(cc->p), "p_holm", json_num(cc->p_holm),
						 "detectable", json_num(cc->detectable),
						 "verdict_uncorrected",
						 ngb_verdict_name(cc->verdict_raw)));
		if (c->opt.history)
			json_object_set_new(json_array_get(cells, json_array_size(cells) - 1),
					    "between_sessions", cc->hist_n ?
					    json_pack("{s:I, s:o}", "sessions",
						      (json_int_t)cc->hist_n, "spread",
						      json_num(exp(cc->hist_sd) - 1)) :
					    json_null());
		json_object_update_new(json_array_get(cells, json_array_size(cells) - 1),
				       json_pack("{s:o, s:o}", "speedup_relative",
						 both ? json_num(cc->rel_speedup) : json_null(),
						 "ci_relative", both && cc->rel_ci.level > 0 ?
						 json_pack("{s:o, s:o, s:o}", "lo",
							   json_num(cc->rel_ci.lo), "hi",
							   json_num(cc->rel_ci.hi), "level",
							   json_num(cc->rel_ci.level)) :
						 json_null()));
	}
	for (i = 0; i <= NGB_VERDICT_ONLY_B; i++)
		json_object_set_new(sum, ngb_verdict_name(i),
				    json_integer((json_int_t)ngb_compare_count(c, i)));
	root = json_pack("{s:i, s:o, s:o, s:s, s:f, s:f, s:o, s:o}", "format_version",
			 NGB_REPORT_FORMAT_VERSION, "a", jside(c->ra), "b", jside(c->rb), "stat",
			 ngb_compare_stat_name(c->opt.stat), "min_effect", c->opt.min_effect,
			 "confidence", c->opt.conf, "cells", cells, "summary", sum);
	json_object_set_new(root, "multiple_testing",
			    json_pack("{s:s, s:I, s:f, s:I}", "method", "holm", "cells",
				      (json_int_t)c->family, "family_alpha", 1 - c->opt.conf,
				      "demoted", (json_int_t)c->demoted));
	json_object_set_new(root, "session_shift",
			    c->shift.cells ?
			    json_pack("{s:I, s:o, s:o, s:o, s:b}", "cells",
				      (json_int_t)c->shift.cells, "factor", json_num(c->shift.factor),
				      "ci", c->shift.ci.level > 0 ?
				      json_pack("{s:o, s:o, s:o}", "lo", json_num(c->shift.ci.lo),
						"hi", json_num(c->shift.ci.hi), "level",
						json_num(c->shift.ci.level)) : json_null(),
				      "cell_spread", json_num(exp(c->shift.tau) - 1),
				      "removed", c->shift.removed) :
			    json_pack("{s:I, s:n, s:n, s:n, s:b}", "cells", (json_int_t)0, "factor",
				      "ci", "cell_spread", "removed", 0));
	if (c->opt.history)
		json_object_update_new(json_object_get(root, "session_shift"),
				       json_pack("{s:I, s:I}", "history_cells",
						 (json_int_t)c->shift.hist_cells, "history_sessions",
						 (json_int_t)c->shift.hist_sessions));
	if (!root)
		return ngb_err_set(e, -ENOMEM, "cannot build the JSON comparison");
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	return rc || ferror(out) ? ngb_err_set(e, -EIO, "cannot write the comparison") : 0;
}

/* ---- HTML: the verdicts first, as a map, then every cell ------------------- */

static void html_side(FILE *out, const char *side, const struct ngb_report *r)
{
	fprintf(out, "<b>%s</b>: session %lld", side, (long long)r->session_id);
	if (r->label) {
		fputs(" <q>", out);
		put_html(out, r->label);
		fputs("</q>", out);
	}
	fputs(", started ", out);
	put_html(out, r->started_at);
	fputs(", ", out);
	put_html(out, r->host);
	fputs(", ngbench ", out);
	put_html(out, r->version);
	fputs(" (", out);
	put_html(out, r->commit);
	fputs(")", out);
}

static const struct cell *cmp_key(const struct cmp_cell *cc)
{
	return cc->a ? cc->a : cc->b;
}

static void html_map(const struct ngb_compare *c, FILE *out)
{
	size_t i, j, k;

	fputs("<table class=\"heat\" id=\"heat\"><thead><tr><th>workload</th>", out);
	/* the allocators in order of first appearance */
	for (i = 0; i < c->ncells; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(cmp_key(&c->cells[j])->allocator, cmp_key(&c->cells[i])->allocator))
				break;
		if (j < i)
			continue;
		fputs("<th>", out);
		put_html(out, cmp_key(&c->cells[i])->allocator);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (i = 0; i < c->ncells; i++) {
		const struct cell *row = cmp_key(&c->cells[i]);

		for (j = 0; j < i; j++)
			if (cell_same_row(cmp_key(&c->cells[j]), row))
				break;
		if (j < i)
			continue;
		fputs("<tr><th class=\"row\">", out);
		put_html(out, row->workload);
		if (row->threads)
			fprintf(out, ", %d thr", row->threads);
		fputs("</th>", out);
		for (j = 0; j < c->ncells; j++) {
			const struct cell *col = cmp_key(&c->cells[j]);
			const struct cmp_cell *cc = NULL;
			char bg[16];

			for (k = 0; k < j; k++)
				if (!strcmp(cmp_key(&c->cells[k])->allocator, col->allocator))
					break;
			if (k < j)
				continue;
			for (k = 0; k < c->ncells; k++)
				if (cell_same_row(cmp_key(&c->cells[k]), row) &&
				    !strcmp(cmp_key(&c->cells[k])->allocator, col->allocator))
					cc = &c->cells[k];
			if (!cc) {
				fputs("<td class=\"h\">&ndash;</td>", out);
				continue;
			}
			if (cc->verdict == NGB_VERDICT_ONLY_A || cc->verdict == NGB_VERDICT_ONLY_B ||
			    isnan(cc->speedup)) {
				fprintf(out, "<td class=\"h v-%s\">%s</td>",
					cc->verdict == NGB_VERDICT_NOISY ? "noisy" : "same",
					ngb_verdict_name(cc->verdict));
				continue;
			}
			if (cc->verdict == NGB_VERDICT_FASTER || cc->verdict == NGB_VERDICT_SLOWER) {
				page_heat_colour(cc->speedup, bg, sizeof(bg));
				fprintf(out, "<td class=\"h\" style=\"background:%s;color:%s;"
					     "font-weight:700\"", bg,
					page_heat_dark(cc->speedup) ? "#fff" : "#111");
			} else {
				fprintf(out, "<td class=\"h v-%s\"", ngb_verdict_name(cc->verdict));
			}
			fprintf(out, " data-v=\"%.6g\" title=\"%s: %.3fx, interval [%.3f, %.3f], P HOLM "
				     "%.3g, detectable %.1f%%\">%.2f&times; %s</td>", cc->speedup,
				ngb_verdict_name(cc->verdict), cc->speedup, cc->ci.lo, cc->ci.hi,
				cc->p_holm, 100 * cc->detectable, cc->speedup,
				ngb_verdict_name(cc->verdict));
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n<p class=\"key\"><span style=\"background:#2166ac;color:#fff\">"
	      "faster</span><span style=\"background:#b35806;color:#fff\">slower</span>"
	      "<span class=\"v-same\" style=\"background:#eee\">same</span><span style=\""
	      "background-image:repeating-linear-gradient(135deg,transparent 0 4px,rgba(0,0,0,.14) "
	      "4px 5px)\">noisy</span> B over A, &gt; 1: B is better; faster and slower in bold "
	      "colour, shaded by the size of the change.</p>\n", out);
}

static int write_html(const struct ngb_compare *c, FILE *out)
{
	static const enum ngb_verdict order[] = { NGB_VERDICT_SLOWER, NGB_VERDICT_FASTER,
						  NGB_VERDICT_SAME, NGB_VERDICT_NOISY,
						  NGB_VERDICT_ONLY_A, NGB_VERDICT_ONLY_B };
	char title[96];
	size_t i;

	snprintf(title, sizeof(title), "ngbench compare: session %lld against %lld",
		 (long long)c->rb->session_id, (long long)c->ra->session_id);
	page_begin(out, title, NULL);
	fputs("<section id=\"summary\">\n<p class=\"verdict-counts\">", out);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		size_t n = ngb_compare_count(c, order[i]);

		if (n || i < 4)
			fprintf(out, "%s<b>%zu</b> %s", i ? " &middot; " : "", n,
				ngb_verdict_name(order[i]));
	}
	fputs(" <small>(cells of B against A)</small></p>\n", out);
	if (ngb_compare_count(c, NGB_VERDICT_SLOWER))
		fputs("<div class=\"banner\"><b>Slower.</b> B is slower than A in the cells marked "
		      "slower, beyond the minimum effect and after Holm's correction: "
		      "'ngbench compare' exits 1.</div>\n", out);
	html_map(c, out);
	fputs("<p class=\"prov\">", out);
	html_side(out, "A", c->ra);
	fputs("<br>", out);
	html_side(out, "B", c->rb);
	fputs("<br>Statistic: ", out);
	put_html(out, stat_what(c->opt.stat));
	fprintf(out, "; minimum effect %g%%; %.0f%% intervals.<br>", 100 * c->opt.min_effect,
		100 * c->opt.conf);
	fputs("<span id=\"family\">", out);
	family_note_html(c, out);
	fprintf(out, "</span><br>Reproduce: <code>ngbench compare --stat=%s --min-effect=%g%% "
		     "%s%s--format=html %lld %lld</code></p>\n</section>\n",
		ngb_compare_stat_name(c->opt.stat), 100 * c->opt.min_effect,
		c->opt.absolute ? "--absolute " : "", c->opt.history ? "--history " : "",
		(long long)c->ra->session_id,
		(long long)c->rb->session_id);
	fputs("<h2>Every cell</h2>\n<div class=\"wide\"><table class=\"sortable\" id=\"cells\">"
	      "<thead><tr>", out);
	{
		static const char *const head[] = { "WORKLOAD", "THREADS", "ALLOCATOR", "RUNS", "A",
						    "B", "SPEEDUP", "95% CI", "P (MW)", "P HOLM",
						    "DETECT", "VERDICT" };

		for (i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
			fputs(i > 2 && i != 7 && i != 11 ? "<th class=\"n\" title=\"" : "<th title=\"",
			      out);
			put_html(out, column_tip(head[i]));
			fprintf(out, "\">%s</th>", head[i]);
		}
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (i = 0; i < c->ncells; i++) {
		const struct cmp_cell *cc = &c->cells[i];
		const struct cell *x = cmp_key(cc);
		char sa[32] = "-", sb[32] = "-";
		int both = cc->a && cc->b;

		fputs("<tr><td>", out);
		put_html(out, x->workload);
		fprintf(out, "</td><td class=\"n\">%d</td><td>", x->threads);
		put_html(out, x->allocator);
		fprintf(out, "</td><td class=\"n\">%zu/%zu</td>", cc->a ? cc->a->values.n : 0,
			cc->b ? cc->b->values.n : 0);
		if (both) {
			fmt_num(sa, sizeof(sa), cc->stat_a);
			fmt_num(sb, sizeof(sb), cc->stat_b);
		}
		fprintf(out, "<td class=\"n\">%s</td><td class=\"n\">%s</td>", sa, sb);
		if (both && !isnan(cc->speedup))
			fprintf(out, "<td class=\"n\">%.3fx</td>", cc->speedup);
		else
			fputs("<td class=\"n\">-</td>", out);
		if (both && cc->ci.level > 0)
			fprintf(out, "<td>[%.3f, %.3f]%s</td>", cc->ci.lo, cc->ci.hi,
				cc->ci.level < c->opt.conf - 1e-9 ? " (small samples)" : "");
		else
			fputs("<td>none</td>", out);
		fprintf(out, both && !isnan(cc->mw.p) ? "<td class=\"n\">%.3g</td>" :
			"<td class=\"n\">n/a</td>", cc->mw.p);
		fprintf(out, !isnan(cc->p_holm) ? "<td class=\"n\">%.3g</td>" :
			"<td class=\"n\">n/a</td>", cc->p_holm);
		fprintf(out, !isnan(cc->detectable) ? "<td class=\"n\">%.1f%%</td>" :
			"<td class=\"n\">n/a</td>", 100 * cc->detectable);
		fprintf(out, "<td class=\"v-%s\">%s</td></tr>\n",
			cc->verdict == NGB_VERDICT_ONLY_A || cc->verdict == NGB_VERDICT_ONLY_B ?
			"same" : ngb_verdict_name(cc->verdict), ngb_verdict_name(cc->verdict));
	}
	fputs("</tbody></table></div>\n<p>SPEEDUP is B over A (&gt; 1: B is better); P (MW) is "
	      "the two-sided Mann-Whitney p-value of all runs. Hover over a column's header for "
	      "what it means.</p>\n", out);
	page_end(out, "Every number comes from the trials stored in the two sessions; "
		      "'ngbench export' gives them raw.");
	return ferror(out) ? -EIO : 0;
}

int ngb_compare_write(const struct ngb_compare *c, enum ngb_report_format f, FILE *out,
		      struct ngb_err *e)
{
	if (f == NGB_FORMAT_JSON)
		return write_json(c, out, e);
	if (f == NGB_FORMAT_HTML)
		return write_html(c, out) ? ngb_err_set(e, -EIO, "cannot write the comparison") : 0;
	if (f != NGB_FORMAT_TEXT)
		return ngb_err_set(e, -EINVAL, "compare speaks text, json and html, not '%s'",
				   ngb_report_format_name(f));
	return write_text(c, out) ? ngb_err_set(e, -EIO, "cannot write the comparison") : 0;
}
