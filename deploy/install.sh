#!/bin/bash
# Build qsub-container from this checkout and install it as a package under a prefix, so every user (the testbed's
# hpcuser too) runs the same build. Usage: install.sh [PREFIX] [--no-link]
# Default PREFIX /opt/qsub-container, linked as /usr/local/bin/qsub-container unless --no-link (e2e test installs).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=/opt/qsub-container
LINK=1
for arg in "$@"; do
  case $arg in
    --no-link) LINK=0 ;;
    -*) echo "usage: install.sh [PREFIX] [--no-link]" >&2; exit 2 ;;
    *) PREFIX=$arg ;;
  esac
done
cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# npm pack runs the prepack build and packs exactly the published files.
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
npm install --global --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "$work/$tarball"
((LINK)) && ln -sfn "$PREFIX/bin/qsub-container" /usr/local/bin/qsub-container
"$PREFIX/bin/qsub-container" --help >/dev/null
echo "installed qsub-container from $ROOT into $PREFIX"
