/*
 * tests/fuzz/baseline.c - baseline files: any bytes parse or fail with a
 * message; a parsed baseline writes out again and reads back to the same
 * number of cells.
 */
#include "config.h"

#include <errno.h>

#include "ngbench/report.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ngb_baseline *b = NULL, *again = NULL;
	struct ngb_err e = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (ngb_baseline_parse_len((const char *)data, size, "fuzz", &b, &e)) {
		fuzz_assert(b == NULL && e.msg[0]);
		return 0;
	}
	f = open_memstream(&text, &len);
	fuzz_assert(f);
	fuzz_assert(ngb_baseline_write(b, f, &e) == 0);
	fclose(f);
	if (ngb_baseline_parse_len(text, len, "again", &again, &e))
		fprintf(stderr, "written baseline does not read back: %s\n", e.msg), abort();
	fuzz_assert(again->ncells == b->ncells);
	ngb_baseline_free(again);
	ngb_baseline_free(b);
	free(text);
	return 0;
}
