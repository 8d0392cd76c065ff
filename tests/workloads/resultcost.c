/*
 * tests/workloads/resultcost.c - "resultcost HEX" prints one result line
 * (wl_result) for the double whose 64 bits are the 16 hex digits HEX,
 * after one for 1.0 so that the lines the first one touched are cached,
 * as they are in a workload that ran.  The digits are read by a loop of
 * the same instructions for every value (strtod's cost depends on the
 * digits); "resultcost --bits VALUE" prints a value's HEX.
 * tests/workloads/resultcost.sh runs it under cachegrind for values of
 * different exponents and signs and expects the same count of every
 * simulated event: a workload prints its measured time, so a cost or an
 * address that depends on the value moves a simulated trial's counts
 * (tests/perfmon/sim-exact.sh, perfmon/README.md).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../workloads/common.h"

int main(int argc, char **argv)
{
	uint64_t bits = 0;
	char *end;
	double v;

	if (argc == 3 && !strcmp(argv[1], "--bits")) {
		v = strtod(argv[2], &end);
		if (end == argv[2] || *end) {
			fprintf(stderr, "resultcost: '%s' is not a number\n", argv[2]);
			return 2;
		}
		memcpy(&bits, &v, sizeof(bits));
		printf("%016llx\n", (unsigned long long)bits);
		return 0;
	}
	if (argc != 2 || strspn(argv[1], "0123456789abcdef") != 16 || argv[1][16]) {
		fprintf(stderr, "usage: resultcost HEX (16 lower-case hex digits) | resultcost --bits VALUE\n");
		return 2;
	}
	for (int i = 0; i < 16; i++) {
		unsigned c = (unsigned char)argv[1][i];

		bits = bits << 4 | (c - '0' - 39u * (c > '9'));
	}
	memcpy(&v, &bits, sizeof(v));
	wl_result("seconds", 1.0, "s", 0, NULL);
	wl_result("seconds", v, "s", 0, NULL);
	return 0;
}
