import assert from "node:assert/strict";
import type { Session } from "../../src/client/session.ts";
import type { EventDetails } from "../../src/client/types.ts";
import { newRouter, session } from "../_helpers/router.ts";
import { tick } from "../_helpers/peer.ts";

function collect(s: Session, topic: string, match?: "prefix" | "wildcard") {
  const got: [unknown, EventDetails][] = [];
  const sub = s.subscribe(topic, (args, _kw, d) => got.push([args[0], d]), {
    match,
  });
  return { got, sub };
}

Deno.test("broker: exact, prefix and wildcard; one event per matching subscription", async () => {
  const router = newRouter();
  const sub = await session(router);
  const pub = await session(router);
  const exact = collect(sub, "com.a.b");
  const prefix = collect(sub, "com.a", "prefix");
  const wild = collect(sub, "com..b", "wildcard");
  await Promise.all([exact.sub, prefix.sub, wild.sub]);
  await pub.publish("com.a.b", [1], {}, { acknowledge: true });
  await pub.publish("com.a.c", [2], {}, { acknowledge: true });
  await pub.publish("com.x.b", [3], {}, { acknowledge: true });
  await tick();
  assert.deepEqual(exact.got.map((g) => g[0]), [1]);
  assert.deepEqual(prefix.got.map((g) => [g[0], g[1].topic]), [[1, "com.a.b"], [
    2,
    "com.a.c",
  ]]);
  assert.deepEqual(wild.got.map((g) => [g[0], g[1].topic]), [[1, "com.a.b"], [
    3,
    "com.x.b",
  ]]);
  // The same publication id for every delivery of one publication.
  assert.equal(exact.got[0]![1].publication, prefix.got[0]![1].publication);
  assert.equal(prefix.got[0]![1].details.topic, "com.a.b");
  assert.equal(exact.got[0]![1].details.topic, undefined);
  await sub.leave();
  await pub.leave();
});

Deno.test("broker: publisher exclusion and identification", async () => {
  const router = newRouter();
  const s = await session(router, { authid: "alice" });
  const other = await session(router);
  const mine = collect(s, "com.t");
  const theirs = collect(other, "com.t");
  await Promise.all([mine.sub, theirs.sub]);
  await s.publish("com.t", ["default"], {}, { acknowledge: true });
  await s.publish("com.t", ["me too"], {}, {
    acknowledge: true,
    exclude_me: false,
    disclose_me: true,
  });
  await tick();
  assert.deepEqual(mine.got.map((g) => g[0]), ["me too"]);
  assert.deepEqual(theirs.got.map((g) => g[0]), ["default", "me too"]);
  assert.equal(theirs.got[0]![1].publisher, undefined);
  assert.equal(theirs.got[1]![1].publisher, s.id);
  assert.equal(theirs.got[1]![1].publisher_authid, "alice");
  await s.leave();
  await other.leave();
});

Deno.test("broker: black and white listing by session, authid and authrole", async () => {
  const router = newRouter();
  const pub = await session(router);
  const subs = await Promise.all(
    ["a", "b", "c"].map((authid) => session(router, { authid })),
  );
  const got = subs.map((s) => collect(s, "com.t"));
  await Promise.all(got.map((g) => g.sub));
  const [a, b, c] = subs;
  const cases: [Record<string, unknown>, string[]][] = [
    [{ exclude: [a!.id!] }, ["b", "c"]],
    [{ eligible: [a!.id!, b!.id!] }, ["a", "b"]],
    [{ exclude_authid: ["b"] }, ["a", "c"]],
    [{ eligible_authid: ["c"] }, ["c"]],
    [{ eligible: [a!.id!, b!.id!], exclude_authid: ["a"] }, ["b"]],
    [{ exclude_authrole: ["anonymous"] }, []],
    [{ eligible_authrole: ["anonymous"] }, ["a", "b", "c"]],
  ];
  for (const [i, [options]] of cases.entries()) {
    await pub.publish("com.t", [i], {}, { acknowledge: true, ...options });
  }
  await tick();
  for (const [i, [, expected]] of cases.entries()) {
    const receivers = ["a", "b", "c"].filter((_, j) =>
      got[j]!.got.some((g) => g[0] === i)
    );
    assert.deepEqual(receivers, expected, JSON.stringify(cases[i]![0]));
  }
  assert.ok(c!.isOpen);
  for (const s of [pub, ...subs]) await s.leave();
});

Deno.test("broker: subscriptions go with the session; unsubscribe errors", async () => {
  const router = newRouter();
  const s = await session(router);
  const meta = await session(router);
  const sub = await s.subscribe("com.t", () => {});
  const sameId = await s.subscribe("com.t", () => {});
  assert.equal(sub.id, sameId.id);
  assert.equal(await meta.call("wamp.subscription.lookup", ["com.t"]), sub.id);
  assert.deepEqual(
    await meta.call("wamp.subscription.list_subscribers", [sub.id]),
    [s.id],
  );
  s.transport.close();
  await tick(10);
  assert.equal(await meta.call("wamp.subscription.lookup", ["com.t"]), null);
  await assert.rejects(
    meta.call("wamp.subscription.get", [sub.id]),
    /No such subscription/,
  );
  await meta.leave();
});

Deno.test("broker: acknowledged publish to an invalid topic fails", async () => {
  const router = newRouter();
  const { rawClient } = await import("../_helpers/router.ts");
  const { peer } = await rawClient(router);
  peer.send([16, 1, { acknowledge: true }, "bad topic"]);
  const err = await peer.next();
  assert.deepEqual(err.slice(0, 5), [8, 16, 1, {}, "wamp.error.invalid_uri"]);
  peer.send([34, 2, 12345]);
  const err2 = await peer.next();
  assert.deepEqual(err2.slice(0, 5), [
    8,
    34,
    2,
    {},
    "wamp.error.no_such_subscription",
  ]);
  peer.close();
});
