// RPC round trips through the embedded router (a separate process) over
// WebSocket on 127.0.0.1: wampkit, Autobahn|JS 22 and wampy 8 as clients
// in the same run, next to the limit — a raw WebSocket ping-pong with the
// same frames over the same two hops.
//
//   bash tests/interop/install_peers.sh   # Autobahn|JS, wampy (and routers)
//   deno run -A bench/rpc_bench.ts [seconds per measurement, default 3]
// deno-lint-ignore-file no-explicit-any no-console
import { createRequire } from "node:module";
import { connect } from "../mod.ts";
import { embedded } from "./_router_process.ts";

const SECONDS = Number(Deno.args[0] ?? 3);
const PIPELINE = 1000;
const peersDir = new URL("../tests/interop/", import.meta.url);
const require = createRequire(new URL("package.json", peersDir));
const autobahn = require("autobahn");
const { Wampy } = await import(
  new URL("node_modules/wampy/dist/esm/wampy.js", peersDir).href
);

interface Caller {
  call(): Promise<unknown>;
  close(): Promise<void> | void;
}

async function measure(name: string, caller: Caller) {
  // warm up
  for (let i = 0; i < 500; i++) await caller.call();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  while (performance.now() < end) {
    await caller.call();
    n++;
  }
  const seq = n / ((performance.now() - t0) / 1000);
  let done = 0;
  const t1 = performance.now();
  const end1 = t1 + SECONDS * 1000;
  const lane = async () => {
    while (performance.now() < end1) {
      await caller.call();
      done++;
    }
  };
  await Promise.all(Array.from({ length: PIPELINE }, lane));
  const pipe = done / ((performance.now() - t1) / 1000);
  return { name, seq, pipe };
}

// --- a raw WebSocket relay process: caller -> relay -> callee -> relay -> caller
async function rawRelay(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      new URL("_relay.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/ws:\/\/\S+\/ws/.test(out)) out += (await reader.read()).value ?? "";
  const url = /ws:\/\/\S+(?=\/ws)/.exec(out)![0];
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel();
    },
  };
}

async function rawCaller(url: string): Promise<Caller> {
  const open = (role: string) =>
    new Promise<WebSocket>((resolve) => {
      const ws = new WebSocket(`${url}/${role}`);
      ws.onopen = () => resolve(ws);
    });
  const callee = await open("callee");
  const caller = await open("caller");
  // The callee answers each INVOCATION-sized frame with a YIELD-sized one.
  callee.onmessage = (e) => {
    const id = JSON.parse(e.data)[1];
    callee.send(`[70,${id},{},[5]]`);
  };
  const waiting = new Map<number, () => void>();
  caller.onmessage = (e) => {
    const id = JSON.parse(e.data)[1];
    waiting.get(id)?.();
    waiting.delete(id);
  };
  let id = 0;
  return {
    call() {
      const my = ++id;
      return new Promise<void>((resolve) => {
        waiting.set(my, resolve);
        caller.send(`[48,${my},{},"com.bench.add2",[2,3]]`);
      });
    },
    close() {
      caller.close();
      callee.close();
    },
  };
}

async function wampkitCaller(url: string): Promise<Caller> {
  const callee = await connect({ url, realm: "realm1" });
  const caller = await connect({ url, realm: "realm1" });
  await callee.register(
    "com.bench.add2",
    ([a, b]) => (a as number) + (b as number),
  );
  return {
    call: () => caller.call("com.bench.add2", [2, 3]),
    async close() {
      await caller.leave();
      await callee.leave();
    },
  };
}

async function autobahnCaller(url: string): Promise<Caller> {
  const open = () =>
    new Promise<any>((resolve) => {
      const c = new autobahn.Connection({
        url,
        realm: "realm1",
        max_retries: 0,
      });
      c.onopen = (s: any) => resolve({ s, c });
      c.open();
    });
  const callee = await open();
  const caller = await open();
  await callee.s.register(
    "com.bench.ab.add2",
    (args: number[]) => args[0]! + args[1]!,
  );
  return {
    call: () => caller.s.call("com.bench.ab.add2", [2, 3]),
    close() {
      caller.c.close();
      callee.c.close();
    },
  };
}

async function wampyCaller(url: string): Promise<Caller> {
  const open = async () => {
    const w = new Wampy(url, {
      realm: "realm1",
      ws: WebSocket,
      autoReconnect: false,
    });
    await w.connect();
    return w;
  };
  const callee = await open();
  const caller = await open();
  await callee.register(
    "com.bench.wampy.add2",
    (d: any) => ({ argsList: [d.argsList[0] + d.argsList[1]] }),
  );
  return {
    call: () => caller.call("com.bench.wampy.add2", [2, 3]),
    async close() {
      await caller.disconnect();
      await callee.disconnect();
    },
  };
}

function pendingMemory(): Promise<number> {
  // Memory per pending call on the caller: N calls that are never answered.
  return (async () => {
    const { Router } = await import("../src/router/router.ts");
    const router = new Router();
    const callee = await connect({
      realm: "realm1",
      transports: [{ type: "memory", connect: () => router.connectLocal() }],
    });
    const caller = await connect({
      realm: "realm1",
      transports: [{ type: "memory", connect: () => router.connectLocal() }],
    });
    await callee.register("com.hang", () => new Promise(() => {}));
    const N = 10000;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = Deno.memoryUsage().heapUsed;
    const calls = [];
    for (let i = 0; i < N; i++) {
      calls.push(caller.call("com.hang").catch(() => {}));
    }
    await new Promise((r) => setTimeout(r, 200));
    gc?.();
    const after = Deno.memoryUsage().heapUsed;
    // This counts the caller's pending state plus the router's and callee's
    // state for the same calls (all in this process).
    caller.transport.close();
    callee.transport.close();
    await Promise.all(calls);
    return (after - before) / N;
  })();
}

const router = await embedded(["--lenient-ids"]);
const relay = await rawRelay();
const results = [];
try {
  results.push(
    await measure("raw WebSocket relay (limit)", await rawCaller(relay.url)),
  );
  for (
    const [name, make] of [
      ["wampkit", wampkitCaller],
      ["Autobahn|JS 22.11.1", autobahnCaller],
      ["wampy 8.0.2", wampyCaller],
    ] as const
  ) {
    const c = await make(router.url);
    results.push(await measure(name, c));
    await c.close();
  }
} finally {
  await relay.stop();
  await router.stop();
}
const limit = results[0]!;
const ab = results.find((r) => r.name.startsWith("Autobahn"))!;
console.log(
  `\nRPC through the embedded router (JSON, 127.0.0.1, ${SECONDS} s each, ${PIPELINE} in flight when pipelined)\n`,
);
console.log(
  "| client | sequential calls/s | × raw limit | × Autobahn|JS | pipelined calls/s |",
);
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const r of results) {
  console.log(
    `| ${r.name} | ${Math.round(r.seq)} | ${(r.seq / limit.seq).toFixed(2)} | ${
      (r.seq / ab.seq).toFixed(2)
    } | ${Math.round(r.pipe)} |`,
  );
}
const perCall = await pendingMemory();
console.log(
  `\nheap per pending call (caller + router + callee state, in-process): ${
    Math.round(perCall)
  } bytes`,
);
