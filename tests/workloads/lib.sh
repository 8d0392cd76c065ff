# tests/workloads/lib.sh - sourced by the workload tests: TAP helpers, the
# benchmark programs with the smoke-test size of each, and the system
# allocator libraries present here (from ngbench's lists, tests/lists.sh).

W="$top_builddir/workloads"
T=0
FAILED=0

tap_ok() { # tap_ok CONDITION-STATUS DESCRIPTION
	T=$((T + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T - $2"
	else
		echo "not ok $T - $2"
		FAILED=1
	fi
}

tap_skip() {
	T=$((T + 1))
	echo "ok $T # skip $1"
}

# The benchmark programs and their smoke-test sizes, from the registry.
. "$top_srcdir/tests/lists.sh"
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is needed to read ngbench's lists"; exit 0; }
WORKLOADS=$(ngb_workloads) && [ -n "$WORKLOADS" ] || ngb_bail "the workloads"
SMOKE=$(for w in $WORKLOADS; do s=$(ngb_smoke "$w") || exit 1; echo "$w $s"; done) ||
	ngb_bail "the smoke-test sizes"
tiny_args() {
	echo "$SMOKE" | sed -n "s/^$1 //p"
}

# A result record as include/ngbench/workload.h defines it.
RESULT_RE='^ngbench-result: metric=[a-z0-9_.-]+ value=[-+0-9.eE]+ unit=[^ ]+ better=(lower|higher)( [a-z0-9_.-]+=[^ ]+)*$'

# glibc, then the library of every system allocator present.
ALLOCATORS=$(ngb_system_allocators) && [ -n "$ALLOCATORS" ] || ngb_bail "the allocators"
ALLOCATORS=$(echo "$ALLOCATORS" | sed 's/^[^ ]* //; s/^-$/glibc/')

preload_for() {
	[ "$1" = glibc ] && echo "" || echo "$1"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ngb-wl.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
