#!/bin/bash
# Switches one GPU node's NVIDIA driver stand-in (its /proc/driver/nvidia and nvidia-smi answers) and, with --restart,
# restarts that node's slurmd as a driver upgrade does (SlurmdStartTime changes). Run as root on the running testbed.
#
#   node-driver.sh show NODE                      prints the node's driver profile (or "none")
#   node-driver.sh set NODE PROFILE|none [--restart]
#   node-driver.sh restart NODE                   restarts the node's slurmd; waits until it registered again
#   node-driver.sh profiles                       lists the profiles (node-drivers/)
#
# Jobs already running on the node keep running (slurmd restarts leave them alone) and see the new files at once.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib/common.sh"
source "$HERE/lib/node-ns.sh"
source "$HERE/lib/slurm.sh"

usage() { die "usage: node-driver.sh show NODE | set NODE PROFILE|none [--restart] | restart NODE | profiles"; }

gpu_node() { is_gpu_node "$1" || die "$1 is not a GPU node of the testbed (${GPU_NODES[*]})"; }

slurmd_start_time() { scontrol show node -o "$1" | grep -o 'SlurmdStartTime=[^ ]*' | cut -d= -f2; }

# The slurmd is stopped and started again in the node's namespace; done once slurmctld has its new start time.
restart_node() {
  local node=$1 before
  before=$(slurmd_start_time "$node")
  # SlurmdStartTime has a one-second resolution: start in a later second than the last start, or none would show.
  while (($(date +%s) <= $(date -d "$before" +%s))); do sleep 0.2; done
  # Same lock as up.sh/down.sh: never two daemon managers at once (daemons start with fd 8 closed).
  exec 8>/run/qsc-testbed.lock
  flock -w 120 8 || die "up.sh or down.sh holds /run/qsc-testbed.lock"
  stop_pidfile "$(slurmd_pid "$node")" slurmd
  start_slurmd "$node"
  exec 8>&-
  wait_until 60 bash -c '[[ $(scontrol show node -o "$1" | grep -o "SlurmdStartTime=[^ ]*" | cut -d= -f2) != "$2" ]]' _ "$node" "$before" ||
    die "slurmd of $node restarted, but slurmctld still shows SlurmdStartTime=$before"
  wait_until 30 node_usable "$node" || die "$node is '$(node_state "$node")' after its slurmd restarted"
  log "$node: slurmd restarted (SlurmdStartTime $before -> $(slurmd_start_time "$node")), driver $(node_driver "$node")"
}

main() {
  [[ $EUID -eq 0 ]] || die "node-driver.sh must run as root"
  close_inherited_fds
  case ${1:-} in
    show)
      (($# == 2)) || usage
      gpu_node "$2"
      node_driver "$2"
      ;;
    set)
      (($# == 3 || $# == 4)) || usage
      [[ $# == 3 || $4 == --restart ]] || usage
      gpu_node "$2"
      set_node_driver "$2" "$3"
      log "$2: driver profile $3"
      [[ ${4:-} != --restart ]] || restart_node "$2"
      ;;
    restart)
      (($# == 2)) || usage
      gpu_node "$2"
      restart_node "$2"
      ;;
    profiles) ls "$NODE_DRIVERS_DIR" ;;
    *) usage ;;
  esac
}

main "$@"
