/*
 * ngbench/report.h - reports over the store.
 *
 * Library code: it writes to the stream its caller gives and returns 0 or a
 * negative errno with a message in struct ngb_err.
 */
#ifndef NGBENCH_REPORT_H
#define NGBENCH_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "ngbench/error.h"

/* The median of n values (sorted in place); NaN when n == 0. */
double ngb_median(double *v, size_t n);

/*
 * The first, plain table of one session: per workload (and thread count) and
 * allocator, the median of the primary metric over the measured trials that
 * succeeded, with the number of trials and of failures, then the failed
 * trials with their reasons.
 */
int ngb_report_session_text(sqlite3 *db, int64_t session_id, FILE *out, struct ngb_err *e);

#endif /* NGBENCH_REPORT_H */
