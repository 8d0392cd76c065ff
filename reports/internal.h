/*
 * reports/internal.h - private declarations of the reports part.  Nothing
 * outside reports/ (and its tests) includes it.
 */
#ifndef NGBENCH_REPORTS_INTERNAL_H
#define NGBENCH_REPORTS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "ngbench/report.h"
#include "../lib/strbuf.h"

void ngb_sort_doubles(double *v, size_t n);

/* ---- growing arrays (util.c); strings: lib/strbuf.h ----------------------- */

struct dvec {
	double *v;
	size_t n, alloc;
};
int dvec_push(struct dvec *d, double x);
void dvec_release(struct dvec *d);

char *rep_strdup(const char *s);
/* A formatted copy, or NULL when out of memory. */
char *rep_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- escaping (escape.c) -------------------------------------------------- */

/* Each writes s to out made safe for its format. */
void put_html(FILE *out, const char *s);
void put_markdown(FILE *out, const char *s);
void put_csv(FILE *out, const char *s);
/* Terminal text: control bytes shown as \xNN, so a label cannot move the cursor. */
void put_text(FILE *out, const char *s);
/* A copy fit for a gnuplot label or data string: [A-Za-z0-9 ._,:/+()=-] only. */
char *plot_safe_copy(const char *s);
/* The display width of s in a terminal (UTF-8 code points, \xNN for controls). */
size_t text_width(const char *s);

/* JSON values: null for NaN or NULL, strings made valid UTF-8 (util.c). */
#include <jansson.h>
json_t *json_num(double v);
json_t *json_text(const char *s);
/* Writes root indented with a final newline and releases it; -ENOMEM for a
 * NULL root (a failed json_pack), -EIO when the stream fails. */
int json_dump_root(json_t *root, FILE *out);

/* Numbers for people: 4 significant digits, k/M/G for large values. */
void fmt_num(char *buf, size_t len, double v);

/* ---- the session model (load.c) ------------------------------------------- */

/* Derived metrics: name, what it is, numerator events, denominator, scale. */
#define NGB_DERIVED_LIST(X)                                                                  \
	X(ipc, "IPC", "instructions per cycle", "instructions", NULL, "cycles", 1)          \
	X(llc_mpki, "LLC-load MPKI", "LLC load misses per 1000 instructions",              \
	  "LLC-load-misses", NULL, "instructions", 1000)                                     \
	X(dtlb_mpki, "dTLB-load MPKI", "dTLB load misses per 1000 instructions",           \
	  "dTLB-load-misses", NULL, "instructions", 1000)                                    \
	X(sim_ll_mpki, "LL MPKI (sim)", "simulated last-level misses (DLmr+DLmw) per 1000 " \
	  "instructions (Ir)", "DLmr", "DLmw", "Ir", 1000)                                   \
	X(sim_d1_mpki, "D1 MPKI (sim)", "simulated L1 data misses (D1mr+D1mw) per 1000 "    \
	  "instructions (Ir)", "D1mr", "D1mw", "Ir", 1000)                                   \
	X(insn_per_op, "instructions/op", "instructions per operation", "instructions",    \
	  NULL, "@ops", 1)                                                                   \
	X(sim_insn_per_op, "Ir/op (sim)", "simulated instructions per operation", "Ir",    \
	  NULL, "@ops", 1)                                                                   \
	X(llc_per_op, "LLC-load-misses/op", "LLC load misses per operation",               \
	  "LLC-load-misses", NULL, "@ops", 1)                                                \
	X(faults_per_op, "page-faults/op", "page faults per operation", "page-faults",     \
	  NULL, "@ops", 1)                                                                   \
	X(csw_per_op, "context-switches/op", "context switches per operation",             \
	  "context-switches", NULL, "@ops", 1)

#define X(id, ...) NGB_DERIVED_##id,
enum { NGB_DERIVED_LIST(X) NGB_NDERIVED };
#undef X

struct derived_def {
	const char *id, *label, *what, *num1, *num2, *den;
	double scale;
};
extern const struct derived_def ngb_derived[NGB_NDERIVED];

struct ngb_report;
#include "cell.h"

struct failure {
	int seq, threads, has_exit, exit_code, signal, warmup;
	char *allocator, *workload, *status, *reason, *stderr_tail;
};

struct event_note {
	char *event, *status, *reason;
	long count;
};

struct geo {
	char *allocator;
	double value;
	size_t ncells;
};

struct group {
	char *workload;
	int threads;
};

/* ---- allocation profiles and memory over time (profile.c) ----------------- */

/* The profile.* latency percentiles shown: p50, p99, p99.9, max. */
#define PROF_NLAT 4
extern const char *const prof_lat_keys[PROF_NLAT];   /* "p50", "p99", "p999", "max" */
extern const char *const prof_lat_labels[PROF_NLAT]; /* "p50", "p99", "p99.9", "max" */

/* One workload x threads x allocator over its profile trials (medians). */
struct prof_cell {
	char *workload, *allocator;
	int threads;
	size_t group, ntrials;
	double frag, peak_rss_kb, blowup;   /* blowup: from the timing trials' max RSS */
	double malloc_ns[PROF_NLAT], free_ns[PROF_NLAT];
	double *size_count;                 /* per prof.bin: summed over the trials */
};

/* The workload's side of a profile (the Hoard paper's table): one per group. */
struct prof_group {
	char *workload;
	int threads;
	size_t ntrials;                     /* every allocator's profile trials */
	double peak_live, requested, allocations, avg_size;
};

/* Memory over time of one workload x threads x allocator (timing trials). */
struct rss_cell {
	char *workload, *allocator;
	int threads;
	size_t group, ntrials;              /* trials with samples */
	int64_t rep_trial;                  /* the median-metric trial, drawn */
	double *t_s, *mib;                  /* its samples */
	size_t nsamples;
	double peak_kb, end_kb, given_back; /* medians over the trials */
};

struct prof {
	struct prof_group *groups;
	size_t ngroups;
	struct prof_cell *cells;
	size_t ncells;
	double *bin_lo, *bin_hi;            /* the size histogram's bins, ascending */
	size_t nbins;
	struct group *rgroups;              /* workload x threads with RSS samples */
	size_t nrgroups;
	struct rss_cell *rss;
	size_t nrss;
	char **allocators;                  /* the report's order, then any others */
	size_t nallocators;
};

/* Reads the session's profile trials and RSS samples into r->prof (NULL
 * when it has neither); after the cells are summarized. */
int prof_load(sqlite3 *db, struct ngb_report *r, struct ngb_err *e);

/* ngb_cell_workload(workload, params, mode) in SQL on db while a session
 * loads (variants.c): the workload, with the parameters that tell apart the
 * session's parameter sets of it when there are several, and the counter
 * mode when it ran in several ("(sim)": under cachegrind; "(no counters)":
 * timed without counters beside timed runs with them).  The mode is the
 * store's one rule (query.c): 'sim', 'hw' or 'none', NULL for a profile
 * trial, which takes the label of its parameter set's timing runs. */
int variants_register(sqlite3 *db, int64_t sid, struct ngb_err *e);
void variants_unregister(sqlite3 *db);
void prof_free(struct prof *p);

struct ngb_report {
	int64_t session_id;
	/* the session row: name/value pairs in display order */
	char *started_at, *finished_at, *status, *host, *cpu_model, *kernel, *os, *libc;
	char *version, *commit, *command_line, *label, *config;
	int cores;
	int64_t seed;
	char *baseline;          /* NULL when the session has no measured trial */
	char *baseline_note;     /* why the baseline is not the one asked for, or NULL */
	double conf;
	struct cell *cells;
	size_t ncells;
	struct group *groups;
	size_t ngroups;
	char **events;           /* events with at least one counted value */
	size_t nevents;
	int derived_any[NGB_NDERIVED];
	struct event_note *notes;    /* events never counted, and why */
	size_t nnotes;
	struct failure *failures;
	size_t nfailures;
	struct geo *geo;
	size_t ngeo;
	char **allocators;       /* in display order, the baseline first */
	size_t nallocators;
	size_t min_runs;         /* fewest succeeded trials of a cell */
	struct prof *prof;       /* profiles and RSS over time; NULL: none */
};

/* ---- a cell's columns (column.c), for every format ---------------------------- */

enum col_kind {
	COL_TEXT,       /* a string; empty in CSV and null in JSON when NULL */
	COL_PARAMS,     /* the parameter set as stored, without threads: an object */
	COL_INT,
	COL_COUNT,
	COL_BOOL,
	COL_NUM,        /* NaN: empty in CSV, null in JSON */
	COL_CI,         /* an interval: level <= 0 means none */
};

struct col_value {
	const char *s;
	long long i;
	double d;
	const struct ngb_interval *ci;
};

struct cell_column {
	const char *name;        /* in CSV (an interval: _lo, _hi, _level) and JSON */
	enum col_kind kind;
	const char *unit;        /* of the value: "" none, "metric" the cell's unit */
	const char *head;        /* the tables' column that shows it */
	char align;              /* there: 'l' or 'r' */
	/* its text in the tables (malloc'd, NULL when out of memory); NULL: it is
	 * shown within its head's column, by the column before it */
	char *(*show)(const struct ngb_report *r, const struct cell *c);
	int once;                /* stated above the tables when that says it all */
	const char *tip;         /* its header's tooltip; NULL: column_tip's */
};
extern const struct cell_column cell_columns[];
extern const size_t ncell_columns;
struct col_value cell_column_value(const struct cell *c, size_t k);
/*
 * A column marked once, whose text in the report's row i is v[i], stated
 * above the table when that says it all: "HEAD: value" when it is the same
 * in every row, "HEAD: allocator value; ..." (the report's allocators in
 * order) when it is the same in every row of each allocator.  NULL: a
 * column of the table (or out of memory).  Malloc'd.
 */
char *cell_column_stated(const struct ngb_report *r, const char *head, char *const *v);
/* A thread count ("-" for none) and a number (fmt_num), malloc'd. */
char *show_threads(int threads);
char *show_num(double v);

/* ---- the parts of a report ------------------------------------------------ */

int report_write_text(const struct ngb_report *r, FILE *out);
int report_write_markdown(const struct ngb_report *r, FILE *out);
int report_write_csv(const struct ngb_report *r, FILE *out);
int report_write_json(const struct ngb_report *r, FILE *out, struct ngb_err *e);

struct plot_set {
	char **names;            /* script base names, e.g. "speedup" */
	char **captions;
	size_t n;
};
/* Writes plots/NAME.dat and plots/NAME.gp into dir; fills set. */
int plots_write(const struct ngb_report *r, const char *dir, struct plot_set *set,
		struct ngb_report_files *files, struct ngb_err *e);
/* Runs gnuplot on every script; sets files->plots_rendered / plots_note. */
void plots_render(const char *dir, const struct plot_set *set, struct ngb_report_files *files);
void plot_set_release(struct plot_set *set);
/* For plots written outside plot.c: adds NAME to the set; opens DIR/NAME.EXT
 * for writing and lists it in files (NULL and e set on failure); closes it,
 * -EIO when anything failed to write. */
int plot_add(struct plot_set *set, const char *name, const char *caption);
FILE *open_in(const char *dir, const char *name, const char *ext,
	      struct ngb_report_files *files, struct ngb_err *e);
int close_checked(FILE *f, const char *what, struct ngb_err *e);
/* A plot's two files in turn: closes DIR/NAME.dat (checked, as close_checked)
 * and opens DIR/NAME.gp, NULL and e set on failure (dat is closed either
 * way); then closes the script (checked) and, set not NULL, adds NAME with
 * its caption to the set, -ENOMEM when that fails. */
FILE *plot_switch_to_script(FILE *dat, const char *dir, const char *name,
			    struct ngb_report_files *files, struct ngb_err *e);
int plot_script_finish(FILE *gp, const char *dir, const char *name, const char *caption,
		       struct plot_set *set, struct ngb_err *e);
/* A gnuplot script's head (settings, the formats loop variable), and the loop
 * that renders each format: for plots outside the report (history_write.c). */
void plot_script_head(FILE *f, const char *name, const char *what, int w, int h);
void plot_script_loop_begin(FILE *f, const char *name);
void plot_script_loop_end(FILE *f);

/* The HTML page; plot_dir NULL or plots not rendered: the page says so. */
int report_write_html(const struct ngb_report *r, const char *plot_dir,
		      const struct plot_set *set, const char *plots_note, FILE *out);

/* ---- what the HTML pages share (page.c) ------------------------------------ */

/* The head (style, CSP allowing the page's one script by its hash) and
 * the <h1>: title, then the label quoted when not NULL. */
void page_begin(FILE *out, const char *title, const char *label);
/* The footer (what: one sentence on where the numbers come from), the
 * script that sorts and filters every table.sortable, the end. */
void page_end(FILE *out, const char *what);
/* A speedup's background colour (#rrggbb), and whether it needs white text. */
void page_heat_colour(double speedup, char *buf, size_t len);
void page_heat_colour_faint(double speedup, int faint, char *buf, size_t len);
int page_heat_dark(double speedup);
void page_sha256(const void *data, size_t len, unsigned char out[32]);
/* out: 4 * ceil(len / 3) + 1 bytes */
void page_base64(const unsigned char *in, size_t len, char *out);
/* What a column of the tables means, for its header's tooltip; NULL: none. */
const char *column_tip(const char *head);

/* The summary at the top of report.html (summary.c): heat map, best per
 * workload, a verdict per allocator, weak-evidence banner, provenance. */
void report_write_summary_html(const struct ngb_report *r, FILE *out);

/* Weak evidence (evidence.c, where each rule is said in full): runs that
 * split in two, a session whose runs drifted (*first, *last: the ends,
 * relative), the runs that would settle a cell whose interval holds 1. */
int cell_looks_bimodal(const struct cell *c);
int report_drift(const struct ngb_report *r, double *first, double *last);
size_t cell_runs_to_settle(const struct cell *c);

int files_add(struct ngb_report_files *f, const char *path);

/* ---- comparisons of two samples (compare.c), for compare and the gate ------ */

struct value_cmp {
	double stat_a, stat_b;
	double speedup;              /* B over A, > 1: B is better */
	struct ngb_interval ci;
	struct ngb_mw mw;
	enum ngb_verdict verdict;
};
/* The standard normal quantile (stats.c). */
double norm_quantile(double p);
/* Sorted samples a and b of one metric compared as 'ngbench compare' does. */
void compare_values(const double *a, size_t na, const double *b, size_t nb, int higher,
		    const struct ngb_compare_options *o, double conf, struct value_cmp *r);

/* ---- baselines (baseline.c) ----------------------------------------------- */

/* The same cell: workload, parameters, threads, allocator and counter mode. */
int baseline_cell_same(const struct ngb_baseline_cell *x, const struct ngb_baseline_cell *y);
/*
 * The same cell but for parameters the workload gained after the baseline
 * was saved (baseline_match.c): base lacks them, cur runs them at the
 * registry's defaults (its other parameters as base's).  1 with *note (to
 * free) naming them, 0 when not, -ENOMEM.
 */
int baseline_cell_predates(const struct ngb_baseline_cell *base,
			   const struct ngb_baseline_cell *cur, char **note);
/*
 * The session cell each baseline cell judges (baseline_match.c): pair[i]
 * its index in cur, cur->ncells for none; note[i] (to free) NULL, or why
 * the parameters differ (baseline_cell_predates).  A session cell of the
 * same key is taken first; one is paired by predates at most once.  0 or
 * -ENOMEM.
 */
int baseline_pair_cells(const struct ngb_baseline *b, const struct ngb_baseline *cur,
			size_t *pair, char **note);
/* Frees what a baseline cell owns (baseline_file.c). */
void baseline_cell_release(struct ngb_baseline_cell *c);

#endif /* NGBENCH_REPORTS_INTERNAL_H */
