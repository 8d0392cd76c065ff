#!/bin/sh
# tests/fuzz/fuzz.sh - builds ngbench's libFuzzer targets and runs each for
# FUZZ_SECONDS (0: build only).  Called by 'make fuzz'; see tests/fuzz/README.md.
#
#   fuzz.sh SRCDIR OUTDIR SOURCE.c...
# Environment: FUZZ_CC, FUZZ_FLAGS, FUZZ_CPPFLAGS, FUZZ_LIBS, FUZZ_SECONDS,
# FUZZ_TARGETS (the targets to build and run, in order).
set -e
srcdir=$1 out=$2
shift 2
mkdir -p "$out/obj"
abs_srcdir=$(cd "$srcdir" && pwd)
# where the harness looks for its parts (harness/paths.c): this build tree
paths() {
	for d in BUILDDIR=$PWD SRCDIR=$abs_srcdir PKGLIBDIR=/nonexistent PKGLIBEXECDIR=/nonexistent \
		PKGDATADIR=/nonexistent BINDIR=/nonexistent; do
		echo "-DNGB_${d%%=*}=\"${d#*=}\""
	done
}

# The library, instrumented for coverage, once per changed source.
objs=
for src in "$@"; do
	case $src in *.c) ;; *) continue ;; esac
	obj=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	path=$src
	test -f "$path" || path=$srcdir/$src
	if ! test -f "$obj" || test "$path" -nt "$obj"; then
		echo "  FUZZCC   $src"
		$FUZZ_CC $FUZZ_FLAGS -fsanitize=fuzzer-no-link $FUZZ_CPPFLAGS $(paths) -c "$path" -o "$obj"
	fi
	objs="$objs $obj"
done

for t in $FUZZ_TARGETS; do
	echo "  FUZZLD   fuzz-$t"
	$FUZZ_CC $FUZZ_FLAGS -fsanitize=fuzzer $FUZZ_CPPFLAGS "$srcdir/tests/fuzz/$t.c" $objs \
		$FUZZ_LIBS -o "$out/fuzz-$t"
done
test "${FUZZ_SECONDS:-0}" -gt 0 || exit 0

# Each target from its seed corpus (read only) and a working corpus of its
# own; a crash leaves its input as $out/crash-TARGET-* and stops here.
for t in $FUZZ_TARGETS; do
	mkdir -p "$out/corpus/$t"
	echo "fuzz-$t: $FUZZ_SECONDS s"
	"$out/fuzz-$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$out/crash-$t-" "$out/corpus/$t" "$srcdir/tests/fuzz/corpus/$t"
done
