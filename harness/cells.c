/*
 * harness/cells.c - one job into cells: each selected workload with its
 * parameters (registry defaults, then the preset, then --set, each value
 * checked against the registry), once per thread count and allocator; or
 * a command once per allocator.
 *
 * A cell's params_json holds every parameter (sorted keys) so that two
 * cells with the same program and values are the same cell in reports.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "ngbench/utf8.h"

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

static int resolve_workloads(const char *cmd, struct job *o, const struct ngb_workload ***out,
			     size_t *nout)
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
		return usage_error(cmd, "no workload is available: see 'ngbench list workloads'");
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
	if (!wl->presets[o->preset]) {
		char have[256];

		ngb_preset_reference_list(have, sizeof(have));
		error("workload '%s' has no %s preset: it reproduces no published program's "
		      "command line (those that do: %s); give it another preset or run it apart",
		      wl->name, ngb_preset_name(o->preset), have);
		rc = -1;
	} else if (apply_pairs(wl, values, wl->presets[o->preset], 1)) {
		rc = -1;
	}
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
static int check_sets(const char *cmd, struct job *o, const struct ngb_workload **wls, size_t nwl)
{
	size_t i, j;

	for (i = 0; i < o->sets.n; i++) {
		const char *s = o->sets.v[i];
		const char *eq = strchr(s, '=');
		char *name;
		int found = 0;

		if (!eq || eq == s)
			return usage_error(cmd, "--set takes NAME=VALUE, not '%s'", s);
		if (strchr(s, ' '))
			return usage_error(cmd, "--set takes one NAME=VALUE without spaces, not '%s'", s);
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

void cells_release(struct cell *cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		strvec_clear(&cells[i].argv);
		free(cells[i].params_json);
		free(cells[i].title);
	}
	free(cells);
}


int cells_expand_job(const char *cmd, struct job *j, struct allocator_list *plugins,
		     struct cell **cells, size_t *ncells)
{
	struct allocator **allocs = NULL;
	const struct ngb_workload **wls = NULL;
	size_t nalloc = 0, nwl = 0, i;
	struct ngb_err e;
	int rc;

	if (j->command.n && (j->sets.n || j->threads.n))
		return usage_error(cmd, "%s: set and threads apply to registered workloads, not "
				   "to a command", j->name);
	char *metric_why = cmd_metric_check(j);
	if (metric_why) {
		usage_error(cmd, "%s", metric_why);
		free(metric_why);
		return 2;
	}
	if (j->command.n && j->workloads.n)
		return usage_error(cmd, "%s: give either workloads or a command, not both", j->name);
	if (!j->command.n && !j->workloads.n)
		return usage_error(cmd, "%s: nothing to run: give workloads or a command", j->name);
	if (j->events && j->counters != NGB_COUNTERS_HW)
		return usage_error(cmd, "%s: events apply to --counters=hw", j->name);
	if (j->cache && j->counters != NGB_COUNTERS_SIM)
		return usage_error(cmd, "%s: cache applies to --counters=sim", j->name);
	if (j->counters == NGB_COUNTERS_SIM) {
		char path[4096];

		if (ngb_cache_geometry_parse(j->cache ? j->cache : "client", &j->geometry, &e))
			return usage_error(cmd, "%s", e.msg);
		if (ngb_sim_find_valgrind(path, sizeof(path), &e))
			return usage_error(cmd, "--counters=sim needs valgrind: %s", e.msg);
	}
	if (j->counters == NGB_COUNTERS_HW) {
		struct ngb_perfmon_config pc = { .events = j->events, .user_only = -1 };

		/* unknown event names are bad input: found before the session */
		if (ngb_perfmon_new(&j->pm, &pc, &e))
			return usage_error(cmd, "%s", e.msg);
	}

	rc = alloc_spec_resolve(cmd, j, plugins, &allocs, &nalloc);
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
	rc = resolve_workloads(cmd, j, &wls, &nwl);
	if (rc == 0)
		rc = check_sets(cmd, j, wls, nwl);
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

