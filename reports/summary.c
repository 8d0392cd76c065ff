/*
 * reports/summary.c - the top of report.html: the answer first.
 *
 * A reader asks "which allocator for what, and how sure is that?".  The
 * summary answers with
 *   - a heat map of the speedups over the baseline, workload x allocator,
 *     coloured by effect, hatched and greyed where the 95 % interval holds
 *     1 (the order is not established);
 *   - the best allocator of each workload, its margin over the runner-up
 *     (Hodges-Lehmann ratio with its Mann-Whitney interval) and how sure
 *     that is: Holm's correction across the workloads, so that "sure" means
 *     sure for the whole table, not for one cell in twenty;
 *   - one line per allocator: geometric mean, where it wins, where it is
 *     faster or slower than the baseline (Holm across the cells);
 *   - a banner when the evidence is weak: too few runs for a 95 % interval,
 *     most intervals holding 1, runs that split into two groups (bimodal),
 *     or a session whose runs drifted; it says how many runs would settle
 *     the unsettled cells (an interval's width shrinks as 1/sqrt(n));
 *   - the machine, the versions and the command that reproduces it.
 * Every string from a user or a program goes through put_html.
 * The tests of weak evidence (bimodal cells, drift, runs that would
 * settle a cell) are evidence.c's.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* what a per-cell verdict against the baseline is */
struct sum_cell {
	const struct cell *c;
	double p, p_holm;             /* Mann-Whitney against the baseline's cell */
	int crosses;                  /* no interval, or it holds 1 */
};

struct best {
	const struct cell *best, *next;
	double margin, p, p_holm;     /* best over next, > 1: best is better */
	struct ngb_interval ci;
};

static int is_base(const struct ngb_report *r, const struct cell *c)
{
	return r->baseline && !strcmp(c->allocator, r->baseline);
}

/* no interval at the report's level (too few runs), or it holds 1 */
static int ci_crosses(const struct cell *c, double conf)
{
	return !c->has_speedup || !(c->speedup_ci.level >= conf - 1e-9) ||
	       (c->speedup_ci.lo <= 1 && c->speedup_ci.hi >= 1);
}

/* Per non-baseline cell: the test against the baseline, Holm across all. */
static struct sum_cell *judge_cells(const struct ngb_report *r, size_t *n)
{
	struct sum_cell *s = calloc(r->ncells + 1, sizeof(*s));
	double *p = calloc(r->ncells + 1, sizeof(*p)), *adj = calloc(r->ncells + 1, sizeof(*adj));
	size_t i, k = 0;

	*n = 0;
	if (!s || !p || !adj) {
		free(s), free(p), free(adj);
		return NULL;
	}
	for (i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];
		const struct cell *b = r->baseline ? report_cell(r, c->group, r->baseline) : NULL;
		struct ngb_mw mw;

		if (is_base(r, c))
			continue;
		s[k].c = c;
		s[k].crosses = ci_crosses(c, r->conf);
		s[k].p = NAN;
		if (b && b->values.n > 1 && c->values.n > 1 && c->has_speedup &&
		    !ngb_mann_whitney(b->values.v, b->values.n, c->values.v, c->values.n, &mw))
			s[k].p = mw.p;
		p[k] = s[k].p;
		k++;
	}
	ngb_holm(p, k, adj);
	for (i = 0; i < k; i++)
		s[i].p_holm = adj[i];
	free(p);
	free(adj);
	*n = k;
	return s;
}

static const struct sum_cell *sum_of(const struct sum_cell *s, size_t n, const struct cell *c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].c == c)
			return &s[i];
	return NULL;
}

static int better(const struct cell *x, const struct cell *y)
{
	return x->higher ? x->median > y->median : x->median < y->median;
}

/* The best and runner-up of each group; Holm over the groups with both. */
static struct best *find_best(const struct ngb_report *r)
{
	struct best *b = calloc(r->ngroups + 1, sizeof(*b));
	double *p = calloc(r->ngroups + 1, sizeof(*p)), *adj = calloc(r->ngroups + 1, sizeof(*adj));
	size_t g, i;

	if (!b || !p || !adj) {
		free(b), free(p), free(adj);
		return NULL;
	}
	for (g = 0; g < r->ngroups; g++) {
		struct best *x = &b[g];

		x->margin = x->p = NAN;
		for (i = 0; i < r->ncells; i++) {
			const struct cell *c = &r->cells[i];

			if (c->group != g || !c->values.n || isnan(c->median))
				continue;
			if (!x->best || better(c, x->best)) {
				x->next = x->best;
				x->best = c;
			} else if (!x->next || better(c, x->next)) {
				x->next = c;
			}
		}
		if (x->best && x->next && x->best->median > 0 && x->next->median > 0) {
			struct ngb_mw mw;
			double ratio;

			if (!ngb_hl_ratio(x->next->values.v, x->next->values.n, x->best->values.v,
					  x->best->values.n, r->conf, &ratio, &x->ci)) {
				if (x->best->higher) {
					x->margin = ratio;
				} else {
					x->margin = 1 / ratio;
					x->ci = (struct ngb_interval){ 1 / x->ci.hi, 1 / x->ci.lo,
								       x->ci.level };
				}
			}
			if (x->best->values.n > 1 && x->next->values.n > 1 &&
			    !ngb_mann_whitney(x->next->values.v, x->next->values.n, x->best->values.v,
					      x->best->values.n, &mw))
				x->p = mw.p;
		}
		p[g] = x->p;
	}
	ngb_holm(p, r->ngroups, adj);
	for (g = 0; g < r->ngroups; g++)
		b[g].p_holm = adj[g];
	free(p);
	free(adj);
	return b;
}

static void group_name(FILE *out, const struct group *g)
{
	put_html(out, g->workload);
	if (g->threads)
		fprintf(out, ", %d thr", g->threads);
}

/* ---- weak evidence (evidence.c) -------------------------------------------- */

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void banner(const struct ngb_report *r, const struct sum_cell *s, size_t ns, FILE *out)
{
	size_t i, ncross = 0, nbi = 0, nneed = 0, *need = calloc(ns + 1, sizeof(*need));
	double first = 0, last = 0;
	int drift = report_drift(r, &first, &last), shown = 0;

	for (i = 0; i < ns; i++) {
		if (!s[i].crosses)
			continue;
		ncross++;
		if (need && cell_runs_to_settle(s[i].c))
			need[nneed++] = cell_runs_to_settle(s[i].c);
	}
	for (i = 0; i < r->ncells; i++)
		nbi += cell_looks_bimodal(&r->cells[i]);
	if (!(r->min_runs < 6 || (ns && 3 * ncross > ns) || nbi || drift)) {
		free(need);
		return;
	}
	fputs("<div class=\"banner\" id=\"weak\" role=\"note\"><b>Weak evidence.</b> ", out);
	if (r->min_runs < 6) {
		fprintf(out, "%zu run%s in the smallest cell: below 6 runs no 95%% interval of a "
			     "median exists. ", r->min_runs, r->min_runs == 1 ? "" : "s");
		shown = 1;
	}
	if (ns && ncross) {
		fprintf(out, "%zu of %zu cells' speedup intervals hold 1 or do not reach 95%% "
			     "(hatched): their order against ", ncross, ns);
		put_html(out, r->baseline);
		fputs(" is not established. ", out);
		shown = 1;
	}
	if (nneed) {
		size_t med;

		qsort(need, nneed, sizeof(*need), cmp_size);
		med = need[nneed / 2];
		fprintf(out, "About <b>%zu runs per cell</b> (-r %zu", med, med);
		if (need[0] != need[nneed - 1])
			fprintf(out, "; from %zu to %s%zu by cell", need[0],
				need[nneed - 1] >= 1000 ? "over " : "", need[nneed - 1]);
		fputs(") would settle those whose difference is 5% or more, if the noise stays as it "
		      "was. ", out);
	} else if (r->min_runs < 6) {
		fputs("Run with -r 6 or more (10 or more on a noisy machine). ", out);
	}
	if (nbi) {
		size_t k = 0;

		fprintf(out, "%zu cell%s split into two groups of runs (bimodal: the machine, or "
			     "the program, had two speeds): ", nbi, nbi == 1 ? "" : "s");
		for (i = 0; i < r->ncells && k < 3; i++) {
			if (!cell_looks_bimodal(&r->cells[i]))
				continue;
			fputs(k++ ? "; " : "", out);
			put_html(out, r->cells[i].workload);
			if (r->cells[i].threads)
				fprintf(out, " %d thr", r->cells[i].threads);
			fputs(" ", out);
			put_html(out, r->cells[i].allocator);
		}
		fputs(nbi > 3 ? "; &hellip; (see the distribution of the runs below). " : ". ", out);
		shown = 1;
	}
	if (drift) {
		fprintf(out, "The runs drifted over the session: the first round ran %+.0f%%, the "
			     "last %+.0f%% from each cell's median (worse when positive); the rounds "
			     "were interleaved, so every allocator saw the drift alike, but the "
			     "intervals are wider for it. ", 100 * first, 100 * last);
		shown = 1;
	}
	if (!shown)
		fputs("See the intervals below. ", out);
	fputs("</div>\n", out);
	free(need);
}

/* ---- the heat map ------------------------------------------------------------ */

static void heat_map(const struct ngb_report *r, const struct sum_cell *s, size_t ns, FILE *out)
{
	size_t g, a, nholm = 0;

	for (a = 0; a < ns; a++)
		nholm += s[a].p_holm < 1 - r->conf;
	fputs("<div><h3>Speedup over ", out);
	put_html(out, r->baseline);
	fputs(" (&gt; 1: faster)</h3>\n<table class=\"heat\" id=\"heat\"><thead><tr><th>workload"
	      "</th>", out);
	for (a = 0; a < r->nallocators; a++) {
		if (!strcmp(r->allocators[a], r->baseline))
			continue;
		fputs("<th>", out);
		put_html(out, r->allocators[a]);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (g = 0; g < r->ngroups; g++) {
		fputs("<tr><th class=\"row\">", out);
		group_name(out, &r->groups[g]);
		fputs("</th>", out);
		for (a = 0; a < r->nallocators; a++) {
			const struct cell *c;
			const struct sum_cell *sc;
			char col[16];

			if (!strcmp(r->allocators[a], r->baseline))
				continue;
			c = report_cell(r, g, r->allocators[a]);
			sc = c ? sum_of(s, ns, c) : NULL;
			if (!c || !sc || !c->has_speedup || isnan(c->speedup)) {
				fputs("<td class=\"h\" title=\"not measured\">&ndash;</td>", out);
				continue;
			}
			page_heat_colour_faint(c->speedup, sc->crosses, col, sizeof(col));
			fprintf(out, "<td class=\"h%s\" style=\"background:%s;color:%s;%s\" title=\"",
				sc->crosses ? " u" : "", col,
				sc->crosses ? "#555" : page_heat_dark(c->speedup) ? "#fff" : "#111",
				sc->p_holm < 1 - r->conf ? "font-weight:700" : "");
			put_html(out, c->allocator);
			fputs(" on ", out);
			put_html(out, c->workload);
			if (c->threads)
				fprintf(out, ", %d thread%s", c->threads, c->threads == 1 ? "" : "s");
			fprintf(out, ": %.3fx", c->speedup);
			if (c->speedup_ci.level > 0)
				fprintf(out, ", interval [%.3f, %.3f] at %.4g%%", c->speedup_ci.lo,
					c->speedup_ci.hi, 100 * c->speedup_ci.level);
			fprintf(out, ", %zu runs; %s\" data-v=\"%.6g\">%.2f&times;%s</td>", c->values.n,
				sc->crosses ? "the interval holds 1: not established"
				: sc->p_holm < 1 - r->conf ? "established, also after Holm's correction"
				: "established for this cell alone, not after Holm's correction",
				c->speedup, c->speedup, sc->crosses ? "?" : "");
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n<p class=\"key\">", out);
	{
		static const double ex[] = { 0.5, 0.8, 0.95, 1.05, 1.25, 2 };
		size_t i;
		char col[16];

		for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
			page_heat_colour(ex[i], col, sizeof(col));
			fprintf(out, "<span style=\"background:%s;color:%s\">%g&times;</span>", col,
				page_heat_dark(ex[i]) ? "#fff" : "#111", ex[i]);
		}
	}
	fprintf(out, "<br>blue: faster than the baseline, orange: slower; <span class=\"mark\" "
		     "style=\"background-image:repeating-linear-gradient(135deg,transparent 0 3px,"
		     "rgba(0,0,0,.3) 3px 4px)\"></span>hatched, grey and ?: the %.0f%% interval holds "
		     "1, or there are too few runs for one; <strong>bold</strong>: established after Holm's "
		     "correction across the %zu cells (%zu of them).</p></div>\n", 100 * r->conf, ns,
		nholm);
}

/* ---- best per workload ------------------------------------------------------- */

static void best_table(const struct ngb_report *r, const struct best *b, FILE *out)
{
	size_t g, fam = 0;

	for (g = 0; g < r->ngroups; g++)
		fam += !isnan(b[g].p);
	fputs("<div><h3>Best allocator per workload</h3>\n<table class=\"best\" id=\"best\">"
	      "<thead><tr><th>workload</th><th title=\"the best median of the primary metric\">"
	      "best</th><th class=\"n\" title=\"the best over the runner-up: Hodges-Lehmann ratio "
	      "with its 95% interval (&gt; 1: the best is better)\">margin</th><th title=\"the "
	      "runner-up\">over</th><th title=\"sure: the Mann-Whitney test of best against "
	      "runner-up holds after Holm's correction across the workloads; likely: for this "
	      "workload alone; a tie: not established\">how sure</th></tr></thead>\n<tbody>\n",
	      out);
	for (g = 0; g < r->ngroups; g++) {
		const struct best *x = &b[g];

		fputs("<tr><th class=\"row\">", out);
		group_name(out, &r->groups[g]);
		fputs("</th><td>", out);
		if (!x->best) {
			fputs("&ndash;</td><td></td><td></td><td>no run succeeded</td></tr>\n", out);
			continue;
		}
		fputs("<b>", out);
		put_html(out, x->best->allocator);
		fputs("</b></td>", out);
		if (!x->next) {
			fputs("<td></td><td></td><td>the only allocator</td></tr>\n", out);
			continue;
		}
		if (isnan(x->margin))
			fputs("<td class=\"n\">n/a</td><td>", out);
		else if (x->ci.level > 0)
			fprintf(out, "<td class=\"n\" data-v=\"%.6g\">%+.1f%% <small>[%+.1f, %+.1f]"
				     "</small></td><td>", x->margin, 100 * (x->margin - 1),
				100 * (x->ci.lo - 1), 100 * (x->ci.hi - 1));
		else
			fprintf(out, "<td class=\"n\" data-v=\"%.6g\">%+.1f%%</td><td>", x->margin,
				100 * (x->margin - 1));
		put_html(out, x->next->allocator);
		fputs("</td><td>", out);
		if (isnan(x->p))
			fputs("unknown (one run)", out);
		else if (x->p_holm < 1 - r->conf)
			fprintf(out, "<span class=\"sure\">sure</span> <small>(p %.2g, Holm over "
				     "%zu)</small>", x->p_holm, fam);
		else if (x->p < 1 - r->conf)
			fprintf(out, "likely <small>(p %.2g alone, %.2g after Holm)</small>", x->p,
				x->p_holm);
		else
			fprintf(out, "a tie <small>(p %.2g)</small>", x->p);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
}

/* ---- a line per allocator ---------------------------------------------------- */

static void verdicts(const struct ngb_report *r, const struct sum_cell *s, size_t ns,
		     const struct best *b, FILE *out)
{
	size_t a, i, g;

	fputs("<h3>Verdict per allocator</h3>\n<ul class=\"verdicts\" id=\"verdicts\">\n", out);
	for (a = 0; a < r->nallocators; a++) {
		const char *name = r->allocators[a];
		size_t faster = 0, slower = 0, unsettled = 0, wins = 0;
		int base = r->baseline && !strcmp(name, r->baseline);

		fputs("<li><b>", out);
		put_html(out, name);
		fputs("</b>", out);
		if (base) {
			fputs(" (the baseline)", out);
		} else {
			for (i = 0; i < r->ngeo; i++)
				if (!strcmp(r->geo[i].allocator, name) && !isnan(r->geo[i].value))
					fprintf(out, ": %.2f&times; the baseline overall (geometric "
						     "mean of %zu cells)", r->geo[i].value,
						r->geo[i].ncells);
		}
		for (g = 0; g < r->ngroups; g++) {
			if (!b[g].best || strcmp(b[g].best->allocator, name) || !b[g].next)
				continue;
			fputs(wins++ ? ", " : "; best on ", out);
			group_name(out, &r->groups[g]);
			if (b[g].p_holm < 1 - r->conf)
				fputs(" (sure)", out);
			else if (!(b[g].p < 1 - r->conf))
				fputs(" (a tie)", out);
		}
		for (i = 0; i < ns; i++) {
			if (strcmp(s[i].c->allocator, name))
				continue;
			if (s[i].p_holm < 1 - r->conf && !s[i].crosses && s[i].c->speedup > 1)
				faster++;
			else if (s[i].p_holm < 1 - r->conf && !s[i].crosses)
				slower++;
			else
				unsettled++;
		}
		if (!base && (faster || slower || unsettled)) {
			fprintf(out, "; faster than the baseline in %zu cell%s, slower in %zu", faster,
				faster == 1 ? "" : "s", slower);
			if (slower) {
				size_t k = 0;

				fputs(" (", out);
				for (i = 0; i < ns; i++) {
					const struct cell *c = s[i].c;

					if (strcmp(c->allocator, name) || !(s[i].p_holm < 1 - r->conf) ||
					    s[i].crosses || c->speedup > 1)
						continue;
					if (k++ == 3) {
						fputs(", &hellip;", out);
						break;
					}
					fputs(k > 1 ? ", " : "", out);
					put_html(out, c->workload);
					if (c->threads)
						fprintf(out, " %d thr", c->threads);
					fprintf(out, " %.2f&times;", c->speedup);
				}
				fputs(")", out);
			}
			fprintf(out, ", not established in %zu", unsettled);
		}
		fputs(".</li>\n", out);
	}
	fputs("</ul>\n", out);
}

/* ---- machine, versions, reproduce -------------------------------------------- */

static void provenance(const struct ngb_report *r, FILE *out)
{
	size_t i, j;

	fprintf(out, "<p class=\"prov\" id=\"provenance\">Session %lld (", (long long)r->session_id);
	put_html(out, r->status);
	fputs("), started ", out);
	put_html(out, r->started_at);
	if (r->finished_at) {
		fputs(", finished ", out);
		put_html(out, r->finished_at);
	}
	fputs(". Machine: ", out);
	put_html(out, r->host);
	fputs(", ", out);
	put_html(out, r->cpu_model);
	fprintf(out, ", %d cores, ", r->cores);
	put_html(out, r->kernel);
	if (r->os) {
		fputs(", ", out);
		put_html(out, r->os);
	}
	if (r->libc) {
		fputs(", ", out);
		put_html(out, r->libc);
	}
	fputs(". ngbench ", out);
	put_html(out, r->version);
	fputs(" (commit ", out);
	put_html(out, r->commit);
	fputs("). Allocators: ", out);
	for (i = 0; i < r->nallocators; i++) {
		const char *ver = NULL;

		for (j = 0; j < r->ncells; j++)
			if (!strcmp(r->cells[j].allocator, r->allocators[i]) &&
			    r->cells[j].allocator_version)
				ver = r->cells[j].allocator_version;
		fputs(i ? "; " : "", out);
		put_html(out, r->allocators[i]);
		if (ver) {
			fputs(" ", out);
			put_html(out, ver);
		}
	}
	fputs(".<br>Reproduce: <code>", out);
	put_html(out, r->command_line);
	fprintf(out, "</code> (the trial order came from --seed=%lld).</p>\n", (long long)r->seed);
}

void report_write_summary_html(const struct ngb_report *r, FILE *out)
{
	struct sum_cell *s = NULL;
	struct best *b = NULL;
	size_t ns = 0;

	fputs("<section id=\"summary\">\n", out);
	if (!r->ncells || !r->baseline) {
		fputs("<p>No measured trial in this session: nothing to summarize.</p>\n", out);
		provenance(r, out);
		fputs("</section>\n", out);
		return;
	}
	s = judge_cells(r, &ns);
	b = find_best(r);
	if (!s || !b) {
		fputs("<p class=\"note\">out of memory: no summary</p>\n", out);
	} else {
		banner(r, s, ns, out);
		fputs("<div class=\"sum\">\n", out);
		if (ns)
			heat_map(r, s, ns, out);
		best_table(r, b, out);
		fputs("</div>\n", out);
		verdicts(r, s, ns, b, out);
	}
	provenance(r, out);
	fputs("</section>\n", out);
	free(s);
	free(b);
}
