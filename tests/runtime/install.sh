#!/usr/bin/env bash
# Installs the runtimes the adapter tests need: Bun (npm) and Miniflare with
# its workerd binary (npm, into tests/runtime/node_modules).
set -euo pipefail
cd "$(dirname "$0")"
command -v bun >/dev/null 2>&1 || npm i -g bun --loglevel=error
bun --version >/dev/null
if [ ! -d node_modules/miniflare ]; then
  npm install --no-audit --no-fund --no-package-lock --loglevel=error
fi
echo "runtimes ready"
