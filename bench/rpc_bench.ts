// RPC round trips through the embedded router (a separate process) on
// 127.0.0.1: wampkit over WebSocket, RawSocket and HTTP long-poll (one router
// process serves all three), JSON, and over WebSocket and RawSocket with
// MessagePack; Autobahn|JS 22 and wampy 8 over WebSocket, JSON; all in the
// same run, next to the limit — a raw WebSocket ping-pong with the same
// frames over the same two hops through a relay process. After the table,
// RawSocket and long-poll ÷ WebSocket for the same client, router and
// serializer.
//
// Next to calls/s, CPU time per call: of the router (or relay) process, from
// /proc/<pid>/stat (utime + stime, 10 ms ticks), and of this process, which
// holds both the caller and the callee (getrusage). On a shared machine
// throughput moves with the load of others; CPU per call much less.
//
// With `--before DIR` (another checkout, e.g. `git worktree add /tmp/wk-before
// <commit>`), the router CLI runs twice, from DIR and from this checkout, and
// the wampkit client is imported twice, from DIR/mod.ts and from ../mod.ts:
// every client runs against both routers, and the wampkit client from each
// tree, all in one run. RawSocket and long-poll rows run only where both
// trees have them (the router CLI's --rawsocket-port and --longpoll, the
// client's connectRawSocket and connectLongPoll).
//
//   bash tests/interop/install_peers.sh   # Autobahn|JS, wampy (and routers)
//   deno run -A --v8-flags=--expose-gc bench/rpc_bench.ts [seconds, default 3]
//     [--before DIR] [--cpu N (default: the last CPU)] [--no-pin]
//
// Sequential measurements pin the router and this process to one CPU (see
// onOneCpu in _proc.ts: unpinned, CPU per sequential call jumps between two
// values depending on whether the scheduler puts both on one core); the
// pipelined ones run unpinned.
// deno-lint-ignore-file no-explicit-any no-console
import { createRequire } from "node:module";
import * as current from "../mod.ts";
import { onOneCpu, selfCpuSeconds } from "./_proc.ts";
import {
  cliTransports,
  commitOf,
  embedded,
  installSignalCleanup,
  parseArgs,
  relay,
  type RouterProcess,
  stopAll,
  uninstallSignalCleanup,
} from "./_router_process.ts";

type Client = typeof current;
const args = parseArgs(Deno.args, ["no-pin"]);
const { seconds: SECONDS, before: BEFORE } = args;
// Sequential runs: router (or relay) and this process on one CPU.
const PIN = !args.has("no-pin");
const CPU = Number(args.opt("cpu", String(navigator.hardwareConcurrency - 1)));
let pinFailed = false;
const PIPELINE = 1000;
// Calls in flight when pipelining over long-poll.
const LONGPOLL_PIPELINE = PIPELINE;
const HERE = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
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

/** Calls per second and CPU µs per call of the server and of this process. */
interface Rate {
  perSec: number;
  serverUs: number;
  clientUs: number;
}

async function timed(
  server: RouterProcess,
  run: (end: number) => Promise<number>,
): Promise<Rate> {
  // This process's CPU is read innermost, so that reading the server's
  // (a /proc scan) does not count as client time.
  const s0 = server.cpu();
  const c0 = selfCpuSeconds();
  const t0 = performance.now();
  const n = await run(t0 + SECONDS * 1000);
  const t1 = performance.now();
  const c1 = selfCpuSeconds();
  const s1 = server.cpu();
  return {
    perSec: n / ((t1 - t0) / 1000),
    serverUs: (s1 - s0) * 1e6 / n,
    clientUs: (c1 - c0) * 1e6 / n,
  };
}

async function measure(
  caller: Caller,
  server: RouterProcess,
  inFlight: number,
) {
  const sequential = () =>
    timed(server, async (end) => {
      let n = 0;
      while (performance.now() < end) {
        await caller.call();
        n++;
      }
      return n;
    });
  for (let i = 0; i < 500; i++) await caller.call(); // warm up
  let seq: Rate;
  if (PIN) {
    const r = await onOneCpu(CPU, server.tree(), sequential);
    seq = r.value;
    if (!r.pinned) pinFailed = true;
  } else seq = await sequential();
  const pipe = await timed(server, async (end) => {
    let done = 0;
    const lane = async () => {
      while (performance.now() < end) {
        await caller.call();
        done++;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return done;
  });
  return { seq, pipe };
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

type Via = "WebSocket" | "RawSocket" | "long-poll";
type Format = "JSON" | "MessagePack";

/** The URL of the router for a transport; undefined if it does not serve it. */
function urlFor(r: RouterProcess, via: Via): string | undefined {
  return via === "WebSocket"
    ? r.url
    : via === "RawSocket"
    ? r.rawSocketUrl
    : r.longpollUrl;
}

function wampkitCaller(tree: Tree, via: Via, format: Format) {
  const lib = tree.lib;
  const options = (r: RouterProcess) => {
    const url = urlFor(r, via)!;
    // WebSocket with JSON as before: older trees take { url, realm }.
    if (via === "WebSocket" && format === "JSON") {
      return { url, realm: "realm1" };
    }
    return {
      realm: "realm1",
      transports: [{
        type: via === "WebSocket"
          ? "websocket"
          : via === "RawSocket"
          ? "rawsocket"
          : "longpoll",
        url,
        serializers: [
          format === "JSON" ? new lib.JsonSerializer() : tree.msgpack!(),
        ],
      }],
    } as Parameters<Client["connect"]>[0];
  };
  return async (r: RouterProcess): Promise<Caller> => {
    const callee = await lib.connect(options(r));
    const caller = await lib.connect(options(r));
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
  };
}

async function autobahnCaller(r: RouterProcess): Promise<Caller> {
  const url = r.url;
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

async function wampyCaller(r: RouterProcess): Promise<Caller> {
  const url = r.url;
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

/** Heap per pending call, caller + router + callee state, in this process. */
async function pendingMemory(lib: Client, dir: string): Promise<number> {
  const { Router } = await import(`file://${dir}/src/router/router.ts`);
  const router = new Router();
  const callee = await lib.connect({
    realm: "realm1",
    transports: [{ type: "memory", connect: () => router.connectLocal() }],
  });
  const caller = await lib.connect({
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
  caller.transport.close();
  callee.transport.close();
  await Promise.all(calls);
  return (after - before) / N;
}

// The trees to compare: label, directory, client module, and what the
// tree's client and router CLI have besides WebSocket.
interface Tree {
  label: string;
  dir: string;
  lib: Client;
  /** The client has connectRawSocket / connectLongPoll. */
  client: { rawsocket: boolean; longpoll: boolean };
  /** The router CLI has --rawsocket-port / --longpoll. */
  router: { rawsocket: boolean; longpoll: boolean };
  /** The tree's MessagePack serializer, for the MessagePack rows. */
  msgpack?: () => any;
}
async function tree(label: string, dir: string, lib: Client): Promise<Tree> {
  const t: Tree = {
    label,
    dir,
    lib,
    client: {
      rawsocket: "connectRawSocket" in lib,
      longpoll: "connectLongPoll" in lib,
    },
    router: cliTransports(dir),
  };
  if (t.client.rawsocket) {
    const { MsgpackSerializer } = await import(
      `file://${dir}/src/serializers/msgpack.ts`
    );
    t.msgpack = () => new MsgpackSerializer();
  }
  return t;
}
const trees: Tree[] = [];
if (BEFORE) {
  trees.push(
    await tree(
      `before (${commitOf(BEFORE)})`,
      BEFORE,
      await import(`file://${BEFORE}/mod.ts`),
    ),
  );
}
trees.push(await tree(BEFORE ? `now (${commitOf(HERE)})` : "", HERE, current));
const tag = (t: { label: string }) => t.label ? ` ${t.label}` : "";

interface ClientSpec {
  name: string;
  /** The wampkit tree of the client (for the ratios), if wampkit. */
  tree?: Tree;
  via: Via;
  format: Format;
  inFlight: number;
  make: (r: RouterProcess) => Promise<Caller>;
}
interface Row {
  client: string;
  router: string;
  spec?: ClientSpec;
  seq: Rate;
  pipe: Rate;
}
const rows: Row[] = [];
const skipped: string[] = [];
installSignalCleanup();
try {
  const rel = await relay();
  const routers: { label: string; proc: RouterProcess }[] = [];
  for (const t of trees) {
    // The same process serves WebSocket, long-poll and RawSocket, where the
    // tree's CLI has them.
    routers.push({
      label: `wampkit${tag(t)}`,
      proc: await embedded(
        [
          "--lenient-ids",
          ...t.router.longpoll ? ["--longpoll", "/lp"] : [],
          ...t.router.rawsocket ? ["--rawsocket-port", "0"] : [],
        ],
        t.dir,
        `wampkit${tag(t)}`,
      ),
    });
  }
  const wampkit = (t: Tree, via: Via, format: Format): ClientSpec[] => {
    const has = via === "WebSocket" ||
      t.client[via === "RawSocket" ? "rawsocket" : "longpoll"];
    if (!has) {
      skipped.push(`wampkit${tag(t)} over ${via} (no ${via} client)`);
      return [];
    }
    return [{
      name: `wampkit${tag(t)} over ${via}${
        format === "JSON" ? "" : `, ${format}`
      }`,
      tree: t,
      via,
      format,
      inFlight: via === "long-poll" ? LONGPOLL_PIPELINE : PIPELINE,
      make: wampkitCaller(t, via, format),
    }];
  };
  const clients: ClientSpec[] = [
    ...trees.flatMap((t) =>
      (["WebSocket", "RawSocket", "long-poll"] as const).flatMap((via) =>
        wampkit(t, via, "JSON")
      )
    ),
    // MessagePack: over RawSocket, and over WebSocket to compare with.
    ...trees.filter((t) => t.client.rawsocket).flatMap((t) =>
      (["WebSocket", "RawSocket"] as const).flatMap((via) =>
        wampkit(t, via, "MessagePack")
      )
    ),
    {
      name: "Autobahn|JS 22.11.1",
      via: "WebSocket",
      format: "JSON",
      inFlight: PIPELINE,
      make: autobahnCaller,
    },
    {
      name: "wampy 8.0.2",
      via: "WebSocket",
      format: "JSON",
      inFlight: PIPELINE,
      make: wampyCaller,
    },
  ];
  const raw = await rawCaller(rel.url);
  rows.push({
    client: "raw WebSocket",
    router: "relay (limit)",
    ...await measure(raw, rel, PIPELINE),
  });
  await raw.close();
  for (const spec of clients) {
    for (const r of routers) {
      if (urlFor(r.proc, spec.via) === undefined) {
        skipped.push(`${spec.name} → ${r.label} (no ${spec.via} in its CLI)`);
        continue;
      }
      const c = await spec.make(r.proc);
      rows.push({
        client: spec.name,
        router: r.label,
        spec,
        ...await measure(c, r.proc, spec.inFlight),
      });
      await c.close();
    }
  }
} finally {
  await stopAll();
  uninstallSignalCleanup();
}

const limit = rows[0]!;
const fmt = (n: number) => n >= 100 ? n.toFixed(0) : n.toFixed(1);
console.log(
  `\nRPC on 127.0.0.1, ${SECONDS} s per measurement, ${PIPELINE} in flight when pipelined${
    LONGPOLL_PIPELINE === PIPELINE
      ? ""
      : ` (${LONGPOLL_PIPELINE} over long-poll)`
  }; router CLI with --lenient-ids${
    trees.some((t) => t.router.longpoll || t.router.rawsocket)
      ? " (and --longpoll /lp --rawsocket-port 0 where it has them: one process serves all three transports)"
      : ""
  }. WebSocket and JSON unless the client column says otherwise.`,
);
console.log(
  "Router µs/call: CPU (user + system) of the router process (the relay for the raw row) per call, from /proc/<pid>/stat.",
);
console.log(
  "Client µs/call: CPU of the bench process per call, which holds the caller and the callee (getrusage).",
);
console.log(
  PIN && !pinFailed
    ? `Sequential: router (or relay) and bench process pinned to CPU ${CPU} (taskset); pipelined: unpinned.\n`
    : `Sequential and pipelined: unpinned${
      pinFailed ? " (taskset failed)" : ""
    }; sequential CPU per call then jumps between two modes (same core or two cores).\n`,
);
console.log(
  "| client | router | sequential calls/s | × raw limit | × Autobahn\\|JS | router µs/call | client µs/call | pipelined calls/s | router µs/call | client µs/call |",
);
console.log(
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
);
for (const r of rows) {
  const ab = r.spec?.via !== "WebSocket" || r.spec.format !== "JSON"
    ? undefined
    : rows.find((x) =>
      x.client.startsWith("Autobahn") && x.router === r.router
    );
  console.log(
    `| ${r.client.replace("|", "\\|")} | ${r.router} | ${
      Math.round(r.seq.perSec)
    } | ${(r.seq.perSec / limit.seq.perSec).toFixed(2)} | ${
      ab ? (r.seq.perSec / ab.seq.perSec).toFixed(2) : "—"
    } | ${fmt(r.seq.serverUs)} | ${fmt(r.seq.clientUs)} | ${
      Math.round(r.pipe.perSec)
    } | ${fmt(r.pipe.serverUs)} | ${fmt(r.pipe.clientUs)} |`,
  );
}
console.log("");
if (skipped.length > 0) console.log(`Skipped: ${skipped.join("; ")}.\n`);

// RawSocket and long-poll ÷ WebSocket: same client tree, router process and
// serializer. Below 1 in the µs columns: cheaper than WebSocket.
const ratios = rows.flatMap((r) => {
  const s = r.spec;
  if (!s?.tree || s.via === "WebSocket") return [];
  const ws = rows.find((x) =>
    x.router === r.router && x.spec?.tree === s.tree &&
    x.spec?.via === "WebSocket" && x.spec.format === s.format
  );
  return ws ? [{ r, ws }] : [];
});
if (ratios.length > 0) {
  console.log(
    "Transport ÷ WebSocket, same client tree, router process and serializer (µs/call below 1: less CPU than over WebSocket):\n",
  );
  console.log(
    "| client | router | sequential calls/s | router µs/call | client µs/call | pipelined calls/s | router µs/call | client µs/call |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  const q = (a: number, b: number) => (a / b).toFixed(2);
  for (const { r, ws } of ratios) {
    console.log(
      `| ${r.client} ÷ over WebSocket | ${r.router} | ${
        q(r.seq.perSec, ws.seq.perSec)
      } | ${q(r.seq.serverUs, ws.seq.serverUs)} | ${
        q(r.seq.clientUs, ws.seq.clientUs)
      } | ${q(r.pipe.perSec, ws.pipe.perSec)} | ${
        q(r.pipe.serverUs, ws.pipe.serverUs)
      } | ${q(r.pipe.clientUs, ws.pipe.clientUs)} |`,
    );
  }
  console.log("");
}
for (const t of trees) {
  const perCall = await pendingMemory(t.lib, t.dir);
  console.log(
    `heap per pending call${
      tag(t)
    } (caller + router + callee state, in-process): ${
      Math.round(perCall)
    } bytes`,
  );
}
