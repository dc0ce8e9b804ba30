// The caller role through a session and a scripted router, on virtual time.
import assert from "node:assert/strict";
import type { WampError } from "../../src/protocol/wamp_error.ts";
import { drain, joined } from "../_helpers/peer.ts";

Deno.test("call() sends custom lower-case options and keeps local ones off the wire", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const controller = new AbortController();
  const call = session.call<number>("com.a", [1], {}, {
    signal: controller.signal,
    cancelMode: "skip",
    onProgress: () => {},
    timeout: 0,
    receive_progress: false,
    disclose_me: true,
    rkey: "k1",
    _x_custom: { depth: [1] },
    skipped: undefined,
  });
  assert.deepEqual(await peer.next(), [
    48,
    1,
    {
      disclose_me: true,
      rkey: "k1",
      _x_custom: { depth: [1] },
      receive_progress: true,
    },
    "com.a",
    [1],
  ]);
  peer.send([50, 1, {}, [7]]);
  const value: number = await call;
  assert.equal(value, 7);
  controller.abort(); // after the end: nothing is sent
  await drain();
  assert.deepEqual(peer.pending(), []);
});

Deno.test("call() with an AbortSignal uses its cancelMode", async () => {
  await using fixture = await joined();
  const { session, peer } = fixture;
  const controller = new AbortController();
  const call = session.call("com.slow", [], {}, {
    signal: controller.signal,
    cancelMode: "skip",
  });
  await peer.next();
  controller.abort();
  await assert.rejects(call, /Call canceled/);
  assert.deepEqual(await peer.next(), [49, 1, { mode: "skip" }]);
});

Deno.test("each progressive result restarts the call timeout", async () => {
  await using fixture = await joined();
  const { session, peer, clock } = fixture;
  const seen: unknown[] = [];
  const call = session.call("com.longop", [], {}, {
    timeout: 100,
    onProgress: (v) => seen.push(v),
  });
  const timedOut = assert.rejects(call, (e: unknown) => {
    assert.equal((e as WampError).uri, "wamp.error.timeout");
    assert.match((e as Error).message, /timed out after 100 ms/);
    return true;
  });
  await peer.next();
  await clock.advance(90);
  peer.send([50, 1, { progress: true }, [1]]);
  await clock.advance(90); // 180 ms since CALL, 90 since the progress
  assert.deepEqual(seen, [1]);
  assert.deepEqual(clock.pending(), [10]);
  await clock.advance(10);
  await timedOut;
  assert.deepEqual(await peer.next(), [49, 1, { mode: "killnowait" }]);
  peer.send([50, 1, {}, ["late"]]); // dropped
  await drain();
  assert.ok(session.isOpen);
});

Deno.test("a progress handler that throws goes to onUserError and the call goes on", async () => {
  const errors: [unknown, string][] = [];
  await using fixture = await joined({
    onUserError: (e, where) => errors.push([e, where]),
  });
  const { session, peer } = fixture;
  const call = session.call("com.longop", [], {}, {
    onProgress: () => {
      throw new Error("progress broke");
    },
  });
  await peer.next();
  peer.send([50, 1, { progress: true }, [1]]);
  peer.send([50, 1, {}, [2]]);
  assert.equal(await call, 2);
  assert.equal((errors[0]![0] as Error).message, "progress broke");
  assert.equal(errors[0]![1], "progress handler");
});

Deno.test("answers to calls nobody waits for are dropped, and traced", async () => {
  const lines: string[] = [];
  await using fixture = await joined({
    debug: true,
    trace: (l) => lines.push(l),
  });
  const { session, peer } = fixture;
  peer.send([50, 99, {}, [1]]);
  peer.send([50, 99, { progress: true }, [1]]);
  peer.send([8, 48, 98, {}, "com.err"]);
  await drain();
  assert.ok(session.isOpen);
  assert.ok(lines.includes("[wampkit] dropped RESULT for request 99"));
  assert.ok(lines.includes("[wampkit] dropped ERROR for CALL for request 98"));
});

Deno.test("a call with a timeout that is answered clears its timer", async () => {
  await using fixture = await joined();
  const { session, peer, clock } = fixture;
  const ok = session.call("com.a", [], {}, { timeout: 50 });
  const failing = session.call("com.b", [], {}, { timeout: 50 });
  await peer.next();
  await peer.next();
  assert.deepEqual(clock.pending(), [50, 50]);
  peer.send([50, 1, {}, ["done"]]);
  peer.send([8, 48, 2, {}, "com.err"]);
  assert.equal(await ok, "done");
  await assert.rejects(failing, /com.err/);
  assert.deepEqual(clock.pending(), []);
});
