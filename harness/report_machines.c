/*
 * harness/report_machines.c - report and compare keep machines apart: a
 * session whose trials ran on several machines is reported machine by
 * machine (or refused where one table is all a format can hold), and two
 * sessions from different machines are compared with a warning saying what
 * differs.  The facts come from reports/machines.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ngbench/report.h"

static const char *fp_name(const char *fp)
{
	return fp ? fp : "not recorded";
}

static void list_groups(FILE *f, const struct ngb_machine_group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "  %s %s  fingerprint %s, %ld trials\n", g[i].pooled ? "hosts" : "host",
			g[i].hosts ? g[i].hosts : "unknown", fp_name(g[i].fingerprint),
			g[i].trials);
}

static int matches(const struct ngb_machine_group *g, const char *pick)
{
	size_t n = strlen(pick);
	const char *h = g->hosts;

	if (g->fingerprint && n >= 4 && !strncmp(g->fingerprint, pick, n))
		return 1;
	while (h && *h) {
		size_t len = strcspn(h, ",");

		if (len == n && !strncmp(h, pick, n))
			return 1;
		h += len + (h[len] == ',');
	}
	return 0;
}

/* Why a session is split: what tells its machines apart. */
static char *why_split(sqlite3 *db, int64_t sid, const struct ngb_machine_group *g, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, nfp = 0;

	for (i = 1; i < n; i++) {
		const char *a = g[0].fingerprint, *b = g[i].fingerprint;

		if (a && b && !strcmp(a, b))
			continue;
		if (!nfp++)
			strbuf_addf(&sb, "session %lld ran on %zu machines that differ: ", (long long)sid,
				    n);
		else
			strbuf_adds(&sb, "; and ");
		{
			char *d = ngb_machine_diff(db, a, b);

			strbuf_addf(&sb, "%s (%s) vs %s (%s): %s", g[0].hosts ? g[0].hosts : "?",
				    fp_name(a), g[i].hosts ? g[i].hosts : "?", fp_name(b), d);
			free(d);
		}
	}
	if (!nfp)
		strbuf_addf(&sb, "session %lld ran on %zu hosts with identical fingerprints (%s); "
			    "--pool reports them as one machine", (long long)sid, n,
			    fp_name(g[0].fingerprint));
	return strbuf_detach(&sb);
}

int report_machine_groups(sqlite3 *db, int64_t sid, int pool, const char *pick, int can_split,
			  struct ngb_machine_group **out, size_t *nout)
{
	struct ngb_machine_group *g;
	struct ngb_err e;
	size_t n, i, found = 0, at = 0;
	char *why;

	*out = NULL;
	*nout = 0;
	if (ngb_session_machines(db, sid, pool, &g, &n, &e))
		return fail(1, "%s", e.msg);
	if (pick) {
		for (i = 0; i < n; i++)
			if (matches(&g[i], pick)) {
				found++;
				at = i;
			}
		if (found != 1) {
			usage_error("report", "%s machine '%s' in session %lld; it has:",
				    found ? "more than one" : "no", pick, (long long)sid);
			list_groups(stderr, g, n);
			ngb_machine_groups_free(g, n);
			return 2;
		}
		/* keep the picked group as g[0]; free every other one */
		for (i = 0; i < n; i++)
			if (i != at) {
				free(g[i].hosts);
				free(g[i].fingerprint);
			}
		if (at)
			memmove(&g[0], &g[at], sizeof(*g));
		*out = g;
		*nout = 1;
		return 0;
	}
	if (n > 1) {
		why = why_split(db, sid, g, n);
		if (!can_split) {
			error("%s", why);
			fprintf(stderr, "One table would pool trials of different machines: this "
					"format holds one, so give --machine=HOST or a fingerprint "
					"(or --pool where the fingerprints are identical):\n");
			list_groups(stderr, g, n);
			free(why);
			ngb_machine_groups_free(g, n);
			return 2;
		}
		warning("%s; reported apart, machine by machine (--machine=NAME shows one)", why);
		free(why);
	}
	*out = g;
	*nout = n;
	return 0;
}

void warn_machine_difference(sqlite3 *db, int64_t a, int64_t b)
{
	struct ngb_machine_group *ga = NULL, *gb = NULL;
	struct ngb_err e;
	size_t na = 0, nb = 0, i, j;
	int same = 1;

	if (ngb_session_machines(db, a, 1, &ga, &na, &e) ||
	    ngb_session_machines(db, b, 1, &gb, &nb, &e)) {
		warning("cannot tell the sessions' machines apart: %s", e.msg);
		goto out;
	}
	for (i = 0; i < na && same; i++)
		for (j = 0, same = 0; j < nb && !same; j++)
			same = ga[i].fingerprint && gb[j].fingerprint &&
			       !strcmp(ga[i].fingerprint, gb[j].fingerprint);
	same = same && na == nb;
	if (!same && na && nb) {
		char *d = ngb_machine_diff(db, ga[0].fingerprint, gb[0].fingerprint);

		warning("sessions %lld and %lld ran on different machines (%s vs %s): %s; a "
			"difference between them may be the machines', not the allocators'",
			(long long)a, (long long)b, fp_name(ga[0].fingerprint),
			fp_name(gb[0].fingerprint), d);
		free(d);
	}
	if (na > 1)
		warning("session %lld itself mixes %zu machines", (long long)a, na);
	if (nb > 1)
		warning("session %lld itself mixes %zu machines", (long long)b, nb);
out:
	ngb_machine_groups_free(ga, na);
	ngb_machine_groups_free(gb, nb);
}
