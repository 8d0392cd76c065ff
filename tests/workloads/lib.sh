# tests/workloads/lib.sh - sourced by the workload tests: TAP helpers, the
# list of workload programs, tiny arguments for each, and the system
# allocator libraries present here.

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

WORKLOADS="threadtest larson xmalloc active-false passive-false blowup xalanc"

# Tiny runs: well under a second each.
tiny_args() {
	case $1 in
	threadtest) echo "--iterations=3 --objects=2000" ;;
	larson) echo "--seconds=0.05 --blocks=500 --rounds=2" ;;
	xmalloc) echo "--objects=20000 --batch=256 --min-size=16 --max-size=256" ;;
	active-false|passive-false) echo "--iterations=2000 --writes=20 --size=24" ;;
	blowup) echo "--rounds=4 --objects=2000" ;;
	xalanc) echo "--size=16K --iterations=2" ;;
	esac
}

# A result record as include/ngbench/workload.h defines it.
RESULT_RE='^ngbench-result: metric=[a-z0-9_.-]+ value=[-+0-9.eE]+ unit=[^ ]+ better=(lower|higher)( [a-z0-9_.-]+=[^ ]+)*$'

ALLOCATORS="glibc"
for lib in libjemalloc.so.2 libtcmalloc_minimal.so.4 libmimalloc.so.2; do
	if [ -e "/usr/lib/x86_64-linux-gnu/$lib" ]; then
		ALLOCATORS="$ALLOCATORS /usr/lib/x86_64-linux-gnu/$lib"
	fi
done

preload_for() {
	[ "$1" = glibc ] && echo "" || echo "$1"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ngb-wl.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
