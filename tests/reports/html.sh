#!/bin/sh
# The HTML pages (the report, a compare, a history) in headless Chromium:
# each loads with no console, script or CSP error and no network request,
# its one script (allowed by hash) sorts and filters the tables, the
# report's summary (heat map and best per workload) is above the fold at
# 1366x768, and hostile labels (a session label, allocator, workload, host
# and commit that are HTML) stay text in every element, summary included.
# Screenshots of each page are saved: NGBENCH_KEEP_SCREENSHOT=DIR keeps
# them for a person to look at.  Skipped without Chromium; the checks that
# drive the page (sorting, above the fold) need node, else skipped too.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/reports/lib.sh"

chrome=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null && chrome=$(command -v "$c") && break
done
[ -n "$chrome" ] || skip_all "Chromium is not installed (apt-get install chromium)"
plan 37

fixture_db "$DB"; ok $? "the fixture database is built"
# the same with hostile names in every field a page shows
HDB=$SCRATCH/hostile.db
cp "$DB" "$HDB"
sqlite3 "$HDB" "UPDATE trials SET allocator = '<img src=x onerror=alert(3)>' WHERE allocator = 'fastalloc';
	UPDATE trials SET workload = 'wl\"><svg onload=alert(4)>' WHERE workload = 'wl';
	UPDATE sessions SET host = '<iframe src=x></iframe>', git_commit = '</code><script>alert(5)</script>',
		cpu_model = '<b onclick=alert(6)>cpu</b>'"
ok $? "the hostile copy is made"

"$NGBENCH" report 1 --output-dir="$SCRATCH/r" >/dev/null 2>&1; ok $? "the report folder is written"
"$NGBENCH" compare 1 2 --format=html --output="$SCRATCH/compare.html" >/dev/null 2>&1
is $? 1 "compare --format=html writes the page and still exits 1 for a slower cell"
"$NGBENCH" history -w wl -a ptmalloc2 --format=html --output="$SCRATCH/history.html" >/dev/null 2>&1
ok $? "history --format=html writes the page"
"$NGBENCH" report 1 --db="$HDB" --output-dir="$SCRATCH/h" >/dev/null 2>&1; ok $? "the hostile report"
"$NGBENCH" compare 1 2 --db="$HDB" --format=html --output="$SCRATCH/h/compare.html" >/dev/null 2>&1
is $? 1 "the hostile compare"
"$NGBENCH" history --db="$HDB" -w 'wl"><svg onload=alert(4)>' -a '<img src=x onerror=alert(3)>' \
	--format=html --output="$SCRATCH/h/history.html" >/dev/null 2>&1
ok $? "the hostile history"

# without driving the page: Chromium's DOM of the report
headless() {
	profile=$(mktemp -d "$SCRATCH/chrome.XXXXXX")
	timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --enable-logging=stderr --v=0 "$@"
}
headless --dump-dom "file://$SCRATCH/r/report.html" >"$SCRATCH/dom" 2>"$SCRATCH/log.dom"
ok $? "Chromium renders the report (--dump-dom)"
grep -q 'id="heat"' "$SCRATCH/dom" && grep -q 'id="best"' "$SCRATCH/dom" && grep -q "Geometric mean" "$SCRATCH/dom"
ok $? "the DOM has the summary and the tables"
if command -v gnuplot >/dev/null; then
	grep -q "<svg" "$SCRATCH/dom"; ok $? "and the plots, inline"
else
	skip "gnuplot is not installed: no plots"
fi
test "$(grep -o "<script" "$SCRATCH/dom" | wc -l)" -eq 1; ok $? "one script element (the page's own), though the label is <script>alert(1)</script>"
grep -q "&lt;script&gt;alert(1)&lt;/script&gt;" "$SCRATCH/dom"; ok $? "the label is there as text"
grep -q 'class="filter"' "$SCRATCH/dom"; ok $? "the page's script ran (CSP allowed it by its hash): filter boxes"
grep -E "CONSOLE|Refused|Uncaught|Content Security Policy" "$SCRATCH/log.dom" >"$SCRATCH/errors"
test ! -s "$SCRATCH/errors"; ok $? "no console, script or CSP error in Chromium's log"
sed 's/^/#   /' "$SCRATCH/errors" | head -5

if ! command -v node >/dev/null; then
	for i in $(seq 22); do skip "node is not installed (apt-get install nodejs): the page is not driven"; done
	done_testing
fi

# drives one page; prints what browser.js found
drive() {
	node "$top_srcdir/tests/reports/browser.js" "$chrome" "file://$1" "$2" "$3" "$4" "$5" \
		>"$2.out" 2>&1
}
# JS run in the page: sort the table by its column named $1, twice; prints
# "sorted" when the rows came in ascending then descending order
sort_js() {
	printf '%s' "(function(){var t=document.querySelector('table.sortable'),hs=t.tHead.rows[0].cells,i,k=-1;
for(i=0;i<hs.length;i++)if(hs[i].textContent==='$1')k=i;if(k<0)return 'no column $1';
function col(){return [].map.call(t.tBodies[0].rows,function(r){return r.cells[k].textContent})}
function num(s){var x=parseFloat(s);return isNaN(x)?s:x}
function ordered(a,d){for(var j=1;j<a.length;j++){var x=num(a[j-1]),y=num(a[j]);
if(typeof x!==typeof y)continue;if(d*(x<y?-1:x>y?1:0)>0)return false}return true}
var before=col();hs[k].click();var up=col();hs[k].click();var down=col();
return up.length>1&&ordered(up,1)&&ordered(down,-1)&&hs[k].getAttribute('aria-sort')==='descending'&&
JSON.stringify(up.slice().sort())===JSON.stringify(before.slice().sort())?'sorted':'not sorted: '+JSON.stringify(up)})()"
}
# JS: how many rows a filter for $1 leaves visible in the first sortable table, of how many
filter_js() {
	printf '%s' "(function(){var t=document.querySelector('table.sortable'),f=document.querySelector('input.filter');
f.value='$1';f.dispatchEvent(new Event('input'));var n=0;[].forEach.call(t.tBodies[0].rows,function(r){n+=!r.hidden});
var all=t.tBodies[0].rows.length;f.value='';f.dispatchEvent(new Event('input'));return n+'/'+all})()"
}
injected_js="(function(){return document.scripts.length+' '+document.querySelectorAll('img,iframe,svg [onload],[onerror],[onload],[onclick]').length})()"
fold_js="(function(){var h=document.getElementById('heat').getBoundingClientRect(),b=document.getElementById('best').getBoundingClientRect();return h.bottom<=768&&b.bottom<=768&&h.right<=1366&&b.right<=1366?'above':'below '+h.bottom+' '+b.bottom})()"

# a page is clean: no console message, exception or request
clean() {
	! grep -E "^(console|exception|request|error):" "$1.out"
}

drive "$SCRATCH/r/report.html" "$SCRATCH/report" "$(sort_js ALLOCATOR)" "$fold_js" "$(filter_js fastalloc)"
ok $? "Chromium loads the report through the DevTools protocol"
grep -q '^eval 1: "sorted"' "$SCRATCH/report.out"; ok $? "the report's table sorts by ALLOCATOR, both ways"
grep -q '^eval 2: "above"' "$SCRATCH/report.out"; ok $? "heat map and best per workload above the fold at 1366x768"
grep -q '^eval 3: "2/4"' "$SCRATCH/report.out"; ok $? "the filter keeps the rows with 'fastalloc' (2 of 4)"
clean "$SCRATCH/report"; ok $? "the report: no console error, no exception, no network request"
test -s "$SCRATCH/report-fold.png" && test -s "$SCRATCH/report-full.png"; ok $? "its screenshots are saved"

drive "$SCRATCH/compare.html" "$SCRATCH/compare" "$(sort_js 'P (MW)')" "$injected_js"
ok $? "Chromium loads the compare page"
grep -q '^eval 1: "sorted"' "$SCRATCH/compare.out"; ok $? "its table sorts by P (MW), numbers as numbers"
grep -q '^eval 2: "1 0"' "$SCRATCH/compare.out"; ok $? "one script, nothing injected"
clean "$SCRATCH/compare"; ok $? "compare: no console error, no exception, no network request"

drive "$SCRATCH/history.html" "$SCRATCH/history" "$(sort_js MEDIAN)" "$injected_js" \
	"document.querySelectorAll('#cpplot svg circle, #cpplot svg rect').length > 1"
ok $? "Chromium loads the history page"
grep -q '^eval 1: "sorted"' "$SCRATCH/history.out"; ok $? "its table sorts by MEDIAN"
grep -q '^eval 3: true' "$SCRATCH/history.out"; ok $? "the change-point plot is drawn, inline"
clean "$SCRATCH/history"; ok $? "history: no console error, no exception, no network request"

# hostile names: nothing of them becomes an element, and they read as text
text_js="(function(){var s=document.body.textContent;return [s.indexOf('<img src=x onerror=alert(3)>')>=0,s.indexOf('<svg onload=alert(4)>')>=0].join()})()"
for page in report compare history; do
	f=$SCRATCH/h/$page.html
	[ $page = report ] && f=$SCRATCH/h/report.html
	drive "$f" "$SCRATCH/hostile-$page" "$injected_js" "$text_js"
	grep -q '^eval 1: "1 0"' "$SCRATCH/hostile-$page.out"; ok $? "hostile $page: one script, no injected element"
	grep -q '^eval 2: "true,true"' "$SCRATCH/hostile-$page.out"; ok $? "hostile $page: the names are text"
done
clean "$SCRATCH/hostile-report" && clean "$SCRATCH/hostile-compare" && clean "$SCRATCH/hostile-history"
ok $? "hostile pages: no console error (no blocked script or image), no request"
grep -q 'id="heat"' "$SCRATCH/h/report.html" && ! grep -q '<img src=x' "$SCRATCH/h/report.html" &&
	! grep -q '<svg onload' "$SCRATCH/h/compare.html" && ! grep -q '<iframe' "$SCRATCH/h/report.html"
ok $? "the files themselves hold the names escaped"

for f in "$SCRATCH"/*.out; do sed -n 's/^\(console\|exception\|request\|error\|eval\)/#   \1/p' "$f" | head -3; done
if [ -n "${NGBENCH_KEEP_SCREENSHOT:-}" ]; then
	mkdir -p "$NGBENCH_KEEP_SCREENSHOT" && cp "$SCRATCH"/*.png "$NGBENCH_KEEP_SCREENSHOT/"
fi
done_testing
