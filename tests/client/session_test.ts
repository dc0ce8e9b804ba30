import assert from "node:assert/strict";
import { Session } from "../../src/client/session.ts";
import { Result } from "../../src/client/result.ts";
import { SessionClosedError } from "../../src/client/session_closed_error.ts";
import { WampError } from "../../src/protocol/wamp_error.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { memoryPair } from "../../src/transports/memory.ts";
import type { LeaveInfo } from "../../src/client/session.ts";
import { drain, joined, ROUTER_ROLES, scripted } from "../_helpers/peer.ts";

Deno.test("Session.join() sends HELLO with roles and features and reads WELCOME", async () => {
  const { transport, peer } = scripted();
  const session = new Session(transport, new JsonSerializer(), {
    realm: "realm1",
    authid: "joe",
  });
  const join = session.join();
  const [type, realm, details] = await peer.next() as [
    number,
    string,
    Record<string, Record<string, Record<string, Record<string, unknown>>>>,
  ];
  assert.equal(type, 1);
  assert.equal(realm, "realm1");
  assert.equal(details.authid, "joe");
  assert.equal(details.roles!.callee!.features!.call_canceling, true);
  assert.equal(details.roles!.callee!.features!.progressive_call_results, true);
  assert.equal(details.roles!.caller!.features!.progressive_call_results, true);
  assert.ok(details.roles!.publisher && details.roles!.subscriber);
  peer.send([2, 77, { roles: ROUTER_ROLES, authid: "joe" }]);
  const welcome = await join;
  assert.equal(welcome.authid, "joe");
  assert.equal(session.id, 77);
  assert.ok(session.isOpen);
  assert.deepEqual(session.features.caller, {
    progressive_call_results: true,
    call_canceling: true,
    call_timeout: true,
  });
  assert.deepEqual(session.features.subscriber, {
    pattern_based_subscription: true,
  });
  await assert.rejects(session.join(), /already joined/);
  const leaving = session.leave("wamp.close.normal", "bye");
  assert.deepEqual(await peer.next(), [
    6,
    { message: "bye" },
    "wamp.close.normal",
  ]);
  peer.send([6, {}, "wamp.close.goodbye_and_out"]);
  await leaving;
  assert.ok(!session.isOpen);
});

Deno.test("Session.join() rejects on ABORT with a WampError", async () => {
  const { transport, peer } = scripted();
  const session = new Session(transport, new JsonSerializer(), {
    realm: "nope",
  });
  const join = session.join();
  await peer.next();
  peer.send([3, { message: "no realm" }, "wamp.error.no_such_realm"]);
  await assert.rejects(join, (err: unknown) => {
    assert.ok(err instanceof WampError);
    assert.equal(err.uri, "wamp.error.no_such_realm");
    assert.equal(err.message, "no realm");
    return true;
  });
});

Deno.test("Session answers CHALLENGE with onchallenge", async () => {
  const { transport, peer } = scripted();
  const seen: unknown[] = [];
  const session = new Session(transport, new JsonSerializer(), {
    realm: "realm1",
    authmethods: ["ticket"],
    authid: "joe",
    onchallenge: (_s, method, extra) => {
      seen.push(method, extra);
      return Promise.resolve("secret!");
    },
  });
  const join = session.join();
  const hello = await peer.next() as [number, string, Record<string, unknown>];
  assert.deepEqual(hello[2].authmethods, ["ticket"]);
  peer.send([4, "ticket", { x: 1 }]);
  assert.deepEqual(await peer.next(), [5, "secret!", {}]);
  peer.send([2, 5, { roles: ROUTER_ROLES, authmethod: "ticket" }]);
  await join;
  assert.deepEqual(seen, ["ticket", { x: 1 }]);
  peer.close();
});

Deno.test("Session aborts a CHALLENGE it cannot answer", async () => {
  const { transport, peer } = scripted();
  const session = new Session(transport, new JsonSerializer(), { realm: "r" });
  const join = session.join();
  await peer.next();
  peer.send([4, "wampcra", {}]);
  const abort = await peer.next();
  assert.equal(abort[0], 3);
  assert.equal(abort[2], "wamp.error.cannot_authenticate");
  await assert.rejects(join, /without an onchallenge handler/);
});

Deno.test("call() unwraps results and uses sequential request ids", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const a = session.call("com.a", [1]);
  const b = session.call("com.b", [], { k: 1 });
  const c = session.call("com.c");
  const m1 = await peer.next();
  const m2 = await peer.next();
  const m3 = await peer.next();
  assert.deepEqual(m1, [48, 1, {}, "com.a", [1]]);
  assert.deepEqual(m2, [48, 2, {}, "com.b", [], { k: 1 }]);
  assert.deepEqual(m3, [48, 3, {}, "com.c"]);
  peer.send([50, 1, {}, [42]]);
  peer.send([50, 2, {}, [1, 2], { x: 3 }]);
  peer.send([50, 3, {}]);
  assert.equal(await a, 42);
  const rb = await b;
  assert.ok(rb instanceof Result);
  assert.deepEqual([rb.args, rb.kwargs], [[1, 2], { x: 3 }]);
  assert.equal(await c, undefined);
  peer.close();
});

Deno.test("call() rejects with a WampError carrying uri, args, kwargs, details", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const p = session.call("com.fail");
  await peer.next();
  peer.send([8, 48, 1, { x: 1 }, "com.error.bad", ["bad thing"], { code: 7 }]);
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof WampError && err instanceof Error);
    assert.equal(err.uri, "com.error.bad");
    assert.equal(err.message, "bad thing");
    assert.deepEqual(err.kwargs, { code: 7 });
    assert.deepEqual(err.details, { x: 1 });
    return true;
  });
  peer.close();
});

Deno.test("progressive results reach then()'s third callback, onProgress and for await", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const viaThen: unknown[] = [];
  const viaOption: unknown[] = [];
  const call = session.call("com.longop", [3], {}, {
    onProgress: (v) => viaOption.push(v),
  });
  const final = call.then((v) => v, undefined, (p) => viaThen.push(p));
  const chunks: unknown[] = [];
  const iterating = (async () => {
    for await (const chunk of call) chunks.push(chunk);
  })();
  const sent = await peer.next();
  assert.deepEqual(sent[2], { receive_progress: true });
  peer.send([50, 1, { progress: true }, [0]]);
  peer.send([50, 1, { progress: true }, [1]]);
  peer.send([50, 1, { progress: true }, [], { a: 1 }]);
  peer.send([50, 1, {}, [3]]);
  assert.equal(await final, 3);
  await iterating;
  assert.deepEqual(viaThen.slice(0, 2), [0, 1]);
  assert.ok(viaThen[2] instanceof Result);
  assert.deepEqual(viaOption.slice(0, 2), [0, 1]);
  assert.deepEqual(chunks.slice(0, 2), [0, 1]);
  // Derived promises are plain Promises.
  assert.equal(Object.getPrototypeOf(final), Promise.prototype);
  peer.close();
});

Deno.test("progress is dropped when the call did not ask for it", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const seen: unknown[] = [];
  const call = session.call("com.x").onProgress((v) => seen.push(v));
  const sent = await peer.next();
  assert.deepEqual(sent[2], {});
  peer.send([50, 1, { progress: true }, [0]]);
  peer.send([50, 1, {}, [1]]);
  assert.equal(await call, 1);
  assert.deepEqual(seen, []);
  peer.close();
});

Deno.test("for await over a failing call throws its error", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const call = session.call("com.x", [], {}, { receive_progress: true });
  await peer.next();
  peer.send([50, 1, { progress: true }, ["a"]]);
  peer.send([8, 48, 1, {}, "com.err"]);
  const got: unknown[] = [];
  await assert.rejects(async () => {
    for await (const c of call) got.push(c);
  }, /com.err/);
  assert.deepEqual(got, ["a"]);
  await assert.rejects(call, /com.err/);
  peer.close();
});

Deno.test("cancel() sends CANCEL, rejects with canceled, and a late ERROR is dropped", async () => {
  await using fixture = await joined();
  const { session, peer, left } = fixture;
  const call = session.call("com.slow");
  await peer.next();
  call.cancel("killnowait");
  await assert.rejects(
    call,
    (e: unknown) => (e as WampError).uri === "wamp.error.canceled",
  );
  assert.deepEqual(await peer.next(), [49, 1, { mode: "killnowait" }]);
  // The dealer's answers for the canceled call must not break the session.
  peer.send([8, 48, 1, {}, "wamp.error.canceled"]);
  peer.send([50, 1, {}, [1]]);
  await drain();
  assert.ok(session.isOpen);
  const next = session.call("com.fast");
  assert.deepEqual(await peer.next(), [48, 2, {}, "com.fast"]);
  peer.send([50, 2, {}, ["ok"]]);
  assert.equal(await next, "ok");
  peer.close();
  assert.equal((await left).kind, "lost");
});

Deno.test("an AbortSignal cancels a call; an aborted signal fails it at once", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const controller = new AbortController();
  const call = session.call("com.slow", [], {}, { signal: controller.signal });
  await peer.next();
  controller.abort();
  await assert.rejects(call, /Call canceled/);
  assert.deepEqual(await peer.next(), [49, 1, { mode: "kill" }]);
  await assert.rejects(
    session.call("x.y", [], {}, { signal: AbortSignal.abort() }),
    /Call canceled/,
  );
  assert.deepEqual(peer.pending(), []);
  peer.close();
});

Deno.test("cancel without dealer call_canceling rejects locally and sends nothing", async () => {
  await using fixture = await joined({}, { dealer: { features: {} } });
  const { session, peer } = fixture;
  const call = session.call("com.slow");
  await peer.next();
  call.cancel();
  await assert.rejects(call, /canceled/);
  await drain();
  assert.deepEqual(peer.pending(), []);
  peer.close();
});

Deno.test("a call timeout is sent to the router and enforced locally", async () => {
  await using fixture = await joined();
  const { session, peer, clock } = fixture;
  const settled: string[] = [];
  const call = session.call("com.slow", [], {}, { timeout: 30 });
  call.catch(() => settled.push("rejected"));
  const sent = await peer.next();
  assert.deepEqual(sent[2], { timeout: 30 });
  await clock.advance(29);
  assert.deepEqual(settled, []);
  await clock.advance(1);
  assert.deepEqual(settled, ["rejected"]);
  await assert.rejects(
    call,
    (e: unknown) => (e as WampError).uri === "wamp.error.timeout",
  );
  assert.deepEqual(await peer.next(), [49, 1, { mode: "killnowait" }]);
  peer.send([8, 48, 1, {}, "wamp.error.timeout"]);
  await drain();
  assert.ok(session.isOpen);
  peer.close();
});

Deno.test("every pending request settles when the transport is lost", async () => {
  await using fixture = await joined();
  const { session, peer, left } = fixture;
  const call = session.call("com.a");
  const sub = session.subscribe("com.t", () => {});
  const reg = session.register("com.p", () => 1);
  const pub = session.publish("com.t", [], {}, { acknowledge: true })!;
  for (let i = 0; i < 4; i++) await peer.next();
  peer.close();
  for (const p of [call, sub, reg, pub]) {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof SessionClosedError);
      assert.equal(e.uri, "wamp.close.transport_lost");
      return true;
    });
  }
  const info = await left;
  assert.equal(info.kind, "lost");
  assert.equal(info.reason, "wamp.close.transport_lost");
  await assert.rejects(session.call("com.a"), SessionClosedError);
  await assert.rejects(
    session.subscribe("com.a", () => {}),
    SessionClosedError,
  );
  assert.throws(() => session.publish("com.a"), SessionClosedError);
});

Deno.test("a router GOODBYE is answered and ends the session", async () => {
  await using fixture = await joined();
  const { session, peer, left } = fixture;
  const call = session.call("com.a");
  await peer.next();
  peer.send([6, { message: "restart" }, "wamp.close.system_shutdown"]);
  assert.deepEqual(await peer.next(), [6, {}, "wamp.close.goodbye_and_out"]);
  const info = await left;
  assert.deepEqual(info, {
    reason: "wamp.close.system_shutdown",
    message: "restart",
    kind: "goodbye",
  });
  await assert.rejects(
    call,
    (e: unknown) => (e as WampError).uri === "wamp.close.system_shutdown",
  );
  assert.ok(!session.isOpen);
});

Deno.test("protocol violations by the router get ABORT and end the session", async () => {
  for (
    const bad of [
      [2, 1, { roles: {} }], // WELCOME after establishment
      [1, "realm1", { roles: {} }], // HELLO to a client
      [48, 1, {}, "com.x"], // CALL to a client
      [36, "x"], // malformed EVENT
      "not json",
      [8, 16, 1], // ERROR with wrong arity
    ]
  ) {
    await using fixture = await joined();
    const { session, peer, left } = fixture;
    const pending = session.call("com.a");
    await peer.next();
    peer.send(bad as unknown[] | string);
    const abort = await peer.next();
    assert.equal(abort[0], 3, JSON.stringify(bad));
    assert.equal(abort[2], "wamp.error.protocol_violation");
    assert.equal(typeof (abort[1] as { message: unknown }).message, "string");
    const info = await left;
    assert.equal(info.kind, "violation");
    await assert.rejects(pending, SessionClosedError);
    await peer.closed;
  }
});

Deno.test("messages before WELCOME are protocol violations", async () => {
  const { transport, peer } = scripted();
  const session = new Session(transport, new JsonSerializer(), { realm: "r" });
  const join = session.join();
  await peer.next();
  peer.send([50, 1, {}]);
  const abort = await peer.next();
  assert.equal(abort[2], "wamp.error.protocol_violation");
  await assert.rejects(join, SessionClosedError);
});

Deno.test("register() and invocations: values, Result, WampError, Error, progress", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const regP = session.register("com.p", (args, _kwargs, details) => {
    switch (args[0]) {
      case "value":
        return 5;
      case "result":
        return new Result([1, 2], { k: 3 });
      case "async":
        return Promise.resolve("later");
      case "wamp":
        throw new WampError("com.err.custom", ["nope"], { a: 1 });
      case "error":
        throw new TypeError("boom");
      case "progress":
        details.progress?.(["p1"]);
        return "done";
      case "details":
        return [details.procedure, details.caller, details.registration];
      default:
        return undefined;
    }
  });
  assert.deepEqual(await peer.next(), [64, 1, {}, "com.p"]);
  peer.send([65, 1, 999]);
  const reg = await regP;
  assert.equal(reg.id, 999);
  assert.equal(session.registrations.length, 1);
  const cases: [unknown[], Record<string, unknown>, unknown[]][] = [
    [["value"], {}, [70, 1, {}, [5]]],
    [["result"], {}, [70, 2, {}, [1, 2], { k: 3 }]],
    [["async"], {}, [70, 3, {}, ["later"]]],
    [["wamp"], {}, [8, 68, 4, {}, "com.err.custom", ["nope"], { a: 1 }]],
    [["error"], {}, [8, 68, 5, {}, "wamp.error.runtime_error", ["boom"], {
      name: "TypeError",
    }]],
    [["none"], {}, [70, 6, {}]],
    [["details"], { caller: 12, procedure: "com.p.x" }, [70, 7, {}, [[
      "com.p.x",
      12,
      999,
    ]]]],
  ];
  for (const [i, [args, details, expected]] of cases.entries()) {
    peer.send([68, i + 1, 999, details, args]);
    assert.deepEqual(await peer.next(), expected);
  }
  peer.send([68, 8, 999, { receive_progress: true }, ["progress"]]);
  assert.deepEqual(await peer.next(), [70, 8, { progress: true }, ["p1"]]);
  assert.deepEqual(await peer.next(), [70, 8, {}, ["done"]]);
  peer.send([68, 9, 12345, {}, []]);
  assert.deepEqual(await peer.next(), [
    8,
    68,
    9,
    {},
    "wamp.error.no_such_registration",
  ]);
  const unreg = reg.unregister();
  assert.deepEqual(await peer.next(), [66, 2, 999]);
  peer.send([67, 2]);
  assert.equal(await unreg, true);
  assert.equal(reg.active, false);
  assert.equal(await reg.on_unregister, "wamp.close.normal");
  peer.close();
});

Deno.test("INTERRUPT aborts the endpoint's signal and answers canceled", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  let aborted: unknown;
  const reg = session.register(
    "com.slow",
    (_a, _k, details) =>
      new Promise((resolve) => {
        details.signal.addEventListener("abort", () => {
          aborted = details.signal.reason;
          queueMicrotask(() => resolve("too late"));
        });
      }),
  );
  await peer.next();
  peer.send([65, 1, 5]);
  await reg;
  peer.send([68, 1, 5, {}, []]);
  await drain();
  peer.send([69, 1, { mode: "kill" }]);
  assert.deepEqual(await peer.next(), [8, 68, 1, {}, "wamp.error.canceled"]);
  assert.ok(aborted instanceof WampError);
  await drain();
  assert.deepEqual(peer.pending(), [], "no YIELD after the interrupt");
  peer.send([69, 77, { mode: "kill" }]); // unknown: ignored
  await drain();
  assert.ok(session.isOpen);
  peer.close();
});

Deno.test("subscribe() shares one router subscription between handlers", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const got: unknown[] = [];
  const s1P = session.subscribe(
    "com.t",
    (args, _kw, d) => got.push(["h1", args[0], d.publication, d.topic]),
  );
  const s2P = session.subscribe(
    "com.t",
    (args, kw, d) => got.push(["h2", args[0], kw, d.publisher]),
  );
  assert.deepEqual(await peer.next(), [32, 1, {}, "com.t"]);
  assert.deepEqual(await peer.next(), [32, 2, {}, "com.t"]);
  peer.send([33, 1, 55]);
  peer.send([33, 2, 55]);
  const [s1, s2] = await Promise.all([s1P, s2P]);
  peer.send([36, 55, 1000, { publisher: 9 }, ["x"], { k: 1 }]);
  await drain();
  assert.deepEqual(got, [["h1", "x", 1000, "com.t"], ["h2", "x", { k: 1 }, 9]]);
  assert.equal(session.subscriptions.length, 1);
  assert.equal(session.subscriptions[0]!.length, 2);
  assert.equal(await s1.unsubscribe(), false);
  await drain();
  assert.deepEqual(peer.pending(), []);
  const last = session.unsubscribe(s2);
  assert.deepEqual(await peer.next(), [34, 3, 55]);
  peer.send([35, 3]);
  assert.equal(await last, true);
  await assert.rejects(s2.unsubscribe(), /not active/);
  peer.send([36, 55, 1001, {}, ["late"]]); // dropped quietly
  await drain();
  assert.equal(got.length, 2);
  peer.close();
});

Deno.test("revocations end subscriptions and registrations", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const subP = session.subscribe("com.t", () => {});
  await peer.next();
  peer.send([33, 1, 8]);
  const sub = await subP;
  const regP = session.register("com.p", () => 1);
  await peer.next();
  peer.send([65, 2, 9]);
  const reg = await regP;
  peer.send([35, 0, { subscription: 8, reason: "wamp.error.revoked" }]);
  peer.send([67, 0, { registration: 9, reason: "wamp.error.revoked" }]);
  assert.equal(await sub.on_unsubscribe, "wamp.error.revoked");
  assert.equal(await reg.on_unregister, "wamp.error.revoked");
  assert.ok(!sub.active && !reg.active);
  peer.close();
});

Deno.test("publish() acknowledges, rejects, and passes options", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  assert.equal(
    session.publish("com.t", ["a"], {}, { exclude_me: false }),
    undefined,
  );
  assert.deepEqual(await peer.next(), [16, 1, { exclude_me: false }, "com.t", [
    "a",
  ]]);
  const ack = session.publish("com.t", [], { k: 1 }, {
    acknowledge: true,
    eligible: [1],
  })!;
  assert.deepEqual(await peer.next(), [
    16,
    2,
    { acknowledge: true, eligible: [1] },
    "com.t",
    [],
    { k: 1 },
  ]);
  peer.send([17, 2, 31337]);
  assert.equal((await ack).id, 31337);
  const denied = session.publish("com.t", [], {}, { acknowledge: true })!;
  await peer.next();
  peer.send([8, 16, 3, {}, "wamp.error.not_authorized"]);
  await assert.rejects(denied, /not_authorized/);
  peer.close();
});

Deno.test("URIs are checked and CURIEs resolved before sending", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  await assert.rejects(
    session.call("bad uri"),
    (e: unknown) => (e as WampError).uri === "wamp.error.invalid_uri",
  );
  await assert.rejects(session.subscribe("a..b", () => {}), /Invalid topic/);
  assert.throws(() => session.publish("a b"), /Invalid topic/);
  await assert.rejects(session.call("nope:x"), /Cannot resolve CURIE/);
  session.prefix("api", "com.example.api");
  assert.equal(session.resolve("api:add"), "com.example.api.add");
  const sub = session.subscribe("com..b", () => {}, { match: "wildcard" });
  assert.deepEqual(await peer.next(), [32, 1, { match: "wildcard" }, "com..b"]);
  session.call("api:add", [1]).catch(() => {});
  assert.deepEqual(await peer.next(), [48, 2, {}, "com.example.api.add", [1]]);
  session.prefix("api", null);
  assert.equal(session.resolve("plain.uri"), "plain.uri");
  peer.close();
  await assert.rejects(sub);
});

Deno.test("the debug trace shows every message both ways", async () => {
  const lines: string[] = [];
  await using fixture = await joined({
    debug: true,
    trace: (l) => lines.push(l),
  });
  const { session, peer } = fixture;
  const p = session.call("com.a");
  await peer.next();
  peer.send([50, 1, {}, [1]]);
  await p;
  assert.ok(lines.some((l) => l.includes("→") && l.includes('"com.a"')));
  assert.ok(lines.some((l) => l.includes("←") && l.includes("[50,1,{},[1]]")));
  peer.close();
});

Deno.test("errors thrown by event handlers go to onUserError", async () => {
  const errors: unknown[] = [];
  await using fixture = await joined({
    onUserError: (e) => errors.push(e),
  });
  const { session, peer } = fixture;
  const s = session.subscribe("com.t", () => {
    throw new Error("handler broke");
  });
  await peer.next();
  peer.send([33, 1, 3]);
  await s;
  peer.send([36, 3, 1, {}]);
  await drain();
  assert.equal((errors[0] as Error).message, "handler broke");
  assert.ok(session.isOpen);
  peer.close();
});

Deno.test("a request that cannot be encoded fails and uses up no request id", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  await assert.rejects(
    session.call("com.a", [1n]),
    (e: unknown) => (e as WampError).uri === "wamp.error.invalid_argument",
  );
  await assert.rejects(
    session.subscribe("com.t", () => {}, { x: 1n }),
    /Cannot serialize SUBSCRIBE/,
  );
  await assert.rejects(
    session.publish("com.t", [1n], {}, { acknowledge: true })!,
    /Cannot serialize PUBLISH/,
  );
  assert.throws(
    () => session.publish("com.t", [1n]),
    /Cannot serialize PUBLISH/,
  );
  const ok = session.call("com.a", [1]);
  assert.deepEqual(await peer.next(), [48, 1, {}, "com.a", [1]]);
  peer.send([50, 1, {}, [2]]);
  assert.equal(await ok, 2);
  peer.close();
});

Deno.test("a call timeout above 2^31-1 ms does not fire early", async () => {
  await using fixture = await joined();
  const { session, peer, clock } = fixture;
  const settled: string[] = [];
  const call = session.call("com.slow", undefined, undefined, {
    timeout: 3e9,
  });
  call.then(() => settled.push("resolved"), () => settled.push("rejected"));
  assert.deepEqual(await peer.next(), [48, 1, { timeout: 3e9 }, "com.slow"]);
  await clock.advance(2 ** 31); // past the longest delay setTimeout takes
  assert.deepEqual(clock.pending(), [3e9 - 2 ** 31]);
  assert.deepEqual(settled, []);
  peer.send([50, 1, {}, ["late but fine"]]);
  assert.equal(await call, "late but fine");
  peer.close();
});

Deno.test("Session.join() rejects when the transport closed before join()", async () => {
  const { transport, peer } = scripted();
  peer.close();
  await peer.closed; // the client end holds the close until listen()
  const session = new Session(transport, new JsonSerializer(), {
    realm: "realm1",
  });
  const left = new Promise<LeaveInfo>((r) => session.onleave = r);
  await assert.rejects(
    session.join(),
    (e: unknown) =>
      e instanceof SessionClosedError &&
      e.uri === "wamp.close.transport_lost",
  );
  assert.equal((await left).kind, "lost");
});

/** A joined session over MessagePack, and the far end's frames, decoded. */
async function joinedMsgpack(trace: (line: string) => void) {
  const msgpack = new MsgpackSerializer();
  const [client, server] = memoryPair(msgpack.protocol);
  const inbox: unknown[][] = [];
  server.listen({
    message: (frame) => inbox.push(msgpack.deserialize(frame) as unknown[]),
    close() {},
  });
  const next = async () => {
    while (inbox.length === 0) await drain();
    return inbox.shift()!;
  };
  const send = (message: unknown[]) => server.send(msgpack.serialize(message));
  const session = new Session(client, msgpack, {
    realm: "realm1",
    debug: true,
    trace,
  });
  const join = session.join();
  assert.equal((await next())[0], 1);
  send([2, 7, { roles: ROUTER_ROLES }]);
  await join;
  return { session, next, send, close: () => server.close() };
}

Deno.test("the debug trace shows bigint and binary arguments over MessagePack", async () => {
  const lines: string[] = [];
  const { session, next, send, close } = await joinedMsgpack((l) =>
    lines.push(l)
  );
  const big = 12345678901234567890n;
  const call = session.call("com.big", [big, new Uint8Array([1, 2, 3])]);
  const sent = await next();
  assert.deepEqual(sent, [48, 1, {}, "com.big", [
    big,
    new Uint8Array([1, 2, 3]),
  ]]);
  send([50, 1, {}, [big + 1n]]);
  assert.equal(await call, big + 1n);
  const out = lines.find((l) => l.includes("→") && l.includes("com.big"));
  assert.ok(out, lines.join("\n"));
  assert.match(out, /"12345678901234567890n"/);
  assert.match(out, /"<3 bytes>"/);
  assert.ok(
    lines.some((l) => l.includes("←") && l.includes('"12345678901234567891n"')),
    lines.join("\n"),
  );
  close();
});

Deno.test("a trace sink that throws changes nothing", async () => {
  const { session, next, send, close } = await joinedMsgpack(() => {
    throw new Error("trace sink broke");
  });
  const call = session.call("com.big", [1n << 62n]);
  assert.equal((await next())[0], 48);
  send([50, 1, {}, ["ok"]]);
  assert.equal(await call, "ok");
  assert.ok(session.isOpen);
  close();
});

Deno.test("leave() gives up waiting for GOODBYE after leaveTimeout", async () => {
  await using fixture = await joined({ leaveTimeout: 1000 });
  const { session, peer, left, clock } = fixture;
  let done = false;
  const leaving = session.leave().then(() => done = true);
  const again = session.leave(); // while closing: resolves with the first
  assert.deepEqual(await peer.next(), [6, {}, "wamp.close.normal"]);
  assert.deepEqual(clock.pending(), [1000]);
  await clock.advance(999);
  assert.ok(!done);
  peer.send([50, 1, {}, []]); // ignored while closing
  await clock.advance(1);
  await leaving;
  await again;
  assert.equal((await left).kind, "local");
  await peer.closed;
  await session.leave(); // closed already
  assert.deepEqual(peer.pending(), []);
});

Deno.test("an ABORT while closing ends the session", async () => {
  await using fixture = await joined();
  const { session, peer, left, clock } = fixture;
  const leaving = session.leave();
  await peer.next();
  peer.send([3, { message: "bye" }, "wamp.error.system_shutdown"]);
  await leaving;
  assert.deepEqual(await left, {
    reason: "wamp.error.system_shutdown",
    message: "bye",
    kind: "abort",
  });
  assert.deepEqual(clock.pending(), []);
});

Deno.test("an ERROR for a request type clients never send is a protocol violation", async () => {
  await using fixture = await joined();
  const { peer, left } = fixture;
  peer.send([8, 68, 1, {}, "wamp.error.runtime_error"]);
  const abort = await peer.next();
  assert.equal(abort[2], "wamp.error.protocol_violation");
  assert.match(
    (abort[1] as { message: string }).message,
    /ERROR for INVOCATION is not sent to clients/,
  );
  assert.equal((await left).kind, "violation");
});

Deno.test("an onchallenge that fails aborts with cannot_authenticate", async () => {
  const { transport, peer } = scripted();
  const session = new Session(transport, new JsonSerializer(), {
    realm: "realm1",
    authmethods: ["ticket"],
    authid: "joe",
    authrole: "user",
    authextra: { k: 1 },
    onchallenge: () => Promise.reject(new Error("no ticket")),
  });
  const join = session.join();
  const hello = await peer.next() as [number, string, Record<string, unknown>];
  assert.equal(hello[2].authrole, "user");
  assert.deepEqual(hello[2].authextra, { k: 1 });
  peer.send([4, "ticket", {}]);
  const abort = await peer.next();
  assert.deepEqual(abort, [
    3,
    { message: "onchallenge failed: no ticket" },
    "wamp.error.cannot_authenticate",
  ]);
  await assert.rejects(join, /onchallenge failed: no ticket/);
});

Deno.test("an onchallenge answer that comes after the session ended is not sent", async () => {
  const { transport, peer } = scripted();
  const answer = Promise.withResolvers<string>();
  const session = new Session(transport, new JsonSerializer(), {
    realm: "realm1",
    onchallenge: () => answer.promise,
  });
  const join = session.join();
  await peer.next();
  peer.send([4, "ticket", {}]);
  await drain();
  peer.send([3, {}, "wamp.error.not_authorized"]);
  await assert.rejects(join, /not_authorized/);
  answer.resolve("late");
  await drain();
  assert.deepEqual(peer.pending(), []);
});

Deno.test("a HELLO that cannot be encoded fails join() and closes the transport", async () => {
  const { transport, peer } = scripted();
  const session = new Session(transport, new JsonSerializer(), {
    realm: "realm1",
    authextra: { big: 1n },
  });
  const left = new Promise<LeaveInfo>((r) => session.onleave = r);
  await assert.rejects(session.join(), /Cannot serialize HELLO/);
  assert.equal((await left).reason, "wamp.error.invalid_argument");
  await peer.closed;
});

Deno.test("a bad frame is traced and aborts the session", async () => {
  const lines: string[] = [];
  await using fixture = await joined({
    debug: true,
    trace: (l) => lines.push(l),
  });
  const { peer, left } = fixture;
  peer.send("[50, 1");
  assert.equal((await peer.next())[0], 3);
  assert.equal((await left).kind, "violation");
  assert.ok(lines.some((l) => l.startsWith("[wampkit] ← bad frame:")));
  peer.send([50, 1, {}]); // after the end: ignored
  await drain();
});

Deno.test("realm, details, log(), and errors from onleave and hooks", async () => {
  const errors: [unknown, string][] = [];
  await using fixture = await joined({
    onUserError: (e, where) => errors.push([e, where]),
    track: {
      subscribed() {
        throw new Error("hook broke");
      },
    },
  });
  const { session, peer } = fixture;
  assert.equal(session.realm, "realm1");
  assert.ok("roles" in session.details);
  const logged: unknown[][] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void logged.push(args);
  try {
    session.log("hello", 1);
  } finally {
    console.log = log;
  }
  assert.deepEqual(logged, [["[session 4242]", "hello", 1]]);
  const sub = session.subscribe("com.t", () => {});
  await peer.next();
  peer.send([33, 1, 5]);
  assert.equal((await sub).id, 5);
  session.onleave = () => {
    throw new Error("onleave broke");
  };
  peer.close();
  await peer.closed;
  assert.deepEqual(errors.map(([e, where]) => [(e as Error).message, where]), [
    ["hook broke", "track.subscribed"],
    ["onleave broke", "onleave"],
  ]);
});

Deno.test("without onUserError, errors from application code go to console.error", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const printed: unknown[][] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void printed.push(args);
  try {
    const sub = session.subscribe("com.t", () => {
      throw new Error("handler broke");
    });
    await peer.next();
    peer.send([33, 1, 5]);
    await sub;
    peer.send([36, 5, 1, {}]);
    await drain();
  } finally {
    console.error = error;
  }
  assert.equal(printed.length, 1);
  assert.equal(printed[0]![0], "wampkit: error in event handler for com.t:");
});
