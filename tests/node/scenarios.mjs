// The client scenario suite under Node itself, importing @wampkit/wamp as a
// Node user does after `npx jsr add @wampkit/wamp`: node_test.ts transpiles
// the package per file (transpile.mjs), copies this script beside its
// node_modules and runs it under Node 20 (no global WebSocket: `ws` is
// injected) and Node 22 (its global WebSocket, nothing injected).
//
//   node scenarios.mjs '<config JSON>'
//
// config: { websocket: "ws" | "global", urls: { websocket, rawsocket },
//   proxied: { websocket, rawsocket }, drop: "<procedure>", only?: "<regexp>" }
// `proxied` URLs reach the same router through a TCP proxy that the
// procedure `drop` (called with the proxy URL) cuts, as a router that drops
// its connections.
//
// Prints one JSON line first, {"plan": [names]}, then one per scenario,
// {"scenario", "ok", "ms", "error"?}, and last {"done": true, ...}.
import assert from "node:assert/strict";
import fs from "node:fs";
import {
  connect,
  Connection,
  JsonSerializer,
  Result,
  SessionClosedError,
  TransportError,
  WampError,
} from "@wampkit/wamp";
import { MsgpackSerializer } from "@wampkit/wamp/msgpack";
import { CborSerializer } from "@wampkit/wamp/cbor";

const config = JSON.parse(process.argv[2] ?? "{}");
const WS = config.websocket === "ws" ? (await import("ws")).WebSocket : null;

const SERIALIZERS = {
  json: () => new JsonSerializer(),
  msgpack: () => new MsgpackSerializer(),
  cbor: () => new CborSerializer(),
};
const KINDS = ["websocket", "rawsocket"];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const newUid = () => `node${crypto.randomUUID().slice(0, 8)}`;
const deferred = () => {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
/** Resolves with `promise`, or fails after `ms`. */
const within = (promise, ms, what) => {
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
};
/** Polls `check` until it returns true, or fails after `ms`. */
const until = async (check, what, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await sleep(5);
  }
};
/** A predicate for assert.rejects: a WampError (or subclass) with `uri`. */
const wampError = (uri, Class = WampError) => (e) => {
  assert.ok(
    e instanceof Class,
    `${e?.name}: ${e?.message} is no ${Class.name}`,
  );
  assert.equal(e.uri, uri);
  return true;
};

/** The transport options of one kind, to the router or through the proxy. */
function transport(kind, proxied = false) {
  const url = (proxied ? config.proxied : config.urls)[kind];
  if (kind === "rawsocket") return { type: "rawsocket", url };
  return WS
    ? { type: "websocket", url, WebSocket: WS }
    : { type: "websocket", url };
}
const open = (kind, format, extra = {}) =>
  connect({
    realm: "realm1",
    serializers: [SERIALIZERS[format]()],
    transports: [transport(kind)],
    ...extra,
  });

/** A callee whose invocations end when interrupted, or after `ms`. */
const interruptible = (interrupted, ms = 2000) => (_args, _kwargs, details) =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve("late"), ms);
    details.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      interrupted?.resolve(details.signal.reason);
      resolve("interrupted");
    });
  });

/**
 * Scenarios over one transport kind and serializer: `pair` ones get two
 * sessions (a, b) opened and left around them; the others open their own.
 */
const SCENARIOS = [
  {
    name: "connect: join, session details, transport info and frames",
    async run(kind, format) {
      const frames = { sent: new Set(), received: new Set() };
      let constructed = 0;
      let extra = {};
      let restore = () => {};
      if (kind === "websocket") {
        // The WebSocket class the client uses, recording frame types.
        const Base = WS ?? globalThis.WebSocket;
        const Recording = class extends Base {
          constructor(...args) {
            super(...args);
            constructed++;
            this.addEventListener("message", (event) => {
              frames.received.add(
                typeof event.data === "string" ? "text" : "binary",
              );
            });
          }
          send(data, ...rest) {
            frames.sent.add(typeof data === "string" ? "text" : "binary");
            return super.send(data, ...rest);
          }
        };
        if (WS) {
          extra = {
            transports: [{
              type: "websocket",
              url: config.urls.websocket,
              WebSocket: Recording,
            }],
          };
        } else {
          // Node 22: the client must pick up the global class by itself.
          const Native = globalThis.WebSocket;
          globalThis.WebSocket = Recording;
          restore = () => globalThis.WebSocket = Native;
        }
      }
      let session;
      try {
        session = await open(kind, format, extra);
      } finally {
        restore();
      }
      try {
        assert.equal(session.isOpen, true);
        assert.equal(typeof session.id, "number");
        assert.ok(session.id > 0 && Number.isSafeInteger(session.id));
        assert.equal(session.realm, "realm1");
        assert.deepEqual(session.transport.info, {
          type: kind,
          url: config.urls[kind],
          protocol: `wamp.2.${format}`,
        });
        const roles = session.details.roles;
        assert.ok(roles?.broker && roles?.dealer, "router roles in WELCOME");
        const { caller, publisher } = session.features;
        assert.equal(caller?.progressive_call_results, true);
        assert.equal(caller?.call_canceling, true);
        assert.equal(caller?.call_timeout, true);
        assert.equal(publisher?.publisher_exclusion, true);
        assert.equal(
          await session.call("wamp.session.count"),
          await session.call("wamp.session.count"),
        );
        if (kind === "websocket") {
          assert.equal(constructed, 1, "the client used our WebSocket class");
          const type = format === "json" ? "text" : "binary";
          assert.deepEqual([...frames.sent], [type]);
          assert.deepEqual([...frames.received], [type]);
        }
      } finally {
        await session.leave();
      }
      assert.equal(session.isOpen, false);
    },
  },
  {
    name: "rpc: args, kwargs, Result, binary, unicode, 256 KB",
    pair: true,
    async run(_kind, _format, a, b, uid) {
      await a.register(`${uid}.add2`, ([x, y]) => x + y);
      await a.register(
        `${uid}.echo`,
        (args, kwargs) => new Result(args, kwargs),
      );
      await a.register(`${uid}.first`, (args) => args[0]);
      await a.register(`${uid}.nothing`, () => {});
      assert.equal(await b.call(`${uid}.add2`, [20, 22]), 42);
      const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255]);
      const args = ["héllo ☃ 𝄞", -1.5, 2 ** 53 - 1, null, true, [1, [2, []]], {
        n: { m: "x" },
      }, bytes];
      const kwargs = { k: "v", bin: bytes, nested: { list: [1, 2, 3] } };
      const r = await b.call(`${uid}.echo`, args, kwargs);
      assert.ok(r instanceof Result);
      assert.deepEqual(r.args, args);
      assert.deepEqual(r.kwargs, kwargs);
      // deepEqual is strict about prototypes: plain Uint8Array, no Buffer.
      assert.equal(Object.getPrototypeOf(r.args[7]), Uint8Array.prototype);
      const one = await b.call(`${uid}.first`, [bytes]);
      assert.equal(Object.getPrototypeOf(one), Uint8Array.prototype);
      assert.deepEqual(one, bytes);
      const big = new Uint8Array(256 * 1024);
      for (let i = 0; i < big.length; i += 65536) {
        crypto.getRandomValues(big.subarray(i, i + 65536));
      }
      assert.deepEqual(await b.call(`${uid}.first`, [big]), big);
      assert.equal(await b.call(`${uid}.nothing`), undefined);
      const kwOnly = await b.call(`${uid}.echo`, [], { only: 1 });
      assert.deepEqual([kwOnly.args, kwOnly.kwargs], [[], { only: 1 }]);
    },
  },
  {
    name: "rpc: errors (application, runtime, no such procedure, duplicate)",
    pair: true,
    async run(_kind, _format, a, b, uid) {
      await a.register(`${uid}.fail`, () => {
        throw new WampError(`${uid}.error.bad`, ["bad", 1], { code: 7 });
      });
      await a.register(`${uid}.crash`, () => {
        throw new TypeError("boom");
      });
      await a.register(`${uid}.reject`, () => Promise.reject(new Error("no")));
      await assert.rejects(b.call(`${uid}.fail`, [1]), (e) => {
        wampError(`${uid}.error.bad`)(e);
        assert.deepEqual([e.args, e.kwargs], [["bad", 1], { code: 7 }]);
        return true;
      });
      await assert.rejects(b.call(`${uid}.crash`), (e) => {
        wampError("wamp.error.runtime_error")(e);
        assert.deepEqual(e.args, ["boom"]);
        return true;
      });
      await assert.rejects(b.call(`${uid}.reject`), (e) => {
        wampError("wamp.error.runtime_error")(e);
        assert.deepEqual(e.args, ["no"]);
        return true;
      });
      await assert.rejects(
        b.call(`${uid}.missing`),
        wampError("wamp.error.no_such_procedure"),
      );
      await assert.rejects(
        b.register(`${uid}.fail`, () => 1),
        wampError("wamp.error.procedure_already_exists"),
      );
      assert.equal(await b.call("wamp.session.count") > 0, true);
    },
  },
  {
    name: "rpc: progressive results (.then progress, .onProgress, for await)",
    pair: true,
    async run(_kind, _format, a, b, uid) {
      await a.register(`${uid}.longop`, async (args, _kw, details) => {
        for (let i = 0; i < args[0]; i++) {
          details.progress?.([i]);
          await sleep(3);
        }
        return args[0];
      });
      await a.register(`${uid}.longfail`, async (_args, _kw, details) => {
        details.progress?.(["first"]);
        await sleep(3);
        throw new WampError(`${uid}.error.midway`);
      });
      const call = (options = {}) =>
        b.call(`${uid}.longop`, [3], {}, {
          receive_progress: true,
          ...options,
        });

      // Autobahn|JS style: the third callback of then().
      const seen1 = [];
      const final1 = await new Promise((resolve, reject) =>
        call().then(resolve, reject, (value) => seen1.push(value))
      );
      assert.deepEqual([seen1, final1], [[0, 1, 2], 3]);

      // .onProgress(), chained, with details.
      const seen2 = [];
      const final2 = await call().onProgress((value, details) => {
        assert.equal(typeof details, "object");
        seen2.push(value);
      });
      assert.deepEqual([seen2, final2], [[0, 1, 2], 3]);

      // for await over the call, then its final value.
      const iterated = call();
      const seen3 = [];
      for await (const value of iterated) seen3.push(value);
      assert.deepEqual([seen3, await iterated], [[0, 1, 2], 3]);

      // The onProgress call option (implies receive_progress).
      const seen4 = [];
      const final4 = await b.call(`${uid}.longop`, [2], {}, {
        onProgress: (value) => seen4.push(value),
      });
      assert.deepEqual([seen4, final4], [[0, 1], 2]);

      // No progress asked for: the callee has no progress function.
      assert.equal(await b.call(`${uid}.longop`, [2]), 2);

      // for await rethrows the call's error after the progress before it.
      const seen5 = [];
      await assert.rejects(async () => {
        for await (
          const value of b.call(`${uid}.longfail`, [], {}, {
            receive_progress: true,
          })
        ) seen5.push(value);
      }, wampError(`${uid}.error.midway`));
      assert.deepEqual(seen5, ["first"]);
    },
  },
  {
    name: "rpc: cancel with AbortSignal and cancel(), callee interrupted",
    pair: true,
    async run(_kind, _format, a, b, uid) {
      let interrupted = deferred();
      await a.register(
        `${uid}.slow`,
        (...args) => interruptible(interrupted)(...args),
      );
      const canceled = wampError("wamp.error.canceled");

      const controller = new AbortController();
      const call = b.call(`${uid}.slow`, [], {}, { signal: controller.signal });
      await sleep(50);
      controller.abort();
      await assert.rejects(call, canceled);
      await within(interrupted.promise, 2000, "INTERRUPT after abort()");

      interrupted = deferred();
      const timed = b.call(`${uid}.slow`, [], {}, {
        signal: AbortSignal.timeout(60),
      });
      await assert.rejects(timed, canceled);
      await within(
        interrupted.promise,
        2000,
        "INTERRUPT after AbortSignal.timeout",
      );

      interrupted = deferred();
      const direct = b.call(`${uid}.slow`);
      await sleep(50);
      direct.cancel("kill");
      await assert.rejects(direct, canceled);
      await within(interrupted.promise, 2000, "INTERRUPT after cancel()");

      await assert.rejects(
        b.call(`${uid}.slow`, [], {}, { signal: AbortSignal.abort() }),
        canceled,
      );
      assert.ok(a.isOpen && b.isOpen);
      await a.register(`${uid}.ok`, () => "ok");
      assert.equal(await b.call(`${uid}.ok`), "ok");
    },
  },
  {
    name: "rpc: call timeout (wamp.error.timeout, callee interrupted)",
    pair: true,
    async run(_kind, _format, a, b, uid) {
      const interrupted = deferred();
      await a.register(`${uid}.never`, interruptible(interrupted, 3000));
      const started = Date.now();
      await assert.rejects(
        b.call(`${uid}.never`, [], {}, { timeout: 200 }),
        wampError("wamp.error.timeout"),
      );
      const took = Date.now() - started;
      assert.ok(took >= 150 && took < 2000, `timed out after ${took} ms`);
      await within(interrupted.promise, 2000, "INTERRUPT after the timeout");
      await a.register(`${uid}.quick`, () => "quick");
      assert.equal(
        await b.call(`${uid}.quick`, [], {}, { timeout: 2000 }),
        "quick",
      );
      assert.ok(b.isOpen);
    },
  },
  {
    name: "pubsub: acknowledge, exclude_me, disclosure, binary, unsubscribe",
    pair: true,
    async run(_kind, _format, a, b, uid) {
      const topic = `${uid}.t`;
      const toA = [];
      const toB = [];
      const sub = await a.subscribe(topic, (args, kwargs, details) =>
        toA.push({
          args,
          kwargs,
          topic: details.topic,
          publisher: details.publisher ?? null,
          publication: details.publication,
        }));
      await b.subscribe(topic, (args) => toB.push(args));
      const bytes = new Uint8Array([0, 1, 254, 255]);
      const pub = await b.publish(topic, [bytes, "x"], { k: 1 }, {
        acknowledge: true,
        disclose_me: true,
      });
      assert.ok(pub.id > 0);
      assert.equal(b.publish(topic, ["no ack"]), undefined);
      await b.publish(topic, ["mine too"], {}, {
        acknowledge: true,
        exclude_me: false,
      });
      await until(() => toA.length === 3 && toB.length === 1, "3 events to a");
      assert.deepEqual(toA[0], {
        args: [bytes, "x"],
        kwargs: { k: 1 },
        topic,
        publisher: b.id,
        publication: pub.id,
      });
      assert.equal(toA[1].publisher, null);
      assert.deepEqual(toA.map((e) => e.args[0]).slice(1), [
        "no ack",
        "mine too",
      ]);
      assert.deepEqual(toB, [["mine too"]]);
      assert.equal(await sub.unsubscribe(), true);
      await b.publish(topic, ["after"], {}, {
        acknowledge: true,
        exclude_me: false,
      });
      await until(() => toB.length === 2, "event after unsubscribe to b");
      await sleep(30);
      assert.equal(toA.length, 3);
      await assert.rejects(
        b.publish("not a valid..uri!", [], {}, { acknowledge: true }),
        wampError("wamp.error.invalid_uri"),
      );
    },
  },
  {
    name: "patterns: prefix and wildcard registrations and subscriptions",
    pair: true,
    async run(_kind, _format, a, b, uid) {
      await a.register(`${uid}.obj`, (_a, _k, d) => ["prefix", d.procedure], {
        match: "prefix",
      });
      await a.register(
        `${uid}..wild`,
        (_a, _k, d) => ["wildcard", d.procedure],
        {
          match: "wildcard",
        },
      );
      await a.register(`${uid}.obj.exact`, () => ["exact"]);
      assert.deepEqual(await b.call(`${uid}.obj.get`), [
        "prefix",
        `${uid}.obj.get`,
      ]);
      assert.deepEqual(await b.call(`${uid}.x.wild`), [
        "wildcard",
        `${uid}.x.wild`,
      ]);
      assert.deepEqual(await b.call(`${uid}.obj.exact`), ["exact"]);

      const got = [];
      await a.subscribe(
        `${uid}.p`,
        (args, _k, d) => got.push(["prefix", args[0], d.topic]),
        { match: "prefix" },
      );
      await a.subscribe(
        `${uid}..w`,
        (args, _k, d) => got.push(["wildcard", args[0], d.topic]),
        { match: "wildcard" },
      );
      await b.publish(`${uid}.p.x`, [1], {}, { acknowledge: true });
      await b.publish(`${uid}.q.w`, [2], {}, { acknowledge: true });
      await b.publish(`${uid}.p.y`, [3], {}, {
        acknowledge: true,
        exclude: [a.id],
      });
      await b.publish(`${uid}.p.z`, [4], {}, {
        acknowledge: true,
        eligible: [a.id],
      });
      await b.publish(`${uid}.nomatch`, [5], {}, { acknowledge: true });
      await until(() => got.length === 3, "3 pattern events");
      await sleep(30);
      assert.deepEqual(got, [
        ["prefix", 1, `${uid}.p.x`],
        ["wildcard", 2, `${uid}.q.w`],
        ["prefix", 4, `${uid}.p.z`],
      ]);
    },
  },
  {
    name: "rpc: shared registration round robin and caller disclosure",
    pair: true,
    async run(_kind, _format, a, b, uid) {
      await a.register(`${uid}.rr`, () => "a", { invoke: "roundrobin" });
      await b.register(`${uid}.rr`, () => "b", { invoke: "roundrobin" });
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await a.call(`${uid}.rr`));
      assert.deepEqual(got.sort(), ["a", "a", "b", "b"]);
      await a.register(`${uid}.who`, (_a, _k, d) => d.caller ?? null);
      assert.equal(
        await b.call(`${uid}.who`, [], {}, { disclose_me: true }),
        b.id,
      );
      assert.equal(await b.call(`${uid}.who`), null);
    },
  },
  {
    name:
      "reconnect: router drops the connection, pending calls reject, session comes back",
    async run(kind, format) {
      const uid = newUid();
      const helper = await open(kind, format);
      const connection = new Connection({
        realm: "realm1",
        serializers: [SERIALIZERS[format]()],
        transports: [transport(kind, true)],
        initial_retry_delay: 0.05,
        retry_delay_jitter: 0,
        max_retries: 20,
        resubscribe: true,
        reregister: true,
      });
      const opened = [];
      const closed = [];
      connection.onopen = (session) => opened.push(session);
      connection.onclose = (reason, details) => {
        closed.push([reason, details]);
      };
      try {
        await helper.register(`${uid}.slow`, interruptible(null, 1000));
        connection.open();
        await until(() => opened.length === 1, "first session");
        const first = opened[0];
        assert.deepEqual(connection.transport.info, {
          type: kind,
          url: config.proxied[kind],
          protocol: `wamp.2.${format}`,
        });
        const events = [];
        await first.subscribe(`${uid}.topic`, (args) => events.push(args[0]));
        await first.register(`${uid}.back`, () => "back");
        assert.equal(await helper.call(`${uid}.back`), "back");
        const pending = first.call(`${uid}.slow`);
        const settled = pending.then(() => "resolved", (e) => e);
        await sleep(20);

        const dropped = await helper.call(config.drop, [config.proxied[kind]]);
        assert.ok(dropped >= 1, `proxy dropped ${dropped} connections`);

        const error = await within(settled, 3000, "pending call to settle");
        wampError("wamp.close.transport_lost", SessionClosedError)(error);
        assert.equal(first.isOpen, false);
        await assert.rejects(
          first.call(`${uid}.back`),
          (e) => e instanceof SessionClosedError,
        );
        await until(() => opened.length === 2, "a second session", 5000);
        assert.equal(closed.length, 1);
        const [reason, details] = closed[0];
        assert.equal(reason, "lost");
        assert.equal(details.will_retry, true);
        assert.equal(details.reason, "wamp.close.transport_lost");

        const second = opened[1];
        assert.ok(second.isOpen && connection.isOpen);
        assert.notEqual(second.id, first.id);
        assert.equal(connection.session, second);
        // reregister and resubscribe restored both on the new session.
        await until(() => second.registrations.length === 1, "reregistered");
        assert.equal(await helper.call(`${uid}.back`), "back");
        await helper.publish(`${uid}.topic`, ["again"], {}, {
          acknowledge: true,
        });
        await until(() => events.length === 1, "event on the new session");
        assert.deepEqual(events, ["again"]);
        assert.equal(await second.call("wamp.session.count") > 0, true);
      } finally {
        await connection.close();
        await helper.leave();
      }
      const [reason, details] = closed.at(-1);
      assert.equal(reason, "closed");
      assert.equal(details.will_retry, false);
      assert.equal(connection.isOpen, false);
    },
  },
  {
    name:
      "leave/close: pending requests settle, closed session refuses, close() reports",
    async run(kind, format) {
      const uid = newUid();
      const callee = await open(kind, format);
      try {
        await callee.register(`${uid}.slow`, interruptible(null, 1000));
        const s = await open(kind, format);
        const pending = s.call(`${uid}.slow`).then(() => "resolved", (e) => e);
        await sleep(20);
        await s.leave();
        const error = await within(pending, 2000, "pending call to settle");
        assert.ok(error instanceof SessionClosedError, String(error));
        assert.equal(s.isOpen, false);
        await assert.rejects(
          s.call(`${uid}.slow`),
          (e) => e instanceof SessionClosedError,
        );
        await assert.rejects(
          s.subscribe(`${uid}.t`, () => {}),
          (e) => e instanceof SessionClosedError,
        );

        const connection = new Connection({
          realm: "realm1",
          serializers: [SERIALIZERS[format]()],
          transports: [transport(kind)],
        });
        const closes = [];
        connection.onclose = (reason, details) => {
          closes.push([reason, details.reason, details.will_retry]);
        };
        const session = await connection.openSession();
        assert.equal(connection.isOpen, true);
        await connection.close();
        assert.equal(session.isOpen, false);
        assert.equal(connection.isOpen, false);
        assert.deepEqual(closes, [["closed", "wamp.close.normal", false]]);
      } finally {
        await callee.leave();
      }
    },
  },
];

/** Node-specific checks, once per run: with `ws` injected (Node 20) or not. */
const RUNTIME = [
  WS
    ? {
      name:
        "runtime: no global WebSocket, connect() fails as unsupported until one is injected",
      async run() {
        assert.equal(globalThis.WebSocket, undefined);
        await assert.rejects(
          connect({ url: config.urls.websocket, realm: "realm1" }),
          (e) => {
            assert.ok(e instanceof TransportError, String(e));
            assert.equal(e.unsupported, true);
            return true;
          },
        );
        const s = await connect({
          realm: "realm1",
          transports: [{
            type: "websocket",
            url: config.urls.websocket,
            WebSocket: WS,
          }],
        });
        assert.equal(s.transport.info.protocol, "wamp.2.json");
        await s.leave();
      },
    }
    : {
      name: "runtime: the global WebSocket is used with nothing injected",
      async run() {
        assert.equal(WS, null, "this run must not inject ws");
        assert.equal(typeof globalThis.WebSocket, "function");
        const s = await connect({
          url: config.urls.websocket,
          realm: "realm1",
        });
        assert.equal(s.transport.info.protocol, "wamp.2.json");
        await s.leave();
      },
    },
];

const plan = [];
const jobs = [];
const polyfilled = [];
const only = config.only ? new RegExp(config.only) : null;
const add = (name, fn) => {
  if (only && !only.test(name)) return;
  plan.push(name);
  jobs.push([name, fn]);
};

// First, with nothing added to the runtime: the library as a Node user gets
// it. Only if that fails (Node 20 has no Promise.withResolvers) is the rest
// run with a polyfill, so that it still says what else works.
add(
  "runtime: the client runs with no polyfill (connect, call, leave)",
  async () => {
    try {
      const s = await connect({
        realm: "realm1",
        transports: [{ type: "rawsocket", url: config.urls.rawsocket }],
      });
      assert.equal(await s.call("wamp.session.count") > 0, true);
      await s.leave();
    } catch (err) {
      if (typeof Promise.withResolvers !== "function") {
        Promise.withResolvers = deferred;
        polyfilled.push("Promise.withResolvers");
      }
      throw err;
    }
  },
);
add("runtime: every client entry point of the package loads", async () => {
  const pkg = JSON.parse(
    fs.readFileSync(
      new URL("node_modules/@wampkit/wamp/package.json", import.meta.url),
      "utf8",
    ),
  );
  const entries = Object.keys(pkg.exports).filter((key) =>
    !key.startsWith("./router") && key !== "./cli"
  );
  assert.ok(entries.includes(".") && entries.includes("./msgpack"));
  for (const entry of entries) {
    const name = `@wampkit/wamp${entry.slice(1)}`;
    const module = await import(name).catch((err) => {
      throw new Error(`import("${name}"): ${err?.message ?? err}`);
    });
    assert.ok(Object.keys(module).length > 0, `${name} exports nothing`);
  }
});
for (const check of RUNTIME) add(check.name, check.run);
for (const kind of KINDS) {
  for (const format of Object.keys(SERIALIZERS)) {
    for (const scenario of SCENARIOS) {
      add(`[${kind}/${format}] ${scenario.name}`, async () => {
        if (!scenario.pair) return await scenario.run(kind, format);
        const a = await open(kind, format);
        const b = await open(kind, format);
        try {
          await scenario.run(kind, format, a, b, newUid());
        } finally {
          await Promise.allSettled([a.leave(), b.leave()]);
        }
      });
    }
  }
}

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
print({ plan });
let failed = 0;
for (const [name, fn] of jobs) {
  const started = performance.now();
  try {
    await within(fn(), 20_000, name);
    print({
      scenario: name,
      ok: true,
      ms: Math.round(performance.now() - started),
    });
  } catch (err) {
    failed++;
    print({
      scenario: name,
      ok: false,
      ms: Math.round(performance.now() - started),
      error: err?.stack ?? String(err),
    });
  }
}
print({
  done: true,
  node: process.versions.node,
  websocket: WS ? "ws (injected)" : "global",
  polyfilled,
  failed,
});
process.exit(failed === 0 ? 0 : 1);
