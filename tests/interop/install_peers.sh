#!/usr/bin/env bash
# Installs the dev-only interop peers inside the repository, nothing global:
#   .peers/cbvenv   Crossbar.io from PyPI (python3 >= 3.11)
#   .peers/cb22venv Crossbar.io 22.3.1 from PyPI, for its HTTP long-poll
#                   transport (later releases refuse long-poll sessions)
#   .peers/abvenv   autobahn-python from PyPI, pinned, with its encryption and
#                   scram extras (msgpack and cbor2 come with it)
#   .peers/bin      nexusd from the Go module proxy (go >= 1.25)
#   tests/interop/node_modules   Autobahn|JS, wampy and ws from npm (node),
#                   with optional dependencies, as `npm install` gives users
#                   (Autobahn|JS needs when.js for progressive results).
# .peers/ and node_modules/ are git-ignored. Any failure is loud: the interop
# tests then fail, they are never skipped.
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

# Crossbar's long-poll transport refuses every session since 22.4.1
# (research/peers.md §9); 22.3.1 is the last release to accept them, with
# its dependencies of the time (crossbar22_constraints.txt).
CROSSBAR22=22.3.1
if ! .peers/cb22venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('crossbar') != '$CROSSBAR22')" 2>/dev/null; then
  echo "installing crossbar $CROSSBAR22 for long-poll (PyPI)"
  rm -rf .peers/cb22venv
  python3 -m venv .peers/cb22venv
  .peers/cb22venv/bin/pip install --quiet --disable-pip-version-check \
    -c tests/interop/crossbar22_constraints.txt "crossbar==$CROSSBAR22"
  .peers/cb22venv/bin/pip install --quiet --disable-pip-version-check --no-deps \
    "parsimonious==0.9.0" "regex==2026.11.15"
fi
.peers/cb22venv/bin/crossbar version >/dev/null 2>&1 || { echo "crossbar $CROSSBAR22 does not run"; exit 1; }

# With its crypto extras: PyNaCl for cryptosign, argon2-cffi and passlib
# for SCRAM (tests/interop/python_auth_test.ts).
AUTOBAHN_PY=26.10.2
if ! .peers/abvenv/bin/python -c "import autobahn, msgpack, cbor2, nacl, argon2, passlib, sys; sys.exit(autobahn.__version__ != '$AUTOBAHN_PY')" 2>/dev/null; then
  echo "installing autobahn-python $AUTOBAHN_PY with its encryption and scram extras (PyPI)"
  rm -rf .peers/abvenv
  python3 -m venv .peers/abvenv
  .peers/abvenv/bin/pip install --quiet --disable-pip-version-check "autobahn[encryption,scram]==$AUTOBAHN_PY"
fi
.peers/abvenv/bin/python -c "import autobahn.asyncio.wamp, msgpack, cbor2, autobahn.wamp.cryptosign, nacl, argon2, passlib" || { echo "autobahn-python does not import"; exit 1; }

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

# Reinstalled whenever package.json changed since the last install.
stamp=tests/interop/node_modules/.wampkit-package.json
if ! cmp -s tests/interop/package.json "$stamp"; then
  echo "installing Autobahn|JS, wampy and ws (npm)"
  (cd tests/interop && npm install --no-audit --no-fund --no-package-lock --loglevel=error)
  cp tests/interop/package.json "$stamp"
fi
(cd tests/interop && node -e 'require("autobahn"); require("when"); require("ws"); import("wampy")') ||
  { echo "the npm peers do not load under node"; exit 1; }
echo "interop peers ready"
