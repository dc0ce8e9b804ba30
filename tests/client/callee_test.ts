// The callee role through a session and a scripted router.
import assert from "node:assert/strict";
import { SessionClosedError } from "../../src/client/session_closed_error.ts";
import { WampError } from "../../src/protocol/wamp_error.ts";
import type { Registration } from "../../src/client/subscription.ts";
import type { InvocationDetails } from "../../src/client/types.ts";
import { drain, joined, type ScriptedPeer } from "../_helpers/peer.ts";
import type { Session } from "../../src/client/session.ts";

/** Registers `com.p` as registration 7. */
async function registered(
  session: Session,
  peer: ScriptedPeer,
  endpoint: Parameters<Session["register"]>[1],
): Promise<Registration> {
  const reg = session.register("com.p", endpoint);
  const [, requestId] = await peer.next() as [number, number];
  peer.send([65, requestId, 7]);
  return await reg;
}

Deno.test("register() and unregister() reject with the router's ERROR", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const denied = session.register("com.p", () => {});
  await peer.next();
  peer.send([8, 64, 1, {}, "wamp.error.procedure_already_exists"]);
  await assert.rejects(denied, /procedure_already_exists/);
  const reg = await registered(session, peer, () => {});
  const unreg = reg.unregister();
  assert.deepEqual(await peer.next(), [66, 3, 7]);
  peer.send([8, 66, 3, {}, "wamp.error.no_such_registration"]);
  await assert.rejects(unreg, /no_such_registration/);
  assert.ok(reg.active, "still registered as far as the client knows");
  await assert.rejects(
    session.register("bad uri", () => {}),
    /Invalid procedure URI/,
  );
});

Deno.test("unregister() of an inactive registration or on a closed session rejects", async () => {
  await using fixture = await joined();
  const { session, peer, left } = fixture;
  const reg = await registered(session, peer, () => {});
  peer.send([67, 0, { registration: 7 }]); // revoked, no reason given
  assert.equal(await reg.on_unregister, "wamp.close.revoked");
  await assert.rejects(reg.unregister(), /not active/);
  peer.send([67, 0, { registration: 12345 }]); // unknown: ignored
  peer.send([67, 77]); // answer to nothing: dropped
  await drain();
  assert.ok(session.isOpen);
  const other = await registered(session, peer, () => {});
  peer.close();
  await left;
  assert.ok(!other.active);
  assert.equal(await other.on_unregister, "wamp.close.transport_lost");
  await assert.rejects(reg.unregister(), /not active/);
});

Deno.test("unregister() while the session is closing rejects with SessionClosedError", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const reg = await registered(session, peer, () => {});
  const leaving = session.leave();
  await assert.rejects(reg.unregister(), SessionClosedError);
  assert.equal((await peer.next())[0], 6);
  peer.send([6, {}, "wamp.close.goodbye_and_out"]);
  await leaving;
});

Deno.test("invocations: details, thenables, thrown non-errors, and results that cannot be encoded", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  let seen: InvocationDetails | undefined;
  await registered(session, peer, (args, _kwargs, details) => {
    seen = details;
    switch (args[0]) {
      case "thenable":
        return { then: (ok: (v: unknown) => void) => ok("via then") };
      case "string":
        throw "plain string";
      case "undefined":
        throw undefined;
      case "bigint":
        return 1n; // JSON cannot carry it
      default:
        return null;
    }
  });
  const details = {
    caller_authid: "joe",
    caller_authrole: "user",
    timeout: 500,
  };
  const cases: [unknown[], unknown[]][] = [
    [["thenable"], [70, 1, {}, ["via then"]]],
    [["string"], [8, 68, 2, {}, "wamp.error.runtime_error", ["plain string"]]],
    [["undefined"], [8, 68, 3, {}, "wamp.error.runtime_error", ["Error"]]],
    [["null"], [70, 4, {}, [null]]],
  ];
  for (const [i, [args, expected]] of cases.entries()) {
    peer.send([68, i + 1, 7, details, args]);
    assert.deepEqual(await peer.next(), expected);
  }
  peer.send([68, 5, 7, details, ["bigint"]]);
  const [type, requestType, requestId, errorDetails, uri, args] = await peer
    .next();
  assert.deepEqual([type, requestType, requestId, errorDetails, uri], [
    8,
    68,
    5,
    {},
    "wamp.error.invalid_argument",
  ]);
  assert.match(String((args as unknown[])[0]), /Cannot serialize YIELD/);
  assert.equal(seen?.caller_authid, "joe");
  assert.equal(seen?.caller_authrole, "user");
  assert.equal(seen?.timeout, 500);
  assert.equal(seen?.procedure, "com.p");
});

Deno.test("an endpoint's error with arguments that cannot be encoded is sent bare", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  await registered(session, peer, () => {
    throw new WampError("com.err.big", [1n]);
  });
  peer.send([68, 1, 7, {}, []]);
  assert.deepEqual(await peer.next(), [8, 68, 1, {}, "com.err.big"]);
});

Deno.test("invocations still running when the session ends are aborted and answer nothing", async () => {
  await using fixture = await joined();
  const { session, peer, left } = fixture;
  const finish: ((v: unknown) => void)[] = [];
  const fail: ((e: unknown) => void)[] = [];
  const reasons: unknown[] = [];
  let progress: InvocationDetails["progress"];
  await registered(session, peer, (_args, _kwargs, details) => {
    details.signal.addEventListener("abort", () => {
      reasons.push(details.signal.reason);
    });
    progress = details.progress;
    return new Promise((resolve, reject) => {
      finish.push(resolve);
      fail.push(reject);
    });
  });
  peer.send([68, 1, 7, { receive_progress: true }, []]);
  peer.send([68, 2, 7, {}, []]);
  await drain();
  assert.equal(finish.length, 2);
  peer.close();
  await left;
  assert.equal(reasons.length, 2);
  assert.ok(reasons.every((r) => r instanceof SessionClosedError));
  progress?.(["too late"]);
  finish[0]!("too late");
  fail[1]!(new Error("too late"));
  await drain();
  assert.deepEqual(peer.pending(), []);
});

Deno.test("a progressive result after the final one is not sent", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  let progress: InvocationDetails["progress"];
  await registered(session, peer, (_args, _kwargs, details) => {
    progress = details.progress;
    return "final";
  });
  peer.send([68, 1, 7, { receive_progress: true }, []]);
  assert.deepEqual(await peer.next(), [70, 1, {}, ["final"]]);
  progress?.(["late"]);
  await drain();
  assert.deepEqual(peer.pending(), []);
});
