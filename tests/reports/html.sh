#!/bin/sh
# The HTML report opens in headless Chromium without errors: no console or
# CSP error, the DOM has the tables and the plots, and a label
# "<script>alert(1)</script>" is text, never an element.  Skipped without
# Chromium (apt-get install chromium).
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/reports/lib.sh"

chrome=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null && chrome=$(command -v "$c") && break
done
[ -n "$chrome" ] || skip_all "Chromium is not installed (apt-get install chromium)"
plan 9

fixture_db "$DB"; ok $? "the fixture database is built"
"$NGBENCH" report 1 --output-dir="$SCRATCH/r" >/dev/null 2>&1; ok $? "the report folder is written"
html=$SCRATCH/r/report.html

# Chromium wants a fresh profile; as root it needs --no-sandbox
headless() {
	profile=$(mktemp -d "$SCRATCH/chrome.XXXXXX")
	timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --enable-logging=stderr --v=0 "$@" "file://$html"
}
headless --dump-dom >"$SCRATCH/dom" 2>"$SCRATCH/log.dom"; ok $? "Chromium renders the page (--dump-dom)"
grep -q "<table" "$SCRATCH/dom" && grep -q "Geometric mean" "$SCRATCH/dom"; ok $? "the DOM has the tables"
if command -v gnuplot >/dev/null; then
	grep -q "<svg" "$SCRATCH/dom"; ok $? "and the plots, inline"
else
	skip "gnuplot is not installed: no plots"
fi
! grep -qi "<script" "$SCRATCH/dom"; ok $? "no script element, though the label is <script>alert(1)</script>"
grep -q "&lt;script&gt;alert(1)&lt;/script&gt;" "$SCRATCH/dom"; ok $? "the label is there as text"
headless --screenshot="$SCRATCH/shot.png" --window-size=1280,2400 >/dev/null 2>"$SCRATCH/log.shot"
test -s "$SCRATCH/shot.png"; ok $? "a screenshot is taken"
if [ -n "${NGBENCH_KEEP_SCREENSHOT:-}" ]; then cp "$SCRATCH/shot.png" "$NGBENCH_KEEP_SCREENSHOT"; fi
# console messages, CSP violations and page errors are logged as CONSOLE or "Refused"
cat "$SCRATCH/log.dom" "$SCRATCH/log.shot" | grep -E "CONSOLE|Refused|Uncaught|Content Security Policy" >"$SCRATCH/errors"
test ! -s "$SCRATCH/errors"; ok $? "no console, script or CSP error"
sed 's/^/#   /' "$SCRATCH/errors" | head -5
done_testing
