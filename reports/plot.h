/*
 * reports/plot.h - what the report's plots share (gnuplot.c): private to
 * the plot files of reports/.
 */
#ifndef NGBENCH_REPORTS_PLOT_H
#define NGBENCH_REPORTS_PLOT_H

#include <stdio.h>

#include "internal.h"

/* The allocators in style order, set by plots_write from the report. */
struct style_order {
	char *const *names;
	size_t n;
};

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

int bars_write(const struct bars *b, const char *dir, struct ngb_report_files *files,
	       struct ngb_err *e);
void bars_release(struct bars *b);
int bars_alloc(struct bars *b, char **series, size_t nseries, size_t ngroups);

/* The two lines of a group's tick label (workload, thread count), and one. */
void plot_group_lines(const struct group *g, char **l1, char **l2);
void plot_group_label(char *buf, size_t len, const struct group *g);
/* " %.6g", or " NaN" for a number gnuplot should skip */
void plot_put_num(FILE *f, double v);
/* Titles of the allocators and their styles, for the scripts (plot-safe). */
void plot_allocator_titles(FILE *f, char *const *names, size_t n, const struct style_order *o);
/* The plots of allocation profiles and memory over time (plot_profile.c). */
int plot_profiles(const struct ngb_report *r, const char *dir, struct plot_set *set,
		  struct ngb_report_files *files, struct ngb_err *e);

#endif /* NGBENCH_REPORTS_PLOT_H */
