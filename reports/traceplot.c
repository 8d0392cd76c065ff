/*
 * reports/traceplot.c - the plots of an allocation trace (`ngbench trace
 * info --plots=DIR`): the same requested-size plot as a profile, the
 * lifetime histograms in calls and in time, and the live bytes and objects
 * over the trace, the trace's counterpart of a profile's RSS over time.
 *
 * The size plot is the profile's own (plot.c's size_plot, reached through
 * plots_write on a report that holds one profile cell made of the trace's
 * histogram), so a trace and a profile of the same program draw the same
 * picture.  The others are written here with the scripts' common head and
 * render loop (plot_script_*), as history.c does; every plot is then
 * rendered by plots_render, and a missing gnuplot leaves the data and
 * scripts with a note, as for a report.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "ngbench/trace.h"

/* The profile's size plot, on a report of one profile cell: the trace. */
static int size_plot(const struct ngb_trace_stats *s, const char *label, const char *dir,
		     struct plot_set *set, struct ngb_report_files *files, struct ngb_err *e)
{
	double lo[NGB_TRACE_HBINS], hi[NGB_TRACE_HBINS], count[NGB_TRACE_HBINS];
	char *names[] = { "trace" };
	struct prof_group g = { .workload = (char *)label, .ntrials = 1 };
	struct prof_cell c = { .workload = (char *)label, .allocator = names[0], .ntrials = 1,
			       .size_count = count };
	struct prof p = { .groups = &g, .ngroups = 1, .cells = &c, .ncells = 1, .bin_lo = lo,
			  .bin_hi = hi, .nbins = NGB_TRACE_HBINS, .allocators = names,
			  .nallocators = 1 };
	struct ngb_report r = { .prof = &p };

	for (unsigned b = 0; b < NGB_TRACE_HBINS; b++) {
		uint64_t l, h;

		ngb_trace_hist_bounds(b, &l, &h);
		lo[b] = (double)l;
		hi[b] = (double)h;
		count[b] = (double)s->size_hist[b];
	}
	return plots_write(&r, dir, set, files, e);
}

/* A power-of-two bound as the size plot writes it: k, M, G and T of 1024. */
static void bin_label(char *buf, size_t len, uint64_t v)
{
	static const char units[] = "kMGTPE";
	int u = -1;

	while (v >= 1024 && !(v & 1023) && u < 5) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)v, units[u]);
}

/* The share of the freed blocks per lifetime bin. */
static int lifetime_plot(const uint64_t *h, const char *name, const char *label,
			 const char *unit, const char *dir, struct plot_set *set,
			 struct ngb_report_files *files, struct ngb_err *e)
{
	uint64_t total = 0;
	unsigned b, first = NGB_TRACE_HBINS, last = 0, i;
	char *safe = plot_safe_copy(label);
	FILE *f;

	for (b = 0; b < NGB_TRACE_HBINS; b++) {
		total += h[b];
		if (h[b] && first == NGB_TRACE_HBINS)
			first = b;
		if (h[b])
			last = b;
	}
	if (!total) {
		free(safe);
		return 0;
	}
	f = open_in(dir, name, "dat", files, e);
	if (!f) {
		free(safe);
		return e->code;
	}
	fprintf(f, "# %s.dat - blocks of the trace %s by lifetime in %s, from allocation to free\n"
		   "# written by ngbench trace info; read by %s.gp\n"
		   "# index share_percent blocks lo hi label\n", name, safe ? safe : "?", unit, name);
	for (b = first, i = 0; b <= last; b++, i++) {
		uint64_t l, u;
		char a[32], z[32];

		ngb_trace_hist_bounds(b, &l, &u);
		bin_label(a, sizeof(a), l);
		bin_label(z, sizeof(z), u);
		fprintf(f, "%u %.6g %llu %llu %llu \"%s-%s\"\n", i, 100.0 * (double)h[b] / (double)total,
			(unsigned long long)h[b], (unsigned long long)l, (unsigned long long)u, a, z);
	}
	f = plot_switch_to_script(f, dir, name, files, e);
	if (!f) {
		free(safe);
		return e->code;
	}
	plot_script_head(f, name, "share of the trace's freed blocks per lifetime bin", 860, 480);
	fprintf(f,
		"set title \"Lifetimes of the blocks in %s: %s\\n(from allocation to free; "
		"%llu blocks freed)\"\n"
		"set ylabel \"share of the freed blocks (%%)\"\n"
		"set xlabel \"lifetime (%s; k: 1024; bin lo-hi holds lo <= lifetime < hi)\"\n"
		"set yrange [0:*]\n"
		"set xrange [-0.6:%u.4]\n"
		"set xtics scale 0 font \",11\"\n"
		"set style fill solid 0.3 border lc rgb \"#303030\"\n"
		"set boxwidth 0.8\n",
		unit, safe ? safe : "?", (unsigned long long)total, unit, i - 1);
	if (i > 8)
		fputs("set xtics rotate by -30 left\n", f);
	plot_script_loop_begin(f, name);
	fprintf(f, "  plot \"%s.dat\" using 1:2:xtic(6) with boxes lc rgb \"#000000\" notitle\n",
		name);
	plot_script_loop_end(f);
	free(safe);
	return plot_script_finish(f, dir, name, name, set, e);
}

/* The live bytes (left axis) and objects (right axis) over the trace's calls. */
static int live_plot(const struct ngb_trace_stats *s, const char *label, const char *dir,
		     struct plot_set *set, struct ngb_report_files *files, struct ngb_err *e)
{
	const char *name = "live";
	char *safe;
	FILE *f;

	if (!s->nlive)
		return 0;
	f = open_in(dir, name, "dat", files, e);
	if (!f)
		return e->code;
	safe = plot_safe_copy(label);
	fprintf(f, "# live.dat - the bytes and objects live in the trace %s over its calls: the "
		   "most in each window of calls\n# written by ngbench trace info; read by live.gp\n"
		   "# call seconds MiB objects\n", safe ? safe : "?");
	for (size_t i = 0; i < s->nlive; i++)
		fprintf(f, "%llu %.6f %.6f %llu\n", (unsigned long long)s->live[i].call,
			(double)s->live[i].us / 1e6, (double)s->live[i].bytes / 1048576.0,
			(unsigned long long)s->live[i].objects);
	f = plot_switch_to_script(f, dir, name, files, e);
	if (!f) {
		free(safe);
		return e->code;
	}
	plot_script_head(f, name, "live bytes and objects over the trace's calls", 860, 480);
	fprintf(f,
		"set title \"Live memory over the calls of %s\\n(requested bytes and blocks "
		"allocated and not yet freed; peak %.4g MiB, %llu objects)\"\n"
		"set xlabel \"call (all threads, in the recording's order)\"\n"
		"set ylabel \"live MiB (requested)\"\n"
		"set y2label \"live objects\"\n"
		"set y2tics\n"
		"set xrange [0:*]\n"
		"set yrange [0:*]\n"
		"set y2range [0:*]\n",
		safe ? safe : "?", (double)s->peak_bytes / 1048576.0,
		(unsigned long long)s->peak_objects);
	plot_script_loop_begin(f, name);
	/* the Okabe-Ito colours and the markers of the first two lines of a report */
	fputs("  plot \"live.dat\" using 1:3 axes x1y1 with linespoints lc rgb \"#000000\" lw 2"
	      " dt 1 pt 7 pi -150 ps 1.1 title \"MiB\", \\\n"
	      "       \"live.dat\" using 1:4 axes x1y2 with linespoints lc rgb \"#E69F00\" lw 2"
	      " dt 2 pt 5 pi -150 ps 1.1 title \"objects\"\n", f);
	plot_script_loop_end(f);
	free(safe);
	return plot_script_finish(f, dir, name, name, set, e);
}

int ngb_trace_plots(const struct ngb_trace_stats *s, const char *label, const char *dir,
		    struct ngb_report_files *files, struct ngb_err *e)
{
	struct plot_set set = { 0 };
	int rc;

	if (mkdir(dir, 0777) && errno != EEXIST)
		return ngb_err_set(e, -errno, "cannot create '%s': %s", dir, strerror(errno));
	rc = size_plot(s, label, dir, &set, files, e);
	if (!rc)
		rc = lifetime_plot(s->life_calls, "lifetime-calls", label, "calls", dir, &set,
				   files, e);
	if (!rc)
		rc = lifetime_plot(s->life_us, "lifetime-time", label, "microseconds", dir, &set,
				   files, e);
	if (!rc)
		rc = live_plot(s, label, dir, &set, files, e);
	if (!rc)
		plots_render(dir, &set, files);
	plot_set_release(&set);
	return rc;
}
