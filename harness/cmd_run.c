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

#include <ctype.h>
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
#include "ngbench/utf8.h"
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
	"                         comma-separated; -NAME leaves one out (all,-hoard);\n"
	"                         NAME+VAR=VALUE[+VAR=VALUE] is a variant with its own\n"
	"                         environment knobs (jemalloc+MALLOC_CONF=narenas:1)\n"
	"  -w, --workload=LIST    registered workload names or 'all'; comma-separated\n"
	"  -p, --preset=NAME      quick (~1 s), standard (~10 s) or full (~60 s); default quick\n"
	"  -t, --threads=LIST     thread counts to sweep, e.g. 1,2,4 (workloads with a\n"
	"                         thread parameter)\n"
	"  -s, --set NAME=VALUE   set a workload parameter (repeatable); checked against the\n"
	"                         registry ('ngbench list workloads --format=json')\n"
	"  -- COMMAND [ARGS...]   run any program instead; its metric is wall seconds,\n"
	"                         or what --metric reads from its output:\n"
	"      --metric=REGEX     for a command: a POSIX extended regular expression whose\n"
	"                         first group is the metric, matched against each line of\n"
	"                         its standard output; the last match counts; no match or\n"
	"                         not a number fails the trial\n"
	"      --better=higher|lower, --unit=UNIT, --metric-name=NAME (default 'metric')\n"
	"                         go with --metric; --better is required\n"
	"  -x, --experiment=NAME  run an experiment file: a name from 'ngbench list\n"
	"                         experiments' or the path of an INI file (see the README);\n"
	"                         --allocator and --repetitions may narrow it\n"
	"  -n, --dry-run          check everything and print the trials it would run\n"
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
	"      --shard=K/N        run only shard K of N of the session (cell groups g with\n"
	"                         g mod N = K-1); every shard needs the same --seed or\n"
	"                         --session-id; 'ngbench merge' joins them (docs/scale-out.md)\n"
	"      --session-id=UUID  the session's identity across databases (default: derived\n"
	"                         from the plan and seed with --shard, else random)\n"
	"      --show-output      copy each trial's output to ours after it ends\n"
	"      --profile[=N]      also N profile trials per cell (default 1), interleaved\n"
	"                         with the rest: the allocation profiler is preloaded in\n"
	"                         front of the allocator (calls, sizes, peak live bytes,\n"
	"                         cross-thread frees, sampled malloc/free latency); stored\n"
	"                         as kind 'profile', never counted as timings\n"
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
	"  ngbench run -a all -r 3 -- python3 -c 'x = [str(i) for i in range(10**6)]'\n"
	"  ngbench run -a glibc,mimalloc --metric='Throughput = *([0-9.]+)' --better=higher \\\n"
	"      --unit=ops/s -- ./larson 5 8 1000 5000 100 4141 2\n";

/* Long options without a letter. */
enum { OPT_SHARD = 0x100, OPT_SESSION_ID };

/* The options of the command line: session-wide ones, and one job (or an experiment). */
struct run_opts {
	struct job cli;             /* the job the command line describes */
	int have_preset, have_reps, have_counters;
	const char *experiment;
	long warmup;
	int have_warmup;
	double timeout_s;
	int have_timeout;
	int have_cpus;
	unsigned char cpus[128];
	int have_seed;
	uint64_t seed;
	const char *label;
	const char *db;
	int show_output;
	long profile;               /* profile trials per cell (0: none) */
	int quiet;
	int dry_run;
	int shard_k, shard_n;       /* --shard=K/N; 0/0 when not sharded */
	const char *session_id;
	struct machine_fp fp;       /* recorded with every trial */
};

struct cell {
	struct job *job;
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

/* Removes repeated pointers, keeping the first of each; returns the new count. */
static size_t drop_duplicates(void **v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n;)
			if (v[j] == v[i])
				memmove(&v[j], &v[j + 1], (--n - j) * sizeof(*v));
			else
				j++;
	return n;
}

/* Resolves --allocator into a list of available allocators; 2 on bad input. */
static int resolve_allocators(struct job *o, struct allocator_list *plugins,
			      struct allocator ***out, size_t *nout)
{
	struct allocator **sel = NULL;
	size_t nsel = 0, i, j;

	if (o->allocators.n == 0)
		strvec_push(&o->allocators, "all");
	for (i = 0; i < o->allocators.n; i++) {
		const char *name = o->allocators.v[i];

		if (name[0] == '-') {
			/* "all,-nextgen-sync": dropped from the selection below */
			if (!allocator_find(plugins, name + 1)) {
				free(sel);
				return usage_error("run", "cannot leave out unknown allocator '%s'",
						   name + 1);
			}
			continue;
		}
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
			char *why = NULL;

			if (library_path_check(name, o->allocators.n > 1, &why)) {
				usage_error("run", "%s", why);
				free(why);
				free(sel);
				return 2;
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
		if (strchr(name, '+')) {
			/* "jemalloc+MALLOC_CONF=narenas:1": a variant with its own knobs */
			struct allocator *a = allocator_find(plugins, name);

			if (!a) {
				char *why = NULL;

				a = allocator_variant(plugins, name, &why);
				if (!a) {
					usage_error("run", "%s", why);
					free(why);
					free(sel);
					return 2;
				}
			}
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
	/* drop duplicates, keeping the first, and the names given as -NAME */
	nsel = drop_duplicates((void **)sel, nsel);
	for (i = 0; i < o->allocators.n; i++) {
		if (o->allocators.v[i][0] != '-')
			continue;
		for (j = 0; j < nsel;)
			if (!strcmp(sel[j]->name, o->allocators.v[i] + 1))
				memmove(&sel[j], &sel[j + 1], (--nsel - j) * sizeof(*sel));
			else
				j++;
	}
	if (nsel == 0) {
		free(sel);
		return usage_error("run", "no allocator is available: see 'ngbench list allocators'");
	}
	*out = sel;
	*nout = nsel;
	return 0;
}

/* A group of workloads that a name selects ("real"); "user" is none. */
static int is_workload_group(const char *name)
{
	if (!strcmp(name, "user"))
		return 0;
	for (const struct ngb_workload *wl = ngb_workloads; wl->name; wl++)
		if (wl->group && !strcmp(wl->group, name))
			return 1;
	return 0;
}

static int resolve_workloads(struct job *o, const struct ngb_workload ***out, size_t *nout)
{
	const struct ngb_workload **sel = NULL, *wl;
	size_t nsel = 0, i, j, nall = 0;

	for (wl = ngb_workloads; wl->name; wl++)
		nall++;
	for (i = 0; i < o->workloads.n; i++) {
		const char *name = o->workloads.v[i];

		if (!strcmp(name, "all") || is_workload_group(name)) {
			/* "all": the benchmark programs; a group name: its members */
			for (wl = ngb_workloads; wl->name; wl++) {
				if (strcmp(name, "all") ? !wl->group || strcmp(wl->group, name)
							: wl->group != NULL)
					continue;
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
	nsel = drop_duplicates((void **)sel, nsel);
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

/* The index of a parameter in the registry entry, or -1. */
static int param_index(const struct ngb_workload *wl, const char *name)
{
	const struct ngb_workload_param *p = ngb_workload_param_find(wl, name);

	return p ? (int)(p - wl->params) : -1;
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

static int build_workload_cells(struct job *o, const struct ngb_workload *wl,
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
			if (json_object_set_new(pj, wl->params[i].name, ngb_json_text(values[i])))
				die("out of memory");
		pjs = json_dumps(pj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_SORT_KEYS);
		json_decref(pj);
		if (!pjs)
			die("out of memory");
		strbuf_adds(&title, wl->name);
		if (ti >= 0)
			strbuf_addf(&title, " threads=%s", values[ti]);
		for (a = 0; a < nalloc; a++) {
			struct cell c;

			memset(&c, 0, sizeof(c));
			c.job = o;
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
static int check_sets(struct job *o, const struct ngb_workload **wls, size_t nwl)
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

static char *config_json(const struct run_opts *o, const struct experiment *x,
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

/* Decides the trial's final status from what the runner saw. */
static void judge(const struct cell *c, struct trial_outcome *out, int prof)
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

static int store_trial(const struct run_opts *o, struct ngb_store *st, int64_t sid,
		       const struct cell *c, int seq, int round, int rep, int warm, int prof,
		       const char *started, struct trial_outcome *out)
{
	struct ngb_trial_row t;
	struct ngb_result_pair *res;
	struct ngb_err e;
	struct strbuf argv_text = STRBUF_INIT;
	int nres = 0, i, rc;
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
	res = xcalloc((size_t)out->record.nextra + out->alloc_stats.n + out->profile.pairs.n + 1,
		      sizeof(*res));
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
	for (k = 0; k < out->profile.pairs.n; k++) {
		char *eq = strchr(out->profile.pairs.v[k], '=');

		res[nres].key = xasprintf("profile.%.*s", (int)(eq - out->profile.pairs.v[k]),
					  out->profile.pairs.v[k]);
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
	} else if (c->job->metric.pattern) {
		t.metric = c->job->metric.name ? c->job->metric.name : "metric";
		t.metric_unit = c->job->metric.unit ? c->job->metric.unit : "";
		t.higher_is_better = c->job->metric.better;
		if (out->status == TRIAL_OK && out->has_cmd_metric) {
			t.has_metric_value = 1;
			t.metric_value = out->cmd_metric_value;
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
	t.rss_t_ms = out->rss.t_ms;
	t.rss_kb = out->rss.kb;
	t.nrss = (int)out->rss.n;
	t.kind = prof ? "profile" : "timing";
	if (out->profile.nbins) {
		struct ngb_hist_bin *bins = xcalloc(out->profile.nbins, sizeof(*bins));

		for (k = 0; k < out->profile.nbins; k++) {
			bins[k].name = out->profile.bins[k].name;
			bins[k].lo = out->profile.bins[k].lo;
			bins[k].hi = out->profile.bins[k].hi;
			bins[k].count = out->profile.bins[k].count;
		}
		t.hist = bins;
		t.nhist = (int)out->profile.nbins;
	}
	t.host = o->fp.host;
	t.shard = o->shard_k;
	t.machine = o->fp.id;
	t.env_knobs = knobs = env_knobs(&c->alloc->env);
	rc = ngb_store_trial_add(st, &t, NULL, &e);
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

static int parse_run_options(int argc, const char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "allocator", required_argument, NULL, 'a' },
		{ "workload", required_argument, NULL, 'w' },
		{ "experiment", required_argument, NULL, 'x' },
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
		{ "profile", optional_argument, NULL, 'P' },
		{ "counters", required_argument, NULL, 'K' },
		{ "events", required_argument, NULL, 'E' },
		{ "cache", required_argument, NULL, 'G' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "session-id", required_argument, NULL, OPT_SESSION_ID },
		{ "metric", required_argument, NULL, 'M' },
		{ "better", required_argument, NULL, 'B' },
		{ "unit", required_argument, NULL, 'U' },
		{ "metric-name", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct job *j = &o->cli;
	int c;

	job_init(j, "command-line");
	o->timeout_s = 600;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, (char *const *)argv, "+:a:w:x:p:t:s:r:l:qnh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			strvec_split(&j->allocators, optarg, ',');
			if (!*optarg)
				return usage_error("run", "--allocator needs a name");
			break;
		case 'w':
			strvec_split(&j->workloads, optarg, ',');
			if (!*optarg)
				return usage_error("run", "--workload needs a name");
			break;
		case 'x':
			o->experiment = optarg;
			break;
		case 'p':
			if (ngb_preset_parse(optarg, &j->preset))
				return usage_error("run", "unknown preset '%s': give quick, standard or full",
						   optarg);
			o->have_preset = 1;
			break;
		case 't': {
			char *why = NULL;

			if (job_set_threads(j, optarg, &why)) {
				usage_error("run", "option '--threads' %s", why);
				free(why);
				return 2;
			}
			break;
		}
		case 's':
			strvec_push(&j->sets, optarg);
			break;
		case 'r':
			if (parse_long_opt("--repetitions", optarg, 1, 100000, &j->repetitions))
				return 2;
			o->have_reps = 1;
			break;
		case 'W':
			if (parse_long_opt("--warmup", optarg, 0, 1000, &o->warmup))
				return 2;
			o->have_warmup = 1;
			break;
		case 'T':
			if (parse_double_opt("--timeout", optarg, 0, 1e7, &o->timeout_s))
				return 2;
			o->have_timeout = 1;
			break;
		case 'C': {
			char *why = NULL;

			if (parse_cpu_list(optarg, o->cpus))
				return usage_error("run", "option '--cpus' takes a CPU list such as 0 or "
						   "0,2-3, not '%s'", optarg);
			if (cpu_list_usable(o->cpus, &why)) {
				usage_error("run", "option '--cpus=%s': %s", optarg, why);
				free(why);
				return 2;
			}
			o->have_cpus = 1;
			break;
		}
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
		case 'P':
			o->profile = 1;
			if (optarg && parse_long_opt("--profile", optarg, 1, 100000, &o->profile))
				return 2;
			break;
		case 'K': {
			struct ngb_err e;

			if (ngb_counters_mode_parse(optarg, &j->counters, &e))
				return usage_error("run", "%s", e.msg);
			o->have_counters = 1;
			break;
		}
		case 'E':
			free(j->events);
			j->events = xstrdup(optarg);
			break;
		case 'G':
			free(j->cache);
			j->cache = xstrdup(optarg);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case OPT_SHARD: {
			char *why = NULL;

			if (shard_parse(optarg, &o->shard_k, &o->shard_n, &why)) {
				usage_error("run", "option '--shard' %s", why);
				free(why);
				return 2;
			}
			break;
		}
		case OPT_SESSION_ID:
			if (!session_id_valid(optarg))
				return usage_error("run", "option '--session-id' takes a UUID such as "
						   "0b8e6f1c-3f7a-4c2e-9a51-5d2f0c7e8b14 (uuidgen makes "
						   "one), not '%s'", optarg);
			o->session_id = optarg;
			break;
		case 'M': case 'B': case 'U': case 'N': {
			char *why = cmd_metric_option(&j->metric, c == 'M' ? "metric" : c == 'B' ? "better"
								  : c == 'U' ? "unit" : "metric-name",
						      optarg);

			if (why) {
				usage_error("run", "%s", why);
				free(why);
				return 2;
			}
			break;
		}
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		case ':':
			return usage_error("run", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++)
		strvec_push(&j->command, argv[optind]);
	if (o->shard_n && !o->have_seed && !o->session_id)
		return usage_error("run", "with --shard every shard must order its trials alike: "
				   "give each the same --seed=N or --session-id=UUID");
	if (o->experiment) {
		if (j->workloads.n || j->command.n || j->sets.n || j->threads.n || o->have_preset ||
		    o->have_counters || j->events || j->cache || j->metric.pattern ||
		    j->metric.better >= 0 || j->metric.unit || j->metric.name)
			return usage_error("run", "with --experiment, the experiment file says what to run; "
					   "only --allocator and --repetitions may narrow it");
		return 0;
	}
	if (j->command.n && j->workloads.n)
		return usage_error("run", "give either --workload or -- COMMAND, not both");
	if (!j->command.n && !j->workloads.n)
		return usage_error("run", "nothing to run: give --workload=NAME (see 'ngbench list "
				   "workloads'), --experiment=NAME or -- COMMAND [ARGS...]");
	return 0;
}

/* Checks one job and expands it into cells; 0, or the exit status after an error. */
static int expand_job(struct job *j, struct allocator_list *plugins, struct cell **cells,
		      size_t *ncells)
{
	struct allocator **allocs = NULL;
	const struct ngb_workload **wls = NULL;
	size_t nalloc = 0, nwl = 0, i;
	struct ngb_err e;
	int rc;

	if (j->command.n && (j->sets.n || j->threads.n))
		return usage_error("run", "%s: set and threads apply to registered workloads, not "
				   "to a command", j->name);
	char *metric_why = cmd_metric_check(j);
	if (metric_why) {
		usage_error("run", "%s", metric_why);
		free(metric_why);
		return 2;
	}
	if (j->command.n && j->workloads.n)
		return usage_error("run", "%s: give either workloads or a command, not both", j->name);
	if (!j->command.n && !j->workloads.n)
		return usage_error("run", "%s: nothing to run: give workloads or a command", j->name);
	if (j->events && j->counters != NGB_COUNTERS_HW)
		return usage_error("run", "%s: events apply to --counters=hw", j->name);
	if (j->cache && j->counters != NGB_COUNTERS_SIM)
		return usage_error("run", "%s: cache applies to --counters=sim", j->name);
	if (j->counters == NGB_COUNTERS_SIM) {
		char path[4096];

		if (ngb_cache_geometry_parse(j->cache ? j->cache : "client", &j->geometry, &e))
			return usage_error("run", "%s", e.msg);
		if (ngb_sim_find_valgrind(path, sizeof(path), &e))
			return usage_error("run", "--counters=sim needs valgrind: %s", e.msg);
	}
	if (j->counters == NGB_COUNTERS_HW) {
		struct ngb_perfmon_config pc = { .events = j->events, .user_only = -1 };

		/* unknown event names are bad input: found before the session */
		if (ngb_perfmon_new(&j->pm, &pc, &e))
			return usage_error("run", "%s", e.msg);
	}

	rc = resolve_allocators(j, plugins, &allocs, &nalloc);
	if (rc)
		return rc;
	if (j->command.n) {
		for (i = 0; i < nalloc; i++) {
			struct cell c;
			size_t k;

			memset(&c, 0, sizeof(c));
			c.job = j;
			c.alloc = allocs[i];
			for (k = 0; k < j->command.n; k++)
				strvec_push(&c.argv, j->command.v[k]);
			c.params_json = xstrdup("{}");
			c.title = xasprintf("%s / %s", allocs[i]->name, j->command.v[0]);
			add_cell(cells, ncells, &c);
		}
		free(allocs);
		return 0;
	}
	rc = resolve_workloads(j, &wls, &nwl);
	if (rc == 0)
		rc = check_sets(j, wls, nwl);
	for (i = 0; rc == 0 && i < nwl; i++) {
		if (build_workload_cells(j, wls[i], allocs, nalloc, cells, ncells)) {
			rc = 2;
			fprintf(stderr, "Try 'ngbench list workloads --format=json' for the parameters.\n");
		}
	}
	free(allocs);
	free(wls);
	return rc;
}

/* The jobs to run: the experiment's (narrowed by the command line), or the command line's. */
static int load_jobs(struct run_opts *o, struct experiment *x)
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
	rc = experiment_load(o->experiment, x);
	if (rc)
		return rc;
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

static int run_one(struct run_opts *o, struct cell *c, struct ngb_store *st, int64_t sid,
		   int seq, int round, int rep, int warm, int prof, struct progress *prog,
		   struct trial_outcome *out)
{
	struct trial_spec spec;
	char *title, *tstart;
	size_t k;
	int rc;

	title = warm ? xasprintf("%s (warm-up %d/%ld)", c->title, round, o->warmup)
		: prof ? xasprintf("%s (profile %d/%ld)", c->title, rep, o->profile)
		       : xasprintf("%s (rep %d/%ld)", c->title, rep, c->job->repetitions);
	progress_show(prog, seq - 1, title);
	memset(&spec, 0, sizeof(spec));
	for (k = 0; k < c->argv.n; k++)
		strvec_push(&spec.argv, c->argv.v[k]);
	for (k = 0; k < c->alloc->env.n; k++)
		strvec_push(&spec.env, c->alloc->env.v[k]);
	spec.preload = allocator_preload(c->alloc, ngb_paths()->witness);
	if (prof) {
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
	spec.pm = !prof && c->job->counters == NGB_COUNTERS_HW ? c->job->pm : NULL;
	spec.sim = !prof && c->job->counters == NGB_COUNTERS_SIM ? &c->job->geometry : NULL;
	spec.sample_rss = 1;
	tstart = now_iso8601();
	rc = run_trial(&spec, out);
	trial_spec_release(&spec);
	if (rc == 0) {
		judge(c, out, prof);
		/* a trial that cannot be kept stops the session rather than lose more */
		rc = store_trial(o, st, sid, c, seq, round, rep, warm, prof, tstart, out);
		if (rc == 0 && out->status != TRIAL_OK && out->status != TRIAL_INTERRUPTED) {
			progress_clear(prog);
			fprintf(stderr, "ngbench: trial %d %s %s: %s\n", seq, title,
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

/*
 * Which shard each cell belongs to (shard.c): its group is the job and the
 * program with its parameters, so all allocators of a workload stay in one
 * shard.  NULL without --shard; exit status 2 when N exceeds the groups.
 */
static int assign_shards(const struct run_opts *o, const struct cell *cells, size_t ncells,
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
		return usage_error("run", "--shard=%d/%d: this session has %zu cell group%s (a "
				   "workload with its parameters and thread count, all allocators "
				   "together), so at most %zu shards", o->shard_k, o->shard_n,
				   ngroups, ngroups == 1 ? "" : "s", ngroups);
	}
	return 0;
}

/* The digest of what the whole session runs, the same in each of its shards. */
static char *plan_digest(const struct run_opts *o, const struct cell *cells, size_t ncells)
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
static int record_shard(const struct run_opts *o, struct ngb_store *st, int64_t sid,
			const char *status, const char *started, const char *finished,
			int planned, int stored)
{
	struct ngb_shard_row r;
	struct ngb_err e;
	char *origin;
	int rc;

	if (!o->shard_n)
		return 0;
	{
		char *abs = realpath(ngb_store_path(st), NULL);

		origin = xasprintf("%s:%s session %lld", o->fp.host,
				   abs ? abs : ngb_store_path(st), (long long)sid);
		free(abs);
	}
	memset(&r, 0, sizeof(r));
	r.session_id = sid;
	r.shard = o->shard_k;
	r.shard_count = o->shard_n;
	r.host = o->fp.host;
	r.machine = o->fp.id;
	r.status = status;
	r.started_at = started;
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

int cmd_run(int argc, const char **argv)
{
	struct run_opts o;
	struct experiment x;
	struct allocator_list plugins;
	size_t ncells = 0, nslots, i, nshown = 0;
	struct cell *cells = NULL;
	struct ngb_store *st = NULL;
	struct ngb_session_info si;
	struct ngb_err e;
	struct utsname un;
	struct progress prog;
	int64_t sid = 0;
	int rc, round, nrounds, seq = 0, nok = 0, nfailed = 0, nskipped = 0, total = 0;
	int *order = NULL, stop = 0, failed_to_run = 0, *shard_of = NULL, nstored = 0;
	char *plan = NULL, *uuid = NULL;
	long maxreps = 0;
	char *cmdline = NULL, *cpu = NULL, *os = NULL, *started = NULL, *cfg = NULL, *kernel = NULL;
	const char *dbpath;
	double t0;

	memset(&o, 0, sizeof(o));
	memset(&x, 0, sizeof(x));
	memset(&plugins, 0, sizeof(plugins));
	rc = parse_run_options(argc, argv, &o);
	if (rc) {
		job_release(&o.cli);
		return rc < 0 ? 0 : rc;
	}
	/* before the first probe, which would fail and blame the allocator */
	if (preflight_tmpdir()) {
		job_release(&o.cli);
		return 1;
	}
	rc = load_jobs(&o, &x);
	if (rc)
		goto out;

	allocators_discover(&plugins);
	for (i = 0; i < plugins.load_errors.n; i++)
		warning("%s", plugins.load_errors.v[i]);
	if (access(ngb_paths()->witness, R_OK) != 0) {
		rc = error("the witness library '%s' is missing: rebuild ngbench (make)",
			   ngb_paths()->witness) ? 1 : 1;
		goto out;
	}
	if (o.profile) {
		char *shim = profile_shim_path();

		if (access(shim, R_OK) != 0)
			rc = error("the profiling shim '%s' is missing: rebuild ngbench (make)",
				   shim) ? 1 : 1;
		free(shim);
		if (rc)
			goto out;
	}
	for (i = 0; i < x.njobs; i++) {
		rc = expand_job(&x.jobs[i], &plugins, &cells, &ncells);
		if (rc)
			goto out;
		if (x.jobs[i].repetitions > maxreps)
			maxreps = x.jobs[i].repetitions;
	}
	rc = assign_shards(&o, cells, ncells, &shard_of);
	if (rc)
		goto out;
	for (i = 0; i < ncells; i++)
		if (!shard_of || shard_of[i] == o.shard_k)
			total += (int)(o.warmup + cells[i].job->repetitions + o.profile);
	if (o.dry_run) {
		for (i = 0; i < ncells; i++) {
			if (shard_of && shard_of[i] != o.shard_k)
				continue;
			nshown++;
			printf("%-14s %-52s %3ld x  %s", cells[i].job->name, cells[i].title,
			       o.warmup + cells[i].job->repetitions,
			       ngb_counters_mode_name(cells[i].job->counters));
			if (o.profile)
				printf(" + %ld x profile", o.profile);
			printf("\n");
		}
		if (shard_of)
			printf("shard %d of %d: ", o.shard_k, o.shard_n);
		printf("%zu cells, %d trials (%ld warm-up rounds%s); nothing was run\n",
		       nshown, total, o.warmup, o.profile ? ", profile trials included" : "");
		goto out;
	}

	/* Everything checked: now the database. */
	dbpath = ngb_db_path(o.db);
	if (make_parent_dir(dbpath) || preflight_db(dbpath)) {
		rc = 1;
		goto out;
	}
	if (ngb_store_open(&st, dbpath, NGB_STORE_CREATE, &e)) {
		rc = error("%s", e.msg) ? 1 : 1;
		goto out;
	}
	machine_fingerprint(&o.fp);
	{
		struct ngb_machine m;

		machine_fp_view(&o.fp, &m);
		if (ngb_store_machine_add(st, &m, o.fp.host, &e)) {
			rc = error("%s", e.msg) ? 1 : 1;
			goto out;
		}
	}
	if (!o.have_seed && o.session_id) {
		/* the shards of one session id agree on the order without a --seed */
		o.seed = seed_from_session_id(o.session_id);
		o.have_seed = 1;
	}
	if (!o.have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		o.seed = ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^
			 ((uint64_t)getpid() << 32);
		o.seed &= 0x7fffffffffffffffULL; /* stored as a signed SQLite integer */
	}
	uname(&un);
	cmdline = ngb_argv ? shell_join(ngb_argc, ngb_argv) : shell_join(argc, argv);
	cpu = machine_cpu_model();
	os = machine_os();
	started = now_iso8601();
	cfg = config_json(&o, &x, cells, ncells);
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
	plan = plan_digest(&o, cells, ncells);
	if (o.session_id) {
		uuid = xstrdup(o.session_id);
		for (i = 0; uuid[i]; i++)
			uuid[i] = (char)tolower((unsigned char)uuid[i]);
	} else {
		uuid = o.shard_n ? session_id_derive(plan, o.seed) : session_id_random();
	}
	si.uuid = uuid;
	si.plan = plan;
	si.shard_count = o.shard_n;
	if (ngb_store_session_begin(st, &si, &sid, &e)) {
		rc = error("%s", e.msg) ? 1 : 1;
		goto out;
	}
	if (record_shard(&o, st, sid, "running", started, NULL, total, 0)) {
		rc = 1;
		goto out;
	}

	runner_install_signal_handlers();
	/* profile trials join the measured rounds, one per cell per round */
	nrounds = (int)(o.warmup + (maxreps > o.profile ? maxreps : o.profile));
	progress_init(&prog, total);
	if (o.quiet)
		prog.enabled = 0;
	nslots = o.profile ? 2 * ncells : ncells;
	order = xcalloc(nslots, sizeof(*order));
	t0 = monotonic_seconds();
	for (round = 1; round <= nrounds && !stop; round++) {
		int warm = round <= o.warmup;
		int rep = warm ? 0 : round - (int)o.warmup;

		/*
		 * Without --profile the order is as it always was; with it, each
		 * cell has a second slot, its profile trial, shuffled in among
		 * the timing trials so that drift hits both alike.
		 */
		shuffle(order, (int)nslots, o.seed, round);
		for (i = 0; i < nslots && !stop; i++) {
			struct cell *c = &cells[(size_t)order[i] % ncells];
			int prof = (size_t)order[i] >= ncells;
			struct trial_outcome out;

			if (prof && (warm || rep > o.profile))
				continue;
			if (!prof && !warm && rep > c->job->repetitions)
				continue; /* this job has fewer repetitions */
			if (shard_of && shard_of[(size_t)order[i] % ncells] != o.shard_k) {
				seq++; /* another shard's: numbered as in the whole session */
				continue;
			}
			if (run_one(&o, c, st, sid, ++seq, round, rep, warm, prof, &prog, &out)) {
				failed_to_run = 1;
				break;
			}
			nstored++;
			if (out.status == TRIAL_INTERRUPTED)
				stop = out.interrupted_by ? out.interrupted_by : SIGINT;
			else if (!warm && out.status == TRIAL_OK)
				nok++;
			else if (!warm && out.status == TRIAL_SKIPPED)
				nskipped++;
			else if (!warm)
				nfailed++;
			trial_outcome_release(&out);
			if (ngb_stop_signal && !stop)
				stop = ngb_stop_signal;
		}
		if (failed_to_run)
			break;
	}
	progress_clear(&prog);
	{
		char *finished = now_iso8601();
		const char *status = failed_to_run ? "failed" : stop ? "interrupted" : "complete";

		if (ngb_store_session_end(st, sid, finished, status, &e))
			rc = error("%s", e.msg) ? 1 : 1;
		if (record_shard(&o, st, sid, status, started, finished, total, nstored))
			rc = 1;
		free(finished);
		printf("session %lld %s: %d trial%s in %.1f s: %d ok, %d failed, %d skipped%s\n",
		       (long long)sid, status, nok + nfailed + nskipped,
		       nok + nfailed + nskipped == 1 ? "" : "s", monotonic_seconds() - t0, nok,
		       nfailed, nskipped, o.warmup ? " (warm-up trials not counted)" : "");
		if (o.shard_n)
			printf("shard %d of %d of session %s (seed %llu)\n", o.shard_k, o.shard_n, uuid,
			       (unsigned long long)o.seed);
		printf("database: %s\n", ngb_store_path(st));
		printf("report:   ngbench report %lld%s%s\n", (long long)sid,
		       o.db ? " --db=" : "", o.db ? o.db : "");
	}
	if (failed_to_run) {
		rc = 1;
	} else if (stop) {
		fprintf(stderr, "ngbench: interrupted by %s; the finished trials are stored\n",
			strsignal(stop));
		rc = 128 + stop;
	} else if (rc == 0 && nfailed) {
		rc = 1;
	}

out:
	free(order);
	free(shard_of);
	free(plan);
	free(uuid);
	machine_fp_release(&o.fp);
	free(cmdline);
	free(cpu);
	free(os);
	free(started);
	free(cfg);
	free(kernel);
	cells_release(cells, ncells);
	ngb_store_close(st);
	allocator_list_release(&plugins);
	experiment_release(&x);
	job_release(&o.cli);
	return rc;
}
