#!/usr/bin/env bash
# Submits a ganbench run to Slurm: a job array of N shards (ganbench.sbatch), each running its
# part of the cells into one shared results folder, and a report job (report.sbatch) that builds
# the leaderboards and the site once every shard has ended. With --resubmit, submits again only
# the shards that have missing or failed cells, with the same N, and a new report job.
#
#   deploy/slurm/submit.sh [--shards N] [--results DIR] [--site DIR] [--sbatch 'OPTIONS']
#                          [--resubmit] [--] SELECTION...
#
# SELECTION is what `deno task bench` takes (--suites a,b --profile P --backend B) or what
# `deno task suite` takes (NAME --variants a,b --seeds 0,1 --profile P --backend B), less --out,
# --jobs, --shard and --force. Pin --backend: it is part of every cell's configuration hash.
#   --shards N      number of array tasks (default 4); give the same N when resubmitting
#   --results DIR   the shared results folder (default results), on a file system every node sees
#   --site DIR      where the report job writes the site (default: into the results folder)
#   --sbatch OPTS   more sbatch options for both jobs (word-split), e.g. '--partition=cpu
#                   --account=lab --time=48:00:00', or '--gres=gpu:1' with --backend webgpu
#   --resubmit      ask `deno task status` which shards to run again (those with failed or
#                   missing cells and none running) and submit only those indices
#
# Run it from anywhere on the cluster's login node; jobs start in the repository root. DENO
# (default `npx -y deno@2.9.6`) is how Deno is started, here and in the jobs.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

shards=4
results=results
site=""
extra=""
resubmit=0
usage="usage: deploy/slurm/submit.sh [--shards N] [--results DIR] [--site DIR] [--sbatch 'OPTIONS'] [--resubmit] [--] SELECTION..."
while [[ $# -gt 0 ]]; do
  case $1 in
  --shards) shards=${2:?$usage} && shift 2 ;;
  --shards=*) shards=${1#*=} && shift ;;
  --results) results=${2:?$usage} && shift 2 ;;
  --results=*) results=${1#*=} && shift ;;
  --site) site=${2:?$usage} && shift 2 ;;
  --site=*) site=${1#*=} && shift ;;
  --sbatch) extra=${2?$usage} && shift 2 ;;
  --sbatch=*) extra=${1#*=} && shift ;;
  --resubmit) resubmit=1 && shift ;;
  -h | --help)
    sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  --) shift && break ;;
  *) break ;;
  esac
done
selection=("$@")
if ! [[ $shards =~ ^[0-9]+$ ]] || [[ $shards -lt 1 ]]; then
  echo "submit.sh: --shards must be a positive integer, got '$shards'" >&2
  exit 2
fi
for arg in "${selection[@]}"; do
  case $arg in
  --out | --out=* | --jobs | --jobs=* | --shard | --shard=* | --force)
    echo "submit.sh: $arg is set by submit.sh (use --results for --out); leave it out of SELECTION" >&2
    exit 2
    ;;
  esac
done
read -r -a deno <<<"${DENO:-npx -y deno@2.9.6}"
read -r -a sbatch_extra <<<"$extra"
survey=("${selection[@]}" --results "$results" --shards "$shards")

if [[ $resubmit -eq 1 ]]; then
  indices=$("${deno[@]}" task status "${survey[@]}" --indices)
  code=$?
  if [[ $code -eq 0 ]]; then
    echo "Every cell is stored under $results/: nothing to resubmit"
    exit 0
  elif [[ $code -ne 3 ]]; then
    exit "$code"
  elif [[ -z $indices ]]; then
    echo "Every cell not stored is still running: nothing to resubmit yet (deno task status ${survey[*]})"
    exit 0
  fi
  array=$indices
else
  # Checks the selection (and shows the split) before anything is queued.
  "${deno[@]}" task plan "${survey[@]}" | tail -n 1 || exit $?
  array="0-$((shards - 1))"
fi

array_id=$(sbatch --parsable --array="$array" "${sbatch_extra[@]}" \
  deploy/slurm/ganbench.sbatch "$shards" "${selection[@]}" --out "$results") || exit 1
array_id=${array_id%%;*}
report_args=("$results")
[[ -n $site ]] && report_args+=("$site")
report_id=$(sbatch --parsable --dependency="afterany:$array_id" --kill-on-invalid-dep=yes \
  "${sbatch_extra[@]}" deploy/slurm/report.sbatch "${report_args[@]}" -- "${selection[@]}" \
  --shards "$shards") || exit 1
report_id=${report_id%%;*}
echo "Submitted array job $array_id (shards $array of $shards) and report job $report_id (after it)"
echo "Follow: squeue -j $array_id,$report_id; then: deno task status ${survey[*]}"
