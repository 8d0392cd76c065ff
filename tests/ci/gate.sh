#!/bin/sh
# The CI gate on simulated counts, end to end: 'ngbench baseline save' and
# 'ngbench ci' on a tiny experiment of the test allocator test-extra
# (glibc's malloc plus NGBENCH_TEST_EXTRA_INSNS instructions per malloc)
# under cachegrind.  The same code passes; 4 more instructions per malloc
# (measured here: +0.8 % to +1.6 % of all instructions, about 1.2 %) is a
# regression with exit 1, a JUnit failure and a markdown summary that says
# so; a baseline of another libc or cache geometry is refused with exit 3
# unless --force.  Deterministic: glibc's counts repeat (docs/ci.md).
. "$top_srcdir/tests/cli/lib.sh"
export NGBENCH_PLUGIN_PATH="$top_builddir/tests/ci/.libs"
[ -e "$NGBENCH_PLUGIN_PATH/test-extra.so" ] || skip_all "the test-extra plugin is not built"
command -v valgrind >/dev/null || skip_all "valgrind is needed for simulated counters"
plan 16

X=$SCRATCH/gate.ini
cat >"$X" <<EOT
[global]
allocators = test-extra
workloads = threadtest
threads = 1
counters = sim
cache = client
repetitions = 2
set = iterations=5
set = objects=5000
EOT
B=$SCRATCH/gate.baseline

NGBENCH_TEST_EXTRA_INSNS=0 "$NGBENCH" baseline save -q --experiment="$X" -o "$B" >"$SCRATCH/out" 2>&1
ok $? "baseline save runs the experiment and writes the file"
contains "$B" "counters = sim" "the cell is a simulated one"
contains "$B" "geometry = I1=32768,8,64 D1=32768,8,64 LL=8388608,16,64 model=client" \
	"with its geometry"

NGBENCH_TEST_EXTRA_INSNS=0 "$NGBENCH" ci -q --experiment="$X" --baseline-file="$B" \
	--summary="$SCRATCH/aa.md" --junit="$SCRATCH/aa.xml" --format=json >"$SCRATCH/aa.out" 2>&1
is $? 0 "the same code: ci exits 0"
contains "$SCRATCH/aa.md" "no regression" "the summary says so"
contains "$SCRATCH/aa.xml" 'failures="0"' "JUnit has no failure"

NGBENCH_TEST_EXTRA_INSNS=4 "$NGBENCH" ci -q --experiment="$X" --baseline-file="$B" \
	--label=extra --summary="$SCRATCH/x.md" --junit="$SCRATCH/x.xml" --format=json \
	>"$SCRATCH/x.out" 2>&1
is $? 1 "4 more instructions per malloc: ci exits 1"
# the change the gate saw, from its JSON (after the run's own lines)
change=$(sed -n '/^{/,$p' "$SCRATCH/x.out" | python3 -c '
import json, sys
c = json.load(sys.stdin)["cells"][0]
print("%.4f" % c["simulated"]["instructions"]["change"])' 2>/dev/null)
diag "instructions changed by $change"
python3 -c "import sys; sys.exit(not 0.008 <= float('$change') <= 0.016)" 2>/dev/null
ok $? "the increase is about 1 % (0.8 % to 1.6 %): $change"
contains "$SCRATCH/x.md" "regression" "the summary says regression"
contains "$SCRATCH/x.xml" '<failure type="regression"' "JUnit has the failure"
"$NGBENCH" compare --baseline-file="$B" extra >/dev/null 2>&1
is $? 1 "compare --baseline-file on the stored session agrees"

sed 's/^libc = .*/libc = 1.0/' "$B" >"$SCRATCH/libc.baseline"
"$NGBENCH" ci -q --experiment="$X" --baseline-file="$SCRATCH/libc.baseline" >"$SCRATCH/l.out" 2>&1
is $? 3 "a baseline of another libc: exit 3 before running"
contains "$SCRATCH/l.out" "libc: baseline '1.0'" "and the message says why"
sed 's/LL=8388608,16,64 model=client/LL=33554432,16,64 model=server/' "$B" >"$SCRATCH/geo.baseline"
"$NGBENCH" compare --baseline-file="$SCRATCH/geo.baseline" extra >"$SCRATCH/g.out" 2>&1
is $? 3 "another geometry is refused (exit 3)"
contains "$SCRATCH/g.out" "another simulated geometry" "with the reason"
"$NGBENCH" compare --force --baseline-file="$SCRATCH/geo.baseline" extra >"$SCRATCH/g.out" 2>&1
is $? 1 "--force judges anyway (and finds the regression)"
done_testing
