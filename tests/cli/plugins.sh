#!/bin/sh
# Plugins whose library is missing, of another ABI, or not a malloc; libraries by path.
. "$top_srcdir/tests/cli/lib.sh"
plan 39

out=$SCRATCH/out; err=$SCRATCH/err
export NGBENCH_PLUGIN_PATH=$TEST_PLUGINS
test -e "$TEST_PLUGINS/missing.so" || skip_all "test plugins not built"

"$NGBENCH" list allocators >"$out" 2>"$err"; ok $? "list allocators exits 0 with broken plugins around"
grep -Eq '^test-missing +unavailable' "$out"; ok $? "a plugin whose library is missing is listed as unavailable"
contains "$out" "reason: libngbench-test-missing.so.9 not found" "with the reason"
contains "$out" "fix:    install libngbench-test-missing.so.9 (apt-get install ngbench-test-missing-pkg), or correct the plugin '$TEST_PLUGINS/missing.so' that names it" "and the fix names the library and the plugin, not ngbench"
contains "$err" "was built for allocator ABI 99, this ngbench needs 1" "a plugin of another ABI is refused with a warning"
grep -Eq '^test-nomalloc +unavailable' "$out"; ok $? "a library that does not define malloc is unavailable"
contains "$out" "does not replace malloc" "with the reason"

"$NGBENCH" run -a test-missing -r 1 -- true >/dev/null 2>"$err"; is $? 2 "run refuses an unavailable allocator (exit 2)"
contains "$err" "allocator 'test-missing' is unavailable: libngbench-test-missing.so.9 not found" "with the same reason"
test ! -e "$DB"; ok $? "and writes nothing"

"$NGBENCH" run -a all -r 1 -- true >"$out" 2>"$err"; ok $? "--allocator=all runs the available ones"
contains "$err" "skipping allocator 'test-missing': libngbench-test-missing.so.9 not found" "and says which it skips and why"
is "$(sql "SELECT count(*) FROM trials WHERE allocator LIKE 'test-%'")" 0 "no trial of a skipped allocator"

unset NGBENCH_PLUGIN_PATH
jem=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [ -e "$jem" ]; then
	"$NGBENCH" run -a "$jem" -r 1 -- "$TINY" >/dev/null 2>"$err"; ok $? "a malloc library given by path runs"
	is "$(sql "SELECT served_by FROM trials ORDER BY id DESC LIMIT 1")" "$(readlink -f $jem)" "and serves malloc in the child"
else
	skip "jemalloc not installed"; skip "jemalloc not installed"
fi
libm=$(ls /usr/lib/x86_64-linux-gnu/libm.so.6 /lib/x86_64-linux-gnu/libm.so.6 2>/dev/null | head -1)
"$NGBENCH" run -a "$libm" -r 1 -- true >/dev/null 2>"$err"; is $? 2 "a library by path that is no malloc is refused"
contains "$err" "does not replace malloc" "with the reason"

# Variants: NAME+VAR=VALUE adds knobs to the child's environment, under its own name.
"$NGBENCH" run -a 'ptmalloc2,ptmalloc2+NGB_TEST_KNOB=on+MALLOC_ARENA_MAX=1' -r 1 -- sh -c 'echo "ngbench-result: metric=x value=1 better=lower knob=${NGB_TEST_KNOB:-unset}"' >/dev/null 2>"$err"
ok $? "a variant with knobs runs beside its base"
is "$(sql "SELECT r.value FROM trials t JOIN trial_results r ON r.trial_id = t.id WHERE r.key = 'knob' AND t.allocator = 'ptmalloc2+NGB_TEST_KNOB=on+MALLOC_ARENA_MAX=1'")" on "the variant's knob reaches the child"
is "$(sql "SELECT r.value FROM trials t JOIN trial_results r ON r.trial_id = t.id WHERE r.key = 'knob' AND t.allocator = 'ptmalloc2'")" unset "and not the base's trials"
"$NGBENCH" run -n -a 'ptmalloc2+BROKEN' -- true >/dev/null 2>"$err"; is $? 2 "a malformed variant exits 2"

# Libraries by path are named by their file name, or NAME=PATH; a name is one allocator.
mim=/usr/lib/x86_64-linux-gnu/libmimalloc.so.2
if [ -e "$jem" ] && [ -e "$mim" ]; then
	mkdir -p "$SCRATCH/a" "$SCRATCH/b"
	ln -sf "$jem" "$SCRATCH/a/lib.so"; ln -sf "$mim" "$SCRATCH/b/lib.so"
	n0=$(sql "SELECT count(*) FROM trials")
	"$NGBENCH" run -a "$SCRATCH/a/lib.so,$SCRATCH/b/lib.so" -r 1 -- "$TINY" >/dev/null 2>"$err"
	is $? 2 "two libraries of one file name are refused (exit 2)"
	contains "$err" "'$SCRATCH/b/lib.so' would be named 'lib.so', which $(readlink -f "$SCRATCH/a/lib.so") already names" "naming both"
	contains "$err" "'NAME=$SCRATCH/b/lib.so'" "and the fix"
	is "$(sql "SELECT count(*) FROM trials")" "$n0" "and nothing runs"
	"$NGBENCH" run -a "je=$SCRATCH/a/lib.so,mi=$SCRATCH/b/lib.so" -r 1 -- "$TINY" >/dev/null 2>"$err"
	ok $? "NAME=PATH names each"
	is "$(sql "SELECT group_concat(allocator || ' ' || served_by, ', ') FROM (SELECT allocator, served_by FROM trials WHERE allocator IN ('je', 'mi') ORDER BY allocator)")" \
		"je $(readlink -f "$jem"), mi $(readlink -f "$mim")" "each name runs its own library"
	"$NGBENCH" run -a "$SCRATCH/a/lib.so,$SCRATCH/a/lib.so" -r 1 -- "$TINY" >/dev/null 2>"$err"
	ok $? "the same library twice is one allocator"
	is "$(sql "SELECT count(*) FROM trials WHERE allocator = 'lib.so' AND session_id = (SELECT max(session_id) FROM trials)")" 1 "run once"
	# a library by path takes knobs too: PATH+VAR=VALUE, NAME=PATH+VAR=VALUE
	knob='echo "ngbench-result: metric=x value=1 better=lower knob=${NGB_TEST_KNOB:-unset}"'
	"$NGBENCH" run -a "$SCRATCH/a/lib.so,$SCRATCH/a/lib.so+NGB_TEST_KNOB=on,je=$SCRATCH/a/lib.so+NGB_TEST_KNOB=x/y" \
		-r 1 -- sh -c "$knob" >/dev/null 2>"$err"
	ok $? "a library by path runs beside its variants with knobs"
	is "$(sql "SELECT group_concat(t.allocator || ' ' || r.value || ' ' || t.served_by, ', ') FROM (SELECT * FROM trials
		WHERE session_id = (SELECT max(session_id) FROM trials) ORDER BY allocator) t
		JOIN trial_results r ON r.trial_id = t.id WHERE r.key = 'knob'")" \
		"je+NGB_TEST_KNOB=x/y x/y $(readlink -f "$jem"), lib.so unset $(readlink -f "$jem"), lib.so+NGB_TEST_KNOB=on on $(readlink -f "$jem")" \
		"each variant is named by the library's name and its knobs, gets them (a value may hold '/'), and runs the library"
	"$NGBENCH" run -n -a "$SCRATCH/a/lib.so+BROKEN" -- true >/dev/null 2>"$err"
	is $? 2 "a malformed knob after a path exits 2"
	contains "$err" "'BROKEN' in 'lib.so+BROKEN' is not VAR=VALUE" "naming the knob"
	"$NGBENCH" run -n -a "$SCRATCH/a/nothere.so+NGB_TEST_KNOB=on" -- true >/dev/null 2>"$err"
	is $? 2 "a missing library with knobs exits 2"
	contains "$err" "cannot read malloc library '$SCRATCH/a/nothere.so+NGB_TEST_KNOB=on'" "naming what it looked for"
	ln -sf "$jem" "$SCRATCH/a/lib+x.so"
	"$NGBENCH" run -n -a "$SCRATCH/a/lib+x.so+NGB_TEST_KNOB=on" -- true >/dev/null 2>"$err"
	is $? 2 "knobs after a library whose name holds a '+' exit 2"
	contains "$err" "'NAME=$SCRATCH/a/lib+x.so+NGB_TEST_KNOB=on'" "and the fix names it"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do skip "jemalloc or mimalloc not installed"; done
fi
"$NGBENCH" run -n -a "mimalloc=$SCRATCH/b/lib.so" -- true >/dev/null 2>"$err"; is $? 2 "NAME=PATH may not take a plugin's name"
"$NGBENCH" run -n -a "My=./lib.so" -- true >/dev/null 2>"$err"; is $? 2 "nor an invalid NAME"
done_testing
