#!/usr/bin/env bash
# A one-node Slurm cluster on this machine: for the Slurm test (deploy/slurm/slurm_test.ts) and for
# trying deploy/slurm/ on one machine before a real cluster.
#
#   scripts/slurm_local.sh start [DIR]   install Slurm and MUNGE if needed (Debian: slurmctld slurmd
#                                        slurm-client munge), start munged, slurmctld and slurmd, and
#                                        wait until the node is idle
#   scripts/slurm_local.sh stop [DIR]    cancel the cluster's jobs, scontrol shutdown, stop munged
#   scripts/slurm_local.sh install       only install the packages (what .ci/run does first)
#
# DIR (default /tmp/ganbench-slurm) holds slurm.conf, the state, logs, pid files and the cluster's
# own MUNGE key; its munged listens on a socket of its own (/run/ganbench-slurm/<hash of DIR>/), so
# clusters in different DIRs (with different SLURM_LOCAL_PORTs) run side by side. After start:
#   export SLURM_CONF=DIR/slurm.conf   (then sbatch, squeue, sinfo, scontrol talk to this cluster)
# Needs root (apt-get and the daemons) and Slurm 22.05 or later (Debian bookworm's). Exit status:
# 0 done, 1 failed, 3 Slurm could not be installed (no root, no apt-get, no package source).
# SLURM_LOCAL_PORT (default 6817) sets slurmctld's port; slurmd takes the next one.
set -uo pipefail

action=${1:-}
dir=${2:-/tmp/ganbench-slurm}
port=${SLURM_LOCAL_PORT:-6817}
conf="$dir/slurm.conf"
export SLURM_CONF="$conf"
packages=(slurmctld slurmd slurm-client munge)

fail() {
  echo "slurm_local: $*" >&2
  exit 1
}

# Installs the packages unless their programs are there; exit 3 when it cannot.
install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
    command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "slurm_local: Slurm is not installed, and installing it needs root and apt-get" >&2
    exit 3
  fi
  local apt=(apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends
    "${packages[@]}")
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" >"$dir/apt.log" 2>&1; then
    apt-get -o DPkg::Lock::Timeout=300 update -q >>"$dir/apt.log" 2>&1
    if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" >>"$dir/apt.log" 2>&1; then
      echo "slurm_local: cannot install ${packages[*]} (see $dir/apt.log)" >&2
      exit 3
    fi
  fi
  # The packages' own services are not wanted: this cluster runs from DIR.
  return 0
}

# This cluster's own munged: its key, pid, log and seed in DIR/munge (private to root), its
# socket in a folder of its own under /run (munged wants every folder above its socket searchable
# by all, which a private DIR is not). No other cluster, nor the system's munged, shares either, so
# stopping one cluster never takes another's authentication down.
munge_dir="$dir/munge"
socket_dir=/run/ganbench-slurm/$(printf %s "$(realpath -m "$dir")" | md5sum | cut -c1-16)
socket="$socket_dir/munge.socket"

# True when this cluster's munged answers on its socket.
munge_alive() {
  munge -S "$socket" -n 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1
}

start_munge() {
  if munge_alive; then
    return 0
  fi
  mkdir -p "$munge_dir" "$socket_dir"
  chmod 700 "$munge_dir"
  chmod 755 /run/ganbench-slurm "$socket_dir"
  if [[ ! -s $munge_dir/munge.key ]]; then
    mungekey --create --keyfile="$munge_dir/munge.key" 2>/dev/null ||
      dd if=/dev/urandom of="$munge_dir/munge.key" bs=1024 count=1 status=none
  fi
  chmod 400 "$munge_dir/munge.key"
  munged --socket="$socket" --key-file="$munge_dir/munge.key" \
    --pid-file="$munge_dir/munged.pid" --log-file="$munge_dir/munged.log" \
    --seed-file="$munge_dir/munged.seed" ||
    fail "munged did not start (see $munge_dir/munged.log)"
  for _ in $(seq 50); do
    munge_alive && return 0
    sleep 0.1
  done
  fail "munged does not answer on $socket (see $munge_dir/munged.log)"
}

write_conf() {
  local host node
  host=$(hostname -s)
  # The node as slurmd sees it (CPUs, sockets, cores, threads, memory).
  node=$(slurmd -C | head -n 1 | sed -E 's/^NodeName=[^ ]+ //; s/ UpTime=.*//')
  mkdir -p "$dir/state" "$dir/spool"
  cat >"$conf" <<CONF
# Written by scripts/slurm_local.sh: a one-node cluster on $host.
ClusterName=ganbench
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# This cluster's munged (see start_munge), never the system's or another cluster's.
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
# No systemd or cgroups here: a job's processes are those of its process group. (linuxproc, the
# other choice without cgroups, parses /proc/PID/stat with sscanf and loses any process whose
# name has a space, such as npm's "npm exec deno@2", with its children: scancel and time limits
# then could not stop them.)
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Without a default memory per CPU, one job is given the whole node and array tasks run one at a time.
DefMemPerCPU=1024
MailProg=/bin/true
# No accounting (sacct answers that it is disabled): finished jobs go to a jobcomp file.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
  mkdir -p "$dir"
  install
  [[ $(id -u) -eq 0 ]] || fail "the daemons need root"
  start_munge
  write_conf
  slurmctld || fail "slurmctld did not start (see $dir/slurmctld.log)"
  slurmd -N "$(hostname -s)" || fail "slurmd did not start (see $dir/slurmd.log)"
  local state=""
  for _ in $(seq 300); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1)
    [[ $state == idle ]] && break
    if [[ $state == down* || $state == drain* ]]; then
      scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1
    fi
    sleep 0.2
  done
  [[ $state == idle ]] || fail "the node is '${state:-unknown}', not idle (see $dir/slurmctld.log)"
  echo "Slurm is up: export SLURM_CONF=$conf"
}

# Waits up to $2 tenths of a second for the process in pid file $1 to end; true when it did.
wait_gone() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  for _ in $(seq "$2"); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

stop() {
  if [[ -f $conf ]]; then
    local jobs
    jobs=$(squeue -h -o %A 2>/dev/null)
    if [[ -n $jobs ]]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null
      for _ in $(seq 100); do
        [[ -z $(squeue -h -o %A 2>/dev/null) ]] && break
        sleep 0.1
      done
    fi
    scontrol shutdown >/dev/null 2>&1
  fi
  for daemon in slurmd slurmctld; do
    if ! wait_gone "$dir/$daemon.pid" 100; then
      kill "$(cat "$dir/$daemon.pid")" 2>/dev/null
      wait_gone "$dir/$daemon.pid" 50 || kill -9 "$(cat "$dir/$daemon.pid")" 2>/dev/null
    fi
  done
  # This cluster's own munged only (see start_munge).
  if [[ -f $munge_dir/munged.pid ]]; then
    kill "$(cat "$munge_dir/munged.pid")" 2>/dev/null
    wait_gone "$munge_dir/munged.pid" 50 || kill -9 "$(cat "$munge_dir/munged.pid")" 2>/dev/null
    rm -f "$munge_dir/munged.pid"
  fi
  rm -rf "$socket_dir"
  echo "Slurm is down"
}

case $action in
install)
  mkdir -p "$dir"
  install
  ;;
start) start ;;
stop) stop ;;
*)
  echo "usage: scripts/slurm_local.sh start|stop|install [DIR]" >&2
  exit 2
  ;;
esac
