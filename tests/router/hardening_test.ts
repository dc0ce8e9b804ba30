// What a hostile or broken client must not be able to do to the router and
// to everyone else on it: hold places without joining, grow the router's
// memory, speak for the router on wamp.* URIs, take another identity.
// Raw frames from a scripted peer, so the wire is what is tested.
import assert from "node:assert/strict";
import { Router, type RouterEvent } from "../../src/router/router.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { memoryPair } from "../../src/transports/memory.ts";
import type { Frame, Transport } from "../../src/transports/transport.ts";
import { newRouter, rawClient, session } from "../_helpers/router.ts";
import { tick, wrap } from "../_helpers/peer.ts";
import { VirtualClock } from "../_helpers/virtual_clock.ts";

const ALL_ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} };

function hello(peer: ReturnType<typeof wrap>, realm = "realm1", extra = {}) {
  peer.send([1, realm, { roles: ALL_ROLES, ...extra }]);
  return peer.next();
}

Deno.test("handshake: connections that have not joined do not count toward maxSessions", async () => {
  const router = newRouter({ maxSessions: 2 });
  // Ten connections that never send HELLO.
  const idle = Array.from({ length: 10 }, () => wrap(router.connectLocal()));
  const a = wrap(router.connectLocal());
  const b = wrap(router.connectLocal());
  const c = wrap(router.connectLocal());
  assert.equal((await hello(a))[0], 2);
  assert.equal((await hello(b))[0], 2);
  // Exactly maxSessions joined: the next one is refused.
  const refused = await hello(c);
  assert.equal(refused[0], 3);
  assert.equal(refused[2], "wamp.error.unavailable");
  assert.match(
    (refused[1] as { message: string }).message,
    /maximum number of sessions/,
  );
  // A leaving session frees its place.
  a.send([6, {}, "wamp.close.normal"]);
  assert.equal((await a.next())[0], 6);
  await tick();
  const d = wrap(router.connectLocal());
  assert.equal((await hello(d))[0], 2);
  for (const p of [...idle, b, d]) p.close();
});

Deno.test("handshake: a connection that sends no HELLO within helloTimeout is closed (virtual time)", async () => {
  const events: RouterEvent[] = [];
  const clock = new VirtualClock();
  const router = newRouter({
    helloTimeout: 10_000,
    clock,
    onEvent: (e) => events.push(e),
  });
  const silent = wrap(router.connectLocal());
  const joined = wrap(router.connectLocal());
  assert.equal((await hello(joined))[0], 2);
  await clock.advance(9_999);
  assert.deepEqual(silent.pending(), []);
  await clock.advance(1);
  assert.deepEqual(silent.pending(), [[3, {
    message: "No HELLO within 10 s",
  }, "wamp.error.protocol_violation"]]);
  await silent.closed;
  assert.equal(router.sessionCount, 1);
  // The joined session's timer was cleared: nothing is left to fire.
  assert.deepEqual(clock.pending(), []);
  joined.send([48, 1, {}, "wamp.session.count"]);
  assert.deepEqual(await joined.next(), [50, 1, {}, [1]]);
  assert.ok(
    events.some((e) => e.type === "abort" && /No HELLO/.test(e.detail!)),
  );
  joined.close();
});

Deno.test("handshake: accept() enforces maxPendingHandshakes itself (no race past the bound)", () => {
  const router = newRouter({ maxPendingHandshakes: 2 });
  const peers = [];
  const results: boolean[] = [];
  for (let i = 0; i < 5; i++) {
    const [client, server] = memoryPair("wamp.2.json");
    results.push(router.accept(server));
    peers.push(client);
  }
  assert.deepEqual(results, [true, true, false, false, false]);
  assert.equal(router.sessionCount, 2);
  for (const p of peers) p.close();
});

Deno.test("handshake: a transport that closed before accept() leaves no place taken", async () => {
  const router = newRouter({ maxPendingHandshakes: 2 });
  for (let i = 0; i < 3; i++) {
    const [client, server] = memoryPair("wamp.2.json");
    client.close();
    await tick(); // the close is queued on the server end before accept
    router.accept(server);
  }
  await tick();
  assert.equal(router.sessionCount, 0);
  assert.equal(router.acceptingHandshakes, true);
});

Deno.test("handshake: pending handshakes are bounded on their own", async () => {
  const router = newRouter({ maxPendingHandshakes: 2 });
  assert.equal(router.acceptingHandshakes, true);
  const a = wrap(router.connectLocal());
  const b = wrap(router.connectLocal());
  assert.equal(router.acceptingHandshakes, false);
  assert.equal((await hello(a))[0], 2);
  assert.equal(router.acceptingHandshakes, true);
  b.close();
  a.close();
});

// A transport whose peer reads nothing: bytes sent pile up in bufferedAmount.
function stalled(server: Transport): Transport & { queued: number } {
  const t = {
    queued: 0,
    info: server.info,
    get isOpen() {
      return server.isOpen;
    },
    get bufferedAmount() {
      return t.queued;
    },
    send(frame: Frame) {
      t.queued += typeof frame === "string" ? frame.length : frame.byteLength;
      server.send(frame);
    },
    close: (code?: number, reason?: string) => server.close(code, reason),
    listen: server.listen.bind(server),
  };
  return t;
}

Deno.test("slow consumer: past maxOutboundBytes the session is closed, the others carry on", async () => {
  const events: RouterEvent[] = [];
  const router = newRouter({
    maxOutboundBytes: 20_000,
    onEvent: (e) => events.push(e),
  });
  const watcher = await session(router);
  const leaves: unknown[] = [];
  await watcher.subscribe("wamp.session.on_leave", (a) => leaves.push(a[0]));
  const fast = await session(router);
  const got: unknown[] = [];
  await fast.subscribe("com.news", (a) => got.push(a[0]));
  const [client, server] = memoryPair("wamp.2.json");
  const slowEnd = stalled(server);
  router.accept(slowEnd);
  const slow = wrap(client);
  const welcome = await hello(slow);
  const slowId = welcome[1];
  slow.send([32, 1, {}, "com.news"]);
  assert.equal((await slow.next())[0], 33);
  const publisher = await session(router);
  const text = "x".repeat(1000);
  for (let i = 0; i < 100; i++) {
    await publisher.publish("com.news", [i, text], {}, { acknowledge: true });
  }
  await slow.closed;
  await tick();
  // Only about 20 KB went to the slow session before it was cut off.
  assert.ok(slowEnd.queued < 25_000, `queued ${slowEnd.queued}`);
  assert.deepEqual(got.length, 100);
  assert.deepEqual(leaves, [slowId]);
  const abort = events.find((e) => e.type === "abort");
  assert.equal(abort?.session, slowId);
  assert.match(
    abort!.detail!,
    /slow consumer: \d+ bytes waiting to be sent, over the limit of 20000/,
  );
  assert.ok(publisher.isOpen && fast.isOpen);
  for (const s of [watcher, fast, publisher]) await s.leave();
});

Deno.test("reserved URIs: a client cannot publish to wamp.* topics", async () => {
  const router = newRouter();
  const { peer } = await rawClient(router);
  const watcher = await session(router);
  const joins: unknown[] = [];
  await watcher.subscribe("wamp.session.on_join", (a) => joins.push(a[0]));
  peer.send(
    '[16,1,{"acknowledge":true},"wamp.session.on_join",[{"session":1,"authid":"root"}]]',
  );
  const error = await peer.next();
  assert.deepEqual(error.slice(0, 5), [8, 16, 1, {}, "wamp.error.invalid_uri"]);
  peer.send('[16,2,{},"wamp.session.on_leave",[1]]');
  peer.send([16, 3, { acknowledge: true }, "wampx.ok"]);
  assert.equal((await peer.next())[0], 17);
  await tick();
  assert.deepEqual(joins, []);
  peer.close();
  await watcher.leave();
});

Deno.test("reserved URIs: no registration can receive calls to wamp.* procedures", async () => {
  const router = newRouter();
  const { peer } = await rawClient(router);
  const refused: [string, string][] = [
    ["exact", "wamp.session.kill"],
    ["prefix", "wam"],
    ["prefix", ""],
    ["prefix", "wamp"],
    ["prefix", "wamp."],
    ["prefix", "wamp.session"],
    ["wildcard", ".session.kill"],
    ["wildcard", "wamp..kill"],
    ["wildcard", "..."],
  ];
  let id = 0;
  for (const [match, uri] of refused) {
    peer.send([64, ++id, { match }, uri]);
    const answer = await peer.next();
    assert.deepEqual(
      answer.slice(0, 5),
      [8, 64, id, {}, "wamp.error.invalid_uri"],
      `${match} ${uri}`,
    );
  }
  for (const [match, uri] of [["prefix", "wampx"], ["wildcard", "com..kill"]]) {
    peer.send([64, ++id, { match }, uri]);
    assert.equal((await peer.next())[0], 65, `${match} ${uri}`);
  }
  // Another session's calls to wamp.* are answered by the router alone.
  const caller = await session(router);
  await assert.rejects(
    caller.call("wamp.session.kill_everyone", [1]),
    (e: { uri?: string }) => e.uri === "wamp.error.no_such_procedure",
  );
  assert.equal(await caller.call("wamp.session.count"), 2);
  assert.deepEqual(peer.pending(), []);
  peer.close();
  await caller.leave();
});

Deno.test("identity: a HELLO's authid is not taken without authentication", async () => {
  const router = newRouter();
  const callee = await session(router);
  const calls: unknown[] = [];
  await callee.register("com.who", (_a, _k, d) => {
    calls.push(d.caller_authid);
    return d.caller_authid;
  });
  const subscriber = await session(router);
  const peer = wrap(router.connectLocal());
  peer.send(
    '[1,"realm1",{"roles":{"caller":{},"subscriber":{}},"authid":"admin"}]',
  );
  const welcome = await peer.next();
  assert.equal(welcome[0], 2);
  const details = welcome[2] as Record<string, string>;
  assert.notEqual(details.authid, "admin");
  assert.equal(details.authid, `anonymous-${welcome[1]}`);
  assert.equal(details.authrole, "anonymous");
  assert.equal(details.authmethod, "anonymous");
  peer.send([48, 1, { disclose_me: true }, "com.who"]);
  const result = await peer.next();
  assert.deepEqual(result[3], [`anonymous-${welcome[1]}`]);
  // Events for authid admin do not reach the impostor.
  peer.send([32, 2, {}, "com.secret"]);
  assert.equal((await peer.next())[0], 33);
  const publisher = await session(router);
  await publisher.publish("com.secret", ["for admin"], {}, {
    acknowledge: true,
    eligible_authid: ["admin"],
  });
  await tick();
  assert.deepEqual(peer.pending(), []);
  // A client that asks only for methods the router does not serve is refused.
  const ticket = wrap(router.connectLocal());
  ticket.send([1, "realm1", {
    roles: ALL_ROLES,
    authid: "admin",
    authmethods: ["ticket"],
  }]);
  const abort = await ticket.next();
  assert.equal(abort[0], 3);
  assert.equal(abort[2], "wamp.error.no_auth_method");
  peer.close();
  for (const s of [callee, subscriber, publisher]) await s.leave();
});

Deno.test("timeouts: a call timeout above 2^31-1 ms does not fire at once", async () => {
  // Real time: setTimeout itself fired at once for such delays.
  const router = newRouter();
  const { peer: callee } = await rawClient(router);
  callee.send([64, 1, {}, "com.slow"]);
  assert.equal((await callee.next())[0], 65);
  const { peer: caller } = await rawClient(router);
  caller.send([48, 1, { timeout: 2 ** 31 }, "com.slow", [1]]);
  const invocation = await callee.next();
  assert.equal(invocation[0], 68);
  await tick(60);
  assert.deepEqual(caller.pending(), []);
  assert.deepEqual(callee.pending(), []);
  callee.send([70, invocation[1], {}, ["done"]]);
  assert.deepEqual(await caller.next(), [50, 1, {}, ["done"]]);
  callee.close();
  caller.close();
});

Deno.test("timeouts: the router clamps call timeouts to 2^31-1 ms (virtual time)", async () => {
  const clock = new VirtualClock();
  const router = newRouter({ clock });
  const { peer: callee } = await rawClient(router);
  callee.send([64, 1, {}, "com.slow"]);
  await callee.next();
  const { peer: caller } = await rawClient(router);
  caller.send([48, 1, { timeout: 3e10 }, "com.slow"]);
  await callee.next();
  assert.deepEqual(clock.pending(), [2 ** 31 - 1]);
  await clock.advance(2 ** 31 - 1);
  assert.equal(caller.pending()[0]![4], "wamp.error.timeout");
  callee.close();
  caller.close();
});

Deno.test("Router.close() waits for transports, at most `wait` ms (virtual time)", async () => {
  const clock = new VirtualClock();
  const router = newRouter({ clock });
  const peer = wrap(router.connectLocal());
  assert.equal((await hello(peer))[0], 2);
  // A memory transport answers the close at once.
  await router.close();
  assert.equal(router.sessionCount, 0);
  // While close() waits, no connection is taken; afterwards the router
  // serves again (another listener may still use it).
  const held = wrap(router.connectLocal());
  assert.equal((await hello(held))[0], 2);
  const [late, lateServer] = memoryPair("wamp.2.json");
  const lateClosed = new Promise((r) =>
    late.listen({ message() {}, close: r })
  );
  const closingAgain = router.close();
  assert.equal(router.acceptingHandshakes, false);
  assert.equal(router.accept(lateServer), false);
  assert.equal((await lateClosed as { code: number }).code, 1001);
  await closingAgain;
  assert.equal(router.acceptingHandshakes, true);
  const after = wrap(router.connectLocal());
  assert.equal((await hello(after))[0], 2);
  after.close();
  // A transport that never reports its close holds close() up to `wait`.
  const other = newRouter({ clock });
  const [client, server] = memoryPair("wamp.2.json");
  const deaf: Transport = {
    info: server.info,
    get isOpen() {
      return server.isOpen;
    },
    send: (f) => server.send(f),
    close: () => {},
    listen: server.listen.bind(server),
  };
  other.accept(deaf);
  const p = wrap(client);
  assert.equal((await hello(p))[0], 2);
  let done = false;
  const closing = other.close("bye", 500).then(() => done = true);
  await clock.advance(499);
  assert.equal(done, false);
  await clock.advance(1);
  await closing;
  assert.equal(done, true);
});

Deno.test("realms: auto-created realms go with their last session, and are bounded", async () => {
  const router = new Router({ maxRealms: 3 });
  const peers = [];
  for (const realm of ["r.one", "r.two", "r.three"]) {
    const peer = wrap(router.connectLocal());
    assert.equal((await hello(peer, realm))[0], 2);
    peers.push(peer);
  }
  assert.equal(router.realmCount, 3);
  const over = wrap(router.connectLocal());
  const abort = await hello(over, "r.four");
  assert.equal(abort[2], "wamp.error.no_such_realm");
  assert.match((abort[1] as { message: string }).message, /as many realms/);
  for (const peer of peers) peer.close();
  await tick();
  assert.equal(router.realmCount, 0);
  const again = wrap(router.connectLocal());
  assert.equal((await hello(again, "r.four"))[0], 2);
  again.close();
  // Configured realms stay.
  const fixed = newRouter();
  const peer = wrap(fixed.connectLocal());
  assert.equal((await hello(peer))[0], 2);
  peer.close();
  await tick();
  assert.equal(fixed.realmCount, 1);
});

Deno.test("realms: 2,000 HELLOs to different realms leave nothing behind", async () => {
  const router = new Router();
  for (let i = 0; i < 2000; i++) {
    const peer = wrap(router.connectLocal());
    assert.equal((await hello(peer, `realm.n${i}`))[0], 2);
    peer.close();
  }
  await tick();
  assert.equal(router.realmCount, 0);
  assert.equal(router.sessionCount, 0);
});

Deno.test("cancel kill: the caller gets wamp.error.canceled whatever error the callee answers", async () => {
  const router = newRouter();
  const { peer: callee } = await rawClient(router, {
    callee: { features: { call_canceling: true } },
  });
  callee.send([64, 1, {}, "com.long"]);
  assert.equal((await callee.next())[0], 65);
  const { peer: caller } = await rawClient(router, {
    caller: { features: { call_canceling: true } },
  });
  for (const [n, answer] of [[1, "error"], [2, "yield"]] as const) {
    caller.send([48, n, {}, "com.long"]);
    const invocation = await callee.next();
    caller.send([49, n, { mode: "kill" }]);
    const interrupt = await callee.next();
    assert.deepEqual(interrupt, [69, invocation[1], {
      mode: "kill",
      reason: "wamp.error.canceled",
    }]);
    assert.deepEqual(caller.pending(), []); // kill waits for the callee
    callee.send(
      answer === "error"
        ? [8, 68, invocation[1], {}, "wamp.error.runtime_error", ["stopped"]]
        : [70, invocation[1], {}, ["finished anyway"]],
    );
    const error = await caller.next();
    assert.deepEqual(error.slice(0, 5), [8, 48, n, {}, "wamp.error.canceled"]);
  }
  callee.close();
  caller.close();
});

Deno.test("bounds: subscriptions and registrations per session", async () => {
  const router = newRouter({
    maxSubscriptionsPerSession: 3,
    maxRegistrationsPerSession: 2,
  });
  const { peer } = await rawClient(router);
  let id = 0;
  for (let i = 0; i < 3; i++) {
    peer.send([32, ++id, {}, `com.t${i}`]);
    assert.equal((await peer.next())[0], 33);
  }
  peer.send([32, ++id, {}, "com.t0"]); // already held: fine
  assert.equal((await peer.next())[0], 33);
  peer.send([32, ++id, {}, "com.t3"]);
  assert.deepEqual(
    (await peer.next()).slice(0, 5),
    [8, 32, id, {}, "wamp.error.unavailable"],
  );
  for (let i = 0; i < 2; i++) {
    peer.send([64, ++id, {}, `com.p${i}`]);
    assert.equal((await peer.next())[0], 65);
  }
  peer.send([64, ++id, {}, "com.p2"]);
  assert.deepEqual(
    (await peer.next()).slice(0, 5),
    [8, 64, id, {}, "wamp.error.unavailable"],
  );
  peer.close();
});

Deno.test("meta API: a result too large for the caller is answered with payload_size_exceeded", async () => {
  const router = newRouter({
    serializers: [new JsonSerializer({ maxMessageSize: 2048 })],
  });
  const peers = [];
  for (let i = 0; i < 150; i++) {
    const p = wrap(router.connectLocal());
    assert.equal((await hello(p))[0], 2);
    peers.push(p);
  }
  const { peer } = await rawClient(router);
  peer.send([48, 1, {}, "wamp.session.list"]);
  const answer = await peer.next();
  assert.deepEqual(answer.slice(0, 5), [
    8,
    48,
    1,
    {},
    "wamp.error.payload_size_exceeded",
  ]);
  for (const p of [...peers, peer]) p.close();
});
