#!/bin/sh
# Plugins whose code misbehaves when loaded (a crash, exit(0), abort, a
# hang), a plugin named like one of ngbench's own, two outside plugins of
# one name, and an outside plugin whose library is missing.  The plugins are built here, from the source
# below, with the C compiler.
. "$top_srcdir/tests/cli/lib.sh"
plan 35

out=$SCRATCH/out; err=$SCRATCH/err
CC=${CC:-cc}
command -v "$CC" >/dev/null || skip_all "no C compiler ($CC) to build the test plugins"

# plugin DIR FILE NAME CONSTRUCTOR-BODY [LIBRARY]: a plugin named NAME whose
# constructor runs CONSTRUCTOR-BODY
plugin() {
	mkdir -p "$1"
	cat >"$SCRATCH/p.c" <<SRC
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "ngbench/allocator.h"
static const struct ngb_allocator d = {
	.abi_version = NGB_ALLOCATOR_ABI_VERSION, .name = "$3",
	.summary = "a test plugin", .library = ${5:-NULL},
};
NGB_ALLOCATOR_PLUGIN(d)
__attribute__((constructor)) static void at_load(void) { $4; }
SRC
	"$CC" -shared -fPIC -I"$top_srcdir/include" -o "$1/$2" "$SCRATCH/p.c" ||
		skip_all "cannot build a test plugin with $CC"
}

bad=$SCRATCH/bad
plugin "$bad" crash.so crash '*(volatile int *)8 = 1'
plugin "$bad" exits.so exits 'exit(0)'
plugin "$bad" aborts.so aborts 'abort()'
plugin "$bad" fine.so test-fine '(void)0'
export NGBENCH_PLUGIN_PATH=$bad

"$NGBENCH" list allocators >"$out" 2>"$err"; ok $? "list allocators exits 0 beside plugins that crash, exit and abort"
grep -Eq '^ptmalloc2 +available' "$out"; ok $? "and lists ngbench's own allocators"
grep -Eq '^test-fine +available' "$out"; ok $? "and a good plugin loaded after the bad ones"
grep -Eq '^crash +unavailable' "$out"; ok $? "a plugin that crashes is listed as unavailable"
contains "$out" "reason: loading the plugin '$bad/crash.so' crashed the process that loaded it (signal SIGSEGV" "with the signal"
contains "$out" "fix:    fix or remove the plugin '$bad/crash.so'" "and the fix"
grep -Eq '^exits +unavailable' "$out"; ok $? "a plugin that calls exit(0) is listed as unavailable"
contains "$out" "ended the process that loaded it with exit status 0" "with the exit status"
grep -Eq '^aborts +unavailable' "$out"; ok $? "a plugin that aborts is listed as unavailable"
contains "$out" "(signal SIGABRT" "with the signal"

"$NGBENCH" list allocators --format=json >"$out" 2>"$err"; ok $? "list allocators --format=json exits 0"
python3 -c 'import json,sys; a={x["name"]: x for x in json.load(open(sys.argv[1]))["allocators"]}; sys.exit(not (a["crash"]["available"] is False and "SIGSEGV" in a["crash"]["reason"] and a["ptmalloc2"]["available"]))' "$out"
ok $? "and reports the crash there too"

"$NGBENCH" run -a ptmalloc2 -r 1 -- /bin/true >/dev/null 2>"$err"; ok $? "run exits 0 beside them"
is "$(sql "SELECT count(*) FROM sessions")" 1 "with its session stored (exit(0) in a plugin no longer ends ngbench)"
"$NGBENCH" run -a exits -r 1 -- /bin/true >/dev/null 2>"$err"; is $? 2 "selecting the plugin that exits is refused (exit 2)"
contains "$err" "allocator 'exits' is unavailable: loading the plugin" "with the reason"
"$NGBENCH" run -a all -r 1 -- /bin/true >/dev/null 2>"$err"; ok $? "--allocator=all runs the others"
contains "$err" "skipping allocator 'crash'" "and says it skips the crashing one"
is "$(sql "SELECT count(*) FROM sessions")" 2 "every run that ran has its session"

hang=$SCRATCH/hang
plugin "$hang" hangs.so hangs 'for (;;) pause()'
start=$(date +%s)
NGBENCH_PLUGIN_PATH=$hang "$NGBENCH" list allocators >"$out" 2>"$err"; ok $? "list allocators exits 0 beside a plugin that hangs"
took=$(( $(date +%s) - start ))
test "$took" -lt 30; ok $? "within the load timeout (took ${took} s)"
contains "$out" "did not end within 5 s" "and lists it as unavailable because it hangs"

# An outside plugin with the name of one of ngbench's own: refused, naming both.
shadow=$SCRATCH/shadow
plugin "$shadow" jemalloc.so jemalloc '(void)0'
own=$(NGBENCH_PLUGIN_PATH= "$NGBENCH" list allocators --format=json | python3 -c 'import json,sys; print([a["plugin"] for a in json.load(sys.stdin)["allocators"] if a["name"] == "jemalloc"][0])')
NGBENCH_PLUGIN_PATH=$shadow "$NGBENCH" list allocators >"$out" 2>"$err"; ok $? "list allocators exits 0 beside a plugin named like a built-in"
contains "$err" "plugin '$shadow/jemalloc.so' is named 'jemalloc' like ngbench's own '$own'" "which is refused, naming both paths"
grep -Eq '^jemalloc +unavailable' "$out"; ok $? "and neither runs under that name"
NGBENCH_PLUGIN_PATH=$shadow "$NGBENCH" run -a jemalloc -r 1 -- /bin/true >/dev/null 2>"$err"; is $? 2 "run -a jemalloc is refused (exit 2)"
contains "$err" "the plugin '$shadow/jemalloc.so' has the name of ngbench's own '$own'" "naming both paths"

# Two outside plugins of one name: the first folder's is used, with one
# warning that names both.  The second's library does not exist, so using
# it would show as 'unavailable'.
first=$SCRATCH/first second=$SCRATCH/second
plugin "$first" dup.so test-dup '(void)0'
plugin "$second" dup.so test-dup '(void)0' '"libngbench-test-absent.so.9"'
NGBENCH_PLUGIN_PATH=$first:$second "$NGBENCH" list allocators --format=json >"$out" 2>"$err"
ok $? "list allocators exits 0 beside two plugins of one name"
is "$(python3 -c 'import json,sys; a=[x for x in json.load(open(sys.argv[1]))["allocators"] if x["name"] == "test-dup"]; print(len(a), a[0]["plugin"], a[0]["available"])' "$out")" \
	"1 $first/dup.so True" "the first folder's plugin is the one listed, and it is available"
warned="plugins '$first/dup.so' and '$second/dup.so' are both named 'test-dup': '$first/dup.so' is used"
contains "$err" "$warned" "a warning names both paths and the one used"
NGBENCH_PLUGIN_PATH=$second:$first "$NGBENCH" list allocators >"$out" 2>"$err"
grep -Eq '^test-dup +unavailable' "$out" &&
	grep -q "plugins '$second/dup.so' and '$first/dup.so' are both named 'test-dup': '$second/dup.so' is used" "$err"
ok $? "the other order uses the other plugin, and says so"
NGBENCH_PLUGIN_PATH=$first:$second "$NGBENCH" run -a test-dup -r 2 -- /bin/true >/dev/null 2>"$err"
ok $? "run -a test-dup runs the first folder's plugin"
is "$(grep -c "are both named 'test-dup'" "$err")" 1 "and warns once in the run, not once a trial"
NGBENCH_PLUGIN_PATH=$first "$NGBENCH" list allocators >"$out" 2>"$err"
is "$(grep -c "both named" "$err")" 0 "one plugin of that name: no warning"

# An outside plugin whose library is missing: the fix names the library and the plugin.
gone=$SCRATCH/gone
plugin "$gone" gone.so test-gone '(void)0' '"libngbench-test-gone.so.3"'
NGBENCH_PLUGIN_PATH=$gone "$NGBENCH" list allocators >"$out" 2>"$err"
contains "$out" "fix:    install libngbench-test-gone.so.3, or correct the plugin '$gone/gone.so' that names it" "an outside plugin's missing library: the fix names the library and the plugin"
done_testing
