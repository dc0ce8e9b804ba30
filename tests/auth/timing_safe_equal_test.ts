import assert from "node:assert/strict";
import { timingSafeEqual } from "../../src/auth/mod.ts";

Deno.test("timingSafeEqual() compares bytes and strings", () => {
  assert.equal(timingSafeEqual("", ""), true);
  assert.equal(timingSafeEqual(new Uint8Array(), new Uint8Array()), true);
  assert.equal(timingSafeEqual("abc", "abc"), true);
  assert.equal(timingSafeEqual("abc", "abd"), false);
  assert.equal(timingSafeEqual("abc", "bbc"), false);
  assert.equal(timingSafeEqual("é", "é"), true);
  // Strings compare as UTF-8, so a string equals its bytes.
  assert.equal(timingSafeEqual("é", new Uint8Array([0xc3, 0xa9])), true);
  assert.equal(
    timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])),
    true,
  );
  assert.equal(
    timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])),
    false,
  );
});

Deno.test("timingSafeEqual() is false for different lengths, prefixes included", () => {
  assert.equal(timingSafeEqual("abc", "ab"), false);
  assert.equal(timingSafeEqual("ab", "abc"), false);
  assert.equal(timingSafeEqual("", "a"), false);
  assert.equal(timingSafeEqual("a", ""), false);
  // A shorter side that repeats to the longer one is still different.
  assert.equal(timingSafeEqual("abab", "ab"), false);
  assert.equal(timingSafeEqual("aaaa", "a"), false);
  // Lengths that differ by a power of two (a XOR that could cancel).
  assert.equal(timingSafeEqual(new Uint8Array(256), new Uint8Array(0)), false);
});

Deno.test("timingSafeEqual() is false for values that are neither bytes nor strings", () => {
  for (const odd of [undefined, null, 5, {}, ["a"]]) {
    assert.equal(timingSafeEqual(odd as unknown as string, "a"), false);
    assert.equal(timingSafeEqual("a", odd as unknown as string), false);
  }
});
