# tests/alloc/alloc-lib.sh - sourced by the shell tests of tests/alloc/:
# a TAP producer and the loop over allocators.list and ngbench's system
# allocators.
#
#	alloc_foreach FUNCTION	calls FUNCTION NAME LIBRARY KNOBS for each
#				allocator (LIBRARY "-" for glibc); an absent
#				library is reported as a skip instead
#	alloc_run LIBRARY KNOBS CMD...	runs CMD with LIBRARY preloaded and
#				the knobs ("A=1 B=2", or "") in its environment

: "${top_srcdir:?top_srcdir must be set (make check sets it)}"
: "${top_builddir:?top_builddir must be set (make check sets it)}"
ALLOC_LIST=${ALLOC_LIST:-$top_srcdir/tests/alloc/allocators.list}

tap_n=0
tap_failed=0

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # skip $*"
}

# tap_check COND-STATUS DESCRIPTION: ok when the status is 0.
tap_check() {
	if [ "$1" -eq 0 ]; then tap_ok "$2"; else tap_not_ok "$2"; fi
}

tap_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

tap_end() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

alloc_run() {
	_lib=$1
	_knobs=$2
	shift 2
	if [ "$_lib" = - ]; then
		# shellcheck disable=SC2086
		env $_knobs "$@"
	else
		# shellcheck disable=SC2086
		env $_knobs LD_PRELOAD="$_lib" "$@"
	fi
}

# The entries of the list, with its "system" lines replaced by ngbench's
# system allocators (tests/lists.sh), each with the knobs of the first
# "system" line whose NAME pattern matches it.
alloc_entries() {
	_entries=$(sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' \
		-e "s|@top_builddir@|$top_builddir|g" "$ALLOC_LIST")
	_patterns=$(printf '%s\n' "$_entries" | awk '$2 == "system"')
	if [ -z "$_patterns" ]; then
		printf '%s\n' "$_entries"
		return
	fi
	. "$top_srcdir/tests/lists.sh"
	_systems=$(ngb_system_allocators) && [ -n "$_systems" ] || ngb_bail "the allocators"
	printf '%s\n' "$_systems" | while read -r _name _lib; do
		_knobs=$(printf '%s\n' "$_patterns" | while read -r _pat _sys _k; do
			# shellcheck disable=SC2254
			case $_name in $_pat) echo "$_k"; break ;; esac
		done)
		echo "$_name $_lib $_knobs"
	done
	printf '%s\n' "$_entries" | awk '$2 != "system"'
}

alloc_foreach() {
	_fn=$1
	_entries=$(alloc_entries) || exit 1
	# fd 3, so that the commands run for an entry cannot read the list
	while read -r _name _lib _knobs <&3; do
		if [ "$_lib" != - ] && [ ! -r "$_lib" ]; then
			tap_skip "$_name: $_lib is not installed or not built"
			continue
		fi
		"$_fn" "$_name" "$_lib" "$_knobs"
	done 3<<EOF_ENTRIES
$_entries
EOF_ENTRIES
}
