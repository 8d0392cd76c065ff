/*
 * reports/plot.c - the report's plots as gnuplot data files and scripts:
 * speedups, thread scaling, counters against the baseline, max RSS and
 * every run in order (gnuplot.c has what the plots share and renders
 * them; plot_profile.c the plots of allocation profiles and memory over
 * time).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "plot.h"

static int speedup_plot(const struct ngb_report *r, const char *dir, struct plot_set *set,
			struct ngb_report_files *files, struct ngb_err *e)
{
	struct bars b = { .name = "speedup" };
	struct style_order so = { r->allocators, r->nallocators };
	char title[512], ylabel[256], caption[512], lab[256];
	char *base = plot_safe_copy(r->baseline);
	size_t s, g;
	int rc;

	if (r->nallocators < 2 || !base) {
		free(base);
		return 0;
	}
	/* every allocator but the baseline, which is the line at 1 */
	if (bars_alloc(&b, r->allocators + 1, r->nallocators - 1, r->ngroups)) {
		bars_release(&b);
		free(base);
		return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	for (g = 0; g < r->ngroups; g++) {
		plot_group_lines(&r->groups[g], &b.groups[g], &b.groups2[g]);
		for (s = 0; s < b.nseries; s++) {
			const struct cell *c = report_cell(r, g, b.series[s]);
			size_t k = s * b.ngroups + g;

			if (!c || !c->has_speedup)
				continue;
			b.val[k] = c->speedup;
			b.lo[k] = c->speedup_ci.level > 0 ? c->speedup_ci.lo : c->speedup;
			b.hi[k] = c->speedup_ci.level > 0 ? c->speedup_ci.hi : c->speedup;
		}
	}
	{
		/* small samples have intervals of less confidence: the title says so */
		double minlevel = r->conf;

		for (g = 0; g < r->ncells; g++)
			if (r->cells[g].speedup_ci.level > 0 && r->cells[g].speedup_ci.level < minlevel)
				minlevel = r->cells[g].speedup_ci.level;
		if (minlevel < r->conf - 1e-9)
			snprintf(title, sizeof(title),
				 "Speedup over %s per workload (Hodges-Lehmann)\\nbars: %.0f%% "
				 "intervals, down to %.0f%% with few runs", base, 100 * r->conf,
				 100 * minlevel);
		else
			snprintf(title, sizeof(title),
				 "Speedup over %s per workload (Hodges-Lehmann)\\nbars: %.0f%% "
				 "intervals", base, 100 * r->conf);
	}
	snprintf(ylabel, sizeof(ylabel), "speedup over %s (x, higher is better)", base);
	b.what = "each allocator's speedup over the baseline per workload and thread count";
	b.title = title;
	b.ylabel = ylabel;
	b.errorbars = 1;
	b.hline = 1;
	snprintf(lab, sizeof(lab), "%s (baseline)", base);
	b.hline_title = lab;
	b.style = &so;
	rc = bars_write(&b, dir, files, e);
	snprintf(caption, sizeof(caption),
		 "Speedup over %s per workload and thread count (> 1: better than the baseline); "
		 "error bars: the %.0f%% Hodges-Lehmann interval (none with a single run). The dashed "
		 "line is the baseline.", base, 100 * r->conf);
	if (!rc)
		rc = plot_add(set, "speedup", caption) ? ngb_err_set(e, -ENOMEM, "out of memory") : 0;
	bars_release(&b);
	free(base);
	return rc;
}

static int rss_plot(const struct ngb_report *r, const char *dir, struct plot_set *set,
		    struct ngb_report_files *files, struct ngb_err *e)
{
	struct bars b = { .name = "maxrss" };
	struct style_order so = { r->allocators, r->nallocators };
	size_t s, g;
	int rc, any = 0;

	if (bars_alloc(&b, r->allocators, r->nallocators, r->ngroups)) {
		bars_release(&b);
		return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	for (g = 0; g < r->ngroups; g++) {
		plot_group_lines(&r->groups[g], &b.groups[g], &b.groups2[g]);
		for (s = 0; s < b.nseries; s++) {
			const struct cell *c = report_cell(r, g, b.series[s]);
			size_t k = s * b.ngroups + g;

			if (!c || isnan(c->rss_median))
				continue;
			b.val[k] = c->rss_median / 1024;
			b.lo[k] = c->rss.n ? c->rss.v[0] / 1024 : NAN;
			b.hi[k] = b.val[k];
			any = 1;
		}
	}
	if (!any) {
		bars_release(&b);
		return 0;
	}
	/* the range of the runs is shown too: rss.v is sorted by ngb_median */
	for (g = 0; g < r->ngroups; g++)
		for (s = 0; s < b.nseries; s++) {
			const struct cell *c = report_cell(r, g, b.series[s]);

			if (c && c->rss.n)
				b.hi[s * b.ngroups + g] = c->rss.v[c->rss.n - 1] / 1024;
		}
	b.what = "median peak resident set (max RSS) per allocator, workload and thread count";
	b.title = "Peak memory: median max RSS (bars: min to max of the runs)";
	b.ylabel = "max RSS (MiB, lower is better)";
	b.errorbars = 1;
	b.style = &so;
	rc = bars_write(&b, dir, files, e);
	if (!rc && plot_add(set, "maxrss",
			    "Median peak resident set size (max RSS from wait4) per allocator; error "
			    "bars span the smallest to the largest run."))
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
	bars_release(&b);
	return rc;
}

/* Counter bars for one group: every event and derived metric relative to the baseline. */
static int counter_plot(const struct ngb_report *r, size_t g, const char *dir,
			struct plot_set *set, struct ngb_report_files *files, struct ngb_err *e)
{
	const struct cell *base = report_cell(r, g, r->baseline);
	struct bars b = { 0 };
	struct style_order so = { r->allocators, r->nallocators };
	char name[64], title[512], caption[512], lab[256], glab[256], *bname;
	size_t s, k, nm = 0, *which;
	int rc;

	if (!base || r->nallocators < 2)
		return 0;
	which = calloc(r->nevents + NGB_NDERIVED + 1, sizeof(*which));
	if (!which)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	/* metrics: events with a baseline value, then derived ones (index + nevents) */
	for (k = 0; k < r->nevents; k++)
		if (base->ev_med[k] > 0 && strcmp(r->events[k], "cpu-migrations"))
			which[nm++] = k;
	for (k = 0; k < NGB_NDERIVED; k++)
		if (base->dv_med[k] > 0)
			which[nm++] = r->nevents + k;
	if (!nm) {
		free(which);
		return 0;
	}
	snprintf(name, sizeof(name), "counters-%zu", g);
	b.name = name;
	if (bars_alloc(&b, r->allocators + 1, r->nallocators - 1, nm)) {
		bars_release(&b);
		free(which);
		return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	for (k = 0; k < nm; k++) {
		size_t m = which[k];
		double bv = m < r->nevents ? base->ev_med[m] : base->dv_med[m - r->nevents];

		b.groups[k] = plot_safe_copy(m < r->nevents ? r->events[m]
							    : ngb_derived[m - r->nevents].label);
		for (s = 0; s < b.nseries; s++) {
			const struct cell *c = report_cell(r, g, b.series[s]);
			double v;

			if (!c)
				continue;
			v = m < r->nevents ? c->ev_med[m] : c->dv_med[m - r->nevents];
			b.val[s * nm + k] = v / bv;
		}
	}
	plot_group_label(glab, sizeof(glab), &r->groups[g]);
	bname = plot_safe_copy(r->baseline);
	snprintf(title, sizeof(title), "Counters relative to %s: %s (median per trial)", bname, glab);
	b.title = title;
	b.what = "each counter's median relative to the baseline's, for one workload and thread count";
	b.ylabel = "ratio to the baseline (1: the same, < 1: fewer)";
	{
		/* a log scale only when the ratios span a wide range */
		double lo = INFINITY, hi = 0;

		for (k = 0; k < nm * b.nseries; k++)
			if (b.val[k] > 0) {
				lo = b.val[k] < lo ? b.val[k] : lo;
				hi = b.val[k] > hi ? b.val[k] : hi;
			}
		b.ylog = hi > 8 * lo;
		if (b.ylog)
			b.ylabel = "ratio to the baseline (log scale; 1: the same, < 1: fewer)";
	}
	b.hline = 1;
	snprintf(lab, sizeof(lab), "%s = 1", bname);
	b.hline_title = lab;
	b.style = &so;
	rc = bars_write(&b, dir, files, e);
	snprintf(caption, sizeof(caption),
		 "Counters for %s: each allocator's median relative to %s's (1: the same; < 1: "
		 "fewer events). Events that were not counted are left out, never drawn as 0.",
		 glab, bname);
	if (!rc && plot_add(set, name, caption))
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
	free(bname);
	free(which);
	bars_release(&b);
	return rc;
}

/*
 * Every run of every cell, so that a bimodal cell or a drift is seen: per
 * workload and thread count a slot per allocator, a point per run placed
 * across the slot in the order the runs ran, its value relative to the
 * baseline's median in that group (oriented: > 1 is better), log scale.
 */
static int runs_plot(const struct ngb_report *r, const char *dir, struct plot_set *set,
		     struct ngb_report_files *files, struct ngb_err *e)
{
	const char *name = "runs";
	struct style_order so = { r->allocators, r->nallocators };
	double width = 0.8 / (double)(r->nallocators ? r->nallocators : 1);
	char caption[512], *base = plot_safe_copy(r->baseline);
	int w = 260 + (int)(r->ngroups * (r->nallocators * 22 + 30));
	size_t a, g, k;
	FILE *f;

	if (!base)
		return 0;
	w = w < 860 ? 860 : w > 2400 ? 2400 : w;
	f = open_in(dir, name, "dat", files, e);
	if (!f) {
		free(base);
		return e->code;
	}
	fprintf(f, "# %s.dat - every run, relative to the median of %s in its workload and "
		   "thread count (> 1: better)\n# written by ngbench report; read by %s.gp\n",
		name, base, name);
	for (a = 0; a < r->nallocators; a++) {
		char *t = plot_safe_copy(r->allocators[a]);

		fprintf(f, "# series %zu: %s\n# x relative run\n", a, t ? t : "?");
		free(t);
		for (g = 0; g < r->ngroups; g++) {
			const struct cell *c = report_cell(r, g, r->allocators[a]);
			const struct cell *b = report_cell(r, g, r->baseline);
			double x0 = (double)g + (((double)a + 0.5) * width) - 0.4;

			if (!c || !b || !(b->median > 0))
				continue;
			for (k = 0; k < c->runs.n; k++) {
				double v = c->runs.v[k], rel, jit = 0;

				if (!(v > 0))
					continue;
				rel = c->higher ? v / b->median : b->median / v;
				if (c->runs.n > 1)
					jit = ((double)k / (double)(c->runs.n - 1) - 0.5) * 0.7 * width;
				fprintf(f, "%.4f %.6g %zu\n", x0 + jit, rel, k + 1);
			}
		}
		fputs("NaN NaN 0\n\n\n", f);
	}
	fputs("# groups: x label (two lines)\n", f);
	for (g = 0; g < r->ngroups; g++) {
		char *l1, *l2;

		plot_group_lines(&r->groups[g], &l1, &l2);
		fprintf(f, "%zu \"%s\" \"%s\"\n", g, l1 ? l1 : "?", l2 ? l2 : "");
		free(l1), free(l2);
	}
	f = plot_switch_to_script(f, dir, name, files, e);
	if (!f) {
		free(base);
		return e->code;
	}
	plot_script_head(f, name, "every run of every cell, relative to the baseline's median", w, 520);
	plot_allocator_titles(f, r->allocators, r->nallocators, &so);
	fprintf(f,
		"N = %zu; G = %zu\n"
		"set title \"Every run, relative to the median of %s (higher is better; a point "
		"per run, left to right in the order they ran)\"\n"
		"set ylabel \"run / median of %s (x, log scale)\"\n"
		"set logscale y 2\n"
		"set xrange [-0.6:G-0.4]\n"
		"set xtics scale 0 font \",11\"\n"
		"set bmargin 5\n",
		r->nallocators, r->ngroups, base, base);
	if (r->ngroups > 5)
		fputs("set xtics rotate by -30 left\n", f);
	plot_script_loop_begin(f, name);
	fprintf(f,
		"  plot for [i=1:N] \"%s.dat\" index (i-1) using 1:2 with points"
		" lc rgb word(colors, i) pt int(word(points, i)) ps 0.9 title word(titles, i), \\\n"
		"       1 with lines lc rgb \"#404040\" lw 1.5 dt 2 title \"%s median\", \\\n"
		"       \"%s.dat\" index N using 1:(NaN):xtic(strcol(2).\"\\n\".strcol(3)) notitle\n",
		name, base, name);
	plot_script_loop_end(f);
	snprintf(caption, sizeof(caption),
		 "Every run of every cell relative to the median of %s in the same workload and "
		 "thread count (> 1: better), left to right in the order the runs ran: two clusters "
		 "in a slot are a bimodal cell, a slope is drift.", base);
	free(base);
	return plot_script_finish(f, dir, name, caption, set, e);
}

/* Thread scaling of one workload: speedup over the fewest threads, per allocator. */
static int scaling_plot(const struct ngb_report *r, const char *workload, size_t idx,
			const char *dir, struct plot_set *set, struct ngb_report_files *files,
			struct ngb_err *e)
{
	char name[64], caption[512];
	char *wl = plot_safe_copy(workload);
	int minthr = 0, maxthr = 0;
	size_t a, i;
	FILE *f;

	for (i = 0; i < r->ngroups; i++)
		if (!strcmp(r->groups[i].workload, workload) && r->groups[i].threads) {
			if (!minthr || r->groups[i].threads < minthr)
				minthr = r->groups[i].threads;
			if (r->groups[i].threads > maxthr)
				maxthr = r->groups[i].threads;
		}
	snprintf(name, sizeof(name), "scaling-%zu", idx);
	f = open_in(dir, name, "dat", files, e);
	if (!f) {
		free(wl);
		return e->code;
	}
	fprintf(f, "# %s.dat - thread scaling of %s: speedup of each allocator over its own "
		   "run with %d thread(s)\n", name, wl, minthr);
	for (a = 0; a < r->nallocators; a++) {
		const struct cell *c1 = NULL;
		char *t = plot_safe_copy(r->allocators[a]);

		for (i = 0; i < r->ncells; i++)
			if (!strcmp(r->cells[i].workload, workload) && r->cells[i].threads == minthr &&
			    !strcmp(r->cells[i].allocator, r->allocators[a]))
				c1 = &r->cells[i];
		fprintf(f, "# series %zu: %s\n# threads speedup\n", a, t ? t : "?");
		free(t);
		for (i = 0; i < r->ncells; i++) {
			const struct cell *c = &r->cells[i];
			double sp = NAN;

			if (strcmp(c->workload, workload) || strcmp(c->allocator, r->allocators[a]) ||
			    !c->threads)
				continue;
			if (c1 && c1->values.n && c->values.n && c->median > 0 && c1->median > 0)
				sp = c->higher ? c->median / c1->median : c1->median / c->median;
			fprintf(f, "%d", c->threads);
			plot_put_num(f, sp);
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
	f = plot_switch_to_script(f, dir, name, files, e);
	if (!f) {
		free(wl);
		return e->code;
	}
	plot_script_head(f, name, "thread scaling: speedup over the fewest threads", 820, 520);
	plot_allocator_titles(f, r->allocators, r->nallocators,
			 &(struct style_order){ r->allocators, r->nallocators });
	fprintf(f,
		"N = %zu\n"
		"set title \"Thread scaling of %s (median of each cell)\"\n"
		"set xlabel \"threads\"\n"
		"set ylabel \"speedup over %d thread%s (x)\"\n"
		"set xrange [%g:%g]\n"
		"set yrange [0:*]\n"
		"set xtics 1\n",
		r->nallocators, wl, minthr, minthr == 1 ? "" : "s", minthr - 0.3, maxthr + 0.3);
	plot_script_loop_begin(f, name);
	fprintf(f,
		"  plot x / %d with lines lc rgb \"#909090\" dt 3 lw 1.5 title \"ideal\", \\\n"
		"       for [i=1:N] \"%s.dat\" index (i-1) using 1:2 with linespoints"
		" lc rgb word(colors, i) lw 2 dt int(word(dashes, i)) pt int(word(points, i)) ps 1.3"
		" title word(titles, i)\n",
		minthr, name);
	plot_script_loop_end(f);
	snprintf(caption, sizeof(caption),
		 "Thread scaling of %s: each allocator's median performance relative to its own "
		 "run with %d thread%s, as in the Hoard paper's figures; the dotted line is linear "
		 "scaling.", wl, minthr, minthr == 1 ? "" : "s");
	free(wl);
	return plot_script_finish(f, dir, name, caption, set, e);
}

int plots_write(const struct ngb_report *r, const char *dir, struct plot_set *set,
		struct ngb_report_files *files, struct ngb_err *e)
{
	size_t g, i, nwl = 0;
	int rc;

	if (!r->ncells)
		return plot_profiles(r, dir, set, files, e);
	rc = speedup_plot(r, dir, set, files, e);
	if (!rc)
		rc = runs_plot(r, dir, set, files, e);
	/* scaling: each workload with at least two thread counts */
	for (g = 0; !rc && g < r->ngroups; g++) {
		int first = 1, n = 0;

		for (i = 0; i < g; i++)
			if (!strcmp(r->groups[i].workload, r->groups[g].workload))
				first = 0;
		if (!first)
			continue;
		for (i = g; i < r->ngroups; i++)
			n += !strcmp(r->groups[i].workload, r->groups[g].workload) &&
			     r->groups[i].threads;
		if (n >= 2)
			rc = scaling_plot(r, r->groups[g].workload, nwl++, dir, set, files, e);
	}
	for (g = 0; !rc && g < r->ngroups; g++)
		rc = counter_plot(r, g, dir, set, files, e);
	if (!rc)
		rc = rss_plot(r, dir, set, files, e);
	if (!rc)
		rc = plot_profiles(r, dir, set, files, e);
	return rc;
}
