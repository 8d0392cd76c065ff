/*
 * lib/error.c - ngb_err_set(), the one way library code reports an error
 * (include/ngbench/error.h).  Kept apart from the store so that every part,
 * and the programs that link only a part (the replay workload links the
 * trace format), can report errors without linking SQLite.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ngbench/error.h"

int ngb_err_set(struct ngb_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->code = code;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}
