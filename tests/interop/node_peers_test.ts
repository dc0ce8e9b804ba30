// Autobahn|JS 22 and wampy 8 run where their users run them: under Node,
// with the `ws` package, as real child processes (node_autobahn.mjs,
// node_wampy.mjs), against the embedded router served by Deno. Each script
// reports one JSON line that is asserted here in full; its exit code too.
// Peers from tests/interop/node_modules (tests/interop/install_peers.sh).
// Autobahn|JS uses random request ids, so the router runs with
// strictRequestIds: false, as documented for old clients.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import { Result } from "../../src/client/result.ts";
import type { Session } from "../../src/client/session.ts";
import { serveRawSocket, serveRouter } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { type Child, type Report, spawnNode, STEP_MS } from "./_child.ts";

// The payloads of _node_common.mjs.
const ECHO_ARGS = [1, "two", { three: 3.5, list: [null, true, false] }];
const ECHO_KWARGS = {
  unicode: "ü€😀",
  nested: { a: [1, { b: null }] },
  neg: -7,
  u32: 4294967295,
  i32: -2147483648,
};
const EVENT_ARGS = ["hello", { nested: [1, 2.5, "ü€"] }];
const EVENT_KWARGS = { k: "v", none: null };

const COUNT = {
  progress: [0, 1, 2].map((i) => ({ args: [i], kwargs: { i } })),
  final: { args: [3], kwargs: { done: true } },
};

interface Wampkit {
  url: string;
  /** The same router over RawSocket: TCP, and a Unix socket. */
  rawsocket: { tcp: string; unix: string };
  session: Session;
  events: unknown[];
}

/**
 * Serves a router (port 0) with a wampkit session that offers
 * `wampkit.echo`, the progressive `wampkit.count` and collects
 * `wampkit.topic` events.
 */
async function withRouter(fn: (w: Wampkit) => Promise<void>): Promise<void> {
  const router = new Router({
    realms: ["realm1"],
    strictRequestIds: false,
    serializers: [
      new JsonSerializer(),
      new MsgpackSerializer(),
      new CborSerializer(),
    ],
  });
  const server = serveRouter(router, { port: 0 });
  const dir = await Deno.makeTempDir({ prefix: "wampkit-node-peers-" });
  const tcp = serveRawSocket(router, { port: 0 });
  const unix = serveRawSocket(router, { path: `${dir}/router.sock` });
  let session: Session | undefined;
  try {
    session = await connect({
      url: server.url,
      realm: "realm1",
      max_retries: 0,
    });
    await session.register(
      "wampkit.echo",
      (args, kwargs) => new Result(args, kwargs),
    );
    await session.register("wampkit.count", (args, _kw, d) => {
      const n = args[0] as number;
      for (let i = 0; i < n; i++) d.progress?.([i], { i });
      return new Result([n], { done: true });
    });
    const events: unknown[] = [];
    await session.subscribe(
      "wampkit.topic",
      (args, kwargs) => events.push({ args, kwargs }),
    );
    await fn({
      url: server.url,
      rawsocket: { tcp: tcp.url, unix: unix.url },
      session,
      events,
    });
  } finally {
    if (session?.isOpen) await session.leave().catch(() => {});
    await server.shutdown();
    await tcp.shutdown();
    await unix.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A WAMP id as reported: a number, or {$bigint} — msgpackr (wampy's
 * MessagePack) decodes every uint64 as a bigint, and ids above 2^32 can only
 * be written as uint64 (research/peers.md §7). Ids are opaque to
 * applications; the value must still be an id.
 */
function assertId(value: unknown, what: string, output: string): void {
  const big = (value as { $bigint?: string } | null)?.$bigint;
  const n = typeof value === "number"
    ? value
    : typeof big === "string"
    ? Number(big)
    : NaN;
  assert.ok(
    Number.isInteger(n) && n >= 1 && n <= 2 ** 53,
    `${what}: expected a WAMP id (an integer 1..2^53), got ${
      JSON.stringify(value)
    }\n${output}`,
  );
}

/** Runs a one-shot peer; returns its `result`, after its exit code 0. */
async function solo(child: Child): Promise<Report> {
  await using c = child;
  const result = await c.report("result", STEP_MS);
  const status = await c.exit(STEP_MS);
  assert.equal(status.code, 0, `exit code\n${c.output}`);
  assert.equal(
    c.reports.filter((r) => "error" in r).length,
    0,
    c.output,
  );
  return { ...result.result, output: c.output };
}

function expectPayloads(r: Report, wampkitEvents: unknown[], from: unknown) {
  const output = r.output as string;
  assert.deepEqual(r.add, {
    args: [5],
    kwargs: { sum: 5, echo: { x: "y", list: [true, false, null] } },
  }, output);
  assert.deepEqual(r.wkEcho, { args: ECHO_ARGS, kwargs: ECHO_KWARGS }, output);
  assert.deepEqual(r.wkCount, COUNT, output);
  assert.deepEqual(r.event, {
    args: EVENT_ARGS,
    kwargs: EVENT_KWARGS,
  }, output);
  assertId(r.pubId, "publication id (acknowledge)", output);
  assertId(r.wkPubId, "publication id (acknowledge)", output);
  assert.equal(r.missing.error, "wamp.error.no_such_procedure", output);
  assert.deepEqual(r.fail, {
    error: "com.example.error.bad",
    args: ["bad"],
    kwargs: { code: 7 },
  }, output);
  assert.deepEqual(wampkitEvents, [from], output);
}

const opts = { sanitizeOps: false, sanitizeResources: false };

for (
  const [serializers, protocol] of [
    ["default", "wamp.2.json"],
    ["json", "wamp.2.json"],
    ["msgpack", "wamp.2.msgpack"],
    ["cbor", "wamp.2.cbor"],
  ] as const
) {
  Deno.test({
    name: `node: Autobahn|JS under Node (ws), serializers ${serializers}` +
      (serializers === "default"
        ? " (offers wamp.2.json,wamp.2.msgpack)"
        : ` first of json,msgpack,cbor`),
    ...opts,
    fn: () =>
      withRouter(async ({ url, events }) => {
        const r = await solo(
          spawnNode("node_autobahn.mjs", [url, serializers, "solo"]),
        );
        const output = r.output as string;
        // The router answers with the client's first choice (negotiate()).
        assert.deepEqual(r.protocols, [protocol, protocol], output);
        assert.deepEqual(r.count, COUNT, output);
        expectPayloads(r, events, {
          args: ["from autobahn", serializers],
          kwargs: { lib: "autobahn" },
        });
      }),
  });
}

for (const over of ["tcp", "unix"] as const) {
  Deno.test({
    name:
      `node: Autobahn|JS under Node over RawSocket (its rawsocket transport, JSON, ${over})`,
    ...opts,
    fn: () =>
      withRouter(async ({ rawsocket, events }) => {
        const r = await solo(
          spawnNode("node_autobahn.mjs", [rawsocket[over], "default", "solo"]),
        );
        const output = r.output as string;
        assert.deepEqual(r.protocols, ["wamp.2.json", "wamp.2.json"], output);
        assert.deepEqual(r.types, ["rawsocket", "rawsocket"], output);
        assert.deepEqual(r.count, COUNT, output);
        expectPayloads(r, events, {
          args: ["from autobahn", "default"],
          kwargs: { lib: "autobahn" },
        });
      }),
  });
}

for (const serializer of ["json", "msgpack", "cbor"]) {
  Deno.test({
    name: `node: wampy under Node (ws), ${serializer}` +
      (serializer === "json" ? " (its default serializer)" : ""),
    ...opts,
    fn: () =>
      withRouter(async ({ url, events }) => {
        const r = await solo(
          spawnNode("node_wampy.mjs", [url, serializer, "solo"]),
        );
        const output = r.output as string;
        assert.deepEqual(
          r.protocols,
          [`wamp.2.${serializer}`, `wamp.2.${serializer}`],
          output,
        );
        expectPayloads(r, events, {
          args: ["from wampy", serializer],
          kwargs: { lib: "wampy" },
        });
      }),
  });
}

for (const serializer of ["json", "msgpack", "cbor"]) {
  Deno.test({
    name:
      `node: Autobahn|JS (default options) and wampy (${serializer}) call each other, two Node processes`,
    ...opts,
    fn: () =>
      withRouter(async ({ url }) => {
        await using ab = spawnNode("node_autobahn.mjs", [
          url,
          "default",
          "peer",
        ]);
        await using wampy = spawnNode("node_wampy.mjs", [
          url,
          serializer,
          "peer",
        ]);
        const [abReady, wampyReady] = await Promise.all([
          ab.report("ready"),
          wampy.report("ready"),
        ]);
        const output = () => ab.output + wampy.output;
        assert.deepEqual(abReady.ready, { protocol: "wamp.2.json" }, output());
        assert.deepEqual(
          wampyReady.ready,
          { protocol: `wamp.2.${serializer}` },
          output(),
        );
        await Promise.all([ab.send("go"), wampy.send("go")]);
        const [abResult, wampyResult] = await Promise.all([
          ab.report("result"),
          wampy.report("result"),
        ]);
        await Promise.all([ab.send("bye"), wampy.send("bye")]);
        const [abStatus, wampyStatus] = await Promise.all([
          ab.exit(),
          wampy.exit(),
        ]);
        assert.equal(abStatus.code, 0, output());
        assert.equal(wampyStatus.code, 0, output());
        const a = abResult.result, w = wampyResult.result;
        assert.deepEqual(a.mul, {
          args: [42],
          kwargs: { by: "wampy", echo: ECHO_KWARGS },
        }, output());
        assert.deepEqual(
          a.echo,
          { args: ECHO_ARGS, kwargs: ECHO_KWARGS },
          output(),
        );
        assert.deepEqual(a.event, {
          args: EVENT_ARGS,
          kwargs: EVENT_KWARGS,
        }, output());
        assertId(a.pubId, "Autobahn|JS publication id", output());
        assert.deepEqual(w.add, {
          args: [5],
          kwargs: { by: "autobahn", echo: ECHO_KWARGS },
        }, output());
        assert.deepEqual(w.count, COUNT, output());
        assert.deepEqual(w.event, {
          args: EVENT_ARGS,
          kwargs: EVENT_KWARGS,
        }, output());
        assertId(w.pubId, "wampy publication id", output());
      }),
  });
}
