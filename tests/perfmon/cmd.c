/*
 * tests/perfmon/cmd.c - "ngbench perfmon" (cmd_perfmon) as a user sees it:
 * its JSON report must agree with the machine and with the rules of the
 * counters table (a value only when counted), and its usage errors exit 2.
 */
#include "config.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ngbench/perfmon.h"
#include "tap.h"

int cmd_perfmon(int argc, const char **argv);

/* Runs cmd_perfmon with stdout and stderr into files; returns its exit status. */
static int run(const char *out, int argc, const char **argv)
{
	int saved_out = dup(1), saved_err = dup(2), ret;

	fflush(stdout);
	if (!freopen(out, "w", stdout))
		return -1;
	if (!freopen("/dev/null", "w", stderr))
		return -1;
	ret = cmd_perfmon(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	clearerr(stdout);
	return ret;
}

static int allowed(const char *status, int has_value)
{
	if (!strcmp(status, "ok") || !strcmp(status, "scaled"))
		return has_value;
	return !has_value && (!strcmp(status, "unsupported") || !strcmp(status, "denied") ||
			      !strcmp(status, "error"));
}

int main(void)
{
	const char *json_args[] = { "perfmon", "--format=json" };
	const char *help[] = { "doctor", "--help" };
	const char *bad_opt[] = { "perfmon", "--no-such-option" };
	const char *bad_event[] = { "perfmon", "--events=no-such-event-xyz" };
	const char *bad_model[] = { "perfmon", "--sim-model=D1=36K,6,64" };
	const char *list[] = { "perfmon", "--list", "--format=json" };
	char out[4096], vg[4096];
	struct ngb_perfmon_machine m;
	json_t *root, *events, *ev;
	json_error_t jerr;
	size_t i;
	int fd, consistent = 1, paranoid;

	tap_plan(13);
	fd = mkstemp(tap_tmp_template(out, sizeof(out), "ngb-perfmon"));
	if (fd < 0)
		tap_skip_all("cannot make a temporary file");
	close(fd);
	ngb_perfmon_machine_probe(&m);

	expect_int_eq(run(out, 2, json_args), 0, "perfmon --format=json exits 0");
	root = json_load_file(out, 0, &jerr);
	ok(root != NULL, "the output is JSON (%s)", root ? "ok" : jerr.text);
	expect_int_eq(json_integer_value(json_object_get(root, "format_version")), 1,
		      "format_version 1");
	events = json_object_get(root, "events");
	expect_int_eq(json_array_size(events), 14, "the 14 default events");
	json_array_foreach(events, i, ev) {
		const char *st = json_string_value(json_object_get(ev, "status"));

		if (!st || !allowed(st, !json_is_null(json_object_get(ev, "value"))) ||
		    !json_string_value(json_object_get(ev, "encoding")))
			consistent = 0;
	}
	ok(consistent, "every event: allowed status, a value only when counted, an encoding");
	paranoid = (int)json_integer_value(json_object_get(json_object_get(root, "machine"),
							   "perf_event_paranoid"));
	ok(m.paranoid == INT_MIN || paranoid == m.paranoid, "paranoid level as the kernel says (%d)",
	   paranoid);
	ok(json_is_true(json_object_get(json_object_get(root, "simulation"), "available")) ==
	   (ngb_sim_find_valgrind(vg, sizeof(vg), NULL) == 0), "valgrind availability told");
	json_decref(root);

	expect_int_eq(run(out, 2, help), 0, "doctor --help exits 0");
	expect_int_eq(run(out, 2, bad_opt), 2, "an unknown option exits 2");
	expect_int_eq(run(out, 2, bad_event), 1, "an unknown event exits 1");
	expect_int_eq(run(out, 2, bad_model), 2, "a bad geometry exits 2");
	expect_int_eq(run(out, 3, list), 0, "--list exits 0");
	root = json_load_file(out, 0, &jerr);
	ok(json_array_size(json_object_get(root, "events")) > 10, "--list lists events (%zu)",
	   json_array_size(json_object_get(root, "events")));
	json_decref(root);
	unlink(out);
	return tap_done();
}
