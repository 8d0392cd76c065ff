#!/bin/sh
# One workload run with two parameter sets in one session is two cells, not
# one: report (text, JSON), the profiles and compare keep them apart, each
# named by the parameter that differs ("threadtest iterations=3"); a thread
# sweep of one parameter set keeps the workload's bare name.  A workload
# run both timed and under cachegrind is two cells, the second "(sim)".
. "$top_srcdir/tests/cli/lib.sh"
plan 26

X=$SCRATCH/two.ini
cat >"$X" <<EOT
[global]
allocators = ptmalloc2
threads = 1,2
counters = none
repetitions = 2
set = objects=2000

[few]
workloads = threadtest
set = iterations=1

[more]
workloads = threadtest
set = iterations=30
EOT
"$NGBENCH" run -q --experiment="$X" --profile --label=two-a >/dev/null 2>&1
ok $? "an experiment with two parameter sets of threadtest, with profiles"
# the summary table: from the first header to the first empty line
first() { awk '/^WORKLOAD/ { on = 1 } on && /^$/ { exit } on' "$1"; }
"$NGBENCH" report two-a >"$SCRATCH/out" 2>&1
ok $? "its report"
first "$SCRATCH/out" >"$SCRATCH/table"
n=$(grep -c '^threadtest iterations=1 ' "$SCRATCH/table")
m=$(grep -c '^threadtest iterations=30 ' "$SCRATCH/table")
is "$n $m" "2 2" "a row per parameter set and thread count in the summary table"
grep -q '^threadtest  ' "$SCRATCH/table"
is $? 1 "and no row that mixes them"
"$NGBENCH" report two-a --format=json >"$SCRATCH/json" 2>&1
is "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted("%s/%s/%d" % (c["workload"], c["threads"], len(c["values"]))
                      for c in d["cells"])))' "$SCRATCH/json" 2>&1)" \
	"threadtest iterations=1/1/2 threadtest iterations=1/2/2 threadtest iterations=30/1/2 threadtest iterations=30/2/2" \
	"JSON: four cells of two runs each"
# each cell's values are exactly the runs of its parameter set and thread
# count in the database (timing could not tell them apart on a noisy
# machine); and, for scripts, the workload's name, its whole parameter set
# (as the trials stored it, without the thread count) and the counter mode are
# there apart from the label
python3 - "$SCRATCH/json" "$DB" >"$SCRATCH/cellcheck" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
sid = db.execute("SELECT id FROM sessions WHERE label = 'two-a'").fetchone()[0]
values = fields = True
for c in json.load(open(sys.argv[1]))["cells"]:
    it = c["workload"].split("iterations=")[1]
    rows = db.execute(
        "SELECT metric_value, params FROM trials WHERE session_id = ? AND kind = 'timing'"
        " AND NOT warmup AND status = 'ok' AND threads = ? AND json_extract(params, '$.iterations') = ?",
        (sid, c["threads"], it)).fetchall()
    want = sorted(v for v, _ in rows)
    values &= len(want) == 2 and all(abs(a - b) <= 1e-9 * abs(b) for a, b in zip(sorted(c["values"]), want))
    stored = {json.dumps({k: v for k, v in json.loads(p).items() if k != "threads"}, sort_keys=True)
              for _, p in rows}
    fields &= c["program"] == "threadtest" and c["counter_mode"] == "none"
    fields &= stored == {json.dumps(c["params"], sort_keys=True)} and c["params"]["iterations"] == it
    fields &= "threads" not in c["params"] and c["params"]["objects"] == "2000"
print("values=%d fields=%d" % (values, fields))
PY
contains "$SCRATCH/cellcheck" "values=1" "each cell holds exactly the runs of its parameter set and thread count"
contains "$SCRATCH/cellcheck" "fields=1" "JSON cells carry program, the full parameter set (no threads) and counter mode"
contains "$SCRATCH/out" "threadtest iterations=30 " "the profile tables name the parameter set too"
pc=$(sed -n '/^Allocation profile/,$p' "$SCRATCH/out" | grep -c 'threadtest iterations=')
[ "$pc" -ge 4 ]; ok $? "profile rows per parameter set ($pc)"

"$NGBENCH" run -q --experiment="$X" --label=two-b >/dev/null 2>&1
"$NGBENCH" compare two-a two-b >"$SCRATCH/cmp" 2>&1
rc=$?
[ $rc -le 1 ]; ok $? "compare of two such sessions runs (exit $rc)"
! grep -q "only in" "$SCRATCH/cmp"; ok $? "and matches every cell with its own"

"$NGBENCH" run -q -a ptmalloc2 -w threadtest -t 1,2 -r 1 --counters=none -s iterations=1 \
	-s objects=2000 --label=sweep >/dev/null 2>&1
"$NGBENCH" report sweep >"$SCRATCH/sweep" 2>&1
n=$(first "$SCRATCH/sweep" | grep -c '^threadtest  ')
is "$n" 2 "a thread sweep of one parameter set: the bare name, one row per thread count"
! grep -q 'threads=' "$SCRATCH/sweep"; ok $? "the thread count is never a parameter label"

# two_modes LABEL MODE1 MODE2 SUFFIX: one workload in two counter modes in one
# session (with profile trials): a row for each in the summary table, the
# second named with SUFFIX
two_modes() {
	cat >"$SCRATCH/$1.ini" <<EOT
[global]
allocators = ptmalloc2
workloads = threadtest
threads = 1
repetitions = 2
set = iterations=1
set = objects=1000

[first]
counters = $2

[second]
counters = $3
EOT
	"$NGBENCH" run -q --experiment="$SCRATCH/$1.ini" --profile --label="$1" >/dev/null 2>&1
	ok $? "one workload, counters=$2 and counters=$3, in one session"
	"$NGBENCH" report "$1" >"$SCRATCH/$1" 2>&1
	first "$SCRATCH/$1" >"$SCRATCH/$1.first"
	n=$(grep -c '^threadtest  ' "$SCRATCH/$1.first")
	m=$(grep -c "^threadtest $4 " "$SCRATCH/$1.first")
	is "$n $m" "1 1" "a row for each: threadtest and threadtest $4"
}

two_modes modes none sim "(sim)"
"$NGBENCH" report modes --format=json >"$SCRATCH/mj" 2>&1
python3 -c '
import json, sys
d = {c["workload"]: c for c in json.load(open(sys.argv[1]))["cells"]}
t, s = d["threadtest"], d["threadtest (sim)"]
# under cachegrind the same work takes many times longer; the best runs,
# because a timed run of 0.1 ms that the scheduler interrupts (make -j2
# check on two cores) can take longer than a simulated one
ok = s["best"] > 5 * t["best"]
if not ok:
    print("# timed %s, simulated %s" % (t["values"], s["values"]), file=sys.stderr)
sys.exit(not ok)
' "$SCRATCH/mj"
ok $? "the simulated runs' wall time is not mixed into the timed cell"
python3 -c '
import json, sys
d = {c["workload"]: c for c in json.load(open(sys.argv[1]))["cells"]}
t, s = d["threadtest"], d["threadtest (sim)"]
sys.exit(not (t["counter_mode"] == "none" and s["counter_mode"] == "sim" and
              t["program"] == s["program"] == "threadtest" and t["params"] == s["params"]))
' "$SCRATCH/mj"
ok $? "JSON: the two cells differ in counter mode only"

# Timed with counters and without, in one session (perfmon's overhead
# experiment): two cells, the uncounted one named so.  Software events count
# on any Linux machine; where none could be opened each is still stored, as
# unavailable with its reason, so the mode is known either way.
two_modes counted hw none "(no counters)"
"$NGBENCH" report counted --format=json >"$SCRATCH/cj" 2>&1
python3 -c '
import json, sys
d = {c["workload"]: c for c in json.load(open(sys.argv[1]))["cells"]}
sys.exit(not (d["threadtest"]["counter_mode"] == "hw" and
              d["threadtest (no counters)"]["counter_mode"] == "none" and
              len(d["threadtest"]["values"]) == len(d["threadtest (no counters)"]["values"]) == 2))
' "$SCRATCH/cj"
ok $? "JSON: counter modes hw and none, two runs each"
# the profile trials (no counters of their own) join the counted cell in
# the profile tables; the RSS table (timing trials) has both cells
sed -n '/^Allocation profile/,/^Memory given back/p' "$SCRATCH/counted" >"$SCRATCH/cp"
n=$(grep -c '^threadtest  ' "$SCRATCH/cp")
m=$(grep -c 'no counters' "$SCRATCH/cp")
is "$n $m" "2 0" "the profile tables name the counted cell, not a third one"
sed -n '/^Memory given back/,$p' "$SCRATCH/counted" >"$SCRATCH/cr"
n=$(grep -c '^threadtest  ' "$SCRATCH/cr")
m=$(grep -c '^threadtest (no counters) ' "$SCRATCH/cr")
is "$n $m" "1 1" "the memory table has a row per timing cell"

# All runs under cachegrind, with profiles: one mode, so no "(sim)" label,
# and no blowup from valgrind's resident memory
"$NGBENCH" run -q -a ptmalloc2 -w threadtest -t 1 -s iterations=1 -s objects=1000 -r 2 \
	--counters=sim --profile --label=simprof >/dev/null 2>&1
ok $? "a session all under cachegrind, with a profile trial"
"$NGBENCH" report simprof >"$SCRATCH/sp" 2>&1
! grep -q '^threadtest (sim)' "$SCRATCH/sp"; ok $? "one mode: no (sim) label, in the tables or the profiles"
n=$(grep -c '^threadtest  ' "$SCRATCH/sp")
is "$n" 4 "rows in the summary, counter, profile and fragmentation tables"
grep '^threadtest ' "$SCRATCH/sp" | tail -1 | grep -q ' n/a '
ok $? "no blowup from RSS under valgrind"
done_testing
