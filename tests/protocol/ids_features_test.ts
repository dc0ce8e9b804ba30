import assert from "node:assert/strict";
import {
  announceRoles,
  hasFeature,
  IdGenerator,
  randomId,
  rolesOf,
  WampError,
} from "../../src/protocol/mod.ts";

Deno.test("randomId() stays in [1, 2^53] and uses the high bits", () => {
  let max = 0;
  const seen = new Set<number>();
  for (let i = 0; i < 20000; i++) {
    const id = randomId();
    assert.ok(Number.isSafeInteger(id) || id === 2 ** 53);
    assert.ok(id >= 1 && id <= 2 ** 53);
    max = Math.max(max, id);
    seen.add(id);
  }
  assert.equal(seen.size, 20000);
  // With 20000 draws the largest is above 2^52 unless the generator is broken.
  assert.ok(max > 2 ** 52);
});

Deno.test("IdGenerator counts from 1 and wraps after 2^53", () => {
  const ids = new IdGenerator();
  assert.equal(ids.last, 0);
  assert.equal(ids.peek(), 1);
  assert.equal(ids.peek(), 1, "peek issues nothing");
  assert.deepEqual([ids.next(), ids.next(), ids.next()], [1, 2, 3]);
  assert.equal(ids.peek(), 4);
  const near = new IdGenerator(2 ** 53 - 1);
  assert.equal(near.next(), 2 ** 53);
  assert.equal(near.peek(), 1);
  assert.equal(near.next(), 1);
});

Deno.test("announceRoles() and hasFeature() agree", () => {
  const roles = announceRoles({
    callee: ["call_canceling", "progressive_call_results"],
    subscriber: [],
  });
  assert.ok(hasFeature(roles, "callee", "call_canceling"));
  assert.ok(!hasFeature(roles, "subscriber", "call_canceling"));
  assert.ok(!hasFeature(roles, "caller", "x"));
  assert.ok(!hasFeature(null, "caller", "x"));
  assert.ok(!hasFeature({ callee: { features: [] } }, "callee", "0"));
  assert.deepEqual(rolesOf(roles), {
    callee: ["call_canceling", "progressive_call_results"],
    subscriber: [],
  });
  assert.deepEqual(rolesOf("x"), {});
  assert.deepEqual(rolesOf({ caller: 1 }), { caller: [] });
});

Deno.test("WampError is a real Error with uri, args, kwargs", () => {
  const e = new WampError("com.err", [1], { a: 2 }, { d: 3 });
  assert.ok(e instanceof Error);
  assert.equal(e.name, "WampError");
  assert.equal(e.message, "com.err");
  assert.equal(e.error, "com.err");
  assert.deepEqual([e.args, e.kwargs, e.details], [[1], { a: 2 }, { d: 3 }]);
});
