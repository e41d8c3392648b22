# A second cluster user, hostile (sourced): "mallory", a member of the shared cache's group, who submits Slurm jobs and
# logs in over the testbed sshd with a key of her own, as hpcuser does. Issue 13's tests play her against hpcuser.

NEIGHBOUR_HOME=/home/$NEIGHBOUR_USER
NEIGHBOUR_KEY=$SSH_DIR/${NEIGHBOUR_USER}_ed25519

ensure_neighbour() {
  id "$NEIGHBOUR_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$NEIGHBOUR_USER"
  # "*": no password, not locked (sshd refuses key logins to a locked account).
  [[ $(getent shadow "$NEIGHBOUR_USER" | cut -d: -f2) == '*' ]] || usermod -p '*' "$NEIGHBOUR_USER"
  id -nG "$NEIGHBOUR_USER" | tr ' ' '\n' | grep -qxF "$CACHE_GROUP" || usermod -a -G "$CACHE_GROUP" "$NEIGHBOUR_USER"
  ensure_neighbour_key
  log "neighbour: $NEIGHBOUR_USER ($(id "$NEIGHBOUR_USER")), key $NEIGHBOUR_KEY"
}

# Her key pair (the private key root's only, no passphrase: ssh-keygen writes it, nothing else handles it) and her
# authorized_keys holding exactly its public half.
ensure_neighbour_key() {
  install -d -m 0700 "$(dirname "$NEIGHBOUR_KEY")"
  [[ -s $NEIGHBOUR_KEY ]] || ssh-keygen -q -t ed25519 -N '' -C qsc-testbed-neighbour -f "$NEIGHBOUR_KEY"
  chmod 0600 "$NEIGHBOUR_KEY"
  install -d -m 0700 -o "$NEIGHBOUR_USER" -g "$NEIGHBOUR_USER" "$NEIGHBOUR_HOME/.ssh"
  put_file "$NEIGHBOUR_HOME/.ssh/authorized_keys" 0600 "$NEIGHBOUR_USER:$NEIGHBOUR_USER" <"$NEIGHBOUR_KEY.pub"
}

ssh_as_neighbour() {
  ssh -i "$NEIGHBOUR_KEY" -o UserKnownHostsFile="$SSH_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -o ConnectTimeout=5 -p "$SSH_PORT" "$NEIGHBOUR_USER@127.0.0.1" "$@"
}

# She logs in, submits a job that runs as her, and can write into the shared cache directory.
verify_neighbour() {
  local out id
  out=$(ssh_as_neighbour 'id -un; id -nG') || die "ssh -p $SSH_PORT $NEIGHBOUR_USER@127.0.0.1 failed: $out"
  [[ $out == "$NEIGHBOUR_USER"$'\n'*"$CACHE_GROUP"* ]] || die "$NEIGHBOUR_USER over ssh is not in group $CACHE_GROUP: $out"
  # --quiet: srun's own notes ("queued and waiting for resources", while the concurrency check's cancelled jobs still
  # hold short's CPUs) go to stderr, which is kept here for errors.
  out=$(runuser -u "$NEIGHBOUR_USER" -- env -C "$NEIGHBOUR_HOME" srun --quiet -J qsc-verify -p short -c1 \
    sh -c 'id -un; touch "$1/.neighbour-probe.$$" && rm "$1/.neighbour-probe.$$" && echo writes' _ "$CACHE_DIR" 2>&1) ||
    die "srun as $NEIGHBOUR_USER failed: $out"
  expect_eq "a job of $NEIGHBOUR_USER (user, cache dir)" "${out//$'\n'/ }" "$NEIGHBOUR_USER writes"
}
