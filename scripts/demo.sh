#!/usr/bin/env bash
# The main job on embedded defaults: two gateways (SQLite + in-process CA) enrol and query
# each other over mTLS on loopback. Extra arguments go to the demo (--json, --store pg, --ca stepca).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
[ -d node_modules/.bin ] && [ node_modules/.package-lock.json -nt package-lock.json ] || . scripts/install-deps.sh
npm run --silent build >/dev/null
exec node examples/two-gateways/dist/main.js "$@"
