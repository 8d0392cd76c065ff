#!/bin/sh
# tests/workloads/selfcheck.sh - every workload passes its self-check, at
# the light level of timed runs and at the full level, at a tiny size with
# 1 and 2 threads under glibc and under every system allocator library
# present, and prints one well-formed result record.
# xalanc's output checksum must not depend on the allocator or threads.
. "$top_srcdir/tests/workloads/lib.sh"

n_alloc=$(echo $ALLOCATORS | wc -w)
echo "1..$(( $(echo $WORKLOADS | wc -w) * n_alloc * 2 * 2 * 2 + 1 ))"
echo "# allocators: $ALLOCATORS"
sums=
for w in $WORKLOADS; do
	for a in $ALLOCATORS; do
		for t in 1 2; do
		for check in light full; do
			what="$w --threads=$t --check=$check under $(basename "$a")"
			if [ ! -x "$W/$w" ]; then
				tap_skip "$w is not built"; tap_skip "$w is not built"
				continue
			fi
			LD_PRELOAD=$(preload_for "$a") "$W/$w" --threads=$t --check=$check $(tiny_args $w) \
				>"$TMP/out" 2>"$TMP/err"
			rc=$?
			tap_ok $rc "$what passes its self-check"
			[ $rc -eq 0 ] || sed 's/^/#   /' "$TMP/err"
			lines=$(grep -c '^ngbench-result:' "$TMP/out")
			grep -Eq "$RESULT_RE" "$TMP/out"
			tap_ok $(( lines != 1 || $? != 0 )) "$what prints one well-formed result record"
			[ "$w" = xalanc ] && sums="$sums $(sed -n 's/.* checksum=\([0-9a-f]*\).*/\1/p' "$TMP/out")"
		done
		done
	done
done
if [ -x "$W/xalanc" ]; then
	distinct=$(echo $sums | tr ' ' '\n' | sort -u | wc -l)
	tap_ok $(( distinct != 1 )) "xalanc checksum is the same under every allocator, thread count and check level ($distinct distinct)"
else
	tap_skip "xalanc is not built"
fi
exit $FAILED
