/*
 * harness/cmd_list.c - ngbench list allocators|workloads|sessions
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "engine.h"
#include "../lib/options.h"
#include "ngbench/utf8.h"
#include "ngbench/store.h"

static const char list_synopsis[] =
	"usage: ngbench list [--format=text|json] [--db=PATH] allocators|workloads|experiments|sessions\n"
	"\n"
	"  allocators  every allocator plugin found, whether it can be used here and its\n"
	"              version (probed in a child with the library preloaded); for an\n"
	"              unavailable one, the reason and what to do about it\n"
	"  workloads   the registered workloads, their thread parameter and metric\n"
	"  experiments the experiment files shipped with ngbench (ngbench run -x NAME)\n"
	"  sessions    the sessions stored in the database; a session still 'running'\n"
	"              whose ngbench is gone from this host is 'abandoned' (finish it\n"
	"              with 'ngbench run --resume=ID')\n"
	"\n";

static const char list_epilogue[] =
	"Plugins are searched in $NGBENCH_PLUGIN_PATH (a colon-separated list of folders),\n"
	"then in ngbench's own allocator folder.  Of two plugins of one name in\n"
	"$NGBENCH_PLUGIN_PATH the first is used, with a warning naming both; one named\n"
	"like one of ngbench's own is refused, and that name is unavailable.\n";

/* Prints j; bad says a value could not be built, which is an error rather
 * than an entry left out. */
static int print_json(json_t *j, int bad)
{
	char *s = j && !bad ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	if (!s)
		return error("cannot format JSON: out of memory");
	puts(s);
	free(s);
	return 0;
}

static int list_allocators(int json)
{
	struct allocator_list list;
	size_t i, w = 4, vw = 7;
	json_t *arr;

	allocators_discover(&list);
	allocators_probe_all(&list);
	for (i = 0; i < list.load_errors.n; i++)
		warning("%s", list.load_errors.v[i]);
	if (json) {
		int bad = 0;

		arr = json_array();
		for (i = 0; i < list.n; i++) {
			struct allocator *a = list.v[i];

			bad |= json_array_append_new(arr, json_pack("{s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
				"name", ngb_json_text(a->name), "summary", ngb_json_text(a->summary),
				"available", a->available,
				"version", ngb_json_text_or_null(a->version),
				"library", ngb_json_text_or_null(a->library),
				"package", ngb_json_text_or_null(a->package),
				"served_by", ngb_json_text_or_null(a->served_by),
				"plugin", ngb_json_text_or_null(a->plugin_path),
				"reason", ngb_json_text_or_null(a->available ? NULL : a->reason),
				"fix", ngb_json_text_or_null(a->available ? NULL : a->fix)));
		}
		allocator_list_release(&list);
		return print_json(json_pack("{s:i, s:o}", "format_version", 1, "allocators", arr),
				  bad) ? 1 : 0;
	}
	if (!list.n) {
		allocator_list_release(&list);
		return fail(1, "no allocator plugin found in '%s' or $NGBENCH_PLUGIN_PATH",
			       ngb_paths()->allocator_dir);
	}
	for (i = 0; i < list.n; i++) {
		if (strlen(list.v[i]->name) > w)
			w = strlen(list.v[i]->name);
		if (list.v[i]->version && strlen(list.v[i]->version) > vw)
			vw = strlen(list.v[i]->version);
	}
	printf("%-*s  %-11s  %-*s  %s\n", (int)w, "NAME", "STATUS", (int)vw, "VERSION", "SUMMARY");
	for (i = 0; i < list.n; i++) {
		struct allocator *a = list.v[i];

		printf("%-*s  %-11s  %-*s  %s\n", (int)w, a->name,
		       a->available ? "available" : "unavailable", (int)vw,
		       a->version ? a->version : "-", a->summary);
		if (!a->available) {
			printf("%-*s  reason: %s\n", (int)w, "", a->reason);
			if (a->fix)
				printf("%-*s  fix:    %s\n", (int)w, "", a->fix);
		}
	}
	allocator_list_release(&list);
	return 0;
}

/* Is @cmd an executable file in one of PATH's folders? */
static int in_path(const char *cmd, size_t len)
{
	const char *path = getenv("PATH"), *d, *end;
	int found = 0;

	for (d = path && *path ? path : "/usr/bin:/bin"; d && !found; d = *end ? end + 1 : NULL) {
		char *f;

		end = strchrnul(d, ':');
		f = xasprintf("%.*s/%.*s", (int)(end - d), end > d ? d : ".", (int)len, cmd);
		found = access(f, X_OK) == 0;
		free(f);
	}
	return found;
}

/* Is the workload's program built and runnable here, with the programs it drives? */
int workload_available(const struct ngb_workload *wl, char **path_out)
{
	char *path = xasprintf("%s/%s", ngb_paths()->workload_dir, wl->program);
	int ok = access(path, X_OK) == 0;
	const char *c = wl->commands;

	while (ok && c && *c) {
		size_t len = strcspn(c, " ");

		if (len)
			ok = in_path(c, len);
		c += len + (c[len] == ' ');
	}

	if (path_out)
		*path_out = path;
	else
		free(path);
	return ok;
}

static int list_workloads(int json)
{
	const struct ngb_workload *wl;
	size_t w = 4, mw = 6;
	json_t *arr;
	char metric[128];

	if (json) {
		int bad = 0;

		arr = json_array();
		for (wl = ngb_workloads; wl->name; wl++) {
			const struct ngb_workload_param *p;
			json_t *params = json_array(), *presets = json_object();
			int i, avail = workload_available(wl, NULL);

			for (p = wl->params; p->name; p++)
				bad |= json_array_append_new(params, json_pack("{s:s, s:s, s:o, s:s}",
					"name", p->name, "default", p->def,
					"choices", ngb_json_text_or_null(p->choices), "help", p->help));
			for (i = 0; i < NGB_PRESET_COUNT; i++)
				bad |= json_object_set_new(presets, ngb_preset_name(i),
							   ngb_json_text_or_null(wl->presets[i]));
			bad |= json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o}",
				"name", wl->name, "summary", wl->summary, "available", avail,
				"threads_param", ngb_json_text_or_null(wl->threads_param),
				"metric", wl->metric, "unit", wl->unit,
				"better", wl->higher_is_better ? "higher" : "lower",
				"params", params, "presets", presets, "program", wl->program,
				"group", ngb_json_text_or_null(wl->group),
				"smoke", ngb_json_text_or_null(wl->smoke),
				"fix", ngb_json_text_or_null(avail ? NULL : (wl->unavailable_fix ? wl->unavailable_fix
						: "rebuild ngbench (make)"))));
		}
		return print_json(json_pack("{s:i, s:o}", "format_version", 1, "workloads", arr),
				  bad) ? 1 : 0;
	}
	for (wl = ngb_workloads; wl->name; wl++) {
		if (strlen(wl->name) > w)
			w = strlen(wl->name);
		snprintf(metric, sizeof(metric), "%s (%s, %s)", wl->metric, wl->unit,
			 wl->higher_is_better ? "higher" : "lower");
		if (strlen(metric) > mw)
			mw = strlen(metric);
	}
	printf("%-*s  %-11s  %-7s  %-*s  %s\n", (int)w, "NAME", "STATUS", "THREADS", (int)mw,
	       "METRIC", "SUMMARY");
	for (wl = ngb_workloads; wl->name; wl++) {
		int avail = workload_available(wl, NULL);

		snprintf(metric, sizeof(metric), "%s (%s, %s)", wl->metric, wl->unit,
			 wl->higher_is_better ? "higher" : "lower");
		printf("%-*s  %-11s  %-7s  %-*s  %s\n", (int)w, wl->name,
		       avail ? "available" : "unavailable", wl->threads_param ? "yes" : "no",
		       (int)mw, metric, wl->summary);
		if (!avail)
			printf("%-*s  fix: %s\n", (int)w, "",
			       wl->unavailable_fix ? wl->unavailable_fix : "rebuild ngbench (make)");
	}
	return 0;
}

static int list_experiments(int json)
{
	struct strvec names = STRVEC_INIT, unset = STRVEC_INIT;
	json_t *arr = json_array();
	size_t i;
	int rc = 0, unencoded = 0;

	experiments_list(&names);
	experiment_unset_env_to(&unset);
	if (!json)
		printf("%-16s  %s\n", "NAME", "DESCRIPTION");
	for (i = 0; i < names.n; i++) {
		struct experiment x;
		int bad;

		/* a broken file is listed with its error rather than hidden; one
		 * that needs a variable of the environment says which */
		strvec_clear(&unset);
		bad = experiment_load(names.v[i], &x) != 0;
		if (json) {
			json_t *needs = json_array();

			for (size_t k = 0; k < unset.n; k++)
				unencoded |= json_array_append_new(needs, ngb_json_text(unset.v[k]));
			unencoded |= json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:b, s:o}",
				"name", ngb_json_text(names.v[i]),
				"description", ngb_json_text_or_null(bad ? NULL : x.description),
				"path", ngb_json_text(x.path ? x.path : ""), "valid", !bad,
				"needs_env", needs));
		} else {
			printf("%-16s  %s", names.v[i],
			       bad ? "(invalid: see the error above)"
				   : (x.description ? x.description : ""));
			for (size_t k = 0; k < unset.n; k++)
				printf("%s%s", k ? ", " : " (needs ", unset.v[k]);
			printf("%s\n", unset.n ? " in the environment)" : "");
		}
		rc |= bad;
		experiment_release(&x);
	}
	experiment_unset_env_to(NULL);
	strvec_clear(&unset);
	strvec_clear(&names);
	if (json)
		return print_json(json_pack("{s:i, s:o, s:o}", "format_version", 1, "folder",
					    ngb_json_text(experiments_dir()), "experiments", arr),
				  unencoded) || rc ? 1 : 0;
	json_decref(arr);
	return rc;
}

struct session_lister {
	json_t *arr;        /* NULL for text */
	const char *host;   /* this host's name, NULL if unknown */
	int bad;            /* a JSON value could not be built */
	int header;         /* the text table's header is out */
};

static void session_header(struct session_lister *l)
{
	if (!l->arr && !l->header)
		printf("%5s  %-24s  %-11s  %6s  %6s  %s\n", "ID", "STARTED", "STATUS", "TRIALS",
		       "FAILED", "LABEL / COMMAND");
	l->header = 1;
}

static int list_session(const struct ngb_session_summary *sum, void *arg)
{
	struct session_lister *l = arg;
	const char *status = sum->status;

	/* 'running' with its ngbench gone from this host: it never ends by itself */
	if (status && !strcmp(status, "running") && session_runner_alive(&sum->runner, l->host) == 0)
		status = "abandoned";
	if (l->arr) {
		l->bad |= json_array_append_new(l->arr, json_pack("{s:I, s:o, s:o, s:o, s:o, s:i, s:i}",
			"id", (json_int_t)sum->id, "started_at", ngb_json_text(sum->started_at),
			"status", ngb_json_text(status),
			"label", sum->label ? ngb_json_text(sum->label) : json_null(),
			"command_line", ngb_json_text(sum->command_line ? sum->command_line : ""),
			"trials", sum->trials, "failed", sum->failed));
	} else {
		session_header(l);
		/* the label and command are the user's: escaped for the terminal */
		printf("%5lld  %-24s  %-11s  %6d  %6d  ", (long long)sum->id, sum->started_at,
		       status, sum->trials, sum->failed);
		ngb_put_text(stdout, sum->label ? sum->label
				     : (sum->command_line ? sum->command_line : ""));
		putchar('\n');
	}
	return 0;
}

static int list_sessions(const char *db_opt, int json)
{
	struct session_lister l = { json ? json_array() : NULL, NULL, 0, 0 };
	struct ngb_store *st;
	struct ngb_err e;
	struct utsname un;

	l.host = uname(&un) ? NULL : un.nodename;
	if (ngb_store_open(&st, ngb_db_path(db_opt), NGB_STORE_READONLY, &e)) {
		json_decref(l.arr);
		return fail(1, "%s", e.msg);
	}
	if (ngb_store_sessions_each(st, list_session, &l, &e)) {
		error("%s", e.msg);
		ngb_store_close(st);
		json_decref(l.arr);
		return 1;
	}
	ngb_store_close(st);
	session_header(&l);
	if (json)
		return print_json(json_pack("{s:i, s:o}", "format_version", 1, "sessions", l.arr),
				  l.bad) ? 1 : 0;
	return 0;
}

int cmd_list(int argc, const char **argv)
{
	static const char *const formats[] = { "text", "json", NULL };
	static const char *const what[] = { "allocators", "workloads", "experiments", "sessions" };
	const char *db = NULL, *guess;
	int json = 0;
	const struct ngb_option opts[] = {
		OPT_ENUM(0, "format", &json, "FMT", formats,
			 "text or json (stable, for scripts)"),
		OPT_PATH(0, "db", &db, "PATH", "the database for 'sessions' (default: $NGBENCH_DB,\n"
			 "else the default location: see 'ngbench run --help')"),
		OPT_END(),
	};
	const struct ngb_command cmd = { "list", list_synopsis, list_epilogue, opts, 0 };
	int first = ngb_parse_options(&cmd, argc, argv);

	if (first < 0)
		return ngb_options_exit(first);
	if (first != argc - 1)
		return usage_error("list", "'list' takes one of: allocators, workloads, experiments, "
				   "sessions");
	if (!strcmp(argv[first], "allocators"))
		return list_allocators(json);
	if (!strcmp(argv[first], "workloads"))
		return list_workloads(json);
	if (!strcmp(argv[first], "experiments"))
		return list_experiments(json);
	if (!strcmp(argv[first], "sessions"))
		return list_sessions(db, json);
	guess = closest_name(argv[first], what, 4);
	if (guess)
		return usage_error("list", "cannot list '%s'; did you mean '%s'? "
				   "(allocators, workloads, experiments, sessions)", argv[first], guess);
	return usage_error("list", "cannot list '%s': give allocators, workloads, experiments "
			   "or sessions", argv[first]);
}
