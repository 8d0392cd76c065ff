/*
 * harness/resume.c - finishing an abandoned session (ngbench run --resume).
 *
 * A session is abandoned when it is still 'running' but the ngbench that
 * ran it is gone (owner.c).  Its row keeps the run's options (as JSON, the
 * run_config below) and its seed; the stored configuration keeps the
 * experiment's text.  A resume plans the session again from these, and
 * goes on only if the plan digest and the configuration (allocators and
 * their versions included) come out as stored, and if every stored trial
 * sits where the plan puts it.  Then it runs exactly the trials that are
 * missing, in the same order, into the same session; the trial that was
 * running when ngbench died was never stored, so it runs again.
 *
 * With --shard the session in this database is one shard: a resume runs
 * the missing trials of that shard, and 'ngbench merge' joins the shards
 * as usual afterwards.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "engine.h"
#include "ngbench/utf8.h"

static json_t *strvec_json(const struct strvec *sv)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sv->n; i++)
		json_array_append_new(a, ngb_json_text(sv->v[i]));
	return a;
}

char *run_config_to_json(const struct run_config *c)
{
	const struct job *j = &c->cli;
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "experiment", c->experiment ? ngb_json_text(c->experiment) : json_null());
	json_object_set_new(o, "allocators", strvec_json(&j->allocators));
	json_object_set_new(o, "workloads", strvec_json(&j->workloads));
	json_object_set_new(o, "command", strvec_json(&j->command));
	json_object_set_new(o, "sets", strvec_json(&j->sets));
	json_object_set_new(o, "threads", strvec_json(&j->threads));
	json_object_set_new(o, "preset", json_string(ngb_preset_name(j->preset)));
	json_object_set_new(o, "repetitions", json_integer(j->repetitions));
	json_object_set_new(o, "counters", json_string(ngb_counters_mode_name(j->counters)));
	json_object_set_new(o, "events", ngb_json_text_or_null(j->events));
	json_object_set_new(o, "cache", ngb_json_text_or_null(j->cache));
	json_object_set_new(o, "metric", ngb_json_text_or_null(j->metric.pattern));
	json_object_set_new(o, "better", json_integer(j->metric.better));
	json_object_set_new(o, "unit", ngb_json_text_or_null(j->metric.unit));
	json_object_set_new(o, "metric_name", ngb_json_text_or_null(j->metric.name));
	json_object_set_new(o, "have_preset", json_boolean(c->have_preset));
	json_object_set_new(o, "have_reps", json_boolean(c->have_reps));
	json_object_set_new(o, "have_counters", json_boolean(c->have_counters));
	json_object_set_new(o, "warmup", json_integer(c->warmup));
	json_object_set_new(o, "have_warmup", json_boolean(c->have_warmup));
	json_object_set_new(o, "timeout_s", json_real(c->timeout_s));
	json_object_set_new(o, "have_timeout", json_boolean(c->have_timeout));
	json_object_set_new(o, "cpus", ngb_json_text_or_null(c->have_cpus ? c->cpus_text : NULL));
	json_object_set_new(o, "profile", json_integer(c->profile));
	json_object_set_new(o, "show_output", json_boolean(c->show_output));
	json_object_set_new(o, "shard_k", json_integer(c->shard_k));
	json_object_set_new(o, "shard_n", json_integer(c->shard_n));
	json_object_set_new(o, "session_id", ngb_json_text_or_null(c->session_id));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		die("cannot encode the run's options as JSON: out of memory");
	return s;
}

/* A string member, kept in c->owned; NULL when null or missing. */
static const char *jstr(struct run_config *c, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (!v)
		return NULL;
	strvec_push(&c->owned, v);
	return c->owned.v[c->owned.n - 1];
}

static void jstrvec(json_t *o, const char *key, struct strvec *out)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	strvec_clear(out);
	json_array_foreach(a, i, v)
		if (json_string_value(v))
			strvec_push(out, json_string_value(v));
}

static char *jdup(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? xstrdup(v) : NULL;
}

int run_config_from_json(struct run_config *c, const char *text, char **why)
{
	struct job *j = &c->cli;
	json_error_t err;
	json_t *o = json_loads(text, 0, &err);
	const char *v;
	struct ngb_err e;
	int rc = -1;

	if (!json_is_object(o)) {
		*why = xasprintf("its stored options are not JSON: %s", err.text);
		json_decref(o);
		return -1;
	}
	c->experiment = jstr(c, o, "experiment");
	jstrvec(o, "allocators", &j->allocators);
	jstrvec(o, "workloads", &j->workloads);
	jstrvec(o, "command", &j->command);
	jstrvec(o, "sets", &j->sets);
	jstrvec(o, "threads", &j->threads);
	if ((v = json_string_value(json_object_get(o, "preset"))) && ngb_preset_parse(v, &j->preset)) {
		*why = xasprintf("its stored preset '%s' is unknown to this ngbench", v);
		goto out;
	}
	if ((v = json_string_value(json_object_get(o, "counters"))) &&
	    ngb_counters_mode_parse(v, &j->counters, &e)) {
		*why = xasprintf("its stored counters: %s", e.msg);
		goto out;
	}
	j->repetitions = (long)json_integer_value(json_object_get(o, "repetitions"));
	j->events = jdup(o, "events");
	j->cache = jdup(o, "cache");
	if ((v = json_string_value(json_object_get(o, "metric")))) {
		char *bad = cmd_metric_option(&j->metric, "metric", v);

		if (bad) {
			*why = bad;
			goto out;
		}
	}
	j->metric.better = (int)json_integer_value(json_object_get(o, "better"));
	j->metric.unit = jdup(o, "unit");
	j->metric.name = jdup(o, "metric_name");
	c->have_preset = json_is_true(json_object_get(o, "have_preset"));
	c->have_reps = json_is_true(json_object_get(o, "have_reps"));
	c->have_counters = json_is_true(json_object_get(o, "have_counters"));
	c->warmup = (long)json_integer_value(json_object_get(o, "warmup"));
	c->have_warmup = json_is_true(json_object_get(o, "have_warmup"));
	c->timeout_s = json_number_value(json_object_get(o, "timeout_s"));
	c->have_timeout = json_is_true(json_object_get(o, "have_timeout"));
	if ((v = json_string_value(json_object_get(o, "cpus")))) {
		char *bad = NULL;

		if (parse_cpu_list(v, c->cpus) || cpu_list_usable(c->cpus, &bad)) {
			*why = xasprintf("its CPUs '%s' are not usable here%s%s", v, bad ? ": " : "",
					 bad ? bad : "");
			free(bad);
			goto out;
		}
		c->have_cpus = 1;
		c->cpus_text = xstrdup(v);
	}
	c->profile = (long)json_integer_value(json_object_get(o, "profile"));
	c->show_output = json_is_true(json_object_get(o, "show_output"));
	c->shard_k = (int)json_integer_value(json_object_get(o, "shard_k"));
	c->shard_n = (int)json_integer_value(json_object_get(o, "shard_n"));
	c->session_id = jstr(c, o, "session_id");
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int resume_load(struct run_config *cfg, struct resume *r)
{
	const char *path = ngb_db_path(cfg->db);
	struct ngb_session_state *st = &r->state;
	struct utsname un;
	struct ngb_err e;
	int64_t sid;
	char *why = NULL;
	int alive;

	if (preflight_db(path))
		return 1;
	if (ngb_store_open(&r->st, path, 0, &e))
		return fail(1, "%s", e.msg);
	if (ngb_store_session_find(r->st, cfg->resume, &sid, &e))
		return fail(2, "%s", e.msg);
	if (ngb_store_session_get(r->st, sid, st, &e))
		return fail(1, "%s", e.msg);
	r->host = xstrdup(uname(&un) ? "unknown" : un.nodename);
	if (strcmp(st->status, "running"))
		return fail(2, "session %lld is %s, not abandoned: only a session whose ngbench "
			       "died can be resumed; run a new one", (long long)sid, st->status);
	alive = session_runner_alive(&st->runner, r->host);
	if (alive < 0 && !st->runner.pid)
		return fail(2, "session %lld records no ngbench process (an older ngbench ran it), "
			       "so it cannot be told from a live one: run a new session",
			       (long long)sid);
	if (alive < 0)
		return fail(2, "session %lld runs on host '%s', not on this one ('%s'): resume it "
			       "there, where its process can be checked", (long long)sid,
			       st->runner.host, r->host);
	if (alive > 0)
		return fail(2, "session %lld is still running (ngbench pid %lld on this host): "
			       "wait for it to end, or stop it first", (long long)sid,
			       (long long)st->runner.pid);
	if (!st->run_options)
		return fail(2, "session %lld stored no run options: it cannot be resumed",
			       (long long)sid);
	if (run_config_from_json(cfg, st->run_options, &why)) {
		error("session %lld cannot be resumed: %s", (long long)sid, why);
		free(why);
		return 2;
	}
	cfg->seed = st->seed;
	cfg->have_seed = 1;
	cfg->label = st->label;
	if (cfg->experiment) {
		/* the experiment as the session stored it, not the file as it is now */
		json_t *c = json_loads(st->config ? st->config : "", 0, NULL);
		const char *text = json_string_value(json_object_get(c, "experiment_text"));

		if (!text) {
			json_decref(c);
			return fail(2, "session %lld did not store its experiment's text: it "
				       "cannot be resumed", (long long)sid);
		}
		cfg->experiment_text = xstrdup(text);
		cfg->experiment_name = jdup(c, "experiment");
		cfg->experiment_path = jdup(c, "experiment_file");
		json_decref(c);
	}
	return 0;
}

/* What the plan puts at each seq, and whether this run (shard) runs it. */
struct planned {
	const struct cell **cell;
	struct trial_slot *slot;
	unsigned char *mine;
	int n;
};

static int collect(struct session *s, struct cell *c, const struct trial_slot *t, int mine,
		   void *arg)
{
	struct planned *p = arg;

	(void)s;
	p->cell = xrealloc(p->cell, (size_t)(t->seq + 1) * sizeof(*p->cell));
	p->slot = xrealloc(p->slot, (size_t)(t->seq + 1) * sizeof(*p->slot));
	p->mine = xrealloc(p->mine, (size_t)(t->seq + 1));
	p->cell[t->seq] = c;
	p->slot[t->seq] = *t;
	p->mine[t->seq] = (unsigned char)mine;
	p->n = t->seq;
	return 0;
}

/* Does the stored trial k sit where the plan puts it? */
static int trial_fits(const struct planned *p, const struct ngb_trial_key *k)
{
	const struct cell *c;
	const struct trial_slot *t;

	if (k->seq < 1 || k->seq > p->n || !p->mine[k->seq])
		return 0;
	c = p->cell[k->seq];
	t = &p->slot[k->seq];
	return !strcmp(k->allocator, c->alloc->name) &&
	       !strcmp(k->workload, c->wl ? c->wl->name : "command") &&
	       !strcmp(k->params, c->params_json) && k->round == t->round &&
	       k->repetition == t->rep && !k->warmup == !t->warm &&
	       !strcmp(k->kind, t->prof ? "profile" : "timing");
}

static int check_stored(struct session *s)
{
	struct planned p;
	struct ngb_trial_key *keys;
	struct ngb_err e;
	size_t n, i;
	int rc = 0, seq;

	memset(&p, 0, sizeof(p));
	schedule_walk(s, collect, &p);
	if (ngb_store_session_trials(s->st, s->id, &keys, &n, &e)) {
		error("%s", e.msg);
		rc = 1;
		goto out;
	}
	s->done = xcalloc((size_t)p.n + 1, 1);
	for (i = 0; i < n && !rc; i++) {
		if (!trial_fits(&p, &keys[i]) || s->done[keys[i].seq]) {
			rc = fail(2, "session %lld cannot be resumed: its stored trial %d (%s on "
				     "%s) is not where today's plan puts it", (long long)s->id,
				     keys[i].seq, keys[i].allocator, keys[i].workload);
			break;
		}
		s->done[keys[i].seq] = 1;
		s->stored_before++;
	}
	s->total = 0;
	for (seq = 1; seq <= p.n; seq++)
		s->total += p.mine[seq] && !s->done[seq];
	ngb_trial_keys_free(keys, n);
out:
	free(p.cell);
	free(p.slot);
	free(p.mine);
	return rc;
}

int resume_attach(struct session *s, struct resume *r)
{
	struct ngb_session_runner now;
	struct ngb_machine m;
	struct ngb_err e;
	long long sid = (long long)r->state.id;
	int rc;

	s->st = r->st;
	r->st = NULL;
	s->id = r->state.id;
	machine_fingerprint(&s->fp);
	machine_fp_view(&s->fp, &m);
	if (ngb_store_machine_add(s->st, &m, s->fp.host, &e))
		return fail(1, "%s", e.msg);
	s->plan = plan_digest(s->cfg, s->cells, s->ncells);
	s->config = config_json(s->cfg, &s->x, s->cells, s->ncells);
	if (!r->state.plan || strcmp(s->plan, r->state.plan))
		return fail(2, "session %lld cannot be resumed: its plan (the cells, "
			       "repetitions and seed) differs from what its options give today (an "
			       "allocator or workload is no longer available, or the registry "
			       "changed); run a new session", sid);
	if (!r->state.config || strcmp(s->config, r->state.config))
		return fail(2, "session %lld cannot be resumed: its configuration differs from "
			       "today's (an allocator's version or library, the counters or the "
			       "timeout); run a new session", sid);
	s->uuid = xstrdup(r->state.uuid ? r->state.uuid : "");
	s->started = now_iso8601();
	rc = check_stored(s);
	if (rc)
		return rc;
	session_runner_self(&now, s->fp.host);
	if (ngb_store_session_claim(s->st, s->id, &r->state.runner, &now, &e))
		return fail(2, "%s", e.msg);
	if (!s->cfg->quiet)
		fprintf(stderr, "ngbench: resuming session %lld: %d trial%s stored, %d to run\n", sid,
			s->stored_before, s->stored_before == 1 ? "" : "s", s->total);
	return 0;
}

void resume_release(struct resume *r)
{
	ngb_store_close(r->st);
	ngb_session_state_release(&r->state);
	free(r->host);
	memset(r, 0, sizeof(*r));
}
