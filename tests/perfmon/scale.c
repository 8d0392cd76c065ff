/*
 * tests/perfmon/scale.c - the scaling arithmetic and the errno -> status rule.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "ngbench/perfmon.h"
#include "tap.h"

int main(void)
{
	static const struct {
		int err;
		enum ngb_counter_status want;
	} map[] = {
		{ ENOENT, NGB_STATUS_UNSUPPORTED }, { EOPNOTSUPP, NGB_STATUS_UNSUPPORTED },
		{ ENODEV, NGB_STATUS_UNSUPPORTED }, { EACCES, NGB_STATUS_DENIED },
		{ EPERM, NGB_STATUS_DENIED },       { EINVAL, NGB_STATUS_ERROR },
		{ EMFILE, NGB_STATUS_ERROR },       { ESRCH, NGB_STATUS_ERROR },
		{ EBUSY, NGB_STATUS_ERROR },        { E2BIG, NGB_STATUS_ERROR },
	};
	struct ngb_counter c;

	tap_plan(37);

	/* Counted the whole time: the value is the raw count. */
	memset(&c, 0, sizeof(c));
	ngb_counter_scale(&c, 12345, 1000, 1000);
	expect_int_eq(c.status, NGB_STATUS_OK, "running == enabled: ok");
	ok(c.has_value && c.value == 12345.0, "value == raw");
	ok(c.has_raw && c.raw == 12345, "raw kept");
	ok(c.has_times && c.time_enabled == 1000 && c.time_running == 1000, "times kept");
	expect_str_eq(c.reason, "", "no reason when ok");

	/* Multiplexed half of the time: value = raw * enabled / running. */
	ngb_counter_scale(&c, 500, 2000, 1000);
	expect_int_eq(c.status, NGB_STATUS_SCALED, "running < enabled: scaled");
	expect_dbl_near(c.value, 1000.0, 1e-9, "500 * 2000 / 1000");
	expect_u64_eq(c.raw, 500, "raw is not scaled");
	expect_str_contains(c.reason, "counted 50.0% of the time", "the reason gives the share");
	ngb_counter_scale(&c, 7, 3, 2);
	expect_dbl_near(c.value, 10.5, 1e-12, "7 * 3 / 2 keeps the fraction");
	/* Large counts: no overflow of raw * enabled in 64 bits. */
	ngb_counter_scale(&c, 4000000000000ULL, 30000000000ULL, 10000000000ULL);
	expect_dbl_near(c.value, 12000000000000.0, 1.0, "4e12 * 3e10 / 1e10 without overflow");

	/* Never scheduled: not ok, no value, a reason. */
	ngb_counter_scale(&c, 0, 5000, 0);
	expect_int_eq(c.status, NGB_STATUS_ERROR, "running == 0: error");
	ok(!c.has_value, "running == 0: no value (never zero)");
	expect_str_contains(c.reason, "never counted", "the reason says so");
	ok(c.has_times && c.time_enabled == 5000 && c.time_running == 0,
	   "times kept to show why");
	ngb_counter_scale(&c, 0, 0, 0);
	expect_int_eq(c.status, NGB_STATUS_ERROR, "never enabled: error");
	ok(!c.has_value, "never enabled: no value");
	expect_str_contains(c.reason, "never enabled", "the reason says so");
	/* A scaled result after an error does not keep the old reason. */
	ngb_counter_scale(&c, 3, 3, 3);
	expect_str_eq(c.reason, "", "reason cleared");

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		expect_int_eq(ngb_counter_status_from_errno(map[i].err), map[i].want,
			      "%s -> %s", strerrorname_np(map[i].err),
			      ngb_counter_status_name(map[i].want));

	expect_str_eq(ngb_counter_status_name(NGB_STATUS_OK), "ok", "status name ok");
	expect_str_eq(ngb_counter_status_name(NGB_STATUS_SCALED), "scaled", "status name scaled");
	expect_str_eq(ngb_counter_status_name(NGB_STATUS_UNSUPPORTED), "unsupported",
		      "status name unsupported");
	expect_str_eq(ngb_counter_status_name(NGB_STATUS_DENIED), "denied", "status name denied");
	expect_str_eq(ngb_counter_status_name(NGB_STATUS_ERROR), "error", "status name error");
	expect_str_eq(ngb_counter_source_name(NGB_SOURCE_PMU), "pmu", "source name pmu");
	expect_str_eq(ngb_counter_source_name(NGB_SOURCE_SW), "sw", "source name sw");
	expect_str_eq(ngb_counter_source_name(NGB_SOURCE_SIM), "sim", "source name sim");
	return tap_done();
}
