# Per-node driver views for the GPU nodes (sourced): jobs see their node's own /proc/driver; node-driver.sh switches it.
#
# On a real cluster every GPU node has its own /proc/driver/nvidia (the kernel module's `version`, one
# `gpus/<bus>/information` per GPU) and its own local disk. Here all slurmd share one host, so each GPU node's slurmd
# is started inside a persistent mount namespace ($NS_DIR/<node>, kept alive by a bind mount as `ip netns` does, so it
# outlives slurmd restarts) where /proc/driver is $NODES_DIR/<node>/proc-driver and, for the multi-node partition's
# nodes, /tmp is $NODES_DIR/<node>/tmp. Jobs are children of slurmd: they see their node's files at the real paths.
#
# Not job_container/tmpfs for the node-local /tmp (tried; README "Multi-node"): it needs PrologFlags=Contain on every
# node and the controller, and it keeps each job's namespace by bind-mounting its nsfs file, which this kernel (6.18)
# refuses at random from any namespace but the host's first one (namespace ids come in per-CPU batches; the "loop"
# check compares them): 87 of 100 such binds failed in one node namespace, none in another.

NODES_DIR=$STATE_DIR/nodes
NS_DIR=$RUN_DIR/mntns
NODE_DRIVERS_DIR=$SHARE_DIR/node-drivers

node_dir() { echo "$NODES_DIR/$1"; }
node_ns() { echo "$NS_DIR/$1"; }

# The namespace files must sit on a private mount (unshare refuses to bind a namespace onto a shared one).
ensure_ns_dir() {
  install -d -m 0755 "$NS_DIR"
  mountpoint -q "$NS_DIR" || mount --bind "$NS_DIR" "$NS_DIR"
  mount --make-private "$NS_DIR"
}

ns_alive() { [[ $(findmnt -n -o FSTYPE --mountpoint "$(node_ns "$1")" 2>/dev/null) == nsfs ]]; }

# "mnt:[INODE]" of the node's namespace, as /proc/PID/ns/mnt of a process inside it reads.
ns_id() { printf 'mnt:[%s]\n' "$(stat -L -c %i "$(node_ns "$1")")"; }

# ensure_node_ns NODE [local-tmp]: the node's namespace exists and shows its proc-driver directory at /proc/driver (and,
# with local-tmp, its own tmp directory at /tmp).
ensure_node_ns() {
  local node=$1 ns dir
  ns=$(node_ns "$node") dir=$(node_dir "$node")/proc-driver
  install -d -m 0755 "$(node_dir "$node")" "$dir"
  [[ ${2:-} != local-tmp ]] || install -d -m 1777 "$(node_dir "$node")/tmp"
  if ! ns_alive "$node"; then
    : >"$ns"
    # slave: mounts made on the host still appear inside; the node's own mounts stay inside.
    unshare --mount="$ns" --propagation slave true || die "unshare: cannot make a mount namespace for $node"
    # Its copy of $NS_DIR would hold the other nodes' namespaces alive: jobs never need it.
    nsenter --mount="$ns" umount --lazy "$NS_DIR"
  fi
  nsenter --mount="$ns" mountpoint -q /proc/driver ||
    nsenter --mount="$ns" mount --bind "$dir" /proc/driver || die "cannot bind $dir onto /proc/driver for $node"
  [[ ${2:-} != local-tmp ]] || nsenter --mount="$ns" mountpoint -q /tmp ||
    nsenter --mount="$ns" mount --bind "$(node_dir "$node")/tmp" /tmp || die "cannot bind a node-local /tmp for $node"
}

# Undo ensure_ns_dir and every namespace (down.sh --purge): the slurmd inside must be stopped first.
remove_node_namespaces() {
  local ns
  for ns in "$NS_DIR"/*; do
    [[ -e $ns ]] || continue
    umount "$ns" 2>/dev/null || true
    rm -f "$ns"
  done
  if mountpoint -q "$NS_DIR"; then umount "$NS_DIR" 2>/dev/null || true; fi
}

# The node's driver profile (a directory of $NODE_DRIVERS_DIR), or "none".
node_driver() {
  local profile
  profile=$(cat "$(node_dir "$1")/driver" 2>/dev/null) || profile=none
  echo "${profile:-none}"
}

# set_node_driver NODE PROFILE|none: the node's /proc/driver/nvidia and the stand-in nvidia-smi's answers become the
# profile's (none: no NVIDIA driver files, and nvidia-smi answers by partition as it does for an unswitched node).
# Files change in place under the bound directory, so running jobs see the change at once, as after a module reload.
set_node_driver() {
  local node=$1 profile=$2 dir new
  dir=$(node_dir "$node")
  [[ $profile == none || -d $NODE_DRIVERS_DIR/$profile ]] ||
    die "no driver profile '$profile' (profiles: $(ls "$NODE_DRIVERS_DIR" | paste -sd' '))"
  install -d -m 0755 "$dir/proc-driver"
  new=$dir/proc-driver/.nvidia.new
  rm -rf "$new" "$dir/proc-driver/nvidia"
  rm -f "$dir/nvidia-smi"
  if [[ $profile != none ]]; then
    cp -R "$NODE_DRIVERS_DIR/$profile/nvidia" "$new"
    chmod -R a+rX,go-w "$new"
    mv "$new" "$dir/proc-driver/nvidia"
    install -m 0644 "$NODE_DRIVERS_DIR/$profile/nvidia-smi" "$dir/nvidia-smi"
  fi
  printf '%s\n' "$profile" >"$dir/driver"
}

# The driver profiles' files, copied where node-driver.sh and set_node_driver read them (never from the checkout).
install_node_drivers() {
  local changed=0 f
  while IFS= read -r -d '' f; do
    put_file "$NODE_DRIVERS_DIR/${f#"$HERE/node-drivers/"}" 0644 root:root <"$f"; ((changed += CHANGED)) || true
  done < <(find "$HERE/node-drivers" -type f -print0)
  log "node drivers: profiles $(ls "$NODE_DRIVERS_DIR" | paste -sd' ') in $NODE_DRIVERS_DIR ($changed files updated)"
}
