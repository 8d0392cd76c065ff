/*
 * tests/fuzz/fuzz.h - what every libFuzzer target of ngbench shares: the
 * input as a NUL-terminated copy, and an abort when a parser breaks its own
 * promise (a crash is libFuzzer's signal).
 */
#ifndef NGBENCH_TESTS_FUZZ_H
#define NGBENCH_TESTS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The input as a C string; inputs with a NUL byte stop there. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define fuzz_assert(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                       \
		}                                                                      \
	} while (0)

#endif /* NGBENCH_TESTS_FUZZ_H */
