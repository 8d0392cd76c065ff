#!/bin/sh
# tests/trace/trace.sh - allocation traces end to end: 'ngbench trace
# record' on programs of known calls (one thread, four threads handing
# blocks over, a fork, no call at all, C++'s operators), 'trace info' counts
# them exactly, the replay workload replays each trace under glibc and every
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

LIBS=
for l in libjemalloc.so.2 libtcmalloc_minimal.so.4 libmimalloc.so.2; do
	for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib; do
		[ -e "$d/$l" ] && { LIBS="$LIBS $d/$l"; break; }
	done
done
nlibs=$(echo $LIBS | wc -w)
ntraces=5
plan $((31 + ntraces * (nlibs + 1)))

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
