#!/bin/sh
# tests/workloads/args.sh - every workload validates its arguments: --help
# works, non-numeric and out-of-range values, a check level that does not
# exist and unknown options are
# refused with exit 2 and the option named.
. "$top_srcdir/tests/workloads/lib.sh"

echo "1..$(( $(echo $WORKLOADS | wc -w) * 8 ))"
for w in $WORKLOADS; do
	if [ ! -x "$W/$w" ]; then
		for i in 1 2 3 4 5 6 7 8; do tap_skip "$w is not built"; done
		continue
	fi
	"$W/$w" --help >"$TMP/out" 2>&1
	rc=$?
	grep -q -- '--threads' "$TMP/out"
	tap_ok $(( rc != 0 || $? != 0 )) "$w --help exits 0 and lists --threads"
	grep -q 'differs' "$TMP/out"
	tap_ok $? "$w --help says how it differs from the well-known version"

	check_refused() { # option value description
		"$W/$w" "--$1=$2" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		grep -q -- "'--$1'" "$TMP/err"
		named=$?
		tap_ok $(( rc != 2 || named != 0 )) "$w --$1=$2 refused with exit 2 naming the option ($3)"
		[ $rc -eq 2 ] && [ $named -eq 0 ] || { echo "# exit $rc:"; sed 's/^/#   /' "$TMP/err"; }
	}
	check_refused threads abc "non-numeric"
	check_refused threads 0 "out of range"
	check_refused threads 100000 "out of range"
	check_refused seed -1 "out of range"
	check_refused check fast "not a check level"
	"$W/$w" --no-such-option=1 >/dev/null 2>"$TMP/err"
	rc=$?
	grep -q -- "--no-such-option" "$TMP/err"
	tap_ok $(( rc != 2 || $? != 0 )) "$w refuses an unknown option with exit 2"
done
exit $FAILED
