# tests/scale/lib.sh - helpers of the scale-out tests (sourced after
# tests/cli/lib.sh): a tiny experiment of several cell groups, and what a
# session holds, to compare a merged session with an unsharded one.

# experiment FILE: two workloads at two thread counts (four cell groups),
# two allocators, a warm-up round and two repetitions, no counters, tiny
# parameters: 24 trials in about a second
experiment() {
	alloc2=jemalloc
	available_allocators | grep -x jemalloc >/dev/null || alloc2=ptmalloc2+MALLOC_ARENA_MAX=1
	cat >"$1" <<-EOF
	[global]
	allocators = ptmalloc2,$alloc2
	repetitions = 2
	warmup = 1
	[tiny]
	workloads = threadtest,active-false
	threads = 1,2
	counters = none
	set = iterations=2
	set = objects=1000
	set = writes=10
	EOF
}

# cells DB [SESSION]: each cell of the report with its trial count, sorted
cells() {
	"$NGBENCH" report --db="$1" --format=json "${2:-latest}" | python3 -c '
import json, sys
for c in json.load(sys.stdin)["cells"]:
    print(c["workload"], c["program"], json.dumps(c["params"]), c["threads"], c["allocator"],
          "trials=%s ok=%s" % (c["trials"], c["succeeded"]))
' | sort
}

# trials DB: every trial as seq, round, allocator, warm-up, kind and argv, sorted by seq
trials() {
	sqlite3 -readonly -batch -noheader "$1" \
		"SELECT seq, round, repetition, warmup, kind, allocator, argv FROM trials ORDER BY seq"
}
