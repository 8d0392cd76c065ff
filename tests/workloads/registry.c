/*
 * tests/workloads/registry.c - the workload registry is consistent: every
 * workload is found by name, has a "threads" parameter, a metric and a unit;
 * every default, every preset value and the smoke-test size of the tests
 * pass the same validation the programs apply; preset names round-trip;
 * bad values are refused; the reference presets write only what the
 * published programs write, leave the thread count to the user, and are
 * the ones the help names.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "../../workloads/common.h"

/* Is @text a list of name=value overrides that the workload accepts? */
static int valid_overrides(const struct ngb_workload *w, const char *text)
{
	char buf[512], err[256];
	int bad = 0;

	snprintf(buf, sizeof(buf), "%s", text ? text : "");
	for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
		char *eq = strchr(tok, '=');
		const struct ngb_workload_param *par;
		double v;

		if (!eq) {
			bad = 1;
			continue;
		}
		*eq = 0;
		par = ngb_workload_param_find(w, tok);
		if (!par || ngb_workload_param_parse(par, eq + 1, &v, err, sizeof(err)) < 0)
			bad = 1;
	}
	return !bad;
}

static void check_presets(const struct ngb_workload *w)
{
	const char *ref = w->presets[NGB_PRESET_REFERENCE];

	for (int p = 0; p < NGB_PRESET_REFERENCE; p++)
		ok(w->presets[p] && valid_overrides(w, w->presets[p]), "%s: preset %s is valid",
		   w->name, ngb_preset_name((enum ngb_preset)p));
	if (!ref)
		ok(1, "%s: no reference preset", w->name);
	else
		ok(valid_overrides(w, ref) && strstr(ref, "check=none") && !strstr(ref, "threads="),
		   "%s: reference preset '%s' is valid, has no self-check and no thread count",
		   w->name, ref);
	/* the tests run every workload but those of the user's at this size */
	if (w->group && !strcmp(w->group, "user"))
		ok(!w->smoke, "%s: needs the user's parameters, so no smoke-test size", w->name);
	else
		ok(w->smoke && *w->smoke && valid_overrides(w, w->smoke),
		   "%s: smoke-test size '%s' is valid", w->name, w->smoke ? w->smoke : "(none)");
}

int main(void)
{
	const struct ngb_workload *w;
	static const char *const expected[] = {
		"xalanc", "xmalloc", "larson", "active-false", "passive-false", "threadtest",
		"blowup",
	};
	enum ngb_preset p;
	char err[256];
	double v;
	int n = 0;

	for (w = ngb_workloads; w->name; w++)
		n++;
	tap_plan(7 + n * 11 + 11);
	for (size_t i = 0; i < sizeof(expected) / sizeof(*expected); i++)
		ok(ngb_workload_find(expected[i]) != NULL, "workload %s is registered", expected[i]);

	for (w = ngb_workloads; w->name; w++) {
		int defaults_ok = 1, seed = 0;

		/* a real program that is single-threaded has no thread parameter */
		if (w->threads_param || !w->group)
			expect_str_eq(w->threads_param, "threads", "%s: thread parameter", w->name);
		else
			ok(w->commands || !strcmp(w->group, "user"),
			   "%s: no thread parameter; runs an installed program", w->name);
		ok(!w->threads_param == !ngb_workload_param_find(w, "threads"),
		   "%s: --threads exactly when it is the thread parameter", w->name);
		ok(w->metric && *w->metric && w->unit && *w->unit, "%s: metric and unit", w->name);
		ok(w->program && *w->program && w->summary && *w->summary, "%s: program and summary",
		   w->name);
		for (const struct ngb_workload_param *par = w->params; par->name; par++) {
			if (ngb_workload_param_parse(par, par->def, &v, err, sizeof(err)) < 0) {
				tap_diag("%s --%s default: %s", w->name, par->name, err);
				defaults_ok = 0;
			}
			seed |= !strcmp(par->name, "seed");
		}
		ok(defaults_ok, "%s: every default validates", w->name);
		ok(seed, "%s: has --seed", w->name);
		check_presets(w);
	}

	w = ngb_workload_find("xalanc");
	expect_str_eq(w->requires, "xalan", "xalanc requires xalan");
	ok(w->unavailable_fix && strstr(w->unavailable_fix, "libxalan-c-dev"),
	   "xalanc says which package to install");
	ok(ngb_workload_find("nonesuch") == NULL, "unknown workload is not found");
	ok(ngb_preset_parse("standard", &p) == 0 && p == NGB_PRESET_STANDARD,
	   "preset 'standard' parses");
	ok(ngb_preset_parse("huge", &p) < 0, "preset 'huge' is refused");
	ok(ngb_preset_parse("reference", &p) == 0 && p == NGB_PRESET_REFERENCE &&
		   !strcmp(ngb_preset_name(p), "reference"),
	   "preset 'reference' round-trips");
	{
		/* the error messages' list: every preset, in order, and no other */
		char names[128] = "";

		for (int i = 0; i < NGB_PRESET_COUNT; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i == 0 ? "" : i == NGB_PRESET_COUNT - 1 ? " or " : ", ",
				 ngb_preset_name((enum ngb_preset)i));
		expect_str_eq(NGB_PRESET_CHOICES, names, "NGB_PRESET_CHOICES names every preset in order");
	}
	{
		char have[256], named[256];
		const char *s = strstr(ngb_preset_help, "reproduces"), *e;

		s = s ? strchr(s, '(') : NULL;
		e = s ? strchr(s, ')') : NULL;

		ngb_preset_reference_list(have, sizeof(have));
		snprintf(named, sizeof(named), "%.*s", s && e ? (int)(e - s - 1) : 0, s ? s + 1 : "");
		expect_str_eq(have, named, "the help names exactly the workloads with a reference preset");
	}

	const struct ngb_workload_param *threads =
		ngb_workload_param_find(ngb_workload_find("larson"), "threads");
	ok(ngb_workload_param_parse(threads, "two", &v, err, sizeof(err)) < 0 && strstr(err, "'two'"),
	   "non-numeric threads refused: %s", err);
	ok(ngb_workload_param_parse(threads, "0", &v, err, sizeof(err)) < 0 && strstr(err, "range"),
	   "threads=0 refused: %s", err);
	const struct ngb_workload_param *size =
		ngb_workload_param_find(ngb_workload_find("blowup"), "size");
	ok(ngb_workload_param_parse(size, "4K", &v, err, sizeof(err)) == 0 && v == 4096,
	   "size 4K parses as 4096");
	return tap_done();
}
