#!/usr/bin/env bash
# Submits a ganbench run to Slurm: writes the run's plan (`deno task plan --json`: its suites,
# cells and split, so that every node runs the same split whatever data it sees), then a job array
# of N shards (ganbench.sbatch --plan), each running its part of the cells into one shared results
# folder, and a report job (report.sbatch) that builds the leaderboards and the site once every
# shard has ended. With --resubmit, submits again only the shards of the plan that have missing or
# failed cells, and a new report job.
#
#   deploy/slurm/submit.sh [--shards N] [--results DIR] [--plan FILE] [--site DIR]
#                          [--sbatch 'OPTIONS'] [--] SELECTION...
#   deploy/slurm/submit.sh --resubmit [--results DIR] [--plan FILE] [--site DIR] [--sbatch 'OPTIONS']
#
# SELECTION is what `deno task bench` takes (--suites a,b --profile P --backend B) or what
# `deno task suite` takes (NAME --variants a,b --seeds 0,1 --profile P --backend B), less --out,
# --jobs, --shard and --force. Pin --backend: it is part of every cell's configuration hash.
#   --shards N      number of array tasks (default 4)
#   --results DIR   the shared results folder (default results), on a file system every node sees
#   --plan FILE     where the run's plan is written, and read by --resubmit (default DIR/plan.json)
#   --site DIR      where the report job writes the site (default: into the results folder)
#   --sbatch OPTS   more sbatch options for both jobs (word-split), e.g. '--partition=cpu
#                   --account=lab --time=48:00:00', or '--gres=gpu:1' with --backend webgpu
#   --resubmit      ask `deno task status --plan FILE` which shards to run again (those with
#                   failed or missing cells and none running) and submit only those indices, with
#                   the plan's N and selection (give no SELECTION)
#
# Run it from anywhere on the cluster's login node; jobs start in the repository root. DENO is the
# Deno binary, here and in the jobs (default: found once through `npx -y deno@2.9.6`; the jobs
# exec it directly, so that scancel and time limits reach ganbench).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

shards=4
results=results
plan=""
site=""
extra=""
resubmit=0
usage="usage: deploy/slurm/submit.sh [--shards N] [--results DIR] [--plan FILE] [--site DIR] [--sbatch 'OPTIONS'] [--resubmit] [--] SELECTION..."
while [[ $# -gt 0 ]]; do
  case $1 in
  --shards) shards=${2:?$usage} && shift 2 ;;
  --shards=*) shards=${1#*=} && shift ;;
  --results) results=${2:?$usage} && shift 2 ;;
  --results=*) results=${1#*=} && shift ;;
  --plan) plan=${2:?$usage} && shift 2 ;;
  --plan=*) plan=${1#*=} && shift ;;
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
  --out | --out=* | --jobs | --jobs=* | --shard | --shard=* | --force | --plan | --plan=*)
    echo "submit.sh: $arg is set by submit.sh (use --results for --out, submit.sh --plan for --plan); leave it out of SELECTION" >&2
    exit 2
    ;;
  esac
done
plan=${plan:-$results/plan.json}
deno=${DENO:-$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())' 2>/dev/null | tail -n 1)}
if [[ ! -x $deno ]]; then
  echo "submit.sh: no Deno binary at '${deno}': set DENO to its path" >&2
  exit 1
fi
# The jobs inherit the environment (sbatch --export=ALL): they start the same binary.
export DENO=$deno
ganbench() { "$deno" run -A src/cli.ts "$@"; }
read -r -a sbatch_extra <<<"$extra"

if [[ $resubmit -eq 1 ]]; then
  if [[ ${#selection[@]} -gt 0 ]]; then
    echo "submit.sh: --resubmit runs the shards of the plan $plan, with its selection: leave SELECTION out" >&2
    exit 2
  fi
  if [[ ! -f $plan ]]; then
    echo "submit.sh: no plan at $plan to resubmit (submit the run first, or give --plan FILE)" >&2
    exit 1
  fi
  indices=$(ganbench status --plan "$plan" --results "$results" --indices)
  code=$?
  if [[ $code -eq 0 ]]; then
    echo "Every cell is stored under $results/: nothing to resubmit"
    exit 0
  elif [[ $code -ne 3 ]]; then
    exit "$code"
  elif [[ -z $indices ]]; then
    echo "Every cell not stored is still running: nothing to resubmit yet (deno task status --plan $plan --results $results)"
    exit 0
  fi
  array=$indices
  shards=$(PLAN=$plan "$deno" eval 'console.log(JSON.parse(Deno.readTextFileSync(Deno.env.get("PLAN"))).shards)') ||
    exit 1
else
  # Checks the selection, fixes the run's cells and split in the plan, and shows the split.
  mkdir -p "$(dirname "$plan")" || exit 1
  ganbench plan "${selection[@]}" --results "$results" --shards "$shards" --json >"$plan.tmp"
  code=$?
  if [[ $code -ne 0 ]]; then
    rm -f "$plan.tmp"
    exit "$code"
  fi
  mv "$plan.tmp" "$plan" || exit 1
  ganbench status --plan "$plan" --results "$results" | sed -n 1p
  array="0-$((shards - 1))"
fi

array_id=$(sbatch --parsable --array="$array" "${sbatch_extra[@]}" \
  deploy/slurm/ganbench.sbatch "$shards" --plan "$plan" --out "$results") || exit 1
array_id=${array_id%%;*}
report_args=("$results")
[[ -n $site ]] && report_args+=("$site")
report_id=$(sbatch --parsable --dependency="afterany:$array_id" --kill-on-invalid-dep=yes \
  "${sbatch_extra[@]}" deploy/slurm/report.sbatch "${report_args[@]}" -- --plan "$plan") ||
  exit 1
report_id=${report_id%%;*}
echo "Submitted array job $array_id (shards $array of $shards) and report job $report_id (after it)"
echo "Follow: squeue -j $array_id,$report_id; then: deno task status --plan $plan --results $results"
