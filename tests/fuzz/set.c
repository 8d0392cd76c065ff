/*
 * tests/fuzz/set.c - --set NAME=VALUE against every registered workload:
 * the value is accepted within the parameter's bounds and choices, or
 * refused with a message.
 */
#include "config.h"

#include <math.h>

#include "ngbench/workload.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size), *eq = strchr(s, '=');
	const struct ngb_workload *w;
	char err[256];

	if (eq) {
		*eq = '\0';
		for (w = ngb_workloads; w->name; w++) {
			const struct ngb_workload_param *p = ngb_workload_param_find(w, s);
			double v = NAN;

			if (!p)
				continue;
			err[0] = '\0';
			if (ngb_workload_param_parse(p, eq + 1, &v, err, sizeof(err)) == 0) {
				fuzz_assert(isfinite(v));
				if (p->type != NGB_PARAM_STRING)
					fuzz_assert(v >= p->min && v <= p->max);
			} else {
				fuzz_assert(err[0]);
			}
		}
	}
	free(s);
	return 0;
}
