#!/bin/sh
# Malformed option values are refused with the option named, exit 2, nothing written.
. "$top_srcdir/tests/cli/lib.sh"
plan 20

err=$SCRATCH/err
check() { # OPTION-TEXT EXPECTED-IN-ERROR ARGS...
	what=$1; expect=$2; shift 2
	"$NGBENCH" run "$@" -- true >/dev/null 2>"$err"; is $? 2 "$what exits 2"
	contains "$err" "$expect" "$what names the option"
}
check "-r abc" "option '--repetitions' takes a whole number, not 'abc'" -r abc
check "-r 0" "option '--repetitions' must be between 1" -r 0
check "--timeout -1" "option '--timeout' must be between 0" --timeout -1
check "--timeout 5x" "option '--timeout' takes a number, not '5x'" --timeout 5x
check "--warmup=x" "option '--warmup' takes a whole number" --warmup=x
check "--cpus=a-b" "option '--cpus' takes a CPU list" --cpus=a-b
check "--seed=-5" "option '--seed' must be between 0" --seed=-5
check "--bogus" "unknown option '--bogus'" --bogus
"$NGBENCH" run --workload=larson --threads=0 >/dev/null 2>"$err"; is $? 2 "--threads=0 exits 2"
contains "$err" "option '--threads' takes thread counts from 1 to 4096, not '0'" "--threads=0 names the option"
test ! -e "$DB"; ok $? "no database is created by bad options"
"$NGBENCH" run --workload=larson --set threads=abc -r 1 >/dev/null 2>"$err"
contains "$err" "parameter 'threads': 'abc' is not an integer" "a bad --set value names the parameter"
done_testing
