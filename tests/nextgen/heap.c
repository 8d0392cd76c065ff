/*
 * tests/nextgen/heap.c - the own heap of libnextgen, used single-threaded
 * as its owner uses it: blocks are aligned, disjoint and found by the span
 * table; freed blocks come back, lowest address first; empty spans are
 * released, and keep their pages until a purge finds them old enough;
 * foreign and interior pointers are refused; a double free is found by the
 * span's free bitmap; large blocks are mapped, aligned, remapped and
 * unmapped.
 */
#include <errno.h>
#include <string.h>

#include "../tap.h"
#include "../../allocators/nextgen/internal.h"

#define N 3000

static void *blk[N];

int main(void)
{
	struct ngm_heap_stats st;
	unsigned classes[] = { 1, 3, 8, 12, 20, 28, 33, 44, 52 };
	size_t i, bad_class = 0, bad_pos = 0, bad_data = 0;
	unsigned k;
	void *p, *q;

	expect_int_eq(ngm_heap_init((size_t)1 << 30), 0, "a 1 GiB region is reserved");
	for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
		unsigned c = classes[k];
		size_t size = ngm_classes[c].size;
		unsigned n = size > 65536 ? 40 : N, got = 0;

		while (got < n)
			got += ngm_heap_alloc_batch(c, &blk[got], n - got > 100 ? 100 : n - got);
		for (i = 0; i < n; i++) {
			size_t off = (size_t)((char *)blk[i] - ngm_region_base);

			if (ngm_class_of_ptr(blk[i]) != c || ngm_heap_usable(blk[i]) != size)
				bad_class++;
			/* spans are aligned to their own length */
			if (!ngm_in_region(blk[i]) ||
			    (off % (ngm_classes[c].granules * NGM_GRANULE)) % size)
				bad_pos++;
			memset(blk[i], (int)(i & 0xff), size < 64 ? size : 64);
		}
		for (i = 0; i < n; i++) {
			unsigned char *b = blk[i];

			if (b[0] != (i & 0xff) || b[(size < 64 ? size : 64) - 1] != (i & 0xff))
				bad_data++;
		}
		for (i = 0; i < n; i++)
			ngm_heap_free(blk[i]);
	}
	expect_u64_eq(bad_class, 0, "the span table gives each block its class and size");
	expect_u64_eq(bad_pos, 0, "blocks sit at multiples of their size from their span");
	expect_u64_eq(bad_data, 0, "blocks do not overlap");
	ngm_heap_get_stats(&st);
	ok(st.spans_released > 0, "empty spans are released (%llu of %llu)",
	   (unsigned long long)st.spans_released, (unsigned long long)st.spans_created);
	expect_u64_eq(st.invalid_frees, 0, "no valid free was refused");
	/* released runs keep their pages until they are old enough */
	ok(ngm_heap_dirty_bytes() > 0, "released runs stay resident for now (%zu bytes)",
	   ngm_heap_dirty_bytes());
	expect_u64_eq(ngm_heap_purge((uint64_t)3600 * 1000000000u), 0,
		      "runs younger than the age are not purged");
	i = ngm_heap_dirty_bytes();
	expect_u64_eq(ngm_heap_purge(0), i, "a purge gives back every old enough run");
	expect_u64_eq(ngm_heap_dirty_bytes(), 0, "no run is resident after the purge");
	ngm_heap_get_stats(&st);
	expect_u64_eq(st.bytes_purged, i, "the purged bytes are counted");

	/* a freed block is handed out again before new memory */
	ngm_heap_alloc_batch(4, &p, 1);
	ngm_heap_free(p);
	ngm_heap_alloc_batch(4, &q, 1);
	ok(p == q, "a freed block is handed out again before new memory");
	{
		void *b[3], *r[2];

		ngm_heap_alloc_batch(4, b, 3);
		ngm_heap_free(b[2]);
		ngm_heap_free(b[0]);
		ngm_heap_alloc_batch(4, r, 2);
		ok(b[0] < b[2] && r[0] == b[0] && r[1] == b[2],
		   "freed blocks are handed out in address order, not as freed");
		ngm_heap_free(r[0]);
		ngm_heap_free(r[1]);
		ngm_heap_free(b[1]);
	}
	expect_int_eq(ngm_heap_free((char *)q + 16), -EINVAL, "an interior pointer is refused");
	ngm_heap_free(ngm_region_base + ((size_t)512 << 20));
	ngm_heap_get_stats(&st);
	expect_u64_eq(st.invalid_frees, 2, "interior and unmapped pointers are refused");
	/* a second block of the span keeps it in use: the bitmap, not the
	 * span's emptiness, must see the double free */
	ngm_heap_alloc_batch(4, &p, 1);
	expect_int_eq(ngm_heap_free(q), 0, "a block is freed");
	expect_int_eq(ngm_heap_free(q), -EALREADY, "freeing it again is a double free");
	ngm_heap_get_stats(&st);
	expect_u64_eq(st.double_frees, 1, "the double free is counted");
	ngm_heap_alloc_batch(4, &q, 1);
	ok(q != p, "a block freed twice is handed out once (%p, %p)", q, p);
	ngm_heap_free(p);
	ngm_heap_free(q);

	p = ngm_large_alloc(1000000, 0);
	ok(p && !ngm_in_region(p) && ngm_heap_usable(p) >= 1000000, "a large block is mapped apart");
	memset(p, 7, 1000000);
	q = ngm_large_realloc(p, 5000000);
	ok(q && ((unsigned char *)q)[999999] == 7 && ngm_heap_usable(q) >= 5000000,
	   "a large block grows by mremap, keeping its data");
	expect_int_eq(ngm_large_free(q), 0, "a large block is unmapped");
	expect_int_eq(ngm_large_free(q), -1, "a large block is not freed twice");
	p = ngm_large_alloc(300000, (size_t)1 << 21);
	ok(p && ((uintptr_t)p & (((uintptr_t)1 << 21) - 1)) == 0, "a large block aligned to 2 MiB");
	ngm_large_free(p);
	tap_plan(tap_count);
	return tap_done();
}
