/*
 * harness/shard.c - one session cut into N shards that run apart (Slurm
 * array tasks, GNU parallel jobs, CI matrix entries) and are merged again.
 *
 * A session's trials are enumerated the same way by every shard: the same
 * cells in the same order, the same rounds shuffled from the same seed, the
 * same sequence numbers.  Shard K of N runs the trials of the cell groups g
 * (a workload with one parameter set and thread count, with all its
 * allocators) for which g mod N = K - 1, and skips the others without
 * running them but still numbering them, so that a trial has the same seq
 * in its shard as in the unsharded session and the N shards together are
 * exactly the unsharded set.
 *
 * Why cell groups rather than rounds: a group keeps every allocator of a
 * workload on one machine and interleaved within each round, so the
 * allocators a report compares are always measured side by side, and
 * warm-up rounds stay with the cells they warm.  The price: N is at most
 * the number of groups, a shard's length follows its workloads (not
 * balanced by time), and a cell's repetitions all come from one machine.
 * Cutting by rounds would balance the time and allow N up to the
 * repetitions, but would spread one cell over machines (their difference
 * would enter the cell's spread) and need a warm-up per shard.
 *
 * The session's identity (a UUID) is shared by its shards: --session-id, or
 * derived from the plan (the cells and repetitions) and the seed, so that N
 * independent `ngbench run --seed=S --shard=K/N` agree without talking.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal.h"

#define MAX_SHARDS 100000

int shard_parse(const char *s, int *k, int *n, char **why)
{
	long kk, nn;
	const char *slash = strchr(s, '/');
	char *left;

	if (!slash) {
		*why = xasprintf("takes K/N (shard K of N, K from 1), not '%s'", s);
		return -1;
	}
	left = xasprintf("%.*s", (int)(slash - s), s);
	if (parse_long(left, &kk) || parse_long(slash + 1, &nn) || nn < 1 || nn > MAX_SHARDS) {
		*why = xasprintf("takes K/N with 1 <= K <= N <= %d, not '%s'", MAX_SHARDS, s);
		free(left);
		return -1;
	}
	free(left);
	if (kk < 1 || kk > nn) {
		*why = xasprintf("'%s': shards count from 1, K is 1 to %ld (a Slurm array "
				 "task id from 0 is --shard=$((SLURM_ARRAY_TASK_ID + 1))/%ld)",
				 s, nn, nn);
		return -1;
	}
	*k = (int)kk;
	*n = (int)nn;
	return 0;
}

int session_id_valid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	size_t g;
	int i;

	for (g = 0; g < 5; g++) {
		for (i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return 0;
		if (g < 4 && *s++ != '-')
			return 0;
	}
	return *s == '\0';
}

static char *format_uuid(const unsigned char b[16])
{
	return xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
			 b[12], b[13], b[14], b[15]);
}

char *session_id_random(void)
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0 && errno != EINTR)
			die("cannot read random bytes for a session id: %s", strerror(errno));
		if (n > 0)
			got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4: random */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return format_uuid(b);
}

char *session_id_derive(const char *plan, uint64_t seed)
{
	unsigned char b[16];
	uint64_t h1, h2;
	int i;

	h1 = hash64(plan, strlen(plan), 0);
	h1 = hash64(&seed, sizeof(seed), h1);
	h2 = hash64("ngbench session", 15, h1);
	h2 = hash64(plan, strlen(plan), h2);
	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(h1 >> (8 * i));
		b[8 + i] = (unsigned char)(h2 >> (8 * i));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x80); /* version 8: made by us (RFC 9562) */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return format_uuid(b);
}

uint64_t seed_from_session_id(const char *uuid)
{
	/* stored as a signed SQLite integer, like any seed */
	return hash64(uuid, strlen(uuid), 0) & 0x7fffffffffffffffULL;
}

size_t shard_assign(const char *const *keys, size_t n, int nshards, int *shard_of)
{
	size_t i, j, ngroups = 0;
	size_t *group = xcalloc(n + 1, sizeof(*group));

	/* groups numbered in their first cell's order: the same in every shard */
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && strcmp(keys[j], keys[i]); j++)
			;
		group[i] = j < i ? group[j] : ngroups++;
		shard_of[i] = (int)(group[i] % (size_t)nshards) + 1;
	}
	free(group);
	return ngroups;
}
