#!/bin/sh
# tests/trace/trace.sh - allocation traces end to end: 'ngbench trace
# record' on programs of known calls (one thread, four threads handing
# blocks over, a fork, no call at all, C++'s operators), 'trace info' counts
# them exactly and draws its plots (well-formed data, scripts, SVG and PNG),
# the replay workload replays each trace under glibc and every
# system allocator present and through 'ngbench run'; truncated, corrupt,
# empty and newer-version files are refused naming the offset; mtrace
# output converts.
. "$top_srcdir/tests/cli/lib.sh"

PROG=$top_builddir/tests/trace/traceprog
CXXOPS=$top_builddir/tests/profile/cxxops
REPLAY=$top_builddir/workloads/replay
REC=$top_builddir/allocators/.libs/libngbench-trace.so
[ -e "$REC" ] || skip_all "the recorder is not built"
[ -x "$PROG" ] || skip_all "tests/trace/traceprog is not built"
[ -x "$REPLAY" ] || skip_all "workloads/replay is not built"

. "$top_srcdir/tests/lists.sh"
LIBS=$(ngb_system_allocators) && [ -n "$LIBS" ] || ngb_bail "the allocators"
LIBS=$(echo "$LIBS" | sed -n 's/^[^ ]* \(\/.*\)/\1/p')
nlibs=$(echo $LIBS | wc -w)
ntraces=5
plan $((45 + ntraces * (nlibs + 1)))

# j FILE EXPR: a value from 'trace info --format=json'
j() {
	"$NGBENCH" trace info --format=json "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}

cd "$SCRATCH" || exit 1

"$NGBENCH" trace record -o single.trace -- "$PROG" single >out 2>err
ok $? "record a single-threaded program"
is "$(j single.trace 'd["calls"]["memalign"], d["calls"]["posix_memalign"], d["calls"]["aligned_alloc"], d["calls"]["valloc"], d["calls"]["malloc_usable_size"], d["calls"]["calloc"], d["calls"]["realloc"]')" \
	"20 20 20 10 25 40 90" "every call the C library never makes itself counted exactly"
is "$(j single.trace 'd["calls"]["malloc"] >= 377 and d["calls"]["free"] >= 440')" True \
	"malloc and free counted (at least the program's own)"
is "$(j single.trace 'd["never_freed_objects"] >= 77 and d["never_freed_bytes"] >= 77 * 12345')" True \
	"blocks never freed at exit are in the trace"
is "$(j single.trace 'd["threads"], d["cross_thread_frees"], d["trace_version"]')" "1 0 1" \
	"one thread, no cross-thread free, format version 1"
bytes=$(wc -c <single.trace)
calls=$(j single.trace 'd["calls_total"]')
contains out "single.trace: process" "record names the file it wrote"

"$NGBENCH" trace record -o threads.trace -- "$PROG" threads >out 2>err
ok $? "record four threads handing blocks over"
is "$(j threads.trace 'd["threads"] >= 5, d["cross_thread_frees"], d["calls"]["malloc"] >= 4000')" \
	"True 4000 True" "4000 cross-thread frees of five threads"
is "$(j threads.trace 'd["waits"] >= 4 and d["waits"] <= 4000')" True \
	"each thread's frees wait for the allocating thread (at most one wait a free)"

"$NGBENCH" trace record -o fork.trace -- "$PROG" fork >out 2>err
ok $? "record a program that forks"
child=$(ls fork.trace.* 2>/dev/null | head -1)
is "$(ls fork.trace.* 2>/dev/null | wc -l)" 1 "one more file, for the child"
is "$(j fork.trace 'd["calls"]["malloc"] >= 300')" True "the parent's file has its 300 mallocs"
is "$(j "$child" 'd["calls"].get("malloc"), d["calls"].get("free")')" "150 150" \
	"the child's file has exactly its own 150 pairs (none of the parent's)"

"$NGBENCH" trace record -o none.trace -- "$PROG" none >out 2>err
ok $? "record a program that allocates nothing"
is "$(j none.trace 'd["calls_total"]')" 0 "an empty trace: no calls"

if [ -x "$CXXOPS" ]; then
	"$NGBENCH" trace record -o cxx.trace -- "$CXXOPS" 2 50 >out 2>err
	ok $? "record every form of C++'s new and delete"
	is "$(j cxx.trace 'sum(v for k, v in d["calls"].items() if k.startswith("new")), sum(v for k, v in d["calls"].items() if k.startswith("delete"))')" \
		"1201 1201" "2 x 50 x 12 + 1 news and deletes"
else
	skip "tests/profile/cxxops is not built"; skip "tests/profile/cxxops is not built"
	cp single.trace cxx.trace
fi

# Replays under glibc and every allocator library present.
for t in single threads fork none cxx; do
	"$REPLAY" --trace=$t.trace >out 2>err
	ok $? "replay $t under glibc"
	for l in $LIBS; do
		LD_PRELOAD=$l "$REPLAY" --trace=$t.trace --touch=all >out 2>err
		ok $? "replay $t under $(basename $l) (every byte touched)"
		[ -s err ] && sed 's/^/#   /' err | head -5
	done
done
"$REPLAY" --trace=single.trace >out 2>err
is "$(sed -n 's/.* calls=\([0-9]*\).*/\1/p' out)" "$calls" "the replay makes every call of the trace"

# The replay's fragmentation: over the trace's own peak of live bytes.
"$REPLAY" --trace=threads.trace >out 2>err
is "$(sed -n 's/.* peak_live_bytes=\([0-9]*\).*/\1/p' out)" "$(j threads.trace 'd["peak_live_bytes"]')" \
	"the replay's peak live bytes are the trace's"
is "$(sed -n 's/.* touch=\([a-z]*\).*/\1/p' out)" light "by default every block is touched as the light self-check does"
python3 - out >pyout 2>&1 <<'PY'
import re, sys
r = dict(kv.split("=", 1) for kv in open(sys.argv[1]).read().split("ngbench-result:")[1].split())
f, peak, base = float(r["fragmentation"]), int(r["rss_peak_bytes"]), int(r["rss_base_bytes"])
live = int(r["peak_live_bytes"])
assert abs(f - max(peak - base, 0) / live) < 1e-3 * f + 1e-9, (f, peak, base, live)
assert 0 < f < 1000, f
print("ok")
PY
is "$(cat pyout)" ok "fragmentation= is the RSS the calls added at their peak over the peak live bytes"

# The plots of 'trace info': the profile's size plot, the lifetimes, the live memory.
"$NGBENCH" trace info --plots=plots threads.trace >out 2>err
ok $? "trace info --plots=DIR"
n=0
for p in sizes-0 lifetime-calls lifetime-time live; do
	[ -s plots/$p.dat ] && [ -s plots/$p.gp ] && n=$((n + 1))
done
is $n 4 "the four plots' data and scripts are written"
python3 - plots "$(j threads.trace 'd["peak_live_bytes"], d["allocations"]')" \
	>pyout 2>&1 <<'PY'
import sys
d, want = sys.argv[1], sys.argv[2].split()
peak, allocs = int(want[0]), int(want[1])
rows = lambda n: [l.split() for l in open(f"{d}/{n}.dat") if l.strip() and not l.startswith("#")]
live = rows("live")
assert all(len(r) == 4 for r in live), "live.dat: four columns"
calls = [int(r[0]) for r in live]
assert calls == sorted(calls) and len(calls) > 10, "live.dat: calls ascending"
assert abs(max(float(r[2]) for r in live) * 1048576 - peak) < 1, "live.dat: its peak is the trace's"
for n in ("lifetime-calls", "lifetime-time"):
    r = rows(n)
    assert abs(sum(float(x[1]) for x in r) - 100) < 0.01, n + ": shares add up to 100 %"
    assert [int(x[0]) for x in r] == list(range(len(r))), n + ": one row per bin"
sizes = [l for l in open(f"{d}/sizes-0.dat") if l.strip() and not l.startswith("#")]
vals = [float(l.split()[1]) for l in sizes[:len(sizes)] if len(l.split()) == 4 and l.split()[1] != "NaN"]
assert abs(sum(vals) - 100) < 0.01, "sizes-0.dat: shares add up to 100 %"
print("ok")
PY
is "$(cat pyout)" ok "the plots' data agree with the trace (peak, shares of 100 %)"
"$NGBENCH" trace info --format=json --plots=plots2 threads.trace >out 2>err
is "$(python3 -c 'import json,sys; d=json.load(open("out")); print(sum(p.endswith(".gp") for p in d["plots"]))')" 4 \
	"the JSON lists the plots it wrote"
if command -v gnuplot >/dev/null; then
	python3 - plots >pyout 2>&1 <<'PY'
import sys, xml.etree.ElementTree as ET
for n in ("sizes-0", "lifetime-calls", "lifetime-time", "live"):
    root = ET.parse(f"{sys.argv[1]}/{n}.svg").getroot()
    assert root.tag.endswith("svg"), n
    assert len(list(root.iter())) > 50, n + ": drawn, not empty"
    assert open(f"{sys.argv[1]}/{n}.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n", n + ".png"
print("ok")
PY
	is "$(cat pyout)" ok "gnuplot rendered every plot: well-formed SVG and PNG"
	contains out "lifetime-calls.svg" "and info names them"
else
	skip "gnuplot is not installed"; skip "gnuplot is not installed"
fi
NGBENCH_GNUPLOT=none "$NGBENCH" trace info --plots=plots3 threads.trace >out 2>err
ok $? "without gnuplot, info still succeeds"
contains err "apt-get install gnuplot-nox" "and says how to get the plots"
[ -s plots3/live.gp ] && [ ! -e plots3/live.svg ]
ok $? "the data and scripts are written, nothing is rendered"
: >afile
"$NGBENCH" trace info --plots=afile/sub threads.trace >out 2>err
is $? 1 "a plot folder that cannot be created: exit 1"
contains err "cannot create 'afile/sub'" "and says which"

"$NGBENCH" run -w replay --set trace="$SCRATCH/threads.trace" -a ptmalloc2 -r 1 --counters=none >out 2>err
ok $? "ngbench run -w replay --set trace=FILE"
is "$(sql "SELECT status FROM trials WHERE workload = 'replay'")" ok "the replay trial is stored as ok"

# Bad files: refused with the offset, exit 2, by the replay and by info.
head -c $((bytes - 7)) single.trace >trunc.trace
"$REPLAY" --trace=trunc.trace >out 2>err
is $? 2 "a truncated trace: exit 2"
contains err "is truncated at offset $((bytes - 7))" "a truncated trace: the offset where it ends"
cp single.trace corrupt.trace
printf '\377\377' | dd of=corrupt.trace bs=1 seek=$((bytes - 20)) conv=notrunc 2>/dev/null
"$NGBENCH" trace info corrupt.trace >out 2>err
is $? 1 "a corrupt trace: info fails"
contains err "is corrupt at offset" "a corrupt trace: the offset of its block"
cp single.trace newer.trace
printf '\002' | dd of=newer.trace bs=1 seek=8 conv=notrunc 2>/dev/null
"$REPLAY" --trace=newer.trace >out 2>err
is $? 2 "a trace of a newer format version is refused"
contains err "format version 2; this ngbench reads version 1" "and says which version it reads"
: >empty.trace
"$NGBENCH" trace info empty.trace >out 2>err
contains err "is empty, not a trace (offset 0)" "an empty file is not a trace"

# glibc's mtrace output: malloc, realloc (moved), free, realloc(NULL) and a free of an unknown block.
cat >m.txt <<'EOF'
= Start
@ ./prog:[0x401136] + 0x4052a0 0x10
@ ./prog:[0x401144] + 0x4052c0 0x20
@ ./prog:[0x401152] < 0x4052a0
@ ./prog:[0x401152] > 0x4056f0 0x400
@ ./prog:[0x401160] - 0x4052c0
@ [0x401170] > 0x405b00 0x30
@ ./prog:(main+0x5a)[0x40117a] - 0x999990
@ ./prog:[0x401180] - 0x4056f0
= End
EOF
"$NGBENCH" trace convert --from=mtrace -o m.trace m.txt >out 2>err
ok $? "convert glibc's mtrace output"
is "$(j m.trace 'd["calls"]["malloc"], d["calls"]["realloc"], d["calls"]["free"], d["dropped_frees"], d["never_freed_objects"]')" \
	"2 2 2 1 1" "mtrace: 2 mallocs, 2 reallocs, 2 frees, the unknown free left out, one block live"
"$REPLAY" --trace=m.trace >out 2>err
ok $? "replay the converted mtrace trace"
printf '@ x ? 0x1\n' >bad.txt
"$NGBENCH" trace convert --from=mtrace -o bad.trace bad.txt >out 2>err
contains err "bad.txt' line 1" "a line that is not mtrace's is refused with its number"

done_testing
