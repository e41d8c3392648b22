# Installs the testbed's Debian (bookworm) packages; apt-get runs only when something is missing.

TESTBED_PACKAGES=(
  slurm-wlm munge                          # Slurm 22.05 and its authentication
  openssh-server openssh-client            # the separate sshd on 127.0.0.1:2222
  docker-registry apache2-utils            # Distribution 2.8 registry; htpasswd -B
  umoci skopeo busybox-static              # building and pushing the tiny seed images
  squashfs-tools squashfuse fuse3 uidmap   # what Apptainer needs at run time
  fuse2fs gocryptfs                        # only so every apptainer pull does not print two INFO lines
  patchelf                                 # pointing sid's Apptainer at its private glibc
  curl ca-certificates                     # verification requests to the registry
  strace                                   # e2e: no provisioning process gets a password in its argv
  iptables                                 # lib/proxy.sh: only the proxy's user may reach the proxied registry
)

missing_packages() {
  local pkg
  for pkg in "$@"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]] || echo "$pkg"
  done
}

ensure_packages() {
  local missing
  mapfile -t missing < <(missing_packages "${TESTBED_PACKAGES[@]}")
  if ((${#missing[@]} == 0)); then
    log "packages: all ${#TESTBED_PACKAGES[@]} present"
    return
  fi
  log "packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$LOG_DIR/apt-install.log" 2>&1 ||
    die "apt-get install failed; see $LOG_DIR/apt-install.log"
}
