# tests/reports/lib.sh - the fixture database for the reports' command-line
# tests (sourced after tests/cli/lib.sh).
#
# fixture_db PATH: a database at the current schema holding exactly
# data/fixtures/report.sql (ngbench creates it; its own session is removed).
fixture_db() {
	NGBENCH_DB=$1 "$NGBENCH" run -q -a ptmalloc2 -r 1 --counters=none -- true >/dev/null 2>&1 || return 1
	sqlite3 "$1" "DELETE FROM counters; DELETE FROM trial_results; DELETE FROM rss_samples;
		DELETE FROM histograms; DELETE FROM trials; DELETE FROM sessions;" &&
		sqlite3 "$1" < "$top_srcdir/data/fixtures/report.sql"
}
