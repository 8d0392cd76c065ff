#!/bin/sh
# tests/nextgen/suite.sh - tests/alloc's conformance, torture and C++ tests
# (suite.sh, with its own per-run timeouts) under libnextgen in each
# protocol and base listed in tests/nextgen/allocators.list.
: "${top_srcdir:?top_srcdir must be set (make check sets it)}"
if [ ! -r "$top_srcdir/tests/alloc/suite.sh" ]; then
	echo "1..0 # SKIP tests/alloc/suite.sh is not there"
	exit 0
fi
ALLOC_LIST=$top_srcdir/tests/nextgen/allocators.list
export ALLOC_LIST
exec sh "$top_srcdir/tests/alloc/suite.sh"
