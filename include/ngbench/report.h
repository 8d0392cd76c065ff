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

/*
 * The same bootstrap as a test: the interval at conf and the two-sided
 * p-value of "the ratio is 1", twice the share of resampled ratios on the
 * far side of 1 (counted with +1 so that no p is 0: with 2000 resamples the
 * smallest is about 0.001).  The interval excludes 1 about when p < 1-conf.
 */
int ngb_bootstrap_test(const double *a, size_t na, const double *b, size_t nb, double q,
		       double conf, unsigned reps, uint64_t seed, double *ratio,
		       struct ngb_interval *ci, double *p);

/*
 * Holm's step-down adjustment of n p-values (Holm, "A simple sequentially
 * rejective multiple test procedure", Scand. J. Statist. 1979): adj[i] <
 * alpha for exactly the hypotheses Holm rejects at family-wise level alpha,
 * under any dependence between the tests.  NaN p-values are left out of
 * the family and get NaN.
 */
void ngb_holm(const double *p, size_t n, double *adj);

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

/* ---- the machines of a session (reports/machines.c) ----------------------- */

/* Trials of a session that ran on one machine: one host (or, pooled, every
 * host with one fingerprint). */
struct ngb_machine_group {
	char *hosts;              /* the host; pooled: the hosts, comma-separated */
	char *fingerprint;        /* NULL: not recorded (stored before fingerprints) */
	long trials;              /* measured trials */
	int pooled;
};
/* The machine groups of a session's measured trials, in the order they ran:
 * by host and fingerprint, or with pool by fingerprint alone. */
int ngb_session_machines(sqlite3 *db, int64_t sid, int pool, struct ngb_machine_group **out,
			 size_t *n, struct ngb_err *e);
void ngb_machine_groups_free(struct ngb_machine_group *g, size_t n);
/* What tells fingerprint a from b, field by field, for people (to free). */
char *ngb_machine_diff(sqlite3 *db, const char *a, const char *b);
/* Confines what the connection's report, export and compare queries see to
 * one group's trials, until ngb_machine_scope_end(). */
int ngb_machine_scope(sqlite3 *db, const struct ngb_machine_group *g, struct ngb_err *e);
void ngb_machine_scope_end(sqlite3 *db);

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
	int absolute;          /* compare: judge each cell against 1, not against the
				* shift of the whole session */
	int history;           /* compare: each cell's own spread between sessions,
				* from the other sessions in the database */
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

/* ---- baselines and the CI gate (reports/baseline.c, reports/gate.c) ----- */

/*
 * A baseline: per cell (workload x parameters x threads x allocator x
 * counter mode and geometry) what a session measured, kept as a small text
 * file in git (format in reports/README.md), with the machine fingerprint
 * and the versions it came from.  Time cells keep every run's value, so a
 * later session is judged by the same statistics as 'ngbench compare';
 * simulated cells keep the instructions and the D1 and last-level misses
 * (per operation when the workload's record gives 'ops', else per run).
 */
#define NGB_BASELINE_FORMAT_VERSION 1

/* The simulated quantities the gate compares. */
enum ngb_sim_metric {
	NGB_SIM_IR,          /* Ir: instructions */
	NGB_SIM_D1,          /* D1mr + D1mw: first-level data misses */
	NGB_SIM_LL,          /* DLmr + DLmw: last-level data misses */
	NGB_SIM_NMETRICS,
};
const char *ngb_sim_metric_name(enum ngb_sim_metric m);

struct ngb_baseline_cell {
	char *workload, *params, *allocator, *allocator_version;
	char *counters;          /* "sim", "hw" or "none" */
	char *geometry;          /* sim: the declared cache geometry; else NULL */
	char *metric, *unit;
	int threads, higher;
	size_t runs, failed;     /* succeeded and failed (not skipped) trials */
	double *values;          /* time cells: the metric of each run, sorted; with a
				  * control, each run's metric over the control's in
				  * the same round */
	size_t nvalues;
	size_t unpaired;         /* with a control: runs without a control run in their round
				  * (counted in runs, not in values) */
	int per_op;              /* sim: counts divided by the record's ops */
	int have_sim;
	double sim_med[NGB_SIM_NMETRICS], sim_min[NGB_SIM_NMETRICS], sim_max[NGB_SIM_NMETRICS];
};

struct ngb_baseline {
	char *source;            /* where it came from: session, label, date */
	char *version, *commit;  /* ngbench's */
	char *cpu_model, *kernel, *os, *libc;
	int cores;
	/*
	 * The control allocator of timed cells, or NULL: run in the same rounds,
	 * it takes the machine's drift out of the others (their values are ratios
	 * to it); its own cells are not kept.
	 */
	char *control;
	struct ngb_baseline_cell *cells;
	size_t ncells;
};

/*
 * A session's cells (warm-up and profile trials left out); -ENOENT when no
 * such session.  control (or NULL): the allocator whose run in the same round
 * (same workload, parameters, threads, counters) divides each timed run;
 * its own cells are left out; -ENOENT when the session has none of its timed
 * runs.
 */
int ngb_baseline_from_session(sqlite3 *db, int64_t session_id, const char *control,
			      struct ngb_baseline **out, struct ngb_err *e);
/* The diff-friendly text: one "[cell]" section per cell, in a stable order. */
int ngb_baseline_write(const struct ngb_baseline *b, FILE *out, struct ngb_err *e);
/* Reads a baseline file; -EINVAL with the line number for a malformed one. */
int ngb_baseline_read(const char *path, struct ngb_baseline **out, struct ngb_err *e);
int ngb_baseline_parse(const char *text, const char *name, struct ngb_baseline **out,
		       struct ngb_err *e);
/* The same over len bytes: a NUL byte among them is an error. */
int ngb_baseline_parse_len(const char *text, size_t len, const char *name,
			   struct ngb_baseline **out, struct ngb_err *e);
void ngb_baseline_free(struct ngb_baseline *b);

/*
 * Can b (the baseline) judge cur (a session's cells)?  Time cells need the
 * same machine: CPU model, cores, kernel, libc.  Simulated cells do not
 * depend on the CPU, but on the code that runs and the model: same libc and
 * OS, and each cell's geometry equal (checked per cell by the gate).
 * 0, or -EXDEV with every difference explained in e.
 */
int ngb_baseline_check_machine(const struct ngb_baseline *b, const struct ngb_baseline *cur,
			       struct ngb_err *e);

enum ngb_gate_verdict {
	NGB_GATE_PASS,        /* within the threshold (sim) or same / noisy (time) */
	NGB_GATE_BETTER,      /* improved beyond the threshold: the baseline may be updated */
	NGB_GATE_REGRESSION,  /* worse beyond the threshold */
	NGB_GATE_FAILED,      /* the cell's trials failed in the session */
	NGB_GATE_MISSING,     /* in the baseline, not in the session */
	NGB_GATE_NEW,         /* in the session, not in the baseline */
	NGB_GATE_REFUSED,     /* another simulator geometry */
};
const char *ngb_gate_verdict_name(enum ngb_gate_verdict v);
/* Does this verdict fail a CI job?  (regression, failed, missing, refused) */
int ngb_gate_verdict_fails(enum ngb_gate_verdict v);

struct ngb_gate_options {
	double threshold;     /* sim: the largest allowed relative increase; 0.005 */
	struct ngb_compare_options time;   /* time cells: as 'ngbench compare' */
	int force;            /* judge even across machines or geometries */
	int stat_given;       /* time.stat was chosen (else cells with a control use median) */
};

struct ngb_gate;

/* Judges every cell of cur against b; -EXDEV (refused, message) unless forced. */
int ngb_gate_run(const struct ngb_baseline *b, const struct ngb_baseline *cur,
		 const struct ngb_gate_options *opt, struct ngb_gate **out, struct ngb_err *e);
void ngb_gate_free(struct ngb_gate *g);
size_t ngb_gate_count(const struct ngb_gate *g, enum ngb_gate_verdict v);
/* Any verdict that fails a CI job? */
int ngb_gate_failed(const struct ngb_gate *g);
/* Text (terminal), markdown (job summary, pull-request comment) or JSON. */
int ngb_gate_write(const struct ngb_gate *g, enum ngb_report_format f, FILE *out,
		   struct ngb_err *e);
/* JUnit XML: one testcase per cell, a failure element for each failing verdict. */
int ngb_gate_write_junit(const struct ngb_gate *g, const char *suite, FILE *out,
			 struct ngb_err *e);

/* ---- change points (reports/changepoint.c) ------------------------------- */

/*
 * E-divisive means (Matteson & James, "A nonparametric approach for
 * multiple change point analysis of multivariate data", JASA 2014), with
 * alpha = 1, the method behind MongoDB's and Apache Otava's (Hunter's)
 * change-point detection: the split that maximises the scaled energy
 * distance between the two sides, found recursively, each accepted only if
 * a permutation test (fixed seed) gives p <= sig_level.  A change point is
 * kept only when the medians of the segments on each side differ by at
 * least min_magnitude (relative), and every segment has at least min_size
 * points, so that one spike is never a change.
 */
struct ngb_cp_options {
	double sig_level;      /* 0.05 */
	unsigned permutations; /* 199 */
	double min_magnitude;  /* 0.05: 5 % */
	size_t min_size;       /* 3 */
	uint64_t seed;
};

/* The scaled divergence of x[0..tau) against x[tau..n): Q-hat of
 * Matteson & James (eq. 7 with alpha = 1). */
double ngb_cp_qhat(const double *x, size_t n, size_t tau);

/* The best split of x[lo..hi) with both sides >= min_size: index and Q-hat; -EDOM when none. */
int ngb_cp_best_split(const double *x, size_t lo, size_t hi, size_t min_size, size_t *tau,
		      double *q);

/* The change points of x (indices where a new segment starts), ascending. */
int ngb_cp_find(const double *x, size_t n, const struct ngb_cp_options *opt, size_t **cps,
		size_t *ncps);

/* ---- history (reports/history.c) ----------------------------------------- */

struct ngb_history_query {
	const char *workload, *allocator;
	const char *metric;    /* NULL: the primary metric; or a counter or "Ir/op"-style derived id */
	int threads;           /* < 0: any (then each thread count is its own series) */
	const char *order;     /* "time" (default) or "commit" */
	/* "timed" or "sim"; NULL: sim for a simulated quantity or a cachegrind
	 * event, else timed (the wall time under valgrind is not comparable) */
	const char *mode;
	const char *const *sets; /* NAME=VALUE: only trials with these parameters */
	size_t nsets;
	struct ngb_cp_options cp;
};

struct ngb_history;
int ngb_history_load(sqlite3 *db, const struct ngb_history_query *q, struct ngb_history **out,
		     struct ngb_err *e);
void ngb_history_free(struct ngb_history *h);
size_t ngb_history_points(const struct ngb_history *h);
/* Table (text, markdown, csv or json) with the change points marked. */
int ngb_history_write(const struct ngb_history *h, enum ngb_report_format f, FILE *out,
		      struct ngb_err *e);
/* gnuplot data and script (NAME.dat, NAME.gp) in dir, rendered to SVG when gnuplot runs. */
int ngb_history_plot(const struct ngb_history *h, const char *dir, struct ngb_report_files *files,
		     struct ngb_err *e);

/* ---- the plots of an allocation trace (reports/traceplot.c) --------------- */

/*
 * Writes into dir (created if missing) the plots of a trace's statistics
 * (ngbench/trace.h; with its live timeline): sizes-0 (the profile's
 * requested-size plot), lifetime-calls, lifetime-time and live, as .dat and
 * .gp, rendered to SVG and PNG when gnuplot is found (else files->plots_note
 * says why not).  @label names the trace in the titles.
 */
struct ngb_trace_stats;
int ngb_trace_plots(const struct ngb_trace_stats *s, const char *label, const char *dir,
		    struct ngb_report_files *files, struct ngb_err *e);

#endif /* NGBENCH_REPORT_H */
