/*
 * reports/tab.c - a table of strings rendered as aligned text, markdown or
 * an HTML table (sortable, with a tooltip per column header), in the
 * manner of jemalloc's emitter: the rows are built once as strings and
 * each format renders them with its own escaping.  Also what each column
 * of the reports' tables means (column_tip).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tab.h"


void tab_link(struct tab *t, char *id)
{
	free(t->next_link);
	t->next_link = id;
}

void tab_row(struct tab *t, char **vals)
{
	char **v;
	size_t i;

	if (t->oom)
		goto out;
	v = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*v));
	if (!v) {
		t->oom = 1;
		goto out;
	}
	t->cells = v;
	for (i = 0; i < t->ncols; i++)
		v[t->nrows * t->ncols + i] = vals[i] ? strdup(vals[i]) : strdup("");
	if (t->next_link || t->links) {
		char **l = realloc(t->links, (t->nrows + 1) * sizeof(*l));

		if (l) {
			if (!t->links)
				memset(l, 0, t->nrows * sizeof(*l));
			l[t->nrows] = t->next_link;
			t->next_link = NULL;
			t->links = l;
		}
	}
	t->nrows++;
out:
	free(t->next_link);
	t->next_link = NULL;
	for (i = 0; i < t->ncols; i++) {
		free(vals[i]);
		vals[i] = NULL;
	}
}

void tab_release(struct tab *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (i = 0; t->links && i < t->nrows; i++)
		free(t->links[i]);
	free(t->links);
	free(t->next_link);
	t->links = NULL;
	t->next_link = NULL;
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

static void tab_text(const struct tab *t, FILE *out)
{
	size_t *w = calloc(t->ncols, sizeof(*w)), r, c;

	if (!w)
		return;
	for (c = 0; c < t->ncols; c++)
		w[c] = strlen(t->head[c]);
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if (text_width(t->cells[r * t->ncols + c]) > w[c])
				w[c] = text_width(t->cells[r * t->ncols + c]);
	for (r = 0; r <= t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = r ? t->cells[(r - 1) * t->ncols + c] : t->head[c];
			size_t pad = w[c] - text_width(s), last = c + 1 == t->ncols;

			if (t->align[c] == 'r')
				fprintf(out, "%*s", (int)pad, "");
			put_text(out, s);
			if (t->align[c] != 'r' && !last)
				fprintf(out, "%*s", (int)pad, "");
			if (!last)
				fputs("  ", out);
		}
		fputc('\n', out);
	}
	free(w);
}

static void tab_markdown(const struct tab *t, FILE *out)
{
	size_t r, c;

	fputs("|", out);
	for (c = 0; c < t->ncols; c++) {
		fputc(' ', out);
		put_markdown(out, t->head[c]);
		fputs(" |", out);
	}
	fputs("\n|", out);
	for (c = 0; c < t->ncols; c++)
		fputs(t->align[c] == 'r' ? " ---: |" : " --- |", out);
	fputc('\n', out);
	for (r = 0; r < t->nrows; r++) {
		fputs("|", out);
		for (c = 0; c < t->ncols; c++) {
			fputc(' ', out);
			put_markdown(out, t->cells[r * t->ncols + c]);
			fputs(" |", out);
		}
		fputc('\n', out);
	}
}

static void tab_html(const struct tab *t, FILE *out)
{
	size_t r, c;

	fputs("<div class=\"wide\"><table class=\"sortable\">\n<thead><tr>", out);
	for (c = 0; c < t->ncols; c++) {
		const char *tip = t->tips && t->tips[c] ? t->tips[c] : column_tip(t->head[c]);

		fputs(t->align[c] == 'r' ? "<th class=\"n\"" : "<th", out);
		if (tip) {
			fputs(" title=\"", out);
			put_html(out, tip);
			fputs("\"", out);
		}
		fputs(">", out);
		put_html(out, t->head[c]);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (r = 0; r < t->nrows; r++) {
		fputs("<tr>", out);
		for (c = 0; c < t->ncols; c++) {
			const char *link = !c && t->links ? t->links[r] : NULL;

			fputs(t->align[c] == 'r' ? "<td class=\"n\">" : "<td>", out);
			if (link) {
				fputs("<a href=\"#", out);
				put_html(out, link);
				fputs("\" title=\"its standard error, below\">", out);
			}
			put_html(out, t->cells[r * t->ncols + c]);
			fputs(link ? "</a></td>" : "</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table></div>\n", out);
}


void tab_render(const struct tab *t, enum tab_kind k, FILE *out)
{
	if (k == TAB_TEXT)
		tab_text(t, out);
	else if (k == TAB_MARKDOWN)
		tab_markdown(t, out);
	else
		tab_html(t, out);
}

/* ---- what each column means (the HTML headers' tooltips) ------------------ */

static const struct {
	const char *head, *tip;
} column_tips[] = {
	{ "WORKLOAD", "the workload, with the parameters that tell its parameter sets apart "
		      "and (sim) for runs under cachegrind" },
	{ "THREADS", "the thread count the workload ran with (- for none)" },
	{ "ALLOCATOR", "the malloc implementation preloaded into the workload" },
	{ "METRIC", "the workload's primary metric: its unit, and whether higher or lower is better" },
	{ "OK", "trials that succeeded and are counted (warm-up and profile trials left out)" },
	{ "FAILED", "trials that failed or were skipped: listed below with their reasons" },
	{ "MEDIAN", "median of the primary metric over the trials that succeeded" },
	{ "95% CI", "distribution-free interval of the median from order statistics; below 6 runs "
		    "the range [min, max] with the confidence it has" },
	{ "BEST", "the best run: the minimum of a time, the maximum of a rate" },
	{ "SPEEDUP", "performance relative to the baseline allocator (> 1: better), the "
		     "Hodges-Lehmann estimate of the ratio" },
	{ "SPEEDUP 95% CI", "the speedup's interval from the Mann-Whitney distribution: when it "
			    "holds 1 the difference is not established" },
	{ "MAX RSS", "median peak resident memory (wait4's ru_maxrss)" },
	{ "GEOMEAN SPEEDUP", "geometric mean of the allocator's speedups over its cells" },
	{ "CELLS", "workload x thread-count cells in the geometric mean" },
	{ "#", "the trial's sequence number in the session" },
	{ "STATUS", "how the trial ended: failed (exit), signal, timeout or skipped" },
	{ "REASON", "why, as the harness recorded it" },
	{ "PROFILE TRIALS", "profile trials of every allocator behind these medians" },
	{ "MAX LIVE", "peak of the requested bytes live at once" },
	{ "TOTAL REQUESTED", "sum of all requested sizes" },
	{ "OBJECTS", "allocation calls" },
	{ "AVERAGE SIZE", "average requested size" },
	{ "TRIALS", "trials behind the medians of this row" },
	{ "FRAGMENTATION", "peak memory from the system over the peak of live requested bytes "
			   "(Hoard paper)" },
	{ "BLOWUP", "median max RSS over the smallest among the allocators of the same workload "
		    "(1: the best)" },
	{ "MALLOC p50", "malloc latency percentiles in ns (every 256th call, time-stamp counter)" },
	{ "FREE p50", "free latency percentiles in ns (every 256th call, time-stamp counter)" },
	{ "PEAK RSS", "wait4's maximum resident memory (or the largest sample)" },
	{ "RSS AT END", "the last resident-memory sample before the program exited" },
	{ "GIVEN BACK", "share of the peak returned to the system by the end" },
	{ "task-clock (ns)", "CPU time of the workload's threads (software counter)" },
	{ "p99", "99th percentile of the sampled latencies, ns" },
	{ "p99.9", "99.9th percentile of the sampled latencies, ns" },
	{ "max", "the largest sampled latency, ns" },
	/* compare */
	{ "RUNS", "runs that succeeded in A / in B" },
	{ "A", "the statistic of session A" },
	{ "B", "the statistic of session B" },
	{ "P (MW)", "two-sided Mann-Whitney p-value of all runs" },
	{ "P HOLM", "the statistic's test, Holm-adjusted across the cells of this comparison: "
		    "below 0.05 for a faster or slower verdict" },
	{ "DETECT", "the smallest change these runs could tell from noise at the comparison's "
		    "level (half the width of the interval at 1 - 5%/cells)" },
	{ "VERDICT", "faster / slower: beyond the minimum effect and significant after Holm; "
		     "same: within it; noisy: nothing can be told" },
	/* history */
	{ "SESSIONS", "the session(s) of this point (pooled by commit with --order=commit)" },
	{ "STARTED", "when the (first) session started" },
	{ "COMMIT", "ngbench's git commit when the session ran" },
	{ "95% INTERVAL", "distribution-free interval of the median ((range) below 6 runs)" },
	{ "CHANGE", "a change point starts here: the relative change of the segment medians" },
};

const char *column_tip(const char *head)
{
	size_t i;

	for (i = 0; i < sizeof(column_tips) / sizeof(column_tips[0]); i++)
		if (!strcmp(head, column_tips[i].head))
			return column_tips[i].tip;
	for (i = 0; i < NGB_NDERIVED; i++)
		if (!strcmp(head, ngb_derived[i].label))
			return ngb_derived[i].what;
	/* the rest are counter events (the counter table's other columns) */
	return "median of this counter event per trial over the trials that succeeded (n/a: not "
	       "counted, see the note below the table)";
}
