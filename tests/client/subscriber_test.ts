// The subscriber and publisher roles, and the Tracker hooks, through a
// session and a scripted router.
import assert from "node:assert/strict";
import { SessionClosedError } from "../../src/client/session_closed_error.ts";
import type {
  Registration,
  Subscription,
} from "../../src/client/subscription.ts";
import type { EventDetails } from "../../src/client/types.ts";
import { drain, joined } from "../_helpers/peer.ts";

Deno.test("subscribe() and unsubscribe() reject with the router's ERROR", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const denied = session.subscribe("com.t", () => {});
  await peer.next();
  peer.send([8, 32, 1, {}, "wamp.error.not_authorized"]);
  await assert.rejects(denied, /not_authorized/);
  const subP = session.subscribe("com.t", () => {});
  await peer.next();
  peer.send([33, 2, 5]);
  const sub = await subP;
  const unsub = sub.unsubscribe();
  assert.deepEqual(await peer.next(), [34, 3, 5]);
  peer.send([8, 34, 3, {}, "wamp.error.no_such_subscription"]);
  await assert.rejects(unsub, /no_such_subscription/);
  peer.send([33, 77, 5]); // answer to nothing: dropped
  peer.send([35, 0, { subscription: 12345 }]); // unknown: ignored
  await drain();
  assert.ok(session.isOpen);
});

Deno.test("unsubscribe() while the session is closing rejects with SessionClosedError", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const subP = session.subscribe("com.t", () => {});
  await peer.next();
  peer.send([33, 1, 5]);
  const sub = await subP;
  const leaving = session.leave();
  await assert.rejects(sub.unsubscribe(), SessionClosedError);
  assert.equal((await peer.next())[0], 6);
  peer.send([6, {}, "wamp.close.goodbye_and_out"]);
  await leaving;
  assert.equal(await sub.on_unsubscribe, "wamp.close.normal");
});

Deno.test("EVENT details: publisher, authid, authrole, retained, topic, payload", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const got: [unknown[], EventDetails][] = [];
  const subP = session.subscribe(
    "com",
    (args, _kwargs, details) => got.push([args, details]),
    { match: "prefix" },
  );
  assert.deepEqual(await peer.next(), [32, 1, { match: "prefix" }, "com"]);
  peer.send([33, 1, 9]);
  await subP;
  peer.send([36, 9, 100, {
    topic: "com.a",
    publisher: 3,
    publisher_authid: "joe",
    publisher_authrole: "user",
    retained: true,
  }, ["x"]]);
  peer.send([36, 9, 101, {}]);
  await drain();
  assert.deepEqual(got[0]![0], ["x"]);
  const { details: _all, ...first } = got[0]![1];
  assert.deepEqual(first, {
    publication: 100,
    topic: "com.a",
    publisher: 3,
    publisher_authid: "joe",
    publisher_authrole: "user",
    retained: true,
  });
  assert.deepEqual(got[1]![0], []);
  assert.equal(got[1]![1].topic, "com");
  assert.equal(got[1]![1].retained, undefined);
});

Deno.test("publish() with a bad topic throws, or rejects when acknowledged", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  assert.throws(() => session.publish("bad topic"), /Invalid topic/);
  await assert.rejects(
    session.publish("bad topic", [], {}, { acknowledge: true })!,
    /Invalid topic/,
  );
  peer.send([17, 99, 1]); // acknowledgement of nothing: dropped
  await drain();
  assert.ok(session.isOpen);
});

Deno.test("Tracker hooks: told of subscriptions and registrations made and removed", async () => {
  const log: string[] = [];
  const name = (x: Subscription | Registration) =>
    "topic" in x ? x.topic : x.procedure;
  await using fixture = await joined({
    track: {
      subscribed: (s) => log.push(`subscribed ${name(s)}`),
      unsubscribed: (s) => log.push(`unsubscribed ${name(s)}`),
      registered: (r) => log.push(`registered ${name(r)}`),
      unregistered: (r) => log.push(`unregistered ${name(r)}`),
    },
  });
  const { session, peer } = fixture;
  session.prefix("app", "com.app");
  const subP = session.subscribe("app:t", () => {});
  await peer.next();
  const failed = session.subscribe("com.u", () => {});
  await peer.next();
  peer.send([33, 1, 5]);
  peer.send([8, 32, 2, {}, "wamp.error.not_authorized"]);
  const sub = await subP;
  await assert.rejects(failed);
  const regP = session.register("app:p", () => {});
  await peer.next();
  peer.send([65, 3, 6]);
  const reg = await regP;
  assert.deepEqual(log, ["subscribed com.app.t", "registered com.app.p"]);
  // Revocations are not the application's doing: not reported.
  peer.send([35, 0, { subscription: 5, reason: "wamp.error.revoked" }]);
  await sub.on_unsubscribe;
  assert.equal(log.length, 2);
  // Removing is reported as asked, active or not.
  await assert.rejects(sub.unsubscribe(), /not active/);
  const unreg = reg.unregister();
  await peer.next();
  peer.send([67, 4]);
  assert.equal(await unreg, true);
  assert.deepEqual(log.slice(2), [
    "unsubscribed com.app.t",
    "unregistered com.app.p",
  ]);
});
