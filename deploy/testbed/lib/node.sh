# The compute-node side of the testbed: cluster user, shared cache dir, /dev/fuse, fake GPUs, nvidia-smi.

ensure_user() {
  id "$CLUSTER_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$CLUSTER_USER"
  # A locked password ("!") makes sshd refuse even key logins; "*" means "no password, not locked".
  [[ $(getent shadow "$CLUSTER_USER" | cut -d: -f2) == '*' ]] || usermod -p '*' "$CLUSTER_USER"
  [[ $(getent passwd "$CLUSTER_USER" | cut -d: -f7) == /bin/bash ]] || usermod -s /bin/bash "$CLUSTER_USER"
  install -d -m 0700 -o "$CLUSTER_USER" -g "$CLUSTER_USER" "$CLUSTER_HOME/.ssh"
  install -d -m 0755 -o "$CLUSTER_USER" -g "$CLUSTER_USER" "$CLUSTER_HOME/.config" "$TOOL_CONFIG_DIR"
  # setgid so files pulled by any job user keep the cache dir's group.
  install -d -m 2775 -o "$CLUSTER_USER" -g "$CACHE_GROUP" "$CACHE_DIR"
  chmod 2775 "$CACHE_DIR"
  log "user: $CLUSTER_USER ($(id "$CLUSTER_USER")), cache dir $CACHE_DIR"
}

ensure_dirs() {
  install -d -m 0755 "$ETC_DIR" "$STATE_DIR" "$RUN_DIR" "$LOG_DIR"
}

# Apptainer mounts SIF images with squashfuse as the job user; /dev/fuse is root-only (0600) here.
ensure_fuse() {
  [[ -c /dev/fuse ]] || die "/dev/fuse does not exist: Apptainer cannot mount images"
  chmod 0666 /dev/fuse
}

# Slurm's GRES needs a File= per GPU (without it the node goes INVALID). Character devices with the
# major number of /dev/nvidiaN stand in for the GPUs: with no driver loaded, opening one fails with
# ENXIO, exactly like a GPU node whose driver is gone. Plain files would also work, but slurmd then logs
# "not a valid character or block device" on every start.
ensure_fake_gpu_files() {
  local i f
  for i in 0 1 2 3; do
    f=$RUN_DIR/gpu$i
    [[ -c $f ]] && continue
    rm -f "$f"
    mknod -m 0666 "$f" c 195 "$i" 2>/dev/null || touch "$f" # e.g. a nodev mount: plain files still schedule
  done
}

# Every file the stand-in reads: the tables plus each capture profiles.tsv names.
nvidia_smi_data_files() {
  echo profiles.tsv fields.tsv
  awk -F'\t' '!/^#/ { print $2; print $3; print $4; print $5 }' "$HERE/nvidia-smi-data/profiles.tsv" | sort -u
}

# The stand-in plus its data; captures are copied so jobs never read the shared fixtures.
install_nvidia_smi() {
  local data=$SHARE_DIR/nvidia-smi f src changed=0
  install -d -m 0755 "$data"
  for f in $(nvidia_smi_data_files); do
    src=$HERE/nvidia-smi-data/$f
    [[ -f $src ]] || src=$FIXTURES_DIR/$f
    [[ -f $src ]] || die "nvidia-smi capture $f not found in $FIXTURES_DIR (set QSC_NVIDIA_SMI_FIXTURES)"
    put_file "$data/$f" 0644 root:root <"$src"; ((changed += CHANGED)) || true
  done
  put_file /usr/local/bin/nvidia-smi 0755 root:root <"$HERE/nvidia-smi"; ((changed += CHANGED)) || true
  log "nvidia-smi: stand-in at /usr/local/bin/nvidia-smi, data in $data ($changed files updated)"
}
