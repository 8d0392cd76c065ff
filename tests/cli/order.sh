#!/bin/sh
# Warm-up rounds, the shuffled interleaved order (reproducible from the seed),
# CPU pinning and the progress line.
. "$top_srcdir/tests/cli/lib.sh"
plan 10

"$NGBENCH" run -a all -r 3 --warmup=1 --seed=42 --label=s1 -- "$TINY" >/dev/null 2>&1; ok $? "a run with warm-up succeeds"
n=$(available_allocators | wc -l)
is "$(sql "SELECT count(*) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 's1' AND warmup = 1 AND repetition = 0")" "$n" "one warm-up trial per cell, flagged"
is "$(sql "SELECT count(DISTINCT round) FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 's1'")" 4 "four rounds"
# interleaved: within each round every allocator appears once
is "$(sql "SELECT count(*) FROM (SELECT round FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 's1' GROUP BY round HAVING count(DISTINCT allocator) = $n)")" 4 "every round runs every allocator once"
"$NGBENCH" run -a all -r 3 --warmup=1 --seed=42 --label=s2 -- "$TINY" >/dev/null 2>&1
order() { sql "SELECT group_concat(allocator) FROM (SELECT allocator FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = '$1' ORDER BY seq)"; }
is "$(order s2)" "$(order s1)" "the same seed gives the same order"
is "$(sql "SELECT seed FROM sessions WHERE label = 's1'")" 42 "the seed is stored"
if [ "$n" -ge 3 ]; then
	rounds=$(sql "SELECT count(DISTINCT o) FROM (SELECT round, group_concat(allocator) AS o FROM (SELECT round, allocator FROM trials t JOIN sessions s ON s.id = t.session_id WHERE s.label = 's1' ORDER BY seq) GROUP BY round)")
	test "$rounds" -gt 1; ok $? "the order is shuffled from round to round ($rounds orders in 4 rounds)"
else
	skip "fewer than 3 allocators"
fi

"$NGBENCH" run -a ptmalloc2 -r 1 --cpus=0 -- "$TINY" --print-affinity >/dev/null 2>&1
is "$(sql "SELECT value FROM trial_results WHERE key = 'cpus' ORDER BY trial_id DESC LIMIT 1")" 1 "--cpus=0 pins the child to one CPU"

if command -v script >/dev/null; then
	script -qec "$NGBENCH run -a ptmalloc2 -r 2 -- $TINY --sleep=0.2" "$SCRATCH/typescript" >/dev/null 2>&1
	grep -q '\[1/2\] ptmalloc2' "$SCRATCH/typescript"; ok $? "a progress line is shown on a terminal"
	"$NGBENCH" run -a ptmalloc2 -r 2 -- "$TINY" >/dev/null 2>"$SCRATCH/err"
	grep -q '\[1/2\]' "$SCRATCH/err"; is $? 1 "and none when stderr is not a terminal"
else
	skip "no script(1) to fake a terminal"; skip "no script(1)"
fi
done_testing
