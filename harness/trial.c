/*
 * harness/trial.c - one trial of a session: the child's spec from its cell
 * (the allocator preloaded with the witness behind it, the profiling shim
 * in front for a profile trial, counters for timing trials only), run,
 * judged by the validity rules below, and stored before the next begins.
 *
 * The validity rules: a trial that ran counts only if the witness saw the
 * allocator serve malloc (else preload-failed), a profile trial only if
 * the shim served it and wrote its profile, a command with --metric only
 * if the metric was read, and a workload only if it printed a well-formed
 * result record naming the metric its registry entry declares.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/*
 * A profile trial: the witness must see the shim serving malloc, and the
 * shim names the object it forwards to, which then stands for served_by.
 * 0 when the trial failed for it.
 */
static int judge_profile(struct trial_outcome *out)
{
	char *shim = profile_shim_path(), real[PATH_MAX], *why = NULL;
	int shim_served = out->served_by && realpath(shim, real) && !strcmp(out->served_by, real);
	const char *next;

	if (!shim_served)
		why = xasprintf("the profiling shim did not take effect: malloc was served by %s",
				out->served_by ? out->served_by : "an unknown object");
	else if (!out->profile.present && out->status == TRIAL_OK)
		why = xasprintf("the profiling shim wrote no profile: %s",
				out->profile_error ? out->profile_error : "no reason known");
	free(shim);
	if (why) {
		free(out->reason);
		out->reason = why;
		out->status = shim_served ? TRIAL_FAILED : TRIAL_PRELOAD_FAILED;
		return 0;
	}
	/* the allocator behind the shim is what the trial measured */
	free(out->served_by);
	out->served_by = NULL;
	next = out->profile.present ? profile_value(&out->profile, "next") : NULL;
	if (next)
		out->served_by = realpath(next, real) ? xstrdup(real) : xstrdup(next);
	return 1;
}

void trial_judge(const struct cell *c, struct trial_outcome *out, int prof)
{
	int ran = out->status == TRIAL_OK || out->status == TRIAL_FAILED ||
		  out->status == TRIAL_SKIPPED || out->status == TRIAL_SIGNAL;

	if (ran && prof && !judge_profile(out))
		return;

	if (ran && !allocator_served_by_matches(c->alloc, out->served_by)) {
		char *why;

		if (!out->served_by)
			why = xstrdup("no proof that the allocator was loaded: the program did not "
				      "load the witness library (statically linked, set-uid, or it "
				      "cleared LD_PRELOAD)");
		else
			why = xasprintf("the preload did not take effect: malloc was served by %s, "
					"not by %s", out->served_by,
					c->alloc->library ? c->alloc->library : "the C library");
		free(out->reason);
		out->reason = why;
		out->status = TRIAL_PRELOAD_FAILED;
		return;
	}
	if (out->status == TRIAL_OK && !c->wl && c->job->metric.pattern &&
	    !out->has_cmd_metric) {
		out->status = TRIAL_FAILED;
		free(out->reason);
		out->reason = xstrdup(out->cmd_metric_error ? out->cmd_metric_error
							    : "the command's metric was not read");
	}
	if (out->status != TRIAL_OK || !c->wl)
		return;
	if (!out->record.present) {
		out->status = TRIAL_FAILED;
		out->reason = xstrdup("the workload printed no result record (ngbench-result: ...)");
	} else if (out->record.error) {
		out->status = TRIAL_FAILED;
		out->reason = xasprintf("bad result record: %s", out->record.error);
	} else if (strcmp(out->record.metric, c->wl->metric)) {
		out->status = TRIAL_FAILED;
		out->reason = xasprintf("the result record's metric is '%s', the registry says '%s'",
					out->record.metric, c->wl->metric);
	}
}
int trial_run(struct session *s, const struct cell *c, const struct trial_slot *t,
	      struct progress *prog, struct trial_outcome *out)
{
	const struct run_config *o = s->cfg;
	struct trial_spec spec;
	char *title, *tstart;
	size_t k;
	int rc;

	title = t->warm ? xasprintf("%s (warm-up %d/%ld)", c->title, t->round, o->warmup)
		: t->prof ? xasprintf("%s (profile %d/%ld)", c->title, t->rep, o->profile)
			  : xasprintf("%s (rep %d/%ld)", c->title, t->rep, c->job->repetitions);
	progress_show(prog, t->done, title);
	memset(&spec, 0, sizeof(spec));
	for (k = 0; k < c->argv.n; k++)
		strvec_push(&spec.argv, c->argv.v[k]);
	for (k = 0; k < c->alloc->env.n; k++)
		strvec_push(&spec.env, c->alloc->env.v[k]);
	spec.preload = allocator_preload(c->alloc, ngb_paths()->witness);
	if (t->prof) {
		/* the shim in front of the allocator: LD_PRELOAD=shim:allocator:witness */
		char *shim = profile_shim_path(), *rest = spec.preload;

		spec.preload = xasprintf("%s:%s", shim, rest);
		free(rest);
		free(shim);
		spec.profile = 1;
	}
	spec.witness = 1;
	spec.timeout_s = o->timeout_s;
	spec.cpus = o->have_cpus ? o->cpus : NULL;
	spec.stats_env = c->alloc->stats_env ? xstrdup(c->alloc->stats_env) : NULL;
	spec.show_output = o->show_output;
	spec.metric = !c->wl && c->job->metric.pattern ? &c->job->metric : NULL;
	/* a profile trial is perturbed by the shim: no counters (principle 2) */
	spec.pm = !t->prof && c->job->counters == NGB_COUNTERS_HW ? c->job->pm : NULL;
	spec.sim = !t->prof && c->job->counters == NGB_COUNTERS_SIM ? &c->job->geometry : NULL;
	spec.sample_rss = 1;
	tstart = now_iso8601();
	rc = run_trial(&spec, out);
	trial_spec_release(&spec);
	if (rc == 0) {
		trial_judge(c, out, t->prof);
		/* a trial that cannot be kept stops the session rather than lose more */
		rc = trial_store(s, c, t, tstart, out);
		if (rc == 0 && out->status != TRIAL_OK && out->status != TRIAL_INTERRUPTED) {
			progress_clear(prog);
			fprintf(stderr, "ngbench: trial %d %s %s: %s\n", t->seq, title,
				out->status == TRIAL_SKIPPED ? "skipped" : "failed", out->reason);
			if (out->stderr_tail && out->status != TRIAL_SKIPPED) {
				char *p, *save = NULL;

				for (p = strtok_r(out->stderr_tail, "\n", &save); p;
				     p = strtok_r(NULL, "\n", &save))
					fprintf(stderr, "    | %s\n", p);
			}
		}
		if (rc)
			trial_outcome_release(out);
	}
	free(title);
	free(tstart);
	return rc;
}

