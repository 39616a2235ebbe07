#!/usr/bin/env bash
# CI: a single-node Slurm cluster on this Debian machine (as root), for test/slurm/. Idempotent: installs
# Debian's slurm-wlm and munge when missing, writes a minimal /etc/slurm/slurm.conf naming this host and its
# CPUs, and starts munged, slurmctld and slurmd unless they already run. Their pids go to /run/virel-slurm/*.pid
# so whoever started them can stop them by pid (`scripts/ci/slurm.sh stop`).
set -euo pipefail
PIDDIR=/run/virel-slurm
if [ "${1:-}" = "stop" ]; then
  for name in slurmd slurmctld munged; do
    if [ -f "$PIDDIR/$name.pid" ]; then
      pid=$(cat "$PIDDIR/$name.pid")
      kill "$pid" 2>/dev/null || true
      rm -f "$PIDDIR/$name.pid"
    fi
  done
  exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "scripts/ci/slurm.sh: must run as root" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null || { apt-get update >/dev/null && apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null; }
fi
HOST=$(hostname -s)
CPUS=$(nproc)
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm "$PIDDIR"
mkdir -p /run/munge && chown munge:munge /run/munge
if [ ! -f /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
fi
CONF=$(cat <<CONF
# written by virel scripts/ci/slurm.sh: a single-node cluster for tests
ClusterName=virel
SlurmctldHost=$HOST
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPidFile=$PIDDIR/slurmctld.pid
SlurmdPidFile=$PIDDIR/slurmd.pid
MinJobAge=600
NodeName=$HOST CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
)
if [ ! -f /etc/slurm/slurm.conf ] || [ "$(cat /etc/slurm/slurm.conf)" != "$CONF" ]; then
  printf '%s\n' "$CONF" > /etc/slurm/slurm.conf
fi
running() { [ -f "$PIDDIR/$1.pid" ] && kill -0 "$(cat "$PIDDIR/$1.pid")" 2>/dev/null; }
if ! pgrep -x munged >/dev/null; then
  su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=/run/munge/munged.pid"
  sleep 0.5
  cp /run/munge/munged.pid "$PIDDIR/munged.pid"
fi
running slurmctld || /usr/sbin/slurmctld
running slurmd || /usr/sbin/slurmd
for _ in $(seq 1 60); do
  if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then echo "slurm: node $HOST idle ($CPUS CPUs)"; exit 0; fi
  sleep 0.5
done
echo "scripts/ci/slurm.sh: slurm node $HOST did not come up; see /var/log/slurm/" >&2
sinfo >&2 || true
exit 1
