/*
 * reports/gnuplot.c - what every plot of the reports shares: the styles of
 * the allocators, the head and render loop of a script, grouped bars
 * (data and script), the files of a plot set, and gnuplot run on them to
 * SVG and PNG (plot.c and plot_profile.c write the report's plots,
 * history_write.c its own).
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

FILE *plot_switch_to_script(FILE *dat, const char *dir, const char *name,
			    struct ngb_report_files *files, struct ngb_err *e)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	if (close_checked(dat, path, e))
		return NULL;
	return open_in(dir, name, "gp", files, e);
}

int plot_script_finish(FILE *gp, const char *dir, const char *name, const char *caption,
		       struct plot_set *set, struct ngb_err *e)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.gp", dir, name);
	if (close_checked(gp, path, e))
		return e->code;
	if (set && plot_add(set, name, caption))
		return ngb_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* The two lines of a group's tick label: workload, thread count. */
void plot_group_lines(const struct group *g, char **l1, char **l2)
{
	*l1 = plot_safe_copy(g->workload);
	if (g->threads)
		*l2 = g->threads == 1 ? strdup("1 thread") : NULL;
	else
		*l2 = strdup("");
	if (g->threads > 1 && asprintf(l2, "%d threads", g->threads) < 0)
		*l2 = NULL;
}

void plot_group_label(char *buf, size_t len, const struct group *g)
{
	char *w = plot_safe_copy(g->workload);

	if (g->threads)
		snprintf(buf, len, "%s, %d thr", w ? w : "?", g->threads);
	else
		snprintf(buf, len, "%s", w ? w : "?");
	free(w);
}

void plot_put_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs(" NaN", f);
	else
		fprintf(f, " %.6g", v);
}

void plot_script_head(FILE *f, const char *name, const char *what, int w, int h)
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

void plot_script_loop_begin(FILE *f, const char *name)
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

void plot_script_loop_end(FILE *f)
{
	fputs("  unset output\n}\n", f);
}

/* Titles of the allocators and their styles, for the scripts (plot-safe). */
void plot_allocator_titles(FILE *f, char *const *names, size_t n, const struct style_order *o)
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


int bars_write(const struct bars *b, const char *dir, struct ngb_report_files *files,
		      struct ngb_err *e)
{
	FILE *f;
	size_t s, g;
	double width = 0.8 / (double)(b->nseries ? b->nseries : 1);
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
			plot_put_num(f, b->val[s * b->ngroups + g]);
			plot_put_num(f, b->lo[s * b->ngroups + g]);
			plot_put_num(f, b->hi[s * b->ngroups + g]);
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
	fputs("# groups: x label (two lines)\n", f);
	for (g = 0; g < b->ngroups; g++)
		fprintf(f, "%zu \"%s\" \"%s\"\n", g, b->groups[g],
			b->groups2 && b->groups2[g] ? b->groups2[g] : "");
	f = plot_switch_to_script(f, dir, b->name, files, e);
	if (!f)
		return e->code;
	plot_script_head(f, b->name, b->what, w, 520);
	plot_allocator_titles(f, b->series, b->nseries, b->style);
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
	plot_script_loop_begin(f, b->name);
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
	plot_script_loop_end(f);
	return plot_script_finish(f, dir, b->name, NULL, NULL, e);
}

void bars_release(struct bars *b)
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

int bars_alloc(struct bars *b, char **series, size_t nseries, size_t ngroups)
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
