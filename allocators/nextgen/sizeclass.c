/*
 * allocators/nextgen/sizeclass.c - the size classes of libnextgen.
 *
 * 16-byte spacing up to 128 bytes, then four classes per power of two up to
 * 256 KiB (internal fragmentation at most 25%).  A span of a class is the
 * smallest power-of-two number of 64 KiB granules that holds at least eight
 * blocks, so that the server refills a stock from one span most of the time
 * and a span's free bitmap stays small (at most 4096 blocks, 512 bytes),
 * the "smaller index" of the segregated layout (NextGen-Malloc, 3.1.2).
 */
#include "internal.h"

const struct ngm_class ngm_classes[NGM_NCLASSES + 1] = {
	{ 0, 0, 0 },
	{     16,  1, 4096 },	/*  1 */
	{     32,  1, 2048 },	/*  2 */
	{     48,  1, 1365 },	/*  3 */
	{     64,  1, 1024 },	/*  4 */
	{     80,  1,  819 },	/*  5 */
	{     96,  1,  682 },	/*  6 */
	{    112,  1,  585 },	/*  7 */
	{    128,  1,  512 },	/*  8 */
	{    160,  1,  409 },	/*  9 */
	{    192,  1,  341 },	/* 10 */
	{    224,  1,  292 },	/* 11 */
	{    256,  1,  256 },	/* 12 */
	{    320,  1,  204 },	/* 13 */
	{    384,  1,  170 },	/* 14 */
	{    448,  1,  146 },	/* 15 */
	{    512,  1,  128 },	/* 16 */
	{    640,  1,  102 },	/* 17 */
	{    768,  1,   85 },	/* 18 */
	{    896,  1,   73 },	/* 19 */
	{   1024,  1,   64 },	/* 20 */
	{   1280,  1,   51 },	/* 21 */
	{   1536,  1,   42 },	/* 22 */
	{   1792,  1,   36 },	/* 23 */
	{   2048,  1,   32 },	/* 24 */
	{   2560,  1,   25 },	/* 25 */
	{   3072,  1,   21 },	/* 26 */
	{   3584,  1,   18 },	/* 27 */
	{   4096,  1,   16 },	/* 28 */
	{   5120,  1,   12 },	/* 29 */
	{   6144,  1,   10 },	/* 30 */
	{   7168,  1,    9 },	/* 31 */
	{   8192,  1,    8 },	/* 32 */
	{  10240,  2,   12 },	/* 33 */
	{  12288,  2,   10 },	/* 34 */
	{  14336,  2,    9 },	/* 35 */
	{  16384,  2,    8 },	/* 36 */
	{  20480,  4,   12 },	/* 37 */
	{  24576,  4,   10 },	/* 38 */
	{  28672,  4,    9 },	/* 39 */
	{  32768,  4,    8 },	/* 40 */
	{  40960,  8,   12 },	/* 41 */
	{  49152,  8,   10 },	/* 42 */
	{  57344,  8,    9 },	/* 43 */
	{  65536,  8,    8 },	/* 44 */
	{  81920, 16,   12 },	/* 45 */
	{  98304, 16,   10 },	/* 46 */
	{ 114688, 16,    9 },	/* 47 */
	{ 131072, 16,    8 },	/* 48 */
	{ 163840, 32,   12 },	/* 49 */
	{ 196608, 32,   10 },	/* 50 */
	{ 229376, 32,    9 },	/* 51 */
	{ 262144, 32,    8 },	/* 52 */
};

/* ngm_class_small[(n + 15) / 16] is the class of n <= 1024 bytes. */
const uint8_t ngm_class_small[65] = {
	1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 10,
	11, 11, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15,
	15, 15, 15, 16, 16, 16, 16, 17, 17, 17, 17, 17, 17,
	17, 17, 18, 18, 18, 18, 18, 18, 18, 18, 19, 19, 19,
	19, 19, 19, 19, 19, 20, 20, 20, 20, 20, 20, 20, 20,
};

/*
 * Blocks of a class sit at multiples of its size from a granule boundary,
 * so a class is aligned to align (a power of two up to the granule) exactly
 * when its size is a multiple of align.
 */
unsigned ngm_aligned_class(size_t align, size_t n)
{
	unsigned c;

	if (align > NGM_GRANULE)
		return 0;
	for (c = ngm_size_class(n); c && c <= NGM_NCLASSES; c++)
		if (ngm_classes[c].size % align == 0)
			return c;
	return 0;
}
