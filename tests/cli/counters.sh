#!/bin/sh
# Counters of real trials: software events with values, unavailable hardware
# events stored with a status and a reason and without a value (never 0), and
# simulated counters that are deterministic and depend on the allocator.
. "$top_srcdir/tests/cli/lib.sh"
plan 10

"$NGBENCH" run -a ptmalloc2 -r 1 -- "$TINY" --allocs=100000 >/dev/null 2>&1; ok $? "a trial with the default counters succeeds"
is "$(sql "SELECT count(*) FROM counters")" 14 "the default set has 14 events, each stored"
test "$(sql "SELECT value FROM counters WHERE event = 'task-clock' AND status = 'ok'")" != ""; ok $? "task-clock has a value"
is "$(sql "SELECT count(*) FROM counters WHERE status IN ('ok', 'scaled') AND (value IS NULL OR raw IS NULL OR time_running IS NULL)")" 0 "every counted event has its value, raw count and times"
is "$(sql "SELECT count(*) FROM counters WHERE status NOT IN ('ok', 'scaled') AND (value IS NOT NULL OR reason IS NULL OR reason = '')")" 0 "every uncounted event has no value and a reason"
is "$(sql "SELECT count(*) FROM counters WHERE status NOT IN ('ok', 'scaled', 'unsupported', 'denied', 'error')")" 0 "statuses are from the documented set"

"$NGBENCH" run -a ptmalloc2 -r 1 --counters=none -- true >/dev/null 2>&1
is "$(sql "SELECT count(*) FROM counters WHERE trial_id = (SELECT max(id) FROM trials)")" 0 "--counters=none stores no counter"

if command -v valgrind >/dev/null && [ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]; then
	"$NGBENCH" run -a ptmalloc2,jemalloc -r 2 --counters=sim --label=sim -- "$TINY" --allocs=20000 >/dev/null 2>&1
	ok $? "simulated trials succeed"
	ir() { sql "SELECT group_concat(c.value) FROM counters c JOIN trials t ON t.id = c.trial_id JOIN sessions s ON s.id = t.session_id WHERE s.label = 'sim' AND t.allocator = '$1' AND c.event = 'Ir'"; }
	a=$(ir ptmalloc2); b=$(ir jemalloc)
	is "$(echo "$a" | cut -d, -f1)" "$(echo "$a" | cut -d, -f2)" "two simulated runs give identical instruction counts ($a)"
	test "$(echo "$a" | cut -d, -f1)" != "$(echo "$b" | cut -d, -f1)"; ok $? "another allocator gives other counts ($b)"
else
	skip "valgrind or jemalloc missing"; skip "valgrind or jemalloc missing"; skip "valgrind or jemalloc missing"
fi
done_testing
