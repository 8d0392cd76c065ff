#!/bin/sh
# docs/examples/slurm-shards.sh - one ngbench session cut into N shards, one
# Slurm array task each; merge the shard databases afterwards.
#
#   sbatch --array=0-3 docs/examples/slurm-shards.sh -x hoard-scaling -r 10
#   # when the array has finished (or: sbatch --dependency=afterok:JOBID ...):
#   ngbench merge study.db shards/shard-*.db
#   ngbench report --db=study.db
#
# The arguments are those of 'ngbench run'.  Every task of the array runs
# the same session with the same seed (the array's job id unless NGB_SEED
# is set) and its own shard: task i runs --shard=i+1/N.  A task that failed
# can be run again alone (sbatch --array=2 ...: it keeps N from
# NGB_SHARDS, so set that when rerunning a subset) and merged.
#
# Environment:
#   NGBENCH     the ngbench command (default: ngbench in PATH)
#   NGB_SHARDS  N, the number of shards (default: the array's task count)
#   NGB_SEED    the session's seed (default: the array's job id)
#   NGB_DIR     the folder of the shard databases (default: ./shards)
#
#SBATCH --job-name=ngbench-shard
#SBATCH --ntasks=1
#SBATCH --exclusive
#SBATCH --output=ngbench-shard-%A_%a.log
set -eu

: "${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=0-N-1}"
ngbench=${NGBENCH:-ngbench}
shards=${NGB_SHARDS:-${SLURM_ARRAY_TASK_COUNT:?set NGB_SHARDS to the number of shards}}
seed=${NGB_SEED:-${SLURM_ARRAY_JOB_ID:?set NGB_SEED}}
dir=${NGB_DIR:-shards}
k=$((SLURM_ARRAY_TASK_ID + 1))

mkdir -p "$dir"
# a rerun of a shard starts a fresh database, so that merge meets one run
# of it (a complete rerun would supersede an interrupted run anyway)
rm -f "$dir/shard-$k.db" "$dir/shard-$k.db-wal" "$dir/shard-$k.db-shm"
exec "$ngbench" run --quiet --seed="$seed" --shard="$k/$shards" --db="$dir/shard-$k.db" "$@"
