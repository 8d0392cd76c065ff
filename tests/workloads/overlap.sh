#!/bin/sh
# tests/workloads/overlap.sh - a broken allocator that hands out
# overlapping blocks (overlap.c) is caught by every workload's self-check:
# exit 1 and the block's address in the message.  active-false and
# passive-false run with 2 threads only: with one thread only one of their
# objects is live at a time, so nothing can overlap it.
. "$top_srcdir/tests/workloads/lib.sh"

LIB="$top_builddir/tests/workloads/.libs/overlap.so"
echo "1..$(( $(echo $WORKLOADS | wc -w) * 2 * 2 ))"
for w in $WORKLOADS; do
	for t in 1 2; do
		if [ ! -x "$W/$w" ]; then
			tap_skip "$w is not built"; tap_skip "$w is not built"
			continue
		fi
		case $w-$t in
		active-false-1|passive-false-1)
			tap_skip "one live object per thread"; tap_skip "one live object per thread"
			continue ;;
		esac
		LD_PRELOAD="$LIB" "$W/$w" --threads=$t $(tiny_args $w) >"$TMP/out" 2>"$TMP/err"
		rc=$?
		tap_ok $(( rc != 1 )) "$w --threads=$t under the overlapping allocator exits 1 (got $rc)"
		grep -Eq 'self-check failed: .*0x[0-9a-f]+' "$TMP/err"
		tap_ok $? "$w --threads=$t names the corrupted block's address"
		grep -q '^ngbench-result:' "$TMP/out"
		[ $? -ne 0 ] || echo "# but it printed a result"
		sed -n '1,2s/^/#   /p' "$TMP/err"
	done
done
exit $FAILED
