#!/bin/bash
# Build qsub-container from this checkout and install it as a package under a prefix (default /opt/qsub-container),
# linked as /usr/local/bin/qsub-container, so every user (the testbed's hpcuser too) runs the same build.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${1:-/opt/qsub-container}
cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# npm pack runs the prepack build and packs exactly the published files.
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
npm install --global --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "$work/$tarball"
ln -sfn "$PREFIX/bin/qsub-container" /usr/local/bin/qsub-container
echo "installed $(qsub-container --help >/dev/null && echo qsub-container) from $ROOT into $PREFIX"
