#!/bin/sh
# tests/workloads/preset.sh - the reference preset: the workloads that
# reproduce a published program have one; a program started with
# --preset=reference and a trial of 'ngbench run --preset=reference' run
# with its values (the self-check off), options given with it override
# them wherever they stand; a workload without one is refused with exit 2,
# naming those that have one, and nothing is stored.
. "$top_srcdir/tests/workloads/lib.sh"

# name and reference preset ("None" when it has none) of every workload
REFS=$(_ngb_list workloads "print(x['name'] + '|' + str(x['presets']['reference']))") ||
	ngb_bail "the presets"
ref_of() {
	echo "$REFS" | sed -n "s/^$1|//p"
}
# the trials' command lines in database $1
argvs() {
	python3 -c "
import sqlite3, sys
for (a,) in sqlite3.connect(sys.argv[1]).execute('select argv from trials'):
    print(a)" "$1"
}

HAVE="xmalloc larson active-false passive-false threadtest"
echo "1..$(( $(echo $HAVE | wc -w) * 2 + 6 ))"

have=""
for w in $WORKLOADS; do
	[ "$(ref_of "$w")" != None ] && have="$have $w"
done
[ "$have" = " $(echo $HAVE)" ] || [ "$have" = " $HAVE" ]
tap_ok $? "the workloads with a reference preset are$have (expected $HAVE)"

for w in $HAVE; do
	ref=$(ref_of "$w")
	if [ ! -x "$W/$w" ] || [ -z "$ref" ] || [ "$ref" = None ]; then
		tap_skip "$w is not built or has no reference preset"
		tap_skip "$w is not built or has no reference preset"
		continue
	fi
	tiny=$(tiny_args "$w")
	# a preset that runs for a time (xmalloc's 5 s) runs for a moment here
	case " $ref " in *" seconds="*) case " $tiny " in *" --seconds="*) ;; *)
		tiny="$tiny --seconds=0.1" ;; esac ;; esac
	"$W/$w" --preset=reference $tiny --threads=1 >"$TMP/out" 2>"$TMP/err"
	rc=$?
	grep -Eq "$RESULT_RE" "$TMP/out"
	tap_ok $(( rc != 0 || $? != 0 )) "$w --preset=reference (smoke size) runs and reports"
	[ $rc -eq 0 ] || sed 's/^/#   /' "$TMP/err"

	# through ngbench: every value of the preset that the smoke size does
	# not override reaches the program's command line
	rm -f "$TMP/db"
	"$NGBENCH" run -q --counters=none -a ptmalloc2 -w "$w" -p reference -t 1 -r 1 \
		$(echo " $tiny" | sed 's/ --/ --set /g') --db="$TMP/db" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	argv=$(argvs "$TMP/db" 2>/dev/null)
	missing=""
	for pair in $ref; do
		case " $tiny " in *" --${pair%%=*}="*) continue ;; esac
		case " $argv " in *" --$pair "*) ;; *) missing="$missing $pair" ;; esac
	done
	what="the preset's values"
	[ -z "$missing" ] || what="MISSING:$missing"
	[ $rc -eq 0 ] && [ -z "$missing" ]
	tap_ok $? "ngbench run -w $w -p reference runs with $what"
	[ -z "$missing" ] && [ $rc -eq 0 ] || { echo "# exit $rc, argv: $argv"; sed 's/^/#   /' "$TMP/err"; }
done

# options override the preset even when they come before it
"$W/larson" --seconds=0.05 --threads=1 --blocks=300 --preset=reference >"$TMP/out" 2>"$TMP/err"
rc=$?
grep -q ' blocks=300 .*min_size=8 max_size=1000' "$TMP/out"
tap_ok $(( rc != 0 || $? != 0 )) "larson --blocks=300 --preset=reference keeps blocks=300 and the preset's sizes"

"$W/blowup" --preset=reference >"$TMP/out" 2>"$TMP/err"
rc=$?
grep -q 'no reference preset.*larson' "$TMP/err"
tap_ok $(( rc != 2 || $? != 0 )) "blowup --preset=reference is refused with exit 2, naming those that have one"

rm -f "$TMP/db"
"$NGBENCH" run -q --counters=none -a ptmalloc2 -w larson,blowup -p reference -r 1 \
	--db="$TMP/db" >"$TMP/out" 2>"$TMP/err"
rc=$?
grep -q "'blowup' has no reference preset.*threadtest" "$TMP/err"
tap_ok $(( rc != 2 || $? != 0 )) "ngbench run -w larson,blowup -p reference is refused with exit 2 naming the workload"
[ $rc -eq 2 ] || sed 's/^/#   /' "$TMP/err"
n=$(argvs "$TMP/db" 2>/dev/null | wc -l)
tap_ok $(( n != 0 )) "and runs nothing ($n trials stored)"

"$W/larson" --preset=huge >/dev/null 2>"$TMP/err"
rc=$?
grep -q "unknown preset 'huge'" "$TMP/err"
tap_ok $(( rc != 2 || $? != 0 )) "larson --preset=huge is refused with exit 2"
exit $FAILED
