# End-to-end checks run by up.sh as the cluster user: GPU jobs, concurrency, Apptainer against the registry.

expect_eq() { # expect_eq WHAT GOT WANT
  [[ $2 == "$3" ]] || die "$1: got '$2', expected '$3'"
  log "verified $1 -> $2"
}

job_finished() { [[ -z $(squeue -h -j "$1" -o %i 2>/dev/null) ]]; }

verify_gpu_jobs() {
  local id out
  id=$(as_user "sbatch --parsable -J qsc-verify -p gengpu --gres=gpu:1 -o /tmp/qsc-verify-%j.out \
    --wrap 'nvidia-smi --query-gpu=driver_version,name --format=csv,noheader'") || die "sbatch on gengpu failed"
  # Polled rather than sbatch --wait, which sleeps 10 s between its own checks.
  wait_until 60 job_finished "$id" || die "sbatch job $id on gengpu did not finish within 60 s"
  out=$(cat "/tmp/qsc-verify-$id.out"); rm -f "/tmp/qsc-verify-$id.out"
  expect_eq "sbatch -p gengpu nvidia-smi" "$out" "580.159.04, NVIDIA H100 80GB HBM3"
  out=$(as_user "srun -J qsc-verify -p gpu-legacy --gres=gpu:1 nvidia-smi --query-gpu=driver_version --format=csv,noheader") ||
    die "srun on gpu-legacy failed: $out"
  expect_eq "srun -p gpu-legacy nvidia-smi" "$out" "525.105.17"
  out=$(sinfo -h -p short -o %G)
  expect_eq "GRES of partition short" "$out" "(null)"
}

running_count() { squeue -h -t R -j "$1" 2>/dev/null | wc -l; }

# 8 one-CPU jobs must run at once on the 2-core CPU node (CPUs=8 via config_overrides).
verify_concurrency() {
  local ids
  ids=$(as_user 'for i in 1 2 3 4 5 6 7 8; do sbatch --parsable -J qsc-verify -p short -n1 -o /dev/null --wrap "sleep 30"; done' | paste -sd,)
  if wait_until 20 bash -c "(( \$(squeue -h -t R -j $ids | wc -l) == 8 ))"; then
    scancel ${ids//,/ } # word splitting intended: one argument per job id
    log "verified 8 one-CPU jobs running at once on $CPU_NODE ($(sinfo -h -n "$CPU_NODE" -o %c) CPUs)"
    return
  fi
  local running; running=$(running_count "$ids")
  scancel ${ids//,/ } # word splitting intended: one argument per job id
  # Other users' jobs may hold CPUs when up.sh re-runs on a busy testbed: only warn then.
  if [[ -n $(squeue -h -p short -t R -o %i | grep -vxF -f <(tr , '\n' <<<"$ids") || true) ]]; then
    log "WARNING: only $running of 8 test jobs ran at once, but other jobs occupy partition short"
  else
    die "only $running of 8 one-CPU jobs ran at once on $CPU_NODE (CPUs=$(sinfo -h -n "$CPU_NODE" -o %c))"
  fi
}

# Pull by tag (with --authfile) and by digest, exec, and exec --nv, all as the cluster user.
verify_apptainer() {
  local tmp image=nvidia/pytorch:25.10-py3 digest out
  tmp=$(as_user 'mktemp -d /tmp/qsc-verify-apptainer.XXXXXX')
  local env="APPTAINER_CACHEDIR=$tmp/cache APPTAINER_NOHTTPS=1"
  as_user "$env apptainer -q pull --authfile $TOOL_CONFIG_DIR/auth.json $tmp/tag.sif docker://$REGISTRY_ADDR/$image" ||
    die "apptainer pull --authfile of $image failed"
  out=$(as_user "apptainer exec $tmp/tag.sif sh -c 'echo \$CUDA_VERSION'")
  expect_eq "apptainer exec $image: \$CUDA_VERSION" "$out" "13.0.2.006"
  out=$(as_user "apptainer exec --nv $tmp/tag.sif true 2>&1") || die "apptainer exec --nv failed: $out"
  # The stand-in nvidia-smi on PATH counts as an "nv file": --nv binds it and prints no warning.
  log "verified apptainer exec --nv exits 0 (its stderr: ${out:-empty})"
  digest=$(registry_manifest_digest nvidia/pytorch 25.10-py3)
  as_user "$env apptainer -q pull --authfile $TOOL_CONFIG_DIR/auth.json $tmp/digest.sif docker://$REGISTRY_ADDR/nvidia/pytorch@$digest" ||
    die "apptainer pull by digest ($digest) failed"
  out=$(as_user "apptainer exec $tmp/digest.sif sh -c 'echo \$CUDA_VERSION'")
  expect_eq "apptainer pull by digest nvidia/pytorch@$digest" "$out" "13.0.2.006"
  verify_runtime_emulations "$tmp/tag.sif"
  rm -rf "$tmp"
  PYTORCH_DIGEST=$digest
}

# Jobs see their node's own driver files (gpu-multi: H100 580 on both; gengpu's gpu01: none, as before) and, on
# gpu-multi, a /tmp of their node's own: what one task writes there the other node's task does not see.
verify_node_views() {
  local out task='echo "$SLURMD_NODENAME" >/tmp/qsc-verify-node; sleep 1
    echo "$SLURMD_NODENAME" "$(cat /tmp/qsc-verify-node)" "$(grep -o "[0-9]*\.[0-9]*\.[0-9]*" /proc/driver/nvidia/version | head -n 1)"
    rm -f /tmp/qsc-verify-node'
  out=$(as_user "srun -J qsc-verify -p gpu-multi -N2 -n2 -c1 bash -c $(printf %q "$task")") || die "srun -N2 on gpu-multi failed: $out"
  expect_eq "srun -N2 -p gpu-multi: node, its /tmp, its driver file" "$(sort <<<"$out" | paste -sd' ')" "gpu04 gpu04 580.159.04 gpu05 gpu05 580.159.04"
  out=$(as_user "srun -J qsc-verify -p gengpu -c1 sh -c 'ls /proc/driver/nvidia 2>&1 || true'")
  [[ $out == *"No such file"* ]] || die "gengpu's node shows /proc/driver/nvidia by default: $out"
  [[ ! -e /proc/driver/nvidia ]] || die "the host's own /proc/driver/nvidia exists: a node's bind mount leaked"
  log "verified gengpu's node has no /proc/driver/nvidia (its default), nor has the host"
}
