/*
 * reports/baseline_match.c - which cell of a session a baseline cell
 * judges.  A cell's key is its workload, every parameter (defaults
 * included), threads, allocator and counter mode, so that a change of any
 * of them is another cell (baseline_cell_same, baseline.c), never a silent
 * comparison of different things.
 *
 * The one exception is a parameter added to a workload after the baseline
 * was saved, with a default that keeps the old behaviour: without it every
 * saved baseline would lose all its cells of that workload to "missing"
 * and "new".  A baseline cell whose parameters lack only ones the session
 * ran at the workload's default stands for the session's cell, and says
 * so.  The defaults are the registry's (ngbench/workload.h): the stored
 * cells carry the values that ran, not which of them were defaults.  A
 * parameter the baseline gives another value, or lacks while the session
 * ran it at another value than the default, still makes another cell.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ngbench/workload.h"

/* A value of p as text: the same text, or for numbers the same number ("4K", "4096"). */
static int param_value_same(const struct ngb_workload_param *p, const char *a, const char *b)
{
	char why[128];
	double x, y;

	if (!strcmp(a, b))
		return 1;
	return p->type != NGB_PARAM_STRING && !ngb_workload_param_parse(p, a, &x, why, sizeof(why)) &&
	       !ngb_workload_param_parse(p, b, &y, why, sizeof(why)) && x == y;
}

/*
 * The parameters of cur beyond those of base, as "name=value, ..." (*added
 * of them), when each is a parameter of wl at its default and base's are
 * all in cur with the same values; else NULL (*oom set when memory ran
 * out).
 */
static char *added_at_default(const struct ngb_workload *wl, json_t *base, json_t *cur,
			      size_t *added, int *oom)
{
	struct strbuf sb = STRBUF_INIT;
	const char *name;
	json_t *v;

	json_object_foreach(base, name, v)
		if (!json_equal(v, json_object_get(cur, name)))
			return NULL;
	json_object_foreach(cur, name, v) {
		const struct ngb_workload_param *p;

		if (json_object_get(base, name))
			continue;
		p = ngb_workload_param_find(wl, name);
		if (!p || !p->def || !json_is_string(v) ||
		    !param_value_same(p, json_string_value(v), p->def)) {
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_addf(&sb, "%s%s=%s", (*added)++ ? ", " : "", name, json_string_value(v));
	}
	if (sb.oom || !*added) {
		*oom = sb.oom;
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

int baseline_cell_predates(const struct ngb_baseline_cell *base,
			   const struct ngb_baseline_cell *cur, char **note)
{
	struct cell_key kb = { base->workload, NULL, base->counters, base->allocator,
			       base->threads };
	struct cell_key kc = { cur->workload, NULL, cur->counters, cur->allocator, cur->threads };
	const struct ngb_workload *wl;
	json_t *pb, *pc;
	char *added = NULL;
	size_t n = 0;
	int oom = 0;

	*note = NULL;
	if (!cell_key_same(&kb, &kc) || !(wl = ngb_workload_find(cur->workload)))
		return 0;
	pb = base->params ? json_loads(base->params, 0, NULL) : NULL;
	pc = cur->params ? json_loads(cur->params, 0, NULL) : NULL;
	if (json_is_object(pb) && json_is_object(pc))
		added = added_at_default(wl, pb, pc, &n, &oom);
	json_decref(pb);
	json_decref(pc);
	if (!added)
		return oom ? -ENOMEM : 0;
	*note = n > 1 ? rep_asprintf("the baseline predates the parameters %s (their defaults)", added)
		      : rep_asprintf("the baseline predates the parameter %s (its default)", added);
	free(added);
	return *note ? 1 : -ENOMEM;
}

int baseline_pair_cells(const struct ngb_baseline *b, const struct ngb_baseline *cur,
			size_t *pair, char **note)
{
	char *taken = calloc(cur->ncells + 1, 1);
	size_t i, j;
	int rc = 0;

	if (!taken)
		return -ENOMEM;
	for (i = 0; i < b->ncells; i++) {
		pair[i] = cur->ncells;
		note[i] = NULL;
		for (j = 0; j < cur->ncells && pair[i] == cur->ncells; j++)
			if (baseline_cell_same(&b->cells[i], &cur->cells[j])) {
				pair[i] = j;
				taken[j] = 1;
			}
	}
	for (i = 0; i < b->ncells && !rc; i++)
		for (j = 0; j < cur->ncells && pair[i] == cur->ncells && !rc; j++) {
			if (taken[j])
				continue;
			rc = baseline_cell_predates(&b->cells[i], &cur->cells[j], &note[i]);
			if (rc > 0) {
				pair[i] = j;
				taken[j] = 1;
				rc = 0;
			}
		}
	free(taken);
	if (rc)
		for (i = 0; i < b->ncells; i++) {
			free(note[i]);
			note[i] = NULL;
		}
	return rc;
}
