/*
 * tests/perfmon/encode.c - event names -> encodings and groups (libpfm4).
 *
 * Needs no PMU: libpfm4 encodes perf's generic events from tables, and the
 * groups are formed from the encodings.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <perfmon/pfmlib_perf_event.h>
#include <string.h>
#include <unistd.h>

#include "ngbench/perfmon.h"
#include "tap.h"

static long find(const struct ngb_perfmon *pm, const char *name)
{
	for (size_t i = 0; i < ngb_perfmon_nevents(pm); i++)
		if (strcmp(ngb_perfmon_event_name(pm, i), name) == 0)
			return (long)i;
	return -1;
}

static void same_group(const struct ngb_perfmon *pm, const char *a, const char *b)
{
	long i = find(pm, a), j = find(pm, b);

	ok(i >= 0 && j >= 0 && ngb_perfmon_event_group(pm, (size_t)i) ==
	   ngb_perfmon_event_group(pm, (size_t)j), "%s and %s are in one group", a, b);
	ok(i >= 0 && ngb_perfmon_event_is_leader(pm, (size_t)i) &&
	   !ngb_perfmon_event_is_leader(pm, (size_t)j), "%s leads, %s follows", a, b);
}

static void alone(const struct ngb_perfmon *pm, const char *a)
{
	long i = find(pm, a);
	int members = 0;

	for (size_t k = 0; i >= 0 && k < ngb_perfmon_nevents(pm); k++)
		members += ngb_perfmon_event_group(pm, k) == ngb_perfmon_event_group(pm, (size_t)i);
	expect_int_eq(members, 1, "%s is alone in its group", a);
}

/* type=T config=C as printed in the encoding string */
static void encoded_as(const struct ngb_perfmon *pm, const char *name, unsigned type,
		       unsigned long long config, enum ngb_counter_source src)
{
	char want[64];
	long i = find(pm, name);

	snprintf(want, sizeof(want), "type=%u config=%#llx", type, config);
	if (config == 0)
		snprintf(want, sizeof(want), "type=%u config=0", type);
	expect_str_contains(i >= 0 ? ngb_perfmon_event_encoding(pm, (size_t)i) : NULL, want,
			    "%s encodes as %s", name, want);
	ok(i >= 0 && ngb_perfmon_event_source(pm, (size_t)i) == src, "%s has source %s", name,
	   ngb_counter_source_name(src));
}

#define HWC(cache, op, res)                                                              \
	(PERF_COUNT_HW_CACHE_##cache | PERF_COUNT_HW_CACHE_OP_##op << 8 |                \
	 (unsigned long long)PERF_COUNT_HW_CACHE_RESULT_##res << 16)

int main(void)
{
	struct ngb_perfmon_config cfg = { .events = NULL, .user_only = -1 };
	struct ngb_perfmon *pm;
	struct ngb_err err = { 0 };
	enum ngb_counters_mode mode;
	int ret;

	tap_plan(67);

	ret = ngb_perfmon_new(&pm, &cfg, &err);
	expect_int_eq(ret, 0, "the default set encodes (%s)", ret ? err.msg : "ok");
	if (ret)
		return tap_done();
	expect_int_eq(ngb_perfmon_nevents(pm), 14, "the default set has 14 events");

	encoded_as(pm, "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, NGB_SOURCE_PMU);
	encoded_as(pm, "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS,
		   NGB_SOURCE_PMU);
	encoded_as(pm, "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES,
		   NGB_SOURCE_SW);
	encoded_as(pm, "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS,
		   NGB_SOURCE_SW);
	encoded_as(pm, "LLC-loads", PERF_TYPE_HW_CACHE, HWC(LL, READ, ACCESS), NGB_SOURCE_PMU);
	encoded_as(pm, "LLC-load-misses", PERF_TYPE_HW_CACHE, HWC(LL, READ, MISS),
		   NGB_SOURCE_PMU);
	encoded_as(pm, "LLC-stores", PERF_TYPE_HW_CACHE, HWC(LL, WRITE, ACCESS), NGB_SOURCE_PMU);
	encoded_as(pm, "LLC-store-misses", PERF_TYPE_HW_CACHE, HWC(LL, WRITE, MISS),
		   NGB_SOURCE_PMU);
	encoded_as(pm, "dTLB-loads", PERF_TYPE_HW_CACHE, HWC(DTLB, READ, ACCESS), NGB_SOURCE_PMU);
	encoded_as(pm, "dTLB-load-misses", PERF_TYPE_HW_CACHE, HWC(DTLB, READ, MISS),
		   NGB_SOURCE_PMU);
	encoded_as(pm, "dTLB-stores", PERF_TYPE_HW_CACHE, HWC(DTLB, WRITE, ACCESS),
		   NGB_SOURCE_PMU);
	encoded_as(pm, "dTLB-store-misses", PERF_TYPE_HW_CACHE, HWC(DTLB, WRITE, MISS),
		   NGB_SOURCE_PMU);
	encoded_as(pm, "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, NGB_SOURCE_SW);
	encoded_as(pm, "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS,
		   NGB_SOURCE_SW);

	/* Group layout: loads with their misses, cycles with instructions. */
	same_group(pm, "cycles", "instructions");
	same_group(pm, "LLC-loads", "LLC-load-misses");
	same_group(pm, "LLC-stores", "LLC-store-misses");
	same_group(pm, "dTLB-loads", "dTLB-load-misses");
	same_group(pm, "dTLB-stores", "dTLB-store-misses");
	ok(ngb_perfmon_event_group(pm, (size_t)find(pm, "LLC-loads")) !=
	   ngb_perfmon_event_group(pm, (size_t)find(pm, "LLC-stores")),
	   "loads and stores are separate groups");
	ok(ngb_perfmon_event_group(pm, (size_t)find(pm, "LLC-loads")) !=
	   ngb_perfmon_event_group(pm, (size_t)find(pm, "dTLB-loads")),
	   "LLC and dTLB are separate groups");
	alone(pm, "task-clock");
	alone(pm, "page-faults");
	alone(pm, "context-switches");
	alone(pm, "cpu-migrations");

	/* Privilege level as the paranoid level requires. */
	{
		FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
		int level = INT_MIN, uo = ngb_perfmon_user_only(pm);

		if (f) {
			if (fscanf(f, "%d", &level) != 1)
				level = INT_MIN;
			fclose(f);
		}
		if (level >= 2 && geteuid() != 0)
			expect_int_eq(uo, 1, "paranoid %d: user space only", level);
		else
			ok(uo == 0 || uo == 1, "paranoid %d, euid %d: user_only=%d", level,
			   (int)geteuid(), uo);
		expect_str_contains(ngb_perfmon_event_encoding(pm, 0), uo ? ":k=0" : ":k=1",
				    "the encoding states the kernel exclusion");
	}
	ngb_perfmon_free(pm);

	/* Forced user space, explicit groups, perf:: and PMU-less spellings. */
	cfg.events = "{page-faults,task-clock},perf::PERF_COUNT_HW_INSTRUCTIONS,LLC-load-misses,"
		     "LLC-loads";
	cfg.user_only = 1;
	ret = ngb_perfmon_new(&pm, &cfg, &err);
	expect_int_eq(ret, 0, "an explicit list encodes (%s)", ret ? err.msg : "ok");
	if (ret == 0) {
		expect_int_eq(ngb_perfmon_nevents(pm), 5, "five events");
		same_group(pm, "page-faults", "task-clock");
		same_group(pm, "LLC-load-misses", "LLC-loads");
		alone(pm, "perf::PERF_COUNT_HW_INSTRUCTIONS");
		expect_str_contains(ngb_perfmon_event_encoding(pm, 2), ":k=0",
				    "user_only=1 excludes the kernel");
		ngb_perfmon_free(pm);
	} else {
		tap_skip(7, "no session");
	}

	/* Unknown names say where the valid ones are. */
	cfg.events = "cycles,no-such-event-xyz";
	ret = ngb_perfmon_new(&pm, &cfg, &err);
	expect_int_eq(ret, -ENOENT, "an unknown event fails");
	expect_str_contains(err.msg, "'no-such-event-xyz'", "the message names it");
	expect_str_contains(err.msg, "ngbench perfmon --list", "the message says how to list");
	ok(pm == NULL, "no session is returned");

	cfg.events = "cycles,cycles";
	expect_int_eq(ngb_perfmon_new(&pm, &cfg, &err), -EINVAL, "a duplicate fails");
	cfg.events = "{cycles,{instructions}}";
	expect_int_eq(ngb_perfmon_new(&pm, &cfg, &err), -EINVAL, "nested braces fail");
	cfg.events = "{cycles,instructions";
	expect_int_eq(ngb_perfmon_new(&pm, &cfg, &err), -EINVAL, "an open brace fails");
	cfg.events = "cycles,,instructions";
	expect_int_eq(ngb_perfmon_new(&pm, &cfg, &err), -EINVAL, "an empty name fails");

	expect_int_eq(ngb_counters_mode_parse("sim", &mode, &err), 0, "mode sim parses");
	expect_int_eq(mode, NGB_COUNTERS_SIM, "mode sim");
	expect_int_eq(ngb_counters_mode_parse("pmu", &mode, &err), -EINVAL, "mode pmu fails");
	return tap_done();
}
