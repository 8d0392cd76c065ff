/*
 * ngbench/error.h - how library code hands an error message to its caller.
 *
 * Library code (store, perfmon, reports, allocator plugins' loader) never
 * prints and never exits.  A function that can fail returns 0 or a negative
 * errno and, when given a struct ngb_err, leaves a message there in the
 * house style: lowercase, no final full stop, the subject quoted.
 */
#ifndef NGBENCH_ERROR_H
#define NGBENCH_ERROR_H

#include <stddef.h>

struct ngb_err {
	int code;       /* negative errno, or 0 */
	char msg[1024];
};

/* Sets e (if not NULL) and returns code, so that `return ngb_err_set(...)` reads well. */
int ngb_err_set(struct ngb_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* NGBENCH_ERROR_H */
