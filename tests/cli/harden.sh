#!/bin/sh
# Hostile input: nothing read is silently changed or dropped.  Experiment
# files of long lines, duplicates, NUL bytes and folders; command quoting.
. "$top_srcdir/tests/cli/lib.sh"
plan 16
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
done_testing
