/*
 * lib/numbers.h - strict parsing of the numbers a user types, one copy for
 * every part.  Each parses the whole string: "12abc", "", " 3", overflow and
 * values out of range are refused (-1), never truncated silently.
 */
#ifndef NGBENCH_LIB_NUMBERS_H
#define NGBENCH_LIB_NUMBERS_H

#include <stdint.h>

int parse_long(const char *s, long *out);
/* A finite real number. */
int parse_double(const char *s, double *out);
/* Sizes: 123, 4K, 1M, 2G, 3T (powers of 1024), optionally followed by i
 * and B: 1KiB, 1KB; refused when it does not fit in 64 bits. */
int parse_size(const char *s, uint64_t *out);

#endif /* NGBENCH_LIB_NUMBERS_H */
