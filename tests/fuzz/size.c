/*
 * tests/fuzz/size.c - size strings (4096, 64K, 1MiB) and the other number
 * parsers of the options: accepted values are exact and written back the
 * same; everything else is refused.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>

#include "../../harness/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size), buf[32];
	unsigned char mask[128];
	uint64_t z, z2;
	long l;
	double d;

	if (parse_size(s, &z) == 0) {
		snprintf(buf, sizeof(buf), "%" PRIu64, z);
		fuzz_assert(parse_size(buf, &z2) == 0 && z2 == z);
	}
	if (parse_long(s, &l) == 0) {
		snprintf(buf, sizeof(buf), "%ld", l);
		fuzz_assert(!strcmp(buf, s) || s[0] == '+' || s[0] == '0' || s[0] == '-');
	}
	if (parse_double(s, &d) == 0)
		fuzz_assert(isfinite(d));
	(void)parse_cpu_list(s, mask);
	free(s);
	return 0;
}
