#!/bin/sh
# tests/workloads/countalloc.sh - the counting shim used to measure the
# workloads' allocation mix counts what a workload does: threadtest with
# one thread, 3 batches of 2000 8-byte objects makes at least 6000
# allocations and frees of at most 16 bytes (through operator new[] and
# delete[], as its reference: the shim counts them as new and delete);
# larson asks for sizes in [min-size, max-size - 1] as the original does
# (min + lran2 draw % (max - min)): with 16 and 17, only 16-byte blocks.
# A preset allocates nothing on the measured heap: passive-false makes the
# same calls with --preset=reference as without (its copy of the preset
# was once a malloc that moved the handed objects with the preset's length).
. "$top_srcdir/tests/workloads/lib.sh"

LIB="$top_builddir/tests/workloads/.libs/countalloc.so"
echo "1..6"
NGB_COUNTALLOC_OUT="$TMP/count" LD_PRELOAD="$LIB" "$W/threadtest" --threads=1 \
	--iterations=3 --objects=2000 --size=8 >/dev/null 2>"$TMP/err"
tap_ok $? "threadtest runs under the counting shim"
line=$(cat "$TMP/count" 2>/dev/null)
echo "# $line"
get() { echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
num() { v=$(get "$1"); echo "${v:-0}"; }
m=$(( $(num malloc) + $(num new) )); f=$(( $(num free) + $(num delete) )); s=$(get le16)
tap_ok $(( ${m:-0} < 6000 || ${f:-0} < 6000 )) "counts at least 6000 allocations and frees (malloc+new=$m free+delete=$f)"
tap_ok $(( ${s:-0} < 6000 )) "counts at least 6000 requests of at most 16 bytes (le16=$s)"

NGB_COUNTALLOC_OUT="$TMP/count2" LD_PRELOAD="$LIB" "$W/larson" --threads=1 --seconds=0.05 \
	--min-size=16 --max-size=17 --blocks=100 --rounds=10 >/dev/null 2>"$TMP/err"
tap_ok $? "larson runs under the counting shim"
line=$(cat "$TMP/count2" 2>/dev/null)
echo "# $line"
n=$(num new) s=$(num le16) b=$(num le32)
tap_ok $(( n < 1000 || s < n || b != 0 )) "larson with sizes 16-17 asks only for 16 bytes, as the original (new=$n le16=$s le32=$b)"

for p in none reference; do
	set -- --threads=2 --iterations=100 --writes=10
	[ $p = none ] || set -- --preset=$p "$@"
	NGB_COUNTALLOC_OUT="$TMP/count-$p" LD_PRELOAD="$LIB" "$W/passive-false" "$@" \
		>/dev/null 2>"$TMP/err"
	sed 's/seconds=[^ ]* //' "$TMP/count-$p" >"$TMP/calls-$p" 2>/dev/null
	echo "# $p: $(cat "$TMP/calls-$p")"
done
test -s "$TMP/calls-none" && cmp -s "$TMP/calls-none" "$TMP/calls-reference"
tap_ok $? "passive-false makes the same allocator calls with --preset=reference as without"
exit $FAILED
