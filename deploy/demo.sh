#!/bin/bash
# The demo: bring up the testbed, install qsub-container, then as the cluster user submit TensorFlow jobs to
# two GPU partitions with different drivers, and a repeat that reuses the cached image. Prints each job's output.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER_USER=hpcuser

bash "$ROOT/deploy/testbed/up.sh"
bash "$ROOT/deploy/install.sh"

# A fresh cache directory for the demo, so its first job shows the pull and the repeat shows the reuse.
DEMO_CACHE=/srv/qsc-cache/demo
rm -rf "$DEMO_CACHE"
install -d -o "$CLUSTER_USER" -g "$CLUSTER_USER" -m 2775 "$DEMO_CACHE"

as_user() { runuser -u "$CLUSTER_USER" -- env -C "/home/$CLUSTER_USER" QSUB_CONTAINER_CACHE_DIR="$DEMO_CACHE" "$@"; }

# Follow a job until it leaves the queue (no accounting on the testbed: scontrol knows it for MinJobAge).
wait_job() {
  local id=$1 state
  for _ in $(seq 1 300); do
    state=$(scontrol show job -o "$id" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)
    case "$state" in
      COMPLETED) return 0 ;;
      FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        echo "job $id ended $state" >&2
        return 1 ;;
    esac
    sleep 1
  done
  echo "job $id did not finish in 300 s" >&2
  return 1
}

run_demo_job() {
  local partition=$1 id out
  echo
  echo "\$ qsub-container --gpu tensorflow -p $partition -- sh -c 'echo CUDA=\$CUDA_VERSION'"
  id=$(as_user qsub-container --gpu tensorflow -p "$partition" -- sh -c 'echo CUDA=$CUDA_VERSION')
  echo "job $id submitted; waiting"
  out=$(scontrol show job -o "$id" | grep -o 'StdOut=[^ ]*' | cut -d= -f2)
  wait_job "$id"
  echo "--- output of job $id ($out) ---"
  cat "$out"
}

run_demo_job gengpu
run_demo_job gpu-legacy
run_demo_job gengpu
echo
echo "demo done: gengpu (driver 580.159.04) ran the newest tensorflow tag, gpu-legacy (525.105.17) an older one,"
echo "and the repeat on gengpu reused the cached image instead of pulling."
