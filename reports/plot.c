/*
 * reports/plot.c - gnuplot data files and scripts for a report, and their
 * SVG and PNG renders.
 *
 * The scripts are written for people as much as for ngbench: each reads its
 * own .dat file, renders every format named in `formats` (default "svg png"),
 * and can be edited and re-run with `gnuplot NAME.gp`.  Colours are the
 * Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), which
 * colour-blind readers tell apart; each allocator also gets its own fill
 * pattern (bars) or dash and point type (lines), so the plots survive a
 * greyscale printer.  Labels reach gnuplot only through plot_safe_copy(), and
 * enhanced text is off, so no label is read as gnuplot syntax.
 *
 * A missing gnuplot is not an error: the data and scripts are written, and
 * the caller is told that the plots were not rendered and how to get them.
 *
 * Over 600 lines: the speedup, scaling, counter and RSS plots and the
 * profile plots share the palette, hatches, the script head and the render
 * loop kept static here; the profile plots (from "allocation profiles"
 * down) are the part to move out next, with those helpers in internal.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/*
 * An allocator's style is fixed by its place in the report's list (the
 * baseline first), so that it has the same colour, hatch, dash and marker
 * in every plot, also in those that leave the baseline out.  The order of
 * the Okabe-Ito colours puts the pale yellow last, and neighbours differ
 * in lightness as well as hue.
 */
static const char *const palette[] = {
	"#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))
/* gnuplot fill patterns: 3 is solid, the others hatches of different angle and density */
static const int patterns[] = { 3, 4, 5, 1, 6, 7, 2, 8 };
#define NPATTERNS (sizeof(patterns) / sizeof(patterns[0]))
/* gnuplot point types: filled circle, square, triangles up and down, diamond, then open */
static const int points[] = { 7, 5, 9, 11, 13, 6, 4, 8 };
#define NPOINTS (sizeof(points) / sizeof(points[0]))

/* The allocators in style order, set by plots_write from the report. */
struct style_order {
	char *const *names;
	size_t n;
};
static size_t style_index(const struct style_order *o, const char *name, size_t fallback)
{
	size_t i;

	for (i = 0; o && i < o->n; i++)
		if (!strcmp(o->names[i], name))
			return i;
	return fallback;
}

int plot_add(struct plot_set *set, const char *name, const char *caption)
{
	char **n = realloc(set->names, (set->n + 1) * sizeof(*n));
	char **c;

	if (!n)
		return -ENOMEM;
	set->names = n;
	c = realloc(set->captions, (set->n + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	set->captions = c;
	n[set->n] = strdup(name);
	c[set->n] = strdup(caption);
	if (!n[set->n] || !c[set->n])
		return -ENOMEM;
	set->n++;
	return 0;
}

void plot_set_release(struct plot_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		free(set->names[i]);
		free(set->captions[i]);
	}
	free(set->names);
	free(set->captions);
	memset(set, 0, sizeof(*set));
}

FILE *open_in(const char *dir, const char *name, const char *ext,
	      struct ngb_report_files *files, struct ngb_err *e)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	f = fopen(path, "w");
	if (!f) {
		ngb_err_set(e, -errno, "cannot write '%s': %s", path, strerror(errno));
		return NULL;
	}
	files_add(files, path);
	return f;
}

int close_checked(FILE *f, const char *what, struct ngb_err *e)
{
	int bad = ferror(f);

	if (fclose(f) || bad)
		return ngb_err_set(e, -EIO, "cannot write '%s'", what);
	return 0;
}

/* The two lines of a group's tick label: workload, thread count. */
static void group_lines(const struct group *g, char **l1, char **l2)
{
	*l1 = plot_safe_copy(g->workload);
	if (g->threads)
		*l2 = g->threads == 1 ? strdup("1 thread") : NULL;
	else
		*l2 = strdup("");
	if (g->threads > 1 && asprintf(l2, "%d threads", g->threads) < 0)
		*l2 = NULL;
}

static void group_label(char *buf, size_t len, const struct group *g)
{
	char *w = plot_safe_copy(g->workload);

	if (g->threads)
		snprintf(buf, len, "%s, %d thr", w ? w : "?", g->threads);
	else
		snprintf(buf, len, "%s", w ? w : "?");
	free(w);
}

static void put_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs(" NaN", f);
	else
		fprintf(f, " %.6g", v);
}

static void script_head(FILE *f, const char *name, const char *what, int w, int h)
{
	fprintf(f,
		"# %s.gp - %s\n"
		"# Written by ngbench; edit and re-render with: gnuplot %s.gp\n"
		"# (renders %s.svg and %s.png; gnuplot -e \"formats='png'\" %s.gp renders one)\n"
		"if (!exists(\"formats\")) formats = \"svg png\"\n"
		"reset\n"
		"set termoption noenhanced\n"
		"set datafile missing \"NaN\"\n"
		"set encoding utf8\n"
		"set border 3 lw 1\n"
		"set tics nomirror\n"
		"set grid ytics lc rgb \"#d0d0d0\" lw 1 dt 3\n"
		"set key outside right top vertical Left reverse noautotitle\n"
		"W = %d; H = %d\n",
		name, what, name, name, name, name, w, h);
}

static void script_loop_begin(FILE *f, const char *name)
{
	fprintf(f,
		"do for [fmt in formats] {\n"
		"  if (fmt eq \"svg\") {\n"
		"    set terminal svg size W,H font \"Helvetica,13\" background rgb \"white\"\n"
		"  } else {\n"
		"    set terminal pngcairo size W,H font \"Helvetica,11\" background rgb \"white\"\n"
		"  }\n"
		"  set output \"%s.\".fmt\n", name);
}

static void script_loop_end(FILE *f)
{
	fputs("  unset output\n}\n", f);
}

/* The same, for the other plots of the reports (history.c). */
void plot_script_head(FILE *f, const char *name, const char *what, int w, int h)
{
	script_head(f, name, what, w, h);
}

void plot_script_loop_begin(FILE *f, const char *name)
{
	script_loop_begin(f, name);
}

void plot_script_loop_end(FILE *f)
{
	script_loop_end(f);
}

/* Titles of the allocators and their styles, for the scripts (plot-safe). */
static void allocator_titles(FILE *f, char *const *names, size_t n, const struct style_order *o)
{
	size_t i;

	fputs("titles = \"", f);
	for (i = 0; i < n; i++) {
		char *s = plot_safe_copy(names[i]);
		char *p;

		for (p = s; p && *p; p++)
			if (*p == ' ')
				*p = '_'; /* words() splits at spaces */
		fprintf(f, "%s%s", i ? " " : "", s ? s : "?");
		free(s);
	}
	fputs("\"\ncolors = \"", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", palette[style_index(o, names[i], i) % NPALETTE]);
	fputs("\"\npatterns = \"", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? " " : "", patterns[style_index(o, names[i], i) % NPATTERNS]);
	fputs("\"\npoints = \"", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? " " : "", points[style_index(o, names[i], i) % NPOINTS]);
	/* gnuplot's dash types 1-5 differ; with the markers that is enough */
	fputs("\"\ndashes = \"", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%zu", i ? " " : "", style_index(o, names[i], i) % 5 + 1);
	fputs("\"\n", f);
}

/*
 * Grouped bars: one data block per series (allocator), then one block of
 * x positions and labels of the groups.  Columns of a series block: x,
 * value, interval low, interval high.
 */
struct bars {
	const char *name, *what, *title, *ylabel;
	const char *xlabel;       /* NULL: none */
	size_t nseries, ngroups;
	char **series;           /* names */
	char **groups;           /* labels, plot-safe */
	char **groups2;          /* their second lines, or NULL */
	double *val, *lo, *hi;   /* [series * ngroups + group] */
	int errorbars;
	double hline;            /* draw y = hline with this title */
	const char *hline_title; /* NULL: no line */
	int ylog;
	const struct style_order *style;
};

static int write_bars(const struct bars *b, const char *dir, struct ngb_report_files *files,
		      struct ngb_err *e)
{
	FILE *f;
	size_t s, g;
	double width = 0.8 / (double)(b->nseries ? b->nseries : 1);
	char path[4096];
	int w = 260 + (int)(b->ngroups * (b->nseries * 22 + 30));

	if (w < 860)
		w = 860;
	if (w > 2400)
		w = 2400;
	f = open_in(dir, b->name, "dat", files, e);
	if (!f)
		return e->code;
	fprintf(f, "# %s.dat - %s\n# written by ngbench report; read by %s.gp\n", b->name,
		b->what, b->name);
	for (s = 0; s < b->nseries; s++) {
		char *t = plot_safe_copy(b->series[s]);

		fprintf(f, "# series %zu: %s\n# x value low high\n", s, t ? t : "?");
		free(t);
		for (g = 0; g < b->ngroups; g++) {
			double x = (double)g + (((double)s + 0.5) * width) - 0.4;

			fprintf(f, "%.4f", x);
			put_num(f, b->val[s * b->ngroups + g]);
			put_num(f, b->lo[s * b->ngroups + g]);
			put_num(f, b->hi[s * b->ngroups + g]);
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
	fputs("# groups: x label (two lines)\n", f);
	for (g = 0; g < b->ngroups; g++)
		fprintf(f, "%zu \"%s\" \"%s\"\n", g, b->groups[g],
			b->groups2 && b->groups2[g] ? b->groups2[g] : "");
	snprintf(path, sizeof(path), "%s/%s.dat", dir, b->name);
	if (close_checked(f, path, e))
		return e->code;

	f = open_in(dir, b->name, "gp", files, e);
	if (!f)
		return e->code;
	script_head(f, b->name, b->what, w, 520);
	allocator_titles(f, b->series, b->nseries, b->style);
	fprintf(f,
		"N = %zu; G = %zu; BW = %.4f\n"
		"set title \"%s\"\n"
		"set ylabel \"%s\"\n"
		"set xrange [-0.6:G-0.4]\n"
		"set yrange [0:*]\n"
		"set xtics scale 0 font \",11\"\n"
		"set bmargin 5\n"
		"set style fill border lc rgb \"#303030\"\n"
		"set errorbars small\n",
		b->nseries, b->ngroups, width, b->title, b->ylabel);
	if (b->xlabel)
		fprintf(f, "set xlabel \"%s\"\n", b->xlabel);
	if (b->ylog)
		fputs("set logscale y 2\nset yrange [*:*]\n", f);
	if (b->ngroups > 5)
		fputs("set xtics rotate by -30 left\n", f);
	script_loop_begin(f, b->name);
	/*
	 * Each bar twice: a light tint of its colour, then its hatch pattern in
	 * the full colour over it, so the colour reads at a glance and the
	 * pattern survives greyscale; the key shows the hatch in colour.
	 */
	fprintf(f,
		"  plot for [i=1:N] \"%s.dat\" index (i-1) using 1:2:(BW) with boxes"
		" fill solid 0.3 noborder lc rgb word(colors, i) notitle, \\\n"
		"       for [i=1:N] \"%s.dat\" index (i-1) using 1:2:(BW) with boxes"
		" fill transparent pattern word(patterns, i)+0 border lc rgb \"#303030\""
		" lc rgb word(colors, i) lw 1.5 title word(titles, i), \\\n",
		b->name, b->name);
	if (b->errorbars)
		/* vectors, not yerrorbars, which leave a white gap around the point */
		fprintf(f, "       for [i=1:N] \"%s.dat\" index (i-1) using 1:3:(0):($4-$3) with vectors"
			   " heads size screen 0.006,90 lc rgb \"black\" lw 1.2 notitle, \\\n",
			b->name);
	if (b->hline_title)
		fprintf(f, "       %g with lines lc rgb \"#404040\" lw 1.5 dt 2 title \"%s\", \\\n",
			b->hline, b->hline_title);
	fprintf(f, "       \"%s.dat\" index N using 1:(NaN):xtic(strcol(2).\"\\n\".strcol(3)) notitle\n",
		b->name);
	script_loop_end(f);
	snprintf(path, sizeof(path), "%s/%s.gp", dir, b->name);
	return close_checked(f, path, e);
}

static void bars_release(struct bars *b)
{
	size_t g;

	for (g = 0; g < b->ngroups; g++) {
		free(b->groups[g]);
		if (b->groups2)
			free(b->groups2[g]);
	}
	free(b->groups);
	free(b->groups2);
	free(b->val), free(b->lo), free(b->hi);
}

static int bars_alloc(struct bars *b, char **series, size_t nseries, size_t ngroups)
{
	size_t n = nseries * ngroups, i;

	b->series = series;
	b->nseries = nseries;
	b->ngroups = ngroups;
	b->groups = calloc(ngroups ? ngroups : 1, sizeof(*b->groups));
	b->groups2 = calloc(ngroups ? ngroups : 1, sizeof(*b->groups2));
	b->val = malloc((n ? n : 1) * sizeof(double));
	b->lo = malloc((n ? n : 1) * sizeof(double));
	b->hi = malloc((n ? n : 1) * sizeof(double));
	if (!b->groups || !b->groups2 || !b->val || !b->lo || !b->hi)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		b->val[i] = b->lo[i] = b->hi[i] = NAN;
	b->hline = NAN;
	return 0;
}

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
		group_lines(&r->groups[g], &b.groups[g], &b.groups2[g]);
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
	rc = write_bars(&b, dir, files, e);
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
		group_lines(&r->groups[g], &b.groups[g], &b.groups2[g]);
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
	rc = write_bars(&b, dir, files, e);
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
	group_label(glab, sizeof(glab), &r->groups[g]);
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
	rc = write_bars(&b, dir, files, e);
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
	char path[4096], caption[512], *base = plot_safe_copy(r->baseline);
	int w = 260 + (int)(r->ngroups * (r->nallocators * 22 + 30));
	size_t a, g, k;
	FILE *f;
	int rc;

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

		group_lines(&r->groups[g], &l1, &l2);
		fprintf(f, "%zu \"%s\" \"%s\"\n", g, l1 ? l1 : "?", l2 ? l2 : "");
		free(l1), free(l2);
	}
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	rc = close_checked(f, path, e);
	if (!rc && !(f = open_in(dir, name, "gp", files, e)))
		rc = e->code;
	if (rc) {
		free(base);
		return rc;
	}
	script_head(f, name, "every run of every cell, relative to the baseline's median", w, 520);
	allocator_titles(f, r->allocators, r->nallocators, &so);
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
	script_loop_begin(f, name);
	fprintf(f,
		"  plot for [i=1:N] \"%s.dat\" index (i-1) using 1:2 with points"
		" lc rgb word(colors, i) pt int(word(points, i)) ps 0.9 title word(titles, i), \\\n"
		"       1 with lines lc rgb \"#404040\" lw 1.5 dt 2 title \"%s median\", \\\n"
		"       \"%s.dat\" index N using 1:(NaN):xtic(strcol(2).\"\\n\".strcol(3)) notitle\n",
		name, base, name);
	script_loop_end(f);
	snprintf(path, sizeof(path), "%s/%s.gp", dir, name);
	rc = close_checked(f, path, e);
	snprintf(caption, sizeof(caption),
		 "Every run of every cell relative to the median of %s in the same workload and "
		 "thread count (> 1: better), left to right in the order the runs ran: two clusters "
		 "in a slot are a bimodal cell, a slope is drift.", base);
	free(base);
	if (!rc && plot_add(set, name, caption))
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
	return rc;
}

/* Thread scaling of one workload: speedup over the fewest threads, per allocator. */
static int scaling_plot(const struct ngb_report *r, const char *workload, size_t idx,
			const char *dir, struct plot_set *set, struct ngb_report_files *files,
			struct ngb_err *e)
{
	char name[64], path[4096], caption[512];
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
			put_num(f, sp);
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	if (close_checked(f, path, e)) {
		free(wl);
		return e->code;
	}
	f = open_in(dir, name, "gp", files, e);
	if (!f) {
		free(wl);
		return e->code;
	}
	script_head(f, name, "thread scaling: speedup over the fewest threads", 820, 520);
	allocator_titles(f, r->allocators, r->nallocators,
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
	script_loop_begin(f, name);
	fprintf(f,
		"  plot x / %d with lines lc rgb \"#909090\" dt 3 lw 1.5 title \"ideal\", \\\n"
		"       for [i=1:N] \"%s.dat\" index (i-1) using 1:2 with linespoints"
		" lc rgb word(colors, i) lw 2 dt int(word(dashes, i)) pt int(word(points, i)) ps 1.3"
		" title word(titles, i)\n",
		minthr, name);
	script_loop_end(f);
	snprintf(path, sizeof(path), "%s/%s.gp", dir, name);
	if (close_checked(f, path, e)) {
		free(wl);
		return e->code;
	}
	snprintf(caption, sizeof(caption),
		 "Thread scaling of %s: each allocator's median performance relative to its own "
		 "run with %d thread%s, as in the Hoard paper's figures; the dotted line is linear "
		 "scaling.", wl, minthr, minthr == 1 ? "" : "s");
	free(wl);
	return plot_add(set, name, caption) ? ngb_err_set(e, -ENOMEM, "out of memory") : 0;
}

/* ---- allocation profiles and memory over time ------------------------------ */

/* A size bin's label: "16-32" for [16, 32), with k and M for KiB and MiB. */
static void size_label(char *buf, size_t len, double lo, double hi)
{
	char a[32], b[32];
	double v[2] = { lo, hi };
	char *out[2] = { a, b };
	int i;

	for (i = 0; i < 2; i++) {
		if (v[i] >= 1048576)
			snprintf(out[i], sizeof(a), "%gM", v[i] / 1048576);
		else if (v[i] >= 1024)
			snprintf(out[i], sizeof(a), "%gk", v[i] / 1024);
		else
			snprintf(out[i], sizeof(a), "%g", v[i]);
	}
	snprintf(buf, len, "%s-%s", a, b);
}

/* The share of allocation calls per size bin, one bar per allocator. */
static int size_plot(const struct ngb_report *r, size_t g, const char *dir, struct plot_set *set,
		     struct ngb_report_files *files, struct ngb_err *e)
{
	const struct prof *p = r->prof;
	const struct prof_group *pg = &p->groups[g];
	struct group grp = { pg->workload, pg->threads };
	struct bars b = { 0 };
	struct style_order so = { r->prof->allocators, r->prof->nallocators };
	char name[64], title[512], caption[768], lab[64], *wl, *l2 = NULL, *l1 = NULL;
	size_t *bins = calloc(p->nbins ? p->nbins : 1, sizeof(*bins)), nb = 0, i, s;
	int rc;

	if (!bins)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	/* the bins any allocator of this group used */
	for (i = 0; i < p->nbins; i++)
		for (s = 0; s < p->ncells; s++)
			if (p->cells[s].group == g && p->cells[s].size_count[i] > 0) {
				bins[nb++] = i;
				break;
			}
	if (!nb) {
		free(bins);
		return 0;
	}
	if (bars_alloc(&b, p->allocators, p->nallocators, nb)) {
		bars_release(&b);
		free(bins);
		return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < nb; i++) {
		size_label(lab, sizeof(lab), p->bin_lo[bins[i]], p->bin_hi[bins[i]]);
		b.groups[i] = strdup(lab);
		b.groups2[i] = NULL;
	}
	for (s = 0; s < p->ncells; s++) {
		const struct prof_cell *c = &p->cells[s];
		double total = 0;
		size_t a;

		if (c->group != g)
			continue;
		for (i = 0; i < p->nbins; i++)
			total += c->size_count[i];
		for (a = 0; a < p->nallocators; a++)
			if (!strcmp(p->allocators[a], c->allocator))
				break;
		if (total <= 0 || a == p->nallocators)
			continue;
		for (i = 0; i < nb; i++)
			b.val[a * nb + i] = 100 * c->size_count[bins[i]] / total;
	}
	free(bins);
	group_lines(&grp, &l1, &l2);
	wl = l1;
	snprintf(name, sizeof(name), "sizes-%zu", g);
	snprintf(title, sizeof(title), "Allocation calls by requested size: %s%s%s", wl ? wl : "?",
		 l2 && *l2 ? ", " : "", l2 ? l2 : "");
	b.name = name;
	b.what = "share of the allocation calls per requested-size bin, per allocator";
	b.title = title;
	b.ylabel = "share of allocation calls (%)";
	b.xlabel = "requested size (bytes; bin lo-hi holds lo <= size < hi)";
	b.style = &so;
	rc = write_bars(&b, dir, files, e);
	snprintf(caption, sizeof(caption),
		 "Share of the allocation calls of %s%s%s per requested size (power-of-two bins, "
		 "from the profile trials' size histograms summed per allocator). The sizes are the "
		 "workload's: bars of one bin differ between allocators only by the run.",
		 wl ? wl : "?", l2 && *l2 ? ", " : "", l2 ? l2 : "");
	if (!rc && plot_add(set, name, caption))
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
	bars_release(&b);
	free(l1);
	free(l2);
	return rc;
}

/* RSS over time of one workload x threads: one line per allocator. */
static int rss_time_plot(const struct ngb_report *r, size_t g, const char *dir,
			 struct plot_set *set, struct ngb_report_files *files, struct ngb_err *e)
{
	const struct prof *p = r->prof;
	char name[64], path[4096], caption[768], *l1 = NULL, *l2 = NULL;
	size_t a, i, j;
	FILE *f;
	int rc;

	snprintf(name, sizeof(name), "rss-time-%zu", g);
	f = open_in(dir, name, "dat", files, e);
	if (!f)
		return e->code;
	group_lines(&p->rgroups[g], &l1, &l2);
	fprintf(f, "# %s.dat - resident set over time of %s, the median-metric timing trial of "
		   "each allocator\n", name, l1 ? l1 : "?");
	for (a = 0; a < p->nallocators; a++) {
		char *t = plot_safe_copy(p->allocators[a]);

		fprintf(f, "# series %zu: %s\n# seconds MiB\n", a, t ? t : "?");
		free(t);
		for (i = 0; i < p->nrss; i++) {
			const struct rss_cell *c = &p->rss[i];

			if (c->group != g || strcmp(c->allocator, p->allocators[a]))
				continue;
			for (j = 0; j < c->nsamples; j++)
				fprintf(f, "%.4f %.4f\n", c->t_s[j], c->mib[j]);
		}
		/* an empty series still needs its block, so that indices match titles */
		fputs("NaN NaN\n\n\n", f);
	}
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	rc = close_checked(f, path, e);
	if (!rc && !(f = open_in(dir, name, "gp", files, e)))
		rc = e->code;
	if (rc) {
		free(l1), free(l2);
		return rc;
	}
	script_head(f, name, "resident set over time, one line per allocator", 860, 480);
	allocator_titles(f, p->allocators, p->nallocators,
			 &(struct style_order){ p->allocators, p->nallocators });
	fprintf(f,
		"N = %zu\n"
		"set title \"Resident memory over time: %s%s%s\\n(each allocator's median-run "
		"timing trial)\"\n"
		"set xlabel \"time since the start (s)\"\n"
		"set ylabel \"RSS (MiB)\"\n"
		"set xrange [0:*]\n"
		"set autoscale xfixmax\n"
		"set yrange [0:*]\n",
		p->nallocators, l1 ? l1 : "?", l2 && *l2 ? ", " : "", l2 ? l2 : "");
	script_loop_begin(f, name);
	/* markers every few samples, on a white spot (negative interval) */
	fprintf(f, "  plot for [i=1:N] \"%s.dat\" index (i-1) using 1:2 with linespoints"
		   " lc rgb word(colors, i) lw 2 dt int(word(dashes, i)) pt int(word(points, i))"
		   " pi -6 ps 1.2 title word(titles, i)\n", name);
	script_loop_end(f);
	snprintf(path, sizeof(path), "%s/%s.gp", dir, name);
	rc = close_checked(f, path, e);
	snprintf(caption, sizeof(caption),
		 "Resident set size over time of %s%s%s, sampled from /proc while the program ran: "
		 "for each allocator one representative timing trial, the one with the median "
		 "primary metric (the lower median for an even number of runs).",
		 l1 ? l1 : "?", l2 && *l2 ? ", " : "", l2 ? l2 : "");
	free(l1), free(l2);
	if (!rc && plot_add(set, name, caption))
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
	return rc;
}

static int profile_plots(const struct ngb_report *r, const char *dir, struct plot_set *set,
			 struct ngb_report_files *files, struct ngb_err *e)
{
	size_t g;
	int rc = 0;

	if (!r->prof)
		return 0;
	for (g = 0; !rc && g < r->prof->nrgroups; g++)
		rc = rss_time_plot(r, g, dir, set, files, e);
	for (g = 0; !rc && g < r->prof->ngroups; g++)
		rc = size_plot(r, g, dir, set, files, e);
	return rc;
}

int plots_write(const struct ngb_report *r, const char *dir, struct plot_set *set,
		struct ngb_report_files *files, struct ngb_err *e)
{
	size_t g, i, nwl = 0;
	int rc;

	if (!r->ncells)
		return profile_plots(r, dir, set, files, e);
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
		rc = profile_plots(r, dir, set, files, e);
	return rc;
}

/* Runs gnuplot on the scripts in dir; 0 when it exited 0. */
static int run_gnuplot(const char *gnuplot, const char *dir, char **scripts, size_t n,
		       const char *log)
{
	char **argv = calloc(n + 2, sizeof(*argv));
	pid_t pid;
	int status, fd;
	size_t i;

	if (!argv)
		return -1;
	argv[0] = (char *)gnuplot;
	for (i = 0; i < n; i++)
		argv[i + 1] = scripts[i];
	pid = fork();
	if (pid < 0) {
		free(argv);
		return -1;
	}
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		if (chdir(dir))
			_exit(126);
		execv(gnuplot, argv);
		_exit(127);
	}
	free(argv);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static const char *find_gnuplot(void)
{
	const char *env = getenv("NGBENCH_GNUPLOT");

	/* NGBENCH_GNUPLOT=none: as if gnuplot were missing (for tests) */
	if (env && *env)
		return strcmp(env, "none") && access(env, X_OK) == 0 ? env : NULL;
#ifdef NGB_GNUPLOT
	if (access(NGB_GNUPLOT, X_OK) == 0)
		return NGB_GNUPLOT;
#endif
	if (access("/usr/bin/gnuplot", X_OK) == 0)
		return "/usr/bin/gnuplot";
	return NULL;
}

void plots_render(const char *dir, const struct plot_set *set, struct ngb_report_files *files)
{
	const char *gnuplot = find_gnuplot();
	char log[4096], path[4096];
	char **scripts;
	size_t i, failed = 0;

	files->plots_rendered = 0;
	free(files->plots_note);
	files->plots_note = NULL;
	if (!set->n)
		return;
	if (!gnuplot) {
		files->plots_note = strdup(
			"gnuplot was not found, so the plots were not rendered; their data and "
			"scripts are written: install gnuplot (apt-get install gnuplot-nox) and run "
			"'gnuplot NAME.gp' in the plots folder, or run the report again");
		return;
	}
	scripts = calloc(set->n, sizeof(*scripts));
	if (!scripts)
		return;
	for (i = 0; i < set->n; i++)
		if (asprintf(&scripts[i], "%s.gp", set->names[i]) < 0)
			scripts[i] = NULL;
	snprintf(log, sizeof(log), "%s/gnuplot.log", dir);
	unlink(log);
	/* one gnuplot for every script; if it fails, each on its own to find which */
	if (run_gnuplot(gnuplot, dir, scripts, set->n, log)) {
		for (i = 0; i < set->n; i++)
			if (run_gnuplot(gnuplot, dir, &scripts[i], 1, log))
				failed++;
	}
	for (i = 0; i < set->n; i++) {
		static const char *const ext[] = { "svg", "png" };

		for (size_t k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "%s/%s.%s", dir, set->names[i], ext[k]);
			if (access(path, R_OK) == 0)
				files_add(files, path);
			else if (!failed)
				failed++;
		}
		free(scripts[i]);
	}
	free(scripts);
	if (failed) {
		if (asprintf(&files->plots_note,
			     "gnuplot (%s) failed on %zu plot(s): see '%s'", gnuplot, failed, log) < 0)
			files->plots_note = NULL;
		files_add(files, log);
		return;
	}
	unlink(log);
	files->plots_rendered = 1;
}
