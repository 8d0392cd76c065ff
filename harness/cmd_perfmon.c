/*
 * harness/cmd_perfmon.c - ngbench perfmon (also "ngbench doctor"): what this
 * machine can count, and why not.
 *
 * It does not guess: the events are opened on a short child exactly as a
 * trial opens them (perfmon's probe), so the status shown is the status a
 * trial would store.  The explanations come from the same facts the library
 * uses for its reasons: the kernel's event sources, perf_event_paranoid and
 * the process's capabilities.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../lib/options.h"
#include "ngbench/perfmon.h"


static const char perfmon_synopsis[] =
	"usage: ngbench perfmon [--format=text|json] [--events=LIST] [--user-only]\n"
	"                       [--sim-model=GEOMETRY]\n"
	"       ngbench perfmon --list [--format=text|json]\n"
	"       ngbench doctor [...]   (the same command)\n"
	"\n"
	"Tells what this machine can count for a trial and why not: whether the\n"
	"kernel offers a hardware PMU, what kernel.perf_event_paranoid allows, the\n"
	"status and encoding of each event (tried on a short child process exactly\n"
	"as a trial would open it), and whether valgrind is there for simulated\n"
	"counters (--counters=sim).\n"
	"\n";

static const char *const perfmon_formats[] = { "text", "json", NULL };

struct doctor {
	struct ngb_perfmon_machine m;
	struct ngb_perfmon *pm;
	struct ngb_counter *rows;
	size_t n;
	int probe_status;       /* wait status of the probe child */
	char probe_error[1024]; /* why the probe did not run, or "" */
	char valgrind[PATH_MAX];
	char valgrind_version[128];
	struct ngb_cache_geometry geometry;
};

static const char *errno_text(int err)
{
	const char *name = err ? strerrorname_np(err) : "ok";

	return name ? name : "error";
}

static const char *pmu_verdict(const struct ngb_perfmon_machine *m)
{
	if (m->hw_probe_errno == 0)
		return "yes: this process can count its own CPU cycles";
	if (m->hw_probe_errno == ENOENT && !m->kernel_pmu)
		return "no: the kernel offers no hardware counters on this machine (typical of "
		       "a virtual machine without a virtual PMU); hardware events are stored "
		       "as 'unsupported', never as zero";
	if (m->hw_probe_errno == ENOENT || m->hw_probe_errno == EOPNOTSUPP ||
	    m->hw_probe_errno == ENODEV)
		return "present but unusable for the generic 'cycles' event; see each "
		       "event's status below";
	if (m->hw_probe_errno == EACCES || m->hw_probe_errno == EPERM)
		return "present, but perf_event_paranoid forbids it to this user";
	return "unknown: opening 'cycles' failed; see each event's status below";
}

static void find_valgrind(struct doctor *d)
{
	struct strbuf cmd = STRBUF_INIT;
	FILE *p;

	d->valgrind_version[0] = '\0';
	if (ngb_sim_find_valgrind(d->valgrind, sizeof(d->valgrind), NULL)) {
		d->valgrind[0] = '\0';
		return;
	}
	strbuf_add_shell_quoted(&cmd, d->valgrind);
	strbuf_adds(&cmd, " --version 2>/dev/null");
	p = popen(strbuf_str(&cmd), "r");
	if (p) {
		if (fgets(d->valgrind_version, sizeof(d->valgrind_version), p))
			d->valgrind_version[strcspn(d->valgrind_version, "\n")] = '\0';
		pclose(p);
	}
	strbuf_release(&cmd);
}

static int doctor_run(struct doctor *d, const char *events, int user_only)
{
	struct ngb_perfmon_config cfg = { .events = events, .user_only = user_only ? 1 : -1 };
	char *probe_argv[] = { "true", NULL };
	struct ngb_err err = { 0 };

	ngb_perfmon_machine_probe(&d->m);
	find_valgrind(d);
	if (ngb_perfmon_new(&d->pm, &cfg, &err))
		return error("%s", err.msg);
	d->n = ngb_perfmon_nevents(d->pm);
	d->rows = xcalloc(d->n, sizeof(*d->rows));
	/* The events on a child that execs, exactly as a trial opens them. */
	if (ngb_perfmon_probe(d->pm, probe_argv, d->rows, d->n, &d->probe_status, &err))
		snprintf(d->probe_error, sizeof(d->probe_error), "%s", err.msg);
	return 0;
}

static void doctor_release(struct doctor *d)
{
	ngb_perfmon_free(d->pm);
	free(d->rows);
}

/* "{cycles,instructions} {LLC-loads,LLC-load-misses} ..." for groups of two or more. */
static void groups_text(const struct ngb_perfmon *pm, struct strbuf *sb)
{
	for (size_t i = 0; i < ngb_perfmon_nevents(pm); i++) {
		int g = ngb_perfmon_event_group(pm, i), members = 0;

		if (!ngb_perfmon_event_is_leader(pm, i))
			continue;
		for (size_t j = i; j < ngb_perfmon_nevents(pm); j++)
			members += ngb_perfmon_event_group(pm, j) == g;
		if (members < 2)
			continue;
		strbuf_adds(sb, sb->len ? " {" : "{");
		for (size_t j = i, k = 0; j < ngb_perfmon_nevents(pm); j++) {
			if (ngb_perfmon_event_group(pm, j) != g)
				continue;
			strbuf_addf(sb, "%s%s", k++ ? "," : "", ngb_perfmon_event_name(pm, j));
		}
		strbuf_addch(sb, '}');
	}
}

static size_t count_status(const struct doctor *d, int counted)
{
	size_t k = 0;

	for (size_t i = 0; i < d->n; i++)
		k += (d->rows[i].has_value != 0) == counted;
	return k;
}

static void print_text(const struct doctor *d)
{
	const struct ngb_perfmon_machine *m = &d->m;
	struct strbuf sb = STRBUF_INIT;
	char geo[256];

	printf("What this machine can count\n\n");
	printf("Hardware PMU:  %s\n", pmu_verdict(m));
	printf("               (opening 'cycles' here: %s; kernel event sources: %s;\n"
	       "               libpfm4 recognises: %s)\n",
	       errno_text(m->hw_probe_errno), m->kernel_pmus[0] ? m->kernel_pmus : "none",
	       m->pfm_pmus[0] ? m->pfm_pmus : "nothing");
	if (m->paranoid == INT_MIN)
		printf("Paranoid:      %s\n", ngb_perfmon_paranoid_meaning(m->paranoid));
	else
		printf("Paranoid:      kernel.perf_event_paranoid = %d: %s\n", m->paranoid,
		       ngb_perfmon_paranoid_meaning(m->paranoid));
	printf("Privileges:    %s\n", m->privileged
	       ? "root, CAP_PERFMON or CAP_SYS_ADMIN: the paranoid limits do not apply"
	       : "an ordinary user: the paranoid limits apply");
	printf("Counting:      %s\n", ngb_perfmon_user_only(d->pm)
	       ? "user space only (exclude_kernel, exclude_hv); events that happen only in "
		 "the kernel (context switches, migrations) cannot be counted this way"
	       : "user space and kernel");
	printf("Always:        wall, user and system time, max RSS, page faults and context\n"
	       "               switches from wait4's rusage, at every paranoid level\n\n");

	if (d->probe_error[0]) {
		printf("The events could not be tried: %s\n\n", d->probe_error);
	} else {
		printf("Events, as a trial would store them (tried on a short child, 'true'):\n");
		printf("  %-20s %-6s %-12s %14s  %s\n", "event", "source", "status", "value",
		       "encoding");
		for (size_t i = 0; i < d->n; i++) {
			const struct ngb_counter *c = &d->rows[i];
			char value[32] = "-";

			if (c->has_value)
				snprintf(value, sizeof(value), "%.0f", c->value);
			printf("  %-20s %-6s %-12s %14s  %s\n", c->event,
			       ngb_counter_source_name(c->source), ngb_counter_status_name(c->status),
			       value, c->encoding);
			if (c->reason[0])
				printf("  %-20s %s\n", "", c->reason);
		}
		groups_text(d->pm, &sb);
		printf("Groups (scheduled together): %s\n", sb.len ? strbuf_str(&sb) : "none");
		printf("Counted: %zu of %zu events; the others are stored with their status and "
		       "reason, without a value.\n\n", count_status(d, 1), d->n);
	}

	printf("Simulation (--counters=sim):  ");
	if (d->valgrind[0])
		printf("available: %s (%s), cachegrind with a declared geometry\n", d->valgrind,
		       d->valgrind_version[0] ? d->valgrind_version : "version unknown");
	else
		printf("unavailable: valgrind is not installed (apt-get install valgrind)\n");
	for (size_t i = 0; ngb_cache_models[i]; i++) {
		struct ngb_cache_geometry g;

		if (ngb_cache_geometry_parse(ngb_cache_models[i], &g, NULL))
			continue;
		ngb_cache_geometry_format(&g, geo, sizeof(geo));
		printf("  %-12s %s\n", ngb_cache_models[i], geo);
	}
	if (d->geometry.name[0]) {
		ngb_cache_geometry_format(&d->geometry, geo, sizeof(geo));
		printf("  %-12s %s\n", "--sim-model", geo);
	}
	strbuf_release(&sb);
}

/* Prints root on stdout and frees it; root may be NULL (a failed json_pack). */
static int emit_json(json_t *root)
{
	char *s = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(root);
	if (!s)
		return error("cannot format JSON");
	puts(s);
	free(s);
	return 0;
}

static json_t *json_u64_or_null(int has, uint64_t v)
{
	return has ? json_integer((json_int_t)v) : json_null();
}

static json_t *geometry_json(const struct ngb_cache_geometry *g)
{
	char geo[256];

	ngb_cache_geometry_format(g, geo, sizeof(geo));
	return json_pack("{s:s, s:b, s:s}", "name", g->name, "approximate_dtlb", g->dtlb,
			 "geometry", geo);
}

static int print_json(const struct doctor *d)
{
	const struct ngb_perfmon_machine *m = &d->m;
	json_t *events = json_array(), *models = json_array(), *root;
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < d->n && !d->probe_error[0]; i++) {
		const struct ngb_counter *c = &d->rows[i];

		json_array_append_new(events, json_pack(
			"{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:i}",
			"event", c->event, "source", ngb_counter_source_name(c->source),
			"status", ngb_counter_status_name(c->status),
			"value", c->has_value ? json_real(c->value) : json_null(),
			"raw", json_u64_or_null(c->has_raw, c->raw),
			"time_enabled", json_u64_or_null(c->has_times, c->time_enabled),
			"time_running", json_u64_or_null(c->has_times, c->time_running),
			"encoding", c->encoding,
			"reason", c->reason[0] ? json_string(c->reason) : json_null(),
			"group", ngb_perfmon_event_group(d->pm, i)));
	}
	for (size_t i = 0; ngb_cache_models[i]; i++) {
		struct ngb_cache_geometry g;

		if (ngb_cache_geometry_parse(ngb_cache_models[i], &g, NULL) == 0)
			json_array_append_new(models, geometry_json(&g));
	}
	groups_text(d->pm, &sb);
	root = json_pack(
		"{s:i, s:{s:o, s:s, s:b, s:b, s:s, s:s, s:s, s:s}, s:b, s:s, s:o, s:o, s:o,"
		" s:{s:b, s:o, s:o, s:o, s:o}}",
		"format_version", 1,
		"machine",
		"perf_event_paranoid", m->paranoid == INT_MIN ? json_null() : json_integer(m->paranoid),
		"paranoid_meaning", ngb_perfmon_paranoid_meaning(m->paranoid),
		"privileged", m->privileged,
		"kernel_pmu", m->kernel_pmu,
		"kernel_event_sources", m->kernel_pmus,
		"libpfm4_pmus", m->pfm_pmus,
		"cycles_probe", errno_text(m->hw_probe_errno),
		"hardware_pmu", pmu_verdict(m),
		"user_only", ngb_perfmon_user_only(d->pm),
		"groups", strbuf_str(&sb),
		"events", events,
		"probe_error", d->probe_error[0] ? json_string(d->probe_error) : json_null(),
		"rusage", json_string("wall, user, sys, maxrss, faults, context switches: always"),
		"simulation",
		"available", d->valgrind[0] != '\0',
		"valgrind", d->valgrind[0] ? json_string(d->valgrind) : json_null(),
		"version", d->valgrind_version[0] ? json_string(d->valgrind_version) : json_null(),
		"models", models,
		"requested", d->geometry.name[0] ? geometry_json(&d->geometry) : json_null());
	strbuf_release(&sb);
	return emit_json(root);
}

struct list_ctx {
	int json;
	json_t *arr;
};

static int list_one(const char *name, const char *desc, void *arg)
{
	struct list_ctx *ctx = arg;

	if (ctx->json)
		json_array_append_new(ctx->arr, json_pack("{s:s, s:s}", "name", name,
							  "description", desc));
	else
		printf("%s\n    %s\n", name, desc);
	return 0;
}

static int list_events(int json)
{
	struct list_ctx ctx = { json, json ? json_array() : NULL };
	struct ngb_err err = { 0 };

	if (!json)
		printf("Event names libpfm4 knows on this machine (perf's generic names such as "
		       "cycles,\nLLC-load-misses or task-clock work too; a PMU the kernel does "
		       "not offer\ncannot count even when its events are listed):\n\n");
	if (ngb_perfmon_list_events(list_one, &ctx, &err)) {
		json_decref(ctx.arr);
		return error("%s", err.msg);
	}
	if (!json)
		return 0;
	return emit_json(json_pack("{s:i, s:o}", "format_version", 1, "events", ctx.arr));
}

int cmd_perfmon(int argc, const char **argv)
{
	const char *events = NULL, *model = NULL;
	int json = 0, user_only = 0, list = 0, ret, first;
	const struct ngb_option opts[] = {
		OPT_STRING(0, "events", &events, "LIST",
			   "events to try instead of the default set: names\n"
			   "libpfm4 knows, comma-separated, '{a,b}' for a group"),
		OPT_FLAG(0, "user-only", &user_only,
			 "count user space only even where the kernel may be\ncounted"),
		OPT_STRING(0, "sim-model", &model, "GEOMETRY",
			   "check and show a cache geometry for --counters=sim:\n"
			   "client, server, dtlb-client, dtlb-server, optionally\n"
			   "':LEVEL=SIZE,ASSOC,LINE' overrides (LEVEL: I1, D1, LL)"),
		OPT_FLAG(0, "list", &list, "list every event name libpfm4 knows on this machine"),
		OPT_ENUM(0, "format", &json, "FMT", perfmon_formats,
			 "text (default) or json (stable, for scripts)"),
		OPT_END(),
	};
	const char *name = argc > 0 && argv[0] && strcmp(argv[0], "doctor") == 0 ? "doctor"
										  : "perfmon";
	const struct ngb_command cmd = { name, perfmon_synopsis, NULL, opts,
					 NGB_CMD_STOP_AT_OPERAND };
	struct doctor d;

	first = ngb_parse_options(&cmd, argc, argv);
	if (first < 0)
		return ngb_options_exit(first);
	if (first != argc)
		return usage_error(name, "'%s' takes no arguments", name);
	if (list)
		return list_events(json) ? 1 : 0;

	memset(&d, 0, sizeof(d));
	if (model) {
		struct ngb_err err = { 0 };

		if (ngb_cache_geometry_parse(model, &d.geometry, &err))
			return usage_error(name, "%s", err.msg);
	}
	if (doctor_run(&d, events, user_only)) {
		doctor_release(&d);
		return 1;
	}
	ret = json ? print_json(&d) : (print_text(&d), 0);
	doctor_release(&d);
	return ret ? 1 : 0;
}
