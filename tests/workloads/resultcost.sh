#!/bin/sh
# tests/workloads/resultcost.sh - a workload's result line costs the same
# simulated instructions, references and cache misses for every value it
# prints (resultcost.c): two trials of a deterministic workload whose
# measured times differ must get equal counts under --counters=sim.  A
# miss moved by one when the time crossed a power of two (15.6 s against
# 20.7 s of xalanc under cachegrind): the table of powers of ten was read
# at an entry that depends on the exponent.  Also: each line reads back
# as its value to 9 digits.
. "$top_srcdir/tests/cli/lib.sh"
command -v valgrind >/dev/null || skip_all "valgrind is needed (apt-get install valgrind)"
PROG=$top_builddir/tests/workloads/resultcost
# (positive values: a negative one prints one character more, and no
# workload measures one)
values="1.5 15.6781504 20.7502904 0.000123 98765.4321 3e9 7.25e-300 1.7e308 0.75"
plan $(( $(echo $values | wc -w) + 2 ))

# Only the value may differ between runs: the argument is its 16 hex
# digits (one width, for the stack's layout, read at one cost),
# randomisation is off, the environment fixed.
counts() {
	arg=$("$PROG" --bits "$1") || return 1
	env -i PATH=/usr/bin:/bin setarch "$(uname -m)" -R valgrind --tool=cachegrind --cache-sim=yes \
		--cachegrind-out-file="$SCRATCH/cg.out" "$PROG" "$arg" >"$SCRATCH/line" 2>"$SCRATCH/err" ||
		return 1
	sed -n 's/^summary: //p' "$SCRATCH/cg.out"
}

first=
for v in $values; do
	c=$(counts "$v") || { ok 1 "resultcost $v under cachegrind: $(tail -n 3 "$SCRATCH/err")"; continue; }
	: "${first:=$c}"
	# the value printed reads back as v to 9 significant digits
	got=$(sed -n '2s/.* value=\([^ ]*\) .*/\1/p' "$SCRATCH/line")
	if [ -n "$c" ] && [ "$c" = "$first" ] &&
	   awk -v a="$got" -v b="$v" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(d <= m * 1e-8) }'; then
		ok 0 "$v prints as $got with the counts of the first value ($c)"
	else
		ok 1 "$v prints as $got with the counts of the first value: '$c' against '$first'"
	fi
done
is "$(echo "$first" | wc -w)" 9 "cachegrind gave all nine counts"
# and the check can fail: a value printed by printf (zero goes there) costs
# other counts than a normal number
c=$(counts 0) && [ -n "$c" ] && [ "$c" != "$first" ]
ok $? "zero, which goes to printf, gets other counts (the comparison can fail)"
done_testing
