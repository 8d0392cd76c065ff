#!/bin/sh
# tests/alloc/suite.sh - the allocator conformance suite, the multithreaded
# torture test, the C++ new/delete test and Hoard's own behaviour test,
# each under every allocator of allocators.list (one TAP line per pair).
. "$top_srcdir/tests/alloc/alloc-lib.sh"

bin=$top_builddir/tests/alloc

# run_one NAME LIB KNOBS PROGRAM ARGS...: the program prints TAP itself;
# the pair passes when it exits 0 with no "not ok" line.
run_one() {
	r_name=$1 r_lib=$2 r_knobs=$3 r_prog=$4
	shift 4
	r_out=$(alloc_run "$r_lib" "$r_knobs" timeout 120 "$bin/$r_prog" "$@" 2>&1)
	r_status=$?
	r_skip=$(printf '%s\n' "$r_out" | sed -n 's/^1\.\.0 # SKIP //p')
	if [ -n "$r_skip" ]; then
		tap_skip "$r_name: $r_prog: $r_skip"
	elif [ "$r_status" -eq 0 ] &&
	     ! printf '%s\n' "$r_out" | grep '^not ok' | grep -qv '# TODO' &&
	     printf '%s\n' "$r_out" | grep -q '^ok'; then
		tap_ok "$r_name: $r_prog $*"
		# Known deviations and the program's own notes, for the log.
		printf '%s\n' "$r_out" | grep -E '^# |# TODO' | sed "s/^/# $r_name: /"
	else
		tap_not_ok "$r_name: $r_prog $* (exit $r_status)"
		tap_diag "$r_out"
	fi
}

one_allocator() {
	run_one "$1" "$2" "$3" conformance
	run_one "$1" "$2" "$3" torture 4 50000
	run_one "$1" "$2" "$3" cxx_new
	run_one "$1" "$2" "$3" hoard_behaviour
	run_one "$1" "$2" "$3" hoard_memory
}

alloc_foreach one_allocator
tap_end
