#!/usr/bin/env bash
# A single-node Slurm on this machine, for testing the job-array path (tests/slurm.rs):
#
#   scripts/slurm/local-cluster.sh start DIR   # prints the SLURM_CONF to use
#   scripts/slurm/local-cluster.sh stop DIR
#
# Needs root (the daemons run as root) and Debian's slurm-wlm and munge, installed here with
# apt-get when missing. Everything lives in DIR: a generated munge key and socket, slurm.conf,
# state, spool, logs and the daemons' pid files; `stop` ends exactly the daemons whose pid files
# are in DIR. Ports 16817/16818, so a cluster already on this host is not disturbed.
set -euo pipefail
die() { printf 'local-cluster: %s\n' "$*" >&2; exit 2; }
[[ $# -eq 2 ]] || die "usage: $0 start|stop DIR"
cmd="$1"; dir="$2"
[[ "$dir" == /* ]] || die "DIR must be absolute, got '$dir'"

stop_pid() { # pid file: end the process it names, wait for it
  local f="$1" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

case "$cmd" in
stop)
  stop_pid "$dir/slurmd.pid"
  stop_pid "$dir/slurmctld.pid"
  stop_pid "$dir/munged.pid"
  exit 0 ;;
start) ;;
*) die "unknown command '$cmd' (start or stop)" ;;
esac

[[ $(id -u) -eq 0 ]] || die "the daemons run as root: run as root"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || die "slurm-wlm and munge are missing and there is no apt-get"
  log="$(mktemp)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge; } >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; die "apt-get could not install slurm-wlm munge"
  fi
  rm -f "$log"
fi

host="$(hostname -s)"
mkdir -p "$dir"/{state,spool,munge}
chmod 700 "$dir/munge"
# munge wants a key only its user can read, of at least 32 bytes.
[[ -f "$dir/munge/munge.key" ]] || { head -c 1024 /dev/urandom >"$dir/munge/munge.key"; chmod 400 "$dir/munge/munge.key"; }
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed"

cat >"$dir/slurm.conf" <<CONF
ClusterName=iommutb
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
# Ready when the node is idle (or mixed/allocated, if jobs came in already).
for _ in $(seq 150); do
  state="$(sinfo -h -n "$host" -o %T 2>/dev/null || true)"
  case "$state" in idle*|mix*|alloc*) echo "$SLURM_CONF"; exit 0 ;; esac
  sleep 0.2
done
die "the node did not come up within 30 s (state '${state:-none}'; see $dir/slurmctld.log, $dir/slurmd.log)"
