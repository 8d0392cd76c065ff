#!/bin/sh
# One workload run with two parameter sets in one session is two cells, not
# one: report (text, JSON), the profiles and compare keep them apart, each
# named by the parameter that differs ("threadtest iterations=3"); a thread
# sweep of one parameter set keeps the workload's bare name.  A workload
# run both timed and under cachegrind is two cells, the second "(sim)".
. "$top_srcdir/tests/cli/lib.sh"
plan 17

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
# (as the trials stored it, without the thread count) and the mode are
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
    fields &= c["program"] == "threadtest" and c["mode"] == "timed"
    fields &= stored == {json.dumps(c["params"], sort_keys=True)} and c["params"]["iterations"] == it
    fields &= "threads" not in c["params"] and c["params"]["objects"] == "2000"
print("values=%d fields=%d" % (values, fields))
PY
contains "$SCRATCH/cellcheck" "values=1" "each cell holds exactly the runs of its parameter set and thread count"
contains "$SCRATCH/cellcheck" "fields=1" "JSON cells carry program, the full parameter set (no threads) and mode"
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

cat >"$SCRATCH/modes.ini" <<EOT
[global]
allocators = ptmalloc2
workloads = threadtest
threads = 1
repetitions = 2
set = iterations=1
set = objects=1000

[timed]
counters = none

[simulated]
counters = sim
EOT
"$NGBENCH" run -q --experiment="$SCRATCH/modes.ini" --label=modes >/dev/null 2>&1
ok $? "one workload, timed and simulated, in one session"
"$NGBENCH" report modes >"$SCRATCH/modes" 2>&1
first "$SCRATCH/modes" >"$SCRATCH/mt"
n=$(grep -c '^threadtest  ' "$SCRATCH/mt")
m=$(grep -c '^threadtest (sim) ' "$SCRATCH/mt")
is "$n $m" "1 1" "a timed row and a simulated row"
"$NGBENCH" report modes --format=json >"$SCRATCH/mj" 2>&1
python3 -c '
import json, sys
d = {c["workload"]: c for c in json.load(open(sys.argv[1]))["cells"]}
t, s = d["threadtest"], d["threadtest (sim)"]
# under cachegrind the same work takes many times longer
sys.exit(not (s["median"] > 5 * t["median"]))
' "$SCRATCH/mj"
ok $? "the simulated runs' wall time is not mixed into the timed cell"
python3 -c '
import json, sys
d = {c["workload"]: c for c in json.load(open(sys.argv[1]))["cells"]}
t, s = d["threadtest"], d["threadtest (sim)"]
sys.exit(not (t["mode"] == "timed" and s["mode"] == "sim" and
              t["program"] == s["program"] == "threadtest" and t["params"] == s["params"]))
' "$SCRATCH/mj"
ok $? "JSON: the two cells differ in mode only"
done_testing
