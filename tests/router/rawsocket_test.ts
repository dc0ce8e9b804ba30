// The router's side of RawSocket without sockets: acceptRawSocketConnection
// over scripted byte streams, on virtual time: the decision, the limits on
// connections still in their handshake, the hand-over to the router.
import assert from "node:assert/strict";
import {
  acceptRawSocketConnection,
  decideRawSocket,
  MIN_CLIENT_LENGTH,
} from "../../src/router/rawsocket.ts";
import { Router } from "../../src/router/router.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { ScriptedStream } from "../_helpers/byte_streams.ts";
import { drain, VirtualClock } from "../_helpers/virtual_clock.ts";

const HELLO = new TextEncoder().encode(
  '[1,"realm1",{"roles":{"caller":{}}}]',
);

function frame(payload: Uint8Array): number[] {
  return [0, 0, payload.length >> 8, payload.length & 0xff, ...payload];
}

Deno.test("decideRawSocket: the router's serializers by id, its own limits, a minimum for the client", () => {
  const router = new Router({
    serializers: [
      new JsonSerializer({ maxMessageSize: 100_000 }),
      new CborSerializer(),
    ],
  });
  assert.deepEqual(
    decideRawSocket(router, { serializerId: 1, maxLength: 2 ** 24 }),
    { protocol: "wamp.2.json", maxLength: 100_000, binary: false },
  );
  assert.deepEqual(
    decideRawSocket(router, { serializerId: 3, maxLength: 1024 }),
    { protocol: "wamp.2.cbor", maxLength: 2 ** 24, binary: true },
  );
  for (const id of [0, 2, 4, 5, 15]) {
    assert.deepEqual(
      decideRawSocket(router, { serializerId: id, maxLength: 2 ** 24 }),
      { error: 1 },
      `serializer ${id}`,
    );
  }
  assert.equal(MIN_CLIENT_LENGTH, 1024);
  assert.deepEqual(
    decideRawSocket(router, { serializerId: 1, maxLength: 512 }),
    { error: 2 },
  );
});

Deno.test("acceptRawSocketConnection: hands the session to the router; a HELLO right behind the handshake is kept", async () => {
  const router = new Router({
    realms: ["realm1"],
    serializers: [new MsgpackSerializer(), new JsonSerializer()],
  });
  const stream = new ScriptedStream();
  const accepted = acceptRawSocketConnection(router, stream);
  stream.feed([0x7f, 0xf1, 0, 0, ...frame(HELLO)]);
  assert.equal(await accepted, true);
  await drain();
  assert.deepEqual(stream.bytes.slice(0, 4), [0x7f, 0xf1, 0, 0]);
  const welcome = JSON.parse(
    new TextDecoder().decode(new Uint8Array(stream.bytes.slice(8))),
  );
  assert.equal(welcome[0], 2);
  assert.equal(router.sessionCount, 1);
  await router.close();
});

Deno.test("acceptRawSocketConnection: the handshake time limit is the router's helloTimeout, on the router's clock", async () => {
  const clock = new VirtualClock();
  const router = new Router({ realms: ["realm1"], helloTimeout: 5000, clock });
  const stream = new ScriptedStream();
  const accepted = acceptRawSocketConnection(router, stream);
  stream.feed([0x7f, 0xf1]); // half a handshake, then nothing
  await clock.advance(4999);
  assert.equal(stream.closed, false);
  await clock.advance(1);
  assert.equal(await accepted, false);
  assert.equal(stream.closed, true);
  assert.deepEqual(stream.bytes, []);
  // ... and once the RawSocket handshake is done, helloTimeout again for HELLO
  const slow = new ScriptedStream();
  const joined = acceptRawSocketConnection(router, slow);
  slow.feed([0x7f, 0xf1, 0, 0]);
  assert.equal(await joined, true);
  await clock.advance(5000);
  await drain();
  assert.equal(slow.closed, true);
  const abort = JSON.parse(
    new TextDecoder().decode(new Uint8Array(slow.bytes.slice(8))),
  );
  assert.deepEqual(abort.slice(0, 1).concat(abort.slice(2)), [
    3,
    "wamp.error.protocol_violation",
  ]);
});

Deno.test("acceptRawSocketConnection: connections in their RawSocket handshake count towards maxPendingHandshakes", async () => {
  const clock = new VirtualClock();
  const router = new Router({
    realms: ["realm1"],
    maxPendingHandshakes: 2,
    clock,
  });
  const a = new ScriptedStream();
  const b = new ScriptedStream();
  const c = new ScriptedStream();
  const accepted = [a, b].map((s) => acceptRawSocketConnection(router, s));
  // Two connections that have sent nothing yet: the third is refused at once
  assert.equal(await acceptRawSocketConnection(router, c), false);
  assert.deepEqual(c.bytes, [0x7f, 0x40, 0, 0]);
  assert.equal(c.closed, true);
  // a completes its RawSocket handshake: still pending (not WELCOMEd)
  a.feed([0x7f, 0xf1, 0, 0]);
  assert.equal(await accepted[0], true);
  const d = new ScriptedStream();
  assert.equal(await acceptRawSocketConnection(router, d), false);
  assert.deepEqual(d.bytes, [0x7f, 0x40, 0, 0]);
  // a joins: room for one more
  a.feed(frame(HELLO));
  await drain();
  const e = new ScriptedStream();
  const third = acceptRawSocketConnection(router, e);
  e.feed([0x7f, 0xf1, 0, 0]);
  assert.equal(await third, true);
  b.end();
  assert.equal(await accepted[1], false);
  await router.close(undefined, 0);
});
