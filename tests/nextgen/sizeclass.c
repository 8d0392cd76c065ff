/*
 * tests/nextgen/sizeclass.c - the size classes of libnextgen: every size
 * maps to the smallest class that holds it, spans hold 8..4096 blocks that
 * fit their granules, and the aligned-class search keeps its promise.
 */
#include "../tap.h"
#include "../../allocators/nextgen/internal.h"

int main(void)
{
	size_t n, bad_fit = 0, bad_min = 0, bad_span = 0, bad_align = 0;
	unsigned c, prev = 1;
	int monotonic = 1;

	for (n = 0; n <= NGM_SMALL_MAX; n++) {
		c = ngm_size_class(n);
		if (c < 1 || c > NGM_NCLASSES || ngm_classes[c].size < (n ? n : 1)) {
			bad_fit++;
			continue;
		}
		if (c > 1 && ngm_classes[c - 1].size >= n)
			bad_min++;
		if (c < prev)
			monotonic = 0;
		prev = c;
	}
	expect_u64_eq(bad_fit, 0, "every size up to 256 KiB fits its class");
	expect_u64_eq(bad_min, 0, "the class is the smallest that fits");
	ok(monotonic, "classes grow with the size");
	expect_int_eq(ngm_size_class(NGM_SMALL_MAX + 1), 0, "above 256 KiB: no class");
	expect_int_eq(ngm_size_class(1024), 20, "1024 bytes: class 20");
	expect_int_eq(ngm_size_class(1025), 21, "1025 bytes: class 21 (1280)");
	expect_int_eq(ngm_classes[NGM_NCLASSES].size, NGM_SMALL_MAX, "the last class is 256 KiB");

	for (c = 1; c <= NGM_NCLASSES; c++) {
		const struct ngm_class *k = &ngm_classes[c];

		if (k->size % 16 || k->nobj < 8 || k->nobj > 4096 ||
		    (size_t)k->nobj * k->size > (size_t)k->granules * NGM_GRANULE ||
		    ((size_t)k->nobj + 1) * k->size <= (size_t)k->granules * NGM_GRANULE ||
		    (k->granules & (k->granules - 1)))
			bad_span++;
	}
	expect_u64_eq(bad_span, 0, "spans: 8..4096 blocks of 16-byte multiples filling 2^k granules");

	for (size_t a = 32; a <= NGM_GRANULE; a *= 2)
		for (n = 1; n <= NGM_SMALL_MAX; n += 997) {
			c = ngm_aligned_class(a, n);
			if (c && (ngm_classes[c].size % a || ngm_classes[c].size < n))
				bad_align++;
		}
	expect_u64_eq(bad_align, 0, "aligned classes are multiples of the alignment");
	ok(ngm_aligned_class(4096, 100) && ngm_classes[ngm_aligned_class(4096, 100)].size == 4096,
	   "a page-aligned 100-byte block comes from the 4 KiB class");
	expect_int_eq(ngm_aligned_class(2 * NGM_GRANULE, 10), 0,
		      "alignment beyond a granule: no class");
	tap_plan(tap_count);
	return tap_done();
}
