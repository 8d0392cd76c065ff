#!/bin/sh
# Every column of a report cell is in every format or in none (one list,
# reports/column.c): the text, markdown and HTML tables have the same
# columns (each with its tooltip in HTML) and state the same columns once
# above the table ("HEAD: value"), CSV and JSON have the same columns, every
# column of the tables shows CSV / JSON columns and every CSV / JSON column
# is shown by one of them; the counter table has a column per counted
# event and derived metric.  Over the fixture and an edge session (failed,
# skipped, warm-up and interrupted trials, and an allocator with two
# versions, so that VERSION is a column of the table rather than a line
# above it).
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/reports/lib.sh"
plan 13

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
# versions: one per allocator in session 9 (stated above the table);
# session 10, session 1 again with fastalloc's rate cell at another version
# than its wl cell (a column of the table)
sqlite3 "$DB" "UPDATE trials SET allocator_version = 'glibc 2.36' WHERE session_id = 9
		AND allocator = 'ptmalloc2';
	UPDATE trials SET allocator_version = '1.0' WHERE session_id = 9 AND allocator = 'fastalloc';
	INSERT INTO sessions (id, label, $cols) SELECT 10, 'versions', $cols
	FROM sessions WHERE id = 1;
	INSERT INTO trials (session_id, seq, round, repetition, warmup, allocator, workload,
		params, threads, argv, status, metric, metric_value, metric_unit,
		higher_is_better, kind, maxrss_kb, allocator_version)
	SELECT 10, seq, round, repetition, warmup, allocator, workload, params, threads, argv,
		status, metric, metric_value, metric_unit, higher_is_better, kind, maxrss_kb,
		CASE WHEN allocator = 'fastalloc' AND workload = 'rate' THEN '1.1' ELSE '1.0' END
	FROM trials WHERE session_id = 1;"
ok $? "a session whose allocator ran at two versions is added"

# session, table columns, columns stated above the table: session 1 ran
# one workload with counters and one without (COUNTER MODE a column)
for case in 1:15:1 9:14:2 10:15:1; do
	s=${case%%:*} ncols=${case#*:} nstated=${ncols#*:} ncols=${ncols%:*}
	rc=0
	for f in text markdown csv json html; do
		"$NGBENCH" report $s --format=$f >"$SCRATCH/r$s.$f" 2>"$SCRATCH/err" || rc=1
	done
	ok $rc "session $s: every format"
	python3 - "$SCRATCH/r$s" >"$SCRATCH/cols$s" 2>&1 <<'PY'
import csv, html, json, re, sys
base = sys.argv[1]
# the columns of the cell table (text, markdown, HTML) and the CSV / JSON
# columns each one shows
shows = {
    'WORKLOAD': ['workload', 'program', 'params'], 'COUNTER MODE': ['counter_mode'],
    'THREADS': ['threads'], 'ALLOCATOR': ['allocator'], 'VERSION': ['allocator_version'],
    'METRIC': ['metric', 'unit', 'higher_is_better'], 'TRIALS': ['trials'],
    'OK': ['succeeded'], 'FAILED': ['failed', 'skipped'], 'MEDIAN': ['median'],
    '95% CI': ['median_ci'], 'RANGE': ['min', 'max'], 'BEST': ['best'],
    'SPEEDUP': ['speedup'], 'SPEEDUP 95% CI': ['speedup_ci'], 'MAX RSS': ['maxrss_kb_median'],
}
STATED = re.compile(r'^([A-Z][A-Z0-9% ]*): (.*?)(  )?$')

def text_tables(lines):
    """(the results' columns, the columns stated above it, the counter table's)"""
    i = next(k for k, l in enumerate(lines) if l.startswith('WORKLOAD') and 'SPEEDUP' in l)
    stated, k = {}, i - 1
    while k >= 0 and STATED.match(lines[k]):
        m = STATED.match(lines[k])
        stated[m.group(1)] = m.group(2)
        k -= 1
    ctr = next((l for l in lines[i + 1:] if l.startswith('WORKLOAD') and 'SPEEDUP' not in l
                and 'PROFILE' not in l and 'FRAGMENTATION' not in l and 'PEAK RSS' not in l), None)
    split = lambda l: re.split(r'\s{2,}', l.strip())
    return split(lines[i]), stated, split(ctr) if ctr and 'Counters:' in '\n'.join(lines) else None

def md_tables(lines):
    i = next(k for k, l in enumerate(lines) if l.startswith('| WORKLOAD') and 'SPEEDUP' in l)
    stated, k = {}, i - 2          # a blank line between the statements and the table
    while k >= 0 and STATED.match(lines[k]):
        m = STATED.match(lines[k])
        stated[m.group(1)] = m.group(2).replace('\\', '')
        k -= 1
    split = lambda l: [c.strip() for c in l.strip().strip('|').split(' | ')]
    ctr = next((l for l in lines[lines.index('## Counters'):] if l.startswith('| WORKLOAD')), None) \
        if '## Counters' in lines else None
    return split(lines[i]), stated, split(ctr) if ctr else None

def html_tables(page):
    heads = []                     # per table: (header, tooltip) and the paragraph before it
    for m in re.finditer(r'(?:<p>((?:(?!</p>).)*)</p>\n)?<div class="wide"><table[^>]*>\n<thead><tr>(.*?)</tr>', page, re.S):
        ths = re.findall(r'<th([^>]*)>(.*?)</th>', m.group(2))
        cols = [(html.unescape(t), html.unescape(re.search(r'title="([^"]*)"', a).group(1))
                 if 'title=' in a else None) for a, t in ths]
        heads.append((cols, m.group(1)))
    main = next(h for h in heads if h[0][0][0] == 'WORKLOAD' and any(c == 'SPEEDUP' for c, _ in h[0]))
    stated = {}
    for line in (main[1] or '').split('<br>\n'):
        m = STATED.match(html.unescape(line))
        if m:
            stated[m.group(1)] = m.group(2)
    i = heads.index(main)
    ctr = next((h[0] for h in heads[i + 1:] if h[0][0][0] == 'WORKLOAD' and
                h[0][1][0] == 'THREADS' and h[0][2][0] == 'ALLOCATOR' and
                (len(h[0]) < 4 or h[0][3][0] != 'TRIALS')), None)
    return main[0], stated, [c for c, _ in ctr] if ctr else None

text_cols, text_stated, text_ctr = text_tables(open(base + '.text').read().splitlines())
md_cols, md_stated, md_ctr = md_tables(open(base + '.markdown').read().splitlines())
html_main, html_stated, html_ctr = html_tables(open(base + '.html').read())
html_cols = [c for c, _ in html_main]
untipped = [c for c, tip in html_main if not tip]

rows = list(csv.DictReader(open(base + '.csv', newline='')))
csv_cols = set(rows[0]) if rows else set()
d = json.load(open(base + '.json'))
cells = d['cells']
json_cols, counted = set(), set()
for c in cells:
    for k, v in c.items():
        if k in ('counters', 'derived', 'values'):
            continue
        json_cols |= {k + '_' + p for p in ('lo', 'hi', 'level')} if k.endswith('_ci') else {k}
    counted |= set(c['counters']) | set(c['derived'])
json_cols |= counted
csv_cols -= {'format_version', 'session'}

bad = []
if text_cols != md_cols or text_cols != html_cols:
    bad.append('tables differ: text %s, markdown %s, html %s' % (text_cols, md_cols, html_cols))
if text_stated != md_stated or text_stated != html_stated:
    bad.append('stated differ: text %s, markdown %s, html %s' % (text_stated, md_stated, html_stated))
if set(text_stated) & set(text_cols):
    bad.append('both stated and a column: %s' % (set(text_stated) & set(text_cols)))
if sorted(set(text_cols) | set(text_stated)) != sorted(shows):
    bad.append('table columns %s and stated %s, expected %s' % (text_cols, sorted(text_stated), sorted(shows)))
if untipped:
    bad.append('no tooltip: %s' % untipped)
if csv_cols != json_cols:
    bad.append('csv only %s, json only %s' % (sorted(csv_cols - json_cols),
                                               sorted(json_cols - csv_cols)))
shown = set()
for col, fields in shows.items():
    for f in fields:
        names = {f + '_lo', f + '_hi', f + '_level'} if f.endswith('_ci') else {f}
        shown |= names
        if not names <= csv_cols or not names <= json_cols:
            bad.append('%s shows %s, missing from CSV or JSON' % (col, f))
if csv_cols - counted - shown:
    bad.append('in CSV and JSON, in no table: %s' % sorted(csv_cols - counted - shown))
for name, ctr in (('text', text_ctr), ('markdown', md_ctr), ('html', html_ctr)):
    if len(ctr or [None] * 3) - 3 != len(counted):
        bad.append('%s counter table: %s for %d events and derived metrics' % (name, ctr, len(counted)))
# a stated column holds for every row: one value, or one per allocator
for head, value in text_stated.items():
    field = shows[head][0]
    vals = {(c['allocator'], c[field] if c[field] is not None else '-') for c in cells}
    if len({v for _, v in vals}) == 1:
        ok = value == next(iter(vals))[1]
    else:
        ok = len({a for a, _ in vals}) == len(vals) and \
            set(value.split('; ')) == {'%s %s' % av for av in vals}
    if not ok:
        bad.append('%s: %s stated, the cells say %s' % (head, value, sorted(vals)))
print('; '.join(bad) if bad else '%d table columns, %d stated, %d CSV/JSON columns agree'
      % (len(text_cols), len(text_stated), len(csv_cols)))
PY
	is "$(cat "$SCRATCH/cols$s")" \
		"$ncols table columns, $nstated stated, $(head -1 "$SCRATCH/r$s.csv" | tr ',' '\n' | grep -vc '^format_version$\|^session$') CSV/JSON columns agree" \
		"session $s: the columns in text, markdown and HTML, CSV = JSON, each shown"
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
