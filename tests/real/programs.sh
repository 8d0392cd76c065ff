#!/bin/sh
# tests/real/programs.sh - every real program runs through ngbench at a
# tiny size (its smoke-test size) under glibc and under each system
# allocator present (both lists from tests/lists.sh): the trial
# passes its self-check, the witness names the allocator's library in the
# program that allocates (glibc for ptmalloc2, also in redis-server, which
# Debian links with jemalloc), and outputs that must not depend on the
# allocator (checksums, rocksdb's found count) agree.  A program that is
# not installed is skipped with its package.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/lists.sh"
systems=$(ngb_system_allocators) && [ -n "$systems" ] || ngb_bail "the allocators"
allocs=$(echo "$systems" | cut -d' ' -f1 | paste -sd, -)
progs=$(ngb_workloads real) && [ -n "$progs" ] || ngb_bail "the real programs"
plan $(( $(echo $progs | wc -w) * 3 + 1 ))

# each allocator's library, as the witness names it (glibc: libc.so.6)
served_like=$(echo "$systems" | while read -r name lib; do
	[ "$lib" = - ] && lib=/libc.so.6
	printf "(allocator = '%s' AND served_by LIKE '%%%s') OR " "$name" "$lib"
done)

for w in $progs; do
	if ! "$NGBENCH" list workloads --format=json | python3 -c "import json,sys
sys.exit(0 if any(x['name'] == '$w' and x['available'] for x in json.load(sys.stdin)['workloads']) else 1)"; then
		fix=$("$NGBENCH" list workloads --format=json | python3 -c "import json,sys
print([x['fix'] for x in json.load(sys.stdin)['workloads'] if x['name'] == '$w'][0])")
		skip "$w is unavailable: $fix"; skip "$w"; skip "$w"
		continue
	fi
	"$NGBENCH" run -q -a "$allocs" -r 1 -w $w $(ngb_smoke $w "--set ") --label=$w --counters=none \
		>"$SCRATCH/out" 2>"$SCRATCH/err"
	rc=$?
	ok $rc "$w runs under $allocs with its self-check passing"
	[ $rc -eq 0 ] || sql "SELECT allocator || ': ' || status || ' ' || coalesce(reason, '') || ' ' || coalesce(stderr_tail, '')
		FROM trials WHERE workload = '$w' AND status != 'ok'" | sed 's/^/#   /'
	bad=$(sql "SELECT count(*) FROM trials t WHERE workload = '$w' AND NOT ($served_like 0)")
	is "$bad" 0 "$w: the witness names each allocator's library in the program"
	key=checksum
	[ $w = rocksdb ] && key=found
	[ $w = redis ] && key=check_keys
	is "$(sql "SELECT count(DISTINCT r.value) FROM trial_results r JOIN trials t ON t.id = r.trial_id
		WHERE t.workload = '$w' AND r.key = '$key'")" 1 "$w: $key is the same under every allocator"
done

# the fix is named when a program is missing: PATH without it
PATH=/nonexistent "$NGBENCH" list workloads >"$SCRATCH/list" 2>&1
contains "$SCRATCH/list" "apt-get install redis-server redis-tools" \
	"a missing program makes its workload unavailable with the package to install"
done_testing
