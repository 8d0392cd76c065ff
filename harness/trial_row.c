/*
 * harness/trial_row.c - a finished trial as its database row: the runner's
 * outcome (struct trial_outcome) and its cell are mapped onto the store's
 * row (struct ngb_trial_row), which only points at their strings, and
 * written in one transaction (data/store.c).
 *
 * The free pairs of the row are the workload's own result record, the
 * allocator's statistics file ("alloc.KEY") and the allocation profile
 * ("profile.KEY"); the metric is the workload's (registry), the command's
 * --metric, or wall seconds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* Appends "KEY=VALUE" pairs (VALUE after the first '=') with a prefix; the
 * keys are allocated, the values point into the pairs. */
static void add_prefixed(struct ngb_result_pair *res, int *n, const struct strvec *pairs,
			 const char *prefix)
{
	size_t k;

	for (k = 0; k < pairs->n; k++) {
		const char *kv = pairs->v[k], *eq = strchr(kv, '=');

		res[*n].key = xasprintf("%s%.*s", prefix, (int)(eq - kv), kv);
		res[*n].value = eq + 1;
		res[*n].is_number = parse_double(eq + 1, &res[*n].number) == 0;
		(*n)++;
	}
}

/* The row's free pairs; the first out->record.nextra keys are borrowed. */
static struct ngb_result_pair *result_pairs(const struct trial_outcome *out, int *n)
{
	struct ngb_result_pair *res;
	int i;

	res = xcalloc((size_t)out->record.nextra + out->alloc_stats.n + out->profile.pairs.n + 1,
		      sizeof(*res));
	*n = 0;
	for (i = 0; i < out->record.nextra; i++) {
		res[*n].key = out->record.keys[i];
		res[*n].value = out->record.values[i];
		res[*n].is_number = parse_double(out->record.values[i], &res[*n].number) == 0;
		(*n)++;
	}
	add_prefixed(res, n, &out->alloc_stats, "alloc.");
	add_prefixed(res, n, &out->profile.pairs, "profile.");
	return res;
}

static struct ngb_counter_row *counter_rows(const struct trial_outcome *out)
{
	struct ngb_counter_row *rows;
	size_t k;

	if (!out->ncounters)
		return NULL;
	rows = xcalloc(out->ncounters, sizeof(*rows));
	for (k = 0; k < out->ncounters; k++) {
		const struct ngb_counter *c = &out->counters[k];

		rows[k].event = c->event;
		rows[k].source = ngb_counter_source_name(c->source);
		rows[k].status = ngb_counter_status_name(c->status);
		rows[k].has_value = c->has_value;
		rows[k].value = c->value;
		rows[k].has_raw = c->has_raw;
		rows[k].raw = c->raw;
		rows[k].has_times = c->has_times;
		rows[k].time_enabled = c->time_enabled;
		rows[k].time_running = c->time_running;
		rows[k].encoding = c->encoding[0] ? c->encoding : NULL;
		rows[k].reason = c->reason[0] ? c->reason : NULL;
	}
	return rows;
}

static struct ngb_hist_bin *hist_rows(const struct profile *p)
{
	struct ngb_hist_bin *bins;
	size_t k;

	if (!p->nbins)
		return NULL;
	bins = xcalloc(p->nbins, sizeof(*bins));
	for (k = 0; k < p->nbins; k++) {
		bins[k].name = p->bins[k].name;
		bins[k].lo = p->bins[k].lo;
		bins[k].hi = p->bins[k].hi;
		bins[k].count = p->bins[k].count;
	}
	return bins;
}

/* The metric: the workload's, the command's --metric, or wall seconds. */
static void set_metric(struct ngb_trial_row *t, const struct cell *c,
		       const struct trial_outcome *out)
{
	const struct cmd_metric *m = &c->job->metric;
	int ok = out->status == TRIAL_OK;

	if (c->wl) {
		t->metric = c->wl->metric;
		t->metric_unit = c->wl->unit;
		t->higher_is_better = c->wl->higher_is_better;
		t->has_metric_value = ok;
		t->metric_value = ok ? out->record.value : 0;
	} else if (m->pattern) {
		t->metric = m->name ? m->name : "metric";
		t->metric_unit = m->unit ? m->unit : "";
		t->higher_is_better = m->better;
		t->has_metric_value = ok && out->has_cmd_metric;
		t->metric_value = t->has_metric_value ? out->cmd_metric_value : 0;
	} else {
		t->metric = "wall";
		t->metric_unit = "s";
		t->higher_is_better = 0;
		t->has_metric_value = ok;
		t->metric_value = ok ? out->wall_s : 0;
	}
}

int trial_store(const struct session *s, const struct cell *c, const struct trial_slot *slot,
		const char *started, struct trial_outcome *out)
{
	struct ngb_trial_row t;
	struct ngb_result_pair *res;
	struct ngb_err e;
	struct strbuf argv_text = STRBUF_INIT;
	int nres, i, rc;
	char *knobs;
	size_t k;

	memset(&t, 0, sizeof(t));
	for (k = 0; k < c->argv.n; k++) {
		if (k)
			strbuf_addch(&argv_text, ' ');
		strbuf_add_shell_quoted(&argv_text, c->argv.v[k]);
	}
	if (out->profile.present)
		profile_derive(&out->profile, &out->record, out->maxrss_kb);
	res = result_pairs(out, &nres);
	t.session_id = s->id;
	t.seq = slot->seq;
	t.round = slot->round;
	t.repetition = slot->rep;
	t.warmup = slot->warm;
	t.kind = slot->prof ? "profile" : "timing";
	t.allocator = c->alloc->name;
	t.allocator_version = c->alloc->version;
	t.allocator_library = c->alloc->library;
	t.served_by = out->served_by;
	t.workload = c->wl ? c->wl->name : "command";
	t.params_json = c->params_json;
	t.threads = c->threads;
	t.argv_text = strbuf_str(&argv_text);
	t.status = trial_status_name(out->status);
	t.reason = out->reason;
	t.has_exit_code = out->exited;
	t.exit_code = out->exit_code;
	t.term_signal = out->term_signal;
	t.wall_s = out->wall_s;
	t.user_s = out->user_s;
	t.sys_s = out->sys_s;
	t.maxrss_kb = out->maxrss_kb;
	t.minflt = out->minflt;
	t.majflt = out->majflt;
	t.nvcsw = out->nvcsw;
	t.nivcsw = out->nivcsw;
	set_metric(&t, c, out);
	t.stderr_tail = out->stderr_tail;
	t.started_at = started;
	t.results = res;
	t.nresults = nres;
	t.counters = counter_rows(out);
	t.ncounters = (int)out->ncounters;
	t.rss_t_ms = out->rss.t_ms;
	t.rss_kb = out->rss.kb;
	t.nrss = (int)out->rss.n;
	t.hist = hist_rows(&out->profile);
	t.nhist = (int)out->profile.nbins;
	t.host = s->fp.host;
	t.shard = s->cfg->shard_k;
	t.machine = s->fp.id;
	t.env_knobs = knobs = env_knobs(&c->alloc->env);
	rc = ngb_store_trial_add(s->st, &t, NULL, &e);
	free(knobs);
	free((void *)t.counters);
	free((void *)t.hist);
	if (rc)
		error("%s", e.msg);
	for (i = out->record.nextra; i < nres; i++)
		free((char *)res[i].key);
	free(res);
	strbuf_release(&argv_text);
	return rc;
}
