/*
 * tests/reports/libtestslow.c - a preloadable malloc that is glibc's, made
 * slower on purpose: each malloc first spins NGBENCH_TEST_SLOW_SPINS times
 * (default 0).  Only malloc is defined; calloc, realloc and free stay
 * glibc's, which is consistent because every block still comes from glibc.
 * Never built with sanitizers: it runs inside the programs under test.
 */
#include <stdlib.h>

void *__libc_malloc(size_t size);
void *malloc(size_t size);

static long spins;

__attribute__((constructor)) static void slow_init(void)
{
	const char *s = getenv("NGBENCH_TEST_SLOW_SPINS");

	spins = s ? strtol(s, NULL, 10) : 0;
}

void *malloc(size_t size)
{
	/* volatile: the work must happen, not be folded away */
	for (volatile long i = 0; i < spins; i++)
		;
	return __libc_malloc(size);
}
