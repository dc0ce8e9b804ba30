// Routers side by side in one run — the embedded router (its CLI), Nexus and
// Crossbar — each as its own process on 127.0.0.1, JSON over WebSocket:
//
//   fan-out:  1 wampkit publisher, 100 raw subscribers that count frames;
//             events delivered/s and router CPU µs per delivered event
//   RPC:      10 wampkit callers (5 calls in flight each), 1 wampkit callee;
//             calls/s and router CPU µs per call
//   idle:     10,000 raw sessions (HELLO, WELCOME, then nothing); router RSS
//             per session and router CPU per join
//   patterns: publishes to an exact topic with one subscriber, without and
//             with one session holding 20,000 prefix + 20,000 wildcard
//             subscriptions on unrelated URIs; publishes/s, router CPU µs per
//             publish, and the cost of the patterns in percent
//
// Router CPU is utime + stime from /proc/<pid>/stat (10 ms ticks), RSS is
// VmRSS from /proc/<pid>/status. Crossbar runs as a node controller with the
// router worker as its child process: both are summed (the process tree).
// Idle sessions run against a fresh router process; fan-out, RPC and patterns
// share a second one.
//
// With `--before DIR` (another checkout, e.g. `git worktree add /tmp/wk-before
// <commit>`), the embedded router runs twice, from DIR and from this
// checkout, in the same run. The load (publisher, callers, callee) is always
// this checkout's client, so that only the router differs.
//
//   bash tests/interop/install_peers.sh
//   deno run -A --v8-flags=--expose-gc bench/router_bench.ts [seconds, default 3]
//     [--before DIR] [--sessions 10000] [--patterns 20000]
//     [--routers wampkit,nexus,crossbar] [--scenarios fanout,rpc,idle,patterns]
//     [--cpu N (default: the last CPU)] [--no-pin] [--windows 3]
//     [--permissions]
//
// With `--permissions`, the embedded router also runs with
// bench/_permissions.json: anonymous sessions in a role whose 40 permissions
// (exact, prefix, wildcard) the router checks on every request, so the row
// beside the plain one is the cost of authorization.
//
// The patterns scenario pins the router and this process to one CPU (see
// onOneCpu in _proc.ts) and keeps the best of 3 windows; the others run
// unpinned, one window each.
// deno-lint-ignore-file no-console
import * as current from "../mod.ts";
import { cpuSeconds, onOneCpu, processName, raiseFileLimit } from "./_proc.ts";
import {
  commitOf,
  crossbar,
  embedded,
  installSignalCleanup,
  nexus,
  parseArgs,
  type RouterProcess,
  stopAll,
  uninstallSignalCleanup,
} from "./_router_process.ts";

type Client = typeof current;
const args = parseArgs(Deno.args, ["no-pin", "permissions"]);
const { seconds: SECONDS, before: BEFORE } = args;
const SESSIONS = Number(args.opt("sessions", "10000"));
const PATTERNS = Number(args.opt("patterns", "20000"));
const WINDOWS = Number(args.opt("windows", "3")); // patterns: best of
const ONLY = args.opt("routers", "wampkit,nexus,crossbar").split(",");
const SCENARIOS = args.opt("scenarios", "fanout,rpc,idle,patterns").split(",");
// The patterns scenario runs router and this process on one CPU.
const PIN = !args.has("no-pin");
const CPU = Number(args.opt("cpu", String(navigator.hardwareConcurrency - 1)));
let pinFailed = false;
const HERE = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const LANES = 5; // calls in flight per caller (Nexus refuses more: "callee blocked")
const BATCH = 500; // sessions opened at a time (wampkit: ≤ 1000 pending handshakes)
const rpcErrors = new Map<string, number>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HELLO = JSON.stringify([1, "realm1", {
  roles: { publisher: {}, subscriber: {} },
}]);

// Every idle session holds one socket here and one in the router process.
const files = raiseFileLimit(SESSIONS + 1000);
const maxSessions = Math.min(SESSIONS, files.soft - 1000);

/** A raw WAMP session: a WebSocket that has sent HELLO and got WELCOME. */
async function rawSession(url: string, timeoutMs = 60000): Promise<WebSocket> {
  const ws = new WebSocket(url, ["wamp.2.json"]);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      ws.onopen = () => ws.send(HELLO);
      ws.onmessage = (e) => {
        clearTimeout(timer);
        if (String(e.data).startsWith("[2,")) resolve();
        else reject(new Error(`no WELCOME: ${String(e.data).slice(0, 200)}`));
      };
      ws.onerror = (e) => {
        clearTimeout(timer);
        reject(new Error((e as ErrorEvent).message ?? "error"));
      };
      ws.onclose = (e) => {
        clearTimeout(timer);
        reject(new Error(`closed ${e.code} ${e.reason}`));
      };
    });
  } catch (err) {
    ws.close();
    throw err;
  }
  ws.onmessage = ws.onerror = ws.onclose = null;
  return ws;
}

/** Subscribes a raw session and waits for SUBSCRIBED. */
async function rawSubscribe(ws: WebSocket, id: number, topic: string) {
  await new Promise<void>((resolve, reject) => {
    ws.onmessage = (e) =>
      String(e.data).startsWith("[33,")
        ? resolve()
        : reject(new Error(String(e.data)));
    ws.send(JSON.stringify([32, id, {}, topic]));
  });
}

async function fanout(r: RouterProcess) {
  const url = r.url;
  let delivered = 0;
  const subs: WebSocket[] = [];
  // 100 subscribers that count EVENT frames without decoding them, so they
  // cost the load generator little and the router is what is measured.
  for (let i = 0; i < 100; i++) {
    const ws = await rawSession(url);
    await rawSubscribe(ws, 1, "com.bench.fanout");
    ws.onmessage = () => delivered++;
    subs.push(ws);
  }
  const pub = await current.connect({ url, realm: "realm1" });
  const payload = [{ sensor: "t1", value: 21.5, ts: 1700000000000 }];
  const cpu0 = r.cpu();
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  let published = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) pub.publish("com.bench.fanout", payload);
    await pub.publish("com.bench.fanout", payload, {}, { acknowledge: true });
    published += 21;
    // Keep the router from queueing without bound: wait for most deliveries.
    while (
      delivered < (published - 42) * 100 && performance.now() < end + 5000
    ) {
      await sleep(1);
    }
  }
  const deadline = performance.now() + 10000;
  while (delivered < published * 100 && performance.now() < deadline) {
    await sleep(5);
  }
  const rate = delivered / ((performance.now() - t0) / 1000);
  const cpuUs = (r.cpu() - cpu0) * 1e6 / delivered;
  await pub.leave();
  for (const ws of subs) ws.close();
  await sleep(100);
  return { rate, cpuUs };
}

async function rpc(r: RouterProcess) {
  const url = r.url;
  const callee = await current.connect({ url, realm: "realm1" });
  await callee.register(
    "com.bench.rpc",
    ([a, b]) => (a as number) + (b as number),
  );
  const callers = await Promise.all(
    Array.from({ length: 10 }, () => current.connect({ url, realm: "realm1" })),
  );
  let done = 0;
  const cpu0 = r.cpu();
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(
    callers.flatMap((c) =>
      Array.from({ length: LANES }, async () => {
        while (performance.now() < end) {
          try {
            await c.call("com.bench.rpc", [2, 3]);
            done++;
          } catch (err) {
            const key = String(err);
            rpcErrors.set(key, (rpcErrors.get(key) ?? 0) + 1);
          }
        }
      })
    ),
  );
  const rate = done / ((performance.now() - t0) / 1000);
  const cpuUs = (r.cpu() - cpu0) * 1e6 / done;
  for (const c of callers) await c.leave();
  await callee.leave();
  return { rate, cpuUs };
}

/**
 * Opens `n` idle sessions in batches and measures the router's RSS and CPU
 * before and after. Stops early (and says how many) if the router refuses.
 */
async function idleSessions(r: RouterProcess, n: number) {
  // Warm up the handshake path (code, JIT, buffers), then let it settle.
  const warm = await Promise.all(
    Array.from({ length: 100 }, () => rawSession(r.url)),
  );
  for (const ws of warm) ws.close();
  await sleep(1000);
  const rss0 = r.rss();
  const cpu0 = r.cpu();
  const open: WebSocket[] = [];
  let failure = "";
  const t0 = performance.now();
  while (open.length < n && !failure) {
    const batch = await Promise.allSettled(
      Array.from(
        { length: Math.min(BATCH, n - open.length) },
        () => rawSession(r.url),
      ),
    );
    for (const b of batch) {
      if (b.status === "fulfilled") open.push(b.value);
      else failure ||= String(b.reason);
    }
  }
  const joinSeconds = (performance.now() - t0) / 1000;
  await sleep(2000); // let the router settle (buffers, GC)
  const alive = open.filter((ws) => ws.readyState === WebSocket.OPEN).length;
  const rss1 = r.rss();
  const cpu1 = r.cpu();
  for (const ws of open) ws.close();
  await sleep(500);
  return {
    sessions: alive,
    failure,
    rss0,
    rss1,
    perSession: (rss1 - rss0) / alive,
    cpuJoinUs: (cpu1 - cpu0) * 1e6 / open.length,
    joinSeconds,
  };
}

/**
 * Publishes to an exact topic with one subscriber for `seconds`, at most
 * 40 events in flight (Nexus drops events to a subscriber whose queue is
 * full), and returns publishes/s and router CPU µs per publish. Publisher and
 * subscriber are raw sessions.
 */
async function exactPublishes(
  r: RouterProcess,
  seconds: number,
  topic = "com.bench.exact.topic",
) {
  const sub = await rawSession(r.url);
  await rawSubscribe(sub, 1, topic);
  let delivered = 0;
  let wake: (() => void) | undefined;
  let wakeAt = Infinity;
  sub.onmessage = () => {
    if (++delivered >= wakeAt) wake?.();
  };
  const until = (count: number, ms: number) =>
    delivered >= count ? Promise.resolve(true) : new Promise<boolean>((ok) => {
      const timer = setTimeout(() => ok(false), ms);
      wakeAt = count;
      wake = () => {
        clearTimeout(timer);
        wakeAt = Infinity;
        ok(true);
      };
    });
  const pub = await rawSession(r.url);
  const frame = (id: number) =>
    `[16,${id},{},"${topic}",[{"sensor":"t1","value":21.5,"ts":1700000000000}]]`;
  let published = 0;
  let lost = false;
  const cpu0 = r.cpu();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end && !lost) {
    while (published - delivered < 40) pub.send(frame(++published));
    lost = !await until(published - 20, 10000);
  }
  lost ||= !await until(published, 10000);
  const rate = delivered / ((performance.now() - t0) / 1000);
  const cpuUs = (r.cpu() - cpu0) * 1e6 / delivered;
  sub.close();
  pub.close();
  await sleep(100);
  return { rate, cpuUs, lost: lost ? published - delivered : 0 };
}

/**
 * One session subscribes to `n` prefix and `n` wildcard patterns (distinct,
 * unrelated to the published topic), at most 500 requests in flight. The
 * session stays open; returns it with the time taken and the errors.
 */
async function holdPatterns(r: RouterProcess, n: number) {
  const ws = await rawSession(r.url);
  const total = 2 * n;
  let answered = 0;
  let errors = 0;
  let firstError = "";
  let wake: (() => void) | undefined;
  ws.onmessage = (e) => {
    const text = String(e.data);
    if (!text.startsWith("[33,")) {
      errors++;
      firstError ||= text.slice(0, 200);
    }
    answered++;
    wake?.();
  };
  const t0 = performance.now();
  let sent = 0;
  while (answered < total) {
    while (sent < total && sent - answered < 500) {
      const i = sent >> 1;
      ws.send(
        sent % 2 === 0
          ? `[32,${sent + 1},{"match":"prefix"},"com.p${i}."]`
          : `[32,${sent + 1},{"match":"wildcard"},"com.w${i}..x"]`,
      );
      sent++;
    }
    const progressed = await new Promise<boolean>((ok) => {
      const timer = setTimeout(() => ok(false), 60000);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        ok(true);
      };
    });
    if (!progressed) {
      firstError ||= `no answer for 60 s after ${answered} of ${total}`;
      break;
    }
  }
  return {
    ws,
    seconds: (performance.now() - t0) / 1000,
    subscribed: answered - errors,
    errors,
    firstError,
  };
}

async function patterns(r: RouterProcess) {
  // Pinned (see onOneCpu): unpinned, CPU per publish moved by ±15 % between
  // windows here, more than the cost to be measured.
  const pinned = async <T>(fn: () => Promise<T>) => {
    if (!PIN) return await fn();
    const { value, pinned } = await onOneCpu(CPU, r.tree(), fn);
    if (!pinned) pinFailed = true;
    return value;
  };
  // Best of WINDOWS windows (least CPU per publish): whatever else runs on
  // the machine only ever adds CPU time (caches, frequency), and single
  // windows still moved by ±10 % pinned, as much as the cost to be measured.
  const best = async () => {
    let best: Awaited<ReturnType<typeof exactPublishes>> | undefined;
    for (let i = 0; i < WINDOWS; i++) {
      const w = await pinned(() => exactPublishes(r, SECONDS));
      if (!best || w.cpuUs < best.cpuUs) best = { ...w, lost: best?.lost ?? 0 };
      best.lost += w.lost;
    }
    return best!;
  };
  await pinned(() => exactPublishes(r, 2)); // warm up (JIT, buffers)
  const base = await best();
  const held = await holdPatterns(r, PATTERNS);
  await sleep(500);
  const loaded = await best();
  held.ws.close();
  await sleep(100);
  return { base, held, loaded };
}

/** Heap per session and per subscription of the router in this process. */
async function inProcessMemory(lib: Client, dir: string) {
  const { Router } = await import(`file://${dir}/src/router/router.ts`);
  const gc = (globalThis as { gc?: () => void }).gc;
  const router = new Router();
  const sessions: current.Session[] = [];
  gc?.();
  const h0 = Deno.memoryUsage().heapUsed;
  // Client sessions live in this process too, over memory transports: this
  // counts router + client state for each session, an upper bound.
  for (let i = 0; i < 500; i++) {
    sessions.push(
      await lib.connect({
        realm: "realm1",
        transports: [{
          type: "memory",
          connect: () => router.connectLocal(),
        }],
      }),
    );
  }
  gc?.();
  const h1 = Deno.memoryUsage().heapUsed;
  for (const [i, s] of sessions.entries()) {
    for (let j = 0; j < 20; j++) {
      await s.subscribe(`com.bench.topic${i}.${j}`, () => {});
    }
  }
  gc?.();
  const h2 = Deno.memoryUsage().heapUsed;
  for (const s of sessions) await s.leave();
  return { perSession: (h1 - h0) / 500, perSubscription: (h2 - h1) / 10000 };
}

const trees: { label: string; dir: string; lib: Client }[] = [];
if (BEFORE) {
  trees.push({
    label: `before (${commitOf(BEFORE)})`,
    dir: BEFORE,
    lib: await import(`file://${BEFORE}/mod.ts`),
  });
}
trees.push({
  label: BEFORE ? `now (${commitOf(HERE)})` : "",
  dir: HERE,
  lib: current,
});
const tag = (t: { label: string }) => t.label ? ` ${t.label}` : "";

const routers: [string, () => Promise<RouterProcess>][] = [];
if (ONLY.includes("wampkit")) {
  for (const t of trees) {
    const name = `wampkit${tag(t)}`;
    routers.push([
      name,
      () =>
        embedded(["--max-sessions", String(maxSessions + 1000)], t.dir, name),
    ]);
  }
}
if (ONLY.includes("wampkit") && args.has("permissions")) {
  const config = new URL("./_permissions.json", import.meta.url).pathname;
  routers.push([
    "wampkit (permissions)",
    () =>
      embedded(
        [
          "--max-sessions",
          String(maxSessions + 1000),
          "--config",
          config,
        ],
        HERE,
        "wampkit (permissions)",
      ),
  ]);
}
if (ONLY.includes("nexus")) routers.push(["Nexus 3.3.0", nexus]);
if (ONLY.includes("crossbar")) routers.push(["Crossbar 26.10", crossbar]);

type Measured = {
  name: string;
  fanout?: Awaited<ReturnType<typeof fanout>>;
  rpc?: Awaited<ReturnType<typeof rpc>>;
  idle?: Awaited<ReturnType<typeof idleSessions>>;
  patterns?: Awaited<ReturnType<typeof patterns>>;
  tree: string;
};
const rows: Measured[] = [];
const run = (scenario: string) => SCENARIOS.includes(scenario);
// pid, name and CPU seconds so far of each process of a router's tree.
const describe = (r: RouterProcess) =>
  r.tree().map((pid) =>
    `${pid} ${processName(pid)} (${cpuSeconds(pid).toFixed(1)} s CPU)`
  ).join(" → ");

installSignalCleanup();
try {
  for (const [name, start] of routers) {
    const row: Measured = { name, tree: "" };
    rows.push(row);
    if (run("idle")) {
      console.error(`${name}: idle sessions`);
      const r = await start();
      try {
        row.tree = describe(r);
        row.idle = await idleSessions(r, maxSessions);
      } finally {
        await r.stop();
      }
    }
    if (!run("fanout") && !run("rpc") && !run("patterns")) continue;
    console.error(`${name}: fan-out, RPC, patterns`);
    const r = await start();
    try {
      row.tree = describe(r);
      if (run("fanout")) row.fanout = await fanout(r);
      if (run("rpc")) {
        rpcErrors.clear();
        row.rpc = await rpc(r);
        if (rpcErrors.size) {
          console.log(name, "RPC errors:", Object.fromEntries(rpcErrors));
        }
      }
      if (run("patterns")) row.patterns = await patterns(r);
      row.tree = describe(r);
    } finally {
      await r.stop();
    }
  }
} finally {
  await stopAll();
  uninstallSignalCleanup();
}

const us = (n: number) => n >= 100 ? n.toFixed(0) : n.toFixed(1);
const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
const pct = (n: number) => `${n >= 0 ? "+" : ""}${(n * 100).toFixed(0)} %`;
const dash = "—";

if (run("fanout") || run("rpc")) {
  console.log(
    `\nRouters on 127.0.0.1, JSON over WebSocket, ${SECONDS} s per measurement. Router CPU: user + system of the router process from /proc/<pid>/stat (Crossbar: controller + router worker, summed).\n`,
  );
  console.log(
    "| router | fan-out events delivered/s (1 → 100) | router CPU µs/event | RPC calls/s (10 callers × 5 in flight → 1 callee) | router CPU µs/call |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.fanout ? Math.round(r.fanout.rate) : dash} | ${
        r.fanout ? us(r.fanout.cpuUs) : dash
      } | ${r.rpc ? Math.round(r.rpc.rate) : dash} | ${
        r.rpc ? us(r.rpc.cpuUs) : dash
      } |`,
    );
  }
}

if (run("idle")) {
  console.log(
    `\nIdle sessions (raw WebSocket, HELLO → WELCOME, then nothing), opened ${BATCH} at a time on a fresh router process after 100 warm-up sessions; RSS 2 s after the last WELCOME (Crossbar: controller + worker).\n`,
  );
  console.log(
    "| router | idle sessions | RSS before | RSS after | RSS per idle session | router CPU µs/join | joins/s |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const i = r.idle!;
    console.log(
      `| ${r.name} | ${i.sessions}${i.failure ? " (stopped)" : ""} | ${
        mb(i.rss0)
      } | ${mb(i.rss1)} | ${kb(i.perSession)} | ${us(i.cpuJoinUs)} | ${
        Math.round(i.sessions / i.joinSeconds)
      } |`,
    );
  }
  for (const r of rows) {
    if (r.idle!.failure) {
      console.log(`${r.name}: stopped opening sessions: ${r.idle!.failure}`);
    }
  }
}

if (run("patterns")) {
  console.log(
    `\nPattern subscriptions: publishes to an exact topic (one subscriber, ≤ 40 in flight), without and with one other session holding ${PATTERNS} prefix (com.p<i>.) + ${PATTERNS} wildcard (com.w<i>..x) subscriptions. Best of ${WINDOWS} windows of ${SECONDS} s each (least CPU per publish). Cost: extra router CPU per publish, and lost publishes/s. ${
      PIN && !pinFailed
        ? `Router and bench process pinned to CPU ${CPU} (taskset).`
        : `Unpinned${pinFailed ? " (taskset failed)" : ""}.`
    }\n`,
  );
  console.log(
    "| router | publishes/s, no patterns | router CPU µs/publish | subscribing took | publishes/s with patterns | router CPU µs/publish | CPU cost | rate cost |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const { base, held, loaded } = r.patterns!;
    console.log(
      `| ${r.name} | ${Math.round(base.rate)} | ${us(base.cpuUs)} | ${
        held.seconds.toFixed(1)
      } s${
        held.errors || held.subscribed < 2 * PATTERNS
          ? ` (${held.subscribed} subscribed, ${held.errors} errors)`
          : ""
      } | ${Math.round(loaded.rate)} | ${us(loaded.cpuUs)} | ${
        pct(loaded.cpuUs / base.cpuUs - 1)
      } | ${pct(1 - loaded.rate / base.rate)} |`,
    );
  }
  for (const r of rows) {
    const { base, held, loaded } = r.patterns!;
    if (held.firstError) console.log(`${r.name}: ${held.firstError}`);
    if (base.lost || loaded.lost) {
      console.log(
        `${r.name}: events not delivered within 10 s: ${base.lost} without, ${loaded.lost} with patterns`,
      );
    }
  }
}

console.log(
  "\nProcesses measured (pid, name, CPU time at the end; parent → children):",
);
for (const r of rows) console.log(`  ${r.name}: ${r.tree}`);
if (run("idle")) {
  console.log(
    `Open files: soft limit ${files.soft}, hard ${files.hard}; idle sessions asked ${SESSIONS}, opened at most ${maxSessions}.`,
  );
}

if (ONLY.includes("wampkit")) {
  console.log("");
  for (const t of trees) {
    const m = await inProcessMemory(t.lib, t.dir);
    console.log(
      `embedded router${tag(t)}, heap per session: ${
        Math.round(m.perSession)
      } bytes; per subscription: ${
        Math.round(m.perSubscription)
      } bytes (router and client state, in-process)`,
    );
  }
}
