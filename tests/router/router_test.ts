import assert from "node:assert/strict";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { Router, type RouterEvent } from "../../src/router/router.ts";
import { memoryPair } from "../../src/transports/memory.ts";
import { newRouter, rawClient, session } from "../_helpers/router.ts";
import { tick, wrap } from "../_helpers/peer.ts";

Deno.test("router: WELCOME announces the features it implements", async () => {
  const router = newRouter();
  const { peer, id } = await rawClient(router);
  assert.ok(id >= 1 && id <= 2 ** 53);
  peer.close();
  const s = await session(router);
  assert.ok(s.features.caller!.progressive_call_results);
  assert.ok(s.features.caller!.call_canceling);
  assert.ok(s.features.callee!.shared_registration);
  assert.ok(s.features.publisher!.subscriber_blackwhite_listing);
  assert.ok(s.features.subscriber!.pattern_based_subscription);
  assert.equal(s.details.agent, "wampkit-router-0.1.0");
  await s.leave();
});

Deno.test("router: realms are configured or auto-created", async () => {
  const fixed = newRouter();
  await assert.rejects(session(fixed, { realm: "other" }), /no_such_realm/);
  const open = new Router();
  const s = await session(open, { realm: "anything.goes" });
  assert.equal(s.realm, "anything.goes");
  await s.leave();
  const peer = wrap(open.connectLocal());
  peer.send([1, "bad realm", { roles: { caller: {} } }]);
  const abort = await peer.next();
  assert.deepEqual(abort.slice(0, 3), [3, {
    message: "Invalid realm URI bad realm",
  }, "wamp.error.invalid_uri"]);
});

Deno.test("router: protocol violations get ABORT and the rest carries on", async () => {
  const violations: [unknown[] | string, RegExp][] = [
    [
      [48, 5, {}, "com.x"],
      /Request must be the next session-scope ID 3, got 5/,
    ],
    [
      [1, "realm1", { roles: { caller: {} } }],
      /HELLO is not a message a client sends/,
    ],
    [[36, 1, 2, {}], /EVENT is not a message a client sends/],
    [[48, 1, {}, 42], /CALL: Procedure must be a URI string, got number/],
    ["{oops", /Invalid JSON/],
    [[8, 48, 1, {}, "x.y"], /ERROR: Request.Type must be 68/],
    [
      [48, 1, { receive_progress: true }, "com.x"],
      /without announcing progressive_call_results/,
    ],
    [
      [48, 1, { progress: true }, "com.x"],
      /without announcing progressive_call_invocations/,
    ],
  ];
  const router = newRouter();
  const bystander = await session(router);
  await bystander.register("com.still", () => "here");
  for (const [bad, message] of violations) {
    const { peer } = await rawClient(router);
    peer.send([64, 1, {}, "com.victim"]);
    assert.equal((await peer.next())[0], 65);
    peer.send([32, 2, {}, "com.victim.topic"]);
    assert.equal((await peer.next())[0], 33);
    // request ids continue at 3
    const shifted = Array.isArray(bad) && bad[0] === 48 && bad[1] === 1
      ? [48, 3, ...bad.slice(2)]
      : bad;
    peer.send(shifted as unknown[] | string);
    const abort = await peer.next();
    assert.equal(abort[0], 3, String(bad));
    assert.equal(abort[2], "wamp.error.protocol_violation");
    assert.match((abort[1] as { message: string }).message, message);
    await peer.closed;
    await tick();
    // The violator's registration and subscription are gone.
    assert.equal(
      await bystander.call("wamp.registration.lookup", ["com.victim"]),
      null,
    );
    assert.equal(
      await bystander.call("wamp.subscription.lookup", ["com.victim.topic"]),
      null,
    );
  }
  assert.equal(await bystander.call("com.still"), "here");
  await bystander.leave();
});

Deno.test("router: messages before HELLO are protocol violations", async () => {
  const router = newRouter();
  const peer = wrap(router.connectLocal());
  peer.send([48, 1, {}, "com.x"]);
  const abort = await peer.next();
  assert.equal(abort[2], "wamp.error.protocol_violation");
  assert.match(
    (abort[1] as { message: string }).message,
    /CALL received before HELLO/,
  );
  const peer2 = wrap(router.connectLocal());
  peer2.send([1, "realm1", { roles: { nobody: {} } }]);
  assert.match(
    ((await peer2.next())[1] as { message: string }).message,
    /at least one of caller/,
  );
});

Deno.test("router: lenient request ids accept clients with random ids", async () => {
  const router = newRouter({ strictRequestIds: false });
  const { peer } = await rawClient(router);
  peer.send([48, 987654, {}, "wamp.session.count"]);
  assert.deepEqual(await peer.next(), [50, 987654, {}, [1]]);
  peer.close();
});

Deno.test("router: oversize frames are refused with a clear ABORT", async () => {
  const router = newRouter({
    serializers: [new JsonSerializer({ maxMessageSize: 1000 })],
  });
  const { peer } = await rawClient(router);
  peer.send([16, 1, {}, "com.t", ["x".repeat(2000)]]);
  const abort = await peer.next();
  assert.equal(abort[2], "wamp.error.protocol_violation");
  assert.match(
    (abort[1] as { message: string }).message,
    /exceeds the limit of 1000/,
  );
});

Deno.test("router: results too large for the caller fail with payload_size_exceeded", async () => {
  const router = newRouter({
    serializers: [
      new JsonSerializer({ maxMessageSize: 4000 }),
      new MsgpackSerializer(),
    ],
  });
  const { connect } = await import("../../src/client/connection.ts");
  const callee = await connect({
    realm: "realm1",
    serializers: [new MsgpackSerializer()],
    transports: [{
      type: "memory",
      connect: () => router.connectLocal("wamp.2.msgpack"),
    }],
  });
  const caller = await session(router);
  await callee.register("com.big", () => "x".repeat(5000));
  await assert.rejects(
    caller.call("com.big"),
    (e: unknown) =>
      (e as { uri: string }).uri === "wamp.error.payload_size_exceeded",
  );
  assert.ok(callee.isOpen && caller.isOpen);
  await callee.leave();
  await caller.leave();
});

Deno.test("router: maxSessions refuses further sessions", async () => {
  const router = newRouter({ maxSessions: 2 });
  const a = await session(router);
  const b = await session(router);
  await assert.rejects(session(router), /maximum number of sessions/);
  await a.leave();
  await tick();
  const c = await session(router);
  await b.leave();
  await c.leave();
});

Deno.test("router: routes between sessions using different serializers", async () => {
  const router = newRouter({
    serializers: [
      new JsonSerializer(),
      new MsgpackSerializer(),
      new CborSerializer(),
    ],
  });
  assert.deepEqual(router.protocols, [
    "wamp.2.json",
    "wamp.2.msgpack",
    "wamp.2.cbor",
  ]);
  const { connect } = await import("../../src/client/connection.ts");
  const open = (
    protocol: string,
    serializer: JsonSerializer | MsgpackSerializer | CborSerializer,
  ) =>
    connect({
      realm: "realm1",
      serializers: [serializer],
      transports: [{
        type: "memory",
        connect: () => router.connectLocal(protocol),
      }],
    });
  const j = await open("wamp.2.json", new JsonSerializer());
  const m = await open("wamp.2.msgpack", new MsgpackSerializer());
  const c = await open("wamp.2.cbor", new CborSerializer());
  const bytes = new Uint8Array([0, 1, 2, 255]);
  await m.register("com.echo", (args, kwargs) => [args, kwargs]);
  assert.deepEqual(await j.call("com.echo", [bytes, 1.5, "é"], { k: bytes }), [[
    bytes,
    1.5,
    "é",
  ], { k: bytes }]);
  assert.deepEqual(await c.call("com.echo", [2 ** 53]), [[2 ** 53], {}]);
  const got: unknown[] = [];
  await j.subscribe("com.t", (args) => got.push(args[0]));
  await c.subscribe("com.t", (args) => got.push(args[0]));
  await m.publish("com.t", [bytes], {}, { acknowledge: true });
  await tick();
  assert.deepEqual(got, [bytes, bytes]);
  for (const s of [j, m, c]) await s.leave();
  // A transport whose subprotocol the router does not serve is closed.
  const [client, server] = memoryPair("wamp.2.ubjson");
  const closed = new Promise((r) => client.listen({ message() {}, close: r }));
  newRouter().accept(server);
  assert.equal(
    (await closed as { reason: string }).reason,
    "unsupported subprotocol",
  );
});

Deno.test("router: close() says GOODBYE system_shutdown; events are logged", async () => {
  const events: RouterEvent[] = [];
  const router = newRouter({ onEvent: (e) => events.push(e) });
  const s = await session(router);
  const left = new Promise((r) => s.onleave = r);
  router.close();
  assert.deepEqual(await left, {
    reason: "wamp.close.system_shutdown",
    message: "The router is shutting down",
    kind: "goodbye",
  });
  await tick();
  assert.deepEqual(events.map((e) => e.type), ["join", "leave"]);
  assert.equal(router.sessionCount, 0);
});

Deno.test("router: session, registration and subscription meta API", async () => {
  const router = newRouter();
  const watcher = await session(router);
  const joins: unknown[] = [];
  const leaves: unknown[] = [];
  const regEvents: string[] = [];
  const subEvents: [string, unknown][] = [];
  await watcher.subscribe(
    "wamp.session.on_join",
    (args) => joins.push(args[0]),
  );
  await watcher.subscribe(
    "wamp.session.on_leave",
    (args) => leaves.push(args[0]),
  );
  for (const e of ["on_create", "on_register", "on_unregister", "on_delete"]) {
    await watcher.subscribe(`wamp.registration.${e}`, () => regEvents.push(e));
  }
  for (
    const e of ["on_create", "on_subscribe", "on_unsubscribe", "on_delete"]
  ) {
    await watcher.subscribe(
      `wamp.subscription.${e}`,
      (args) => subEvents.push([e, args[0]]),
    );
  }
  const s = await session(router, { authid: "bob" });
  assert.equal(await watcher.call("wamp.session.count"), 2);
  assert.deepEqual(
    (await watcher.call("wamp.session.list") as number[]).sort(),
    [s.id, watcher.id].sort(),
  );
  assert.equal(await watcher.call("wamp.session.count", [["nobody"]]), 0);
  const info = await watcher.call("wamp.session.get", [s.id]) as Record<
    string,
    unknown
  >;
  assert.equal(info.authid, "bob");
  await assert.rejects(
    watcher.call("wamp.session.get", [1]),
    /no_such_session|No such session/,
  );
  const reg = await s.register("com.p", () => 1, { match: "prefix" });
  assert.deepEqual(await watcher.call("wamp.registration.list"), {
    exact: [],
    prefix: [reg.id],
    wildcard: [],
  });
  assert.equal(
    await watcher.call("wamp.registration.lookup", ["com.p", {
      match: "prefix",
    }]),
    reg.id,
  );
  assert.equal(
    await watcher.call("wamp.registration.match", ["com.p.x"]),
    reg.id,
  );
  assert.equal(await watcher.call("wamp.registration.match", ["org.x"]), null);
  const detail = await watcher.call("wamp.registration.get", [
    reg.id,
  ]) as Record<string, unknown>;
  assert.equal(detail.uri, "com.p");
  assert.equal(detail.match, "prefix");
  assert.equal(detail.invoke, "single");
  assert.deepEqual(
    await watcher.call("wamp.registration.list_callees", [reg.id]),
    [s.id],
  );
  assert.equal(
    await watcher.call("wamp.registration.count_callees", [reg.id]),
    1,
  );
  await assert.rejects(
    watcher.call("wamp.registration.get", [5]),
    /No such registration/,
  );
  const sub = await s.subscribe("com.t", () => {});
  assert.equal(
    await watcher.call("wamp.subscription.count_subscribers", [sub.id]),
    1,
  );
  assert.deepEqual(await watcher.call("wamp.subscription.match", ["com.t"]), [
    sub.id,
  ]);
  assert.equal(
    ((await watcher.call("wamp.subscription.list")) as { exact: number[] })
      .exact.includes(sub.id),
    true,
  );
  await s.leave();
  await tick(10);
  assert.equal((joins[0] as { session: number }).session, s.id);
  assert.equal(leaves[0], s.id);
  assert.deepEqual(regEvents, [
    "on_create",
    "on_register",
    "on_unregister",
    "on_delete",
  ]);
  assert.deepEqual(subEvents.filter(([, id]) => id === s.id).map(([e]) => e), [
    "on_create",
    "on_subscribe",
    "on_unsubscribe",
    "on_delete",
  ]);
  await watcher.leave();
});
