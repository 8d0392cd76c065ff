#!/bin/sh
# tests/alloc/real-programs.sh - large real programs with each allocator of
# allocators.list preloaded: python3 running a script (with threads and
# subprocesses), sqlite3 running queries, Xalan transforming a document,
# the C compiler compiling a generated file to assembly, and sort sorting
# 200 000 lines; and the python script again under ulimit -v 300000
# (python_vlimit).  Each output must be byte-identical to the one with
# glibc's malloc.  A program that is not installed is a skip.
. "$top_srcdir/tests/alloc/alloc-lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/ngb-real.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# The distribution's interpreter, not a version manager's wrapper script.
python=
for p in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
	if [ -n "$p" ] && [ -x "$p" ]; then python=$p; break; fi
done
sqlite=$(command -v sqlite3 2>/dev/null)
xalan=$(command -v Xalan 2>/dev/null)
cc=$(command -v cc 2>/dev/null)
sort=$(command -v sort 2>/dev/null)

# A catalog of 3000 books, made here so the distribution stays small.
awk 'BEGIN {
	print "<?xml version=\"1.0\"?>"; print "<catalog>";
	for (i = 1; i <= 3000; i++)
		printf "<book id=\"b%d\" shelf=\"%d\"><title>title %d of %s</title><price>%d.%02d</price></book>\n",
			i, i % 37, i, (i % 2 ? "ghost" : "bridge"), (i * 7919) % 500, i % 100;
	print "</catalog>" }' > "$work/catalog.xml"

# A C file of 300 functions and 200 000 lines to sort, made the same way.
awk 'BEGIN {
	print "struct node { struct node *next; long v; };";
	for (i = 0; i < 300; i++) {
		printf "long f%d(struct node *n, long k) { long s = %d; ", i, i;
		printf "for (; n; n = n->next) s += n->v * k %% %d; return s; }\n", i + 7
	} }' > "$work/gen.c"
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "%08d %s\n", (i * 7919) % 1000003, (i % 3 ? "x" : "yy") }' \
	> "$work/lines.txt"

# program NAME CMD...: the commands, as functions of the preload.
run_python() { alloc_run "$1" "$2" "$python" "$top_srcdir/tests/alloc/workload.py"; }
# The same under a limit on address space (ulimit -v 300000, 293 MiB), where
# a reservation counts though it is not memory: hoard's first arena took
# 256 MiB of it and the script could start no thread; nextgen's region
# and its 36 MiB a thread once did the same to a 100 MiB block.
vlimit=300000
run_python_vlimit() { (ulimit -v $vlimit && run_python "$@"); }
run_sqlite() { alloc_run "$1" "$2" "$sqlite" :memory: < "$top_srcdir/tests/alloc/queries.sql"; }
run_xalan() { alloc_run "$1" "$2" "$xalan" "$work/catalog.xml" "$top_srcdir/tests/alloc/catalog.xsl"; }
run_cc() { alloc_run "$1" "$2" "$cc" -O2 -S -o - "$work/gen.c"; }
run_sort() { alloc_run "$1" "$2" env LC_ALL=C "$sort" -S 64M "$work/lines.txt"; }

# Reference outputs, with glibc's malloc.
have_python=0 have_python_vlimit=0 have_sqlite=0 have_xalan=0 have_cc=0 have_sort=0
if [ -n "$python" ] && run_python - "" > "$work/python.ref" 2>&1; then have_python=1; fi
if [ $have_python -eq 1 ] && (ulimit -v $vlimit) 2>/dev/null &&
   run_python_vlimit - "" > "$work/python_vlimit.ref" 2>&1; then
	have_python_vlimit=1
fi
if [ -n "$sqlite" ] && run_sqlite - "" > "$work/sqlite.ref" 2>&1; then have_sqlite=1; fi
if [ -n "$xalan" ] && run_xalan - "" > "$work/xalan.ref" 2>&1; then have_xalan=1; fi
if [ -n "$cc" ] && run_cc - "" > "$work/cc.ref" 2>&1; then have_cc=1; fi
if [ -n "$sort" ] && run_sort - "" > "$work/sort.ref" 2>&1; then have_sort=1; fi

# compare NAME PROGRAM HAVE: runs PROGRAM under the current allocator.
compare() {
	c_name=$1 c_prog=$2 c_have=$3 c_lib=$4 c_knobs=$5
	if [ "$c_have" -ne 1 ]; then
		tap_skip "$c_name: $c_prog is not installed (or fails with glibc)"
		return
	fi
	"run_$c_prog" "$c_lib" "$c_knobs" > "$work/$c_prog.out" 2>&1
	c_status=$?
	if [ "$c_status" -eq 0 ] && cmp -s "$work/$c_prog.ref" "$work/$c_prog.out"; then
		tap_ok "$c_name: $c_prog output identical to glibc's"
	else
		tap_not_ok "$c_name: $c_prog output identical to glibc's (exit $c_status)"
		tap_diag "$(diff "$work/$c_prog.ref" "$work/$c_prog.out" | head -20)"
	fi
}

one_allocator() {
	[ "$2" = - ] && return # the reference itself
	compare "$1" python $have_python "$2" "$3"
	compare "$1" python_vlimit $have_python_vlimit "$2" "$3"
	compare "$1" sqlite $have_sqlite "$2" "$3"
	compare "$1" xalan $have_xalan "$2" "$3"
	compare "$1" cc $have_cc "$2" "$3"
	compare "$1" sort $have_sort "$2" "$3"
}

[ $have_xalan -eq 1 ] && tap_diag "Xalan reference: $(wc -l < "$work/xalan.ref") lines"
alloc_foreach one_allocator
tap_end
