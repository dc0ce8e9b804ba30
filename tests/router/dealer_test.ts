import assert from "node:assert/strict";
import { Result } from "../../src/client/result.ts";
import { WampError } from "../../src/protocol/wamp_error.ts";
import { newRouter, rawClient, session } from "../_helpers/router.ts";
import { drain, tick } from "../_helpers/peer.ts";
import { VirtualClock } from "../_helpers/virtual_clock.ts";

const uriOf = (e: unknown) => (e as WampError).uri;

Deno.test("dealer: call, result shapes, errors, no_such_procedure", async () => {
  const router = newRouter();
  const callee = await session(router);
  const caller = await session(router);
  await callee.register("com.add2", ([a, b]) => (a as number) + (b as number));
  await callee.register("com.pair", () => new Result([1, 2], { k: 3 }));
  await callee.register("com.fail", () => {
    throw new WampError("com.error.custom", ["nope"], { x: 1 });
  });
  await callee.register("com.crash", () => {
    throw new RangeError("out of range");
  });
  assert.equal(await caller.call("com.add2", [2, 3]), 5);
  const pair = await caller.call("com.pair") as Result;
  assert.deepEqual([pair.args, pair.kwargs], [[1, 2], { k: 3 }]);
  await assert.rejects(caller.call("com.fail"), (e: unknown) => {
    const w = e as WampError;
    assert.equal(w.uri, "com.error.custom");
    assert.deepEqual([w.args, w.kwargs], [["nope"], { x: 1 }]);
    return true;
  });
  await assert.rejects(caller.call("com.crash"), (e: unknown) => {
    assert.equal(uriOf(e), "wamp.error.runtime_error");
    assert.equal((e as Error).message, "out of range");
    return true;
  });
  await assert.rejects(
    caller.call("com.none"),
    (e: unknown) => uriOf(e) === "wamp.error.no_such_procedure",
  );
  await assert.rejects(
    callee.register("com.add2", () => 0),
    (e: unknown) => uriOf(e) === "wamp.error.procedure_already_exists",
  );
  await assert.rejects(
    caller.register("com.add2", () => 0),
    (e: unknown) => uriOf(e) === "wamp.error.procedure_already_exists",
  );
  await assert.rejects(
    caller.register("wamp.session.count", () => 0),
    (e: unknown) => uriOf(e) === "wamp.error.invalid_uri",
  );
  await callee.leave();
  await caller.leave();
});

Deno.test("dealer: exact beats longest prefix beats wildcard", async () => {
  const router = newRouter();
  const callee = await session(router);
  const caller = await session(router);
  const hit = (name: string) =>
  (
    _a: unknown[],
    _k: unknown,
    d: { procedure: string },
  ) => [name, d.procedure];
  await callee.register("com.a.b.c", hit("exact"));
  await callee.register("com.a", hit("prefix short"), { match: "prefix" });
  await callee.register("com.a.b", hit("prefix long"), { match: "prefix" });
  await callee.register("com..c", hit("wildcard late"), { match: "wildcard" });
  await callee.register("com.x.", hit("wildcard early"), { match: "wildcard" });
  assert.deepEqual(await caller.call("com.a.b.c"), ["exact", "com.a.b.c"]);
  assert.deepEqual(await caller.call("com.a.b.d"), [
    "prefix long",
    "com.a.b.d",
  ]);
  assert.deepEqual(await caller.call("com.ab"), ["prefix short", "com.ab"]);
  assert.deepEqual(await caller.call("com.z.c"), ["wildcard late", "com.z.c"]);
  assert.deepEqual(await caller.call("com.x.c"), ["wildcard early", "com.x.c"]);
  await assert.rejects(caller.call("org.y.c"), /No callee/);
  await callee.leave();
  await caller.leave();
});

Deno.test("dealer: shared registrations follow their invoke policy", async () => {
  const router = newRouter();
  const callees = await Promise.all([1, 2, 3].map(() => session(router)));
  const caller = await session(router);
  for (const [i, s] of callees.entries()) {
    await s.register("com.rr", () => i, { invoke: "roundrobin" });
    await s.register("com.first", () => i, { invoke: "first" });
    await s.register("com.last", () => i, { invoke: "last" });
    await s.register("com.random", () => i, { invoke: "random" });
  }
  const rr = [];
  for (let i = 0; i < 6; i++) rr.push(await caller.call("com.rr"));
  assert.deepEqual(rr, [0, 1, 2, 0, 1, 2]);
  assert.equal(await caller.call("com.first"), 0);
  assert.equal(await caller.call("com.last"), 2);
  const seen = new Set();
  for (let i = 0; i < 40; i++) seen.add(await caller.call("com.random"));
  assert.deepEqual([...seen].sort(), [0, 1, 2]);
  await assert.rejects(
    caller.register("com.rr", () => 9, { invoke: "first" }),
    (e: unknown) =>
      uriOf(e) ===
        "wamp.error.procedure_exists_with_different_invocation_policy",
  );
  await assert.rejects(
    caller.register("com.rr", () => 9),
    (e: unknown) =>
      uriOf(e) ===
        "wamp.error.procedure_exists_with_different_invocation_policy",
  );
  // The first callee leaves: "first" moves on, round robin skips it.
  await callees[0]!.leave();
  assert.equal(await caller.call("com.first"), 1);
  assert.deepEqual(
    [await caller.call("com.rr"), await caller.call("com.rr")].sort(),
    [1, 2],
  );
  for (const s of [...callees.slice(1), caller]) await s.leave();
});

Deno.test("dealer: caller identification only when disclosed", async () => {
  const router = newRouter();
  const callee = await session(router, { authid: "callee" });
  const caller = await session(router, { authid: "alice" });
  await callee.register(
    "com.who",
    (_a, _k, d) => [d.caller ?? null, d.caller_authid ?? null],
  );
  assert.deepEqual(await caller.call("com.who"), [null, null]);
  assert.deepEqual(
    await caller.call("com.who", [], {}, { disclose_me: true }),
    [caller.id, "alice"],
  );
  await callee.leave();
  await caller.leave();
});

Deno.test("dealer: progressive results, then the final result", async () => {
  const router = newRouter();
  const callee = await session(router);
  const caller = await session(router);
  await callee.register("com.longop", (args, _k, details) => {
    const n = args[0] as number;
    for (let i = 0; i < n; i++) details.progress?.([i]);
    return n;
  });
  const progress: unknown[] = [];
  const final = await caller.call("com.longop", [4], {}, {
    receive_progress: true,
  })
    .onProgress((v) => progress.push(v));
  assert.deepEqual(progress, [0, 1, 2, 3]);
  assert.equal(final, 4);
  // Without receive_progress the callee gets no progress function.
  assert.equal(await caller.call("com.longop", [2]), 2);
  await callee.leave();
  await caller.leave();
});

function slowEndpoint(log: unknown[]) {
  return (_a: unknown[], _k: unknown, details: { signal: AbortSignal }) =>
    new Promise((resolve) => {
      details.signal.addEventListener("abort", () => log.push("interrupted"));
      setTimeout(() => resolve("finished"), 200);
    });
}

Deno.test("dealer: cancel modes skip, kill, killnowait", async () => {
  const router = newRouter();
  const callee = await session(router);
  const caller = await session(router);
  const log: unknown[] = [];
  await callee.register("com.slow", slowEndpoint(log));
  for (const mode of ["skip", "kill", "killnowait"] as const) {
    log.length = 0;
    const call = caller.call("com.slow");
    await tick(10);
    call.cancel(mode);
    await assert.rejects(
      call,
      (e: unknown) => uriOf(e) === "wamp.error.canceled",
    );
    await tick(20);
    assert.deepEqual(log, mode === "skip" ? [] : ["interrupted"], mode);
  }
  // The session survives and the procedure still works after cancels.
  assert.equal(await caller.call("com.slow"), "finished");
  assert.ok(caller.isOpen && callee.isOpen);
  await callee.leave();
  await caller.leave();
});

Deno.test("dealer: callees without call_canceling never get INTERRUPT", async () => {
  const router = newRouter();
  const { peer, id } = await rawClient(router, { callee: {} });
  peer.send([64, 1, {}, "com.legacy"]);
  const registered = await peer.next();
  assert.equal(registered[0], 65);
  const caller = await session(router);
  const call = caller.call("com.legacy");
  const inv = await peer.next();
  assert.equal(inv[0], 68);
  call.cancel("kill"); // downgraded to skip
  await assert.rejects(call, /canceled/);
  const timed = caller.call("com.legacy", [], {}, { timeout: 20 });
  await peer.next(); // INVOCATION
  await assert.rejects(
    timed,
    (e: unknown) => uriOf(e) === "wamp.error.timeout",
  );
  await tick(20);
  assert.deepEqual(peer.pending(), [], "no INTERRUPT for a legacy callee");
  // Late YIELDs for both are dropped; the callee stays connected.
  peer.send([70, inv[1], {}, ["late"]]);
  peer.send([70, (inv[1] as number) + 1, {}, ["late"]]);
  await tick();
  assert.ok(id > 0);
  peer.send([66, 2, registered[2]]);
  assert.deepEqual(await peer.next(), [67, 2]);
  peer.close();
  await caller.leave();
});

Deno.test("dealer: call timeout interrupts the callee and fails with wamp.error.timeout (virtual time)", async () => {
  const clock = new VirtualClock();
  const router = newRouter({ clock });
  const { peer: callee } = await rawClient(router, {
    callee: { features: { call_canceling: true } },
  });
  callee.send([64, 1, {}, "com.slow"]);
  await callee.next();
  const { peer: caller } = await rawClient(router);
  caller.send([48, 1, { timeout: 30_000 }, "com.slow"]);
  const inv = await callee.next();
  assert.equal(inv[0], 68);
  await clock.advance(29_999);
  assert.deepEqual(caller.pending(), []);
  assert.deepEqual(callee.pending(), []);
  await clock.advance(1);
  assert.deepEqual(callee.pending(), [[69, inv[1], {
    mode: "killnowait",
    reason: "wamp.error.canceled",
  }]]);
  const error = caller.pending();
  assert.equal(error.length, 1);
  assert.deepEqual(error[0]!.slice(0, 5), [8, 48, 1, {}, "wamp.error.timeout"]);
  // A late YIELD is dropped.
  callee.send([70, inv[1], {}, ["late"]]);
  await drain();
  assert.deepEqual(caller.pending(), []);
  assert.deepEqual(clock.pending(), [], "no timer left behind");
  callee.close();
  caller.close();
});

Deno.test("dealer: a callee that leaves fails its pending calls with canceled", async () => {
  const router = newRouter();
  const callee = await session(router);
  const caller = await session(router);
  await callee.register("com.hang", () => new Promise(() => {}));
  const call = caller.call("com.hang");
  await tick(10);
  callee.transport.close();
  await assert.rejects(
    call,
    (e: unknown) => uriOf(e) === "wamp.error.canceled",
  );
  await assert.rejects(caller.call("com.hang"), /No callee/);
  await caller.leave();
});

Deno.test("dealer: a caller that leaves interrupts its calls", async () => {
  const router = newRouter();
  const callee = await session(router);
  const caller = await session(router);
  const log: unknown[] = [];
  await callee.register("com.slow", slowEndpoint(log));
  caller.call("com.slow").catch(() => {});
  await tick(10);
  caller.transport.close();
  await tick(20);
  assert.deepEqual(log, ["interrupted"]);
  await callee.leave();
});

Deno.test("dealer: YIELD for an invocation never sent is a protocol violation", async () => {
  const router = newRouter();
  const { peer } = await rawClient(router);
  peer.send([70, 5, {}]);
  const abort = await peer.next();
  assert.equal(abort[0], 3);
  assert.equal(abort[2], "wamp.error.protocol_violation");
  assert.match(
    (abort[1] as { message: string }).message,
    /YIELD: Request 5 names no INVOCATION/,
  );
});

Deno.test("dealer: pending call limit per session", async () => {
  const router = newRouter({ maxPendingCalls: 2 });
  const callee = await session(router);
  const caller = await session(router);
  await callee.register("com.hang", () => new Promise(() => {}));
  const a = caller.call("com.hang");
  const b = caller.call("com.hang");
  await assert.rejects(caller.call("com.hang"), (e: unknown) => {
    assert.equal(uriOf(e), "wamp.error.unavailable");
    assert.match((e as Error).message, /Too many pending calls/);
    return true;
  });
  a.cancel("skip");
  b.cancel("skip");
  await Promise.allSettled([a, b]);
  await tick();
  assert.equal(await caller.call("wamp.session.count"), 2);
  await callee.leave();
  await caller.leave();
});
