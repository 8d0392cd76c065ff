#!/bin/sh
# tests/scale/slurm.sh - a one-node Slurm on this machine runs the shards of
# a session as a job array (the script of docs/examples/slurm-shards.sh),
# and their merge is the unsharded session: every cell, every trial.
#
# Everything lives in a scratch folder: munged with its own key and socket,
# slurmctld and slurmd with a generated slurm.conf on their own ports.  The
# daemons need root and Debian's slurm-wlm and munge; where they cannot
# start the test is skipped with the reason.  They are always stopped, by
# pid, and every wait is bounded.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/scale/lib.sh"

for c in munged mungekey slurmctld slurmd sbatch sinfo squeue; do
	command -v "$c" >/dev/null || skip_all "'$c' is missing (apt-get install slurm-wlm munge)"
done
[ "$(id -u)" -eq 0 ] || skip_all "a private Slurm needs root here (SlurmUser=root)"

S=$SCRATCH/slurm
mkdir -p "$S/state" "$S/spool" "$S/munge"
chmod 700 "$S/munge"
pids=
stop_daemons() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	pids=
}
trap 'stop_daemons; rm -rf "$SCRATCH"' EXIT
trap 'exit 130' INT TERM

# skip_with_log REASON LOG...: the reason and the logs' tails, then skip
skip_with_log() {
	echo "1..0 # SKIP $1"
	shift
	for f in "$@"; do
		[ -s "$f" ] && tail -4 "$f" | sed "s|^|# $(basename "$f"): |"
	done
	exit 0
}

mungekey -c -k "$S/munge/munge.key" >/dev/null 2>&1 ||
	dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$S/munge/munge.key"
munged -F -f --key-file="$S/munge/munge.key" --socket="$S/munge/socket" \
	--pid-file="$S/munge/munged.pid" --log-file="$S/munge/munged.log" \
	--seed-file="$S/munge/seed" >/dev/null 2>&1 &
pids="$pids $!"
i=0
while [ ! -S "$S/munge/socket" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$S/munge/socket" ] || skip_with_log "munged did not start" "$S/munge/munged.log"

host=$(hostname -s)
# ports of our own, away from a real Slurm's 6817/6818
base=$((20000 + $$ % 20000))
export SLURM_CONF="$S/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=ngbtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$S/munge/socket
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ngbtest Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i -f "$SLURM_CONF" >"$S/slurmctld.out" 2>&1 &
pids="$pids $!"
slurmd -D -f "$SLURM_CONF" >"$S/slurmd.out" 2>&1 &
pids="$pids $!"

# the node idle within 30 s, or the daemons cannot run here
i=0
state=
while [ $i -lt 60 ]; do
	state=$(sinfo -h -o %t 2>/dev/null | head -1)
	[ "$state" = idle ] && break
	sleep 0.5
	i=$((i + 1))
done
[ "$state" = idle ] ||
	skip_with_log "the one-node Slurm did not come up (node state '${state:-none}')" \
		"$S/slurmctld.out" "$S/slurmctld.log" "$S/slurmd.out" "$S/slurmd.log"

plan 10

x=$SCRATCH/tiny.ini
experiment "$x"
"$NGBENCH" run --quiet --db="$SCRATCH/whole.db" -x "$x" --seed=4242 >/dev/null
ok $? "the unsharded session runs"

cd "$SCRATCH" || exit 1
out=$(NGBENCH=$NGBENCH NGB_SEED=4242 NGB_DIR=$SCRATCH/shards \
	sbatch --parsable --array=0-2 --time=5 "$top_srcdir/docs/examples/slurm-shards.sh" -x "$x")
ok $? "sbatch takes the array of three shards ($out)"
job=${out%%;*}

# wait for the array to leave the queue, at most two minutes
i=0
while [ $i -lt 240 ] && [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do
	sleep 0.5
	i=$((i + 1))
done
is "$(squeue -h -j "$job" 2>/dev/null)" "" "the array finished within two minutes"
n=0
for k in 1 2 3; do
	[ -s "$SCRATCH/shards/shard-$k.db" ] && n=$((n + 1))
done
is "$n" 3 "each array task wrote its shard's database"
if [ "$n" -ne 3 ]; then
	for f in "$SCRATCH"/ngbench-shard-*.log "$S/slurmd.log"; do
		[ -f "$f" ] && tail -5 "$f" | sed 's/^/# /'
	done
fi

"$NGBENCH" merge "$SCRATCH/merged.db" "$SCRATCH"/shards/shard-*.db >"$SCRATCH/merge.out" 2>&1
ok $? "merge of the three shards succeeds and finds none missing"
is "$(sqlite3 -readonly "$SCRATCH/merged.db" 'SELECT count(*), min(status) FROM sessions')" \
	"1|complete" "the shards are one complete session"
is "$(cells "$SCRATCH/merged.db")" "$(cells "$SCRATCH/whole.db")" \
	"the merged report has every cell of the unsharded session with its trial count"
is "$(trials "$SCRATCH/merged.db")" "$(trials "$SCRATCH/whole.db")" \
	"and every trial of it, in its place (seq, round, repetition, warm-up, allocator, argv)"
is "$(sqlite3 -readonly "$SCRATCH/merged.db" \
	"SELECT count(DISTINCT shard) || ' ' || count(DISTINCT host) FROM trials")" "3 1" \
	"each trial keeps its shard and host"
is "$(sqlite3 -readonly "$SCRATCH/merged.db" "SELECT count(*) FROM session_shards WHERE status = 'complete'")" \
	3 "and the session each shard's run"

stop_daemons
done_testing
