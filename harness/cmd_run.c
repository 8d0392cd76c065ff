/*
 * harness/cmd_run.c - ngbench run: expands allocators x workloads x thread
 * counts into cells, runs warm-up and measured rounds with the cells of each
 * round in a shuffled order seeded by the session (so that drift on a noisy
 * machine hits every allocator alike), and commits every trial the moment it
 * ends.
 *
 * Every input is checked before the session row is written: a bad name or
 * value leaves the database untouched.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
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

#include "internal.h"
#include "ngbench/store.h"

static const char run_usage[] =
	"usage: ngbench run [OPTIONS] --workload=LIST\n"
	"   or: ngbench run [OPTIONS] -- COMMAND [ARGS...]\n"
	"\n"
	"Runs each allocator on each workload (or on COMMAND, timed by wall clock), one\n"
	"child process per trial, and stores every trial in the database as it ends.\n"
	"\n"
	"What to run:\n"
	"  -a, --allocator=LIST   allocator names, 'all' (every available one; the default)\n"
	"                         or the path of any malloc library (/path/libfoo.so);\n"
	"                         comma-separated\n"
	"  -w, --workload=LIST    registered workload names or 'all'; comma-separated\n"
	"  -p, --preset=NAME      quick (~1 s), standard (~10 s) or full (~60 s); default quick\n"
	"  -t, --threads=LIST     thread counts to sweep, e.g. 1,2,4 (workloads with a\n"
	"                         thread parameter)\n"
	"  -s, --set NAME=VALUE   set a workload parameter (repeatable); checked against the\n"
	"                         registry ('ngbench list workloads --format=json')\n"
	"  -- COMMAND [ARGS...]   run any program instead; its metric is wall seconds\n"
	"\n"
	"How:\n"
	"  -r, --repetitions=N    measured trials per cell (default 5; this is a noisy\n"
	"                         world, one trial proves nothing)\n"
	"      --warmup=N         warm-up rounds run first and stored as warm-up, not\n"
	"                         counted in reports (default 0)\n"
	"      --timeout=SECONDS  per trial; the trial's process group is killed after it\n"
	"                         (default 600; 0 for none)\n"
	"      --cpus=LIST        pin the children to these CPUs, e.g. 0 or 0-1\n"
	"      --seed=N           seed of the trial order (default: from the clock; stored)\n"
	"      --show-output      copy each trial's output to ours after it ends\n"
	"\n"
	"Counters (see 'ngbench perfmon' for what this machine can count):\n"
	"      --counters=MODE    hw (default: PMU and software events with perf_event_open),\n"
	"                         sim (run under valgrind's cachegrind with a declared cache\n"
	"                         geometry: deterministic, 20-100x slower) or none\n"
	"      --events=LIST      events for hw (default: the NextGen-Malloc paper's Table 1\n"
	"                         set plus task-clock and cpu-migrations)\n"
	"      --cache=GEOMETRY   for sim: client (default), server, dtlb-client, dtlb-server,\n"
	"                         or sizes such as I1=32K,8,64:D1=48K,12,64:LL=32M,16,64\n"
	"  -q, --quiet            no progress line (there is none unless stderr is a terminal)\n"
	"\n"
	"Where:\n"
	"  -l, --label=TEXT       a label for the session, for 'ngbench report LABEL'\n"
	"      --db=PATH          the database (default $NGBENCH_DB, else data/ngbench.db in\n"
	"                         the build tree, or ~/.local/share/ngbench/ngbench.db when\n"
	"                         installed)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 when every trial succeeded, 1 when any failed, 2 for bad usage,\n"
	"128+N when interrupted by signal N (finished trials stay stored).\n"
	"\n"
	"Examples:\n"
	"  ngbench run -w larson,xmalloc -t 1,2 -r 5\n"
	"  ngbench run -a jemalloc,mimalloc -w xalanc --preset=standard --label=nightly\n"
	"  ngbench run -a all -r 3 -- python3 -c 'x = [str(i) for i in range(10**6)]'\n";

struct run_opts {
	struct strvec allocators;
	struct strvec workloads;
	struct strvec sets;
	struct strvec threads;
	enum ngb_preset preset;
	long repetitions;
	long warmup;
	double timeout_s;
	int have_cpus;
	unsigned char cpus[128];
	int have_seed;
	uint64_t seed;
	const char *label;
	const char *db;
	int show_output;
	int quiet;
	enum ngb_counters_mode counters;
	const char *events;
	const char *cache;
	struct ngb_cache_geometry geometry;
	int ncommand;
	const char **command;
};

struct cell {
	const struct ngb_workload *wl; /* NULL: a command */
	struct allocator *alloc;
	struct strvec argv;
	char *params_json;
	int threads;
	char *title;
};

/* splitmix64: a small, well-mixed generator for the trial order. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void shuffle(int *order, int n, uint64_t seed, int round)
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

static void print_names_hint(const char *what, const char *bad, const char *const *names, size_t n)
{
	const char *guess = closest_name(bad, names, n);
	size_t i;

	if (guess)
		fprintf(stderr, "Did you mean '%s'?\n", guess);
	fprintf(stderr, "Valid %s:", what);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i ? "," : "", names[i]);
	fprintf(stderr, "\n");
}

/* Resolves --allocator into a list of available allocators; 2 on bad input. */
static int resolve_allocators(struct run_opts *o, struct allocator_list *plugins,
			      struct allocator ***out, size_t *nout)
{
	struct allocator **sel = NULL;
	size_t nsel = 0, i, j;

	if (o->allocators.n == 0)
		strvec_push(&o->allocators, "all");
	for (i = 0; i < o->allocators.n; i++) {
		const char *name = o->allocators.v[i];

		if (!strcmp(name, "all")) {
			allocators_probe_all(plugins);
			for (j = 0; j < plugins->n; j++) {
				struct allocator *a = plugins->v[j];

				if (!a->available) {
					warning("skipping allocator '%s': %s%s%s", a->name, a->reason,
						a->fix ? "; fix: " : "", a->fix ? a->fix : "");
					continue;
				}
				sel = xrealloc(sel, (nsel + 1) * sizeof(*sel));
				sel[nsel++] = a;
			}
			continue;
		}
		if (strchr(name, '/')) {
			struct allocator *a;

			if (access(name, R_OK) != 0) {
				free(sel);
				return usage_error("run", "cannot read malloc library '%s': %s", name,
						   strerror(errno));
			}
			a = allocator_from_library(name);
			allocator_probe(a);
			if (!a->available) {
				usage_error("run", "cannot use '%s': %s", name, a->reason);
				allocator_free(a);
				free(sel);
				return 2;
			}
			/* owned by the plugin list from now on */
			plugins->v = xrealloc(plugins->v, (plugins->n + 1) * sizeof(*plugins->v));
			plugins->v[plugins->n++] = a;
			sel = xrealloc(sel, (nsel + 1) * sizeof(*sel));
			sel[nsel++] = a;
			continue;
		}
		{
			struct allocator *a = allocator_find(plugins, name);

			if (!a) {
				const char **names = xcalloc(plugins->n + 1, sizeof(*names));

				for (j = 0; j < plugins->n; j++)
					names[j] = plugins->v[j]->name;
				error("unknown allocator '%s'", name);
				print_names_hint("allocators", name, names, plugins->n);
				fprintf(stderr, "'ngbench list allocators' shows them with their status; "
						"a malloc library can also be given by path.\n");
				free(names);
				free(sel);
				return 2;
			}
			allocator_probe(a);
			if (!a->available) {
				error("allocator '%s' is unavailable: %s", a->name, a->reason);
				if (a->fix)
					fprintf(stderr, "fix: %s\n", a->fix);
				free(sel);
				return 2;
			}
			sel = xrealloc(sel, (nsel + 1) * sizeof(*sel));
			sel[nsel++] = a;
		}
	}
	/* drop duplicates, keeping the first */
	for (i = 0; i < nsel; i++)
		for (j = i + 1; j < nsel;)
			if (sel[j] == sel[i])
				memmove(&sel[j], &sel[j + 1], (--nsel - j) * sizeof(*sel));
			else
				j++;
	if (nsel == 0) {
		free(sel);
		return usage_error("run", "no allocator is available: see 'ngbench list allocators'");
	}
	*out = sel;
	*nout = nsel;
	return 0;
}

static int resolve_workloads(struct run_opts *o, const struct ngb_workload ***out, size_t *nout)
{
	const struct ngb_workload **sel = NULL, *wl;
	size_t nsel = 0, i, j, nall = 0;

	for (wl = ngb_workloads; wl->name; wl++)
		nall++;
	for (i = 0; i < o->workloads.n; i++) {
		const char *name = o->workloads.v[i];

		if (!strcmp(name, "all")) {
			for (wl = ngb_workloads; wl->name; wl++) {
				if (!workload_available(wl, NULL)) {
					warning("skipping workload '%s': not built here; fix: %s", wl->name,
						wl->unavailable_fix ? wl->unavailable_fix
								    : "rebuild ngbench (make)");
					continue;
				}
				sel = xrealloc(sel, (nsel + 1) * sizeof(*sel));
				sel[nsel++] = wl;
			}
			continue;
		}
		wl = ngb_workload_find(name);
		if (!wl) {
			const char **names = xcalloc(nall + 1, sizeof(*names));

			for (j = 0; j < nall; j++)
				names[j] = ngb_workloads[j].name;
			error("unknown workload '%s'", name);
			print_names_hint("workloads", name, names, nall);
			fprintf(stderr, "Any program can be run instead: ngbench run [OPTIONS] -- COMMAND [ARGS...]\n");
			free(names);
			free(sel);
			return 2;
		}
		if (!workload_available(wl, NULL)) {
			error("workload '%s' is not built here", wl->name);
			fprintf(stderr, "fix: %s\n",
				wl->unavailable_fix ? wl->unavailable_fix : "rebuild ngbench (make)");
			free(sel);
			return 2;
		}
		sel = xrealloc(sel, (nsel + 1) * sizeof(*sel));
		sel[nsel++] = wl;
	}
	for (i = 0; i < nsel; i++)
		for (j = i + 1; j < nsel;)
			if (sel[j] == sel[i])
				memmove(&sel[j], &sel[j + 1], (--nsel - j) * sizeof(*sel));
			else
				j++;
	if (nsel == 0) {
		free(sel);
		return usage_error("run", "no workload is available: see 'ngbench list workloads'");
	}
	*out = sel;
	*nout = nsel;
	return 0;
}

/* Checks one parameter value against the registry; prints and returns -1 if bad. */
static int check_param(const struct ngb_workload *wl, const struct ngb_workload_param *p,
		       const char *value)
{
	char why[256];
	double num;

	if (ngb_workload_param_parse(p, value, &num, why, sizeof(why)))
		return error("%s: parameter '%s': %s", wl->name, p->name, why);
	return 0;
}

static int param_index(const struct ngb_workload *wl, const char *name)
{
	int i;

	for (i = 0; wl->params[i].name; i++)
		if (!strcmp(wl->params[i].name, name))
			return i;
	return -1;
}

/* Applies "a=1 b=2" (a preset) or a single "a=1" (--set) onto values. */
static int apply_pairs(const struct ngb_workload *wl, char **values, const char *pairs,
		       int must_exist)
{
	struct strvec sv = STRVEC_INIT;
	size_t i;
	int rc = 0;

	strvec_split(&sv, pairs, ' ');
	for (i = 0; i < sv.n && rc == 0; i++) {
		char *eq = strchr(sv.v[i], '=');
		int k;

		if (!eq) {
			rc = error("%s: '%s' is not NAME=VALUE", wl->name, sv.v[i]);
			break;
		}
		*eq = '\0';
		k = param_index(wl, sv.v[i]);
		if (k < 0) {
			if (must_exist)
				rc = error("%s has no parameter '%s'", wl->name, sv.v[i]);
			continue;
		}
		if (check_param(wl, &wl->params[k], eq + 1)) {
			rc = -1;
			break;
		}
		free(values[k]);
		values[k] = xstrdup(eq + 1);
	}
	strvec_clear(&sv);
	return rc;
}

static void add_cell(struct cell **cells, size_t *n, struct cell *c)
{
	*cells = xrealloc(*cells, (*n + 1) * sizeof(**cells));
	(*cells)[(*n)++] = *c;
}

static int build_workload_cells(struct run_opts *o, const struct ngb_workload *wl,
				struct allocator **allocs, size_t nalloc, struct cell **cells,
				size_t *ncells)
{
	size_t np = 0, i, a, t;
	char **values;
	char *program;
	int rc = 0;

	for (np = 0; wl->params[np].name; np++)
		;
	values = xcalloc(np + 1, sizeof(*values));
	for (i = 0; i < np; i++)
		values[i] = xstrdup(wl->params[i].def);
	if (wl->presets[o->preset] && apply_pairs(wl, values, wl->presets[o->preset], 1))
		rc = -1;
	for (i = 0; i < o->sets.n && rc == 0; i++)
		if (apply_pairs(wl, values, o->sets.v[i], 0))
			rc = -1;
	if (rc == 0 && o->threads.n && !wl->threads_param)
		warning("workload '%s' has no thread parameter: --threads does not apply to it",
			wl->name);
	workload_available(wl, &program);
	for (t = 0; rc == 0 && t < (o->threads.n && wl->threads_param ? o->threads.n : 1); t++) {
		int ti = wl->threads_param ? param_index(wl, wl->threads_param) : -1;
		struct strbuf title = STRBUF_INIT;
		json_t *pj;
		char *pjs;

		if (ti >= 0 && o->threads.n) {
			if (check_param(wl, &wl->params[ti], o->threads.v[t])) {
				rc = -1;
				break;
			}
			free(values[ti]);
			values[ti] = xstrdup(o->threads.v[t]);
		}
		pj = json_object();
		for (i = 0; i < np; i++)
			json_object_set_new(pj, wl->params[i].name, json_string(values[i]));
		pjs = json_dumps(pj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_SORT_KEYS);
		json_decref(pj);
		strbuf_adds(&title, wl->name);
		if (ti >= 0)
			strbuf_addf(&title, " threads=%s", values[ti]);
		for (a = 0; a < nalloc; a++) {
			struct cell c;

			memset(&c, 0, sizeof(c));
			c.wl = wl;
			c.alloc = allocs[a];
			strvec_push(&c.argv, program);
			for (i = 0; i < np; i++)
				strvec_pushf(&c.argv, "--%s=%s", wl->params[i].name, values[i]);
			c.params_json = xstrdup(pjs);
			c.threads = ti >= 0 ? atoi(values[ti]) : 0;
			c.title = xasprintf("%s / %s", allocs[a]->name, strbuf_str(&title));
			add_cell(cells, ncells, &c);
		}
		free(pjs);
		strbuf_release(&title);
	}
	free(program);
	for (i = 0; i < np; i++)
		free(values[i]);
	free(values);
	return rc;
}

/* Every --set must name a parameter of at least one selected workload. */
static int check_sets(struct run_opts *o, const struct ngb_workload **wls, size_t nwl)
{
	size_t i, j;

	for (i = 0; i < o->sets.n; i++) {
		const char *s = o->sets.v[i];
		const char *eq = strchr(s, '=');
		char *name;
		int found = 0;

		if (!eq || eq == s)
			return usage_error("run", "--set takes NAME=VALUE, not '%s'", s);
		if (strchr(s, ' '))
			return usage_error("run", "--set takes one NAME=VALUE without spaces, not '%s'", s);
		name = strndup(s, (size_t)(eq - s));
		for (j = 0; j < nwl; j++)
			found |= param_index(wls[j], name) >= 0;
		if (!found) {
			error("no selected workload has a parameter '%s'", name);
			for (j = 0; j < nwl; j++) {
				int k;

				fprintf(stderr, "%s parameters:", wls[j]->name);
				for (k = 0; wls[j]->params[k].name; k++)
					fprintf(stderr, " %s", wls[j]->params[k].name);
				fprintf(stderr, "\n");
			}
			free(name);
			return 2;
		}
		free(name);
	}
	return 0;
}

static void cells_release(struct cell *cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		strvec_clear(&cells[i].argv);
		free(cells[i].params_json);
		free(cells[i].title);
	}
	free(cells);
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

static char *config_json(const struct run_opts *o, struct allocator **allocs, size_t nalloc,
			 const struct ngb_workload **wls, size_t nwl)
{
	json_t *j, *a = json_array(), *w = json_array();
	char *s;
	size_t i;

	for (i = 0; i < nalloc; i++)
		json_array_append_new(a, json_pack("{s:s, s:s?, s:s?}", "name", allocs[i]->name,
						   "version", allocs[i]->version,
						   "library", allocs[i]->library));
	for (i = 0; i < nwl; i++)
		json_array_append_new(w, json_string(wls[i]->name));
	{
		char geo[256] = "";

		if (o->counters == NGB_COUNTERS_SIM)
			ngb_cache_geometry_format(&o->geometry, geo, sizeof(geo));
		j = json_pack("{s:i, s:i, s:f, s:s, s:o, s:o, s:b, s:s, s:s?, s:s?}",
			      "repetitions", (int)o->repetitions, "warmup", (int)o->warmup,
			      "timeout_s", o->timeout_s, "preset", ngb_preset_name(o->preset),
			      "allocators", a, "workloads", w, "pinned", o->have_cpus,
			      "counters", ngb_counters_mode_name(o->counters),
			      "events", o->counters == NGB_COUNTERS_HW
					? (o->events ? o->events : ngb_perfmon_default_events) : NULL,
			      "cache_geometry", geo[0] ? geo : NULL);
	}
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/* Decides the trial's final status from what the runner saw. */
static void judge(const struct cell *c, struct trial_outcome *out)
{
	int ran = out->status == TRIAL_OK || out->status == TRIAL_FAILED ||
		  out->status == TRIAL_SKIPPED || out->status == TRIAL_SIGNAL;

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

static int store_trial(struct ngb_store *st, int64_t sid, const struct cell *c, int seq,
		       int round, int rep, int warm, const char *started,
		       const struct trial_outcome *out)
{
	struct ngb_trial_row t;
	struct ngb_result_pair *res;
	struct ngb_err e;
	struct strbuf argv_text = STRBUF_INIT;
	int nres = 0, i, rc;
	size_t k;

	memset(&t, 0, sizeof(t));
	for (k = 0; k < c->argv.n; k++) {
		if (k)
			strbuf_addch(&argv_text, ' ');
		strbuf_add_shell_quoted(&argv_text, c->argv.v[k]);
	}
	res = xcalloc((size_t)out->record.nextra + out->alloc_stats.n + 1, sizeof(*res));
	for (i = 0; i < out->record.nextra; i++) {
		res[nres].key = out->record.keys[i];
		res[nres].value = out->record.values[i];
		res[nres].is_number = parse_double(out->record.values[i], &res[nres].number) == 0;
		nres++;
	}
	for (k = 0; k < out->alloc_stats.n; k++) {
		char *eq = strchr(out->alloc_stats.v[k], '=');

		*eq = '\0';
		res[nres].key = xasprintf("alloc.%s", out->alloc_stats.v[k]);
		res[nres].value = eq + 1;
		res[nres].is_number = parse_double(eq + 1, &res[nres].number) == 0;
		nres++;
	}
	t.session_id = sid;
	t.seq = seq;
	t.round = round;
	t.repetition = rep;
	t.warmup = warm;
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
	if (c->wl) {
		t.metric = c->wl->metric;
		t.metric_unit = c->wl->unit;
		t.higher_is_better = c->wl->higher_is_better;
		if (out->status == TRIAL_OK) {
			t.has_metric_value = 1;
			t.metric_value = out->record.value;
		}
	} else {
		t.metric = "wall";
		t.metric_unit = "s";
		t.higher_is_better = 0;
		if (out->status == TRIAL_OK) {
			t.has_metric_value = 1;
			t.metric_value = out->wall_s;
		}
	}
	t.stderr_tail = out->stderr_tail;
	t.started_at = started;
	t.results = res;
	t.nresults = nres;
	if (out->ncounters) {
		struct ngb_counter_row *rows = xcalloc(out->ncounters, sizeof(*rows));

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
		t.counters = rows;
		t.ncounters = (int)out->ncounters;
	}
	rc = ngb_store_trial_add(st, &t, NULL, &e);
	free((void *)t.counters);
	if (rc)
		error("%s", e.msg);
	for (i = out->record.nextra; i < nres; i++)
		free((char *)res[i].key);
	free(res);
	strbuf_release(&argv_text);
	return rc;
}

static int parse_run_options(int argc, const char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "allocator", required_argument, NULL, 'a' },
		{ "workload", required_argument, NULL, 'w' },
		{ "preset", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "set", required_argument, NULL, 's' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "seed", required_argument, NULL, 'S' },
		{ "label", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'D' },
		{ "show-output", no_argument, NULL, 'O' },
		{ "counters", required_argument, NULL, 'K' },
		{ "events", required_argument, NULL, 'E' },
		{ "cache", required_argument, NULL, 'G' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->repetitions = 5;
	o->timeout_s = 600;
	o->counters = NGB_COUNTERS_HW;
	o->preset = NGB_PRESET_QUICK;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, (char *const *)argv, "+:a:w:p:t:s:r:l:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			strvec_split(&o->allocators, optarg, ',');
			if (!*optarg)
				return usage_error("run", "--allocator needs a name");
			break;
		case 'w':
			strvec_split(&o->workloads, optarg, ',');
			if (!*optarg)
				return usage_error("run", "--workload needs a name");
			break;
		case 'p':
			if (ngb_preset_parse(optarg, &o->preset))
				return usage_error("run", "unknown preset '%s': give quick, standard or full",
						   optarg);
			break;
		case 't': {
			struct strvec sv = STRVEC_INIT;
			size_t i;
			long v;

			strvec_split(&sv, optarg, ',');
			if (!sv.n) {
				strvec_clear(&sv);
				return usage_error("run", "--threads needs a list such as 1,2,4");
			}
			for (i = 0; i < sv.n; i++) {
				if (parse_long_opt("--threads", sv.v[i], 1, 4096, &v)) {
					strvec_clear(&sv);
					return 2;
				}
				strvec_pushf(&o->threads, "%ld", v);
			}
			strvec_clear(&sv);
			break;
		}
		case 's':
			strvec_push(&o->sets, optarg);
			break;
		case 'r':
			if (parse_long_opt("--repetitions", optarg, 1, 100000, &o->repetitions))
				return 2;
			break;
		case 'W':
			if (parse_long_opt("--warmup", optarg, 0, 1000, &o->warmup))
				return 2;
			break;
		case 'T':
			if (parse_double_opt("--timeout", optarg, 0, 1e7, &o->timeout_s))
				return 2;
			break;
		case 'C':
			if (parse_cpu_list(optarg, o->cpus))
				return usage_error("run", "option '--cpus' takes a CPU list such as 0 or "
						   "0,2-3, not '%s'", optarg);
			o->have_cpus = 1;
			break;
		case 'S': {
			long v;

			if (parse_long_opt("--seed", optarg, 0, LONG_MAX, &v))
				return 2;
			o->seed = (uint64_t)v;
			o->have_seed = 1;
			break;
		}
		case 'l':
			o->label = optarg;
			break;
		case 'D':
			o->db = optarg;
			break;
		case 'O':
			o->show_output = 1;
			break;
		case 'K': {
			struct ngb_err e;

			if (ngb_counters_mode_parse(optarg, &o->counters, &e))
				return usage_error("run", "%s", e.msg);
			break;
		}
		case 'E':
			o->events = optarg;
			break;
		case 'G':
			o->cache = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		case ':':
			return usage_error("run", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		o->command = argv + optind;
		o->ncommand = argc - optind;
	}
	if (o->ncommand && o->workloads.n)
		return usage_error("run", "give either --workload or -- COMMAND, not both");
	if (!o->ncommand && !o->workloads.n)
		return usage_error("run", "nothing to run: give --workload=NAME (see 'ngbench list "
				   "workloads') or -- COMMAND [ARGS...]");
	if (o->ncommand && (o->sets.n || o->threads.n))
		return usage_error("run", "--set and --threads apply to registered workloads, not "
				   "to a command");
	if (o->events && o->counters != NGB_COUNTERS_HW)
		return usage_error("run", "--events applies to --counters=hw");
	if (o->cache && o->counters != NGB_COUNTERS_SIM)
		return usage_error("run", "--cache applies to --counters=sim");
	if (o->counters == NGB_COUNTERS_SIM) {
		struct ngb_err e;
		char path[4096];

		if (ngb_cache_geometry_parse(o->cache ? o->cache : "client", &o->geometry, &e))
			return usage_error("run", "%s", e.msg);
		if (ngb_sim_find_valgrind(path, sizeof(path), &e))
			return usage_error("run", "--counters=sim needs valgrind: %s", e.msg);
	}
	return 0;
}

static void release_opts(struct run_opts *o)
{
	strvec_clear(&o->allocators);
	strvec_clear(&o->workloads);
	strvec_clear(&o->sets);
	strvec_clear(&o->threads);
}

int cmd_run(int argc, const char **argv)
{
	struct run_opts o;
	struct allocator_list plugins;
	struct allocator **allocs = NULL;
	const struct ngb_workload **wls = NULL;
	size_t nalloc = 0, nwl = 0, ncells = 0, i;
	struct cell *cells = NULL;
	struct ngb_store *st = NULL;
	struct ngb_perfmon *pm = NULL;
	struct ngb_session_info si;
	struct ngb_err e;
	struct utsname un;
	struct progress prog;
	int64_t sid = 0;
	int rc, round, nrounds, seq = 0, nok = 0, nfailed = 0, nskipped = 0, total;
	int *order = NULL, stop = 0;
	char *cmdline = NULL, *cpu = NULL, *os = NULL, *started = NULL, *cfg = NULL, *kernel = NULL;
	const char *dbpath;
	double t0;

	memset(&o, 0, sizeof(o));
	memset(&plugins, 0, sizeof(plugins));
	rc = parse_run_options(argc, argv, &o);
	if (rc) {
		release_opts(&o);
		return rc < 0 ? 0 : rc;
	}

	allocators_discover(&plugins);
	for (i = 0; i < plugins.load_errors.n; i++)
		warning("%s", plugins.load_errors.v[i]);
	rc = resolve_allocators(&o, &plugins, &allocs, &nalloc);
	if (rc)
		goto out;
	if (access(ngb_paths()->witness, R_OK) != 0) {
		rc = 1;
		error("the witness library '%s' is missing: rebuild ngbench (make)",
		      ngb_paths()->witness);
		goto out;
	}
	if (o.ncommand) {
		for (i = 0; i < nalloc; i++) {
			struct cell c;
			int k;

			memset(&c, 0, sizeof(c));
			c.alloc = allocs[i];
			for (k = 0; k < o.ncommand; k++)
				strvec_push(&c.argv, o.command[k]);
			c.params_json = xstrdup("{}");
			c.title = xasprintf("%s / %s", allocs[i]->name, o.command[0]);
			add_cell(&cells, &ncells, &c);
		}
	} else {
		rc = resolve_workloads(&o, &wls, &nwl);
		if (rc)
			goto out;
		rc = check_sets(&o, wls, nwl);
		if (rc)
			goto out;
		for (i = 0; i < nwl; i++) {
			if (build_workload_cells(&o, wls[i], allocs, nalloc, &cells, &ncells)) {
				rc = 2;
				fprintf(stderr, "Try 'ngbench list workloads --format=json' for the parameters.\n");
				goto out;
			}
		}
	}

	/* Unknown event names are bad input too: check them before the session. */
	if (o.counters == NGB_COUNTERS_HW) {
		struct ngb_perfmon_config pc = { .events = o.events, .user_only = -1 };
		struct ngb_perfmon *check;

		if (ngb_perfmon_new(&check, &pc, &e)) {
			rc = usage_error("run", "%s", e.msg);
			goto out;
		}
		ngb_perfmon_free(check);
	}

	/* Everything checked: now the database. */
	dbpath = ngb_db_path(o.db);
	if (make_parent_dir(dbpath)) {
		rc = 1;
		goto out;
	}
	if (ngb_store_open(&st, dbpath, NGB_STORE_CREATE, &e)) {
		rc = error("%s", e.msg) ? 1 : 1;
		goto out;
	}
	if (!o.have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		o.seed = ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^
			 ((uint64_t)getpid() << 32);
		o.seed &= 0x7fffffffffffffffULL; /* stored as a signed SQLite integer */
	}
	uname(&un);
	cmdline = shell_join(argc + 1, argv - 1);
	cpu = machine_cpu_model();
	os = machine_os();
	started = now_iso8601();
	cfg = config_json(&o, allocs, nalloc, wls, nwl);
	kernel = xasprintf("%s %s", un.sysname, un.release);
	memset(&si, 0, sizeof(si));
	si.started_at = started;
	si.host = un.nodename;
	si.cpu_model = cpu;
	si.cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	si.kernel = kernel;
	si.os = os;
	si.libc = gnu_get_libc_version();
	si.ngbench_version = PACKAGE_VERSION;
	si.git_commit = ngb_git_commit();
	si.command_line = cmdline;
	si.label = o.label;
	si.seed = o.seed;
	si.config_json = cfg;
	if (ngb_store_session_begin(st, &si, &sid, &e)) {
		rc = error("%s", e.msg) ? 1 : 1;
		goto out;
	}

	runner_install_signal_handlers();
	if (o.counters == NGB_COUNTERS_HW) {
		struct ngb_perfmon_config pc = { .events = o.events, .user_only = -1 };

		if (ngb_perfmon_new(&pm, &pc, &e)) {
			/* checked before the session too; here only if the machine changed */
			rc = error("%s", e.msg) ? 1 : 1;
			goto out;
		}
	}
	nrounds = (int)(o.warmup + o.repetitions);
	total = nrounds * (int)ncells;
	progress_init(&prog, total);
	if (o.quiet)
		prog.enabled = 0;
	order = xcalloc(ncells, sizeof(*order));
	t0 = monotonic_seconds();
	for (round = 1; round <= nrounds && !stop; round++) {
		int warm = round <= o.warmup;
		int rep = warm ? 0 : round - (int)o.warmup;

		shuffle(order, (int)ncells, o.seed, round);
		for (i = 0; i < ncells && !stop; i++) {
			struct cell *c = &cells[order[i]];
			struct trial_spec spec;
			struct trial_outcome out;
			char *title, *tstart;
			size_t k;

			title = warm ? xasprintf("%s (warm-up %d/%ld)", c->title, round, o.warmup)
				     : xasprintf("%s (rep %d/%ld)", c->title, rep, o.repetitions);
			progress_show(&prog, seq, title);
			memset(&spec, 0, sizeof(spec));
			for (k = 0; k < c->argv.n; k++)
				strvec_push(&spec.argv, c->argv.v[k]);
			for (k = 0; k < c->alloc->env.n; k++)
				strvec_push(&spec.env, c->alloc->env.v[k]);
			spec.preload = allocator_preload(c->alloc, ngb_paths()->witness);
			spec.witness = 1;
			spec.timeout_s = o.timeout_s;
			spec.cpus = o.have_cpus ? o.cpus : NULL;
			spec.stats_env = c->alloc->stats_env ? xstrdup(c->alloc->stats_env) : NULL;
			spec.show_output = o.show_output;
			spec.pm = pm;
			spec.sim = o.counters == NGB_COUNTERS_SIM ? &o.geometry : NULL;
			tstart = now_iso8601();
			if (run_trial(&spec, &out)) {
				/* could not even start a child: the machine is in trouble */
				trial_spec_release(&spec);
				free(title);
				free(tstart);
				stop = 1;
				rc = 1;
				break;
			}
			trial_spec_release(&spec);
			judge(c, &out);
			seq++;
			if (store_trial(st, sid, c, seq, round, rep, warm, tstart, &out)) {
				/* the trial could not be kept: stop rather than lose more */
				trial_outcome_release(&out);
				free(title);
				free(tstart);
				stop = 1;
				rc = 1;
				break;
			}
			if (out.status == TRIAL_INTERRUPTED) {
				stop = out.interrupted_by ? out.interrupted_by : SIGINT;
			} else if (!warm) {
				if (out.status == TRIAL_OK)
					nok++;
				else if (out.status == TRIAL_SKIPPED)
					nskipped++;
				else
					nfailed++;
			}
			if (out.status != TRIAL_OK && out.status != TRIAL_INTERRUPTED) {
				progress_clear(&prog);
				fprintf(stderr, "ngbench: trial %d %s %s: %s\n", seq, title,
					out.status == TRIAL_SKIPPED ? "skipped" : "failed", out.reason);
				if (out.stderr_tail && out.status != TRIAL_SKIPPED) {
					char *p, *line = out.stderr_tail, *save = NULL;

					for (p = strtok_r(line, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
						fprintf(stderr, "    | %s\n", p);
				}
			}
			trial_outcome_release(&out);
			free(title);
			free(tstart);
			if (ngb_stop_signal && !stop)
				stop = ngb_stop_signal;
		}
	}
	progress_clear(&prog);
	{
		char *finished = now_iso8601();
		const char *status = stop && rc == 0 ? "interrupted" : rc ? "failed" : "complete";

		if (ngb_store_session_end(st, sid, finished, status, &e))
			rc = error("%s", e.msg) ? 1 : 1;
		free(finished);
		printf("session %lld %s: %d trial%s in %.1f s: %d ok, %d failed, %d skipped%s\n",
		       (long long)sid, status, nok + nfailed + nskipped,
		       nok + nfailed + nskipped == 1 ? "" : "s", monotonic_seconds() - t0, nok,
		       nfailed, nskipped, o.warmup ? " (warm-up trials not counted)" : "");
		printf("database: %s\n", ngb_store_path(st));
		printf("report:   ngbench report %lld%s%s\n", (long long)sid,
		       o.db ? " --db=" : "", o.db ? o.db : "");
	}
	if (stop && rc == 0) {
		fprintf(stderr, "ngbench: interrupted by %s; the finished trials are stored\n",
			strsignal(stop));
		rc = 128 + stop;
	} else if (rc == 0 && nfailed) {
		rc = 1;
	}

out:
	ngb_perfmon_free(pm);
	free(order);
	free(cmdline);
	free(cpu);
	free(os);
	free(started);
	free(cfg);
	free(kernel);
	cells_release(cells, ncells);
	free(allocs);
	free(wls);
	ngb_store_close(st);
	allocator_list_release(&plugins);
	release_opts(&o);
	return rc;
}
