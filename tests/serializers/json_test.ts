import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
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

Deno.test("JsonSerializer leaves Uint8Array.prototype and ArrayBuffer.prototype alone", () => {
  json.serialize([new Uint8Array(2), new ArrayBuffer(1)]);
  assert.equal(Object.hasOwn(Uint8Array.prototype, "toJSON"), false);
  assert.equal(Object.hasOwn(ArrayBuffer.prototype, "toJSON"), false);
  assert.equal("toJSON" in new Uint8Array(1), false);
  assert.equal("toJSON" in new ArrayBuffer(1), false);
});

Deno.test("JsonSerializer encodes a Uint8Array subclass with its own toJSON as binary", () => {
  // Node's Buffer has a toJSON on Buffer.prototype that JSON.stringify
  // would call: {"type":"Buffer","data":[…]}.
  class FakeBuffer extends Uint8Array {
    toJSON() {
      return { type: "Buffer", data: Array.from(this) };
    }
  }
  const fake = new FakeBuffer([1, 2, 3]);
  assert.equal(JSON.stringify(fake), '{"type":"Buffer","data":[1,2,3]}');
  assert.equal(
    json.serialize([36, 1, 2, {}, [fake], { b: fake }]),
    '[36,1,2,{},["\\u0000AQID"],{"b":"\\u0000AQID"}]',
  );
  const buffer = Buffer.from([1, 2, 3]);
  assert.equal(JSON.stringify(buffer), '{"type":"Buffer","data":[1,2,3]}');
  assert.equal(json.serialize([buffer]), '["\\u0000AQID"]');
  assert.deepEqual(json.deserialize(json.serialize([buffer])), [
    new Uint8Array([1, 2, 3]),
  ]);
});

Deno.test("JsonSerializer finds bytes that a toJSON returns", () => {
  const wrapper = { toJSON: () => new Uint8Array([255]) };
  const when = new Date(0);
  assert.equal(
    json.serialize([1, wrapper, { when }, [when]]),
    `[1,"\\u0000/w==",{"when":"${when.toJSON()}"},["${when.toJSON()}"]]`,
  );
  const keys: string[] = [];
  const spy = {
    toJSON(key: string) {
      keys.push(key);
      return "spy";
    },
  };
  assert.equal(json.serialize([{ k: spy }, spy]), '[{"k":"spy"},"spy"]');
  assert.deepEqual(keys, ["k", "1"]);
  const self = {
    a: 1,
    toJSON() {
      return this;
    },
  };
  assert.equal(json.serialize([self]), '[{"a":1}]');
});

Deno.test("JsonSerializer does not change the message it encodes", () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const buffer = new Uint8Array([4]).buffer;
  const inner = { bytes, n: 1, list: [bytes, 2] };
  const kwargs = JSON.parse('{"__proto__":{"x":1},"inner":null}');
  kwargs.inner = inner;
  const args = [bytes, buffer, "x", inner];
  const message = [48, 1, {}, "com.example.f", args, kwargs];
  const before = structuredClone(message);
  const frame = json.serialize(message);
  assert.deepEqual(message, before);
  assert.equal(message[4], args);
  assert.equal(args[0], bytes);
  assert.equal(args[1], buffer);
  assert.equal(inner.bytes, bytes);
  assert.equal(inner.list[0], bytes);
  assert.equal(kwargs.inner, inner);
  const b = '"\\u0000AQID"';
  assert.equal(
    frame,
    `[48,1,{},"com.example.f",[${b},"\\u0000BA==","x",{"bytes":${b},"n":1,"list":[${b},2]}],{"__proto__":{"x":1},"inner":{"bytes":${b},"n":1,"list":[${b},2]}}]`,
  );
  // Without binary the very same objects go to JSON.stringify.
  const plain = [48, 1, {}, "com.example.f", [1, { a: [2] }]];
  assert.equal(json.serialize(plain), JSON.stringify(plain));
});

Deno.test("JsonSerializer works under frozen built-in prototypes", async () => {
  const url = new URL("../../src/serializers/json.ts", import.meta.url).href;
  const code = `
    Object.freeze(Uint8Array.prototype);
    Object.freeze(ArrayBuffer.prototype);
    Object.freeze(Object.prototype);
    const { JsonSerializer } = await import(${JSON.stringify(url)});
    const json = new JsonSerializer();
    const dict = { constructor: new Uint8Array([1]), toString: [new Uint8Array([2])] };
    const frame = json.serialize([36, 1, 2, {}, [new Uint8Array([1, 2, 3]), new ArrayBuffer(1)], dict]);
    const back = json.deserialize(frame);
    console.log(JSON.stringify({ frame, ok: back[4][0] instanceof Uint8Array && back[5].toString[0][0] === 2 }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(
    result.frame,
    '[36,1,2,{},["\\u0000AQID","\\u0000AA=="],{"constructor":"\\u0000AQ==","toString":["\\u0000Ag=="]}]',
  );
  assert.equal(result.ok, true);
});

Deno.test("JsonSerializer bounds the nesting of every frame", () => {
  const n = 1_000_000;
  const deep = '[48,1,{},"p",[' + "[".repeat(n) + "]".repeat(n) + "]]";
  assert.throws(() => json.deserialize(deep), (err: unknown) => {
    assert.ok(err instanceof DecodeError);
    assert.equal(err.message, "Nesting deeper than 64 levels");
    return true;
  });
  assert.throws(
    () => json.deserialize(new TextEncoder().encode(deep)),
    DecodeError,
  );
  const nest = (levels: number, inner: string) =>
    "[".repeat(levels) + inner + "]".repeat(levels);
  // The frame itself is the first level.
  assert.deepEqual(json.deserialize(nest(64, "")), JSON.parse(nest(64, "")));
  assert.throws(() => json.deserialize(nest(65, "")), /deeper than 64/);
  assert.throws(() => json.deserialize(nest(65, "1")), /deeper than 64/);
  assert.throws(
    () => json.deserialize(`[1,{"a":${nest(63, '{"b":{}}')}}]`),
    /deeper than 64/,
  );
  const shallow = new JsonSerializer({ maxDepth: 2 });
  assert.deepEqual(shallow.deserialize("[[]]"), [[]]);
  assert.deepEqual(shallow.deserialize('[{"a":1}]'), [{ a: 1 }]);
  assert.throws(() => shallow.deserialize("[[[]]]"), /deeper than 2/);
  assert.throws(() => shallow.deserialize('[{"a":{}}]'), /deeper than 2/);
  assert.throws(() => shallow.deserialize('{"a":[{}]}'), /deeper than 2/);
  assert.equal(shallow.deserialize('"x"'), "x");
  assert.equal(new JsonSerializer({ maxDepth: 0 }).deserialize("1"), 1);
  assert.throws(
    () => new JsonSerializer({ maxDepth: 0 }).deserialize("[]"),
    /deeper than 0/,
  );
});

Deno.test("JsonSerializer bounds the nesting of what it encodes", () => {
  let deep: unknown[] = [];
  const root = deep;
  for (let i = 1; i < 64; i++) {
    const next: unknown[] = [];
    deep.push(next);
    deep = next;
  }
  assert.equal(json.serialize(root), JSON.stringify(root));
  deep.push({});
  assert.throws(() => json.serialize(root), (err: unknown) => {
    assert.ok(err instanceof EncodeError);
    assert.equal(err.message, "Nesting deeper than 64 levels");
    return true;
  });
  const shallow = new JsonSerializer({ maxDepth: 2 });
  assert.equal(shallow.serialize([[1]]), "[[1]]");
  assert.throws(() => shallow.serialize([[new Uint8Array(1)]]), EncodeError);
  assert.throws(() => shallow.serialize([{ a: {} }]), EncodeError);
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
