/*
 * tests/fuzz/experiment.c - experiment files: any bytes either parse into at
 * least one job with a name and repetitions in range, or fail with a message
 * that names a line.
 */
#include "config.h"

#include "../../harness/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct experiment x;
	struct ngb_err e = { 0 };
	size_t i;

	memset(&x, 0, sizeof(x));
	x.name = xstrdup("fuzz");
	x.text = xmalloc(size + 1);
	memcpy(x.text, data, size);
	x.text[size] = '\0';
	if (experiment_parse(&x, size, &e)) {
		fuzz_assert(!strncmp(e.msg, "line ", 5));
	} else {
		fuzz_assert(x.njobs >= 1);
		for (i = 0; i < x.njobs; i++) {
			fuzz_assert(x.jobs[i].name && *x.jobs[i].name);
			fuzz_assert(x.jobs[i].repetitions >= 1 && x.jobs[i].repetitions <= 100000);
		}
	}
	experiment_release(&x);
	return 0;
}
