#!/usr/bin/env bash
# Source this file after ensure-node.sh: installs the workspace from package-lock.json.
# `npm ci` is tried first. npm 11 rejects a lockfile whose optional platform packages are
# not served by the registry it talks to (e.g. @biomejs/cli-android-arm64 here; npm/cli
# issue 9846), even though `npm install` resolves the same tree from the same lockfile.
# Only in that case do we fall back to `npm install`, which keeps the locked versions.
if ! npm ci --no-audit --no-fund 2>/tmp/fedtrust-npm-ci.err; then
  if grep -q 'EUSAGE' /tmp/fedtrust-npm-ci.err; then
    echo "fedtrust: npm ci refused the lockfile over optional platform packages this registry lacks; using npm install" >&2
    npm install --no-audit --no-fund
  else
    cat /tmp/fedtrust-npm-ci.err >&2
    exit 1
  fi
fi
