/*
 * workloads/replay.c - replays an allocation trace (`ngbench trace record`,
 * docs/trace-format.md) under whatever allocator is preloaded.
 *
 * The whole trace is decoded and checked before the clock starts
 * (ngb_trace_load: every checksum, field, slot and wait), into memory from
 * mmap, so neither decoding nor the trace's memory comes from the
 * allocator under test.  Then one thread per recorded thread (the first
 * recorded thread, normally the program's main thread, on this program's
 * main thread, so that glibc serves it from its main arena as it did)
 * makes the same calls in the same order, with the recorded sizes,
 * alignments and C++ forms (operator new and delete are called by their
 * symbols, so an allocator's own operators are measured).  Blocks live in
 * a table of slots.
 *
 * Synchronisation is only where the recording had an order between
 * threads on one block: an event that touches a block last touched by
 * another thread waits until that thread has done the event (a spin on a
 * counter that the other thread publishes only after the events that some
 * thread waits for; each waiter remembers the last value it read, so a
 * wait already satisfied costs no shared read).
 *
 * Self-check: every block is touched as the other workloads' light
 * self-check does (wl_fill: 16-byte canaries at the head and, sampled, the
 * tail, and a word per 4 KiB page, keyed by address and size) when it is
 * allocated, and checked before it is freed or reallocated (calloc's
 * blocks: checked to be zero first).  touch=ends writes and checks only the first and the last byte
 * (what the measurements in allocators/trace/README.md used); touch=all
 * writes every byte once, then the canaries.
 *
 * Fragmentation, as the Hoard paper defines it (Berger et al., ASPLOS
 * 2000, section 2): the resident memory the replay's calls added at their
 * peak (the peak RSS, reset before the clock starts, minus the RSS then)
 * over the most bytes the trace has live at once (ngb_trace_stats, in the
 * recording's order).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ngbench/trace.h"

static const char notes[] =
	"The trace's threads are replayed as threads of this program, each with its\n"
	"calls in their recorded order; a call that touches a block another thread\n"
	"touched last waits for that thread (the only synchronisation). The clock\n"
	"covers the calls of the whole trace (the recorded program's start-up and\n"
	"exit included), none of the recorded program's other work: the replay\n"
	"measures the allocator on the program's calls, not the program. Calls that\n"
	"failed when recorded are not replayed; realloc(p, 0) that freed is a free.\n"
	"Every block is touched as the light self-check of the other workloads does\n"
	"(16-byte canaries at the head and, sampled, the tail, a word per 4 KiB page)\n"
	"and checked before its free; --touch=ends writes only its first and last\n"
	"bytes; --touch=all writes every byte of a new block once (programs write\n"
	"the memory they allocate: first touches, page faults, cache misses).\n"
	"fragmentation= is the peak RSS the calls added over the trace's peak live\n"
	"bytes (the Hoard paper's).";

/* The C++ operators, by their Itanium ABI names (libstdc++ is linked; a
 * preloaded allocator's own definitions come first). */
void *_Znwm(size_t);
void *_Znam(size_t);
void *_ZnwmRKSt9nothrow_t(size_t, const void *);
void *_ZnamRKSt9nothrow_t(size_t, const void *);
void *_ZnwmSt11align_val_t(size_t, size_t);
void *_ZnamSt11align_val_t(size_t, size_t);
void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t, size_t, const void *);
void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t, size_t, const void *);
void _ZdlPv(void *);
void _ZdaPv(void *);
void _ZdlPvm(void *, size_t);
void _ZdaPvm(void *, size_t);
void _ZdlPvRKSt9nothrow_t(void *, const void *);
void _ZdaPvRKSt9nothrow_t(void *, const void *);
void _ZdlPvSt11align_val_t(void *, size_t);
void _ZdaPvSt11align_val_t(void *, size_t);
void _ZdlPvmSt11align_val_t(void *, size_t, size_t);
void _ZdaPvmSt11align_val_t(void *, size_t, size_t);
void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *, size_t, const void *);
void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *, size_t, const void *);

/* std::nothrow: the operators never read it. */
static const char nothrow_tag;
#define NT ((const void *)&nothrow_tag)

struct slot {
	void *p;
	size_t size;
};

struct progress {
	_Alignas(64) atomic_uint_least64_t done;    /* published at waited-on events */
};

struct worker {
	const struct ngb_trace_thread *th;
	uint32_t index;
	uint64_t *seen;          /* the last value read of each thread's progress */
	uint64_t waits, spins, skipped, usable;
	uint64_t base;           /* progress values of earlier passes (pass x nevents) */
	long long pass;
	pthread_barrier_t *line;
} __attribute__((aligned(64)));

static struct slot *slots;
static uint64_t nslots;
static long long passes;    /* times the whole trace is replayed */
static enum { TOUCH_LIGHT, TOUCH_ENDS, TOUCH_ALL } touch; /* how a new block is written */
static struct progress *prog;
static uint32_t nthreads;

static inline unsigned char tag0(uint32_t s)
{
	return (unsigned char)(s * 2654435761u >> 24 | 1);
}

static inline unsigned char tag1(uint32_t s)
{
	return (unsigned char)((s * 2246822519u >> 24) ^ 0x5a);
}

static inline void mark(uint32_t s, void *p, size_t n)
{
	if (!n)
		return;
	if (touch != TOUCH_ENDS) {
		if (touch == TOUCH_ALL)
			memset(p, 0xa5, n);
		wl_fill(p, n);
		return;
	}
	((unsigned char *)p)[n - 1] = tag1(s);
	((unsigned char *)p)[0] = tag0(s);   /* a 1-byte block holds this one */
}

static inline void check(uint32_t s)
{
	const unsigned char *p = slots[s].p;
	size_t n = slots[s].size;

	if (n && touch != TOUCH_ENDS) {
		wl_check(p, n);
		return;
	}
	if (n && (p[0] != tag0(s) || (n > 1 && p[n - 1] != tag1(s))))
		wl_fail("self-check failed: block %p (size %zu, slot %u) was overwritten "
			"(first byte 0x%02x, last 0x%02x; expected 0x%02x, 0x%02x)",
			(const void *)p, n, s, p[0], p[n - 1], tag0(s), tag1(s));
}

static struct worker *workers;

static void wait_for(struct worker *w, uint32_t t, uint64_t idx)
{
	unsigned spins = 0;

	/* progress counts on over passes: this pass's part of thread t's */
	idx += (uint64_t)w->pass * workers[t].th->nevents;

	if (w->seen[t] >= idx)
		return;
	w->waits++;
	while ((w->seen[t] = atomic_load_explicit(&prog[t].done, memory_order_acquire)) < idx) {
		if (++spins < 64)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
	w->spins += spins;
}

static void *got(void *p, const struct ngb_trace_event *x)
{
	if (!p && x->size)
		wl_fail("%s(%llu bytes) returned NULL; it succeeded when recorded",
			ngb_trace_kind_name(x->kind), (unsigned long long)x->size);
	return p;
}

static void allocate(struct worker *w, const struct ngb_trace_event *x)
{
	size_t n = x->size, a = x->aux;
	void *p = NULL;
	int rc;

	switch (x->kind) {
	case NGB_TK_MALLOC: p = malloc(n); break;
	case NGB_TK_CALLOC:
		p = calloc(a ? a : 1, a ? n / a : n);
		if (p && n && (((unsigned char *)p)[0] || ((unsigned char *)p)[n - 1]))
			wl_fail("self-check failed: calloc(%zu, %zu) returned %p, not zeroed",
				a, n / (a ? a : 1), p);
		break;
	case NGB_TK_MEMALIGN: p = memalign(a, n); break;
	case NGB_TK_POSIX_MEMALIGN:
		rc = posix_memalign(&p, a, n);
		if (rc)
			p = NULL;
		break;
	case NGB_TK_ALIGNED_ALLOC: p = aligned_alloc(a, n); break;
	case NGB_TK_VALLOC: p = valloc(n); break;
	case NGB_TK_PVALLOC: p = pvalloc(n); break;
	case NGB_TK_NEW: p = _Znwm(n); break;
	case NGB_TK_NEW_ARRAY: p = _Znam(n); break;
	case NGB_TK_NEW_NOTHROW: p = _ZnwmRKSt9nothrow_t(n, NT); break;
	case NGB_TK_NEW_ARRAY_NOTHROW: p = _ZnamRKSt9nothrow_t(n, NT); break;
	case NGB_TK_NEW_ALIGNED: p = _ZnwmSt11align_val_t(n, a); break;
	case NGB_TK_NEW_ARRAY_ALIGNED: p = _ZnamSt11align_val_t(n, a); break;
	case NGB_TK_NEW_ALIGNED_NOTHROW: p = _ZnwmSt11align_val_tRKSt9nothrow_t(n, a, NT); break;
	case NGB_TK_NEW_ARRAY_ALIGNED_NOTHROW:
		p = _ZnamSt11align_val_tRKSt9nothrow_t(n, a, NT);
		break;
	}
	if (!p) {
		if (!n) {
			/* malloc(0) may return NULL: nothing to free later */
			slots[x->slot].p = NULL;
			slots[x->slot].size = 0;
			return;
		}
		got(p, x);
	}
	slots[x->slot].p = p;
	slots[x->slot].size = n;
	mark(x->slot, p, n);
	(void)w;
}

static void release(const struct ngb_trace_event *x, void *p, size_t n)
{
	size_t a = x->aux;

	switch (x->kind) {
	case NGB_TK_FREE: free(p); break;
	case NGB_TK_DELETE: _ZdlPv(p); break;
	case NGB_TK_DELETE_ARRAY: _ZdaPv(p); break;
	case NGB_TK_DELETE_SIZED: _ZdlPvm(p, n); break;
	case NGB_TK_DELETE_ARRAY_SIZED: _ZdaPvm(p, n); break;
	case NGB_TK_DELETE_NOTHROW: _ZdlPvRKSt9nothrow_t(p, NT); break;
	case NGB_TK_DELETE_ARRAY_NOTHROW: _ZdaPvRKSt9nothrow_t(p, NT); break;
	case NGB_TK_DELETE_ALIGNED: _ZdlPvSt11align_val_t(p, a); break;
	case NGB_TK_DELETE_ARRAY_ALIGNED: _ZdaPvSt11align_val_t(p, a); break;
	case NGB_TK_DELETE_SIZED_ALIGNED: _ZdlPvmSt11align_val_t(p, n, a); break;
	case NGB_TK_DELETE_ARRAY_SIZED_ALIGNED: _ZdaPvmSt11align_val_t(p, n, a); break;
	case NGB_TK_DELETE_ALIGNED_NOTHROW: _ZdlPvSt11align_val_tRKSt9nothrow_t(p, a, NT); break;
	case NGB_TK_DELETE_ARRAY_ALIGNED_NOTHROW:
		_ZdaPvSt11align_val_tRKSt9nothrow_t(p, a, NT);
		break;
	default: free(p); break;
	}
}

static void resize(struct worker *w, const struct ngb_trace_event *x)
{
	void *old = NULL, *q;

	if (!(x->flags & NGB_TF_NOARG)) {
		check(x->aux);
		old = slots[x->aux].p;
	}
	if (x->flags & NGB_TF_FAILED) {
		/* realloc(p, 0) that freed the block (a failed one is not replayed) */
		if (!(x->flags & NGB_TF_NOARG) && x->size == 0) {
			free(old);
			slots[x->aux].p = NULL;
		} else {
			w->skipped++;
		}
		return;
	}
	if (x->kind == NGB_TK_REALLOCARRAY)
		q = reallocarray(old, 1, x->size);
	else
		q = realloc(old, x->size);
	if (!q && x->size)
		got(q, x);
	if (!(x->flags & NGB_TF_NOARG))
		slots[x->aux].p = NULL;
	slots[x->slot].p = q;
	slots[x->slot].size = x->size;
	mark(x->slot, q, x->size);
}

static void replay_thread(struct worker *w)
{
	const struct ngb_trace_thread *th = w->th;
	uint32_t me = w->index;

	for (uint64_t i = 0; i < th->nevents; i++) {
		const struct ngb_trace_event *x = &th->ev[i];
		unsigned k = x->kind;

		if (x->flags & NGB_TF_WAIT)
			wait_for(w, x->wait_thread, x->wait_index);
		if (k == NGB_TK_REALLOC || k == NGB_TK_REALLOCARRAY) {
			resize(w, x);
		} else if (ngb_trace_kind_allocates(k)) {
			if (x->flags & NGB_TF_FAILED)
				w->skipped++;
			else
				allocate(w, x);
		} else if (k == NGB_TK_SYNC) {
			/* the thread's start: the wait above was all */
		} else if (k == NGB_TK_USABLE_SIZE) {
			if (!(x->flags & NGB_TF_NOARG) && slots[x->slot].p)
				w->usable += malloc_usable_size(slots[x->slot].p);
		} else if (x->flags & NGB_TF_NOARG) {
			release(x, NULL, 0);
		} else {
			struct slot *s = &slots[x->slot];

			check(x->slot);
			release(x, s->p, s->size);
			s->p = NULL;
		}
		if (x->flags & NGB_TF_PUBLISH)
			atomic_store_explicit(&prog[me].done, w->base + i + 1, memory_order_release);
	}
	atomic_store_explicit(&prog[me].done, w->base + th->nevents, memory_order_release);
}

/*
 * Every pass but the last ends with all threads at a barrier and the
 * blocks the trace never freed freed by thread 0, so that passes do not
 * pile them up.
 */
static void replay_passes(struct worker *w)
{
	for (long long pass = 0; pass < passes; pass++) {
		w->pass = pass;
		w->base = (uint64_t)pass * w->th->nevents;
		replay_thread(w);
		if (pass + 1 == passes)
			break;
		pthread_barrier_wait(w->line);
		if (w->index == 0)
			for (uint64_t s = 0; s < nslots; s++)
				if (slots[s].p) {
					free(slots[s].p);
					slots[s].p = NULL;
				}
		pthread_barrier_wait(w->line);
	}
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->line);
	replay_passes(w);
	return NULL;
}

int main(int argc, char **argv)
{
	struct ngb_trace t;
	struct ngb_err e;
	const char *path;
	struct worker *w;
	pthread_t *tid;
	pthread_barrier_t line;
	struct ngb_trace_stats st;
	double t0, secs;
	size_t rss_base, rss_peak;
	char frag[48] = "";
	int rss_reset;
	uint64_t calls = 0, waits = 0, spins = 0, skipped = 0, usable = 0, trace_bytes = 0;

	wl_init(argc, argv, "replay", notes);
	path = wl_str("trace");
	touch = !strcmp(wl_str("touch"), "all") ? TOUCH_ALL
		: !strcmp(wl_str("touch"), "ends") ? TOUCH_ENDS : TOUCH_LIGHT;
	passes = wl_int("passes");
	if (!*path)
		wl_skip("no trace given: record one with 'ngbench trace record -o FILE -- COMMAND' and "
			"replay it with 'ngbench run -w replay --set trace=FILE' (or --trace=FILE)");
	if (ngb_trace_load(path, NGB_TRACE_LOAD_TIMES, &t, &e) < 0 ||
	    ngb_trace_stats(&t, 0, &st, &e) < 0) {
		fprintf(stderr, "replay: %s\n", e.msg);
		return WL_EXIT_USAGE;
	}
	nthreads = t.sum.nthreads;
	nslots = t.sum.nslots;
	slots = wl_meta_alloc(sizeof(*slots) * (t.sum.nslots + 1));
	prog = wl_meta_alloc(sizeof(*prog) * (nthreads + 1));
	w = wl_meta_alloc(sizeof(*w) * (nthreads + 1));
	workers = w;
	tid = wl_meta_alloc(sizeof(*tid) * (nthreads + 1));
	for (uint32_t i = 0; i < nthreads; i++) {
		calls += t.threads[i].nevents * (uint64_t)passes;
		trace_bytes += t.threads[i].nevents * sizeof(struct ngb_trace_event);
	}
	if (nthreads == 0) {
		wl_result("seconds", 0, "s", 0, " threads=0 calls=0 trace_threads=0");
		return WL_EXIT_OK;
	}
	pthread_barrier_init(&line, NULL, nthreads);
	for (uint32_t i = 0; i < nthreads; i++) {
		w[i].th = &t.threads[i];
		w[i].index = i;
		w[i].line = &line;
		w[i].seen = wl_meta_alloc(sizeof(uint64_t) * nthreads);
	}
	/* thread 0 (the recorded main thread) runs here; the others in threads */
	for (uint32_t i = 1; i < nthreads; i++) {
		int err = pthread_create(&tid[i], NULL, thread_main, &w[i]);

		if (err)
			wl_skip("cannot create thread %u of %u: %s", i + 1, nthreads, strerror(err));
	}
	/* the slot table is the replay's own memory, not the allocator's: touched
	 * before the baseline */
	memset(slots, 0, sizeof(*slots) * (t.sum.nslots + 1));
	rss_reset = wl_rss_reset_peak() == 0;
	rss_base = wl_rss_now();
	pthread_barrier_wait(&line);
	t0 = wl_now();
	replay_passes(&w[0]);
	for (uint32_t i = 1; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	secs = wl_now() - t0;
	rss_peak = wl_rss_peak();
	for (uint32_t i = 0; i < nthreads; i++) {
		waits += w[i].waits;
		spins += w[i].spins;
		skipped += w[i].skipped;
		usable += w[i].usable;
	}
	/* no fragmentation without live bytes, a readable RSS or a peak of the
	 * replay's own: left out, not 0 */
	if (st.peak_bytes && rss_base && rss_peak && rss_reset)
		snprintf(frag, sizeof(frag), " fragmentation=%.4f",
			 rss_peak > rss_base ? (double)(rss_peak - rss_base) / (double)st.peak_bytes
					     : 0.0);
	wl_result("seconds", secs, "s", 0,
		  " touch=%s passes=%lld threads=%u calls=%llu calls_per_sec=%.4g waits=%llu wait_spins=%llu "
		  "skipped=%llu slots=%llu trace_bytes=%llu rss_peak_bytes=%zu usable_sum=%llu "
		  "rss_base_bytes=%zu peak_live_bytes=%llu peak_live_objects=%llu%s",
		  wl_str("touch"), passes, nthreads, (unsigned long long)calls, secs > 0 ? (double)calls / secs : 0.0,
		  (unsigned long long)waits, (unsigned long long)spins, (unsigned long long)skipped,
		  (unsigned long long)t.sum.nslots, (unsigned long long)trace_bytes, rss_peak,
		  (unsigned long long)usable, rss_base, (unsigned long long)st.peak_bytes,
		  (unsigned long long)st.peak_objects, frag);
	return WL_EXIT_OK;
}
