#!/bin/bash
# Runs every testbed provisioning step that handles a password, for test/e2e/provisioning-secrets.test.ts (which runs
# it under strace). Usage: provisioning-secret-paths.sh WORK_DIR REPOSITORY (root; the testbed up).
# Steps that make secrets run on fresh files in WORK_DIR; steps that use the live ones touch only REPOSITORY, the
# test's own: no daemon is restarted, no live password or config file is written.
set -euo pipefail
WORK=$1 REPO=$2
TESTBED=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../deploy/testbed" && pwd)
HERE=$TESTBED # lib/token-registry.sh reads images.txt next to up.sh by default
source "$TESTBED/lib/common.sh"
source "$TESTBED/lib/registry.sh"
source "$TESTBED/lib/token-registry.sh"
source "$TESTBED/lib/sshd.sh"
source "$TESTBED/lib/neighbour.sh"

# New :5000 password, its htpasswd entry (written, then verified without a rewrite), the user's auth.json.
(
  REGISTRY_PASSWORD_FILE=$WORK/registry-password REGISTRY_HTPASSWD=$WORK/registry.htpasswd TOOL_CONFIG_DIR=$WORK/tool-config
  ensure_registry_password
  HTPASSWD_CHANGED=0 && ensure_htpasswd && echo "htpasswd written: $HTPASSWD_CHANGED"
  HTPASSWD_CHANGED=0 && ensure_htpasswd && echo "htpasswd rewritten: $HTPASSWD_CHANGED"
  write_user_credentials
)

# New token-registry passwords and signing key, and the token server's config with their scrypt hashes.
(
  TOKEN_ETC=$WORK/token-etc TOKEN_USERS_FILE=$WORK/token-users.json
  TOKEN_KEY=$TOKEN_ETC/signing-key.pem TOKEN_CERT=$TOKEN_ETC/signing-cert.pem TOKEN_SERVER_CONFIG=$TOKEN_ETC/token-server.json
  ensure_token_secrets
  render_token_server_config >"$TOKEN_SERVER_CONFIG"
)

# A fresh key pair for the hostile neighbour and her authorized_keys, in WORK (her live ones are left alone).
(
  NEIGHBOUR_KEY=$WORK/neighbour-ssh/mallory_ed25519 NEIGHBOUR_HOME=$WORK/neighbour-home
  ensure_neighbour_key
)

# The live proxy with its live password: requests through it, with and without proxy credentials (lib/proxy.sh verify).
"$TESTBED/lib/proxy.sh" verify

# The live registries with the live passwords: the health checks, a seed push to :5000 and its copy to :5001.
ensure_htpasswd # verifies the live entry (rewrites only if it did not verify, which it does)
verify_registry
printf '%s 1 QSC_E2E_REPOSITORY=%s\n' "$REPO" "$REPO" >"$WORK/images.txt"
"$TESTBED/seed-images.sh" "$WORK/images.txt"
seed_token_registry "$WORK/images.txt"
verify_token_registry
# The seed layout keeps a tag per image it built: drop this test's, under the seeder's lock.
flock "$STATE_DIR/seed.lock" bash -c 'umoci rm --image "$1" && umoci gc --layout "${1%:*}"' _ "$STATE_DIR/seed/oci:${REPO//\//_}_1"
