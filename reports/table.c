/*
 * reports/table.c - the report's tables and prose in text and markdown, and
 * the tables of its HTML page, all from one model (load.c), in the manner of
 * jemalloc's emitter: the rows are built once as strings and each format
 * renders them with its own escaping.  The results table renders the one
 * list of a cell's columns (column.c) that CSV and JSON (emit.c) write.
 *
 * The table type and its renderers are tab.c's.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "tab.h"

#define xfmt rep_asprintf

/* ---- the report's tables -------------------------------------------------- */

static void geo_table(const struct ngb_report *r, enum tab_kind k, FILE *out)
{
	static const char *const head[] = { "ALLOCATOR", "GEOMEAN SPEEDUP", "CELLS" };
	struct tab t = { 3, head, "lrr", NULL, 0, 0, NULL, NULL, NULL };
	char *v[3];
	size_t i;

	for (i = 0; i < r->ngeo; i++) {
		v[0] = strdup(r->geo[i].allocator);
		v[1] = isnan(r->geo[i].value) ? strdup("n/a") : xfmt("%.3fx", r->geo[i].value);
		v[2] = xfmt("%zu", r->geo[i].ncells);
		tab_row(&t, v);
	}
	tab_render(&t, k, out);
	tab_release(&t);
}

static size_t nderived_shown(const struct ngb_report *r)
{
	size_t i, n = 0;

	for (i = 0; i < NGB_NDERIVED; i++)
		n += r->derived_any[i] != 0;
	return n;
}

static void counter_table(const struct ngb_report *r, enum tab_kind k, FILE *out)
{
	size_t ncols = 3 + r->nevents + nderived_shown(r), i, j, col;
	const char **head = calloc(ncols, sizeof(*head));
	char *align = calloc(ncols + 1, 1), **v = calloc(ncols, sizeof(*v));
	struct tab t = { ncols, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL };

	if (!head || !align || !v)
		goto out;
	head[0] = "WORKLOAD", head[1] = "THREADS", head[2] = "ALLOCATOR";
	memcpy(align, "lrl", 3);
	col = 3;
	for (j = 0; j < r->nevents; j++, col++)
		head[col] = strcmp(r->events[j], "task-clock") ? r->events[j] : "task-clock (ns)",
		align[col] = 'r';
	for (j = 0; j < NGB_NDERIVED; j++)
		if (r->derived_any[j])
			head[col] = ngb_derived[j].label, align[col++] = 'r';
	t.head = head;
	t.align = align;
	for (i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];
		char b[64];

		v[0] = strdup(c->workload);
		v[1] = show_threads(c->threads);
		v[2] = strdup(c->allocator);
		col = 3;
		for (j = 0; j < r->nevents; j++)
			v[col++] = show_num(c->ev_med[j]);
		for (j = 0; j < NGB_NDERIVED; j++) {
			if (!r->derived_any[j])
				continue;
			if (isnan(c->dv_med[j]))
				snprintf(b, sizeof(b), "n/a");
			else
				snprintf(b, sizeof(b), "%.4g", c->dv_med[j]);
			v[col++] = strdup(b);
		}
		tab_row(&t, v);
	}
	tab_render(&t, k, out);
	tab_release(&t);
out:
	free(head);
	free(align);
	free(v);
}

static void failure_table(const struct ngb_report *r, enum tab_kind k, FILE *out)
{
	static const char *const head[] = { "#", "WORKLOAD", "THREADS", "ALLOCATOR", "STATUS",
					    "REASON" };
	struct tab t = { 6, head, "rlrlll", NULL, 0, 0, NULL, NULL, NULL };
	char *v[6];
	size_t i;

	for (i = 0; i < r->nfailures; i++) {
		const struct failure *f = &r->failures[i];

		v[0] = xfmt("%d", f->seq);
		if (f->stderr_tail && *f->stderr_tail)
			tab_link(&t, xfmt("stderr-%d", f->seq));
		v[1] = strdup(f->workload);
		v[2] = show_threads(f->threads);
		v[3] = strdup(f->allocator);
		v[4] = f->warmup ? xfmt("%s (warm-up)", f->status) : strdup(f->status);
		v[5] = strdup(f->reason ? f->reason : "");
		tab_row(&t, v);
	}
	tab_render(&t, k, out);
	tab_release(&t);
}

/* ---- prose around the tables, shared by text, markdown and HTML ----------- */

struct prose {
	enum tab_kind k;
	FILE *out;
};

/* Writes s escaped for the kind. */
static void esc(const struct prose *p, const char *s)
{
	if (p->k == TAB_TEXT)
		put_text(p->out, s);
	else if (p->k == TAB_MARKDOWN)
		put_markdown(p->out, s);
	else
		put_html(p->out, s);
}

static void heading(const struct prose *p, const char *title)
{
	if (p->k == TAB_TEXT)
		fprintf(p->out, "\n%s:\n", title);
	else if (p->k == TAB_MARKDOWN)
		fprintf(p->out, "\n## %s\n\n", title);
	else
		fprintf(p->out, "<h2>%s</h2>\n", title);
}

static void para_begin(const struct prose *p)
{
	if (p->k == TAB_HTML)
		fputs("<p>", p->out);
}

static void para_end(const struct prose *p)
{
	if (p->k == TAB_HTML)
		fputs("</p>\n", p->out);
	else
		fputs(p->k == TAB_MARKDOWN ? "\n\n" : "\n", p->out);
}

static void line_break(const struct prose *p)
{
	fputs(p->k == TAB_HTML ? "<br>\n" : p->k == TAB_MARKDOWN ? "  \n" : "\n", p->out);
}

/* The results: a row per cell, a column per run of cell_columns with one
 * head (column.c); a column marked once may be stated above instead. */
static void main_table(const struct ngb_report *r, const struct prose *p)
{
	size_t n = 0, nt = 0, ns = 0, i, j, k;
	size_t *col = calloc(ncell_columns, sizeof(*col)), *shown = calloc(ncell_columns, sizeof(*shown));
	char ***v = calloc(ncell_columns, sizeof(*v)), **row = calloc(ncell_columns, sizeof(*row));
	char **said = calloc(ncell_columns, sizeof(*said));
	const char **head = calloc(ncell_columns, sizeof(*head));
	const char **tips = calloc(ncell_columns, sizeof(*tips));
	char *align = calloc(ncell_columns + 1, 1);
	struct tab t = { 0, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL };

	if (!col || !shown || !v || !row || !said || !head || !tips || !align)
		goto out;
	for (k = 0; k < ncell_columns; k++)
		if (cell_columns[k].show)
			col[n++] = k;
	for (j = 0; j < n; j++) {
		const struct cell_column *cc = &cell_columns[col[j]];

		if (!(v[j] = calloc(r->ncells + 1, sizeof(**v))))
			goto out;
		for (i = 0; i < r->ncells; i++)
			if (!(v[j][i] = cc->show(r, &r->cells[i])))
				goto out;
		if (cc->once && r->ncells && (said[ns] = cell_column_stated(r, cc->head, v[j]))) {
			ns++;
			continue;
		}
		head[nt] = cc->head;
		tips[nt] = cc->tip;
		align[nt] = cc->align;
		shown[nt++] = j;
	}
	if (ns) {
		para_begin(p);
		for (j = 0; j < ns; j++) {
			if (j)
				line_break(p);
			esc(p, said[j]);
		}
		para_end(p);
	}
	t.ncols = nt;
	t.head = head;
	t.align = align;
	t.tips = tips;
	for (i = 0; i < r->ncells; i++) {
		for (j = 0; j < nt; j++)
			row[j] = rep_strdup(v[shown[j]][i]);
		tab_row(&t, row);
	}
	tab_render(&t, p->k, p->out);
	tab_release(&t);
out:
	for (j = 0; v && j < n; j++) {
		for (i = 0; v[j] && i < r->ncells; i++)
			free(v[j][i]);
		free(v[j]);
	}
	for (j = 0; said && j < ns; j++)
		free(said[j]);
	free(said);
	free(v);
	free(row);
	free(col);
	free(shown);
	free(head);
	free(tips);
	free(align);
}

static void stat_notes(const struct ngb_report *r, const struct prose *p)
{
	para_begin(p);
	fprintf(p->out,
		"MEDIAN of the primary metric over the trials that succeeded (warm-up left out), "
		"with a distribution-free %.0f%% interval from order statistics; BEST is the best "
		"run (the minimum of a time, the maximum of a rate). SPEEDUP is the performance "
		"relative to the baseline (> 1: better), the Hodges-Lehmann estimate of the ratio "
		"with its Mann-Whitney interval. MAX RSS is the median peak resident set.",
		100 * r->conf);
	para_end(p);
	if (r->ncells && r->min_runs <= 1) {
		para_begin(p);
		fputs("Some cells have a single run: they have no interval, and one run proves "
		      "nothing on a noisy machine; run with -r 6 or more.", p->out);
		para_end(p);
	} else if (r->ncells && r->min_runs < 6) {
		para_begin(p);
		fprintf(p->out,
			"With fewer than 6 runs no distribution-free interval of a median reaches "
			"%.0f%%: the widest one ([min, max]) is shown with the confidence it has "
			"(e.g. 75%% with 3 runs). Run with -r 6 or more.", 100 * r->conf);
		para_end(p);
	}
	if (r->baseline_note) {
		para_begin(p);
		fputs("Baseline: ", p->out);
		esc(p, r->baseline);
		fputs(" (", p->out);
		esc(p, r->baseline_note);
		fputs(").", p->out);
		para_end(p);
	}
}

static void counter_notes(const struct ngb_report *r, const struct prose *p)
{
	size_t i, j;

	if (nderived_shown(r)) {
		para_begin(p);
		fputs("Medians over the trials that succeeded; derived metrics are computed per "
		      "trial, then their median is shown: ", p->out);
		for (i = 0, j = 0; i < NGB_NDERIVED; i++)
			if (r->derived_any[i])
				fprintf(p->out, "%s%s = %s", j++ ? "; " : "", ngb_derived[i].label,
					ngb_derived[i].what);
		fputs(".", p->out);
		para_end(p);
	}
	if (r->nnotes) {
		char *done = calloc(r->nnotes, 1);

		para_begin(p);
		fputs("Not counted (shown as n/a, never 0):", p->out);
		/* one line per status and reason, with its events */
		for (i = 0; done && i < r->nnotes; i++) {
			const struct event_note *n = &r->notes[i];
			long most = 0;

			if (done[i])
				continue;
			fputs(p->k == TAB_HTML ? "<br>\n" : p->k == TAB_MARKDOWN ? "<br>" : "\n  ", p->out);
			for (j = i; j < r->nnotes; j++) {
				const struct event_note *m = &r->notes[j];

				if (done[j] || strcmp(m->status ? m->status : "", n->status ? n->status : "") ||
				    strcmp(m->reason ? m->reason : "", n->reason ? n->reason : ""))
					continue;
				done[j] = 1;
				if (j > i)
					fputs(", ", p->out);
				esc(p, m->event);
				most = m->count > most ? m->count : most;
			}
			fputs(": ", p->out);
			esc(p, n->status ? n->status : "");
			fprintf(p->out, " (up to %ld trials)", most);
			if (n->reason && *n->reason) {
				fputs(": ", p->out);
				esc(p, n->reason);
			}
		}
		free(done);
		para_end(p);
	}
}

static void header_lines(const struct ngb_report *r, const struct prose *p)
{
	char b[128];

	para_begin(p);
	snprintf(b, sizeof(b), "session %lld", (long long)r->session_id);
	esc(p, b);
	if (r->label) {
		fputs(" \"", p->out);
		esc(p, r->label);
		fputs("\"", p->out);
	}
	fputs(" (", p->out);
	esc(p, r->status);
	fputs("), started ", p->out);
	esc(p, r->started_at);
	if (r->finished_at) {
		fputs(", finished ", p->out);
		esc(p, r->finished_at);
	}
	fputs(p->k == TAB_HTML ? "<br>\nmachine: " : p->k == TAB_MARKDOWN ? "  \nmachine: " : "\nmachine: ",
	      p->out);
	esc(p, r->host);
	fputs(", ", p->out);
	esc(p, r->cpu_model);
	fprintf(p->out, ", %d cores, ", r->cores);
	esc(p, r->kernel);
	if (r->os) {
		fputs(", ", p->out);
		esc(p, r->os);
	}
	if (r->libc) {
		fputs(", ", p->out);
		esc(p, r->libc);
	}
	fputs(p->k == TAB_HTML ? "<br>\nngbench " : p->k == TAB_MARKDOWN ? "  \nngbench " : "\nngbench ",
	      p->out);
	esc(p, r->version);
	fputs(" (commit ", p->out);
	esc(p, r->commit);
	fputs("): ", p->out);
	if (p->k == TAB_MARKDOWN)
		fputs("", p->out);
	esc(p, r->command_line);
	para_end(p);
}

/* ---- allocation profiles and memory over time (profile.c) ----------------- */

static char *bytes_str(double v)
{
	char b[64];

	if (isnan(v))
		return strdup("n/a");
	if (v >= 1024.0 * 1024 * 1024)
		snprintf(b, sizeof(b), "%.2f GiB", v / (1024.0 * 1024 * 1024));
	else if (v >= 1024 * 1024)
		snprintf(b, sizeof(b), "%.1f MiB", v / (1024 * 1024));
	else if (v >= 1024)
		snprintf(b, sizeof(b), "%.1f KiB", v / 1024);
	else
		snprintf(b, sizeof(b), "%.0f B", v);
	return strdup(b);
}

static char *ns_str(double v)
{
	return isnan(v) ? strdup("n/a") : xfmt("%.0f", v);
}

static void workload_profile_table(const struct prof *p, enum tab_kind k, FILE *out)
{
	static const char *const head[] = { "WORKLOAD", "THREADS", "PROFILE TRIALS", "MAX LIVE",
					    "TOTAL REQUESTED", "OBJECTS", "AVERAGE SIZE" };
	struct tab t = { 7, head, "lrrrrrr", NULL, 0, 0, NULL, NULL, NULL };
	char *v[7];
	size_t i;

	for (i = 0; i < p->ngroups; i++) {
		const struct prof_group *g = &p->groups[i];

		v[0] = strdup(g->workload);
		v[1] = show_threads(g->threads);
		v[2] = xfmt("%zu", g->ntrials);
		v[3] = bytes_str(g->peak_live);
		v[4] = bytes_str(g->requested);
		v[5] = show_num(g->allocations);
		v[6] = bytes_str(g->avg_size);
		tab_row(&t, v);
	}
	tab_render(&t, k, out);
	tab_release(&t);
}

static void allocator_profile_table(const struct prof *p, enum tab_kind k, FILE *out)
{
	static const char *const head[] = { "WORKLOAD", "THREADS", "ALLOCATOR", "TRIALS",
					    "FRAGMENTATION", "BLOWUP", "MALLOC p50", "p99",
					    "p99.9", "max", "FREE p50", "p99", "p99.9", "max" };
	struct tab t = { 14, head, "lrlrrrrrrrrrrr", NULL, 0, 0, NULL, NULL, NULL };
	char *v[14];
	size_t i, j;

	for (i = 0; i < p->ncells; i++) {
		const struct prof_cell *c = &p->cells[i];

		v[0] = strdup(c->workload);
		v[1] = show_threads(c->threads);
		v[2] = strdup(c->allocator);
		v[3] = xfmt("%zu", c->ntrials);
		v[4] = isnan(c->frag) ? strdup("n/a") : xfmt("%.2f", c->frag);
		v[5] = isnan(c->blowup) ? strdup("n/a") : xfmt("%.2f", c->blowup);
		for (j = 0; j < PROF_NLAT; j++) {
			v[6 + j] = ns_str(c->malloc_ns[j]);
			v[10 + j] = ns_str(c->free_ns[j]);
		}
		tab_row(&t, v);
	}
	tab_render(&t, k, out);
	tab_release(&t);
}

static void rss_end_table(const struct prof *p, enum tab_kind k, FILE *out)
{
	static const char *const head[] = { "WORKLOAD", "THREADS", "ALLOCATOR", "TRIALS",
					    "PEAK RSS", "RSS AT END", "GIVEN BACK" };
	struct tab t = { 7, head, "lrlrrrr", NULL, 0, 0, NULL, NULL, NULL };
	char *v[7];
	size_t i;

	for (i = 0; i < p->nrss; i++) {
		const struct rss_cell *c = &p->rss[i];

		v[0] = strdup(c->workload);
		v[1] = show_threads(c->threads);
		v[2] = strdup(c->allocator);
		v[3] = xfmt("%zu", c->ntrials);
		v[4] = bytes_str(c->peak_kb * 1024);
		v[5] = bytes_str(c->end_kb * 1024);
		v[6] = isnan(c->given_back) ? strdup("n/a") : xfmt("%.1f%%", 100 * c->given_back);
		tab_row(&t, v);
	}
	tab_render(&t, k, out);
	tab_release(&t);
}

static void profile_sections(const struct ngb_report *r, enum tab_kind k, FILE *out)
{
	const struct prof *p = r->prof;
	struct prose pr = { k, out };

	if (!p)
		return;
	if (p->ncells) {
		heading(&pr, "Allocation profile of each workload");
		workload_profile_table(p, k, out);
		para_begin(&pr);
		fputs("What each workload asks of its allocator, as in the Hoard paper's table of "
		      "benchmarks: the peak of the requested bytes live at once (MAX LIVE), the sum of "
		      "all requested sizes, the allocation calls (OBJECTS) and their average size. "
		      "These do not depend on the allocator: each is the median over every profile "
		      "trial of the workload and thread count, of all the allocators (with several "
		      "threads MAX LIVE may miss up to (threads - 1) x 64 KiB).", out);
		para_end(&pr);
		heading(&pr, "Fragmentation, blowup and malloc/free latency (ns) per allocator");
		allocator_profile_table(p, k, out);
		para_begin(&pr);
		fputs("Medians over each allocator's profile trials. FRAGMENTATION is the Hoard "
		      "paper's peak memory from the system (peak RSS, less the profiler's own memory "
		      "and headers) over the peak of live requested bytes; RSS includes the program's "
		      "code, so small heaps read high. BLOWUP is the allocator's median max RSS in "
		      "the timing trials (not those under cachegrind) over the smallest among the "
		      "allocators for the same workload and thread count (1: the best). Latency: "
		      "every 256th call, timed by the "
		      "time-stamp counter, percentiles within 9%.", out);
		para_end(&pr);
	}
	if (p->nrss) {
		heading(&pr, "Memory given back: RSS at the end against the peak");
		rss_end_table(p, k, out);
		para_begin(&pr);
		fputs("Medians over the timing trials with RSS samples (warm-up left out): PEAK RSS "
		      "is wait4's maximum (or the largest sample), RSS AT END the last sample taken "
		      "before the program exited, GIVEN BACK the share of the peak returned to the "
		      "system by then.", out);
		para_end(&pr);
	}
}

/* Everything but the plots; HTML gets only the body part. */
static void write_prose(const struct ngb_report *r, enum tab_kind k, FILE *out, int header)
{
	struct prose p = { k, out };

	if (header) {
		if (k == TAB_MARKDOWN)
			fputs("# ngbench report\n\n", out);
		header_lines(r, &p);
		if (k == TAB_TEXT)
			fputc('\n', out);
	}
	if (!r->ncells) {
		para_begin(&p);
		fputs("no measured trials in this session", out);
		para_end(&p);
	} else {
		if (k != TAB_TEXT)
			heading(&p, "Results");
		main_table(r, &p);
		if (k == TAB_TEXT)
			fputc('\n', out);
		stat_notes(r, &p);
		if (r->baseline) {
			char title[200];

			snprintf(title, sizeof(title),
				 "Geometric mean of the speedups across workloads and thread counts");
			heading(&p, title);
			geo_table(r, k, out);
		}
		heading(&p, "Counters");
		if (r->nevents)
			counter_table(r, k, out);
		else {
			para_begin(&p);
			fputs("no counter was counted in this session", out);
			para_end(&p);
		}
		counter_notes(r, &p);
	}
	profile_sections(r, k, out);
	if (r->nfailures) {
		heading(&p, "Trials that did not succeed");
		failure_table(r, k, out);
	}
}

void report_write_tables_html(const struct ngb_report *r, FILE *out);
void report_write_tables_html(const struct ngb_report *r, FILE *out)
{
	write_prose(r, TAB_HTML, out, 0);
}

void report_write_header_html(const struct ngb_report *r, FILE *out);
void report_write_header_html(const struct ngb_report *r, FILE *out)
{
	struct prose p = { TAB_HTML, out };

	header_lines(r, &p);
}

int report_write_text(const struct ngb_report *r, FILE *out)
{
	write_prose(r, TAB_TEXT, out, 1);
	return ferror(out) ? -EIO : 0;
}

int report_write_markdown(const struct ngb_report *r, FILE *out)
{
	write_prose(r, TAB_MARKDOWN, out, 1);
	return ferror(out) ? -EIO : 0;
}
