/*
 * reports/cell.h - the report cell, defined once: what a cell is, which
 * trials it holds, how two cells are told apart, and its loader.  Tables,
 * plots, summaries, compare, baselines, the gate and history (one cell
 * followed over sessions, loaded session by session) all start from it.
 *
 * A cell is the measured timing trials of one session that ran the same
 * workload (its registered name, `program`), with the same parameter set
 * (as stored), thread count, allocator and counter mode (the store's one
 * rule, query.c: 'sim', 'hw' or 'none').  Warm-up trials, profile trials
 * (never timed) and trials cut short by a signal (status 'interrupted':
 * they measured nothing and failed in nothing) are in no cell.
 *
 * Its label (`workload`) is what the tables show: the program, with the
 * parameters that tell its sets apart and the counter mode when the
 * session ran several (variants.c).  Within a session the label names the
 * key; across sessions it is what 'ngbench compare' matches (cell_match):
 * the same label, threads and allocator.
 */
#ifndef NGBENCH_REPORTS_CELL_H
#define NGBENCH_REPORTS_CELL_H

/* Included by internal.h, after the types it uses (dvec, ngb_interval,
 * the derived metrics). */

/* One trial of a cell, in the order the trials ran. */
struct cell_trial {
	int64_t id, round;
	size_t idx;                  /* 0.. over every trial of the set, for side arrays */
	int ok;                      /* status 'ok' with a metric value */
	int status_ok;               /* status 'ok', with or without a metric value */
	int skipped;                 /* status 'skipped' (else failed, when not ok) */
	double value;                /* the metric; meaningful when ok */
	int has_ops;                 /* the result record's 'ops' (above 0) */
	double ops;
};

struct cell {
	/* the key: what ran */
	char *program;               /* the registered name (trials.workload) */
	char *params;                /* the parameters as stored (JSON text), NULL: none */
	char *mode;                  /* the counter mode: "sim", "hw" or "none" */
	char *allocator;
	int threads;
	char *workload;              /* the label the tables show */
	char *allocator_version, *metric, *unit;
	int higher;
	struct cell_trial *trials;   /* every trial of the cell, in the order they ran */
	size_t ntrials, nfailed, nskipped;
	struct dvec values;          /* metric of the succeeded trials, sorted by the report */
	struct dvec runs;            /* the same in the order they ran (for drift) */
	struct dvec rss;             /* max RSS (KiB) of the succeeded trials */
	/* the report's (load.c) */
	struct dvec *ev;             /* per session event: counted values (ok/scaled) */
	struct dvec dv[NGB_NDERIVED];
	double median, min, max, best, rss_median;
	double *ev_med;              /* per session event: median, NaN when not counted */
	double dv_med[NGB_NDERIVED]; /* NaN when not derivable */
	struct ngb_interval median_ci;
	int has_speedup;
	double speedup;              /* over the baseline, > 1: better */
	struct ngb_interval speedup_ci;
	size_t group;                /* index of (workload, threads) */
};

/* The cells of one session, as cell_set_load() reads them. */
struct cell_set {
	struct cell *cells;
	size_t n;
	struct cell_ref *byid;       /* every trial, by id */
	size_t ntrials;
};

/*
 * Reads session sid's cells (struct cell in internal.h: the key, label,
 * metric, trials, counts and the ok trials' values, runs and max RSS), in
 * the order of their label, threads and allocator, with each trial's
 * operations.  ngb_cell_workload must be registered on db (variants.c)
 * for the labels.  0, or -EIO / -ENOMEM with e set.
 */
int cell_set_load(sqlite3 *db, int64_t sid, struct cell_set *set, struct ngb_err *e);
/* Trial id of the set, or NULL; *cell set to its cell's index. */
struct cell_trial *cell_set_trial(const struct cell_set *set, int64_t id, size_t *cell);
/* Frees the index; the cells are the caller's (cell_release each). */
void cell_set_release_index(struct cell_set *set);
/* Frees what a cell owns (not the cell itself). */
void cell_release(struct cell *c, size_t nevents);

/* Which simulated quantity (enum ngb_sim_metric) a cachegrind event adds
 * to, as the gate counts them: Ir; D1mr and D1mw; DLmr and DLmw (also
 * with the approximate dTLB mode's "dtlb-approx:" prefix).  0: none. */
int cell_sim_event(const char *event, int *which);
/* Does a counter row of this status hold a value that counts ("ok", or
 * "scaled" from a multiplexed reading)? */
int cell_counter_counted(const char *status);

/* The simulated quantity (enum ngb_sim_metric) named name ("instructions",
 * "D1-misses", "LL-misses"), or -1. */
int cell_sim_metric(const char *name);
/*
 * The value of a named metric for every trial of set (session sid), by the
 * trial's idx; NaN where the trial has none.  A simulated quantity
 * (cell_sim_metric) is the sum of its counted cachegrind events, per
 * operation when the trial gives its operations (as the gate sees it); any
 * other name is the trial's counted event of that name, else its result of
 * that key.  0, or -EIO / -ENOMEM with e set.
 */
int cell_set_values(sqlite3 *db, int64_t sid, const struct cell_set *set, const char *metric,
		    double *v, struct ngb_err *e);

/* The key of a cell, as borrowed strings: NULL reads as "". */
struct cell_key {
	const char *program, *params, *mode, *allocator;
	int threads;
};
struct cell_key cell_key_of(const struct cell *c);
int cell_key_same(const struct cell_key *x, const struct cell_key *y);
/* The order of a baseline file: program, threads, allocator, params, mode. */
int cell_key_cmp(const struct cell_key *x, const struct cell_key *y);

/* The same cell in another session: label, threads and allocator. */
int cell_match(const struct cell *x, const struct cell *y);
/* The same row of a table: label and threads (any allocator). */
int cell_same_row(const struct cell *x, const struct cell *y);
/* The report's cell of group g (workload x threads) and allocator, or NULL. */
const struct cell *report_cell(const struct ngb_report *r, size_t g, const char *allocator);

#endif /* NGBENCH_REPORTS_CELL_H */
