/*
 * ngbench/report.h - reports over the store: statistics, tables, plots, the
 * HTML page, comparisons of two sessions and raw exports.
 *
 * Library code: it writes to the stream or folder its caller gives, never to
 * stdout on its own, never exits, and returns 0 or a negative errno with a
 * message in struct ngb_err.
 *
 * The statistics assume no distribution: wall times on a shared machine are
 * often bimodal, so every interval here comes from order statistics (the
 * binomial for a median, the Mann-Whitney U distribution for a shift) or from
 * a bootstrap with a fixed seed, never from a mean and a standard deviation.
 */
#ifndef NGBENCH_REPORT_H
#define NGBENCH_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "ngbench/error.h"

/* The version of the report's JSON and CSV, of compare's and of export's. */
#define NGB_REPORT_FORMAT_VERSION 1

/* ---- statistics (reports/stats.c) ----------------------------------------- */

/* An interval and the confidence it actually has (0 when there is none). */
struct ngb_interval {
	double lo, hi;
	double level;
};

/* The median of n values (sorted in place); NaN when n == 0. */
double ngb_median(double *v, size_t n);
/* Quantile p in [0, 1] of sorted values, linear between order statistics
 * (Hyndman & Fan type 7, R's default); NaN when n == 0. */
double ngb_quantile_sorted(const double *v, size_t n, double p);

/* P(X <= k) for X ~ Binomial(n, 1/2). */
double ngb_binom_half_cdf(long k, long n);

/*
 * A distribution-free confidence interval of the median of sorted values:
 * [x(k), x(n-k+1)] with the largest k for which P(B < k) <= (1-conf)/2,
 * B ~ Binomial(n, 1/2) (Conover, Practical Nonparametric Statistics, 3.2).
 * Below n = 6 no such interval reaches 95 %: then the widest one,
 * [min, max], is given with the confidence it has (50 % for n = 2, 75 % for
 * 3, 87.5 % for 4, 93.75 % for 5).  n < 2: -EDOM, no interval.
 */
int ngb_median_ci(const double *sorted, size_t n, double conf, struct ngb_interval *ci);

/* The distribution of the Mann-Whitney U statistic for sample sizes m, n
 * without ties: cnt[u] (u = 0..m*n) arrangements out of C(m+n, m).  The
 * counts are exact in doubles while C(m+n, m) < 2^53. */
int ngb_mw_counts(size_t m, size_t n, double **cnt);
/* Is the exact distribution usable (and exact in doubles) for m, n? */
int ngb_mw_exact_ok(size_t m, size_t n);

struct ngb_mw {
	double u;       /* U of b against a: #(b > a) + #(b == a) / 2 */
	double p;       /* two-sided p-value */
	double z;       /* the normal score (0 when exact) */
	int exact;      /* exact distribution (no ties, small samples) */
	int ties;
};

/*
 * Two-sided Mann-Whitney U test of b against a.  Exact when there are no
 * ties and C(m+n, m) < 2^53, as R's wilcox.test does; otherwise the normal
 * approximation with the tie correction of the variance and a continuity
 * correction.  -EDOM when a side is empty.
 */
int ngb_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct ngb_mw *r);

/*
 * The Hodges-Lehmann estimate of the ratio b/a for positive values: the
 * median of all log(b_j) - log(a_i), exponentiated, with the
 * Mann-Whitney-based interval (Bauer 1972; Hollander & Wolfe 4.3):
 * [D(k), D(mn-k+1)] of the sorted differences with the largest k for which
 * P(U < k) <= (1-conf)/2.  When no interval reaches conf (tiny samples) the
 * widest one is given with the confidence it has.  -EDOM for an empty side
 * or a value <= 0 (then *ratio is NaN); with one value on each side the
 * ratio is given without an interval (level 0).
 */
int ngb_hl_ratio(const double *a, size_t na, const double *b, size_t nb, double conf,
		 double *ratio, struct ngb_interval *ci);

/* The geometric mean of positive values; NaN when empty or a value <= 0. */
double ngb_geomean(const double *v, size_t n);

/*
 * A percentile-bootstrap interval of stat(b)/stat(a), stat being the
 * quantile q of each side (q = 0: the minimum), with `reps` resamples from
 * a fixed seed so that the same data give the same interval.
 */
int ngb_bootstrap_ratio(const double *a, size_t na, const double *b, size_t nb, double q,
			double conf, unsigned reps, uint64_t seed, double *ratio,
			struct ngb_interval *ci);

/* ---- one session's report (reports/load.c) ------------------------------- */

enum ngb_report_format {
	NGB_FORMAT_TEXT,
	NGB_FORMAT_MARKDOWN,
	NGB_FORMAT_CSV,
	NGB_FORMAT_JSON,
	NGB_FORMAT_HTML,
};
/* "text", "markdown" (or "md"), "csv", "json", "html"; -EINVAL otherwise. */
int ngb_report_format_parse(const char *s, enum ngb_report_format *f);
const char *ngb_report_format_name(enum ngb_report_format f);

struct ngb_report;

struct ngb_report_options {
	const char *baseline;    /* NULL: ptmalloc2 when the session has it */
	double conf;             /* 0: 0.95 */
	int explicit_baseline;   /* the user named it: refuse when absent */
};

/*
 * Reads one session and computes every cell's statistics.  -ENOENT when the
 * session does not exist, -EINVAL (message lists the allocators) when an
 * explicit baseline is not in the session.
 */
int ngb_report_load(sqlite3 *db, int64_t session_id, const struct ngb_report_options *opt,
		    struct ngb_report **out, struct ngb_err *e);
void ngb_report_free(struct ngb_report *r);

/* The whole report in one format (HTML: without plots). */
int ngb_report_write(const struct ngb_report *r, enum ngb_report_format f, FILE *out,
		     struct ngb_err *e);

/* The files a report folder got, in the order written. */
struct ngb_report_files {
	char **paths;
	size_t n;
	int plots_rendered;       /* gnuplot ran and every plot rendered */
	char *plots_note;         /* why not, and how to get them; NULL when rendered */
};
void ngb_report_files_release(struct ngb_report_files *f);

/*
 * Writes a report folder (created if missing): report.txt, .md, .csv, .json,
 * the gnuplot data files and .gp scripts (plots/), their SVG and PNG renders
 * when gnuplot is found, and report.html with the plots inline.  A missing
 * gnuplot is no failure: files->plots_note says so.  For 'ngbench report
 * --output-dir' and for whatever reproduces an experiment.
 */
int ngb_report_write_dir(const struct ngb_report *r, const char *dir,
			 struct ngb_report_files *files, struct ngb_err *e);

/* The first plain table, kept for callers of the first version. */
int ngb_report_session_text(sqlite3 *db, int64_t session_id, FILE *out, struct ngb_err *e);

/* ---- comparing two sessions (reports/compare.c) -------------------------- */

enum ngb_compare_stat {
	NGB_STAT_MIN,       /* the best run: min of a time, max of a rate */
	NGB_STAT_P25,       /* the best quarter: p25 of a time, p75 of a rate (the default) */
	NGB_STAT_MEDIAN,    /* Hodges-Lehmann shift, Mann-Whitney interval */
};
int ngb_compare_stat_parse(const char *s, enum ngb_compare_stat *st);
const char *ngb_compare_stat_name(enum ngb_compare_stat st);

enum ngb_verdict {
	NGB_VERDICT_SAME,
	NGB_VERDICT_FASTER,
	NGB_VERDICT_SLOWER,
	NGB_VERDICT_NOISY,
	NGB_VERDICT_ONLY_A,   /* the cell is in one session only */
	NGB_VERDICT_ONLY_B,
};
const char *ngb_verdict_name(enum ngb_verdict v);

struct ngb_compare_options {
	enum ngb_compare_stat stat;
	double min_effect;     /* 0.05: 5 % */
	double conf;           /* 0: 0.95 */
};

struct ngb_compare;

int ngb_compare_load(sqlite3 *db, int64_t a, int64_t b, const struct ngb_compare_options *opt,
		     struct ngb_compare **out, struct ngb_err *e);
void ngb_compare_free(struct ngb_compare *c);
/* The number of cells with each verdict. */
size_t ngb_compare_count(const struct ngb_compare *c, enum ngb_verdict v);
/* Text (aligned table and summary) or JSON; -EINVAL for another format. */
int ngb_compare_write(const struct ngb_compare *c, enum ngb_report_format f, FILE *out,
		      struct ngb_err *e);

/*
 * The verdict of one cell from its speedup (B over A, > 1: B is better) and
 * interval: slower or faster when the interval excludes 1 and the estimate
 * is beyond the minimum effect; same when the interval lies within
 * [1/(1+e), 1+e] or the difference is real but smaller than e; noisy when
 * nothing can be told (the interval holds 1 and reaches beyond e).
 */
enum ngb_verdict ngb_verdict_of(double speedup, const struct ngb_interval *ci, double min_effect);

/* ---- raw export (reports/export.c) --------------------------------------- */

enum ngb_export_table {
	NGB_EXPORT_TRIALS,     /* one row per trial, results and counters as columns */
	NGB_EXPORT_COUNTERS,   /* one row per counter (CSV only) */
};

/* session_id < 0: every session.  CSV or JSON; -EINVAL for another format. */
int ngb_export(sqlite3 *db, int64_t session_id, enum ngb_report_format f,
	       enum ngb_export_table table, FILE *out, struct ngb_err *e);

#endif /* NGBENCH_REPORT_H */
