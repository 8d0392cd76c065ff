#!/bin/sh
# tests/reports/measure-compare.sh - how often 'ngbench compare' cries wolf,
# and how often it finds a real slowdown, on this machine.  Not part of
# 'make check' (it takes minutes); its figures are in reports/README.md.
#
#   sh measure-compare.sh BUILDDIR DB PAIRS SPINS [REPS]
#
# Per round: two sessions of the same configuration (A, A') and one with the
# test allocator slowed by SPINS busy iterations per malloc (B), each REPS
# trials of threadtest (1 thread, 50 iterations) under test-slow; then
# compare A A' (any 'slower' is a false alarm) and A B (should be 'slower')
# with each statistic.
set -eu
b=$1 db=$2 pairs=$3 spins=$4 reps=${5:-10}
export NGBENCH_PLUGIN_PATH="$b/tests/reports/.libs"
run() {
	NGBENCH_TEST_SLOW_SPINS=$1 "$b/ngbench" run -q -a test-slow -w threadtest -t 1 \
		-s iterations=50 -r "$reps" --counters=none --label="$2" --db="$db" >/dev/null 2>&1 || true
}
i=1
while [ "$i" -le "$pairs" ]; do
	run 0 "a-$i"; run 0 "a2-$i"; run "$spins" "b-$i"
	i=$((i + 1))
done
for stat in min p25 median; do
	for eff in 3% 5%; do
		fa=0 det=0 i=1
		while [ "$i" -le "$pairs" ]; do
			"$b/ngbench" compare --db="$db" --stat=$stat --min-effect=$eff "a-$i" "a2-$i" >/dev/null 2>&1 || fa=$((fa + 1))
			"$b/ngbench" compare --db="$db" --stat=$stat --min-effect=$eff "a-$i" "b-$i" >/dev/null 2>&1 || det=$((det + 1))
			i=$((i + 1))
		done
		echo "stat=$stat min-effect=$eff: false alarms $fa/$pairs, slowdown found $det/$pairs"
	done
done
# the size of the effect, from every run of each kind pooled
sqlite3 "$db" "SELECT CASE WHEN s.label GLOB 'a2-*' THEN 'a2' WHEN s.label GLOB 'a-*' THEN 'a' ELSE 'b' END AS kind,
  count(*), min(t.metric_value), avg(t.metric_value) FROM trials t JOIN sessions s ON s.id = t.session_id
  WHERE t.status = 'ok' GROUP BY kind"
