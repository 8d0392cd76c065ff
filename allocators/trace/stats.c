/*
 * allocators/trace/stats.c - what a loaded trace holds (ngb_trace_stats):
 * calls by kind, cross-thread frees, the histograms of requested sizes and
 * of lifetimes (in calls and in time), peak live bytes and objects, and
 * the live bytes and objects over the trace.  `ngbench trace info` prints
 * and plots them; the replay takes its peak live bytes as the denominator
 * of its fragmentation.
 *
 * The events of all threads are walked in an order that honours the
 * waits, always taking the ready thread whose next event was recorded
 * first (exact for one thread; for several, the recording's order up to
 * the clock's microseconds; without timestamps, the lowest ready thread).
 * A slot's size, birth and thread are kept while it is live.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ngbench/trace.h"

struct slot_info {
	uint64_t size;
	uint64_t born_call;
	uint64_t born_us;
	uint32_t thread;
	int live;
};

static unsigned bin_of(uint64_t v)
{
	return v ? 64 - (unsigned)__builtin_clzll(v) : 0;
}

void ngb_trace_hist_bounds(unsigned b, uint64_t *lo, uint64_t *hi)
{
	*lo = b ? UINT64_C(1) << (b - 1) : 0;
	*hi = b == 0 ? 1 : b == 64 ? UINT64_MAX : UINT64_C(1) << b;
}

/* The window of the live timeline that call number @step falls in. */
static void live_sample(struct ngb_trace_stats *s, uint64_t step, uint64_t us, uint64_t window)
{
	struct ngb_trace_live *p;
	size_t w = (size_t)((step - 1) / window);

	if (!s->live || w >= s->nlive_cap)
		return;
	p = &s->live[w];
	if (w >= s->nlive) {
		s->nlive = w + 1;
		p->bytes = s->live_bytes;
		p->objects = s->live_objects;
	}
	p->call = step;
	p->us = us;
	if (s->live_bytes > p->bytes)
		p->bytes = s->live_bytes;
	if (s->live_objects > p->objects)
		p->objects = s->live_objects;
}

int ngb_trace_stats(const struct ngb_trace *t, size_t points, struct ngb_trace_stats *in,
		    struct ngb_err *e)
{
	uint32_t nth = t->sum.nthreads;
	uint64_t *pos, step = 0, window = 1;
	struct slot_info *sl;

	memset(in, 0, sizeof(*in));
	pos = calloc(nth + 1, sizeof(*pos));
	sl = calloc(t->sum.nslots + 1, sizeof(*sl));
	if (points) {
		window = (t->sum.nevents + points - 1) / points;
		if (!window)
			window = 1;
		in->nlive_cap = (size_t)((t->sum.nevents + window - 1) / window) + 1;
		in->live = calloc(in->nlive_cap, sizeof(*in->live));
	}
	if (!pos || !sl || (points && !in->live)) {
		free(pos);
		free(sl);
		ngb_trace_stats_release(in);
		return ngb_err_set(e, -ENOMEM, "out of memory for the statistics of %llu slots",
				   (unsigned long long)t->sum.nslots);
	}
	for (;;) {
		int64_t best = -1;
		uint64_t best_us = 0;

		for (uint32_t i = 0; i < nth; i++) {
			const struct ngb_trace_thread *th = &t->threads[i];
			const struct ngb_trace_event *x;
			uint64_t us;

			if (pos[i] >= th->nevents)
				continue;
			x = &th->ev[pos[i]];
			if ((x->flags & NGB_TF_WAIT) && pos[x->wait_thread] < x->wait_index)
				continue;
			us = th->time_us ? th->time_us[pos[i]] : 0;
			if (best < 0 || us < best_us) {
				best = i;
				best_us = us;
			}
		}
		if (best < 0)
			break;
		uint32_t ti = (uint32_t)best;
		const struct ngb_trace_event *x = &t->threads[ti].ev[pos[ti]];
		uint64_t now_us = best_us;
		unsigned k = x->kind;
		int frees_in = 0, allocs_out = 0;
		uint32_t in_slot = 0;

		pos[ti]++;
		in->calls[k]++;
		if (k == NGB_TK_SYNC)
			continue;
		step++;
		if (x->flags & NGB_TF_WAIT)
			in->waits++;
		if (k == NGB_TK_REALLOC || k == NGB_TK_REALLOCARRAY) {
			if (!(x->flags & NGB_TF_NOARG) &&
			    (!(x->flags & NGB_TF_FAILED) || x->size == 0)) {
				frees_in = 1;
				in_slot = x->aux;
			}
			allocs_out = !(x->flags & NGB_TF_FAILED);
		} else if (ngb_trace_kind_allocates(k)) {
			allocs_out = !(x->flags & NGB_TF_FAILED);
		} else if (k != NGB_TK_USABLE_SIZE) {
			in->frees++;
			if (x->flags & NGB_TF_NOARG)
				in->null_frees++;
			else {
				frees_in = 1;
				in_slot = x->slot;
			}
		}
		if (x->flags & NGB_TF_FAILED && !(ngb_trace_kind_frees(k) && x->size == 0))
			in->failed++;
		if (frees_in) {
			struct slot_info *s = &sl[in_slot];

			if (s->thread != ti)
				in->cross_frees++;
			in->life_calls[bin_of(step - s->born_call)]++;
			in->life_us[bin_of(now_us - s->born_us)]++;
			in->live_bytes -= s->size;
			in->live_objects--;
			s->live = 0;
		}
		if (ngb_trace_kind_allocates(k)) {
			in->allocations++;
			in->bytes_requested += x->size;
			in->size_hist[bin_of(x->size)]++;
		}
		if (allocs_out) {
			struct slot_info *s = &sl[x->slot];

			s->size = x->size;
			s->born_call = step;
			s->born_us = now_us;
			s->thread = ti;
			s->live = 1;
			in->live_bytes += x->size;
			in->live_objects++;
			if (in->live_bytes > in->peak_bytes)
				in->peak_bytes = in->live_bytes;
			if (in->live_objects > in->peak_objects)
				in->peak_objects = in->live_objects;
		}
		live_sample(in, step, now_us, window);
	}
	in->steps = step;
	for (uint64_t i = 0; i < t->sum.nslots; i++)
		if (sl[i].live) {
			in->never_freed++;
			in->never_freed_bytes += sl[i].size;
		}
	free(pos);
	free(sl);
	return 0;
}

void ngb_trace_stats_release(struct ngb_trace_stats *s)
{
	free(s->live);
	s->live = NULL;
	s->nlive = s->nlive_cap = 0;
}
