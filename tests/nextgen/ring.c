/*
 * tests/nextgen/ring.c - the single-producer/single-consumer ring of
 * libnextgen between two threads: every value arrives once, in order,
 * with publication in batches of a cache line and a small ring that is
 * often full.
 */
#include <pthread.h>
#include <sched.h>

#include "../tap.h"
#include "../../allocators/nextgen/internal.h"

#define CAP 64u
#define COUNT 500000u

static _Alignas(NGM_LINE) _Atomic uint32_t tail_pub;
static _Alignas(NGM_LINE) _Atomic uint32_t head_pub;
static _Alignas(NGM_LINE) uintptr_t slots[CAP];
static unsigned long fulls;

static void *producer(void *arg)
{
	struct ngm_ring_prod p = { 0, 0 };
	uintptr_t v;

	(void)arg;
	for (v = 1; v <= COUNT; v++) {
		while (!ngm_ring_put(&p, &head_pub, slots, CAP, v)) {
			/* full: publish what is written so the consumer can go on */
			ngm_ring_publish(&p, &tail_pub);
			fulls++;
			sched_yield();	/* two cores, shared: let the consumer run */
		}
		if ((p.tail & 7) == 0)
			ngm_ring_publish(&p, &tail_pub);
	}
	ngm_ring_publish(&p, &tail_pub);
	return NULL;
}

int main(void)
{
	struct ngm_ring_cons c = { 0 };
	uintptr_t expect = 1, bad = 0;
	pthread_t t;

	if (pthread_create(&t, NULL, producer, NULL))
		tap_skip_all("cannot create a thread");
	while (expect <= COUNT) {
		uint32_t n = ngm_ring_avail(&c, &tail_pub);

		if (n > CAP)
			bad++;
		if (!n)
			sched_yield();
		while (n--)
			if (ngm_ring_get(&c, slots, CAP) != expect++)
				bad++;
		ngm_ring_release(&c, &head_pub);
	}
	pthread_join(t, NULL);
	expect_u64_eq(bad, 0, "%u values arrive once and in order", COUNT);
	expect_int_eq(atomic_load(&tail_pub), COUNT, "the producer published its last index");
	ok(fulls > 0, "the ring was full at times (%lu) and recovered", fulls);
	tap_plan(tap_count);
	return tap_done();
}
