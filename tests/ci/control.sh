#!/bin/sh
# The timed gate with a control allocator, end to end: 'baseline save
# --control' keeps each run of test-extra (glibc's malloc plus
# NGBENCH_TEST_EXTRA_INSNS instructions per malloc) as a ratio to the
# ptmalloc2 run of its round, leaves the control's own cells out and names
# it in the file; 'ngbench ci' judges the same ratios.  A slowdown far beyond
# this machine's noise (2000 instructions a malloc: several times slower) is a
# regression; a control left out of the run, a control the session lacks and a
# control on simulated counts are clear errors.  An experiment's own
# 'control' and 'baseline-repetitions' are baseline save's defaults.  (A/A and 10 % on real
# noise are measured by tests/ci/measure-gate.sh, not asserted here.)  A
# measurement on a machine that stalled is taken again (see stalled below).
. "$top_srcdir/tests/cli/lib.sh"
export NGBENCH_PLUGIN_PATH="$top_builddir/tests/ci/.libs"
[ -e "$NGBENCH_PLUGIN_PATH/test-extra.so" ] || skip_all "the test-extra plugin is not built"
plan 28

X=$SCRATCH/time.ini
cat >"$X" <<EOT
[global]
allocators = ptmalloc2,test-extra
workloads = threadtest
threads = 1
counters = none
repetitions = 10
set = iterations=20
set = objects=5000
EOT
B=$SCRATCH/time.baseline

# ratios SESSION-ID: each test-extra run over the ptmalloc2 run of its
# round, sorted, as the database has them
ratios() {
	python3 - "$DB" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
r = {}
for rnd, a, v in db.execute("SELECT round, allocator, metric_value FROM trials"
                            " WHERE session_id = ? AND status = 'ok' AND NOT warmup",
                            (int(sys.argv[2]),)):
    r.setdefault(rnd, {})[a] = v
print(" ".join("%.6g" % x for x in sorted(x["test-extra"] / x["ptmalloc2"]
                                          for x in r.values() if len(x) == 2)))
PY
}
# stalled RATIOS...: the runs of one session spread over more than 3x.  Here
# the same code's runs agree to about 1.3x and 2000 instructions a malloc
# to about 1.5x (11x slower); CI once had three baseline runs of 3 ms take
# 3.5 s (ratios 1160 to 1298), a stall no gate can see through with ten
# runs.  Such a measurement is taken again, up to five times; a verdict on
# a measurement that did not stall is never retried.
stalled() {
	python3 -c 'import sys; v = [float(x) for x in sys.argv[1:]]
sys.exit(not (not v or max(v) > 3 * min(v)))' "$@"
}
last_session() { sql "SELECT max(id) FROM sessions"; }

attempt=1
while :; do
	NGBENCH_TEST_EXTRA_INSNS=0 "$NGBENCH" baseline save -q --experiment="$X" --control=ptmalloc2 \
		-o "$B" >"$SCRATCH/out" 2>&1
	save_rc=$?
	bsid=$(last_session)
	base=$(ratios "$bsid")
	NGBENCH_TEST_EXTRA_INSNS=2000 "$NGBENCH" ci -q --experiment="$X" --baseline-file="$B" \
		--label=slow$attempt --junit="$SCRATCH/slow.xml" >"$SCRATCH/slow.out" 2>&1
	rc=$?
	slow=$(ratios "$(last_session)")
	[ $save_rc -eq 0 ] && [ $rc -eq 1 ] && break
	stalled $base || stalled $slow || break
	[ $attempt -lt 5 ] || break
	diag "attempt $attempt: the machine stalled (ratios at 0 instructions: $base;" \
	     "at 2000: $slow): measuring again"
	attempt=$((attempt + 1))
	sleep 2
done

[ $save_rc -eq 0 ]; ok $? "baseline save --control runs the experiment and writes the file"
[ $save_rc -eq 0 ] || sed 's/^/# /' "$SCRATCH/out"
contains "$B" "control = ptmalloc2" "the file names the control"
n=$(grep -c '^allocator = ' "$B")
is "$n" 1 "one cell: the control's own is left out"
contains "$B" "allocator = test-extra" "the cell is test-extra's"
"$NGBENCH" baseline show "$B" >"$SCRATCH/show" 2>&1
contains "$SCRATCH/show" "control: ptmalloc2" "baseline show names the control"
# the file's ten values are the baseline session's ratios (a loaded machine
# may delay any run: no range is assumed)
vals=$(sed -n 's/^values = //p' "$B")
python3 -c 'import sys
got = [float(x) for x in sys.argv[1].split()]
want = [float(x) for x in sys.argv[2].split()]
sys.exit(not (len(got) == 10 and len(want) == 10 and
              all(abs(g / w - 1) < 1e-5 for g, w in zip(got, want))))' "$vals" "$base"
ok $? "ten ratios, each run over its round's control run: $vals"

is $rc 1 "several times slower against the control: ci exits 1"
[ $rc -eq 1 ] || { diag "ratios at 2000 instructions: $slow"; sed -n '/^CELL/,$p' "$SCRATCH/slow.out" | sed 's/^/# /'; }
contains "$SCRATCH/slow.out" "against control ptmalloc2" "the verdict says it is against the control"
contains "$SCRATCH/slow.out" ", median," "and judged on the median of the ratios by default"
contains "$SCRATCH/slow.xml" '<failure type="regression"' "JUnit has the failure"
contains "$SCRATCH/slow.out" "note: timed cells with fewer than 400 runs in the baseline (1) or 160 in this session (1)" \
	"ten runs a side: ci says a 10 % slowdown would not be found every time"
"$NGBENCH" compare --baseline-file="$B" slow$attempt >/dev/null 2>&1
is $? 1 "compare --baseline-file on the stored session agrees"

NGBENCH_TEST_EXTRA_INSNS=0 "$NGBENCH" ci -q --experiment="$X" --baseline-file="$B" \
	--allocator=test-extra >"$SCRATCH/noctl.out" 2>&1
is $? 1 "the control narrowed away: ci exits 1"
contains "$SCRATCH/noctl.out" "control" "and says the control is missing"

"$NGBENCH" baseline save --session=slow$attempt --control=jemalloc -o "$SCRATCH/j.baseline" \
	>"$SCRATCH/j.out" 2>&1
is $? 1 "a control the session does not have: exit 1"
contains "$SCRATCH/j.out" "add it to the experiment's allocators" "with what to do"

# a cell the control never ran (another workload): refused, not saved unjudgeable
# (and never kept as raw times beside ratios)
cat >"$SCRATCH/half.ini" <<EOT
[global]
threads = 1
counters = none
repetitions = 2

[with]
allocators = ptmalloc2,test-extra
workloads = threadtest
set = iterations=2
set = objects=1000

[without]
allocators = test-extra
workloads = xmalloc
set = objects=1000
EOT
"$NGBENCH" baseline save -q --experiment="$SCRATCH/half.ini" --control=ptmalloc2 \
	-o "$SCRATCH/half.baseline" >"$SCRATCH/half.out" 2>&1
is $? 1 "a cell that never ran beside the control: exit 1"
contains "$SCRATCH/half.out" "xmalloc t=1 test-extra: none of its 2 runs has a run of the control" \
	"naming the cell and what to do"
test ! -e "$SCRATCH/half.baseline"; ok $? "and no baseline written"

# the experiment's defaults for a baseline: its control and repetitions
cat >"$SCRATCH/own.ini" <<EOT
[global]
allocators = ptmalloc2,test-extra
workloads = threadtest
threads = 1
counters = none
repetitions = 2
control = ptmalloc2
baseline-repetitions = 3
set = iterations=2
set = objects=1000
EOT
"$NGBENCH" baseline save --experiment="$SCRATCH/own.ini" -o "$SCRATCH/own.baseline" \
	>"$SCRATCH/own.out" 2>&1
ok $? "baseline save of an experiment that names its control"
contains "$SCRATCH/own.out" "baseline: 3 repetitions and the control ptmalloc2 from the experiment own" \
	"says where its repetitions and control come from"
contains "$SCRATCH/own.baseline" "control = ptmalloc2" "the experiment's control is the file's"
n=$(sed -n 's/^runs = //p' "$SCRATCH/own.baseline")
is "$n" 3 "baseline-repetitions runs, not the experiment's 2"
"$NGBENCH" baseline save -q --experiment="$SCRATCH/own.ini" -r 2 --control=test-extra \
	-o "$SCRATCH/own2.baseline" >/dev/null 2>&1
n=$(sed -n 's/^runs = //p' "$SCRATCH/own2.baseline")
a=$(sed -n 's/^allocator = //p' "$SCRATCH/own2.baseline")
is "$n $a" "2 ptmalloc2" "-r and --control given on the command line win"
sed 's/^baseline-repetitions = 3/baseline-repetitions = many/' "$SCRATCH/own.ini" >"$SCRATCH/bad.ini"
"$NGBENCH" baseline save -q --experiment="$SCRATCH/bad.ini" -o "$SCRATCH/bad.baseline" \
	>"$SCRATCH/bad.out" 2>&1
is $? 2 "a bad baseline-repetitions: exit 2"
contains "$SCRATCH/bad.out" "'baseline-repetitions' takes a whole number from 1 to 100000, not 'many'" \
	"naming the key and what it takes"

# a reference build given by path is the control under its file name
L=$NGBENCH_PLUGIN_PATH/libtestextra.so
sed -e "s|^allocators = .*|allocators = test-extra,$L|" -e "s|^control = .*|control = $L|" \
	"$SCRATCH/own.ini" >"$SCRATCH/path.ini"
NGBENCH_TEST_EXTRA_INSNS=0 "$NGBENCH" baseline save -q --experiment="$SCRATCH/path.ini" \
	-o "$SCRATCH/path.baseline" >"$SCRATCH/path.out" 2>&1
ok $? "a library given by path as the control"
contains "$SCRATCH/path.baseline" "control = libtestextra.so" "named by its file name, as run names it"
