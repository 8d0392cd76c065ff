/*
 * reports/column.c - the columns of a report cell, defined once
 * (CELL_COLUMNS): for each its name in CSV and JSON, the kind and unit of
 * its value, how to get it from a cell, and which column of the tables
 * (text, markdown, HTML) shows it and how.  table.c renders the tables
 * from this list and emit.c writes CSV and JSON from it, so a column is in
 * every format or in none.
 *
 * A column of the tables may show several of the list's columns: the
 * workload's label stands for the program and its parameters (it is the
 * program with the parameters that tell the session's sets apart), METRIC
 * for the metric, its unit and direction, FAILED for the failed and the
 * skipped trials, RANGE for the minimum and the maximum.  A column marked
 * `once` (the counter mode, the allocator's version) is stated once above
 * the tables instead, when that says it all (cell_column_stated).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define xfmt rep_asprintf

char *show_threads(int threads)
{
	return threads ? xfmt("%d", threads) : rep_strdup("-");
}

char *show_num(double v)
{
	char b[64];

	fmt_num(b, sizeof(b), v);
	return rep_strdup(b);
}

/* "[lo, hi]", with the confidence when it is below the one asked for */
static char *interval_str(const struct ngb_interval *ci, double conf, size_t n, int ratio)
{
	char lo[32], hi[32];

	if (n == 0)
		return rep_strdup("-");
	if (ci->level <= 0)
		return rep_strdup(n == 1 ? "none (1 run)" : "none");
	if (ratio) {
		snprintf(lo, sizeof(lo), "%.3f", ci->lo);
		snprintf(hi, sizeof(hi), "%.3f", ci->hi);
	} else {
		fmt_num(lo, sizeof(lo), ci->lo);
		fmt_num(hi, sizeof(hi), ci->hi);
	}
	if (ci->level < conf - 1e-9)
		return xfmt("[%s, %s] %.4g%%", lo, hi, 100 * ci->level);
	return xfmt("[%s, %s]", lo, hi);
}

static int is_base(const struct ngb_report *r, const struct cell *c)
{
	return r->baseline && !strcmp(c->allocator, r->baseline);
}

/* ---- how the tables show each column ------------------------------------------ */

static char *show_workload(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return rep_strdup(c->workload);
}

static char *show_mode(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return rep_strdup(c->mode ? c->mode : "none");
}

static char *show_cell_threads(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return show_threads(c->threads);
}

static char *show_allocator(const struct ngb_report *r, const struct cell *c)
{
	return is_base(r, c) ? xfmt("%s (base)", c->allocator) : rep_strdup(c->allocator);
}

static char *show_version(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return rep_strdup(c->allocator_version && *c->allocator_version ? c->allocator_version : "-");
}

static char *show_metric(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	if (!c->metric || !*c->metric)
		return rep_strdup("-");
	return xfmt("%s, %s", c->unit && *c->unit ? c->unit : c->metric,
		    c->higher ? "higher" : "lower");
}

static char *show_trials(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return xfmt("%zu", c->ntrials);
}

static char *show_ok(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return xfmt("%zu", c->values.n);
}

static char *show_failed(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return xfmt("%zu", c->nfailed + c->nskipped);
}

static char *show_median(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return show_num(c->median);
}

static char *show_median_ci(const struct ngb_report *r, const struct cell *c)
{
	return interval_str(&c->median_ci, r->conf, c->values.n, 0);
}

static char *show_range(const struct ngb_report *r, const struct cell *c)
{
	char lo[32], hi[32];

	(void)r;
	if (!c->values.n)
		return rep_strdup("-");
	fmt_num(lo, sizeof(lo), c->min);
	fmt_num(hi, sizeof(hi), c->max);
	return xfmt("[%s, %s]", lo, hi);
}

static char *show_best(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return show_num(c->best);
}

static char *show_speedup(const struct ngb_report *r, const struct cell *c)
{
	if (!c->has_speedup)
		return rep_strdup("n/a");
	return is_base(r, c) ? rep_strdup("1") : xfmt("%.3fx", c->speedup);
}

static char *show_speedup_ci(const struct ngb_report *r, const struct cell *c)
{
	if (!c->has_speedup)
		return rep_strdup("-");
	if (is_base(r, c))
		return rep_strdup("(baseline)");
	return interval_str(&c->speedup_ci, r->conf, c->values.n > 1 ? 2 : 1, 1);
}

static char *show_rss(const struct ngb_report *r, const struct cell *c)
{
	(void)r;
	return isnan(c->rss_median) ? rep_strdup("n/a") : xfmt("%.1f MiB", c->rss_median / 1024);
}

char *cell_column_stated(const struct ngb_report *r, const char *head, char *const *v)
{
	struct strbuf b = STRBUF_INIT;
	size_t i, j, a;

	for (i = 1; i < r->ncells && !strcmp(v[i], v[0]); i++)
		;
	if (i == r->ncells) {
		strbuf_addf(&b, "%s: %s", head, v[0]);
		goto out;
	}
	for (i = 0; i < r->ncells; i++)
		for (j = i + 1; j < r->ncells; j++)
			if (!strcmp(r->cells[i].allocator, r->cells[j].allocator) && strcmp(v[i], v[j]))
				return NULL;
	strbuf_addf(&b, "%s: ", head);
	for (a = 0, j = 0; a < r->nallocators; a++)
		for (i = 0; i < r->ncells; i++)
			if (!strcmp(r->cells[i].allocator, r->allocators[a])) {
				strbuf_addf(&b, "%s%s %s", j++ ? "; " : "", r->allocators[a], v[i]);
				break;
			}
out:
	if (b.oom) {
		strbuf_release(&b);
		return NULL;
	}
	return strbuf_detach(&b);
}

/* ---- the list --------------------------------------------------------------- */

/*
 * name (CSV and JSON), kind, unit of the value ("": none; "metric": the
 * cell's unit), the tables' column that shows it, its alignment there,
 * how (NULL: within that column, which the column before it shows), once
 * (1: stated above the tables when that says it all), the header's
 * tooltip in HTML (NULL: the one all the reports' tables share for that
 * header, column_tip) and the value of cell c.
 */
#define TIP_MODE                                                                          \
	"how the trials were counted: hw (performance counters), none, or sim (under "    \
	"cachegrind, whose wall time is not the program's)"
#define TIP_VERSION "the version of the allocator as its plugin reported it (- for none)"
#define TIP_TRIALS "trials of the cell, OK + FAILED (warm-up and profile trials left out)"
#define TIP_RANGE "the smallest and the largest run, [min, max]"

#define CELL_COLUMNS(X)                                                                    \
	X(workload, COL_TEXT, "", "WORKLOAD", 'l', show_workload, 0, NULL,                 \
	  .s = c->workload)                                                                \
	X(program, COL_TEXT, "", "WORKLOAD", 'l', NULL, 0, NULL, .s = c->program)          \
	X(params, COL_PARAMS, "", "WORKLOAD", 'l', NULL, 0, NULL, .s = c->params)          \
	X(counter_mode, COL_TEXT, "", "COUNTER MODE", 'l', show_mode, 1, TIP_MODE,         \
	  .s = c->mode ? c->mode : "none")                                                 \
	X(threads, COL_INT, "", "THREADS", 'r', show_cell_threads, 0, NULL,                \
	  .i = c->threads)                                                                 \
	X(allocator, COL_TEXT, "", "ALLOCATOR", 'l', show_allocator, 0, NULL,              \
	  .s = c->allocator)                                                               \
	X(allocator_version, COL_TEXT, "", "VERSION", 'l', show_version, 1, TIP_VERSION,   \
	  .s = c->allocator_version)                                                       \
	X(metric, COL_TEXT, "", "METRIC", 'l', show_metric, 0, NULL, .s = c->metric)       \
	X(unit, COL_TEXT, "", "METRIC", 'l', NULL, 0, NULL, .s = c->unit)                  \
	X(higher_is_better, COL_BOOL, "", "METRIC", 'l', NULL, 0, NULL, .i = c->higher)    \
	X(trials, COL_COUNT, "", "TRIALS", 'r', show_trials, 0, TIP_TRIALS,                \
	  .i = (long long)c->ntrials)                                                      \
	X(succeeded, COL_COUNT, "", "OK", 'r', show_ok, 0, NULL,                           \
	  .i = (long long)c->values.n)                                                     \
	X(failed, COL_COUNT, "", "FAILED", 'r', show_failed, 0, NULL,                      \
	  .i = (long long)c->nfailed)                                                      \
	X(skipped, COL_COUNT, "", "FAILED", 'r', NULL, 0, NULL,                            \
	  .i = (long long)c->nskipped)                                                     \
	X(median, COL_NUM, "metric", "MEDIAN", 'r', show_median, 0, NULL, .d = c->median)  \
	X(median_ci, COL_CI, "metric", "95% CI", 'l', show_median_ci, 0, NULL,             \
	  .ci = &c->median_ci)                                                             \
	X(min, COL_NUM, "metric", "RANGE", 'l', show_range, 0, TIP_RANGE, .d = c->min)     \
	X(max, COL_NUM, "metric", "RANGE", 'l', NULL, 0, NULL, .d = c->max)                \
	X(best, COL_NUM, "metric", "BEST", 'r', show_best, 0, NULL, .d = c->best)          \
	X(speedup, COL_NUM, "", "SPEEDUP", 'r', show_speedup, 0, NULL,                     \
	  .d = c->has_speedup ? c->speedup : NAN)                                          \
	X(speedup_ci, COL_CI, "", "SPEEDUP 95% CI", 'l', show_speedup_ci, 0, NULL,         \
	  .ci = &c->speedup_ci)                                                            \
	X(maxrss_kb_median, COL_NUM, "KiB", "MAX RSS", 'r', show_rss, 0, NULL,             \
	  .d = c->rss_median)

#define X(name, ...) CELL_COL_##name,
enum { CELL_COLUMNS(X) NCELL_COLS };
#undef X

#define X(name, kind, unit, head, align, show, once, tip, ...) \
	{ #name, kind, unit, head, align, show, once, tip },
const struct cell_column cell_columns[] = { CELL_COLUMNS(X) };
#undef X
const size_t ncell_columns = NCELL_COLS;

struct col_value cell_column_value(const struct cell *c, size_t k)
{
	switch (k) {
#define X(name, kind, unit, head, align, show, once, tip, ...) \
	case CELL_COL_##name: return (struct col_value){ __VA_ARGS__ };
		CELL_COLUMNS(X)
#undef X
	}
	return (struct col_value){ .s = NULL };
}
