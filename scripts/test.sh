#!/usr/bin/env bash
# The whole test suite on a fresh machine: Node 24 when needed, a clean install, build,
# typecheck, lint, every package's tests (real SQLite, embedded Postgres, real Step-CA).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
echo "node $(node -v), npm $(npm -v)"
. scripts/install-deps.sh
npm test
# One plain closing line with the counts, for readers of CI logs. It also fails the run when
# the report holds a failure, whatever exit code the runner ended with: a dependency that
# calls process.exit(0) on the way out once hid failing tests (see adapter-pg's testing).
node -e '
const r = JSON.parse(require("node:fs").readFileSync(".cache/vitest-results.json", "utf8"));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
if (!r.success || r.numFailedTests > 0 || r.numFailedTestSuites > 0) {
  console.error(`fedtrust: ${r.numFailedTestSuites} test file(s) and ${r.numFailedTests} test(s) failed`);
  process.exit(1);
}
'
