#!/usr/bin/env bash
# `deno task test:runtimes`: installs Bun and Miniflare (install.sh), runs the
# Bun smoke tests (WebSocket, long-poll, RawSocket) under Bun, then the
# Deno-driven runtime tests (workerd, Node).
set -uo pipefail
cd "$(dirname "$0")/../.."
bash tests/runtime/install.sh || exit 1
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
status=0
bun run tests/runtime/bun_smoke.ts || status=1
bun run tests/runtime/bun_longpoll_smoke.ts || status=1
bun run tests/runtime/bun_rawsocket_smoke.ts || status=1
deno test --allow-all tests/runtime/ || status=1
exit $status
