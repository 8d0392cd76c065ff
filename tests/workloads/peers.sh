#!/bin/sh
# tests/workloads/peers.sh - bench/peers.sh against a stand-in
# mimalloc-bench checkout: stand-in reference programs and workload
# programs whose speed under each "allocator" is known, so that every
# ratio, quotient and quartile of the table can be checked.  Also its
# refusals: no checkout, a bad round count, a build folder inside the
# repository, -P on a larson.cpp it cannot pad, a TSV that is not its own.
PEERS="$top_srcdir/bench/peers.sh"
T=0
FAILED=0
tap_ok() { # STATUS DESCRIPTION
	T=$((T + 1))
	if [ "$1" -eq 0 ]; then echo "ok $T - $2"; else echo "not ok $T - $2"; FAILED=1; fi
}

echo "1..14"
CXX=${CXX:-c++} CC=${CC:-cc}
command -v "$CXX" >/dev/null && command -v "$CC" >/dev/null ||
	{ echo "Bail out! no C and C++ compilers ($CC, $CXX) to build the stand-in programs"; exit 99; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ngb-peers-test.XXXXXX") ||
	{ echo "Bail out! cannot make a temporary folder"; exit 99; }
trap 'rm -rf "$TMP"' EXIT

# The stand-in checkout.  larson prints 100 operations per second under
# glibc and 200 under libfast, 300 when built with its descriptors padded
# (-P: thread_data aligned to 128 bytes); the other references do nothing.
MB=$TMP/mb
mkdir -p "$MB/bench/larson" "$MB/bench/xmalloc-test" "$MB/bench/cache-thrash" "$MB/bench/cache-scratch"
cat >"$MB/bench/larson/larson.cpp" <<'EOF'
#include <cstdio>
#include <cstdlib>
#include <cstring>
typedef struct {
	long counters[3];
} thread_data;
int main()
{
	const char *pre = getenv("LD_PRELOAD");
	double v = 100;
	if (pre && strstr(pre, "libfast"))
		v = alignof(thread_data) == 128 ? 300 : 200;
	printf("Throughput = %8.0f operations per second, relative time: 1.000s.\n", v);
	return 0;
}
EOF
echo 'int main(void) { return 0; }' >"$MB/bench/xmalloc-test/xmalloc-test.c"
echo 'int main() { return 0; }' >"$MB/bench/cache-thrash/cache-thrash.cpp"
echo 'int main() { return 0; }' >"$MB/bench/cache-scratch/cache-scratch.cpp"
echo 'void ngb_peers_test_fast(void) {}' >"$TMP/fast.c"
"$CC" -shared -fPIC -o "$TMP/libfast.so" "$TMP/fast.c" ||
	{ echo "Bail out! cannot build the stand-in allocator library"; exit 99; }
# ngbench's larson, stand-in: 10 under glibc, 20 under libfast.
mkdir -p "$TMP/wl"
cat >"$TMP/wl/larson" <<'EOF'
#!/bin/sh
case ${LD_PRELOAD:-} in *libfast*) v=20 ;; *) v=10 ;; esac
echo "ngbench-result: metric=ops_per_sec value=$v unit=ops/s better=higher threads=1"
EOF
chmod +x "$TMP/wl/larson"

# A run: two rounds of larson at one thread, with the padded build.
sh "$PEERS" -b "$TMP/build" -w "$TMP/wl" -P -r 2 -d 1 -p larson -t 1 -a fast="$TMP/libfast.so" \
	-o "$TMP/run.tsv" "$MB" >"$TMP/out" 2>"$TMP/err"
rc=$?
tap_ok $rc "peers.sh -P runs the stand-ins (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/#   /' "$TMP/err"
[ -x "$TMP/build/larson-padded" ] && grep -q 'aligned(128))) thread_data;' "$TMP/build/larson-padded.cpp"
tap_ok $? "-P builds larson-padded from a copy with thread_data aligned to 128 bytes"
[ "$(wc -l <"$TMP/run.tsv")" -eq 12 ] &&
	[ "$(awk -F'\t' '$5 == "pad"' "$TMP/run.tsv" | wc -l)" -eq 4 ]
tap_ok $? "-o holds every round, allocator and side: 12 rows, 4 of them the padded build's"
grep -qxF '| larson | 1 | fast | 2.00 | 2.00-2.00 | 2.00 | 1.000 | 1.00-1.00 | 2 | yes |' "$TMP/out"
tap_ok $? "the reference's row: 2.00 from both programs, quotient 1.000"
grep -qxF '| larson, descriptors padded | 1 | fast | 3.00 | 3.00-3.00 | 2.00 | 0.667 | 0.67-0.67 | 2 | no |' "$TMP/out"
tap_ok $? "the padded build's row: 3.00 against ngbench's 2.00, quotient 0.667, outside"
[ -z "$(ls "$TMP/build" | grep -v -e '^larson' -e '^xmalloc-test' -e '^cache-')" ]
tap_ok $? "nothing but the reference programs and their logs in the build folder"

# The table from an earlier TSV (-r 0 -i): medians, quartiles, and time
# (lower is better) turned into speed for cache-thrash.
printf '%s\n' \
	"1	larson	1	glibc	ref	100" "1	larson	1	fast	ref	200" "1	larson	1	glibc	ngb	10" "1	larson	1	fast	ngb	16" \
	"2	larson	1	glibc	ref	100" "2	larson	1	fast	ref	200" "2	larson	1	glibc	ngb	10" "2	larson	1	fast	ngb	18" \
	"3	larson	1	glibc	ref	100" "3	larson	1	fast	ref	200" "3	larson	1	glibc	ngb	10" "3	larson	1	fast	ngb	20" \
	"4	larson	1	glibc	ref	100" "4	larson	1	fast	ref	200" "4	larson	1	glibc	ngb	10" "4	larson	1	fast	ngb	24" \
	"5	larson	1	glibc	ref	100" "5	larson	1	fast	ref	250" "5	larson	1	glibc	ngb	10" "5	larson	1	fast	ngb	28" \
	"1	cache-thrash	1	glibc	ref	1.0" "1	cache-thrash	1	fast	ref	0.5" \
	"1	cache-thrash	1	glibc	ngb	1.0" "1	cache-thrash	1	fast	ngb	0.4" \
	| tr -s ' ' '\t' >"$TMP/in.tsv"
sh "$PEERS" -b "$TMP/build" -w "$TMP/wl" -r 0 -p larson,cache-thrash -t 1 -a fast="$TMP/libfast.so" \
	-i "$TMP/in.tsv" "$MB" >"$TMP/out" 2>"$TMP/err"
tap_ok $? "peers.sh -r 0 -i prints the table of an earlier TSV"
# ngbench 1.6 1.8 2.0 2.4 2.8 (median 2.0), the reference 2 2 2 2 2.5
# (median 2); per round 0.8 0.9 1.0 1.2 1.12, quartiles 0.9 and 1.12.
grep -qxF '| larson | 1 | fast | 2.00 | 2.00-2.50 | 2.00 | 1.000 | 0.90-1.12 | 5 | yes |' "$TMP/out"
tap_ok $? "medians of the ratios, the reference's range and the per-round quartiles"
grep -qxF '| cache-thrash | 1 | fast | 2.00 | 2.00-2.00 | 2.50 | 1.250 | 1.25-1.25 | 1 | no |' "$TMP/out"
tap_ok $? "a time is turned into speed (glibc's time over the allocator's)"

# Refusals: exit 2 and what is wrong.
refused() { # DESCRIPTION PATTERN ARGS...
	d=$1 pat=$2; shift 2
	sh "$PEERS" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	grep -q -- "$pat" "$TMP/err"
	tap_ok $(( rc != 2 || $? != 0 )) "$d: exit 2, says '$pat' (exit $rc)"
	[ $rc -eq 2 ] || sed 's/^/#   /' "$TMP/err"
}
refused "a folder that is no checkout" "not a mimalloc-bench checkout" -w "$TMP/wl" "$TMP"
refused "a round count that is no number" "is not a number of rounds" -w "$TMP/wl" -r x "$MB"
refused "a build folder inside the repository" "inside this repository" -w "$TMP/wl" -b "$top_srcdir/bench" "$MB"
sed -i 's/^} thread_data;$/} thread_data ;/' "$MB/bench/larson/larson.cpp"
refused "-P on a larson.cpp without the line it pads" "-P: larson.cpp" -w "$TMP/wl" -b "$TMP/b2" -P -r 0 "$MB"
printf 'x\tlarson\n' >"$TMP/bad.tsv"
refused "-i of a file that is not its TSV" "is not a TSV of peers.sh" -w "$TMP/wl" -b "$TMP/build" -r 0 -i "$TMP/bad.tsv" "$MB"
exit $FAILED
