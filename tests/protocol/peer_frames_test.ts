// Frames exactly as other WAMP peers put them on the wire, decoded by our
// serializers and checked by parse().
import assert from "node:assert/strict";
import {
  MessageType,
  parse,
  type SubscribeMessage,
  toWire,
} from "../../src/protocol/mod.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

const bytes = (h: string) =>
  Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

const TOPIC = "636f6d2e6578616d706c652e746f706963"; // "com.example.topic"

function checkSubscribe(decoded: unknown): void {
  assert.deepEqual(decoded, [32, 1, {
    match: undefined,
    get_retained: undefined,
  }, "com.example.topic"]);
  const msg = parse(decoded) as SubscribeMessage;
  assert.equal(msg.type, MessageType.SUBSCRIBE);
  assert.equal(msg.topic, "com.example.topic");
  assert.equal("match" in msg.options, false);
  assert.equal("get_retained" in msg.options, false);
  assert.deepEqual(msg.options, {});
}

Deno.test("wampy's SUBSCRIBE over MessagePack (undefined as d4 00 00) parses without match", () => {
  // msgpackr.pack([32, 1, { match: undefined, get_retained: undefined },
  // "com.example.topic"]): map 16, each undefined as fixext 1 type 0.
  const frame = bytes(
    "942001de0002" +
      "a5" + "6d61746368" + "d40000" +
      "ac" + "6765745f72657461696e6564" + "d40000" +
      "b1" + TOPIC,
  );
  checkSubscribe(new MsgpackSerializer().deserialize(frame));
});

Deno.test("wampy's SUBSCRIBE over CBOR (undefined as f7) parses without match", () => {
  // cbor-x encode() of the same message: map with a 2-byte length, each
  // undefined as simple value 23.
  const frame = bytes(
    "84182001b90002" +
      "65" + "6d61746368" + "f7" +
      "6c" + "6765745f72657461696e6564" + "f7" +
      "71" + TOPIC,
  );
  checkSubscribe(new CborSerializer().deserialize(frame));
});

Deno.test("EVENT_RECEIVED frames decode, parse and encode back byte for byte", () => {
  const frames: [MsgpackSerializer | CborSerializer, string][] = [
    [new MsgpackSerializer(), "92cd0151cf00000001488f41db"],
    [new CborSerializer(), "821901511b00000001488f41db"],
  ];
  for (const [serializer, h] of frames) {
    const msg = parse(serializer.deserialize(bytes(h)));
    assert.deepEqual(msg, { type: 337, publication: 5512315355 });
    assert.equal(hex(serializer.serialize(toWire(msg))), h);
  }
  const json = new JsonSerializer();
  for (const text of ["[337, 5512315355]", "[337,5512315355]"]) {
    const msg = parse(json.deserialize(text));
    assert.deepEqual(msg, { type: 337, publication: 5512315355 });
    assert.equal(json.serialize(toWire(msg)), "[337,5512315355]");
  }
});
