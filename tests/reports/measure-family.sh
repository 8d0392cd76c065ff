#!/bin/sh
# tests/reports/measure-family.sh - how often 'ngbench compare' flags
# anything when two sessions of several cells measure the same thing: the
# false-alarm rate of a whole comparison, the figure its correction across
# cells (Holm) is for.  Not part of 'make check' (minutes); its figures are
# in reports/README.md.
#
#   sh measure-family.sh BUILDDIR DB PAIRS [REPS]
#
# Per pair: two sessions, one after the other, of the same experiment (four
# allocators x threadtest and xmalloc, short, x 1 and 2 threads: 16 cells,
# REPS runs each, default 6), labelled fa-a-I and fa-b-I; sessions already in
# DB are kept, so a second call only compares.  Then 'compare' of each pair
# with each statistic: a comparison that flags any cell (faster or slower)
# is a false alarm, since nothing changed between the two.
set -eu
b=$1 db=$2 pairs=$3 reps=${4:-6}
ini=$(mktemp /tmp/ngb-family.XXXXXX.ini)
trap 'rm -f "$ini"' EXIT
cat >"$ini" <<INI
[global]
description = identical sessions: 4 allocators x 2 short workloads x 2 thread counts
threads = 1,2
counters = none
repetitions = $reps
allocators = ptmalloc2,jemalloc,tcmalloc,mimalloc

[threadtest]
workloads = threadtest
set = iterations=10

[xmalloc]
workloads = xmalloc
set = objects=200000
INI
have() {
	[ -n "$(sqlite3 "$db" "SELECT 1 FROM sessions WHERE label = '$1' AND status = 'complete'" 2>/dev/null)" ]
}
i=1
while [ "$i" -le "$pairs" ]; do
	for side in a b; do
		have "fa-$side-$i" || "$b/ngbench" run -q -x "$ini" --label="fa-$side-$i" --db="$db" >/dev/null 2>&1 || true
	done
	i=$((i + 1))
done
for stat in p25 median min; do
	flagged=0 cells=0 raw=0 i=1
	while [ "$i" -le "$pairs" ]; do
		out=$("$b/ngbench" compare --db="$db" --stat=$stat --format=json "fa-a-$i" "fa-b-$i" 2>/dev/null || true)
		n=$(printf '%s\n' "$out" | grep -c '"verdict": "\(faster\|slower\)"' || true)
		u=$(printf '%s\n' "$out" | grep -c '"verdict_uncorrected": "\(faster\|slower\)"' || true)
		[ "$n" -gt 0 ] && flagged=$((flagged + 1))
		[ "$u" -gt 0 ] && raw=$((raw + 1))
		cells=$((cells + n))
		i=$((i + 1))
	done
	echo "stat=$stat: comparisons flagging any cell $flagged/$pairs (cells flagged $cells); without the correction $raw/$pairs"
done
