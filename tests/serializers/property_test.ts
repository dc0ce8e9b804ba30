import assert from "node:assert/strict";
import { parse, toWire } from "../../src/protocol/mod.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { message, Random, seed, value } from "../_helpers/random.ts";

const serializers = [
  new JsonSerializer(),
  new MsgpackSerializer(),
  new CborSerializer(),
];

Deno.test("property: random messages round-trip through every serializer", () => {
  const s = seed();
  const r = new Random(s);
  const rounds = 1500;
  try {
    for (let i = 0; i < rounds; i++) {
      const msg = message(r);
      const wire = toWire(msg);
      for (const ser of serializers) {
        const back = parse(ser.deserialize(ser.serialize(wire)));
        assert.deepEqual(back, msg, `${ser.protocol} round ${i}`);
      }
    }
  } catch (err) {
    console.error(`property test failed with WAMPKIT_SEED=${s}`);
    throw err;
  }
});

Deno.test("property: a message re-encoded by one serializer decodes the same in another", () => {
  const s = seed();
  const r = new Random(s);
  for (let i = 0; i < 500; i++) {
    const msg = message(r);
    const [a, b, c] = serializers;
    const viaJson = a!.deserialize(a!.serialize(toWire(msg))) as unknown[];
    const viaMsgpack = b!.deserialize(b!.serialize(viaJson)) as unknown[];
    const viaCbor = c!.deserialize(c!.serialize(viaMsgpack));
    assert.deepEqual(
      parse(viaCbor),
      msg,
      `WAMPKIT_SEED=${s} round ${i}`,
    );
  }
});

Deno.test("property: random values round-trip bit-exactly in value", () => {
  const s = seed();
  const r = new Random(s);
  for (let i = 0; i < 2000; i++) {
    const v = [value(r)];
    for (const ser of serializers) {
      assert.deepEqual(
        ser.deserialize(ser.serialize(v)),
        v,
        `${ser.protocol} WAMPKIT_SEED=${s} round ${i}`,
      );
    }
  }
});
