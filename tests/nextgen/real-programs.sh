#!/bin/sh
# tests/nextgen/real-programs.sh - python3, sqlite3 and Xalan under
# libnextgen in each protocol and base (tests/alloc/real-programs.sh with
# tests/nextgen/allocators.list): output byte-identical to glibc's.  The
# whole run is bounded so that a hang fails the test instead of CI.
: "${top_srcdir:?top_srcdir must be set (make check sets it)}"
if [ ! -r "$top_srcdir/tests/alloc/real-programs.sh" ]; then
	echo "1..0 # SKIP tests/alloc/real-programs.sh is not there"
	exit 0
fi
ALLOC_LIST=$top_srcdir/tests/nextgen/allocators.list
export ALLOC_LIST
timeout 600 sh "$top_srcdir/tests/alloc/real-programs.sh"
st=$?
[ $st -eq 124 ] && echo "Bail out! real-program runs did not finish in 600 s"
exit $st
