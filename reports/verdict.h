/*
 * reports/verdict.h - the cells of a comparison of two sessions, and the
 * statistics that give them their verdicts (verdict.c); compare.c loads the
 * cells and writes them out.
 */
#ifndef NGBENCH_REPORTS_VERDICT_H
#define NGBENCH_REPORTS_VERDICT_H

#include "internal.h"

/* The fewest cells from which a session's shift is estimated: with fewer,
 * one real change moves the median too much to tell it from the machine. */
#define SHIFT_MIN_CELLS 6
/* The fewest other sessions of a cell (same host, same cells) from which
 * its own spread between sessions is estimated; with fewer, the spread of
 * the cells of the comparison stands in for it. */
#define HISTORY_MIN_SESSIONS 8

struct cmp_cell {
	const struct cell *a, *b;     /* either may be NULL */
	double stat_a, stat_b;
	double speedup;               /* B over A, > 1: B is better */
	struct ngb_interval ci;
	struct ngb_mw mw;
	enum ngb_verdict verdict;
	/* across the cells of the comparison (family_adjust) */
	double p;                     /* the statistic's own test: bootstrap or Mann-Whitney */
	double p_holm;                /* Holm-adjusted over the cells compared */
	double detectable;            /* half the family-level interval's width, relative */
	enum ngb_verdict verdict_raw; /* before the adjustment */
	/* relative to the session's shift (the raw values when none is removed) */
	double rel_speedup;
	struct ngb_interval rel_ci;   /* widened by the shift's uncertainty */
	double rel_scale;             /* what B's runs were multiplied by */
	/* the cell's own spread between sessions, from the database's other
	 * sessions (verdict.c, cell_history) */
	size_t hist_n;                /* sessions it is estimated from (0: none) */
	double hist_sd;               /* a session's move, log terms, when hist_n */
	double between;               /* the sd of a difference of two sessions: from
				       * hist_sd, or the cells' spread tau */
};

/* The shift of the whole session B against A, over the cells compared. */
struct session_shift {
	size_t cells;                 /* cells it is the median of (0: none estimated) */
	double factor;                /* B over A, > 1: B is better */
	struct ngb_interval ci;
	double tau;                   /* the cells' own spread between sessions, log terms */
	double half;                  /* half the log width of ci, when removed */
	int removed;                  /* cells are judged relative to it */
	size_t hist_cells;            /* cells judged with their own spread */
	size_t hist_sessions;         /* other sessions that gave it */
};

struct ngb_compare {
	struct ngb_report *ra, *rb;
	struct ngb_compare_options opt;
	struct cmp_cell *cells;
	size_t ncells;
	size_t family;                /* cells compared (both sides, a test) */
	size_t demoted;               /* faster or slower on their own, not after Holm */
	struct session_shift shift;
};

/*
 * The cell's statistic, speedup, interval, Mann-Whitney test and verdict of
 * its raw runs; then the test that Holm's correction adjusts (p) and the
 * interval the verdict reads (rel_*), with B's runs multiplied by scale
 * (1: none), which divides the speedup by the session's shift.
 */
void verdict_cell(struct cmp_cell *cc, const struct ngb_compare_options *o, double conf,
		  double scale);
/* The verdicts over the whole comparison, once every cell is computed: the
 * session's shift and the cells judged relative to it (with their own
 * spread between sessions where db holds enough other sessions of them),
 * then Holm's correction across the cells and what each could have
 * detected.  0, or -EIO or -ENOMEM with e set. */
int verdict_family(struct ngb_compare *c, sqlite3 *db, struct ngb_err *e);

#endif /* NGBENCH_REPORTS_VERDICT_H */
