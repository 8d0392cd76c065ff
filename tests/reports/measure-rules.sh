#!/bin/sh
# tests/reports/measure-rules.sh - the verdict rules of 'ngbench compare'
# side by side on the sessions that measure-family.sh stored: how many
# comparisons of identical sessions flag anything (false alarms), how
# often the slowed test allocator is found, and how large a change each
# cell could have shown (DETECT).  Compares only, measures nothing: run
# measure-family.sh first.  Not part of 'make check'; its figures are in
# reports/README.md.
#
#   sh measure-rules.sh BUILDDIR DB ROUNDS [CROSS]
#
# Per rule (--absolute; the default, relative to the session's shift with
# the cells' common spread; --history, with each cell's own spread from the
# database's other sessions): compare fa-a-I with fa-b-I (any cell
# flagged: a false alarm), fa-a-I and fa-b-I with fa-s-I (a test-slow cell
# found slower: a detection; any other cell flagged: a false alarm too),
# and CROSS (default 0) pairs of identical sessions of different rounds,
# drawn at random from a fixed seed (sessions further apart in time).
set -eu
b=$1 db=$2 rounds=$3 cross=${4:-0}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ngb-rules.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT TERM
cmp() { # RULE-NAME A B [OPTIONS]: one comparison's JSON into $tmp
	r=$1 a=$2 s=$3
	shift 3
	"$b/ngbench" compare --db="$db" --format=json "$@" "$a" "$s" \
		>"$tmp/$r.$a.$s.json" 2>/dev/null || true
}
python3 - "$rounds" "$cross" >"$tmp/pairs" <<'PY'
import random, sys
n, cross = int(sys.argv[1]), int(sys.argv[2])
for i in range(1, n + 1):
    print("ident", f"fa-a-{i}", f"fa-b-{i}")
    print("slow", f"fa-a-{i}", f"fa-s-{i}")
    print("slow", f"fa-b-{i}", f"fa-s-{i}")
ids = [f"fa-{k}-{i}" for i in range(1, n + 1) for k in "ab"]
pairs = [(x, y) for j, x in enumerate(ids) for y in ids[j + 1:] if x.split("-")[2] != y.split("-")[2]]
random.Random(26).shuffle(pairs)
for x, y in sorted(pairs[:cross], key=lambda p: (int(p[0].split("-")[2]), p[0])):
    print("cross", x, y)
PY
while read -r kind a s; do
	cmp absolute "$a" "$s" --absolute
	cmp shift "$a" "$s"
	cmp history "$a" "$s" --history
done <"$tmp/pairs"
python3 - "$tmp" <<'PY'
import json, os, statistics as st, sys
tmp = sys.argv[1]
pairs = [l.split() for l in open(os.path.join(tmp, "pairs"))]
print("| rule | identical pairs flagged (same round) | identical pairs flagged (other rounds) |"
      " slowed pairs: test-slow found slower | slowed pairs: another cell flagged |"
      " median DETECT: test-slow cells / all cells |")
print("| --- | --- | --- | --- | --- | --- |")
for rule in ("absolute", "shift", "history"):
    n = {"ident": [0, 0], "cross": [0, 0], "slow": [0, 0, 0]}
    det_slow, det_all = [], []
    for kind, a, s in pairs:
        try:
            c = json.load(open(os.path.join(tmp, f"{rule}.{a}.{s}.json")))
        except (OSError, ValueError):
            continue
        f = [x for x in c["cells"] if x["verdict"] in ("faster", "slower")]
        n[kind][0] += 1
        if kind == "slow":
            n[kind][1] += any(x["allocator"] == "test-slow" and x["verdict"] == "slower" for x in f)
            n[kind][2] += any(x["allocator"] != "test-slow" for x in f)
            for x in c["cells"]:
                if x["detectable"] is not None and x["allocator"] == "test-slow":
                    det_slow.append(x["detectable"])
        else:
            n[kind][1] += bool(f)
            for x in c["cells"]:
                if x["detectable"] is not None:
                    det_all.append(x["detectable"])
    pct = lambda k, i: f"{n[k][i]} of {n[k][0]} ({100 * n[k][i] / max(n[k][0], 1):.1f} %)"
    med = lambda v: f"{100 * st.median(v):.0f} %" if v else "n/a"
    print(f"| {rule} | {pct('ident', 1)} | {pct('cross', 1)} | {pct('slow', 1)} | {pct('slow', 2)} |"
          f" {med(det_slow)} / {med(det_all)} |")
PY
