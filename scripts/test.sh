#!/usr/bin/env bash
# The whole test suite on a fresh machine: Node 24 when needed, a clean install, build,
# typecheck, lint, every package's tests (real SQLite, embedded Postgres, real Step-CA).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
echo "node $(node -v), npm $(npm -v)"
. scripts/install-deps.sh
npm test
