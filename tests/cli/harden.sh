#!/bin/sh
# Hostile input: nothing read is silently changed or dropped.  Experiment
# files of long lines, duplicates, NUL bytes and folders; command quoting.
. "$top_srcdir/tests/cli/lib.sh"
plan 22
err=$SCRATCH/err
out=$SCRATCH/out

# trials planned by a dry run ("N cells, M trials")
planned() { "$NGBENCH" run -n -x "$1" 2>&1 | sed -n 's/.* cells*, \([0-9]*\) trials.*/\1/p'; }

long=$(printf 'x%.0s' $(seq 1 185))
cat >"$SCRATCH/long.ini" <<INI
[global]
description = ${long}repetitions = 77
allocators = ptmalloc2
repetitions = 2
[j]
command = /bin/true
INI
is "$(planned "$SCRATCH/long.ini")" 2 "a long line is one line: its tail does not set repetitions"
"$NGBENCH" run -x "$SCRATCH/long.ini" --label=long >/dev/null 2>&1
is "$(sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 'long'")" 2 "and the run has 2 trials"
events=cycles,instructions,context-switches,page-faults,LLC-loads,LLC-load-misses,LLC-stores,LLC-store-misses,dTLB-loads,dTLB-load-misses,dTLB-stores,dTLB-store-misses,task-clock
printf '[global]\nallocators = ptmalloc2\n[j]\ncommand = /bin/true\nevents = %s,no-such-event\n' "$events" >"$SCRATCH/ev.ini"
"$NGBENCH" run -n -x "$SCRATCH/ev.ini" >/dev/null 2>"$err"; is $? 2 "a long events line is read whole"
contains "$err" "no-such-event" "and its last item is the one refused"

printf '[global]\nrepetitions = 2\n[a]\ncommand = /bin/true\n[global]\nrepetitions = 3\n' >"$SCRATCH/dupsec.ini"
"$NGBENCH" run -n -x "$SCRATCH/dupsec.ini" >/dev/null 2>"$err"; is $? 2 "a section given twice exits 2"
contains "$err" "line 5: section [global] appears again (first at line 1)" "naming both lines"
printf '[a]\ncommand = /bin/true\n[a]\nrepetitions = 3\n' >"$SCRATCH/dupadj.ini"
"$NGBENCH" run -n -x "$SCRATCH/dupadj.ini" >/dev/null 2>"$err"; is $? 2 "adjacent duplicate sections do not merge"
printf '[a]\ncommand = /bin/true\nrepetitions = 2\n\nrepetitions = 3\n' >"$SCRATCH/dupkey.ini"
"$NGBENCH" run -n -x "$SCRATCH/dupkey.ini" >/dev/null 2>"$err"; is $? 2 "a key given twice exits 2"
contains "$err" "line 5: 'repetitions' appears again in [a] (first at line 3)" "naming both lines"
printf '[a]\nworkloads = larson\nallocators = ptmalloc2\nset = seed=1\nset = threads=1\nrepetitions = 1\n' >"$SCRATCH/set.ini"
is "$(planned "$SCRATCH/set.ini")" 1 "'set' may repeat"

mkdir "$SCRATCH/dir.ini"
"$NGBENCH" run -n -x "$SCRATCH/dir.ini" >/dev/null 2>"$err"; is $? 2 "an experiment that is a folder exits 2"
contains "$err" "is a folder" "and says so"
printf '[a]\ncommand = /bin/true\n\000repetitions = 9\n' >"$SCRATCH/nul.ini"
"$NGBENCH" run -n -x "$SCRATCH/nul.ini" >/dev/null 2>"$err"; is $? 2 "text after a NUL byte is an error, not ignored"
contains "$err" "line 3: a NUL byte" "naming its line"

# command = is split as a shell would, without a shell
cat >"$SCRATCH/quote.ini" <<INI
[a]
repetitions = 1
allocators = ptmalloc2
counters = none
command = /bin/sh -c 'printf "%s|" "\$@" >"\$0"' "$SCRATCH/args" "two words" it\\'s
INI
"$NGBENCH" run -x "$SCRATCH/quote.ini" >"$out" 2>&1
is "$(cat "$SCRATCH/args" 2>/dev/null)" "two words|it's|" "'command' keeps quoted blanks and escapes"
printf '[a]\ncommand = /bin/echo "open\n' >"$SCRATCH/open.ini"
"$NGBENCH" run -n -x "$SCRATCH/open.ini" >/dev/null 2>"$err"
contains "$err" "unterminated double quote" "an unterminated quote is an error"

# strict UTF-8: a surrogate, an overlong form and a code point above
# U+10FFFF in a label and an experiment are kept in the JSON as U+FFFD
bad=$(printf 'l-\355\240\200-\340\200\257-\364\220\200\200')
printf '[global]\ndescription = %s\n[%s]\ncommand = /bin/true\nrepetitions = 1\nallocators = ptmalloc2\ncounters = none\n' "$bad" "$bad" >"$SCRATCH/utf.ini"
"$NGBENCH" run -x "$SCRATCH/utf.ini" --label="$bad" >/dev/null 2>&1
"$NGBENCH" list sessions --format=json >"$out" 2>"$err"; ok $? "list sessions --format=json with a bad label"
python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))
s = [x for x in d["sessions"] if x["label"] and x["label"].startswith("l-")]
assert len(s) == 1 and "\ufffd" in s[0]["label"], d
' "$out"; ok $? "keeps the session, its label shown with U+FFFD"
sql "SELECT config FROM sessions WHERE label LIKE 'l-%'" | python3 -c '
import json,sys
c = json.load(sys.stdin)
assert "experiment_text" in c and "\ufffd" in c["experiment_text"], c
assert len(c["jobs"]) == 1 and c["jobs"][0]["name"].startswith("l-"), c
'; ok $? "the stored configuration keeps the experiment text and its job"
# a trace file whose name is no UTF-8: 'trace info --format=json' names it
if [ -e "$top_builddir/allocators/.libs/libngbench-trace.so" ]; then
	"$NGBENCH" trace record -o "$SCRATCH/$bad.trace" -- /bin/true >/dev/null 2>&1
	"$NGBENCH" trace info --format=json "$SCRATCH/$bad.trace" >"$out" 2>"$err"
	python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))
assert "\ufffd" in d["file"] and d["file"].endswith(".trace"), d
' "$out"; ok $? "trace info --format=json keeps a file name that is no UTF-8, shown with U+FFFD"
else
	skip "the trace recorder is not built"
fi

# control bytes from the user reach the terminal escaped
esc=$(printf 'x\033[2J\007\rz')
"$NGBENCH" run -a ptmalloc2 -r 1 --counters=none --label="$esc" -- /bin/true >/dev/null 2>&1
"$NGBENCH" list sessions >"$out" 2>&1
grep -q 'x\\x1b\[2J\\x07\\x0dz' "$out" && ! grep -q "$(printf '\033')" "$out"; ok $? "list sessions shows a label's control bytes as \\xNN"
"$NGBENCH" run -a "$esc" -r 1 -- /bin/true >/dev/null 2>"$err"
grep -q 'x\\x1b\[2J' "$err" && ! grep -q "$(printf '\033')" "$err"; ok $? "so does an error that echoes the input"
done_testing
