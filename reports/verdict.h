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
};

/* The shift of the whole session B against A, over the cells compared. */
struct session_shift {
	size_t cells;                 /* cells it is the median of (0: none estimated) */
	double factor;                /* B over A, > 1: B is better */
	struct ngb_interval ci;
	double tau;                   /* the cells' own spread between sessions, log terms */
	double half;                  /* half the log width of ci, when removed */
	int removed;                  /* cells are judged relative to it */
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
 * session's shift and the cells judged relative to it, then Holm's
 * correction across the cells and what each could have detected. */
void verdict_family(struct ngb_compare *c);

#endif /* NGBENCH_REPORTS_VERDICT_H */
