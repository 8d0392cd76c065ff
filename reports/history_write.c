/*
 * reports/history_write.c - a metric's history (history.c) written as
 * text, markdown, CSV, JSON and an HTML page with its change-point plot
 * (SVG drawn here), and as a gnuplot script with its data.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "history.h"

static const char *direction(const struct ngb_history *h, double rel)
{
	if (isnan(rel))
		return "";
	return (rel > 0) == (h->higher != 0) ? "better" : "worse";
}

static void rule_line(const struct ngb_history *h, FILE *out)
{
	const struct ngb_cp_options *o = &h->q.cp;

	fprintf(out, "change points: E-divisive means (Matteson & James 2014), permutation test "
		"p <= %g with %u shuffles, segments of at least %zu points, medians differing by at "
		"least %g%%", o->sig_level > 0 ? o->sig_level : 0.05,
		o->permutations ? o->permutations : 199, o->min_size ? o->min_size : 3,
		100 * o->min_magnitude);
}

static void fmt_or_dash(char *buf, size_t len, double v, int have)
{
	if (have)
		snprintf(buf, len, "%.6g", v);
	else
		snprintf(buf, len, "-");
}

static int write_text_md(const struct ngb_history *h, FILE *out, int md)
{
	void (*put)(FILE *, const char *) = md ? put_markdown : put_text;
	size_t i;

	if (md)
		fputs("### ", out);
	fputs("history of ", out);
	put(out, h->metric_name);
	fprintf(out, " (%s is better", h->higher ? "higher" : "lower");
	if (h->unit && *h->unit) {
		fputs(", ", out);
		put(out, h->unit);
	}
	fputs("): ", out);
	put(out, h->workload);
	fputs(", ", out);
	put(out, h->allocator);
	fprintf(out, ", by %s\n\n", h->q.order && !strcmp(h->q.order, "commit") ? "commit" : "time");
	if (md)
		fputs("| # | sessions | started | commit | threads | runs | median | 95% interval | "
		      "change |\n| ---: | --- | --- | --- | ---: | ---: | ---: | --- | --- |\n", out);
	else
		fprintf(out, "%4s  %-10s  %-24s  %-18s  %7s  %4s  %12s  %-27s  %s\n", "#", "SESSIONS",
			"STARTED", "COMMIT", "THREADS", "RUNS", "MEDIAN", "95% INTERVAL", "CHANGE");
	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];
		char med[32], lo[32], hi[32], iv[80], ch[64];

		fmt_or_dash(med, sizeof(med), p->median, 1);
		fmt_or_dash(lo, sizeof(lo), p->ci.lo, p->ci.level > 0);
		fmt_or_dash(hi, sizeof(hi), p->ci.hi, p->ci.level > 0);
		if (p->ci.level > 0)
			snprintf(iv, sizeof(iv), "[%s, %s]%s", lo, hi,
				 p->ci.level < 0.95 - 1e-9 ? " (range)" : "");
		else
			snprintf(iv, sizeof(iv), "-");
		if (p->change)
			snprintf(ch, sizeof(ch), "%s %+.1f%% %s", md ? "**change**" : "<- change",
				 100 * p->change_rel, direction(h, p->change_rel));
		else
			ch[0] = '\0';
		if (md) {
			fprintf(out, "| %zu | ", i + 1);
			put(out, p->sessions);
			fputs(" | ", out);
			put(out, p->started_at);
			fputs(" | ", out);
			put(out, p->commit);
			fprintf(out, " | %d | %zu | %s | %s | %s |\n", p->threads, p->v.n, med, iv, ch);
		} else {
			fprintf(out, "%4zu  ", i + 1);
			put(out, p->sessions);
			fprintf(out, "%*s  ", (int)(10 > text_width(p->sessions) ? 10 - text_width(p->sessions) : 0), "");
			put(out, p->started_at);
			fprintf(out, "%*s  ", (int)(24 > text_width(p->started_at) ? 24 - text_width(p->started_at) : 0), "");
			put(out, p->commit);
			fprintf(out, "%*s  %7d  %4zu  %12s  %-27s  %s\n",
				(int)(18 > text_width(p->commit) ? 18 - text_width(p->commit) : 0), "",
				p->threads, p->v.n, med, iv, ch);
		}
	}
	fputc('\n', out);
	rule_line(h, out);
	fprintf(out, ": %zu found\n", h->ncps);
	return ferror(out) ? -EIO : 0;
}

static int write_csv(const struct ngb_history *h, FILE *out)
{
	size_t i;

	fprintf(out, "# ngbench history, format %d\n", NGB_REPORT_FORMAT_VERSION);
	fputs("index,sessions,started_at,commit,label,threads,runs,median,ci_lo,ci_hi,ci_level,"
	      "change_point,change\n", out);
	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];

		fprintf(out, "%zu,", i + 1);
		put_csv(out, p->sessions);
		fputc(',', out);
		put_csv(out, p->started_at);
		fputc(',', out);
		put_csv(out, p->commit);
		fputc(',', out);
		put_csv(out, p->label);
		fprintf(out, ",%d,%zu,%.9g,", p->threads, p->v.n, p->median);
		if (p->ci.level > 0)
			fprintf(out, "%.9g,%.9g,%.4g", p->ci.lo, p->ci.hi, p->ci.level);
		else
			fputs(",,", out);
		fprintf(out, ",%d,", p->change);
		if (p->change)
			fprintf(out, "%.6g", p->change_rel);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

static int write_json(const struct ngb_history *h, FILE *out)
{
	json_t *pts = json_array(), *root;
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];

		json_array_append_new(pts, json_pack("{s:o, s:o, s:o, s:o, s:i, s:I, s:o, s:o, s:o,"
						     " s:b, s:o}",
			"sessions", json_text(p->sessions), "started_at", json_text(p->started_at),
			"commit", json_text(p->commit), "label", json_text(p->label), "threads",
			p->threads, "runs", (json_int_t)p->v.n, "median", json_num(p->median),
			"ci_lo", json_num(p->ci.level > 0 ? p->ci.lo : NAN), "ci_hi",
			json_num(p->ci.level > 0 ? p->ci.hi : NAN), "change_point", p->change,
			"change", json_num(p->change ? p->change_rel : NAN)));
	}
	root = json_pack("{s:i, s:o, s:o, s:o, s:b, s:s, s:o}", "format_version",
			 NGB_REPORT_FORMAT_VERSION, "workload", json_text(h->workload), "allocator",
			 json_text(h->allocator), "metric", json_text(h->metric_name),
			 "higher_is_better", h->higher, "order",
			 h->q.order && !strcmp(h->q.order, "commit") ? "commit" : "time", "points", pts);
	return json_dump_root(root, out);
}

/* ---- HTML: what changed, the change-point plot (SVG drawn here), the points -- */

static const char *const series_colours[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7",
					       "#000000", "#E69F00" };

/* The segment medians of one thread count's points: seg[i] for point i. */
static void segment_medians(const struct ngb_history *h, int threads, double *seg)
{
	double *tmp = malloc((h->n + 1) * sizeof(*tmp));
	size_t *idx = malloc((h->n + 1) * sizeof(*idx));
	size_t i, n = 0, start, j;

	if (!tmp || !idx) {
		free(tmp);
		free(idx);
		return;
	}
	for (i = 0; i < h->n; i++)
		if (h->p[i].threads == threads)
			idx[n++] = i;
	for (start = 0; start < n; start = j) {
		for (j = start + 1; j < n && !h->p[idx[j]].change; j++)
			;
		for (i = start; i < j; i++)
			tmp[i - start] = h->p[idx[i]].median;
		{
			double med = ngb_median(tmp, j - start);

			for (i = start; i < j; i++)
				seg[idx[i]] = med;
		}
	}
	free(tmp);
	free(idx);
}

static void history_svg(const struct ngb_history *h, FILE *out)
{
	const double W = 960, H = 360, L = 80, R = 20, T = 20, B = 50;
	double lo = INFINITY, hi = -INFINITY, *seg = calloc(h->n + 1, sizeof(*seg));
	int threads[6];
	size_t i, k, nthr = 0;

	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];

		lo = fmin(lo, p->ci.level > 0 ? p->ci.lo : p->median);
		hi = fmax(hi, p->ci.level > 0 ? p->ci.hi : p->median);
		for (k = 0; k < nthr && threads[k] != p->threads; k++)
			;
		if (k == nthr && nthr < 6)
			threads[nthr++] = p->threads;
	}
	if (!seg || !h->n || !isfinite(lo) || !isfinite(hi)) {
		free(seg);
		return;
	}
	if (hi <= lo)
		hi = lo + fabs(lo) * 0.1 + 1e-9;
	{
		double pad = (hi - lo) * 0.08;

		lo -= pad, hi += pad;
	}
#define HX(i) (L + ((double)(i) + 0.5) * (W - L - R) / (double)h->n)
#define HY(v) (T + (hi - (v)) * (H - T - B) / (hi - lo))
	fprintf(out, "<figure id=\"cpplot\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
		     "viewBox=\"0 0 %g %g\" width=\"%g\" height=\"%g\" role=\"img\" "
		     "font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H);
	fprintf(out, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
		     "stroke=\"#999\"/>\n", L, T, W - L - R, H - T - B);
	for (k = 0; k <= 4; k++) {
		double v = lo + (hi - lo) * (double)k / 4;
		char b[32];

		fmt_num(b, sizeof(b), v);
		fprintf(out, "<line x1=\"%g\" x2=\"%g\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
			     "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", L, W - R,
			HY(v), HY(v), L - 6, HY(v) + 4, b);
	}
	fprintf(out, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s (in %s order)</text>\n",
		(L + W - R) / 2, H - 12, "point", h->q.order && !strcmp(h->q.order, "commit") ?
		"commit" : "time");
	fprintf(out, "<text transform=\"translate(16 %g) rotate(-90)\" text-anchor=\"middle\">",
		(T + H - B) / 2);
	put_html(out, h->metric_name);
	fprintf(out, " (%s is better)</text>\n", h->higher ? "higher" : "lower");
	/* change points: a dashed vertical line before the point that starts a segment */
	for (i = 0; i < h->n; i++)
		if (h->p[i].change)
			fprintf(out, "<line class=\"cp\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%g\" y2=\"%g\" "
				     "stroke=\"#D55E00\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
				     "<text x=\"%.1f\" y=\"%g\" fill=\"#8a3500\">%+.1f%%</text>\n",
				HX(i) - 0.5 * (W - L - R) / (double)h->n,
				HX(i) - 0.5 * (W - L - R) / (double)h->n, T, H - B,
				HX(i) - 0.5 * (W - L - R) / (double)h->n + 4, T + 14,
				100 * h->p[i].change_rel);
	for (k = 0; k < nthr; k++) {
		const char *col = series_colours[k];
		int first = 1;

		for (i = 0; i < h->n; i++)
			seg[i] = NAN;
		segment_medians(h, threads[k], seg);
		/* the segment medians as steps */
		fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-opacity=\".45\" "
			     "stroke-width=\"3\" d=\"", col);
		for (i = 0; i < h->n; i++) {
			if (h->p[i].threads != threads[k] || isnan(seg[i]))
				continue;
			fprintf(out, "%s%.1f %.1f H%.1f", first ? "M" : " L",
				HX(i) - 0.4 * (W - L - R) / (double)h->n, HY(seg[i]),
				HX(i) + 0.4 * (W - L - R) / (double)h->n);
			first = 0;
		}
		fputs("\"/>\n", out);
		for (i = 0; i < h->n; i++) {
			const struct hpoint *p = &h->p[i];

			if (p->threads != threads[k])
				continue;
			if (p->ci.level > 0)
				fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
					     "stroke=\"%s\"/>", HX(i), HX(i), HY(p->ci.lo), HY(p->ci.hi),
					col);
			fputs("<g><title>", out);
			put_html(out, p->sessions);
			fputs(" ", out);
			put_html(out, p->started_at);
			fprintf(out, ": median %.6g</title>", p->median);
			/* a shape per thread count too, for greyscale */
			if (k % 2)
				fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" "
					     "fill=\"%s\"/></g>\n", HX(i) - 4, HY(p->median) - 4, col);
			else
				fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"/>"
					     "</g>\n", HX(i), HY(p->median), col);
		}
	}
#undef HX
#undef HY
	fputs("</svg>\n<figcaption>Each point is the median of a session's runs (or a commit's), "
	      "with its interval; the wide pale steps are the medians of the segments between "
	      "change points; a dashed line marks a change point, with the change of the segment "
	      "medians.", out);
	if (nthr > 1) {
		fputs(" Thread counts:", out);
		for (k = 0; k < nthr; k++)
			fprintf(out, " <span style=\"color:%s\">%s %d</span>", series_colours[k],
				k % 2 ? "&#9632;" : "&#9679;", threads[k]);
		fputs(".", out);
	}
	fputs("</figcaption></figure>\n", out);
	free(seg);
}

static int write_html(const struct ngb_history *h, FILE *out)
{
	char title[64];
	size_t i;
	const struct hpoint *last = h->n ? &h->p[h->n - 1] : NULL;

	snprintf(title, sizeof(title), "ngbench history");
	page_begin(out, title, NULL);
	fputs("<section id=\"summary\">\n<p><b>", out);
	put_html(out, h->metric_name);
	fprintf(out, "</b> (%s is better", h->higher ? "higher" : "lower");
	if (h->unit && *h->unit) {
		fputs(", ", out);
		put_html(out, h->unit);
	}
	fputs(") of <b>", out);
	put_html(out, h->workload);
	fputs("</b> under <b>", out);
	put_html(out, h->allocator);
	fprintf(out, "</b>: %zu point%s, %zu change point%s.</p>\n", h->n, h->n == 1 ? "" : "s",
		h->ncps, h->ncps == 1 ? "" : "s");
	if (h->ncps) {
		fputs("<ul class=\"verdicts\" id=\"changes\">\n", out);
		for (i = 0; i < h->n; i++) {
			const struct hpoint *p = &h->p[i];
			const char *dir = direction(h, p->change_rel);

			if (!p->change)
				continue;
			fprintf(out, "<li class=\"v-%s\">at point %zu (session ",
				!strcmp(dir, "better") ? "faster" : "slower", i + 1);
			put_html(out, p->sessions);
			fputs(", ", out);
			put_html(out, p->started_at);
			fputs(", commit ", out);
			put_html(out, p->commit);
			fprintf(out, ", %d thread%s): <b>%+.1f%% %s</b> (%s)</li>\n", p->threads,
				p->threads == 1 ? "" : "s", 100 * p->change_rel, dir,
				!strcmp(dir, "better") ? "faster" : "slower");
		}
		fputs("</ul>\n", out);
	} else if (last) {
		fputs("<p>No change point: the metric held within the noise and the minimum "
		      "magnitude over these points (same, or too noisy to tell).</p>\n", out);
	}
	history_svg(h, out);
	fputs("<p class=\"prov\">", out);
	rule_line(h, out);
	fputs(".</p>\n</section>\n<h2>Points</h2>\n<div class=\"wide\"><table class=\"sortable\" "
	      "id=\"points\"><thead><tr>", out);
	{
		static const char *const head[] = { "#", "SESSIONS", "STARTED", "COMMIT", "THREADS",
						    "RUNS", "MEDIAN", "95% INTERVAL", "CHANGE" };

		for (i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
			fputs("<th title=\"", out);
			put_html(out, column_tip(head[i]));
			fprintf(out, "\">%s</th>", head[i]);
		}
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];

		fprintf(out, "<tr><td class=\"n\">%zu</td><td>", i + 1);
		put_html(out, p->sessions);
		fputs("</td><td>", out);
		put_html(out, p->started_at);
		fputs("</td><td>", out);
		put_html(out, p->commit);
		fprintf(out, "</td><td class=\"n\">%d</td><td class=\"n\">%zu</td>"
			     "<td class=\"n\">%.6g</td>", p->threads, p->v.n, p->median);
		if (p->ci.level > 0)
			fprintf(out, "<td>[%.6g, %.6g]%s</td>", p->ci.lo, p->ci.hi,
				p->ci.level < 0.95 - 1e-9 ? " (range)" : "");
		else
			fputs("<td>-</td>", out);
		if (p->change)
			fprintf(out, "<td class=\"v-%s\">%+.1f%% %s</td></tr>\n",
				!strcmp(direction(h, p->change_rel), "better") ? "faster" : "slower",
				100 * p->change_rel, direction(h, p->change_rel));
		else
			fputs("<td></td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	page_end(out, "Every number comes from the trials stored in these sessions; "
		      "'ngbench export' gives them raw.");
	return ferror(out) ? -EIO : 0;
}

int ngb_history_write(const struct ngb_history *h, enum ngb_report_format f, FILE *out,
		      struct ngb_err *e)
{
	int rc;

	switch (f) {
	case NGB_FORMAT_TEXT:
		rc = write_text_md(h, out, 0);
		break;
	case NGB_FORMAT_MARKDOWN:
		rc = write_text_md(h, out, 1);
		break;
	case NGB_FORMAT_CSV:
		rc = write_csv(h, out);
		break;
	case NGB_FORMAT_JSON:
		rc = write_json(h, out);
		break;
	case NGB_FORMAT_HTML:
		rc = write_html(h, out);
		break;
	default:
		return ngb_err_set(e, -EINVAL, "history speaks text, markdown, csv, json and html, not '%s'",
				   ngb_report_format_name(f));
	}
	return rc ? ngb_err_set(e, rc, "cannot write the history") : 0;
}

int ngb_history_plot(const struct ngb_history *h, const char *dir, struct ngb_report_files *files,
		     struct ngb_err *e)
{
	struct plot_set set = { 0 };
	char path[4096];
	char *title, *ylabel;
	FILE *f;
	size_t i;

	if (mkdir(dir, 0777) && errno != EEXIST)
		return ngb_err_set(e, -errno, "cannot create '%s': %s", dir, strerror(errno));
	/* x: the point's index; y: median with its interval (or range) */
	snprintf(path, sizeof(path), "%s/history.dat", dir);
	f = fopen(path, "w");
	if (!f)
		return ngb_err_set(e, -errno, "cannot write '%s': %s", path, strerror(errno));
	fputs("# index threads median lo hi change_point\n", f);
	for (i = 0; i < h->n; i++) {
		const struct hpoint *p = &h->p[i];
		int have = p->ci.level > 0;

		fprintf(f, "%zu %d %.9g %.9g %.9g %d\n", i + 1, p->threads, p->median,
			have ? p->ci.lo : p->median, have ? p->ci.hi : p->median, p->change);
	}
	if (fclose(f))
		return ngb_err_set(e, -EIO, "cannot write '%s'", path);
	files_add(files, path);

	snprintf(path, sizeof(path), "%s/history.gp", dir);
	f = fopen(path, "w");
	if (!f)
		return ngb_err_set(e, -errno, "cannot write '%s': %s", path, strerror(errno));
	title = plot_safe_copy(h->workload);
	ylabel = plot_safe_copy(h->metric_name);
	plot_script_head(f, "history", "a metric over sessions with its change points", 900, 420);
	fprintf(f, "set title '%s, ", title ? title : "");
	free(title);
	title = plot_safe_copy(h->allocator);
	fprintf(f, "%s'\n", title ? title : "");
	fprintf(f, "set xlabel '%s'\nset ylabel '%s (%s is better)'\n",
		h->q.order && !strcmp(h->q.order, "commit") ? "commit (in order of first session)"
							     : "session (in time order)",
		ylabel ? ylabel : "", h->higher ? "higher" : "lower");
	free(title);
	free(ylabel);
	fputs("set xrange [0.5:*]\nset offsets 0, 0.5, 0, 0\n", f);
	for (i = 0; i < h->n; i++)
		if (h->p[i].change)
			fprintf(f, "set arrow from first %.1f, graph 0 to first %.1f, graph 1 nohead "
				"lc rgb '#D55E00' dt 2\n", i + 0.5, i + 0.5);
	plot_script_loop_begin(f, "history");
	fputs("  plot 'history.dat' using 1:3:4:5 with yerrorlines lc rgb '#0072B2' pt 7 "
	      "title 'median, 95% interval', \\\n"
	      "       '' using ($6 > 0 ? $1 : 1/0):3 with points pt 6 ps 2.5 lc rgb '#D55E00' "
	      "title 'change point'\n", f);
	plot_script_loop_end(f);
	if (fclose(f))
		return ngb_err_set(e, -EIO, "cannot write '%s'", path);
	files_add(files, path);
	set.names = (char *[]){ "history" };
	set.captions = (char *[]){ "history" };
	set.n = 1;
	plots_render(dir, &set, files);
	return 0;
}
