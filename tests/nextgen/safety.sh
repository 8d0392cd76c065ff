#!/bin/sh
# tests/nextgen/safety.sh - under each variant of libnextgen listed in
# tests/nextgen/allocators.list: a double free aborts (SIGABRT) with a
# message, freed twice at once, interleaved (free(a); free(b); free(a)),
# from another thread, and a large block (a mapping of its own) twice;
# large blocks freed by another thread than their maker's at once are
# freed exactly once (none counted invalid); and an idle thread's freed memory goes back to the
# kernel (behaviour idle-rss: a thread allocates 64 MiB of small blocks of
# many sizes, frees them and blocks; the process's resident memory must
# come back down within a bounded time); and threads that idle briefly
# between bursts keep their blocks intact while they are trimmed.
: "${top_srcdir:?top_srcdir must be set (make check sets it)}"
ALLOC_LIST=$top_srcdir/tests/nextgen/allocators.list
. "$top_srcdir/tests/alloc/alloc-lib.sh"

prog=$top_builddir/tests/nextgen/behaviour
work=$(mktemp -d "${TMPDIR:-/tmp}/ngm-safety.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

one_variant() {
	v_name=$1 v_lib=$2 v_knobs=$3
	for how in now interleaved threads large; do
		case $v_name:$how in
		*glibc*:large)
			# glibc reads the header of the chunk it unmapped: a
			# segmentation fault at best, glibc's to find
			tap_skip "$v_name: a large double free is glibc's to find"
			continue ;;
		*glibc*:interleaved)
			# glibc's malloc on the server finds it only while the block
			# is still in its tcache; under load the server may have
			# handed it out again to a stock in between (a make -j2 check
			# run exited 0), so this is glibc's best effort, not ours
			tap_skip "$v_name: an interleaved double free is glibc's to find, when it can"
			continue ;;
		esac
		alloc_run "$v_lib" "$v_knobs" timeout 60 "$prog" double-free $how \
			>"$work/df.out" 2>"$work/df.err"
		st=$?
		# 134: the shell's status of a process killed by SIGABRT
		if [ $st -eq 134 ] && grep -q 'double free' "$work/df.err"; then
			tap_ok "$v_name: a double free ($how) aborts: $(grep 'double free' "$work/df.err" | head -n 1)"
		else
			tap_not_ok "$v_name: a double free ($how) aborts (exit $st)"
			tap_diag "$(cat "$work/df.out" "$work/df.err")"
		fi
	done
	rm -f "$work/stats"
	out=$(alloc_run "$v_lib" "$v_knobs NGMALLOC_STATS=$work/stats" timeout 60 "$prog" large-handoff 2>&1)
	st=$?
	inval=$(sed -n 's/^invalid_frees=//p' "$work/stats" 2>/dev/null)
	if [ $st -eq 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok' && [ "${inval:-x}" = 0 ]; then
		tap_ok "$v_name: large blocks freed by another thread at once: none invalid, no abort"
	else
		tap_not_ok "$v_name: large blocks freed by another thread at once (exit $st, ${inval:-?} invalid)"
		tap_diag "$out"
	fi
	# the handshake raced: threads idle briefly between bursts while the
	# allocator trims idle threads as often as it can
	rm -f "$work/stats"
	out=$(alloc_run "$v_lib" "$v_knobs NGMALLOC_TRIM_MS=1 NGMALLOC_STATS=$work/stats" \
		timeout 120 "$prog" trim-race 2>&1)
	st=$?
	trims=$(sed -n 's/^idle_trims=//p' "$work/stats" 2>/dev/null)
	asks=$(sed -n 's/^idle_trim_asks=//p' "$work/stats" 2>/dev/null)
	async=$(sed -n 's/^mode_async=//p' "$work/stats" 2>/dev/null)
	if [ $st -eq 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok' &&
	   { [ "$async" = 0 ] || [ $((${trims:-0} + ${asks:-0})) -gt 0 ]; }; then
		tap_ok "$v_name: blocks intact while idle threads are trimmed (${trims:-0} taken, ${asks:-0} asked)"
	else
		tap_not_ok "$v_name: blocks intact while idle threads are trimmed (exit $st, ${trims:-?} taken, ${asks:-?} asked)"
		tap_diag "$out"
	fi
	# with glibc's malloc on the server, what comes back is glibc's: after
	# malloc_trim 0.7 MiB stayed when quiet, 5 to 27 MiB under make -j2
	# check; only the own heap's return is this allocator's to promise
	case $v_name in
	*glibc*)
		tap_skip "$v_name: an idle thread's memory is glibc's to give back"
		return ;;
	esac
	out=$(alloc_run "$v_lib" "$v_knobs" timeout 120 "$prog" idle-rss 2>&1)
	st=$?
	if [ $st -eq 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok'; then
		tap_ok "$v_name: idle thread: $(printf '%s\n' "$out" | sed -n 's/^ok 2 - //p')"
	else
		tap_not_ok "$v_name: an idle thread's freed memory goes back (exit $st)"
		tap_diag "$out"
	fi
}

alloc_foreach one_variant
tap_end
