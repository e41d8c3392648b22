# Handing passwords to tools without putting them on a command line: every user on the machine can read a
# process's argv (ps, /proc/PID/cmdline). curl reads its credentials as a config on stdin, skopeo from a 0600
# auth file removed when the shell exits, htpasswd from stdin (lib/registry.sh). Sourced by lib/registry.sh.

# curl_credentials USER PASSWORD: a curl config line naming the credentials, for `curl -K -` (config on stdin).
# A function, not a program: its arguments never reach an argv.
curl_credentials() {
  local value="$1:$2"
  value=${value//\\/\\\\}
  value=${value//\"/\\\"}
  printf 'user = "%s"\n' "$value"
}

# The files this shell made (a subshell starts its own list, so it never removes its parent's files).
SECRET_FILES=()
SECRET_FILES_PID=$BASHPID
remove_secret_files() {
  ((${#SECRET_FILES[@]} == 0)) || rm -f -- "${SECRET_FILES[@]}"
  SECRET_FILES=()
}

# new_authfile VAR REGISTRY USER PASSWORD: sets VAR to a new 0600 file in Docker config.json format holding these
# credentials (for skopeo --authfile / --src-authfile / --dest-authfile), removed when this shell exits, die
# included. Call it directly, not inside $(...): that subshell would remove the file when it ends.
new_authfile() {
  local -n authfile_var=$1
  local auth file
  if [[ $SECRET_FILES_PID != "$BASHPID" ]]; then SECRET_FILES=() SECRET_FILES_PID=$BASHPID; fi
  file=$(mktemp) # 0600 and root's: readable by no one else
  SECRET_FILES+=("$file")
  trap remove_secret_files EXIT
  auth=$(printf '%s:%s' "$3" "$4" | base64 -w0)
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$2" "$auth" >"$file"
  authfile_var=$file
}
