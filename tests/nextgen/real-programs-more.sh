#!/bin/sh
# tests/nextgen/real-programs-more.sh - more real programs under libnextgen
# in each protocol and base of tests/nextgen/allocators.list: a Python
# program with threads, subprocesses and a pool of forked workers
# (subprocs.py), a C compile (the compiler's assembly output for one of
# this project's sources) and sort on 200,000 lines.  Each output must be
# byte-identical to the one with glibc's malloc; a program that is not
# installed is a skip.  Bounded, so that a hang fails instead of CI.
: "${top_srcdir:?top_srcdir must be set (make check sets it)}"
ALLOC_LIST=$top_srcdir/tests/nextgen/allocators.list
. "$top_srcdir/tests/alloc/alloc-lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/ngm-real.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# the distribution's interpreter first, as tests/alloc/real-programs.sh
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3 2>/dev/null)
cc=$(command -v cc 2>/dev/null || command -v gcc 2>/dev/null)
sort=$(command -v sort 2>/dev/null)
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "%d %s\n", (i * 7919) % 100003, (i % 3 ? "b" : "a") }' \
	> "$work/lines"

run_python() { alloc_run "$1" "$2" timeout 120 "$python" "$top_srcdir/tests/nextgen/subprocs.py"; }
# the driver, cc1 and as all preloaded; the assembly is the output
run_cc() {
	alloc_run "$1" "$2" timeout 120 "$cc" -O2 -S -o - -I"$top_srcdir/include" \
		"$top_srcdir/allocators/nextgen/heap.c"
}
run_sort() { alloc_run "$1" "$2" timeout 120 env LC_ALL=C "$sort" -n -k1,1 -k2 "$work/lines"; }

have_python=0 have_cc=0 have_sort=0
if [ -n "$python" ] && run_python - "" > "$work/python.ref" 2>&1; then have_python=1; fi
if [ -n "$cc" ] && run_cc - "" > "$work/cc.ref" 2>&1; then have_cc=1; fi
if [ -n "$sort" ] && run_sort - "" > "$work/sort.ref" 2>&1; then have_sort=1; fi

compare() {
	c_name=$1 c_prog=$2 c_have=$3
	shift 3
	if [ "$c_have" -ne 1 ]; then
		tap_skip "$c_name: $c_prog is not installed (or fails with glibc)"
		return
	fi
	"run_$c_prog" "$@" > "$work/$c_prog.out" 2>&1
	c_status=$?
	if [ $c_status -eq 0 ] && cmp -s "$work/$c_prog.ref" "$work/$c_prog.out"; then
		tap_ok "$c_name: $c_prog output identical to glibc's"
	else
		tap_not_ok "$c_name: $c_prog output identical to glibc's (exit $c_status)"
		tap_diag "$(diff "$work/$c_prog.ref" "$work/$c_prog.out" | head -20)"
	fi
}

one_allocator() {
	compare "$1" python $have_python "$2" "$3"
	compare "$1" cc $have_cc "$2" "$3"
	compare "$1" sort $have_sort "$2" "$3"
}

alloc_foreach one_allocator
tap_end
