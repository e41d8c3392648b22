#!/bin/bash
# Brings up (idempotently) the single-host HPC testbed: Slurm with GPU partitions, sshd :2222, a registry
# with NGC-shaped images, Apptainer and an nvidia-smi stand-in. Run as root on Debian 12; see the summary.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib/common.sh"
source "$HERE/lib/packages.sh"
source "$HERE/lib/node.sh"
source "$HERE/lib/node-ns.sh"
source "$HERE/lib/slurm.sh"
source "$HERE/lib/sshd.sh"
source "$HERE/lib/neighbour.sh"
source "$HERE/lib/runtimes.sh"
source "$HERE/lib/registry.sh"
source "$HERE/lib/verify.sh"

# Real nvidia-smi captures (copied byte for byte from the shared fixtures into the repo).
FIXTURES_DIR=${QSC_NVIDIA_SMI_FIXTURES:-$(cd "$HERE/../.." && pwd)/test/fixtures/nvidia-smi}

preflight() {
  [[ $EUID -eq 0 ]] || die "up.sh must run as root"
  close_inherited_fds
  grep -q '^VERSION_CODENAME=bookworm' /etc/os-release || log "WARNING: not Debian 12 (bookworm); untested"
  # Only one up.sh/down.sh at a time. Daemons are started with fd 8 closed so they do not keep the lock.
  exec 8>/run/qsc-testbed.lock
  flock -n 8 || die "another up.sh or down.sh is running"
}

print_summary() {
  cat <<EOF

=== qsub-container testbed is up ($((SECONDS)) s) ===
cluster user   $CLUSTER_USER (jobs run as this user; home $CLUSTER_HOME) · hostile neighbour $NEIGHBOUR_USER (group $CACHE_GROUP, key $NEIGHBOUR_KEY)
slurm          nodes $CPU_NODE (CPU only), $GPU_NODE (gpu:h100:2,gpu:v100:2), gpu02 (V100), gpu03 (H100), gpu04 + gpu05 (H100, alike); 8 CPUs each, no accounting (use squeue/scontrol)
partitions     short (default, $CPU_NODE) · gengpu (H100, driver 580.159.04) · gpu-legacy (V100, 525.105.17) · gpu-broken (NVML mismatch, nvidia-smi exits 18)
               gpu-mixed (gpu02 V100 525 + gpu03 H100 580) · gpu-multi (gpu04 + gpu05, each its own /tmp: $NODES_DIR/<node>/tmp)
node drivers   jobs see their node's /proc/driver/nvidia ($NODES_DIR/<node>/proc-driver): $(for n in "${GPU_NODES[@]}"; do printf '%s=%s ' "$n" "$(node_driver "$n")"; done)
               switch one (and restart its slurmd): $HERE/node-driver.sh set NODE PROFILE --restart
ssh            ssh -i $SSH_CLIENT_KEY -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -p $SSH_PORT $CLUSTER_USER@127.0.0.1 sinfo
registry       http://$REGISTRY_ADDR (user $REGISTRY_USER, password in $REGISTRY_PASSWORD_FILE)
               nvidia/pytorch:25.10-py3 = ${PYTORCH_DIGEST:-?}
tool config    $TOOL_CONFIG_DIR/config.json · auth.json (Docker config format) · cache dir $CACHE_DIR
apptainer      $(apptainer version) (also 'singularity'); pull with APPTAINER_NOHTTPS=1 --authfile $TOOL_CONFIG_DIR/auth.json
nvidia-smi     /usr/local/bin/nvidia-smi, answers by the node's driver profile, else \$SLURM_JOB_PARTITION; data $SHARE_DIR/nvidia-smi
old runtimes   $(runtime_releases | sed "s|^|$RUNTIMES_DIR/|; s|$|/bin|" | paste -sd' ') (emulated; not on PATH)
proxy          http://127.0.0.1:3128 (tinyproxy, user qscproxy, password in $STATE_DIR/proxy-password); registry.proxied.test:5005 only through it
logs           $LOG_DIR/ (slurmctld.log, slurmd-<node>.log, sshd.log, registry.log = access log)
more images    $HERE/seed-images.sh FILE · stop: $HERE/down.sh [--purge]
EOF
}

main() {
  preflight
  ensure_dirs
  ensure_packages
  "$HERE/install-apptainer.sh"
  install_runtime_emulations
  ensure_user
  ensure_neighbour
  ensure_fuse
  ensure_fake_gpu_files
  install_nvidia_smi
  bring_up_slurm
  bring_up_sshd
  "$HERE/lib/remote-ssh.sh"
  bring_up_registry
  "$HERE/lib/proxy.sh" up # tinyproxy on :3128 and a registry reachable only through it
  "$HERE/seed-images.sh" "$HERE/images.txt"
  (source "$HERE/lib/token-registry.sh" && bring_up_token_registry) # second registry: Bearer tokens on :5001
  verify_gpu_jobs
  verify_concurrency
  verify_ssh
  verify_neighbour
  verify_node_views
  verify_apptainer
  print_summary
  echo "elapsed: ${SECONDS}s"
}

main "$@"
