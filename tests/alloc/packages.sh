#!/bin/sh
# tests/alloc/packages.sh - each system allocator is named once, in its
# plugin (allocators/system/NAME.c), and everything else reads it there:
# ngbench lists every plugin source (so its Makemodule lines exist),
# build-aux/install-deps.sh installs every package ngbench names, and the
# library each allocator test preloads is the one ngbench resolves.
. "$top_srcdir/tests/alloc/alloc-lib.sh"	# alloc_entries (its TAP helpers unused)
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/lists.sh"

"$NGBENCH" list allocators --format=json >"$SCRATCH/list.json" ||
	ngb_bail "the allocators"
sh "$top_srcdir/build-aux/install-deps.sh" --print >"$SCRATCH/deps"
status=$?
sources=$(ls "$top_srcdir"/allocators/system/*.c)
plan $(( 2 + 2 * $(echo "$sources" | wc -l) ))
ok $status "install-deps.sh --print lists its packages"

for src in $sources; do
	name=$(sed -n 's/^.*\.name = "\(.*\)",$/\1/p' "$src")
	package=$(python3 -c 'import json, sys
print(*[a["package"] for a in json.load(open(sys.argv[1]))["allocators"] if a["name"] == sys.argv[2]])' \
		"$SCRATCH/list.json" "$name")
	ok $([ -n "$package" ]; echo $?) "$(basename "$src"): ngbench lists $name with its package ($package)"
	grep -qx -- "$package" "$SCRATCH/deps"
	ok $? "install-deps.sh installs $name's package"
done

# the allocator suites preload what ngbench preloads (the tcmalloc they
# test is the benchmarked one): alloc-lib.sh's entries against the JSON
bad=$(alloc_entries | while read -r name lib rest; do
	want=$(python3 -c 'import json, sys
print(*[a["library"] or "-" for a in json.load(open(sys.argv[1]))["allocators"] if a["name"] == sys.argv[2]])' \
		"$SCRATCH/list.json" "$name")
	[ -z "$want" ] || [ "$want" = "$lib" ] || echo "$name: $lib, not $want"
done)
is "$bad" "" "the allocator suites preload the library ngbench preloads for each system allocator"
done_testing
