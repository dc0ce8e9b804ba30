// RawSocket framing byte by byte, with the vectors of the spec's
// "RawSocket Transport" section, and the transport over a scripted stream.
import assert from "node:assert/strict";
import {
  acceptRawSocket,
  type Connector,
  connectRawSocket,
  parseRawSocketUrl,
  type RawSocketAddress,
  type RawSocketOffer,
} from "../../src/transports/rawsocket.ts";
import {
  type DecodedFrame,
  decodeFrameHeader,
  decodeHandshake,
  encodeFrame,
  encodeFrameHeader,
  encodeHandshake,
  encodeHandshakeError,
  FrameDecoder,
  FrameType,
  HandshakeErrorCode,
  lengthExponent,
} from "../../src/transports/rawsocket_codec.ts";
import {
  handshakeError,
  RawSocketError,
  type RawSocketErrorCode,
} from "../../src/transports/rawsocket_error.ts";
import type {
  CloseInfo,
  Frame,
  Transport,
} from "../../src/transports/transport.ts";
import { TransportError } from "../../src/transports/transport_error.ts";
import { ScriptedStream } from "../_helpers/byte_streams.ts";

const JSON_OFFER = { rawSocketId: 1, protocol: "wamp.2.json" };
const MSGPACK_OFFER = { rawSocketId: 2, protocol: "wamp.2.msgpack" };
const u8 = (...bytes: number[]) => new Uint8Array(bytes);
const tick = () => new Promise((r) => setTimeout(r, 0));

function isCode(code: RawSocketErrorCode) {
  return (e: unknown) => e instanceof RawSocketError && e.code === code;
}

// ------------------------------------------------------------ spec vectors

Deno.test("rawsocket: network byte order, as the spec's 0x11223344 example", () => {
  // The spec's integer 0x11223344 goes out as 11 22 33 44; a frame length
  // is the low three octets of such an integer.
  assert.deepEqual(
    encodeFrameHeader(FrameType.MESSAGE, 0x223344),
    u8(0x00, 0x22, 0x33, 0x44),
  );
  assert.deepEqual(decodeFrameHeader(u8(0x00, 0x22, 0x33, 0x44), 2 ** 24), {
    type: 0,
    length: 0x223344,
  });
});

Deno.test("rawsocket: every second octet of the spec's handshake table (serializer × LENGTH)", () => {
  // The spec's program: octet_2 = (l << 4) | ser, maxlen 2 ** (l + 9)
  for (const ser of [1, 2, 3, 4, 5]) {
    for (let l = 0; l < 16; l++) {
      const maxlen = 2 ** (l + 9);
      const bytes = encodeHandshake({ serializerId: ser, maxLength: maxlen });
      assert.deepEqual(bytes, u8(0x7f, (l << 4) | ser, 0x00, 0x00));
      assert.deepEqual(decodeHandshake(bytes), {
        serializerId: ser,
        maxLength: maxlen,
      });
    }
  }
  // The boundaries the spec names: 512 octets and 16M
  assert.deepEqual(decodeHandshake(u8(0x7f, 0x01, 0, 0)), {
    serializerId: 1,
    maxLength: 512,
  });
  assert.deepEqual(decodeHandshake(u8(0x7f, 0xf2, 0, 0)), {
    serializerId: 2,
    maxLength: 16 * 1024 * 1024,
  });
});

Deno.test("rawsocket: the spec's error replies, err << 4, and their codes", () => {
  const expected: [number, number, RawSocketErrorCode][] = [
    [1, 0x10, "serializer_unsupported"],
    [2, 0x20, "length_unacceptable"],
    [3, 0x30, "reserved_bits"],
    [4, 0x40, "max_connections"],
  ];
  for (const [err, octet, code] of expected) {
    assert.deepEqual(encodeHandshakeError(err), u8(0x7f, octet, 0, 0));
    assert.deepEqual(decodeHandshake(u8(0x7f, octet, 0, 0)), { error: err });
    const e = handshakeError(err);
    assert.equal(e.code, code);
    assert.equal(e.name, "RawSocketError");
    assert.ok(e instanceof TransportError);
    assert.equal(e.unsupported, err === 1);
  }
  assert.deepEqual(HandshakeErrorCode, {
    SERIALIZER_UNSUPPORTED: 1,
    LENGTH_UNACCEPTABLE: 2,
    RESERVED_BITS: 3,
    MAX_CONNECTIONS: 4,
  });
  // 0 must not be used; 5-15 are reserved for future errors
  assert.equal(handshakeError(0).code, "unknown_error");
  assert.equal(handshakeError(5).code, "unknown_error");
  assert.throws(() => encodeHandshakeError(0), RangeError);
  assert.throws(() => encodeHandshakeError(16), RangeError);
  assert.throws(
    () => encodeHandshake({ serializerId: 0, maxLength: 512 }),
    RangeError,
  );
});

Deno.test("rawsocket: a handshake must start with 0x7F and keep the reserved octets zero", () => {
  // No valid HTTP request can start with 0x7F: "GET " is not RawSocket.
  assert.throws(
    () => decodeHandshake(u8(0x47, 0x45, 0x54, 0x20)),
    isCode("not_rawsocket"),
  );
  assert.throws(
    () => decodeHandshake(u8(0x7f, 0xf1, 0x00, 0x01)),
    isCode("reserved_bits"),
  );
  assert.throws(
    () => decodeHandshake(u8(0x7f, 0xf1, 0x80, 0x00)),
    isCode("reserved_bits"),
  );
  assert.throws(() => decodeHandshake(u8(0x7f, 0xf1)), RangeError);
});

Deno.test("rawsocket: the spec's frame headers: 16M-1, exactly 16M (X bit), PING, PONG", () => {
  // RRRR 0TTT 1111 1111 1111 1111 1111 1111
  assert.deepEqual(
    encodeFrameHeader(FrameType.MESSAGE, 2 ** 24 - 1),
    u8(0x00, 0xff, 0xff, 0xff),
  );
  // RRRR 1TTT 0000 0000 0000 0000 0000 0000
  assert.deepEqual(
    encodeFrameHeader(FrameType.MESSAGE, 2 ** 24),
    u8(0x08, 0, 0, 0),
  );
  assert.deepEqual(
    encodeFrameHeader(FrameType.PING, 2 ** 24),
    u8(0x09, 0, 0, 0),
  );
  assert.deepEqual(encodeFrameHeader(FrameType.PING, 5), u8(0x01, 0, 0, 5));
  assert.deepEqual(encodeFrameHeader(FrameType.PONG, 256), u8(0x02, 0, 1, 0));
  assert.deepEqual(decodeFrameHeader(u8(0x08, 0, 0, 0), 2 ** 24), {
    type: 0,
    length: 2 ** 24,
  });
  assert.deepEqual(decodeFrameHeader(u8(0x00, 0xff, 0xff, 0xff), 2 ** 24), {
    type: 0,
    length: 2 ** 24 - 1,
  });
  assert.deepEqual(decodeFrameHeader(u8(0x0a, 0, 0, 0), 2 ** 24), {
    type: 2,
    length: 2 ** 24,
  });
  assert.throws(
    () => encodeFrameHeader(FrameType.MESSAGE, 2 ** 24 + 1),
    RangeError,
  );
  assert.throws(() => encodeFrameHeader(8 as FrameType, 1), RangeError);
});

Deno.test("rawsocket: frame headers with reserved types, reserved bits, a bad X bit, or over the limit fail", () => {
  for (const type of [3, 4, 5, 6, 7]) {
    assert.throws(
      () => decodeFrameHeader(u8(type, 0, 0, 1), 1024),
      isCode("reserved_type"),
    );
  }
  for (const first of [0x10, 0x20, 0x40, 0x80, 0xf0]) {
    assert.throws(
      () => decodeFrameHeader(u8(first, 0, 0, 1), 1024),
      isCode("reserved_bits"),
    );
  }
  assert.throws(
    () => decodeFrameHeader(u8(0x08, 0, 0, 1), 2 ** 24),
    isCode("bad_length"),
  );
  // The limit applies from the header alone
  assert.throws(
    () => decodeFrameHeader(u8(0x00, 0, 0x04, 0x01), 1024),
    isCode("message_too_long"),
  );
  assert.throws(
    () => decodeFrameHeader(u8(0x08, 0, 0, 0), 2 ** 24 - 1),
    isCode("message_too_long"),
  );
  assert.deepEqual(decodeFrameHeader(u8(0x00, 0, 0x04, 0x00), 1024), {
    type: 0,
    length: 1024,
  });
});

Deno.test("rawsocket: lengthExponent rounds down to a power of two, 512 to 16M", () => {
  assert.equal(lengthExponent(0), 0);
  assert.equal(lengthExponent(511), 0);
  assert.equal(lengthExponent(512), 0);
  assert.equal(lengthExponent(1023), 0);
  assert.equal(lengthExponent(1024), 1);
  assert.equal(lengthExponent(2 ** 20), 11);
  assert.equal(lengthExponent(2 ** 24 - 1), 14);
  assert.equal(lengthExponent(2 ** 24), 15);
  assert.equal(lengthExponent(2 ** 30), 15);
  assert.deepEqual(
    encodeHandshake({ serializerId: 3, maxLength: 1_000_000 }),
    u8(0x7f, 0xa3, 0, 0),
  );
});

// ----------------------------------------------------------------- decoder

Deno.test("FrameDecoder: any chunking, byte by byte included", () => {
  const a = encodeFrame(FrameType.MESSAGE, new TextEncoder().encode("[1]"));
  const b = encodeFrame(FrameType.PING, u8(9, 8, 7));
  const c = encodeFrame(FrameType.MESSAGE, new Uint8Array(0));
  const all = new Uint8Array([...a, ...b, ...c]);
  const expected = [
    { type: 0, payload: new TextEncoder().encode("[1]") },
    { type: 1, payload: u8(9, 8, 7) },
    { type: 0, payload: new Uint8Array(0) },
  ];
  for (const size of [1, 2, 3, 5, 7, all.length]) {
    const decoder = new FrameDecoder(1024);
    const got: DecodedFrame[] = [];
    for (let i = 0; i < all.length; i += size) {
      decoder.push(all.subarray(i, i + size), (f) => got.push(f));
    }
    assert.deepEqual(got, expected, `chunks of ${size}`);
  }
});

Deno.test("FrameDecoder: a length prefix over the limit fails at once, before any payload", () => {
  const decoder = new FrameDecoder(4096);
  const got: DecodedFrame[] = [];
  decoder.push(encodeFrame(FrameType.MESSAGE, u8(1)), (f) => got.push(f));
  decoder.push(u8(0x00, 0x00), (f) => got.push(f));
  // The third and fourth octets complete a header of 4097: no payload yet.
  assert.throws(
    () => decoder.push(u8(0x10, 0x01), (f) => got.push(f)),
    isCode("message_too_long"),
  );
  assert.deepEqual(got, [{ type: 0, payload: u8(1) }]);
  // Frames before a bad header in the same chunk are still handed over
  const second = new FrameDecoder(4096);
  const before: DecodedFrame[] = [];
  assert.throws(
    () =>
      second.push(
        u8(...encodeFrame(FrameType.PING, u8(7)), 0x05, 0, 0, 0),
        (f) => before.push(f),
      ),
    isCode("reserved_type"),
  );
  assert.deepEqual(before, [{ type: 1, payload: u8(7) }]);
});

Deno.test("FrameDecoder: a payload received in one piece is a view, not a copy", () => {
  const chunk = encodeFrame(FrameType.MESSAGE, u8(1, 2, 3));
  const frames: DecodedFrame[] = [];
  new FrameDecoder(1024).push(chunk, (f) => frames.push(f));
  assert.equal(frames[0]!.payload.buffer, chunk.buffer);
  // Split payloads are joined once
  const decoder = new FrameDecoder(1024);
  const joined: DecodedFrame[] = [];
  decoder.push(chunk.subarray(0, 5), (f) => joined.push(f));
  decoder.push(chunk.subarray(5), (f) => joined.push(f));
  assert.deepEqual(joined[0]!.payload, u8(1, 2, 3));
  assert.notEqual(joined[0]!.payload.buffer, chunk.buffer);
});

// -------------------------------------------------------------------- URLs

Deno.test("parseRawSocketUrl: rs, rss, unix, autobahn-python's rs://unix:/path", () => {
  assert.deepEqual(parseRawSocketUrl("rs://127.0.0.1:8081"), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 8081,
    tls: false,
  });
  assert.deepEqual(parseRawSocketUrl("rss://example.com"), {
    transport: "tcp",
    hostname: "example.com",
    port: 443,
    tls: true,
  });
  assert.deepEqual(parseRawSocketUrl("rs://example.com").transport, "tcp");
  assert.equal(
    (parseRawSocketUrl("rs://example.com") as { port: number }).port,
    80,
  );
  assert.deepEqual(parseRawSocketUrl("rs://[::1]:9000"), {
    transport: "tcp",
    hostname: "::1",
    port: 9000,
    tls: false,
  });
  assert.deepEqual(parseRawSocketUrl("unix:///tmp/a%20b.sock"), {
    transport: "unix",
    path: "/tmp/a b.sock",
  });
  assert.deepEqual(parseRawSocketUrl("unix:rel.sock"), {
    transport: "unix",
    path: "rel.sock",
  });
  assert.deepEqual(parseRawSocketUrl("rs://unix:/tmp/file.sock"), {
    transport: "unix",
    path: "/tmp/file.sock",
  });
  for (
    const bad of [
      "ws://h:1",
      "tcp://h:1",
      "rs://h:1/path",
      "rs://h:1?q",
      "unix://host/p",
      "nonsense",
    ]
  ) {
    assert.throws(() => parseRawSocketUrl(bad), TypeError, bad);
  }
});

// --------------------------------------------------------- client handshake

/** A connector that hands out scripted streams and records the addresses. */
function scripted(): {
  connector: Connector;
  streams: ScriptedStream[];
  addresses: RawSocketAddress[];
  next: () => Promise<ScriptedStream>;
} {
  const streams: ScriptedStream[] = [];
  const addresses: RawSocketAddress[] = [];
  let taken = 0;
  let waiting: (() => void) | undefined;
  return {
    streams,
    addresses,
    connector: (address) => {
      const s = new ScriptedStream();
      streams.push(s);
      addresses.push(address);
      waiting?.();
      return Promise.resolve(s);
    },
    // The stream of the next connection, made already or still to come.
    next: async () => {
      while (streams.length <= taken) {
        await new Promise<void>((resolve) => waiting = resolve);
      }
      return streams[taken++]!;
    },
  };
}

async function handshaken(
  reply: number[],
  offers: RawSocketOffer[] = [JSON_OFFER],
): Promise<{ transport: Transport; stream: ScriptedStream }> {
  const c = scripted();
  const opening = connectRawSocket("rs://127.0.0.1:9", {
    serializers: offers,
    connector: c.connector,
  });
  const stream = await c.next();
  await tick();
  stream.feed(reply);
  return { transport: await opening, stream };
}

Deno.test("connectRawSocket: sends 7F F1 00 00 for JSON at 16M and opens on the reply", async () => {
  const { transport, stream } = await handshaken([0x7f, 0xb1, 0, 0]);
  assert.deepEqual(stream.bytes, [0x7f, 0xf1, 0x00, 0x00]);
  assert.deepEqual(transport.info, {
    type: "rawsocket",
    url: "rs://127.0.0.1:9",
    protocol: "wamp.2.json",
  });
  assert.ok(transport.isOpen);
  transport.close();
  await tick();
  assert.ok(stream.closed);
});

Deno.test("connectRawSocket: announces the serializer's maxMessageSize, rounded down", async () => {
  const c = scripted();
  const opening = connectRawSocket("rs://h:1", {
    serializers: [{ ...MSGPACK_OFFER, maxMessageSize: 100_000 }],
    connector: c.connector,
  });
  const stream = await c.next();
  await tick();
  assert.deepEqual(stream.bytes, [0x7f, 0x72, 0, 0]); // 2^16, MessagePack
  stream.feed([0x7f, 0xf2, 0, 0]);
  const transport = await opening;
  // ... and enforces it: a frame of 65537 octets fails the connection
  const closed = Promise.withResolvers<CloseInfo>();
  transport.listen({ message() {}, close: closed.resolve });
  stream.feed([0x00, 0x01, 0x00, 0x01]);
  const info = await closed.promise;
  assert.equal(info.code, 1009);
  assert.match(info.reason, /65537 octets exceeds the limit of 65536/);
  assert.ok(stream.closed);
});

Deno.test("connectRawSocket: each error reply rejects with its RawSocketError code", async () => {
  for (
    const [octet, code] of [
      [0x10, "serializer_unsupported"],
      [0x20, "length_unacceptable"],
      [0x30, "reserved_bits"],
      [0x40, "max_connections"],
      [0x00, "unknown_error"],
      [0x90, "unknown_error"],
    ] as const
  ) {
    const c = scripted();
    const opening = connectRawSocket("rs://h:1", {
      serializers: [JSON_OFFER],
      connector: c.connector,
    });
    const stream = await c.next();
    await tick();
    stream.feed([0x7f, octet, 0, 0]);
    await assert.rejects(opening, isCode(code));
    assert.ok(stream.closed, code);
  }
});

Deno.test("connectRawSocket: a reply split over chunks, then frames in the same chunk", async () => {
  const c = scripted();
  const opening = connectRawSocket("rs://h:1", {
    serializers: [JSON_OFFER],
    connector: c.connector,
  });
  const stream = await c.next();
  await tick();
  stream.feed([0x7f], [0xf1, 0x00]);
  const frame = encodeFrame(FrameType.MESSAGE, new TextEncoder().encode("[2]"));
  stream.feed([0x00, ...frame]);
  const transport = await opening;
  const got: Frame[] = [];
  transport.listen({ message: (f) => got.push(f), close() {} });
  assert.deepEqual(got, [new TextEncoder().encode("[2]")]);
  transport.close();
});

Deno.test("connectRawSocket: asks for the next serializer after 'serializer unsupported'", async () => {
  const c = scripted();
  const opening = connectRawSocket("rs://h:1", {
    serializers: [MSGPACK_OFFER, JSON_OFFER],
    connector: c.connector,
  });
  const first = await c.next();
  await tick();
  assert.deepEqual(first.bytes, [0x7f, 0xf2, 0, 0]);
  const second = c.next();
  first.feed([0x7f, 0x10, 0, 0]);
  const s2 = await second;
  await tick();
  assert.deepEqual(s2.bytes, [0x7f, 0xf1, 0, 0]);
  s2.feed([0x7f, 0xf1, 0, 0]);
  const transport = await opening;
  assert.equal(transport.info.protocol, "wamp.2.json");
  assert.ok(first.closed);
  transport.close();
  // All unsupported: the last error, unsupported
  const d = scripted();
  const failing = connectRawSocket("rs://h:1", {
    serializers: [MSGPACK_OFFER],
    connector: d.connector,
  });
  const only = await d.next();
  await tick();
  only.feed([0x7f, 0x10, 0, 0]);
  await assert.rejects(
    failing,
    (e: unknown) => (e as TransportError).unsupported === true,
  );
});

Deno.test("connectRawSocket: another serializer, no magic, or reserved octets in the reply fail", async () => {
  for (
    const [reply, code] of [
      [[0x7f, 0xf2, 0, 0], "serializer_mismatch"],
      [[0x48, 0x54, 0x54, 0x50], "not_rawsocket"], // "HTTP"
      [[0x7f, 0xf1, 0, 1], "reserved_bits"],
    ] as const
  ) {
    const c = scripted();
    const opening = connectRawSocket("rs://h:1", {
      serializers: [JSON_OFFER],
      connector: c.connector,
    });
    const stream = await c.next();
    await tick();
    stream.feed([...reply]);
    await assert.rejects(opening, isCode(code));
    assert.ok(stream.closed);
  }
});

Deno.test("connectRawSocket: a router that closes without a reply (Crossbar for an unknown serializer)", async () => {
  const c = scripted();
  const opening = connectRawSocket("rs://h:1", {
    serializers: [JSON_OFFER],
    connector: c.connector,
  });
  const stream = await c.next();
  await tick();
  stream.end();
  await assert.rejects(opening, (e: unknown) => {
    const err = e as RawSocketError;
    return err.code === "closed" &&
      /may close without an error reply/.test(err.message);
  });
});

Deno.test("connectRawSocket: no reply in time, a connector that fails, one that answers too late", async () => {
  const c = scripted();
  const opening = connectRawSocket("rs://h:1", {
    serializers: [JSON_OFFER],
    connector: c.connector,
    timeout: 50,
  });
  const stream = await c.next();
  await assert.rejects(opening, isCode("handshake_timeout"));
  assert.ok(stream.closed);

  await assert.rejects(
    connectRawSocket("rs://h:1", {
      serializers: [JSON_OFFER],
      connector: () => Promise.reject(new Error("connection refused")),
    }),
    (e: unknown) =>
      e instanceof TransportError && !(e instanceof RawSocketError) &&
      /Cannot connect to rs:\/\/h:1: connection refused/.test(e.message),
  );

  const late = new ScriptedStream();
  await assert.rejects(
    connectRawSocket("rs://h:1", {
      serializers: [JSON_OFFER],
      connector: () => new Promise((r) => setTimeout(() => r(late), 100)),
      timeout: 20,
    }),
    /Timed out connecting to rs:\/\/h:1/,
  );
  await new Promise((r) => setTimeout(r, 120));
  assert.ok(
    late.closed,
    "a stream that arrives after the time limit is closed",
  );
});

Deno.test("connectRawSocket: the connector gets the parsed address", async () => {
  const c = scripted();
  const opening = connectRawSocket("unix:///run/wamp.sock", {
    serializers: [JSON_OFFER],
    connector: c.connector,
  });
  const stream = await c.next();
  await tick();
  stream.feed([0x7f, 0xf1, 0, 0]);
  (await opening).close();
  assert.deepEqual(c.addresses, [{
    transport: "unix",
    path: "/run/wamp.sock",
  }]);
});

// --------------------------------------------------------------- transport

Deno.test("rawsocket transport: PING is answered at once with a PONG echoing its payload", async () => {
  const { transport, stream } = await handshaken([0x7f, 0xf1, 0, 0]);
  const got: Frame[] = [];
  transport.listen({ message: (f) => got.push(f), close() {} });
  stream.written.length = 0;
  stream.feed([0x01, 0, 0, 3, 0xaa], [0xbb, 0xcc]);
  assert.deepEqual(stream.bytes, [0x02, 0, 0, 3, 0xaa, 0xbb, 0xcc]);
  stream.feed([0x01, 0, 0, 0]); // an empty PING
  assert.deepEqual(stream.bytes.slice(7), [0x02, 0, 0, 0]);
  stream.feed([0x02, 0, 0, 1, 0x00]); // a PONG is ignored
  assert.deepEqual(got, []);
  assert.ok(transport.isOpen);
  transport.close();
});

Deno.test("rawsocket transport: PINGs from a peer that reads nothing cannot grow the outbound queue", async () => {
  // The peer accepts 512 bytes (7F 01 …: exponent 0).
  const { transport, stream } = await handshaken([0x7f, 0x01, 0, 0]);
  transport.listen({ message() {}, close() {} });
  stream.written.length = 0;
  // A PING larger than the peer's limit gets no PONG it could not take.
  stream.feed(u8(0x01, 0, 2, 1), new Uint8Array(513));
  assert.deepEqual(stream.written, []);
  // Nothing drains: the queue holds what was written, and past one limit's
  // worth further PINGs are not answered.
  for (let i = 0; i < 100; i++) {
    stream.feed(u8(0x01, 0, 1, 0), new Uint8Array(256));
    stream.bufferedAmount = (stream.written as Uint8Array[])
      .reduce((n, b) => n + b.length, 0);
  }
  assert.ok(stream.bufferedAmount <= 512 + 260, `${stream.bufferedAmount}`);
  assert.ok(transport.isOpen);
  transport.close();
});

Deno.test("rawsocket transport: sends text as UTF-8 and bytes as they are, one write per frame", async () => {
  const { transport, stream } = await handshaken([0x7f, 0xf1, 0, 0]);
  stream.written.length = 0;
  transport.send('["ü€"]');
  transport.send(u8(0x93, 1, 2));
  const long = "x".repeat(5000);
  transport.send(long);
  assert.equal(stream.written.length, 3);
  assert.deepEqual([...stream.written[0]!], [
    0,
    0,
    0,
    9,
    ...new TextEncoder().encode('["ü€"]'),
  ]);
  assert.deepEqual([...stream.written[1]!], [0, 0, 0, 3, 0x93, 1, 2]);
  assert.deepEqual([...stream.written[2]!.subarray(0, 4)], [0, 0, 0x13, 0x88]);
  assert.equal(stream.written[2]!.length, 5004);
  transport.close();
});

Deno.test("rawsocket transport: a message over the peer's limit is refused, nothing written", async () => {
  // The router accepts 512 octets (LENGTH 0)
  const { transport, stream } = await handshaken([0x7f, 0x01, 0, 0]);
  stream.written.length = 0;
  transport.send("a".repeat(512));
  assert.equal(stream.written.length, 1);
  assert.throws(
    () => transport.send("a".repeat(513)),
    isCode("message_too_long"),
  );
  assert.throws(
    () => transport.send(new Uint8Array(600)),
    isCode("message_too_long"),
  );
  assert.equal(stream.written.length, 1);
  assert.ok(transport.isOpen);
  transport.close();
});

Deno.test("rawsocket transport: a frame of a reserved type fails the connection (1002)", async () => {
  const { transport, stream } = await handshaken([0x7f, 0xf1, 0, 0]);
  const closed = Promise.withResolvers<CloseInfo>();
  const got: Frame[] = [];
  transport.listen({ message: (f) => got.push(f), close: closed.resolve });
  stream.feed([
    ...encodeFrame(FrameType.MESSAGE, u8(0x5b, 0x5d)),
    0x03,
    0,
    0,
    0,
  ]);
  const info = await closed.promise;
  assert.deepEqual(got, [u8(0x5b, 0x5d)]);
  assert.equal(info.code, 1002);
  assert.match(info.reason, /reserved type 3/);
  assert.ok(stream.closed);
  assert.ok(!transport.isOpen);
  transport.send("[1]"); // dropped after close
});

Deno.test("rawsocket transport: close reports its code; the peer closing reports 1000; a failure 1006", async () => {
  {
    const { transport } = await handshaken([0x7f, 0xf1, 0, 0]);
    const closed = Promise.withResolvers<CloseInfo>();
    transport.listen({ message() {}, close: closed.resolve });
    transport.close(1008, "slow consumer");
    assert.deepEqual(await closed.promise, {
      code: 1008,
      reason: "slow consumer",
      wasClean: true,
    });
  }
  {
    const { transport, stream } = await handshaken([0x7f, 0xf1, 0, 0]);
    const closed = Promise.withResolvers<CloseInfo>();
    transport.listen({ message() {}, close: closed.resolve });
    stream.end();
    assert.equal((await closed.promise).code, 1000);
  }
  {
    const { transport, stream } = await handshaken([0x7f, 0xf1, 0, 0]);
    const closed = Promise.withResolvers<CloseInfo>();
    transport.listen({ message() {}, close: closed.resolve });
    stream.end(new Error("reset"));
    const info = await closed.promise;
    assert.equal(info.code, 1006);
    assert.match(info.reason, /reset/);
  }
});

Deno.test("rawsocket transport: bufferedAmount is the byte stream's", async () => {
  const { transport, stream } = await handshaken([0x7f, 0xf1, 0, 0]);
  stream.bufferedAmount = 12345;
  assert.equal(transport.bufferedAmount, 12345);
  transport.close();
});

// ----------------------------------------------------------- server handshake

function serve(
  decide = (r: { serializerId: number; maxLength: number }) =>
    r.serializerId === 1
      ? { protocol: "wamp.2.json", maxLength: 2 ** 20 }
      : { error: 1 },
  timeout = 1000,
) {
  const stream = new ScriptedStream();
  const requests: unknown[] = [];
  const accepted = acceptRawSocket(stream, {
    decide: (r) => {
      requests.push(r);
      return decide(r);
    },
    timeout,
  });
  return { stream, accepted, requests };
}

Deno.test("acceptRawSocket: answers with the serializer and the router's limit", async () => {
  const { stream, accepted, requests } = serve();
  stream.feed([0x7f, 0xf1, 0, 0]);
  const transport = await accepted;
  assert.deepEqual(requests, [{ serializerId: 1, maxLength: 2 ** 24 }]);
  assert.deepEqual(stream.bytes, [0x7f, 0xb1, 0, 0]);
  assert.equal(transport.info.protocol, "wamp.2.json");
  assert.equal(transport.info.type, "rawsocket");
  // The client's limit applies to what the router sends
  transport.send("x".repeat(2 ** 24));
  assert.throws(
    () => transport.send("x".repeat(2 ** 24 + 1)),
    isCode("message_too_long"),
  );
  transport.close();
});

Deno.test("acceptRawSocket: the client's 512-octet limit bounds what is sent to it", async () => {
  const { stream, accepted } = serve();
  stream.feed([0x7f, 0x01, 0, 0]);
  const transport = await accepted;
  assert.throws(
    () => transport.send("x".repeat(513)),
    isCode("message_too_long"),
  );
  transport.close();
});

Deno.test("acceptRawSocket: a refused request gets the error reply and the connection closes", async () => {
  const { stream, accepted } = serve();
  stream.feed([0x7f, 0xf2, 0, 0]);
  await assert.rejects(accepted, isCode("serializer_unsupported"));
  assert.deepEqual(stream.bytes, [0x7f, 0x10, 0, 0]);
  assert.ok(stream.closed);
});

Deno.test("acceptRawSocket: serializer 0 (illegal) is decided as not served", async () => {
  const { stream, accepted, requests } = serve();
  stream.feed([0x7f, 0x30, 0, 0]);
  await assert.rejects(accepted, isCode("serializer_unsupported"));
  assert.deepEqual(requests, [{ serializerId: 0, maxLength: 2 ** 12 }]);
  assert.deepEqual(stream.bytes, [0x7f, 0x10, 0, 0]);
});

Deno.test("acceptRawSocket: reserved octets get error reply 3; no magic gets no reply", async () => {
  {
    const { stream, accepted } = serve();
    stream.feed([0x7f, 0xf1, 0, 0x80]);
    await assert.rejects(accepted, isCode("reserved_bits"));
    assert.deepEqual(stream.bytes, [0x7f, 0x30, 0, 0]);
    assert.ok(stream.closed);
  }
  {
    const { stream, accepted, requests } = serve();
    stream.feed(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
    await assert.rejects(accepted, isCode("not_rawsocket"));
    assert.deepEqual(stream.bytes, []);
    assert.deepEqual(requests, []);
    assert.ok(stream.closed);
  }
});

Deno.test("acceptRawSocket: a client that never completes its handshake is closed after the time limit", async () => {
  const { stream, accepted } = serve(undefined, 50);
  stream.feed([0x7f, 0xf1]);
  await assert.rejects(accepted, isCode("handshake_timeout"));
  assert.deepEqual(stream.bytes, []);
  assert.ok(stream.closed);
});

Deno.test("acceptRawSocket: a HELLO sent right behind the handshake is kept for the listener", async () => {
  const { stream, accepted } = serve();
  const hello = encodeFrame(
    FrameType.MESSAGE,
    new TextEncoder().encode('[1,"realm1",{}]'),
  );
  stream.feed([0x7f, 0xf1, 0, 0, ...hello]);
  const transport = await accepted;
  const got: Frame[] = [];
  transport.listen({ message: (f) => got.push(f), close() {} });
  assert.deepEqual(got, [new TextEncoder().encode('[1,"realm1",{}]')]);
  transport.close();
});

Deno.test("acceptRawSocket: a client gone during the handshake", async () => {
  const { stream, accepted } = serve();
  stream.feed([0x7f]);
  stream.end();
  await assert.rejects(accepted, isCode("closed"));
});

Deno.test("rawsocket transport: text serializers get strings, as over WebSocket; bytes that are not UTF-8 stay bytes", async () => {
  const { transport, stream } = await handshaken([0x7f, 0xf1, 0, 0], [
    { ...JSON_OFFER, binary: false },
  ]);
  const got: Frame[] = [];
  transport.listen({ message: (f) => got.push(f), close() {} });
  stream.feed(
    encodeFrame(FrameType.MESSAGE, new TextEncoder().encode('["ü"]')),
  );
  stream.feed(encodeFrame(FrameType.MESSAGE, u8(0xff, 0xfe)));
  assert.deepEqual(got, ['["ü"]', u8(0xff, 0xfe)]);
  transport.close();
  // The router side takes it from the decision
  const { stream: s2, accepted } = serve(() => ({
    protocol: "wamp.2.json",
    maxLength: 2 ** 20,
    binary: false,
  }));
  s2.feed([0x7f, 0xf1, 0, 0], encodeFrame(FrameType.MESSAGE, u8(0x5b, 0x5d)));
  const t2 = await accepted;
  const got2: Frame[] = [];
  t2.listen({ message: (f) => got2.push(f), close() {} });
  assert.deepEqual(got2, ["[]"]);
  t2.close();
});

Deno.test("rawsocket transport: a queued text frame holds no more memory than its bytes", async () => {
  const { transport, stream } = await handshaken([0x7f, 0xf1, 0, 0]);
  const raw: Uint8Array[] = [];
  const write = stream.write.bind(stream);
  stream.write = (bytes) => {
    raw.push(bytes);
    write(bytes);
  };
  transport.send('[16,1,{},"com.example.topic",["hello"]]');
  assert.equal(raw.length, 1);
  assert.equal(raw[0]!.byteLength, 4 + 39);
  assert.equal(raw[0]!.buffer.byteLength, 4 + 39);
  transport.close();
});
