#!/bin/sh
# The command table, help, version, listing.
. "$top_srcdir/tests/cli/lib.sh"
plan 17

out=$SCRATCH/out; err=$SCRATCH/err

"$NGBENCH" --version >"$out"; ok $? "--version exits 0"
grep -Eq '^ngbench [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{7,}(-dirty)?|unknown\)' "$out"; ok $? "--version prints the version and the commit"

"$NGBENCH" help run >"$out"; ok $? "help run exits 0"
"$NGBENCH" run --help >"$SCRATCH/out2"
cmp -s "$out" "$SCRATCH/out2"; ok $? "'help run' is 'run --help'"
contains "$out" "--allocator=LIST" "run --help documents --allocator"

"$NGBENCH" lsit allocators >"$out" 2>"$err"; is $? 2 "an unknown command exits 2"
contains "$err" "Did you mean 'list'?" "an unknown command suggests the closest one"

"$NGBENCH" >"$out" 2>"$err"; is $? 2 "no command is a usage error"

"$NGBENCH" list allocators >"$out"; ok $? "list allocators exits 0"
grep -Eq '^ptmalloc2 +available +glibc [0-9.]+' "$out"; ok $? "ptmalloc2 is listed with the glibc version"

"$NGBENCH" list allocators --format=json >"$out"; ok $? "list allocators --format=json exits 0"
python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 1
names = [a["name"] for a in d["allocators"]]
assert "ptmalloc2" in names, names
for a in d["allocators"]:
    assert a["available"] == (a["reason"] is None), a
    if a["available"] and a["name"] != "ptmalloc2":
        assert a["library"] and a["served_by"] == a["library"], a
assert [a["package"] for a in d["allocators"] if a["name"] == "ptmalloc2"] == ["libc6"], d
' "$out"; ok $? "the JSON listing is well formed, names the packages and available allocators serve malloc from their library"

"$NGBENCH" list workloads >"$out"; ok $? "list workloads exits 0"
contains "$out" "larson" "larson is listed"
"$NGBENCH" list workloads --format=json | python3 -c '
import json,sys
d = json.load(sys.stdin)
assert any(w["name"] == "larson" and w["threads_param"] and w["program"] == "larson" and
           w["group"] is None and "seconds=" in w["smoke"] for w in d["workloads"]), d
assert any(w["name"] == "redis" and w["group"] == "real" and w["smoke"] for w in d["workloads"]), d
assert any(w["name"] == "server" and w["group"] == "user" and w["smoke"] is None for w in d["workloads"]), d'
ok $? "the JSON workload listing names the thread parameter, program, group and smoke-test size"

"$NGBENCH" list gadgets >"$out" 2>"$err"; is $? 2 "listing an unknown kind exits 2"
"$NGBENCH" list --format=yaml allocators >"$out" 2>"$err"; is $? 2 "an unknown --format exits 2"
done_testing
