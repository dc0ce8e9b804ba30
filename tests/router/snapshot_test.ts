// snapshot() and restore(): a router's sessions, subscriptions and
// registrations move to a new router over new transports for the same
// connections, as the Workers adapter does when a Durable Object wakes, and
// the clients notice nothing.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import type { WampError } from "../../src/protocol/wamp_error.ts";
import type { Session } from "../../src/client/session.ts";
import { Router } from "../../src/router/router.ts";
import {
  CLIENT_FEATURES,
  observe,
  restore,
  type Snapshot,
  snapshot,
} from "../../src/router/snapshot.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { Inbox } from "../../src/transports/_base.ts";
import { memoryPair } from "../../src/transports/memory.ts";
import type {
  Frame,
  Transport,
  TransportHandlers,
} from "../../src/transports/transport.ts";
import { wrap } from "../_helpers/peer.ts";

const serializers = () => [
  new JsonSerializer(),
  new MsgpackSerializer(),
  new CborSerializer(),
];

// A connection that outlives routers, as a hibernated WebSocket does: the
// client's end stays, and each router that takes it over gets a new
// transport for the server's end; the ones before it go deaf and mute.
class Line {
  readonly client: Transport;
  #network: Transport;
  #current: LineEnd | undefined;

  constructor(protocol: string) {
    const [client, server] = memoryPair(protocol);
    this.client = client;
    this.#network = server;
    server.listen({
      message: (frame) => this.#current?.inbox.message(frame),
      close: (info) => this.#current?.inbox.close(info),
    });
  }

  serverEnd(): Transport {
    const network = this.#network;
    const end: LineEnd = {
      info: network.info,
      inbox: new Inbox(),
      get isOpen() {
        return network.isOpen;
      },
      send: (frame: Frame) => {
        if (this.#current === end) network.send(frame);
      },
      close: (code?: number, reason?: string) => {
        if (this.#current === end) network.close(code, reason);
      },
      listen: (handlers: TransportHandlers) => end.inbox.listen(handlers),
    };
    this.#current = end;
    return end;
  }
}

interface LineEnd extends Transport {
  readonly inbox: Inbox;
}

async function join(
  router: Router,
  lines: Map<number, Line>,
  protocol = "wamp.2.json",
): Promise<Session> {
  const line = new Line(protocol);
  router.accept(line.serverEnd());
  const session = await connect({
    realm: "realm1",
    serializers: serializers().filter((s) => s.protocol === protocol),
    transports: [{ type: "memory", connect: () => line.client }],
  });
  lines.set(session.id!, line);
  return session;
}

// Takes the routers' sessions over, as the adapter does on waking: the
// snapshot goes through JSON, as through storage.
function move(
  from: Router,
  lines: Map<number, Line>,
  lastInvocation?: number,
): [Router, Set<number>] {
  const saved = JSON.parse(JSON.stringify(snapshot(from))) as Snapshot;
  const to = new Router({ realms: ["realm1"], serializers: serializers() });
  const restored = restore(
    to,
    saved,
    (record) => lines.get(record.id)?.serverEnd(),
    { lastInvocation },
  );
  return [to, restored];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("restore() keeps sessions, subscriptions and registrations with their ids and policies", async () => {
  const lines = new Map<number, Line>();
  const before = new Router({ realms: ["realm1"], serializers: serializers() });
  const a = await join(before, lines);
  const b = await join(before, lines, "wamp.2.msgpack");
  const events: unknown[][] = [];
  const exact = await a.subscribe(
    "com.t",
    (args) => events.push(["a", args[0]]),
  );
  await a.subscribe(
    "com.p",
    (args, _kw, d) => events.push(["prefix", args[0], d.topic]),
    { match: "prefix" },
  );
  await b.subscribe("com.t", (args) => events.push(["b", args[0]]));
  const add = await a.register("com.add", ([x, y]) => Number(x) + Number(y));
  await a.register("com.rr", () => "a", { invoke: "roundrobin" });
  await b.register("com.rr", () => "b", { invoke: "roundrobin" });
  await a.register("com..wild", (_a, _k, d) => d.procedure, {
    match: "wildcard",
  });
  const described = await b.call("wamp.session.get", [a.id]);

  const [after, restored] = move(before, lines);
  assert.deepEqual([...restored].sort(), [a.id, b.id].sort());
  assert.equal(after.sessionCount, 2);

  // Events reach the same subscriptions (the client routes them by id).
  await b.publish("com.t", [1], {}, { acknowledge: true, exclude_me: false });
  await b.publish("com.p.x", [2], {}, { acknowledge: true });
  await sleep(10);
  assert.deepEqual(events.sort(), [["a", 1], ["b", 1], [
    "prefix",
    2,
    "com.p.x",
  ]]);
  // Calls reach the same registrations, callees in their order.
  assert.equal(await b.call("com.add", [2, 3]), 5);
  assert.deepEqual(
    [await b.call("com.rr"), await b.call("com.rr"), await b.call("com.rr")],
    ["a", "b", "a"],
  );
  assert.equal(await b.call("com.x.wild"), "com.x.wild");
  // The meta API sees the same session, subscription and registration.
  assert.deepEqual(await b.call("wamp.session.get", [a.id]), described);
  assert.equal(await b.call("wamp.subscription.lookup", ["com.t"]), exact.id);
  assert.equal(await b.call("wamp.registration.lookup", ["com.add"]), add.id);
  // A new session meets the restored ones.
  const c = await join(after, lines, "wamp.2.cbor");
  assert.equal(await c.call("com.add", [20, 22]), 42);
  // Unsubscribe and unregister by the old ids; the restored sessions leave
  // cleanly and take their subscriptions and registrations with them.
  await exact.unsubscribe();
  await add.unregister();
  await assert.rejects(
    b.call("com.add", [1, 1]),
    (e: unknown) => (e as WampError).uri === "wamp.error.no_such_procedure",
  );
  await a.leave();
  await b.leave();
  await c.leave();
  assert.equal(after.sessionCount, 0);
  assert.deepEqual(snapshot(after), {
    sessions: [],
    subscriptions: [],
    registrations: [],
  });
  await after.close();
});

Deno.test("restore() continues INVOCATION ids after lastInvocation: a late answer to the old router is dropped", async () => {
  const lines = new Map<number, Line>();
  const before = new Router({ realms: ["realm1"], serializers: serializers() });
  const callee = await join(before, lines);
  const caller = await join(before, lines);
  const invoked = Promise.withResolvers<void>();
  const answer = Promise.withResolvers<string>();
  await callee.register("com.slow", () => {
    invoked.resolve();
    return answer.promise;
  });
  await callee.register("com.echo", (args) => args[0]);
  const lost = caller.call("com.slow");
  lost.catch(() => {});
  await invoked.promise;

  const [after] = move(before, lines, 2 ** 40);
  answer.resolve("late"); // YIELD for an INVOCATION the new router never sent
  await sleep(10);
  assert.ok(callee.isOpen && caller.isOpen);
  assert.equal(await caller.call("com.echo", ["after"]), "after");
  await caller.leave();
  await assert.rejects(lost); // lost with the old router: ends with the session
  await callee.leave();
  await after.close();
});

Deno.test("restore() closes the connections of sessions the router cannot take", async () => {
  const lines = new Map<number, Line>();
  const before = new Router({ realms: ["realm1"], serializers: serializers() });
  const a = await join(before, lines);
  const left = Promise.withResolvers<string>();
  a.onleave = (info) => left.resolve(info.message ?? "");
  const to = new Router({ realms: ["other"], serializers: serializers() });
  const restored = restore(
    to,
    snapshot(before),
    (record) => lines.get(record.id)!.serverEnd(),
  );
  assert.equal(restored.size, 0);
  assert.match(await left.promise, /lost this session/);
  assert.equal(to.sessionCount, 0);
});

Deno.test("snapshot() keeps the roles a client announced, with the spec's features only", async () => {
  const router = new Router({ realms: ["realm1"] });
  const line = new Line("wamp.2.json");
  router.accept(line.serverEnd());
  const peer = wrap(line.client);
  peer.send([1, "realm1", {
    roles: {
      callee: { features: { call_canceling: true, made_up: true, x: false } },
      publisher: {},
      dealer: { features: { call_canceling: true } },
    },
  }]);
  assert.equal((await peer.next())[0], 2);
  const [record] = snapshot(router).sessions;
  assert.deepEqual(record!.roles, {
    callee: ["call_canceling"],
    publisher: [],
  });
  assert.ok(!CLIENT_FEATURES.has("made_up"));
  peer.close();
  await router.close();
});

Deno.test("observe() reports subscriptions and registrations as they come and go", async () => {
  const router = new Router({ realms: ["realm1"] });
  const seen: string[] = [];
  observe(router, {
    subscribed: (r) => seen.push(`sub ${r.uri} ${r.match}`),
    unsubscribed: () => seen.push("unsub"),
    registered: (r) => seen.push(`reg ${r.uri} ${r.invoke}`),
    unregistered: () => seen.push("unreg"),
  });
  const lines = new Map<number, Line>();
  const a = await join(router, lines);
  const sub = await a.subscribe("com.a", () => {}, { match: "prefix" });
  await a.subscribe("com.b", () => {});
  await a.register("com.c", () => 1, { invoke: "roundrobin" });
  await sub.unsubscribe();
  await a.leave();
  assert.deepEqual(seen, [
    "sub com.a prefix",
    "sub com.b exact",
    "reg com.c roundrobin",
    "unsub",
    "unsub",
    "unreg",
  ]);
  observe(router, undefined);
  await router.close();
});
