#!/bin/sh
# tests/reports/measure-family.sh - how often 'ngbench compare' flags
# anything when two sessions of several cells measure the same thing (the
# false-alarm rate of a whole comparison), and whether it still finds a
# real slowdown of one allocator among them.  Not part of 'make check'
# (minutes); its figures are in reports/README.md.
#
#   sh measure-family.sh BUILDDIR DB PAIRS [REPS [SPINS]] [-- COMPARE-OPTIONS]
#
# Per round I: three sessions one after the other of the same experiment
# (ptmalloc2, jemalloc, mimalloc and the test allocator test-slow x
# threadtest and xmalloc, short, x 1 and 2 threads: 16 cells, REPS runs
# each, default 6), labelled fa-a-I, fa-b-I and fa-s-I; in fa-s-I the test
# allocator spins SPINS times (default 40) before each malloc, a real
# slowdown of its 4 cells and of nothing else.  Sessions already complete
# in DB are kept, so a second call only compares: re-run it with other
# COMPARE-OPTIONS (or another build) on the same sessions.
#
# Then 'compare fa-a-I fa-b-I' at each statistic: a comparison that flags
# any cell (faster or slower) is a false alarm, since nothing changed.
# And 'compare fa-a-I fa-s-I': a test-slow cell found slower is a
# detection; any other cell flagged is a false alarm too.
set -eu
b=$1 db=$2 pairs=$3
shift 3
reps=6 spins=40
[ $# -gt 0 ] && [ "$1" != -- ] && { reps=$1; shift; }
[ $# -gt 0 ] && [ "$1" != -- ] && { spins=$1; shift; }
[ $# -gt 0 ] && [ "$1" = -- ] && shift
export NGBENCH_PLUGIN_PATH="$b/tests/reports/.libs"
[ -e "$NGBENCH_PLUGIN_PATH/test-slow.so" ] ||
	{ echo "build the test allocator first: make tests/reports/test-slow.la tests/reports/libtestslow.la" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ngb-family.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT TERM
ini=$tmp/family.ini out=$tmp/compare.json
cat >"$ini" <<INI
[global]
description = identical sessions: 4 allocators x 2 short workloads x 2 thread counts
threads = 1,2
counters = none
repetitions = $reps
allocators = ptmalloc2,jemalloc,mimalloc,test-slow

[threadtest]
workloads = threadtest
set = iterations=5

[xmalloc]
workloads = xmalloc
set = objects=400000
INI
have() {
	[ -n "$(sqlite3 "$db" "SELECT 1 FROM sessions WHERE label = '$1' AND status = 'complete'" 2>/dev/null)" ]
}
session() {
	have "$1" || NGBENCH_TEST_SLOW_SPINS=$2 "$b/ngbench" run -q -x "$ini" --label="$1" \
		--db="$db" >/dev/null 2>&1 || true
}
i=1
while [ "$i" -le "$pairs" ]; do
	session "fa-a-$i" 0
	session "fa-b-$i" 0
	session "fa-s-$i" "$spins"
	i=$((i + 1))
done
# cells flagged in the JSON comparison $out: all, then those of test-slow
flagged() {
	python3 - "$out" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
f = [x for x in c["cells"] if x["verdict"] in ("faster", "slower")]
if sys.argv[2] == "other":
    f = [x for x in f if x["allocator"] != "test-slow"]
elif sys.argv[2] == "slow":
    f = [x for x in c["cells"] if x["allocator"] == "test-slow" and x["verdict"] == "slower"]
print(len(f))
PY
}
for stat in p25 median min; do
	fa=0 fcells=0 fs=0 det=0 dcells=0 i=1 n=0
	while [ "$i" -le "$pairs" ]; do
		if have "fa-a-$i" && have "fa-b-$i" && have "fa-s-$i"; then
			n=$((n + 1))
			"$b/ngbench" compare --db="$db" --stat=$stat --format=json "$@" \
				"fa-a-$i" "fa-b-$i" >"$out" 2>/dev/null || true
			k=$(flagged all)
			[ "$k" -gt 0 ] && fa=$((fa + 1))
			fcells=$((fcells + k))
			"$b/ngbench" compare --db="$db" --stat=$stat --format=json "$@" \
				"fa-a-$i" "fa-s-$i" >"$out" 2>/dev/null || true
			k=$(flagged other)
			[ "$k" -gt 0 ] && fs=$((fs + 1))
			k=$(flagged slow)
			[ "$k" -gt 0 ] && det=$((det + 1))
			dcells=$((dcells + k))
		fi
		i=$((i + 1))
	done
	echo "stat=$stat: identical pairs flagging any cell $fa/$n (cells $fcells of $((16 * n)));" \
		"slowed pairs flagging another cell $fs/$n; slowdown found in $det/$n (cells $dcells of $((4 * n)))"
done
# the size of the injected slowdown, from every run of test-slow pooled
sqlite3 "$db" "SELECT t.workload, t.threads, substr(s.label, 1, 4) AS kind, count(*),
  printf('%.4g', avg(t.metric_value)) FROM trials t JOIN sessions s ON s.id = t.session_id
  WHERE t.status = 'ok' AND t.allocator = 'test-slow' AND s.label GLOB 'fa-*'
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
