#!/bin/bash
# The whole test suite on a fresh Debian 12 machine as root: testbed up, dependencies installed, checks, unit,
# integration and e2e tests.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
started=$SECONDS
bash deploy/testbed/up.sh
npm ci --no-audit --no-fund
npm run typecheck
npm run format:check
npm run lint
# The three test layers, fastest first. Unit and integration need no root: they run as `nobody` on a copy of the
# tree that nobody may write.
bash test/tools/without-root.sh unit
bash test/tools/without-root.sh integration
# e2e's global setup installs this build for the cluster user (deploy/install.sh) and checks the testbed.
npx vitest run --project e2e
echo "all tests passed in $((SECONDS - started)) s"
