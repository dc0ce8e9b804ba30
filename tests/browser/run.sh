#!/usr/bin/env bash
# The browser suite: installs @sparticuz/chromium and puppeteer-core (pinned
# in tests/browser/package.json) into tests/browser/node_modules when they
# are missing or not the pinned versions, then runs tests/browser/ (the
# client in headless Chromium against the Deno router). Exits non-zero on
# any failure, including a Chromium that cannot start.
#
# Env: WAMPKIT_NODE (the Node 20 binary; default /usr/bin/node, else `node`),
# WAMPKIT_CHROMIUM (use this Chromium instead of the bundled one).
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.tools/node_modules/.bin:$PATH"

NODE="${WAMPKIT_NODE:-/usr/bin/node}"
[ -x "$NODE" ] || NODE="$(command -v node || true)"
if [ -z "$NODE" ]; then
  echo "tests/browser: Node (20+) is needed to drive Chromium; set WAMPKIT_NODE" >&2
  exit 1
fi
export WAMPKIT_NODE="$NODE"
if ! command -v deno >/dev/null 2>&1; then
  echo "tests/browser: deno not found (npm install --prefix .tools deno@2.9.6)" >&2
  exit 1
fi

# Installed version of a package, or nothing.
installed() {
  "$NODE" -e 'try { console.log(require(process.argv[1]).version) } catch {}' \
    "$PWD/tests/browser/node_modules/$1/package.json"
}
pinned() {
  "$NODE" -e 'console.log(require(process.argv[1]).dependencies[process.argv[2]])' \
    "$PWD/tests/browser/package.json" "$1"
}
need=0
for pkg in puppeteer-core @sparticuz/chromium; do
  [ "$(installed "$pkg")" = "$(pinned "$pkg")" ] || need=1
done
if [ "$need" -eq 1 ]; then
  echo "tests/browser: installing @sparticuz/chromium and puppeteer-core (npm) …"
  if ! npm install --prefix tests/browser --no-audit --no-fund \
    --no-package-lock --loglevel=error; then
    echo "tests/browser: npm install failed" >&2
    exit 1
  fi
fi

deno test --allow-all tests/browser/
