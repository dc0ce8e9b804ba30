#!/usr/bin/env bash
# Installs the dev-only interop peers into .peers/ (git-ignored):
#   Crossbar.io from PyPI, Nexus (nexusd) from the Go module proxy, and the
#   Autobahn|JS and wampy npm packages into tests/interop/node_modules.
# Any failure is loud: the interop tests then fail, they are never skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
mkdir -p .peers/bin

if [ ! -x .peers/cbvenv/bin/crossbar ]; then
  echo "installing crossbar (PyPI)"
  python3 -m venv .peers/cbvenv
  .peers/cbvenv/bin/pip install --quiet --disable-pip-version-check crossbar
fi
.peers/cbvenv/bin/crossbar version >/dev/null 2>&1 || { echo "crossbar does not run"; exit 1; }

if [ ! -x .peers/bin/nexusd ]; then
  echo "building nexusd v3.3.0 (Go module proxy)"
  # `go install …@latest` needs the module's version list, which the proxy
  # here refuses; a pinned version in a scratch module builds fine.
  tmp=$(mktemp -d)
  (cd "$tmp" && go mod init peers >/dev/null 2>&1 &&
    go get github.com/gammazero/nexus/v3/nexusd@v3.3.0 >/dev/null 2>&1 &&
    go build -o "$ROOT/.peers/bin/nexusd" github.com/gammazero/nexus/v3/nexusd)
  rm -rf "$tmp"
fi
.peers/bin/nexusd -version >/dev/null 2>&1 || { echo "nexusd does not run"; exit 1; }

if [ ! -d tests/interop/node_modules/autobahn ] || [ ! -d tests/interop/node_modules/wampy ]; then
  echo "installing autobahn and wampy (npm)"
  (cd tests/interop && npm install --omit=optional --no-audit --no-fund --no-package-lock --loglevel=error)
fi
echo "interop peers ready"
