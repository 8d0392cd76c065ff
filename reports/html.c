/*
 * reports/html.c - the HTML report and the report folder.
 *
 * The page is one self-contained file (page.c): CSS, the plots' SVG and
 * the one small script that sorts and filters the tables inline, nothing
 * fetched (a Content-Security-Policy of default-src 'none' says so to the
 * browser too).  It opens with the answer (summary.c: heat map, best per
 * workload, a verdict per allocator, how sure), then the evidence.  Every string that came from a user or a
 * program goes through put_html(); the SVG comes from gnuplot with
 * plot-safe labels only, and its ids are prefixed per plot so that several
 * plots on one page do not share pattern or marker definitions.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"

void report_write_tables_html(const struct ngb_report *r, FILE *out);
void report_write_header_html(const struct ngb_report *r, FILE *out);

static void fact(FILE *out, const char *name, const char *value)
{
	fprintf(out, "<dt>%s</dt><dd>", name);
	put_html(out, value && *value ? value : "-");
	fputs("</dd>\n", out);
}

static void facts(const struct ngb_report *r, FILE *out)
{
	char b[64];
	size_t i, j;

	fputs("<h2>Machine and versions</h2>\n<dl class=\"facts\">\n", out);
	fact(out, "host", r->host);
	fact(out, "CPU", r->cpu_model);
	snprintf(b, sizeof(b), "%d", r->cores);
	fact(out, "cores", b);
	fact(out, "kernel", r->kernel);
	fact(out, "OS", r->os);
	fact(out, "C library", r->libc);
	fact(out, "ngbench", r->version);
	fact(out, "git commit", r->commit);
	fputs("<dt>command line</dt><dd><code>", out);
	put_html(out, r->command_line);
	fputs("</code></dd>\n", out);
	fact(out, "started", r->started_at);
	fact(out, "finished", r->finished_at);
	fact(out, "status", r->status);
	snprintf(b, sizeof(b), "%lld", (long long)r->seed);
	fact(out, "seed", b);
	fputs("<dt>allocators</dt><dd>", out);
	for (i = 0; i < r->nallocators; i++) {
		const char *ver = NULL;

		for (j = 0; j < r->ncells; j++)
			if (!strcmp(r->cells[j].allocator, r->allocators[i]) && r->cells[j].allocator_version)
				ver = r->cells[j].allocator_version;
		if (i)
			fputs("; ", out);
		put_html(out, r->allocators[i]);
		if (ver) {
			fputs(" ", out);
			put_html(out, ver);
		}
	}
	fputs("</dd>\n", out);
	fputs("<dt>configuration</dt><dd><code>", out);
	put_html(out, r->config);
	fputs("</code></dd>\n</dl>\n", out);
}

/* Copies an SVG file into the page from its <svg element on, ids prefixed. */
static int inline_svg(FILE *out, const char *path, size_t idx)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, *p, prefix[32];
	size_t len = 0, cap = 0, n;

	if (!f)
		return -1;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = (cap + 4096) * 2);

			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	p = strstr(buf, "<svg");
	if (!p || strstr(p, "<script") || strstr(p, "javascript:")) {
		free(buf);
		return -1;
	}
	snprintf(prefix, sizeof(prefix), "p%zu_", idx);
	while (*p) {
		/* gnuplot quotes some attributes with ' and others with " */
		static const char *const keys[] = { "id=\"", "id='", "url(#", "href=\"#",
						    "href='#" };
		size_t k, matched = 0;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t kl = strlen(keys[k]);

			if (!strncmp(p, keys[k], kl)) {
				fwrite(p, 1, kl, out);
				fputs(prefix, out);
				p += kl;
				matched = 1;
				break;
			}
		}
		if (!matched)
			fputc(*p++, out);
	}
	free(buf);
	return 0;
}

static void failure_details(const struct ngb_report *r, FILE *out)
{
	size_t i, n = 0;

	for (i = 0; i < r->nfailures; i++)
		n += r->failures[i].stderr_tail && *r->failures[i].stderr_tail;
	if (!n)
		return;
	fputs("<h3>Their standard error (last lines)</h3>\n", out);
	for (i = 0; i < r->nfailures; i++) {
		const struct failure *f = &r->failures[i];

		if (!f->stderr_tail || !*f->stderr_tail)
			continue;
		fprintf(out, "<details id=\"stderr-%d\"><summary>#%d ", f->seq, f->seq);
		put_html(out, f->workload);
		fputs(" / ", out);
		put_html(out, f->allocator);
		fputs(": ", out);
		put_html(out, f->status);
		fputs("</summary>\n<pre>", out);
		put_html(out, f->stderr_tail);
		fputs("</pre></details>\n", out);
	}
}

int report_write_html(const struct ngb_report *r, const char *plot_dir,
		      const struct plot_set *set, const char *plots_note, FILE *out)
{
	char title[64], path[4096];
	size_t i;

	snprintf(title, sizeof(title), "ngbench report: session %lld", (long long)r->session_id);
	page_begin(out, title, r->label);
	report_write_summary_html(r, out);
	report_write_tables_html(r, out);
	failure_details(r, out);

	fputs("<h2 id=\"plots\">Plots</h2>\n", out);
	if (plots_note) {
		fputs("<p class=\"note\">", out);
		put_html(out, plots_note);
		fputs("</p>\n", out);
	}
	for (i = 0; set && plot_dir && i < set->n; i++) {
		snprintf(path, sizeof(path), "%s/%s.svg", plot_dir, set->names[i]);
		fputs("<figure>\n", out);
		if (inline_svg(out, path, i)) {
			fputs("<p class=\"note\">not rendered: ", out);
			put_html(out, set->names[i]);
			fputs(".gp</p>", out);
		}
		fputs("\n<figcaption>", out);
		put_html(out, set->captions[i]);
		fputs(" <small>(plots/", out);
		put_html(out, set->names[i]);
		fputs(".gp, .dat, .svg, .png)</small></figcaption>\n</figure>\n", out);
	}
	facts(r, out);
	page_end(out, "Every number comes from the trials stored in the session above; "
		      "'ngbench export' gives them raw.");
	return ferror(out) ? -EIO : 0;
}

static int mkdir_p(const char *dir)
{
	char *p, *copy = strdup(dir);

	if (!copy)
		return -ENOMEM;
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) && errno != EEXIST) {
			free(copy);
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(copy, 0777) && errno != EEXIST) {
		free(copy);
		return -errno;
	}
	free(copy);
	return 0;
}

static int write_one(const struct ngb_report *r, const char *dir, const char *name,
		     enum ngb_report_format fmt, struct ngb_report_files *files, struct ngb_err *e)
{
	char path[4096];
	FILE *f;
	int rc, bad;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return ngb_err_set(e, -errno, "cannot write '%s': %s", path, strerror(errno));
	rc = ngb_report_write(r, fmt, f, e);
	bad = ferror(f);
	if (fclose(f) || bad)
		rc = rc ? rc : ngb_err_set(e, -EIO, "cannot write '%s'", path);
	if (!rc)
		files_add(files, path);
	return rc;
}

int ngb_report_write_dir(const struct ngb_report *r, const char *dir,
			 struct ngb_report_files *files, struct ngb_err *e)
{
	char plots[4096], path[4096];
	struct plot_set set = { 0 };
	FILE *f;
	int rc, bad;

	memset(files, 0, sizeof(*files));
	snprintf(plots, sizeof(plots), "%s/plots", dir);
	rc = mkdir_p(plots);
	if (rc)
		return ngb_err_set(e, rc, "cannot create '%s': %s", plots, strerror(-rc));
	if ((rc = write_one(r, dir, "report.txt", NGB_FORMAT_TEXT, files, e)) ||
	    (rc = write_one(r, dir, "report.md", NGB_FORMAT_MARKDOWN, files, e)) ||
	    (rc = write_one(r, dir, "report.csv", NGB_FORMAT_CSV, files, e)) ||
	    (rc = write_one(r, dir, "report.json", NGB_FORMAT_JSON, files, e)))
		return rc;
	rc = plots_write(r, plots, &set, files, e);
	if (rc) {
		plot_set_release(&set);
		return rc;
	}
	plots_render(plots, &set, files);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	f = fopen(path, "w");
	if (!f) {
		plot_set_release(&set);
		return ngb_err_set(e, -errno, "cannot write '%s': %s", path, strerror(errno));
	}
	rc = report_write_html(r, plots, &set,
			       set.n ? files->plots_note : "no plot: the session has no measured trial",
			       f);
	bad = ferror(f);
	if (fclose(f) || bad || rc)
		rc = ngb_err_set(e, -EIO, "cannot write '%s'", path);
	else
		files_add(files, path);
	plot_set_release(&set);
	return rc;
}
