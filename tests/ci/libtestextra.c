/*
 * tests/ci/libtestextra.c - a preloadable malloc that is glibc's plus a
 * known amount of work: each malloc first executes about
 * NGBENCH_TEST_EXTRA_INSNS instructions (default 0), so that the CI gate
 * can be shown a 1 % increase of instructions.  On x86-64 the loop is two
 * instructions an iteration (sub, jnz), so the count is exact to one
 * iteration; elsewhere a volatile loop does the work, a few instructions an
 * iteration.  Only malloc is defined: calloc, realloc and free stay
 * glibc's, which is consistent because every block comes from glibc.
 * Never built with sanitizers: it runs inside the programs under test.
 */
#include <stdlib.h>

void *__libc_malloc(size_t size);
void *malloc(size_t size);

static unsigned long iterations;

__attribute__((constructor)) static void extra_init(void)
{
	const char *s = getenv("NGBENCH_TEST_EXTRA_INSNS");
	unsigned long n = s ? strtoul(s, NULL, 10) : 0;

	iterations = n / 2;
}

void *malloc(size_t size)
{
	unsigned long n = iterations;

	if (n) {
#if defined(__x86_64__)
		__asm__ volatile("1: sub $1, %0\n\tjnz 1b" : "+r"(n) : : "cc");
#else
		for (volatile unsigned long i = 0; i < n; i++)
			;
#endif
	}
	return __libc_malloc(size);
}
