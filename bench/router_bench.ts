// Router throughput, the embedded router next to Nexus and Crossbar in the
// same run, each as its own process on 127.0.0.1, with the same wampkit
// clients (JSON over WebSocket) as load:
//   fan-out: 1 publisher, 100 subscribers (raw sockets that count frames),
//            events delivered per second
//   RPC:     10 callers (5 calls in flight each), 1 callee, calls per second
// and the embedded router's memory per session and per subscription.
//
//   bash tests/interop/install_peers.sh
//   deno run -A --v8-flags=--expose-gc bench/router_bench.ts [seconds]
// deno-lint-ignore-file no-console
import { connect, type Session } from "../mod.ts";
import { Router } from "../src/router/router.ts";
import { crossbar, embedded, nexus } from "./_router_process.ts";

const SECONDS = Number(Deno.args[0] ?? 3);
const LANES = 5; // calls in flight per caller (Nexus refuses more: "callee blocked")
const rpcErrors = new Map<string, number>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A minimal subscriber that counts EVENT frames without decoding them, so
 * the 100 subscribers cost the load generator little and the router is what
 * is measured.
 */
async function rawSubscriber(
  url: string,
  onEvent: () => void,
): Promise<WebSocket> {
  const ws = new WebSocket(url, ["wamp.2.json"]);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  const next = () =>
    new Promise<string>((resolve) => ws.onmessage = (e) => resolve(e.data));
  ws.send(JSON.stringify([1, "realm1", { roles: { subscriber: {} } }]));
  await next(); // WELCOME
  ws.send(JSON.stringify([32, 1, {}, "com.bench.fanout"]));
  await next(); // SUBSCRIBED
  ws.onmessage = onEvent;
  return ws;
}

async function fanout(url: string): Promise<number> {
  let delivered = 0;
  const subs: WebSocket[] = [];
  for (let i = 0; i < 100; i++) {
    subs.push(await rawSubscriber(url, () => delivered++));
  }
  const pub = await connect({ url, realm: "realm1" });
  const payload = [{ sensor: "t1", value: 21.5, ts: 1700000000000 }];
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
  await pub.leave();
  for (const ws of subs) ws.close();
  await sleep(50);
  return rate;
}

async function rpc(url: string): Promise<number> {
  const callee = await connect({ url, realm: "realm1" });
  await callee.register(
    "com.bench.rpc",
    ([a, b]) => (a as number) + (b as number),
  );
  const callers = await Promise.all(
    Array.from({ length: 10 }, () => connect({ url, realm: "realm1" })),
  );
  let done = 0;
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
  for (const c of callers) await c.leave();
  await callee.leave();
  return rate;
}

async function memory(): Promise<
  { perSession: number; perSubscription: number }
> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const router = new Router();
  const sessions: Session[] = [];
  gc?.();
  const h0 = Deno.memoryUsage().heapUsed;
  // Client sessions live in this process too, over memory transports: this
  // counts router + client state for each session, an upper bound.
  for (let i = 0; i < 500; i++) {
    sessions.push(
      await connect({
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

const rows: { name: string; fanout: number; rpc: number }[] = [];
for (
  const [name, start] of [["wampkit (embedded)", () => embedded()], [
    "Nexus 3.3.0",
    nexus,
  ], ["Crossbar 26.10", crossbar]] as const
) {
  const r = await start();
  try {
    const f = await fanout(r.url);
    rpcErrors.clear();
    const c = await rpc(r.url);
    rows.push({ name, fanout: f, rpc: c });
    if (rpcErrors.size) {
      console.log(name, "RPC errors:", Object.fromEntries(rpcErrors));
    }
  } finally {
    await r.stop();
  }
}
console.log(
  `\nRouters on 127.0.0.1, JSON over WebSocket, wampkit clients, ${SECONDS} s each\n`,
);
console.log(
  "| router | fan-out events delivered/s (1 → 100) | RPC calls/s (10 callers × 5 in flight → 1 callee) |",
);
console.log("| --- | ---: | ---: |");
for (const r of rows) {
  console.log(`| ${r.name} | ${Math.round(r.fanout)} | ${Math.round(r.rpc)} |`);
}
const m = await memory();
console.log(
  `\nembedded router, heap per session: ${
    Math.round(m.perSession)
  } bytes; per subscription: ${
    Math.round(m.perSubscription)
  } bytes (router and client state, in-process)`,
);
