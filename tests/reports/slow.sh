#!/bin/sh
# compare finds a deliberately slowed allocator: the test plugin test-slow
# (glibc's malloc after NGBENCH_TEST_SLOW_SPINS busy iterations) with a large
# slowdown is 'slower' (exit 1) at every statistic; the same configuration
# twice exits 0 at the default statistic... only when the machine allows,
# so the false-alarm rate is measured (reports/README.md), not asserted here.
. "$top_srcdir/tests/cli/lib.sh"
export NGBENCH_PLUGIN_PATH="$top_builddir/tests/reports/.libs"
[ -e "$NGBENCH_PLUGIN_PATH/test-slow.so" ] || skip_all "the test-slow plugin is not built"
plan 6

run() {
	NGBENCH_TEST_SLOW_SPINS=$1 "$NGBENCH" run -q -a test-slow -r 6 --counters=none --label="$2" \
		-- "$TINY" --allocs=100000 >/dev/null 2>&1
}
run 0 fast; ok $? "six runs with no extra work"
run 1500 slow; ok $? "six runs with 1500 busy iterations per malloc"
for stat in min p25 median; do
	"$NGBENCH" compare --stat=$stat fast slow >"$SCRATCH/out" 2>&1
	is $? 1 "--stat=$stat finds it slower and exits 1"
done
contains "$SCRATCH/out" "slower" "the verdict says slower"
done_testing
