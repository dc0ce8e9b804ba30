import assert from "node:assert/strict";
import {
  decodeBase64Portable,
  encodeBase64,
  encodeBase64Portable,
} from "../../src/serializers/_base64.ts";
import { DecodeError, EncodeError } from "../../src/serializers/errors.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";

const json = new JsonSerializer();

Deno.test("JsonSerializer encodes bytes as NUL + Base64 and back", () => {
  const bytes = Uint8Array.from(
    "10e3ff9053075c526f5fc06d4fe37cdb".match(/../g)!,
    (h) => parseInt(h, 16),
  );
  const frame = json.serialize([1, bytes, { k: [bytes] }]);
  assert.equal(
    frame,
    '[1,"\\u0000EOP/kFMHXFJvX8BtT+N82w==",{"k":["\\u0000EOP/kFMHXFJvX8BtT+N82w=="]}]',
  );
  assert.deepEqual(json.deserialize(frame), [1, bytes, { k: [bytes] }]);
  assert.deepEqual(json.deserialize(new TextEncoder().encode(frame)), [
    1,
    bytes,
    {
      k: [bytes],
    },
  ]);
  assert.equal(json.binary, false);
  assert.equal(json.protocol, "wamp.2.json");
  assert.equal(json.rawSocketId, 1);
});

Deno.test("JsonSerializer changes nothing for JSON.stringify outside serialize()", () => {
  json.serialize([new Uint8Array(2), new ArrayBuffer(1)]);
  assert.equal(JSON.stringify(new Uint8Array([1])), '{"0":1}');
  assert.equal(JSON.stringify({ b: new ArrayBuffer(1) }), '{"b":{}}');
  assert.equal(Object.keys(Uint8Array.prototype).includes("toJSON"), false);
  assert.equal(
    json.serialize([new Uint8Array([255]).buffer]),
    '["\\u0000/w=="]',
  );
});

Deno.test("JsonSerializer keeps strings with an inner NUL as strings", () => {
  const v = [1, "a\u0000b", { "x\u0000": "\u0001" }];
  assert.deepEqual(json.deserialize(json.serialize(v)), v);
});

Deno.test("JsonSerializer keeps a __proto__ key as data", () => {
  const v = json.deserialize(
    '[1,{"__proto__":{"polluted":"\\u0000AA=="}}]',
  ) as [
    number,
    Record<string, unknown>,
  ];
  assert.ok(Object.hasOwn(v[1], "__proto__"));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.getPrototypeOf(v[1]), Object.prototype);
});

Deno.test("JsonSerializer raises DecodeError for bad frames", () => {
  assert.throws(() => json.deserialize("[1,"), (e: unknown) => {
    assert.ok(e instanceof DecodeError);
    assert.match(e.message, /Invalid JSON/);
    return true;
  });
  assert.throws(
    () => json.deserialize(new Uint8Array([0x5b, 0xff, 0x5d])),
    /Invalid UTF-8/,
  );
  assert.throws(
    () => json.deserialize('["\\u0000!!!"]'),
    /Invalid Base64/,
  );
  const small = new JsonSerializer({ maxMessageSize: 4 });
  assert.throws(() => small.deserialize("[1,2,3]"), /exceeds the limit of 4/);
  assert.throws(
    () => small.deserialize(new Uint8Array(5)),
    /exceeds the limit of 4/,
  );
  const shallow = new JsonSerializer({ maxDepth: 2 });
  assert.throws(
    () => shallow.deserialize('[[[["\\u0000AA=="]]]]'),
    /Nesting deeper than 2/,
  );
});

Deno.test("JsonSerializer raises EncodeError for what JSON cannot hold", () => {
  const cycle: unknown[] = [];
  cycle.push(cycle);
  assert.throws(() => json.serialize(cycle), EncodeError);
  assert.throws(() => json.serialize([1n]), EncodeError);
  assert.equal(JSON.stringify(new Uint8Array([2])), '{"0":2}');
});

Deno.test("Base64 portable and native codecs agree", () => {
  for (let n = 0; n < 70; n++) {
    const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
    const text = encodeBase64Portable(b);
    assert.equal(text, encodeBase64(b));
    assert.equal(text, btoa(String.fromCharCode(...b)));
    assert.deepEqual(decodeBase64Portable(text), b);
  }
  const big = new Uint8Array(100000).map((_, i) => i & 255);
  assert.deepEqual(decodeBase64Portable(encodeBase64Portable(big)), big);
  assert.throws(() => decodeBase64Portable("abc"), DecodeError);
  assert.throws(() => decodeBase64Portable("ab$="), DecodeError);
  assert.throws(() => decodeBase64Portable("ab\u0100="), DecodeError);
});
