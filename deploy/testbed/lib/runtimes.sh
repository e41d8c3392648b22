# Older container runtimes, emulated (sourced): runtimes/emulate wraps the real Apptainer with the flag surface of an
# older release (runtimes/*.conf; facts and sources in runtimes/README.md). Installed under $RUNTIMES_DIR, on no
# default PATH: a test puts $RUNTIMES_DIR/<release>/bin first on the PATH of the jobs it submits.

RUNTIMES_DIR=/opt/qsc-runtimes
# /usr/bin without apptainer and singularity: the rest of a PATH on which only the emulated release is found (Debian's
# /bin is /usr/bin, so a node where only `module load singularity` put a runtime on PATH needs this in their place).
RUNTIMES_SYSTEM_BIN=$RUNTIMES_DIR/usr-bin-without-apptainer
RUNTIME_HIDDEN_COMMANDS=" apptainer singularity run-singularity "

runtime_releases() { local f; for f in "$HERE"/runtimes/*.conf; do f=${f##*/}; echo "${f%.conf}"; done; }

# The value-taking options of the action commands (exec, run, shell, test, instance start), read from the real
# Apptainer's help: the wrapper must skip an option's value to find where the image (and the container's own argv) begins.
render_action_value_flags() {
  apptainer exec --help | awk '
    match($0, /^ +(-[a-zA-Z], )?--[a-z0-9-]+ [a-zA-Z]+/) {
      n = split(substr($0, RSTART, RLENGTH), w, /[ ,]+/)
      for (i = 1; i <= n; i++) if (w[i] ~ /^-/) print w[i]
    }' | sort -u
}

ensure_system_bin_without_apptainer() {
  install -d -m 0755 "$RUNTIMES_SYSTEM_BIN"
  local f name
  for f in /usr/bin/*; do
    name=${f##*/}
    [[ $RUNTIME_HIDDEN_COMMANDS == *" $name "* ]] && continue
    [[ $(readlink "$RUNTIMES_SYSTEM_BIN/$name" 2>/dev/null) == "$f" ]] || ln -sfn "$f" "$RUNTIMES_SYSTEM_BIN/$name"
  done
  # Programs removed from /usr/bin since the last run, and anything hidden that got in.
  for f in "$RUNTIMES_SYSTEM_BIN"/*; do
    name=${f##*/}
    [[ -e /usr/bin/$name && $RUNTIME_HIDDEN_COMMANDS != *" $name "* ]] || rm -f "$f"
  done
}

install_runtime_emulations() {
  local release name changed=0 commands
  put_file "$RUNTIMES_DIR/lib/emulate" 0755 root:root <"$HERE/runtimes/emulate"; ((changed += CHANGED)) || true
  put_file "$RUNTIMES_DIR/action-value-flags" 0644 root:root < <(render_action_value_flags); ((changed += CHANGED)) || true
  [[ -s $RUNTIMES_DIR/action-value-flags ]] || die "no value-taking options found in 'apptainer exec --help'"
  for release in $(runtime_releases); do
    put_file "$RUNTIMES_DIR/$release/release.conf" 0644 root:root <"$HERE/runtimes/$release.conf"; ((changed += CHANGED)) || true
    install -d -m 0755 "$RUNTIMES_DIR/$release/bin"
    commands=$(
      source "$HERE/runtimes/$release.conf"
      echo "$COMMANDS"
    )
    for name in $commands; do
      [[ $(readlink "$RUNTIMES_DIR/$release/bin/$name") == ../../lib/emulate ]] || ln -sfn ../../lib/emulate "$RUNTIMES_DIR/$release/bin/$name"
    done
  done
  ensure_system_bin_without_apptainer
  log "runtimes: $(runtime_releases | paste -sd' ') emulated under $RUNTIMES_DIR ($changed files updated)"
}

# Each emulation answers with its version, refuses what its release lacked, and still runs an image.
verify_runtime_emulations() {
  local release name version got sif=$1
  for release in $(runtime_releases); do
    read -r name version < <(
      source "$HERE/runtimes/$release.conf"
      echo "${COMMANDS%% *} $VERSION"
    )
    got=$("$RUNTIMES_DIR/$release/bin/$name" version)
    [[ $got == "$version" ]] || die "$release: '$name version' printed '$got', expected $version"
    got=$("$RUNTIMES_DIR/$release/bin/$name" pull --authfile /dev/null x.sif docker://example.invalid/x 2>&1 >/dev/null) && die "$release accepted pull --authfile"
    [[ $got == 'Error for command "pull": unknown flag: --authfile'* ]] || die "$release: pull --authfile said '$got'"
    got=$(as_user "$RUNTIMES_DIR/$release/bin/$name exec $sif sh -c 'echo \$CUDA_VERSION'") || die "$release: exec failed: $got"
  done
  log "verified runtime emulations ($(runtime_releases | paste -sd' ')): version, pull --authfile refused, exec runs"
}
