/*
 * tests/fuzz/record.c - result records in a workload's output: any bytes
 * give a record that is absent, valid (metric, value, better) or carries an
 * error.
 */
#include "config.h"

#include "../../harness/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result_record r;
	int i;

	memset(&r, 0, sizeof(r));
	result_record_parse((const char *)data, size, &r);
	if (r.present && !r.error) {
		fuzz_assert(r.metric && r.has_value);
		fuzz_assert(r.value == r.value);
	}
	for (i = 0; i < r.nextra; i++)
		fuzz_assert(r.keys[i] && r.values[i]);
	result_record_release(&r);
	return 0;
}
