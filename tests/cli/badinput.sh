#!/bin/sh
# Bad input is refused with what is wrong and what to do: empty path
# options, CPU and thread lists, libraries that cannot be preloaded, a
# missing TMPDIR, a folder the database cannot be written in.
. "$top_srcdir/tests/cli/lib.sh"
plan 55
err=$SCRATCH/err
run() { "$NGBENCH" run -a ptmalloc2 -r 1 --counters=none "$@" -- /bin/true >/dev/null 2>"$err"; }

# an empty path is what an unset variable gives: never the default database
"$NGBENCH" run --db= -a ptmalloc2 -r 1 -- /bin/true >/dev/null 2>"$err"; is $? 2 "--db= is a usage error"
contains "$err" "option '--db' is empty" "naming the option"
"$NGBENCH" run --db "" -a ptmalloc2 -r 1 -- /bin/true >/dev/null 2>"$err"; is $? 2 "so is --db ''"
"$NGBENCH" report --db= >/dev/null 2>"$err"; is $? 2 "for every command"
"$NGBENCH" run -x "" >/dev/null 2>"$err"; is $? 2 "-x '' too"
test ! -e "$DB"; ok $? "and nothing was written to the default database"

for c in 0- 0, 99 1023; do
	run --cpus=$c; is $? 2 "--cpus=$c is refused"
done
contains "$err" "CPU 1023 is not one this process may run on" "a CPU beyond the machine is named"

"$NGBENCH" run -n -w larson -a ptmalloc2 --threads=1,1 >/dev/null 2>"$err"; is $? 2 "--threads=1,1 is refused"
contains "$err" "lists 1 twice" "saying which count is twice"
"$NGBENCH" run -n -w larson -a ptmalloc2 --threads=1,,2 >/dev/null 2>"$err"; is $? 2 "--threads=1,,2 is refused"
contains "$err" "without empty items" "saying why"

run -a /etc/passwd; is $? 2 "-a on a text file is refused"
contains "$err" "'/etc/passwd' is not a shared library (no ELF header)" "as not a library"
mkdir "$SCRATCH/folder"
"$NGBENCH" run -a "$SCRATCH/folder/" -r 1 -- /bin/true >/dev/null 2>"$err"; is $? 2 "-a on a folder is refused"
contains "$err" "is a folder" "as a folder"
lib=$(ls /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/*/libc.so.6 2>/dev/null | head -1)
ln -s "$lib" "$SCRATCH/my lib.so"
"$NGBENCH" run -a "$SCRATCH/my lib.so" -r 1 -- /bin/true >/dev/null 2>"$err"; is $? 2 "a library path with a space is refused"
contains "$err" "holds a space, which separates libraries in LD_PRELOAD" "with the reason"
ln -s "$lib" "$SCRATCH/my:lib.so"
"$NGBENCH" run -a "$SCRATCH/my:lib.so" -r 1 -- /bin/true >/dev/null 2>"$err"; is $? 2 "a library path with a colon is refused"
contains "$err" "holds a colon" "with the reason"
ln -s "$lib" "$SCRATCH/my,lib.so"
"$NGBENCH" run -a "$SCRATCH/my,lib.so" -r 1 -- /bin/true >/dev/null 2>"$err"; is $? 2 "a library path with a comma is refused"
contains "$err" "splits its list at commas" "saying the comma cut it"

TMPDIR=/nonexistent-ngbench "$NGBENCH" run -a ptmalloc2 -r 1 -- /bin/true >/dev/null 2>"$err"; is $? 1 "a missing TMPDIR stops the run"
contains "$err" "TMPDIR='/nonexistent-ngbench' cannot be used" "and is blamed"

# a folder the database cannot be written in (as an unprivileged user: root
# writes anywhere; in /tmp, not $TMPDIR, which user nobody may not reach)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	ro=$(mktemp -d /tmp/ngbench-ro.XXXXXX); chmod 755 "$ro"; mkdir "$ro/ro"; chmod 555 "$ro/ro"
	setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR=/tmp "$NGBENCH" run \
		--db="$ro/ro/x.db" -a ptmalloc2 -r 1 -- /bin/true >/dev/null 2>"$err"
	is $? 1 "a read-only folder stops the run"
	contains "$err" "cannot write in folder '$ro/ro'" "naming the folder"
	rm -rf "$ro"
elif [ "$(id -u)" != 0 ]; then
	ro=$SCRATCH/ro; mkdir "$ro"; chmod 555 "$ro"
	"$NGBENCH" run --db="$ro/x.db" -a ptmalloc2 -r 1 -- /bin/true >/dev/null 2>"$err"
	is $? 1 "a read-only folder stops the run"
	contains "$err" "cannot write in folder '$ro'" "naming the folder"
	chmod 755 "$ro"
else
	skip "root without setpriv: cannot make a folder it cannot write"
	skip "root without setpriv"
fi
# a --metric whose repetitions multiply (found by tests/fuzz): glibc's
# regcomp took minutes and gigabytes on 30 stacked '+' signs
timeout 30 "$NGBENCH" run -n --metric='(a)++++++++++++++++++++++++++++++' --better=lower -- /bin/true >/dev/null 2>"$err"
is $? 2 "a --metric of stacked repetitions is refused at once"
contains "$err" "stacks repetition operators ('++' at byte 4)" "saying why"
timeout 30 "$NGBENCH" run -n --metric='((((x{1,100}){1,100}){1,100}){1,100})' --better=lower -- /bin/true >/dev/null 2>"$err"
is $? 2 "so are nested large counts"

# Patterns that glibc's regcomp spends seconds to minutes on (the first found
# by tests/fuzz in an experiment file, the others built after it), each
# refused at once; without the checks each is accepted (or times out).
metric() {
	timeout 10 "$NGBENCH" run -n -a ptmalloc2 --metric="$1" --better=lower -- /bin/true \
		>/dev/null 2>"$err"
}
rep() { i=0 r=; while [ $i -lt "$2" ]; do r=$r$1 i=$((i + 1)); done; printf '%s' "$r"; }
fuzzed="J;$(rep '?' 93)$(rep '+' 16)better$(rep '+' 14)"
printf '[a]\ncommand = /bin/true\nbetter = lower\nmetric = %s\n' "$fuzzed" >"$SCRATCH/fuzzed.ini"
timeout 10 "$NGBENCH" run -n -x "$SCRATCH/fuzzed.ini" >/dev/null 2>"$err"
is $? 2 "the fuzzer's experiment file (a run of '?' then of '+') is refused at once"
contains "$err" "stacks repetition operators ('??' at byte 3), which POSIX leaves undefined" \
	"naming the operators and the rule"
metric "$fuzzed"; is $? 2 "so is its pattern in --metric"
metric '([0-9.]+?)'; is $? 2 "a lazy '+?' as in Perl is refused"
contains "$err" "(there are no lazy or possessive forms): keep one of them" "saying what to do"
metric '((a?){1,255}){1,40}'; is $? 2 "nested counted repetitions of an optional are refused"
contains "$err" "is too costly to compile" "as too costly"
metric "($(rep 'a?|' 2000)b)*"; is $? 2 "a long alternation of optionals is refused"
metric "($(rep '(a|)' 3000))*"; is $? 2 "a long repeated run of optional groups is refused"
metric '((^|$|\b|\B))*'; is $? 2 "a repeated alternation of anchors is refused"
contains "$err" "put the anchor outside the repetition" "saying what to do"
metric "$(rep '^' 1600)(a)"; is $? 2 "a long run of anchors is refused"
contains "$err" "has more than 8 anchors" "saying how many are allowed"
metric "(\\b|\\B|^|\$)(\\b|\\B|^|\$)($(rep 'a?' 700))*"; is $? 2 "anchors before many optionals are refused"
metric '(a*)*\1c'; is $? 2 "a back-reference is refused"
contains "$err" "has a back-reference ('\\1')" "naming it"
# what people write is accepted, and the most costly accepted shapes compile
# fast (the timeout fails them if not)
for m in 'Throughput = *([0-9.]+) operations per second' 'free/sec: *([0-9.]+) M' \
	'^[[:space:]]*time: ([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?) s$' '\b([0-9]{1,255})\b ops' \
	'((a|){50}){2,}' "\\b($(rep 'a?' 150))*\\B" "(\\b|\\B|^|\$)(\\b|\\B|^|\$)($(rep 'a?' 25))*"; do
	metric "$m"; ok $? "--metric='$(printf '%.40s' "$m")' is accepted"
done
done_testing
