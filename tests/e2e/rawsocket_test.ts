// The embedded router over RawSocket on a real socket (serveRawSocket,
// Deno.listen): sessions with each serializer, the spec's error replies to
// bad handshakes, bad frames failing one connection while the router
// carries on for everyone else, the client's announced limit, PING/PONG,
// slow consumers, the CLI flag.
import assert from "node:assert/strict";
import { connect, Connection } from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import { main } from "../../src/router/adapters/cli.ts";
import { serveRawSocket } from "../../src/router/adapters/deno.ts";
import { Router, type RouterEvent } from "../../src/router/router.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import type { Serializer } from "../../src/serializers/serializer.ts";
import { denoConnector } from "../../src/transports/connectors/deno.ts";
import { nodeConnector } from "../../src/transports/connectors/node.ts";
import { TEST_CERT, TEST_KEY } from "../_helpers/tls_fixture.ts";
import {
  jsonFrame,
  readBytes,
  readFrame,
  readMessage,
  readToEnd,
} from "../_helpers/byte_streams.ts";

const HELLO = [1, "realm1", {
  roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} },
}];

function allSerializers(): Serializer[] {
  return [new JsonSerializer(), new MsgpackSerializer(), new CborSerializer()];
}

/** A router on RawSocket, with a session joined before anything else. */
async function withRouter(
  options: ConstructorParameters<typeof Router>[0],
  fn: (
    ctx: { port: number; url: string; router: Router; witness: Session },
  ) => Promise<void>,
): Promise<void> {
  const router = new Router({ realms: ["realm1"], ...options });
  const server = serveRawSocket(router, { port: 0 });
  let witness: Session | undefined;
  try {
    witness = await connect({
      realm: "realm1",
      transports: [{ type: "rawsocket", url: server.url }],
    });
    await witness.register("com.echo", (args) => args[0]);
    await fn({ port: server.port, url: server.url, router, witness });
    // The router carries on for everyone else
    assert.ok(witness.isOpen);
    assert.equal(await witness.call("com.echo", ["still here"]), "still here");
  } finally {
    await witness?.leave().catch(() => {});
    await server.shutdown();
  }
}

async function raw(port: number): Promise<Deno.TcpConn> {
  return await Deno.connect({ hostname: "127.0.0.1", port });
}

/** A raw JSON client joined to realm1; returns its connection. */
async function joined(port: number, octet = 0xf1): Promise<Deno.TcpConn> {
  const conn = await raw(port);
  await conn.write(new Uint8Array([0x7f, octet, 0, 0]));
  const reply = await readBytes(conn, 4);
  assert.equal(reply[1]! & 0x0f, 1, `handshake reply ${reply}`);
  await conn.write(jsonFrame(HELLO));
  const welcome = await readMessage(conn);
  assert.equal(welcome?.[0], 2);
  return conn;
}

for (const make of allSerializers().map((s) => () => s)) {
  const protocol = make().protocol;
  Deno.test(`rawsocket e2e: call and event over RawSocket, ${protocol}`, async () => {
    const router = new Router({ serializers: allSerializers() });
    const server = serveRawSocket(router, { port: 0 });
    try {
      const open = () =>
        connect({
          realm: "realm1",
          serializers: [make()],
          transports: [{ type: "rawsocket", url: server.url }],
        });
      const callee = await open();
      const caller = await open();
      assert.deepEqual(caller.transport.info, {
        type: "rawsocket",
        url: server.url,
        protocol,
      });
      await callee.register(
        "com.add2",
        ([a, b]) => (a as number) + (b as number),
      );
      assert.equal(await caller.call("com.add2", [2, 3]), 5);
      const bytes = new Uint8Array([0, 1, 254, 255]);
      const event = Promise.withResolvers<unknown>();
      await callee.subscribe("com.news", (args) => event.resolve(args[0]));
      await caller.publish("com.news", [bytes], {}, { acknowledge: true });
      assert.deepEqual(await event.promise, bytes);
      await callee.leave();
      await caller.leave();
    } finally {
      await server.shutdown();
    }
  });
}

Deno.test("rawsocket e2e: the router answers with its own limit (maxMessageSize, rounded down)", async () => {
  const router = new Router({
    serializers: [new JsonSerializer({ maxMessageSize: 100_000 })],
  });
  const server = serveRawSocket(router, { port: 0 });
  const conn = await raw(server.port);
  try {
    await conn.write(new Uint8Array([0x7f, 0xf1, 0, 0]));
    assert.deepEqual(await readBytes(conn, 4), [0x7f, 0x71, 0, 0]); // 2^16
  } finally {
    conn.close();
    await server.shutdown();
  }
});

Deno.test("rawsocket e2e: bad handshakes get the spec's error reply, then the connection closes", async () => {
  // JSON and MessagePack only
  await withRouter({
    serializers: [new JsonSerializer(), new MsgpackSerializer()],
  }, async ({ port }) => {
    const cases: [string, number[], number[]][] = [
      ["CBOR, not served", [0x7f, 0xf3, 0, 0], [0x7f, 0x10, 0, 0]],
      ["UBJSON, not served", [0x7f, 0xf4, 0, 0], [0x7f, 0x10, 0, 0]],
      ["a reserved serializer id", [0x7f, 0xff, 0, 0], [0x7f, 0x10, 0, 0]],
      ["serializer 0 (illegal)", [0x7f, 0xf0, 0, 0], [0x7f, 0x10, 0, 0]],
      ["a 512-octet limit (WELCOME does not fit)", [0x7f, 0x01, 0, 0], [
        0x7f,
        0x20,
        0,
        0,
      ]],
      ["reserved octets", [0x7f, 0xf1, 0, 1], [0x7f, 0x30, 0, 0]],
      ["reserved octets", [0x7f, 0xf1, 0x10, 0], [0x7f, 0x30, 0, 0]],
      [
        "an HTTP request",
        [...new TextEncoder().encode("GET / HTTP/1.1\r\n")],
        [],
      ],
    ];
    for (const [what, request, reply] of cases) {
      const conn = await raw(port);
      try {
        await conn.write(new Uint8Array(request));
        assert.deepEqual(await readToEnd(conn), reply, what);
      } finally {
        conn.close();
      }
    }
    // A limit of 1 KiB is accepted
    const ok = await joined(port, 0x11);
    ok.close();
  });
});

Deno.test("rawsocket e2e: a client that never completes its handshake is closed after helloTimeout", async () => {
  await withRouter({ helloTimeout: 300 }, async ({ port }) => {
    const silent = await raw(port);
    const partial = await raw(port);
    try {
      await partial.write(new Uint8Array([0x7f, 0xf1]));
      const start = Date.now();
      assert.deepEqual(await readToEnd(silent), []);
      assert.deepEqual(await readToEnd(partial), []);
      assert.ok(Date.now() - start >= 250);
    } finally {
      silent.close();
      partial.close();
    }
  });
});

Deno.test("rawsocket e2e: past maxPendingHandshakes a connection gets 'maximum connection count reached'", async () => {
  await withRouter({ maxPendingHandshakes: 2 }, async ({ port }) => {
    const a = await raw(port);
    const b = await raw(port);
    await new Promise((r) => setTimeout(r, 50)); // both accepted, no handshake yet
    const c = await raw(port);
    try {
      assert.deepEqual(await readToEnd(c), [0x7f, 0x40, 0, 0]);
      // Once a handshake is done and the session WELCOMEd, room again
      await a.write(new Uint8Array([0x7f, 0xf1, 0, 0]));
      assert.deepEqual(await readBytes(a, 4), [0x7f, 0xf1, 0, 0]);
      await a.write(jsonFrame(HELLO));
      assert.equal((await readMessage(a))?.[0], 2);
      const d = await joined(port);
      d.close();
    } finally {
      for (const conn of [a, b, c]) conn.close();
    }
  });
});

Deno.test("rawsocket e2e: a length prefix over the limit fails the connection before its payload", async () => {
  await withRouter({
    serializers: [new JsonSerializer({ maxMessageSize: 4096 })],
  }, async ({ port }) => {
    for (
      const header of [
        [0x00, 0x00, 0x10, 0x01], // 4097
        [0x00, 0xff, 0xff, 0xff], // 16M - 1
        [0x08, 0x00, 0x00, 0x00], // exactly 16M (the X bit)
      ]
    ) {
      const conn = await raw(port);
      try {
        await conn.write(new Uint8Array([0x7f, 0xf1, 0, 0]));
        assert.deepEqual(await readBytes(conn, 4), [0x7f, 0x31, 0, 0]); // 4096
        // The header alone: no payload follows, and none is waited for
        await conn.write(new Uint8Array(header));
        assert.deepEqual(await readToEnd(conn), [], `${header}`);
      } finally {
        conn.close();
      }
    }
    // After HELLO too, and the session leaves the realm
    const conn = await joined(port);
    try {
      await conn.write(new Uint8Array([0x00, 0x00, 0x10, 0x01]));
      assert.deepEqual(await readToEnd(conn), []);
    } finally {
      conn.close();
    }
  });
});

Deno.test("rawsocket e2e: frames of a reserved type or with reserved bits fail that connection only", async () => {
  await withRouter({}, async ({ port, router }) => {
    for (const first of [0x03, 0x04, 0x07, 0x10, 0x80]) {
      const conn = await joined(port);
      try {
        await conn.write(new Uint8Array([first, 0, 0, 2, 0x5b, 0x5d]));
        assert.deepEqual(await readToEnd(conn), [], `0x${first.toString(16)}`);
      } finally {
        conn.close();
      }
    }
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(router.sessionCount, 1); // the witness
  });
});

Deno.test("rawsocket e2e: PING is answered with PONG, before and after HELLO", async () => {
  await withRouter({}, async ({ port }) => {
    const conn = await raw(port);
    try {
      await conn.write(new Uint8Array([0x7f, 0xf1, 0, 0]));
      await readBytes(conn, 4);
      await conn.write(new Uint8Array([0x01, 0, 0, 3, 1, 2, 3]));
      assert.deepEqual(await readFrame(conn), [
        0x02,
        new Uint8Array([1, 2, 3]),
      ]);
      await conn.write(jsonFrame(HELLO));
      assert.equal((await readMessage(conn))?.[0], 2);
      const payload = new Uint8Array(70_000).map((_, i) => i & 0xff);
      await conn.write(
        new Uint8Array([0x01, 0x01, 0x11, 0x70, ...payload]),
      );
      assert.deepEqual(await readFrame(conn), [0x02, payload]);
      await conn.write(new Uint8Array([0x01, 0, 0, 0]));
      assert.deepEqual(await readFrame(conn), [0x02, new Uint8Array(0)]);
    } finally {
      conn.close();
    }
  });
});

Deno.test("rawsocket e2e: the router keeps to the client's limit: payload_size_exceeded, events dropped", async () => {
  await withRouter({}, async ({ port, witness }) => {
    await witness.register("com.big", () => "x".repeat(2000));
    const conn = await joined(port, 0x11); // receives at most 1 KiB
    try {
      await conn.write(jsonFrame([48, 1, {}, "com.big", []]));
      const error = await readMessage(conn);
      assert.deepEqual(
        [error?.[0], error?.[1], error?.[2], error?.[4]],
        [8, 48, 1, "wamp.error.payload_size_exceeded"],
      );
      await conn.write(jsonFrame([32, 2, {}, "com.feed"]));
      assert.equal((await readMessage(conn))?.[0], 33);
      await witness.publish("com.feed", ["x".repeat(2000)], {}, {
        acknowledge: true,
      });
      await witness.publish("com.feed", ["small"], {}, { acknowledge: true });
      const event = await readMessage(conn);
      assert.deepEqual([event?.[0], event?.[4]], [36, ["small"]]);
      // and it still answers
      await conn.write(jsonFrame([48, 3, {}, "com.echo", [7]]));
      assert.deepEqual((await readMessage(conn))?.slice(0, 2), [50, 3]);
    } finally {
      conn.close();
    }
  });
});

Deno.test("rawsocket e2e: a subscriber that stops reading is closed past maxOutboundBytes", async () => {
  const events: RouterEvent[] = [];
  await withRouter({
    maxOutboundBytes: 256 * 1024,
    onEvent: (e) => events.push(e),
  }, async ({ url, witness }) => {
    const conn = await raw(Number(new URL(url.replace("rs:", "http:")).port));
    try {
      await conn.write(new Uint8Array([0x7f, 0xf1, 0, 0]));
      await readBytes(conn, 4);
      await conn.write(jsonFrame(HELLO));
      const slowId = (await readMessage(conn))![1];
      await conn.write(jsonFrame([32, 1, {}, "com.feed"]));
      assert.equal((await readMessage(conn))?.[0], 33);
      // From here on the raw peer reads nothing.
      const left = Promise.withResolvers<unknown>();
      await witness.subscribe(
        "wamp.session.on_leave",
        (a) => left.resolve(a[0]),
      );
      const publisher = await connect({
        realm: "realm1",
        transports: [{ type: "rawsocket", url }],
      });
      const chunk = "y".repeat(4096);
      let gone = false;
      left.promise.then(() => gone = true);
      for (let sent = 0; !gone && sent < 20_000;) {
        for (let i = 0; i < 49; i++) {
          publisher.publish("com.feed", [sent++, chunk]);
        }
        await publisher.publish("com.feed", [sent++, chunk], {}, {
          acknowledge: true,
        });
      }
      assert.ok(gone, "the slow session is still there");
      assert.equal(await left.promise, slowId);
      const abort = events.find((e) => e.type === "abort");
      assert.equal(abort?.session, slowId);
      assert.match(abort!.detail!, /slow consumer/);
      assert.ok(publisher.isOpen);
      await publisher.leave();
    } finally {
      conn.close();
    }
  });
});

Deno.test("rawsocket e2e: a router that does not serve the serializer: the client fails with 'unsupported'", async () => {
  const router = new Router(); // JSON only
  const server = serveRawSocket(router, { port: 0 });
  try {
    await assert.rejects(
      connect({
        realm: "realm1",
        serializers: [new CborSerializer()],
        transports: [{ type: "rawsocket", url: server.url }],
      }),
      (e: unknown) =>
        (e as { unsupported?: boolean }).unsupported === true &&
        /serializer unsupported/.test((e as Error).message),
    );
    // With JSON as second choice, the client asks again and joins
    const session = await connect({
      realm: "realm1",
      serializers: [new CborSerializer(), new JsonSerializer()],
      transports: [{ type: "rawsocket", url: server.url }],
    });
    assert.equal(session.transport.info.protocol, "wamp.2.json");
    await session.leave();
  } finally {
    await server.shutdown();
  }
});

Deno.test("rawsocket e2e: nothing listening: 'unreachable', retried as for WebSocket", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const reasons: string[] = [];
  await assert.rejects(
    connect({
      realm: "realm1",
      transports: [{ type: "rawsocket", url: `rs://127.0.0.1:${port}` }],
    }),
    (e: unknown) => /unreachable/.test((e as Error).message),
  );
  const connection = new Connection({
    realm: "realm1",
    transports: [{ type: "rawsocket", url: `rs://127.0.0.1:${port}` }],
    max_retries: 1,
    initial_retry_delay: 0.01,
  });
  const done = Promise.withResolvers<void>();
  connection.onclose = (reason, details) => {
    reasons.push(`${reason} ${details.will_retry}`);
    if (!details.will_retry) done.resolve();
  };
  connection.open();
  await done.promise;
  assert.deepEqual(reasons, ["unreachable true", "unreachable false"]);
});

Deno.test("rawsocket e2e: the CLI's --rawsocket-port serves RawSocket beside WebSocket", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  let server;
  try {
    server = main(["--port", "0", "--rawsocket-port", "0", "--quiet"]);
  } finally {
    console.log = log;
  }
  try {
    assert.match(server.rawSocketUrl!, /^rs:\/\/127\.0\.0\.1:\d+$/);
    assert.match(lines[0]!, / and rs:\/\/127\.0\.0\.1:\d+ \(RawSocket\)/);
    const a = await connect({
      realm: "realm1",
      transports: [{ type: "rawsocket", url: server.rawSocketUrl! }],
    });
    const b = await connect({ realm: "realm1", url: server.url });
    await a.register("com.rs", () => "over rawsocket");
    assert.equal(await b.call("com.rs"), "over rawsocket");
    await a.leave();
    await b.leave();
  } finally {
    await server.shutdown();
  }
});

Deno.test("rawsocket e2e: rss:// (TLS) with a certificate the client is told to trust, Deno and Node connectors", async () => {
  const router = new Router({ realms: ["realm1"] });
  const server = serveRawSocket(router, {
    port: 0,
    tls: { cert: TEST_CERT, key: TEST_KEY },
  });
  try {
    assert.match(server.url, /^rss:\/\/127\.0\.0\.1:\d+$/);
    const viaDeno = await connect({
      realm: "realm1",
      transports: [{
        type: "rawsocket",
        url: server.url,
        connector: denoConnector({ caCerts: [TEST_CERT] }),
      }],
    });
    const viaNode = await connect({
      realm: "realm1",
      transports: [{
        type: "rawsocket",
        url: server.url,
        connector: nodeConnector({ tlsOptions: { ca: TEST_CERT } }),
      }],
    });
    await viaDeno.register("com.tls", () => "secret");
    assert.equal(await viaNode.call("com.tls"), "secret");
    await viaDeno.leave();
    await viaNode.leave();
    // Without the certificate: not trusted, and nothing is sent in clear
    await assert.rejects(
      connect({
        realm: "realm1",
        transports: [{ type: "rawsocket", url: server.url }],
      }),
      /unreachable/,
    );
  } finally {
    await server.shutdown();
  }
});
