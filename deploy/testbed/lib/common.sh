# Shared names, paths and small helpers for the testbed scripts (sourced, never run).

CLUSTER_USER=hpcuser
CLUSTER_HOME=/home/$CLUSTER_USER
# A second, hostile cluster user in the cache's group (lib/neighbour.sh).
NEIGHBOUR_USER=mallory
ETC_DIR=/etc/qsc-testbed
STATE_DIR=/var/lib/qsc-testbed
RUN_DIR=/run/qsc-testbed
LOG_DIR=/var/log/qsc-testbed
CACHE_DIR=/srv/qsc-cache
# The shared cache directory's group (ensure_user makes it the cluster user's own): the hostile neighbour joins it.
CACHE_GROUP=$CLUSTER_USER
SHARE_DIR=/usr/local/share/qsc-testbed
TOOL_CONFIG_DIR=$CLUSTER_HOME/.config/qsub-container

REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_USER=qsc
REGISTRY_PASSWORD_FILE=$STATE_DIR/registry-password
SSH_PORT=2222
SSH_DIR=$STATE_DIR/ssh

CPU_NODE=cpu01
GPU_NODE=gpu01

log() { printf '[testbed %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf '[testbed] ERROR: %s\n' "$*" >&2; exit 1; }

# wait_until SECONDS CMD...: poll CMD every 0.2 s; non-zero when it never succeeded.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# running PID: the process exists and is not a zombie (PID 1 here may reap exited daemons late).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# pid_alive PIDFILE [NAME]: the pid in PIDFILE is running (and its command name is NAME, if given),
# so a stale pid file whose number was reused by another process does not count.
pid_alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && running "$pid" || return 1
  [[ -z ${2:-} ]] || [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2"* ]]
}

# stop_pidfile PIDFILE NAME: TERM the daemon, wait, then KILL it if it lingers.
stop_pidfile() {
  pid_alive "$1" "$2" || { rm -f "$1"; return 0; }
  local pid; pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  if ! wait_until 10 eval "! running $pid"; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
  log "stopped $2 (pid $pid)"
}

# Daemons started by these scripts must not inherit the caller's descriptors: `flock LOCK up.sh` hands the lock's fd to
# the script, and a daemon keeping it would hold that lock (every e2e run waits on it) for as long as it runs.
close_inherited_fds() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2 && fd != 255)) || continue
    eval "exec $fd>&-"
  done
}

# put_file DEST MODE OWNER: write stdin to DEST only when the content differs; sets CHANGED=1/0 so
# callers can restart a daemon only when its config really changed. Feed it with `< <(cmd)` rather than
# a pipe when CHANGED matters: a pipeline runs put_file in a subshell and the flag would be lost.
put_file() {
  local dest=$1 mode=$2 owner=$3 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [[ -f $dest ]] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"; CHANGED=0
  else
    install -D -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$tmp" "$dest"
    rm -f "$tmp"; CHANGED=1
  fi
  chmod "$mode" "$dest"; chown "$owner" "$dest"
}

# as_user CMD: run a shell command as the cluster user, in a login environment (HOME, cwd = home).
# What both testbed registries share: one access-log line per request (tests count them), deletable filesystem
# storage. Usage: render_registry_base STORAGE_DIR LISTEN_ADDR; the caller writes its header and auth section.
render_registry_base() {
  cat <<EOF
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $1
  delete:
    enabled: true
http:
  addr: $2
EOF
}

# The lines every testbed sshd shares: loopback only, key logins for the cluster user alone, a VERBOSE log (tests
# count "Accepted publickey" lines). Usage: render_sshd_base PORT HOST_KEY PID_FILE
render_sshd_base() {
  cat <<EOF
Port $1
ListenAddress 127.0.0.1
HostKey $2
PidFile $3
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PermitRootLogin no
AllowUsers $CLUSTER_USER
LogLevel VERBOSE
EOF
}

as_user() { runuser -l "$CLUSTER_USER" -c "$1"; }

# debian_mirror_uri: the main Debian archive URI this machine's apt already uses (never hard-coded).
debian_mirror_uri() {
  local uri
  uri=$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  [[ -n $uri ]] || die "no Debian mirror URI found in /etc/apt/sources.list{,.d}"
  printf '%s\n' "${uri%/}"
}

registry_password() { cat "$REGISTRY_PASSWORD_FILE"; }
