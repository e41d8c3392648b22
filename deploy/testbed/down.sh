#!/bin/bash
# Stops every testbed daemon up.sh started; --purge also deletes testbed state (not installed packages).
# Usage: down.sh [--purge]     Idempotent: stopping what is not running is not an error.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib/common.sh"
source "$HERE/lib/node-ns.sh"
source "$HERE/lib/slurm.sh"
source "$HERE/lib/sshd.sh"
source "$HERE/lib/registry.sh"

PURGE=0
case ${1:-} in
  --purge) PURGE=1 ;;
  "") ;;
  *) die "usage: down.sh [--purge]" ;;
esac

# With --purge the job state goes away, so running jobs are cancelled rather than orphaned.
cancel_jobs() {
  pid_alive "$CTLD_PID" slurmctld || return 0
  local ids
  mapfile -t ids < <(squeue -h -o %i 2>/dev/null || true)
  ((${#ids[@]})) || return 0
  log "cancelling jobs ${ids[*]}"
  scancel "${ids[@]}" || true
  wait_until 15 bash -c '[[ -z $(squeue -h -o %i 2>/dev/null) ]]' || log "WARNING: jobs still listed: $(squeue -h -o %i | paste -sd' ')"
}

purge_state() {
  local auth=$CLUSTER_HOME/.ssh/authorized_keys
  if [[ -f $auth && -f $SSH_CLIENT_KEY.pub ]]; then
    grep -vxF -f "$SSH_CLIENT_KEY.pub" "$auth" >"$auth.tmp" || true
    cat "$auth.tmp" >"$auth" && rm -f "$auth.tmp"
  fi
  remove_node_namespaces
  rm -rf /var/spool/slurmctld /var/spool/slurmd "$STATE_DIR" "$ETC_DIR" "$RUN_DIR" "$LOG_DIR" \
    "$CACHE_DIR" "$TOOL_CONFIG_DIR" /var/cache/qsc-testbed
  log "purged Slurm spool, registry storage, secrets and keys, cache dir, logs and tool config"
}

main() {
  [[ $EUID -eq 0 ]] || die "down.sh must run as root"
  close_inherited_fds
  exec 8>/run/qsc-testbed.lock
  flock -n 8 || die "another up.sh or down.sh is running"
  ((PURGE)) && cancel_jobs
  stop_slurm
  stop_pidfile "$MUNGE_PID" munged
  stop_pidfile "$SSHD_PID" sshd
  stop_pidfile "$RUN_DIR/bastion-sshd.pid" sshd # lib/remote-ssh.sh's ProxyJump bastion on :2223
  stop_pidfile "$REGISTRY_PID" docker-registry
  "$HERE/lib/proxy.sh" down # tinyproxy, the proxied registry, their iptables chain and /etc/hosts line
  (source "$HERE/lib/token-registry.sh" && stop_pidfile "$TOKEN_REGISTRY_PID" docker-registry && stop_pidfile "$TOKEN_SERVER_PID" node)
  ((PURGE)) && purge_state
  log "testbed stopped"
}

main "$@"
