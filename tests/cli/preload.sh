#!/bin/sh
# Proof that the preload took effect: every trial records which object served
# malloc in the child; a trial whose allocator did not load fails with the reason.
# Also the "done when" of the foundation: --allocator=all -r 3 -- a short command.
. "$top_srcdir/tests/cli/lib.sh"
plan 8

"$NGBENCH" run --allocator=all -r 3 -- "$TINY" >"$SCRATCH/out" 2>"$SCRATCH/err"; ok $? "run --allocator=all -r 3 succeeds"
n=$(available_allocators | wc -l)
is "$(sql "SELECT count(*) FROM trials WHERE status = 'ok'")" $((3 * n)) "3 trials per available allocator ($n)"
is "$(sql "SELECT count(*) FROM trials WHERE allocator_version IS NULL OR served_by IS NULL")" 0 "each with its version and the object that served malloc"
is "$(sql "SELECT count(*) FROM trials WHERE allocator != 'ptmalloc2' AND served_by != allocator_library")" 0 "a preloaded allocator serves malloc from its own library"
sql "SELECT served_by FROM trials WHERE allocator = 'ptmalloc2' LIMIT 1" | grep -q '/libc\.so'; ok $? "ptmalloc2 trials are served by the C library"

# A statically linked program cannot load any preload: no proof, so the trial fails.
static=$top_builddir/tests/cli/tinywork-static
if [ -x "$static" ]; then
	"$NGBENCH" run -a ptmalloc2 -r 1 -- "$static" >/dev/null 2>"$SCRATCH/err"; is $? 1 "a program that ignores the preload fails the run"
	is "$(sql "SELECT status FROM trials ORDER BY id DESC LIMIT 1")" preload-failed "the trial is stored as preload-failed"
	contains "$SCRATCH/err" "no proof that the allocator was loaded" "with the reason"
else
	skip "no static test program"; skip "no static test program"; skip "no static test program"
fi
done_testing
