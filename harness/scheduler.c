/*
 * harness/scheduler.c - the order of a session's trials and the loop that
 * runs them.
 *
 * Warm-up rounds come first, then the measured rounds; within each round
 * every cell has one slot (two with --profile: its profile trial is a
 * second slot), and the slots are shuffled with a generator seeded by the
 * session's seed and the round, so that drift on a noisy machine hits
 * every allocator alike and the order is the same whenever the plan and
 * seed are: in every shard of a session (shard.c) and in a resumed one.
 * Every trial gets its sequence number even when another shard runs it,
 * so a trial has one seq wherever it runs.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* splitmix64: a small, well-mixed generator for the trial order. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void schedule_shuffle(int *order, int n, uint64_t seed, int round)
{
	uint64_t state = seed ^ ((uint64_t)round * 0xd1b54a32d192ed03ULL);
	int i;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		int j = (int)(next_random(&state) % (uint64_t)(i + 1));
		int t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

int schedule_walk(struct session *s, schedule_fn fn, void *arg)
{
	const struct run_config *o = s->cfg;
	size_t nslots = o->profile ? 2 * s->ncells : s->ncells, i;
	int nrounds = (int)(o->warmup + (s->maxreps > o->profile ? s->maxreps : o->profile));
	int *order = xcalloc(nslots + 1, sizeof(*order));
	int round, seq = 0, rc = 0;

	for (round = 1; round <= nrounds && !rc; round++) {
		int warm = round <= o->warmup;
		int rep = warm ? 0 : round - (int)o->warmup;

		/*
		 * Without --profile the order is as it always was; with it, each
		 * cell has a second slot, its profile trial, shuffled in among
		 * the timing trials so that drift hits both alike.
		 */
		schedule_shuffle(order, (int)nslots, o->seed, round);
		for (i = 0; i < nslots && !rc; i++) {
			size_t ci = (size_t)order[i] % s->ncells;
			struct trial_slot t;

			memset(&t, 0, sizeof(t));
			t.prof = (size_t)order[i] >= s->ncells;
			if (t.prof && (warm || rep > o->profile))
				continue;
			if (!t.prof && !warm && rep > s->cells[ci].job->repetitions)
				continue; /* this job has fewer repetitions */
			t.seq = ++seq;
			t.round = round;
			t.rep = rep;
			t.warm = warm;
			rc = fn(s, &s->cells[ci], &t, !s->shard_of || s->shard_of[ci] == o->shard_k,
				arg);
		}
	}
	free(order);
	return rc;
}

struct run_state {
	struct session_tally *tally;
	struct progress prog;
	int done;
};

static int run_slot(struct session *s, struct cell *c, const struct trial_slot *slot, int mine,
		    void *arg)
{
	struct run_state *rs = arg;
	struct session_tally *t = rs->tally;
	struct trial_slot sl = *slot;
	struct trial_outcome out;

	/* another shard's, or stored before a resume */
	if (!mine || (s->done && s->done[sl.seq]))
		return 0;
	sl.done = rs->done;
	if (trial_run(s, c, &sl, &rs->prog, &out)) {
		t->failed_to_run = 1;
		return 1;
	}
	rs->done++;
	t->stored++;
	if (out.status == TRIAL_INTERRUPTED)
		t->stop = out.interrupted_by ? out.interrupted_by : SIGINT;
	else if (!sl.warm && out.status == TRIAL_OK)
		t->ok++;
	else if (!sl.warm && out.status == TRIAL_SKIPPED)
		t->skipped++;
	else if (!sl.warm)
		t->failed++;
	trial_outcome_release(&out);
	if (ngb_stop_signal && !t->stop)
		t->stop = ngb_stop_signal;
	return t->stop != 0;
}

int session_run(struct session *s, struct session_tally *tally)
{
	struct run_state rs;
	double t0;

	memset(tally, 0, sizeof(*tally));
	memset(&rs, 0, sizeof(rs));
	rs.tally = tally;
	runner_install_signal_handlers();
	progress_init(&rs.prog, s->total);
	if (s->cfg->quiet)
		rs.prog.enabled = 0;
	t0 = monotonic_seconds();
	schedule_walk(s, run_slot, &rs);
	progress_clear(&rs.prog);
	tally->seconds = monotonic_seconds() - t0;
	tally->status = tally->failed_to_run ? "failed" : tally->stop ? "interrupted" : "complete";
	return tally->failed_to_run ? 1 : 0;
}
