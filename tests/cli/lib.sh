# tests/cli/lib.sh - TAP helpers for the command-line tests (sourced).
#
# Each test runs the real ngbench of the build tree ($NGBENCH) against a
# database of its own in a scratch folder that is removed at exit.

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
NGBENCH=${NGBENCH:-$top_builddir/ngbench}
TINY=$top_builddir/tests/cli/tinywork
TEST_PLUGINS=$top_builddir/tests/plugins/.libs
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/ngbench-test.XXXXXX")
DB=$SCRATCH/test.db
export NGBENCH_DB=$DB
unset NGBENCH_PLUGIN_PATH
trap 'rm -rf "$SCRATCH"' EXIT

tap_n=0
tap_failed=0

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { printf '# %s\n' "$@"; }

# ok CONDITION-STATUS DESCRIPTION: ok $? "what"
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT EXPECTED DESCRIPTION
is() {
	tap_n=$((tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $tap_n - $3"
	else
		echo "not ok $tap_n - $3"
		diag "got:      '$1'" "expected: '$2'"
		tap_failed=$((tap_failed + 1))
	fi
}

# contains FILE TEXT DESCRIPTION: FILE contains TEXT (fixed string)
contains() {
	tap_n=$((tap_n + 1))
	if grep -qF -- "$2" "$1"; then
		echo "ok $tap_n - $3"
	else
		echo "not ok $tap_n - $3"
		diag "'$1' does not contain '$2'; it has:"
		sed 's/^/#   /' "$1" | head -20
		tap_failed=$((tap_failed + 1))
	fi
}

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # skip $*"; }

done_testing() { exit $((tap_failed > 0)); }

# sql QUERY: runs a read-only query on the test database
sql() { sqlite3 -readonly -batch -noheader "$DB" "$1"; }

# The available allocators, one per line.
available_allocators() {
	"$NGBENCH" list allocators --format=json |
		python3 -c 'import json,sys; [print(a["name"]) for a in json.load(sys.stdin)["allocators"] if a["available"]]'
}

command -v sqlite3 >/dev/null || skip_all "the sqlite3 command is needed (apt-get install sqlite3)"
command -v python3 >/dev/null || skip_all "python3 is needed to read JSON"
