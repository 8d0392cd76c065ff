#!/bin/sh
# tests/real/lifecycle.sh - the server workload's faults: a server that
# fails to start or is never ready fails with its stderr's tail; one that
# crashes while the client runs fails the trial; a port in use is
# reported; and no server or client is left running after SIGINT, SIGHUP,
# SIGKILL of ngbench, or a timeout.  Fake servers are small sh scripts
# marked by their path, so that leftovers can be looked for with pgrep.
. "$top_srcdir/tests/cli/lib.sh"
SERVER=$top_builddir/workloads/server
[ -x "$SERVER" ] || skip_all "workloads/server is not built"
command -v python3 >/dev/null || skip_all "python3 is needed for the port tests"
plan 24

M=$SCRATCH/marker
mkdir -p "$M"
# a server that says it is up (a file), then lives until killed
cat >"$M/forever.sh" <<'SH'
touch "$1/ready"; echo "forever-server up" >&2; exec sleep 1000
SH
# a server that crashes 0.3 s after it is ready
cat >"$M/crash.sh" <<'SH'
touch "$1/ready"; echo "crash-server about to crash" >&2; sleep 0.3; kill -SEGV $$
SH
cat >"$M/slowclient.sh" <<'SH'
exec sleep 30
SH
# a server that never gets ready, with a child of its own
cat >"$M/never.sh" <<'SH'
echo still-warming-up >&2; sh "$(dirname "$0")/sleeper.sh"; :
SH
cat >"$M/sleeper.sh" <<'SH'
sleep 1000; :
SH
left() { if pgrep -f "$M/" >"$SCRATCH/left"; then pgrep -af "$M/" | sed "s/^/# left: /" >&2; echo yes; else echo no; fi; }
wait_for() { i=0; while ! pgrep -f "$1" >/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done; }

# 1. fails to start
"$SERVER" --start="sh,-c,echo boom-at-startup >&2; exit 3" --ready=file:{dir}/ready \
	--client=true >"$SCRATCH/out" 2>"$SCRATCH/err"
is $? 1 "a server that exits at once fails the run"
contains "$SCRATCH/err" "exited before it was ready (exit status 3)" "it says how the server ended"
contains "$SCRATCH/err" "boom-at-startup" "with the server's standard error"

# 2. never ready
start=$(date +%s)
"$SERVER" --start="sh,$M/never.sh" \
	--ready=file:{dir}/never --ready-timeout=0.5 --client=true >"$SCRATCH/out" 2>"$SCRATCH/err"
is $? 1 "a server never ready fails the run"
contains "$SCRATCH/err" "was not ready within 0.5 s" "it names the timeout"
contains "$SCRATCH/err" "still-warming-up" "with the server's standard error"
test $(( $(date +%s) - start )) -lt 10; ok $? "it gives up after the timeout, not later"
is "$(left)" no "the server that was never ready is not left running, nor its child"

# 3. crashes while the client runs
"$SERVER" --start="sh,$M/crash.sh,{dir}" --ready=file:{dir}/ready \
	--client="sh,$M/slowclient.sh" >"$SCRATCH/out" 2>"$SCRATCH/err"
is $? 1 "a server that crashes during the run fails it"
contains "$SCRATCH/err" "exited while the client ran (killed by signal 11" "it says the server crashed"
contains "$SCRATCH/err" "crash-server about to crash" "with the server's standard error"
is "$(left)" no "the client is not left running after the server crashed"

# 4. port in use
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$SCRATCH/port" &
holder=$!
i=0; while [ ! -s "$SCRATCH/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$SCRATCH/port")
"$SERVER" --start="sh,$M/forever.sh,{dir}" --port="$port" --client=true \
	>"$SCRATCH/out" 2>"$SCRATCH/err"
is $? 1 "a port in use fails the run"
contains "$SCRATCH/err" "port $port on 127.0.0.1 is already in use" "it names the port"
is "$(left)" no "no server was started on a port in use"
kill $holder; wait $holder 2>/dev/null

# 5. a working server through ngbench: metric, the client's pairs, the witness
cat >"$M/http.sh" <<'SH'
exec python3 -m http.server "$1" --bind 127.0.0.1 --directory "$2"
SH
cat >"$M/client.py" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1]).read()
print("ngbench-result: metric=fetch value=1 unit=s better=lower bytes=%d" % len(body))
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$NGBENCH" run -q -a ptmalloc2 -r 1 -w server --label=http --counters=none \
	--set "start=sh,$M/http.sh,{port},{dir}" --set ready=port --set port="$port" \
	--set "client=python3,$M/client.py,{port}" >"$SCRATCH/out" 2>"$SCRATCH/err"
is $? 0 "ngbench runs a server declared with parameters only"
is "$(sql "SELECT status || ' ' || metric FROM trials WHERE workload = 'server'")" "ok seconds" \
	"the trial passed with the client's time as its metric"
case "$(sql "SELECT served_by FROM trials WHERE workload = 'server'")" in
*libc.so.6) ok 0 "the witness reports glibc in the server" ;;
*) ok 1 "the witness reports glibc in the server" ;;
esac
test "$(sql "SELECT CAST(number AS INTEGER) FROM trial_results WHERE key = 'client.bytes'")" -gt 0; \
	ok $? "the client's own pairs are stored with client. in front"
test "$(sql "SELECT CAST(number AS INTEGER) FROM trial_results WHERE key = 'server_peak_rss_kb'")" -gt 0; \
	ok $? "the server's peak RSS is recorded"

# 6. no server left after SIGINT, SIGHUP, SIGKILL of ngbench, or a timeout
for how in INT HUP KILL timeout; do
	t=
	[ $how = timeout ] && t=--timeout=2
	"$NGBENCH" run -q -a ptmalloc2 -r 1 -w server --label="stop-$how" --counters=none $t \
		--set "start=sh,$M/forever.sh,{dir}" --set "ready=file:{dir}/ready" \
		--set "client=sh,$M/slowclient.sh" >"$SCRATCH/out" 2>"$SCRATCH/err" &
	pid=$!
	wait_for "$M/slowclient.sh"
	[ $how = timeout ] || kill -$how $pid
	wait $pid
	i=0; while [ "$(left)" = yes ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	is "$(left)" no "no server or client left running after $how"
done
pkill -f "$M/" 2>/dev/null
done_testing
