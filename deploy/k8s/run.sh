#!/usr/bin/env bash
# Runs a sharded ganbench run on Kubernetes and reports on it however it ends: the results volume
# (pvc.yaml), the plan Job (plan-job.yaml), the shards' Indexed Job (shards-job.yaml), then, once
# that Job is Complete or Failed (an index that used up its retries fails the Job; `kubectl wait
# --for=condition=complete` alone would wait out its timeout), the report Job (report-job.yaml),
# whose log it prints: the leaderboards, and the cells that are missing or failed with their
# shard. Every manifest's image placeholder is replaced with IMAGE.
#
#   IMAGE=REGISTRY/ganbench:TAG deploy/k8s/run.sh [--timeout SECONDS]
#
# --timeout (default 259200, 72 h) bounds the wait for the shards. Exit 0 when the shards Job
# completed and the report ran, 1 otherwise, 2 for a usage mistake. To run again (e.g. after a
# failure: stored cells are reused, only the others computed), delete the three Jobs first:
#   kubectl delete job ganbench-plan ganbench-shards ganbench-report
# KUBECTL (default kubectl) is the client, with its context and namespace as set.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

timeout=259200
poll=${POLL_SECONDS:-30}
usage="usage: IMAGE=REGISTRY/ganbench:TAG deploy/k8s/run.sh [--timeout SECONDS]"
while [[ $# -gt 0 ]]; do
  case $1 in
  --timeout) timeout=${2:?$usage} && shift 2 ;;
  -h | --help)
    sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
  esac
done
if [[ -z ${IMAGE:-} ]]; then
  echo "run.sh: set IMAGE to your ganbench image (deploy/k8s/Dockerfile, pushed where the cluster pulls from)" >&2
  exit 2
fi
read -r -a kubectl <<<"${KUBECTL:-kubectl}"
placeholder=set-your-registry.invalid/ganbench:set-me

apply() {
  sed "s|$placeholder|$IMAGE|g" "deploy/k8s/$1" | "${kubectl[@]}" apply -f - || exit 1
}

# Prints Complete or Failed once job $1 has ended, or Timeout after $2 seconds.
wait_job() {
  local deadline=$((SECONDS + $2)) state
  while :; do
    state=$("${kubectl[@]}" get "job/$1" -o 'jsonpath={.status.conditions[?(@.status=="True")].type}')
    case " $state " in
    *" Complete "*) echo Complete && return ;;
    *" Failed "*) echo Failed && return ;;
    esac
    if ((SECONDS >= deadline)); then
      echo Timeout
      return
    fi
    sleep "$poll"
  done
}

for job in ganbench-plan ganbench-shards ganbench-report; do
  if "${kubectl[@]}" get "job/$job" >/dev/null 2>&1; then
    echo "run.sh: job $job exists from an earlier run; delete it first: kubectl delete job ganbench-plan ganbench-shards ganbench-report" >&2
    exit 1
  fi
done
apply pvc.yaml
apply plan-job.yaml
plan=$(wait_job ganbench-plan 3600)
if [[ $plan != Complete ]]; then
  "${kubectl[@]}" logs job/ganbench-plan
  echo "run.sh: the plan Job ended $plan: nothing was run" >&2
  exit 1
fi
apply shards-job.yaml
shards=$(wait_job ganbench-shards "$timeout")
echo "run.sh: the shards Job ended: $shards"
# The report either way: what is stored, and which cells are missing.
apply report-job.yaml
report=$(wait_job ganbench-report 3600)
"${kubectl[@]}" logs job/ganbench-report
echo "run.sh: shards $shards, report $report"
[[ $shards == Complete && $report == Complete ]]
