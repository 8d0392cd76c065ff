# tests/lists.sh - the workloads and allocators the tests run, read from
# 'ngbench list ... --format=json' (sourced), so that a workload added to
# the registry or an allocator plugin added to allocators/system/ is
# tested without editing a test.
#
#	ngb_workloads [GROUP]	the workloads of GROUP, one per line: the
#				benchmark programs that 'all' selects when
#				GROUP is empty, else "real", ...
#	ngb_smoke NAME [PREFIX]	the workload's smoke-test size (the registry's
#				'smoke') as options: --name=value each, or
#				PREFIX name=value ("--set ")
#	ngb_system_allocators	the system allocators (those of a Debian
#				package) available here, one per line:
#				NAME LIBRARY, LIBRARY "-" for none (glibc)
#
#	ngb_bail WHAT		ends the test with "Bail out!": for a list that
#				cannot be read or is empty, since a test
#				that ran nothing must not pass
#
# The functions return non-zero when ngbench or python3 fails:
#	WORKLOADS=$(ngb_workloads) && [ -n "$WORKLOADS" ] || ngb_bail "the workloads"

: "${top_builddir:?run through make check}"
NGBENCH=${NGBENCH:-$top_builddir/ngbench}

# _ngb_list KIND CODE: runs CODE for each element x of KIND's JSON list
_ngb_list() {
	"$NGBENCH" list "$1" --format=json | python3 -c "
import json, sys
for x in json.load(sys.stdin)['$1']:
    $2"
}

ngb_bail() {
	echo "Bail out! cannot list $1 with '$NGBENCH list ... --format=json'"
	exit 1
}

ngb_workloads() {
	_ngb_list workloads "
    if x['group'] == ('$1' or None): print(x['name'])"
}

ngb_smoke() {
	_ngb_list workloads "
    if x['name'] == '$1': print(' '.join('${2:---}' + o for o in (x['smoke'] or '').split()))"
}

ngb_system_allocators() {
	_ngb_list allocators "
    if x['package'] and x['available']: print(x['name'], x['library'] or '-')"
}
