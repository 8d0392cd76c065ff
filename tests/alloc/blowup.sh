#!/bin/sh
# tests/alloc/blowup.sh - the Hoard paper's blowup theorem, observed.
#
# tests/alloc/prodcons runs the producer-consumer pattern (Section 2.2)
# for R rounds of 8192 blocks of 256 bytes (2 MiB a round; the program
# never needs more than one round's blocks).  Under Hoard the peak resident
# memory must stay flat as R grows from 4 to 32: A(t) = O(U(t) + P), so
# blowup is bounded.  Under the test-only pure-private-heaps allocator
# (tests/alloc/ppheap.c) it must grow with R, about a round's memory per
# round: unbounded blowup.  The figures go to the log.
# The consumer's heap must not depend on its thread id: with 4 heaps and 3
# processes started before the consumer (whose id is then main's + 4, the
# same heap by tid mod 4) its frees of the producer's blocks stayed in its
# thread cache, a megabyte the producer could not reuse.
. "$top_srcdir/tests/alloc/alloc-lib.sh"

prog=$top_builddir/tests/alloc/prodcons
hoard=$top_builddir/allocators/.libs/libhoard.so
ppheap=$top_builddir/tests/alloc/.libs/libppheap.so

peak() { # LIB ROUNDS [KNOBS] [FORKS] -> peak resident kB
	alloc_run "$1" "${3-}" "$prog" "$2" 8192 256 ${4-} | sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p'
}

for lib in "$hoard" "$ppheap"; do
	if [ ! -r "$lib" ]; then
		echo "1..0 # SKIP $lib not built"
		exit 0
	fi
done

g4=$(peak - 4) g32=$(peak - 32)
h4=$(peak "$hoard" 4) h32=$(peak "$hoard" 32)
# The paper's algorithm exactly: no thread cache, no memory given back.
q4=$(peak "$hoard" 4 HOARD_THREAD_CACHE=0) q32=$(peak "$hoard" 32 HOARD_THREAD_CACHE=0)
p4=$(peak "$ppheap" 4) p32=$(peak "$ppheap" 32)
f0=$(peak "$hoard" 4 HOARD_HEAPS=4 0) f3=$(peak "$hoard" 4 HOARD_HEAPS=4 3)
# Hoard's own account of the same run: peak A (from the system) and U.
stats=$(mktemp "${TMPDIR:-/tmp}/ngb-blowup.XXXXXX") || exit 1
alloc_run "$hoard" "HOARD_STATS=$stats" "$prog" 32 8192 256 > /dev/null
tap_diag "hoard at 32 rounds: $(grep -E '^(peak_allocated_bytes|peak_in_use_bytes|transfers_to_global|transfers_from_global)=' "$stats" | tr '\n' ' ')"
# U (in_use_bytes) is kept per thread and published in steps of 16 KiB,
# and at each thread's exit: after the run it must equal the heaps' own
# count (no large object is live), and its peak must hold the producer's
# 8192 live blocks of 256 bytes.
hstat() { sed -n "s/^$1=//p" "$stats"; }
u=$(hstat in_use_bytes) hu=$(hstat heap_in_use_bytes) pu=$(hstat peak_in_use_bytes) ll=$(hstat large_live)
[ -n "$u" ] && [ "$ll" = 0 ] && [ "$u" = "$hu" ] && [ "$pu" -ge $((8192 * 256)) ]
tap_check $? "hoard's U at exit is its heaps' count ($u = $hu bytes), its peak holds a round ($pu bytes)"
rm -f "$stats"
tap_diag "peak RSS (kB) at 4 and 32 rounds: glibc $g4 $g32, hoard $h4 $h32, hoard without the thread cache (the paper) $q4 $q32, pure private heaps $p4 $p32"

[ -n "$h4" ] && [ -n "$h32" ] && [ -n "$p4" ] && [ -n "$p32" ]
tap_check $? "prodcons ran under hoard and pure private heaps"
# Bounded: 8 times the rounds, at most a quarter more memory.
[ -n "$h32" ] && [ "$((h32 * 4))" -le "$((h4 * 5))" ]
tap_check $? "hoard: peak memory flat from 4 to 32 rounds ($h4 -> $h32 kB)"
[ -n "$q4" ] && [ -n "$q32" ] && [ "$((q32 * 4))" -le "$((q4 * 5))" ]
tap_check $? "hoard, HOARD_THREAD_CACHE=0 (the paper): peak memory flat from 4 to 32 rounds ($q4 -> $q32 kB)"
# Unbounded: 28 more rounds of 2 MiB must show as at least 48 MiB more.
[ -n "$p32" ] && [ "$((p32 - p4))" -ge 49152 ]
tap_check $? "pure private heaps: peak memory grows with rounds ($p4 -> $p32 kB)"
# And hoard needs less than pure private heaps at 32 rounds by far.
[ -n "$h32" ] && [ "$((h32 * 4))" -le "$p32" ]
tap_check $? "hoard at 32 rounds uses under a quarter of pure private heaps' memory"
# The same heaps whatever the thread ids: within a tenth.
[ -n "$f0" ] && [ -n "$f3" ] && [ "$((f3 * 10))" -le "$((f0 * 11))" ]
tap_check $? "hoard: a consumer started after 3 other processes needs no more ($f0 -> $f3 kB)"
tap_end
