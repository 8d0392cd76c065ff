/*
 * reports/plot_profile.c - the plots of allocation profiles and memory
 * over time (profile.c): the share of allocation calls per size bin, and
 * resident memory against time of each allocator's median-run trial.
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
	plot_group_lines(&grp, &l1, &l2);
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
	rc = bars_write(&b, dir, files, e);
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
	char name[64], caption[768], *l1 = NULL, *l2 = NULL;
	size_t a, i, j;
	FILE *f;

	snprintf(name, sizeof(name), "rss-time-%zu", g);
	f = open_in(dir, name, "dat", files, e);
	if (!f)
		return e->code;
	plot_group_lines(&p->rgroups[g], &l1, &l2);
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
	f = plot_switch_to_script(f, dir, name, files, e);
	if (!f) {
		free(l1), free(l2);
		return e->code;
	}
	plot_script_head(f, name, "resident set over time, one line per allocator", 860, 480);
	plot_allocator_titles(f, p->allocators, p->nallocators,
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
	plot_script_loop_begin(f, name);
	/* markers every few samples, on a white spot (negative interval) */
	fprintf(f, "  plot for [i=1:N] \"%s.dat\" index (i-1) using 1:2 with linespoints"
		   " lc rgb word(colors, i) lw 2 dt int(word(dashes, i)) pt int(word(points, i))"
		   " pi -6 ps 1.2 title word(titles, i)\n", name);
	plot_script_loop_end(f);
	snprintf(caption, sizeof(caption),
		 "Resident set size over time of %s%s%s, sampled from /proc while the program ran: "
		 "for each allocator one representative timing trial, the one with the median "
		 "primary metric (the lower median for an even number of runs).",
		 l1 ? l1 : "?", l2 && *l2 ? ", " : "", l2 ? l2 : "");
	free(l1), free(l2);
	return plot_script_finish(f, dir, name, caption, set, e);
}

int plot_profiles(const struct ngb_report *r, const char *dir, struct plot_set *set,
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
