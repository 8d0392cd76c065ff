#!/bin/sh
# A baseline saved before a workload gained a parameter: its cells lack
# the parameter, the session's have it at the registry's default.  The gate
# ('compare --baseline-file', as 'ci') judges them as the same cell and
# says the baseline predates the parameter; a baseline that gives the
# parameter another value, or lacks one the session ran at another value,
# still makes other cells ("missing" and "new").  The baseline files are
# one saved from a real session, edited as an older ngbench would have
# written them.
. "$top_srcdir/tests/cli/lib.sh"
plan 16

out=$SCRATCH/out; err=$SCRATCH/err
B=$SCRATCH/b.baseline
# threadtest's 'loop' (default tight) and 'check' (default light) stand for
# the parameters the workload gained since the baseline was saved
run() { # LABEL [--set ...]: a tiny threadtest session under glibc
	l=$1
	shift
	"$NGBENCH" run -q -w threadtest -a ptmalloc2 -t 1 -r 3 --counters=none \
		--set iterations=2 --set objects=1000 "$@" --label="$l" >/dev/null 2>"$err"
}
# verdicts FILE: the gate's cells from its JSON, "verdict" per line
verdicts() {
	python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["cells"]: print(c["verdict"])' "$1" | sort | tr '\n' ' '
}
detail() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cells"][0]["detail"])' "$1"
}

run now; ok $? "a session at the defaults"
"$NGBENCH" baseline save --session=now -o "$B" >/dev/null 2>"$err"; ok $? "its baseline"
contains "$B" '"loop":"tight"' "the baseline's cell has every parameter, defaults included"

sed 's/"loop":"tight",//' "$B" >"$SCRATCH/old.baseline"
"$NGBENCH" compare --baseline-file="$SCRATCH/old.baseline" --format=json now >"$out" 2>"$err"
is $? 0 "a baseline without 'loop': the gate passes"
is "$(verdicts "$out")" "pass " "one cell, judged, neither missing nor new"
case "$(detail "$out")" in
*"; the baseline predates the parameter loop=tight (its default)") r=0 ;;
*) r=1; diag "$(detail "$out")" ;;
esac
ok $r "the verdict's detail ends saying the baseline predates the parameter"
"$NGBENCH" compare --baseline-file="$SCRATCH/old.baseline" now >"$out" 2>"$err"
contains "$out" "the baseline predates the parameter loop=tight (its default)" "and the text table says so too"

sed 's/"check":"light",//; s/"loop":"tight",//' "$B" >"$SCRATCH/older.baseline"
"$NGBENCH" compare --baseline-file="$SCRATCH/older.baseline" --format=json now >"$out" 2>"$err"
is $? 0 "a baseline without 'check' and 'loop': the gate passes"
contains "$out" "the baseline predates the parameters check=light, loop=tight (their defaults)" \
	"naming both parameters"

"$NGBENCH" compare --baseline-file="$B" --format=json now >"$out" 2>"$err"
is "$(verdicts "$out"):$(detail "$out" | grep -c predates)" "pass :0" \
	"the baseline with every parameter: the same cell, no note"

sed 's/"loop":"tight"/"loop":"original"/' "$B" >"$SCRATCH/other.baseline"
"$NGBENCH" compare --baseline-file="$SCRATCH/other.baseline" --format=json now >"$out" 2>"$err"
is $? 1 "a baseline that gives 'loop' another value: the gate fails"
is "$(verdicts "$out")" "missing new " "its cell is missing and the session's is new"

run orig --set loop=original; ok $? "a session at loop=original"
"$NGBENCH" compare --baseline-file="$SCRATCH/old.baseline" --format=json orig >"$out" 2>"$err"
is $? 1 "the baseline without 'loop' does not stand for a cell at another value"
is "$(verdicts "$out")" "missing new " "missing and new"

sed 's/"iterations":"2",//' "$B" >"$SCRATCH/nodefault.baseline"
"$NGBENCH" compare --baseline-file="$SCRATCH/nodefault.baseline" --format=json now >"$out" 2>"$err"
is "$(verdicts "$out")" "missing new " \
	"a baseline without 'iterations', which the session ran at 2, not its default 50: other cells"
done_testing
