// Shared by the Node peer scripts (node_autobahn.mjs, node_wampy.mjs): report
// lines for the Deno test (tests/interop/_child.ts), stdin commands, limits.
import { createInterface } from "node:readline";

export const MARK = "@@wampkit ";

/** Payloads every peer sends, and expects back unchanged. */
export const ECHO_ARGS = [1, "two", { three: 3.5, list: [null, true, false] }];
export const ECHO_KWARGS = {
  unicode: "ü€😀",
  nested: { a: [1, { b: null }] },
  neg: -7,
  u32: 4294967295,
  i32: -2147483648,
};
export const EVENT_ARGS = ["hello", { nested: [1, 2.5, "ü€"] }];
export const EVENT_KWARGS = { k: "v", none: null };

// Values JSON cannot show are made visible instead of lost: a bigint or an
// undefined where a number or a value was sent fails the test's deepEqual.
function replacer(_key, value) {
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (value === undefined) return { $undefined: true };
  return value;
}

/** Writes one report line: MARK + JSON. */
export function report(obj) {
  process.stdout.write(MARK + JSON.stringify(obj, replacer) + "\n");
}

let current = "start";

/** A promise that rejects after `ms` with a message naming `what`. */
export function within(ms, what, promise) {
  current = what;
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${ms} ms: ${what}`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const lines = [];
const lineWaiters = [];
let stdinEnded = false;
let stdinStarted = false;

function startStdin() {
  if (stdinStarted) return;
  stdinStarted = true;
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    lines.push(line.trim());
    for (const w of lineWaiters.splice(0)) w();
  });
  rl.on("close", () => {
    stdinEnded = true;
    for (const w of lineWaiters.splice(0)) w();
  });
}

/** Resolves when stdin brings `word` (or ends, when `orEnd`). */
export async function command(word, { orEnd = false } = {}) {
  startStdin();
  for (;;) {
    const i = lines.indexOf(word);
    if (i >= 0) {
      lines.splice(i, 1);
      return;
    }
    if (stdinEnded) {
      if (orEnd) return;
      throw new Error(`stdin ended before "${word}"`);
    }
    await new Promise((r) => lineWaiters.push(r));
  }
}

function describe(err) {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  try {
    return JSON.stringify(err, replacer);
  } catch {
    return String(err);
  }
}

/**
 * Runs the script body: reports `{error}` and exits 1 on any failure, exits
 * 3 when the watchdog fires, exits 0 after the body returns.
 */
export function main(body, { watchdogMs = 60_000 } = {}) {
  const fail = (err, code = 1) => {
    report({ error: describe(err), step: current });
    process.exit(code);
  };
  process.on("unhandledRejection", (err) => fail(err));
  process.on("uncaughtException", (err) => fail(err));
  setTimeout(
    () => fail(new Error(`watchdog: still running after ${watchdogMs} ms`), 3),
    watchdogMs,
  );
  body().then(() => process.exit(0), (err) => fail(err));
}
