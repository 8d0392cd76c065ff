#!/bin/sh
# tests/workloads/overlap.sh - two broken allocators (overlap.c): one that
# hands out overlapping blocks and one whose blocks are too small
# (OVERLAP_MODE=short) are caught by every workload's self-check, at the
# light level timed runs use and at the full level: exit 1 and the block's
# address in the message.  active-false and passive-false run with 2
# threads only: with one thread only one of their objects is live at a
# time, so nothing can overlap it.  xalanc's light check is its output
# checksum: Xalan's blocks come from its libraries, which the test
# allocator serves correctly, so only --check=full (the guard memory
# manager, called from the program) is hit.  Then, per broken allocator:
# the light check catches it with blocks of 100 and of 10,000 bytes (where
# it writes canaries only), so does threadtest's loop=original, and
# --check=none does not (so the other
# results come from the check, not from the allocator crashing the
# program).
. "$top_srcdir/tests/workloads/lib.sh"

LIB="$top_builddir/tests/workloads/.libs/overlap.so"
echo "1..$(( $(echo $WORKLOADS | wc -w) * 2 * 2 * 2 * 2 + 2 * 4 ))"
for mode in overlap short; do
	for check in light full; do
		for w in $WORKLOADS; do
			for t in 1 2; do
				what="$w --threads=$t --check=$check under the $mode allocator"
				if [ ! -x "$W/$w" ]; then
					tap_skip "$w is not built"; tap_skip "$w is not built"
					continue
				fi
				case $w-$t-$check in
				active-false-1-*|passive-false-1-*)
					tap_skip "one live object per thread"
					tap_skip "one live object per thread"
					continue ;;
				xalanc-*-light)
					tap_skip "xalanc's light check is its output checksum"
					tap_skip "xalanc's light check is its output checksum"
					continue ;;
				esac
				extra=
				# Started as created, one thread may finish before the
				# other allocates: only a start line makes their objects
				# live at once.
				[ $w = active-false ] && extra=--start=together
				OVERLAP_MODE=$mode LD_PRELOAD="$LIB" "$W/$w" --threads=$t \
					--check=$check $(tiny_args $w) $extra >"$TMP/out" 2>"$TMP/err"
				rc=$?
				tap_ok $(( rc != 1 )) "$what exits 1 (got $rc)"
				grep -Eq 'self-check failed: .*0x[0-9a-f]+' "$TMP/err"
				tap_ok $? "$what names the corrupted block's address"
				grep -q '^ngbench-result:' "$TMP/out"
				[ $? -ne 0 ] || echo "# but it printed a result"
				sed -n '1,2s/^/#   /p' "$TMP/err"
			done
		done
	done
done
for mode in overlap short; do
	for size in 100 10000; do
		OVERLAP_MODE=$mode LD_PRELOAD="$LIB" "$W/threadtest" --size=$size \
			--iterations=2 --objects=100 >"$TMP/out" 2>"$TMP/err"
		rc=$?
		grep -Eq 'self-check failed: .*0x[0-9a-f]+' "$TMP/err"
		tap_ok $(( rc != 1 || $? != 0 )) "threadtest --size=$size (light check) catches the $mode allocator (exit $rc)"
	done
	# loop=original is compiled apart for check=none: its checked copy
	# must still check.
	OVERLAP_MODE=$mode LD_PRELOAD="$LIB" "$W/threadtest" --size=100 --loop=original \
		--iterations=2 --objects=100 >"$TMP/out" 2>"$TMP/err"
	rc=$?
	grep -Eq 'self-check failed: .*0x[0-9a-f]+' "$TMP/err"
	tap_ok $(( rc != 1 || $? != 0 )) "threadtest --loop=original (light check) catches the $mode allocator (exit $rc)"
	OVERLAP_MODE=$mode LD_PRELOAD="$LIB" "$W/threadtest" --size=100 --check=none \
		--iterations=2 --objects=100 >"$TMP/out" 2>"$TMP/err"
	rc=$?
	tap_ok $rc "threadtest --check=none runs to the end under the $mode allocator (exit $rc)"
done
exit $FAILED
