#!/bin/bash
# Run vitest projects (unit, integration) as the unprivileged user `nobody` on a copy of this checkout that nobody may
# write (except dist/, which the integration setup compiles into): proof that these layers need no root and write
# nothing into the tree. Usage (as root): test/tools/without-root.sh PROJECT...
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
(($#)) || { echo "usage: without-root.sh PROJECT..." >&2; exit 2; }
copy=$(mktemp -d /tmp/qsc-without-root.XXXXXX)
trap 'rm -rf "$copy"' EXIT
cd "$ROOT"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$copy"
cp -a node_modules "$copy/"
mkdir "$copy/dist" "$copy/.home"
chmod -R a+rX,go-w "$copy"
chown nobody "$copy/dist" "$copy/.home"
projects=()
for p in "$@"; do projects+=(--project "$p"); done
cd "$copy"
# --configLoader runner: vite would otherwise write the bundled config into node_modules/.vite-temp.
runuser -u nobody -- env -i HOME="$copy/.home" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
  node node_modules/vitest/vitest.mjs run --configLoader runner "${projects[@]}"
