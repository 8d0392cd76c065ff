/*
 * reports/history.h - a metric's history over sessions (history.c loads
 * it, history_write.c writes it): private to reports/.
 */
#ifndef NGBENCH_REPORTS_HISTORY_H
#define NGBENCH_REPORTS_HISTORY_H

#include "internal.h"

struct hpoint {
	char *sessions;          /* "12" or "12,13" (pooled by commit) */
	char *started_at, *commit, *label;
	int threads;
	struct dvec v;           /* sorted after load */
	double median;
	struct ngb_interval ci;
	int change;              /* a change point starts here */
	double change_rel;       /* relative change of the segment medians */
};

struct ngb_history {
	struct ngb_history_query q;
	char *workload, *allocator, *metric_name, *unit;
	int higher;
	struct hpoint *p;
	size_t n;
	size_t *cps;
	size_t ncps;
};

#endif /* NGBENCH_REPORTS_HISTORY_H */
