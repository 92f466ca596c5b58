#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for sera's Slurm backend tests and for trying the
# backend without a real cluster. Debian 12 packages (Slurm 22.05), no systemd needed:
#   munged  →  mariadbd + slurmdbd (so `sacct` has job accounting)  →  slurmctld  →  slurmd
#
#   .ci/slurm-up.sh            install what is missing, write the configs, start what is not running
#   .ci/slurm-up.sh status     show what is running
#   .ci/slurm-up.sh down       stop the daemons it started (by their pid files)
#
# Run it as root. It is idempotent: with everything up it only checks that `sinfo` shows the node.
# The database user authenticates through MariaDB's unix socket as the `slurm` OS user, so no
# password is written anywhere. Partitions: `debug` (default) and `urgent`, a higher priority tier
# whose jobs preempt (cancel) `debug` jobs — the tests use it to cause a real preemption.
# The node also advertises two stand-in GPUs (GRES backed by dummy device nodes, no hardware), so
# GPU requests and sacct's gres/gpu accounting can be exercised on a machine without GPUs.
set -euo pipefail

CONF_DIR=/etc/slurm
LOG_DIR=/var/log/slurm
PIDS=(/run/slurmd.pid /run/slurmctld.pid /run/slurmdbd.pid /run/mysqld/mysqld.pid /run/munge/munged.pid)

log() { echo "slurm-up: $*" >&2; }

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # seconds, description, command...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "timed out waiting for $what"
  return 1
}

stop_pidfile() {
  if pid_alive "$1"; then
    local pid; pid=$(cat "$1")
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$1"
}

case "${1:-up}" in
  down)
    for file in "${PIDS[@]}"; do stop_pidfile "$file"; done
    log "stopped"
    exit 0 ;;
  status)
    for file in "${PIDS[@]}"; do
      if pid_alive "$file"; then echo "up    $file ($(cat "$file"))"; else echo "down  $file"; fi
    done
    sinfo 2>/dev/null || true
    exit 0 ;;
  up) ;;
  *) echo "usage: $0 [up|status|down]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then log "run me as root"; exit 2; fi

packages=()
command -v slurmctld >/dev/null || packages+=(slurmctld)
command -v slurmd >/dev/null || packages+=(slurmd)
command -v sbatch >/dev/null || packages+=(slurm-client)
command -v slurmdbd >/dev/null || packages+=(slurmdbd)
command -v munged >/dev/null || packages+=(munge)
command -v mariadbd >/dev/null || packages+=(mariadb-server)
if [ "${#packages[@]}" -gt 0 ]; then
  log "installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# --- munge -------------------------------------------------------------------------------------
if ! pid_alive /run/munge/munged.pid; then
  mkdir -p /run/munge && chown munge:munge /run/munge
  [ -s /etc/munge/munge.key ] || runuser -u munge -- mungekey --create
  runuser -u munge -- /usr/sbin/munged
  wait_for 10 munged bash -c 'munge -n | unmunge'
fi

# --- MariaDB + the accounting database ------------------------------------------------------------
if ! pid_alive /run/mysqld/mysqld.pid; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  (setsid /usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 >/var/log/sera-mariadb.log 2>&1 &)
  wait_for 30 mariadbd mariadb-admin ping
fi
mariadb <<'SQL'
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED VIA unix_socket;
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
SQL

# --- configuration --------------------------------------------------------------------------------
# Daemons talk over 127.0.0.1, so the machine's hostname need not resolve.
host=$(hostname -s)
node_line=$(slurmd -C | head -1)
cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$node_line")
memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node_line")
memory=$((memory * 9 / 10)) # leave the OS some room, as slurmd -C reports all of it

mkdir -p "$CONF_DIR" "$LOG_DIR" /var/lib/slurm/slurmctld /var/lib/slurm/slurmd

# Two stand-in GPUs, so jobs can request --gres=gpu:N and sacct reports gres/gpu in AllocTRES. They
# are device nodes with /dev/null's numbers (regular files where mknod is not allowed, which slurmd
# logs as an error but still counts): no GPU exists behind them.
FAKE_GPUS=/var/lib/slurm/fake-gpus
mkdir -p "$FAKE_GPUS"
for n in 0 1; do
  [ -e "$FAKE_GPUS/gpu$n" ] || mknod -m 666 "$FAKE_GPUS/gpu$n" c 1 3 2>/dev/null || touch "$FAKE_GPUS/gpu$n"
done
chown slurm:slurm "$LOG_DIR" /var/lib/slurm/slurmctld /var/lib/slurm/slurmd

new_conf=$(cat <<EOF
# Written by sera's .ci/slurm-up.sh: a single-node test cluster.
ClusterName=local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=512
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
ReturnToService=2
MpiDefault=none
KillWait=10
# Start batch jobs at submit time instead of batching their scheduling for up to 3 s (the default).
SchedulerParameters=batch_sched_delay=0
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=2
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageTRES=gres/gpu
GresTypes=gpu
PreemptType=preempt/partition_prio
PreemptMode=CANCEL
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP PriorityTier=1
PartitionName=urgent Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=2
EOF
)
new_gres_conf=$(cat <<EOF
# Written by sera's .ci/slurm-up.sh: stand-in GPUs for accounting tests, not real devices.
AutoDetect=off
Name=gpu File=$FAKE_GPUS/gpu[0-1]
EOF
)
new_dbd_conf=$(cat <<EOF
# Written by sera's .ci/slurm-up.sh.
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
PidFile=/run/slurmdbd.pid
LogFile=$LOG_DIR/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StorageLoc=slurm_acct_db
EOF
)

changed=0
if [ "$(cat "$CONF_DIR/slurm.conf" 2>/dev/null)" != "$new_conf" ]; then
  printf '%s\n' "$new_conf" >"$CONF_DIR/slurm.conf"
  changed=1
fi
if [ "$(cat "$CONF_DIR/gres.conf" 2>/dev/null)" != "$new_gres_conf" ]; then
  printf '%s\n' "$new_gres_conf" >"$CONF_DIR/gres.conf"
  changed=1
fi
if [ "$(cat "$CONF_DIR/slurmdbd.conf" 2>/dev/null)" != "$new_dbd_conf" ]; then
  printf '%s\n' "$new_dbd_conf" >"$CONF_DIR/slurmdbd.conf"
  changed=1
fi
chown slurm:slurm "$CONF_DIR/slurmdbd.conf" && chmod 600 "$CONF_DIR/slurmdbd.conf"
if [ "$changed" = 1 ]; then
  log "configuration written; restarting any running Slurm daemons"
  for file in /run/slurmd.pid /run/slurmctld.pid /run/slurmdbd.pid; do stop_pidfile "$file"; done
fi

# --- daemons --------------------------------------------------------------------------------------
if ! pid_alive /run/slurmdbd.pid; then
  /usr/sbin/slurmdbd
  wait_for 30 slurmdbd sacctmgr -n list cluster
fi
sacctmgr -n -P list cluster format=Cluster | grep -qx local || sacctmgr -i add cluster local >/dev/null
if ! pid_alive /run/slurmctld.pid; then
  /usr/sbin/slurmctld
  wait_for 30 slurmctld scontrol ping
fi
if ! pid_alive /run/slurmd.pid; then
  /usr/sbin/slurmd
fi
# A node drained under an earlier configuration comes back once the new one is in place.
scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
wait_for 60 "the node to be idle" bash -c "sinfo -h -N -o '%T' | grep -qE '^(idle|mixed|allocated)'"
sinfo
