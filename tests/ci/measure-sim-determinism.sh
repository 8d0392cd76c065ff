#!/bin/sh
# tests/ci/measure-sim-determinism.sh BUILDDIR DB REPS [ALLOCATORS]: how
# repeatable each allocator's simulated counts are (cachegrind, client
# geometry), single-threaded threadtest and xmalloc at the sizes of
# data/experiments/ci-sim.ini.  Run by hand (minutes), not by make check;
# the results are in docs/ci.md.  jemalloc runs with its clock-driven
# purging off (perfmon/README.md); nextgen runs with its defaults and with
# the knobs that take time out of its decisions (NGMALLOC_ADAPT=0: fixed
# stocks; SPIN_US=0 YIELD_US=0: an idle server sleeps at once).
set -eu
b=$1 db=$2 reps=$3 allocs=${4:-ptmalloc2,tcmalloc,hoard,jemalloc,nextgen}
run() { # LABEL ALLOCATORS [ENV...]
	label=$1 a=$2
	shift 2
	env "$@" "$b/ngbench" run -q --db="$db" -a "$a" -w threadtest,xmalloc -t 1 \
		-s iterations=20 -s objects=20000 -r "$reps" --counters=sim --label="$label" >/dev/null
}
echo "# load before: $(cat /proc/loadavg)"
run det-defaults "$allocs" MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1
case ",$allocs," in *,nextgen,*)
	run det-nextgen-fixed nextgen NGMALLOC_ADAPT=0
	run det-nextgen-nospin nextgen NGMALLOC_ADAPT=0 NGMALLOC_SPIN_US=0 NGMALLOC_YIELD_US=0
	;;
esac
echo "# load after: $(cat /proc/loadavg)"
# per cell: runs, distinct Ir values, relative range of Ir, D1 and LL misses
sqlite3 -batch -header -column "$db" "
WITH v AS (
  SELECT s.label, t.workload, t.allocator, t.id,
    max(CASE WHEN c.event = 'Ir' THEN c.value END) AS ir,
    sum(CASE WHEN c.event IN ('D1mr', 'D1mw') THEN c.value END) AS d1,
    sum(CASE WHEN c.event IN ('DLmr', 'DLmw') THEN c.value END) AS ll
  FROM trials t JOIN sessions s ON s.id = t.session_id JOIN counters c ON c.trial_id = t.id
  WHERE s.label LIKE 'det-%' AND t.status = 'ok' GROUP BY t.id)
SELECT label, workload, allocator, count(*) AS runs, count(DISTINCT ir) AS distinct_ir,
  printf('%.2e', (max(ir) - min(ir)) / min(ir)) AS ir_range,
  printf('%.2e', (max(d1) - min(d1)) / min(d1)) AS d1_range,
  printf('%.2e', (max(ll) - min(ll)) / min(ll)) AS ll_range
FROM v GROUP BY label, workload, allocator ORDER BY label, workload, allocator"
