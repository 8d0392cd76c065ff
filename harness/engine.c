/*
 * harness/engine.c - the run engine's session: plan (jobs -> cells ->
 * shards -> trial count), open (database, machine, session row), close,
 * and engine_run(), the whole run as one call (engine.h has the steps).
 *
 * Every input is checked in session_plan(), before the session row is
 * written: a bad name or value leaves the database untouched.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "ngbench/utf8.h"

/* The process's command line, set by main() (NULL in a unit test). */
int ngb_argc;
const char **ngb_argv;

void run_config_init(struct run_config *c, const char *cmd)
{
	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	job_init(&c->cli, "command-line");
	c->timeout_s = 600;
}

void run_config_release(struct run_config *c)
{
	job_release(&c->cli);
	free(c->cpus_text);
	free(c->experiment_text);
	free(c->experiment_name);
	free(c->experiment_path);
	strvec_clear(&c->owned);
	memset(c, 0, sizeof(*c));
}

int run_config_allocators(struct run_config *c, const char *list)
{
	strvec_split(&c->cli.allocators, list, ',');
	if (!*list)
		return usage_error(c->cmd, "--allocator needs a name");
	return 0;
}

int run_config_repetitions(struct run_config *c, const char *n)
{
	if (parse_long_opt("--repetitions", n, 1, 100000, &c->cli.repetitions))
		return 2;
	c->have_reps = 1;
	return 0;
}

int run_config_set_cpus(struct run_config *c, const char *list, struct ngb_err *e)
{
	char *why = NULL;

	if (parse_cpu_list(list, c->cpus))
		return ngb_err_set(e, -EINVAL, "option '--cpus' takes a CPU list such as 0 or "
				   "0,2-3, not '%s'", list);
	if (cpu_list_usable(c->cpus, &why)) {
		ngb_err_set(e, -EINVAL, "option '--cpus=%s': %s", list, why);
		free(why);
		return -EINVAL;
	}
	c->have_cpus = 1;
	free(c->cpus_text);
	c->cpus_text = xstrdup(list);
	return 0;
}

int run_config_cpus(struct run_config *c, const char *list)
{
	struct ngb_err e;

	if (run_config_set_cpus(c, list, &e))
		return usage_error(c->cmd, "%s", e.msg);
	return 0;
}

static char *shell_join(int argc, const char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < argc; i++) {
		if (i)
			strbuf_addch(&sb, ' ');
		strbuf_add_shell_quoted(&sb, argv[i]);
	}
	return strbuf_detach(&sb);
}

char *config_json(const struct run_config *o, const struct experiment *x,
		  struct cell *cells, size_t ncells)
{
	json_t *j, *jobs = json_array();
	char *s;
	size_t i, k;
	int bad = 0;   /* a value jansson could not take: an error, never a key left out */

	for (i = 0; i < x->njobs; i++) {
		const struct job *jb = &x->jobs[i];
		json_t *a = json_array(), *w = json_array(), *jj;
		char geo[256] = "";

		/* the allocators and workloads as resolved, with their versions */
		for (k = 0; k < ncells; k++) {
			size_t m, dup = 0;

			if (cells[k].job != jb)
				continue;
			for (m = 0; m < k && !dup; m++)
				dup = cells[m].job == jb && cells[m].alloc == cells[k].alloc;
			if (!dup)
				bad |= json_array_append_new(a, json_pack("{s:o, s:o, s:o}",
					"name", ngb_json_text(cells[k].alloc->name),
					"version", ngb_json_text_or_null(cells[k].alloc->version),
					"library", ngb_json_text_or_null(cells[k].alloc->library)));
			for (m = 0, dup = 0; m < k && !dup; m++)
				dup = cells[m].job == jb && cells[m].wl == cells[k].wl;
			if (!dup)
				bad |= json_array_append_new(w, json_string(cells[k].wl ? cells[k].wl->name
										     : "command"));
		}
		if (jb->counters == NGB_COUNTERS_SIM)
			ngb_cache_geometry_format(&jb->geometry, geo, sizeof(geo));
		jj = json_pack("{s:o, s:i, s:s, s:o, s:o, s:s, s:o, s:s?}", "name", ngb_json_text(jb->name),
			       "repetitions", (int)jb->repetitions, "preset", ngb_preset_name(jb->preset),
			       "allocators", a, "workloads", w,
			       "counters", ngb_counters_mode_name(jb->counters),
			       "events", ngb_json_text_or_null(jb->counters == NGB_COUNTERS_HW
					 ? (jb->events ? jb->events : ngb_perfmon_default_events) : NULL),
			       "cache_geometry", geo[0] ? geo : NULL);
		bad |= json_array_append_new(jobs, jj);
	}
	j = json_pack("{s:i, s:f, s:b, s:o}", "warmup", (int)o->warmup, "timeout_s", o->timeout_s,
		      "pinned", o->have_cpus, "jobs", jobs);
	if (o->profile)
		bad |= json_object_set_new(j, "profile_trials", json_integer(o->profile));
	if (o->experiment) {
		bad |= json_object_set_new(j, "experiment", ngb_json_text(x->name));
		bad |= json_object_set_new(j, "experiment_file", ngb_json_text(x->path));
		if (x->text)
			bad |= json_object_set_new(j, "experiment_text", ngb_json_text(x->text));
	}
	s = j && !bad ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!s)
		die("cannot encode the session's configuration as JSON: out of memory");
	return s;
}

static int load_jobs(struct run_config *o, struct experiment *x)
{
	size_t i, k;
	int rc;

	if (!o->experiment) {
		memset(x, 0, sizeof(*x));
		x->jobs = xcalloc(1, sizeof(*x->jobs));
		x->jobs[0] = o->cli;
		memset(&o->cli, 0, sizeof(o->cli));
		x->njobs = 1;
		return 0;
	}
	if (o->experiment_text) {
		/* a resumed session's experiment, as it stored it */
		struct ngb_err e = { 0 };

		memset(x, 0, sizeof(*x));
		x->text = xstrdup(o->experiment_text);
		x->name = xstrdup(o->experiment_name);
		x->path = xstrdup(o->experiment_path);
		if (experiment_parse(x, strlen(x->text), &e)) {
			error("the stored experiment '%s', %s", x->path, e.msg);
			return 2;
		}
	} else {
		rc = experiment_load(o->experiment, x);
		if (rc)
			return rc;
	}
	for (i = 0; i < x->njobs; i++) {
		if (o->have_reps)
			x->jobs[i].repetitions = o->cli.repetitions;
		if (o->cli.allocators.n) {
			strvec_clear(&x->jobs[i].allocators);
			for (k = 0; k < o->cli.allocators.n; k++)
				strvec_push(&x->jobs[i].allocators, o->cli.allocators.v[k]);
		}
	}
	if (!o->have_warmup && x->have_warmup)
		o->warmup = x->warmup;
	if (!o->have_timeout && x->have_timeout)
		o->timeout_s = x->timeout_s;
	return 0;
}

/*
 * Which shard each cell belongs to (shard.c): its group is the job and the
 * program with its parameters, so all allocators of a workload stay in one
 * shard.  NULL without --shard; exit status 2 when N exceeds the groups.
 */
static int assign_shards(const struct run_config *o, const struct cell *cells, size_t ncells,
			 int **shard_of)
{
	const char **keys;
	size_t i, ngroups;

	*shard_of = NULL;
	if (!o->shard_n)
		return 0;
	keys = xcalloc(ncells + 1, sizeof(*keys));
	for (i = 0; i < ncells; i++)
		keys[i] = xasprintf("%s\x1f%s\x1f%s", cells[i].job->name,
				    cells[i].wl ? cells[i].wl->name : cells[i].argv.v[0],
				    cells[i].params_json);
	*shard_of = xcalloc(ncells + 1, sizeof(**shard_of));
	ngroups = shard_assign(keys, ncells, o->shard_n, *shard_of);
	for (i = 0; i < ncells; i++)
		free((char *)keys[i]);
	free(keys);
	if ((size_t)o->shard_n > ngroups) {
		free(*shard_of);
		*shard_of = NULL;
		return usage_error(o->cmd, "--shard=%d/%d: this session has %zu cell group%s (a "
				   "workload with its parameters and thread count, all allocators "
				   "together), so at most %zu shards", o->shard_k, o->shard_n,
				   ngroups, ngroups == 1 ? "" : "s", ngroups);
	}
	return 0;
}

/* The digest of what the whole session runs, the same in each of its shards. */
char *plan_digest(const struct run_config *o, const struct cell *cells, size_t ncells)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, k;
	char *out;

	for (i = 0; i < ncells; i++) {
		strbuf_addf(&sb, "%s\x1f%s\x1f%s\x1f%s\x1f%ld", cells[i].job->name,
			    cells[i].alloc->name, cells[i].wl ? cells[i].wl->name : "command",
			    cells[i].params_json, cells[i].job->repetitions);
		for (k = 0; !cells[i].wl && k < cells[i].argv.n; k++)
			strbuf_addf(&sb, "\x1f%s", cells[i].argv.v[k]);
		strbuf_addch(&sb, '\n');
	}
	strbuf_addf(&sb, "warmup=%ld profile=%ld seed=%llu", o->warmup, o->profile,
		    (unsigned long long)o->seed);
	out = xasprintf("%016llx", (unsigned long long)hash64(sb.buf, sb.len, 0));
	strbuf_release(&sb);
	return out;
}

/* Writes this shard's row of session_shards (a no-op when not sharded). */
static int record_shard(const struct session *s, const char *status, const char *finished,
			int planned, int stored)
{
	const struct run_config *o = s->cfg;
	struct ngb_store *st = s->st;
	int64_t sid = s->id;
	struct ngb_shard_row r;
	struct ngb_err e;
	char *origin;
	int rc;

	if (!o->shard_n)
		return 0;
	{
		char *abs = realpath(ngb_store_path(st), NULL);

		origin = xasprintf("%s:%s session %lld", s->fp.host,
				   abs ? abs : ngb_store_path(st), (long long)sid);
		free(abs);
	}
	memset(&r, 0, sizeof(r));
	r.session_id = sid;
	r.shard = o->shard_k;
	r.shard_count = o->shard_n;
	r.host = s->fp.host;
	r.machine = s->fp.id;
	r.status = status;
	r.started_at = s->started;
	r.finished_at = finished;
	r.planned = planned;
	r.trials = stored;
	r.origin = origin;
	rc = ngb_store_shard_record(st, &r, &e);
	free(origin);
	if (rc)
		return error("%s", e.msg);
	return 0;
}


int session_plan(struct session *s, struct run_config *cfg)
{
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	/* as given, before the experiment fills in its own (kept for --resume) */
	s->options = run_config_to_json(cfg);
	/* before the first probe, which would fail and blame the allocator */
	if (preflight_tmpdir())
		return 1;
	rc = load_jobs(cfg, &s->x);
	if (rc)
		return rc;
	allocators_discover(&s->plugins);
	for (i = 0; i < s->plugins.load_errors.n; i++)
		warning("%s", s->plugins.load_errors.v[i]);
	if (access(ngb_paths()->witness, R_OK) != 0)
		return fail(1, "the witness library '%s' is missing: rebuild ngbench (make)",
			       ngb_paths()->witness);
	if (cfg->profile) {
		char *shim = profile_shim_path();

		if (access(shim, R_OK) != 0)
			rc = fail(1, "the profiling shim '%s' is missing: rebuild ngbench (make)",
				     shim);
		free(shim);
		if (rc)
			return rc;
	}
	for (i = 0; i < s->x.njobs; i++) {
		rc = cells_expand_job(cfg->cmd, &s->x.jobs[i], &s->plugins, &s->cells, &s->ncells);
		if (rc)
			return rc;
		if (s->x.jobs[i].repetitions > s->maxreps)
			s->maxreps = s->x.jobs[i].repetitions;
	}
	rc = assign_shards(cfg, s->cells, s->ncells, &s->shard_of);
	if (rc)
		return rc;
	for (i = 0; i < s->ncells; i++)
		if (!s->shard_of || s->shard_of[i] == cfg->shard_k)
			s->total += (int)(cfg->warmup + s->cells[i].job->repetitions + cfg->profile);
	return 0;
}

void session_print_plan(const struct session *s)
{
	const struct run_config *o = s->cfg;
	size_t i, nshown = 0;

	for (i = 0; i < s->ncells; i++) {
		const struct cell *c = &s->cells[i];

		if (s->shard_of && s->shard_of[i] != o->shard_k)
			continue;
		nshown++;
		printf("%-14s %-52s %3ld x  %s", c->job->name, c->title, o->warmup + c->job->repetitions,
		       ngb_counters_mode_name(c->job->counters));
		if (o->profile)
			printf(" + %ld x profile", o->profile);
		printf("\n");
	}
	if (s->shard_of)
		printf("shard %d of %d: ", o->shard_k, o->shard_n);
	printf("%zu cells, %d trials (%ld warm-up rounds%s); nothing was run\n", nshown, s->total,
	       o->warmup, o->profile ? ", profile trials included" : "");
}

/* The database, and this machine in it; 0, or 1 after the message. */
static int open_store(struct session *s, const char *dbpath)
{
	struct ngb_machine m;
	struct ngb_err e;

	if (make_parent_dir(dbpath) || preflight_db(dbpath))
		return 1;
	if (ngb_store_open(&s->st, dbpath, NGB_STORE_CREATE, &e))
		return fail(1, "%s", e.msg);
	machine_fingerprint(&s->fp);
	machine_fp_view(&s->fp, &m);
	if (ngb_store_machine_add(s->st, &m, s->fp.host, &e))
		return fail(1, "%s", e.msg);
	return 0;
}

int session_open(struct session *s)
{
	struct run_config *o = s->cfg;
	struct ngb_session_info si;
	struct ngb_session_runner runner;
	struct ngb_err e;
	char *cmdline;
	size_t i;
	int rc;

	if (open_store(s, ngb_db_path(o->db)))
		return 1;
	if (!o->have_seed && o->session_id) {
		/* the shards of one session id agree on the order without a --seed */
		o->seed = seed_from_session_id(o->session_id);
		o->have_seed = 1;
	}
	if (!o->have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		o->seed = ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^
			  ((uint64_t)getpid() << 32);
		o->seed &= 0x7fffffffffffffffULL; /* stored as a signed SQLite integer */
	}
	cmdline = ngb_argv ? shell_join(ngb_argc, ngb_argv) : xasprintf("ngbench %s", o->cmd);
	s->started = now_iso8601();
	s->config = config_json(o, &s->x, s->cells, s->ncells);
	machine_session_facts(&s->fp, &si);
	si.started_at = s->started;
	si.ngbench_version = PACKAGE_VERSION;
	si.git_commit = ngb_git_commit();
	si.command_line = cmdline;
	si.label = o->label;
	si.seed = o->seed;
	si.config_json = s->config;
	s->plan = plan_digest(o, s->cells, s->ncells);
	if (o->session_id) {
		s->uuid = xstrdup(o->session_id);
		for (i = 0; s->uuid[i]; i++)
			s->uuid[i] = (char)tolower((unsigned char)s->uuid[i]);
	} else {
		s->uuid = o->shard_n ? session_id_derive(s->plan, o->seed) : session_id_random();
	}
	si.uuid = s->uuid;
	si.plan = s->plan;
	si.shard_count = o->shard_n;
	session_runner_self(&runner, s->fp.host);
	si.runner = &runner;
	si.run_options = s->options;
	rc = ngb_store_session_begin(s->st, &si, &s->id, &e);
	free(cmdline);
	if (rc)
		return fail(1, "%s", e.msg);
	return record_shard(s, "running", NULL, s->total, 0) ? 1 : 0;
}

int session_close(struct session *s, struct session_tally *t)
{
	char *finished = now_iso8601();
	struct ngb_err e;
	int rc = 0;

	if (ngb_store_session_end(s->st, s->id, finished, t->status, &e))
		rc = fail(1, "%s", e.msg);
	if (record_shard(s, t->status, finished, s->total + s->stored_before,
			 s->stored_before + t->stored))
		rc = 1;
	free(finished);
	return rc;
}

int session_exit_status(const struct session_tally *t)
{
	if (t->failed_to_run)
		return 1;
	if (t->stop)
		return 128 + t->stop;
	return t->failed ? 1 : 0;
}

void session_release(struct session *s)
{
	free(s->shard_of);
	free(s->plan);
	free(s->uuid);
	free(s->config);
	free(s->options);
	free(s->started);
	free(s->done);
	machine_fp_release(&s->fp);
	cells_release(s->cells, s->ncells);
	ngb_store_close(s->st);
	allocator_list_release(&s->plugins);
	experiment_release(&s->x);
	memset(s, 0, sizeof(*s));
}

static void print_summary(const struct session *s, const struct session_tally *t)
{
	const struct run_config *o = s->cfg;
	int n = t->ok + t->failed + t->skipped;

	printf("session %lld %s: %d trial%s in %.1f s: %d ok, %d failed, %d skipped%s\n",
	       (long long)s->id, t->status, n, n == 1 ? "" : "s", t->seconds, t->ok, t->failed,
	       t->skipped, o->warmup ? " (warm-up trials not counted)" : "");
	if (s->stored_before)
		printf("resumed: %d trial%s had been stored before\n", s->stored_before,
		       s->stored_before == 1 ? "" : "s");
	if (o->shard_n)
		printf("shard %d of %d of session %s (seed %llu)\n", o->shard_k, o->shard_n, s->uuid,
		       (unsigned long long)o->seed);
	printf("database: %s\n", ngb_store_path(s->st));
	printf("report:   ngbench report %lld%s%s\n", (long long)s->id, o->db ? " --db=" : "",
	       o->db ? o->db : "");
}

int engine_run(struct run_config *cfg)
{
	struct session s;
	struct session_tally t;
	struct resume r;
	int rc;

	memset(&r, 0, sizeof(r));
	if (cfg->resume && (rc = resume_load(cfg, &r)))
		goto out_resume;
	rc = session_plan(&s, cfg);
	if (rc)
		goto out;
	if (cfg->dry_run) {
		session_print_plan(&s);
		goto out;
	}
	rc = cfg->resume ? resume_attach(&s, &r) : session_open(&s);
	if (rc)
		goto out;
	rc = session_run(&s, &t);
	if (session_close(&s, &t))
		rc = 1;
	print_summary(&s, &t);
	if (t.stop && !t.failed_to_run)
		fprintf(stderr, "ngbench: interrupted by %s; the finished trials are stored\n",
			strsignal(t.stop));
	if (!rc)
		rc = session_exit_status(&t);
	else if (t.stop && !t.failed_to_run)
		rc = 128 + t.stop;
out:
	session_release(&s);
out_resume:
	resume_release(&r);
	return rc;
}
