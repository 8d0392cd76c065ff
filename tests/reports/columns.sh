#!/bin/sh
# Every column of the report's cell table is in every format: the text,
# markdown and HTML tables have the same headers (each with its tooltip in
# HTML), CSV and JSON the same columns, and each column of the tables is
# backed by the CSV and JSON columns it shows.  Over the fixture and an
# edge session (failed, skipped, warm-up and interrupted trials).
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/reports/lib.sh"
plan 10

fixture_db "$DB"; ok $? "the fixture database is built"
# session 2 again, with a skipped, an interrupted and a failed warm-up trial
cols=$(sqlite3 "$DB" "SELECT group_concat(name, ', ') FROM pragma_table_info('sessions')
	WHERE name NOT IN ('id', 'label', 'uuid')")
sqlite3 "$DB" "INSERT INTO sessions (id, label, $cols) SELECT 9, 'edge', $cols
	FROM sessions WHERE id = 2;
	INSERT INTO trials (session_id, seq, round, repetition, warmup, allocator, workload,
		params, threads, argv, status, metric, metric_value, metric_unit,
		higher_is_better, kind)
	SELECT 9, seq, round, repetition, warmup, allocator, workload, params, threads, argv,
		status, metric, metric_value, metric_unit, higher_is_better, kind
	FROM trials WHERE session_id = 2;
	UPDATE trials SET status = 'skipped', metric_value = NULL
		WHERE id = (SELECT min(id) FROM trials WHERE session_id = 9);
	UPDATE trials SET status = 'interrupted', metric_value = NULL
		WHERE id = (SELECT max(id) FROM trials WHERE session_id = 9);"
ok $? "an edge session is added"

for s in 1 9; do
	rc=0
	for f in text markdown csv json html; do
		"$NGBENCH" report $s --format=$f >"$SCRATCH/r$s.$f" 2>"$SCRATCH/err" || rc=1
	done
	ok $rc "session $s: every format"
	is "$(python3 - "$SCRATCH/r$s" <<'PY' 2>&1
import csv, html.parser, json, re, sys
base = sys.argv[1]
# the columns of the cell table (text, markdown, HTML) and the CSV / JSON
# columns each one shows
shows = {
    'WORKLOAD': ['workload'], 'THREADS': ['threads'], 'ALLOCATOR': ['allocator'],
    'METRIC': ['metric', 'unit', 'higher_is_better'], 'OK': ['succeeded'],
    'FAILED': ['failed', 'skipped'], 'MEDIAN': ['median'], '95% CI': ['median_ci'],
    'BEST': ['best'], 'SPEEDUP': ['speedup'], 'SPEEDUP 95% CI': ['speedup_ci'],
    'MAX RSS': ['maxrss_kb_median'],
}
text = open(base + '.text').read().splitlines()
head = next(l for l in text if l.startswith('WORKLOAD'))
text_cols = re.split(r'\s{2,}', head.strip())
md = open(base + '.markdown').read().splitlines()
md_head = next(l for l in md if l.startswith('| WORKLOAD'))
md_cols = [c.strip() for c in md_head.strip('|').split('|')]

class Heads(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.th, self.buf = [], None, ''
    def handle_starttag(self, tag, attrs):
        if tag == 'table':
            self.tables.append([])
        elif tag == 'th':
            self.th, self.buf = dict(attrs).get('title'), ''
    def handle_data(self, d):
        if self.th is not None:
            self.buf += d
    def handle_endtag(self, tag):
        if tag == 'th' and self.th is not None:
            self.tables[-1].append((self.buf, self.th))
            self.th = None
h = Heads()
h.feed(open(base + '.html').read())
html_tab = next(t for t in h.tables if t and t[0][0] == 'WORKLOAD' and
                any(c == 'SPEEDUP' for c, _ in t))
html_cols = [c for c, _ in html_tab]
untipped = [c for c, tip in html_tab if not tip]

rows = list(csv.DictReader(open(base + '.csv', newline='')))
csv_cols = set(rows[0]) if rows else set()
cells = json.load(open(base + '.json'))['cells']
json_cols = set()
for c in cells:
    for k, v in c.items():
        if k in ('counters', 'derived', 'values'):
            continue
        json_cols |= {k + '_' + p for p in ('lo', 'hi', 'level')} if k.endswith('_ci') else {k}
    json_cols |= set(c['counters']) | set(c['derived'])
csv_cols -= {'format_version', 'session'}

bad = []
if text_cols != md_cols or text_cols != html_cols:
    bad.append('tables differ: text %s, markdown %s, html %s' % (text_cols, md_cols, html_cols))
if set(text_cols) != set(shows):
    bad.append('table columns %s, expected %s' % (text_cols, sorted(shows)))
if untipped:
    bad.append('no tooltip: %s' % untipped)
if csv_cols != json_cols:
    bad.append('csv only %s, json only %s' % (sorted(csv_cols - json_cols),
                                               sorted(json_cols - csv_cols)))
for col, fields in shows.items():
    for f in fields:
        names = {f + '_lo', f + '_hi', f + '_level'} if f.endswith('_ci') else {f}
        if not names <= csv_cols or not names <= json_cols:
            bad.append('%s shows %s, missing from CSV or JSON' % (col, f))
print('; '.join(bad) if bad else '%d table columns, %d CSV/JSON columns agree'
      % (len(text_cols), len(csv_cols)))
PY
)" "12 table columns, $(head -1 "$SCRATCH/r$s.csv" | tr ',' '\n' | grep -vc '^format_version$\|^session$') CSV/JSON columns agree" \
		"session $s: the table's columns in text, markdown and HTML, CSV = JSON"
done
# the edge session: the skipped trial counts as not succeeded, the
# interrupted one in no cell and no failure
"$NGBENCH" report 9 --format=json >"$SCRATCH/j" 2>&1
is "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(c["skipped"] for c in d["cells"]), sum(c["trials"] for c in d["cells"]),
      len(d["failures"]))' "$SCRATCH/j" 2>&1)" \
	"1 $(($(sqlite3 "$DB" "SELECT count(*) FROM trials WHERE session_id = 9 AND kind = 'timing' AND NOT warmup") - 1)) $(sqlite3 "$DB" "SELECT count(*) FROM trials WHERE session_id = 9 AND status NOT IN ('ok', 'interrupted')")" \
	"the edge session: one skipped trial, the interrupted one in no cell, failures listed"
"$NGBENCH" baseline save --session=9 -o "$SCRATCH/b" >/dev/null 2>&1
ok $? "a baseline of the edge session"
n=$(grep -c '^\[cell\]' "$SCRATCH/b")
m=$(python3 -c '
import json, sys
print(sum(1 for c in json.load(open(sys.argv[1]))["cells"] if c["trials"] > c["skipped"]))' "$SCRATCH/j")
is "$n" "$m" "the baseline has the report's cells that ran (skipped-only cells left out)"
grep -q '^failed' "$SCRATCH/b"
is $? 1 "and counts the interrupted trial as no failure"
