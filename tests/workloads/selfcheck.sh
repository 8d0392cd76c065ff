#!/bin/sh
# tests/workloads/selfcheck.sh - every workload passes its self-check, at
# the light level of timed runs and at the full level, at a tiny size with
# 1 and 2 threads under glibc and under every system allocator library
# present, and prints one well-formed result record.
# xalanc's output checksum must not depend on the allocator or threads.
# The modes that follow a reference program more closely run too: xmalloc
# for a time (--seconds, xmalloc-test's -t), threadtest's two loops and the
# false-sharing programs' original loop, which must keep the objects'
# pattern when a check is on (it writes the original's bytes only with
# check=none).
. "$top_srcdir/tests/workloads/lib.sh"

n_alloc=$(echo $ALLOCATORS | wc -w)
echo "1..$(( $(echo $WORKLOADS | wc -w) * n_alloc * 2 * 2 * 2 + 1 + 7 ))"
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

"$W/xmalloc" --seconds=0.2 --batch=256 --check=full --min-size=16 --max-size=256 >"$TMP/out" 2>"$TMP/err"
rc=$?
objs=$(sed -n 's/.* objects=\([0-9]*\) .*timed=seconds.*/\1/p' "$TMP/out")
tap_ok $(( rc != 0 || ${objs:-0} < 256 )) "xmalloc --seconds=0.2 passes its self-check and frees whole batches (exit $rc, objects=${objs:-none})"
"$W/xmalloc" --seconds=0.2 --threads=2 --batch=256 >"$TMP/out" 2>"$TMP/err"
tap_ok $? "xmalloc --seconds=0.2 --threads=2 runs to the end"
for loop in original tight; do
	"$W/threadtest" --threads=2 --loop=$loop --check=full $(tiny_args threadtest) >"$TMP/out" 2>"$TMP/err"
	rc=$?
	grep -q " loop=$loop" "$TMP/out"
	tap_ok $(( rc != 0 || $? != 0 )) "threadtest --loop=$loop passes its self-check and says its loop (exit $rc)"
done
for w in active-false passive-false; do
	"$W/$w" --threads=2 --loop=original --check=full $(tiny_args $w) >"$TMP/out" 2>"$TMP/err"
	rc=$?
	grep -q " loop=original" "$TMP/out"
	tap_ok $(( rc != 0 || $? != 0 )) "$w --loop=original passes its self-check and says its loop (exit $rc)"
done
"$W/threadtest" --loop=original --objects=3000000000 >"$TMP/out" 2>"$TMP/err"
rc=$?
grep -q -- "'--objects'" "$TMP/err"
tap_ok $(( rc != 2 || $? != 0 )) "threadtest --loop=original refuses more objects than an int holds (exit $rc)"
exit $FAILED
