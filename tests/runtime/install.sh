#!/usr/bin/env bash
# Installs the runtimes the adapter tests need, inside the repository:
# Bun (npm, into .tools/, git-ignored) unless one is on PATH, and Miniflare
# with its workerd binary (npm, into tests/runtime/node_modules).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v bun >/dev/null 2>&1 && [ ! -x .tools/node_modules/.bin/bun ]; then
  echo "installing bun (npm, into .tools/)"
  npm install --prefix .tools --no-audit --no-fund --no-package-lock --loglevel=error bun@1.4.5
fi
cd tests/runtime
if [ ! -d node_modules/miniflare ]; then
  npm install --no-audit --no-fund --no-package-lock --loglevel=error
fi
echo "runtimes ready"
