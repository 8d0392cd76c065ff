#!/bin/sh
# Simulated counts repeat exactly where the program does: the child of a
# --counters=sim trial runs without address-space randomisation and with an
# environment padded to a fixed size, so that trials of a program that is deterministic
# give the same count for every simulated event.  xalanc prints its measured
# seconds at a cost and at addresses that do not depend on the value
# (wl_result, tests/workloads/resultcost.sh), and at one thread runs on the
# main thread, so every count of its trials repeats (perfmon/README.md).
. "$top_srcdir/tests/cli/lib.sh"
command -v valgrind >/dev/null || skip_all "valgrind is needed (apt-get install valgrind)"
plan 10
out=$SCRATCH/out

"$NGBENCH" run -q -a ptmalloc2 -r 1 --counters=sim --show-output -- cat /proc/self/personality >"$out" 2>/dev/null
ok $? "a simulated trial of a command runs"
grep -Eq '^[0-9a-f]*[4-7c-f][0-9a-f]{4}$' "$out"; ok $? "with ADDR_NO_RANDOMIZE (0x0040000) in its personality ($(head -1 "$out"))"

NGBENCH_TEST_NOISE=outside "$NGBENCH" run -q -a 'ptmalloc2,ptmalloc2+NGBENCH_TEST_KNOB=kept' -r 1 --counters=sim \
	--show-output -- sh -c 'echo "noise=${NGBENCH_TEST_NOISE:-unset} knob=${NGBENCH_TEST_KNOB:-unset} home=${HOME:+set}"' >"$out" 2>/dev/null
contains "$out" "noise=outside knob=unset home=set" "ngbench's environment reaches it (the user's variables may be knobs)"
contains "$out" "noise=outside knob=kept home=set" "and so does a variant's knob"

# tinywork neither reads a clock nor prints one: its counts must not depend
# on where its stack and heap land or on the size of ngbench's environment
for noise in a aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; do
	NGBENCH_TEST_NOISE=$noise "$NGBENCH" run -q -a ptmalloc2 -r 2 --counters=sim --label=exact \
		-- "$TINY" --allocs=20000 >/dev/null 2>"$out" || break
done
ok $? "four simulated glibc trials of tinywork run, beside environments of two sizes"
is "$(sql "SELECT count(DISTINCT c.event) FROM counters c JOIN trials t ON t.id = c.trial_id
	JOIN sessions s ON s.id = t.session_id WHERE s.label = 'exact' AND c.value > 0")" 9 "every simulated event is counted"
# the references are identical; a miss or two still moves (D1mr 1440..1442,
# DLmr 1082..1083 here): see perfmon/README.md
differ=$(sql "SELECT group_concat(event || ' ' || lo || '..' || hi, '; ') FROM
	(SELECT c.event, min(c.value) AS lo, max(c.value) AS hi FROM counters c JOIN trials t ON t.id = c.trial_id
	 JOIN sessions s ON s.id = t.session_id WHERE s.label = 'exact' AND c.event IN ('Ir', 'Dr', 'Dw')
	 GROUP BY c.event HAVING lo != hi)")
is "$differ" "" "and all four have the same instruction, read and write counts"

# xalanc, one thread, the quick preset (3e9 instructions, 20-120 s a trial
# under cachegrind here)
if [ -x "$top_builddir/workloads/xalanc" ]; then
	"$NGBENCH" run -q -a ptmalloc2 -w xalanc -p quick -t 1 -r 2 --counters=sim --label=xalanc \
		>/dev/null 2>"$out"
	ok $? "two simulated glibc trials of xalanc run"
	spread="SELECT c.event, min(c.value) AS lo, max(c.value) AS hi, count(*) AS n FROM counters c
		JOIN trials t ON t.id = c.trial_id JOIN sessions s ON s.id = t.session_id
		WHERE s.label = 'xalanc' GROUP BY c.event"
	is "$(sql "SELECT group_concat(event || ' ' || lo || '..' || hi, '; ') FROM ($spread)
		WHERE event IN ('Ir', 'Dr', 'Dw') AND (lo != hi OR n != 2)")" "" \
		"with the same instruction, read and write counts"
	# one thread runs on the main thread, as SPEC's program does, so no
	# thread switch of valgrind's moves a miss (perfmon/README.md)
	is "$(sql "SELECT group_concat(event || ' ' || lo || '..' || hi, '; ') FROM ($spread)
		WHERE event IN ('I1mr', 'D1mr', 'D1mw', 'ILmr', 'DLmr', 'DLmw')
		AND (lo != hi OR n != 2)")" "" \
		"and the same miss counts, bit for bit"
else
	skip "xalanc was not built (apt-get install libxalan-c-dev, then re-run configure)"
	skip "no xalanc"
	skip "no xalanc"
fi
done_testing
