// The RawSocket connectors, each against a real socket where the runtime
// under test has one (Deno's own, Node's node:net through Deno's Node
// compatibility), and against fakes of Bun's and Cloudflare's sockets.
// Bun's for real: tests/runtime/bun_smoke.ts.
import assert from "node:assert/strict";
import * as net from "node:net";
import type { ByteStream } from "../../src/transports/byte_stream.ts";
import {
  BunByteStream,
  bunConnector,
  bunSocketHandlers,
  type BunSocketLike,
} from "../../src/transports/connectors/bun.ts";
import { defaultConnector } from "../../src/transports/connectors/default_connector.ts";
import { denoConnector } from "../../src/transports/connectors/deno.ts";
import {
  nodeConnector,
  type NodeNetLike,
} from "../../src/transports/connectors/node.ts";
import {
  type WorkersConnect,
  workersConnector,
} from "../../src/transports/connectors/workers.ts";
import type { Connector } from "../../src/transports/rawsocket.ts";
import { TransportError } from "../../src/transports/transport_error.ts";

/** An echo server on a free port: sends back what it reads, then closes when the client does. */
function echoServer(): {
  port: number;
  closed: Promise<number[]>;
  stop(): void;
} {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = (async () => {
    const conn = await listener.accept();
    const got: number[] = [];
    const buf = new Uint8Array(1024);
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      got.push(...buf.subarray(0, n));
      await conn.write(buf.slice(0, n));
    }
    conn.close();
    return got;
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    closed,
    stop: () => listener.close(),
  };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function roundTrip(connector: Connector): Promise<ByteStream> {
  const server = echoServer();
  try {
    const stream = await connector({
      transport: "tcp",
      hostname: "127.0.0.1",
      port: server.port,
    });
    const chunks: Uint8Array[] = [];
    const ended = Promise.withResolvers<unknown>();
    let wake = () => {};
    stream.listen({
      data: (b) => {
        chunks.push(b);
        wake();
      },
      end: ended.resolve,
    });
    stream.write(new Uint8Array([1, 2, 3]));
    stream.write(new Uint8Array([4]));
    while (chunks.reduce((n, c) => n + c.length, 0) < 4) {
      await new Promise<void>((r) => wake = r);
    }
    assert.deepEqual(chunks.flatMap((c) => [...c]), [1, 2, 3, 4]);
    for (const c of chunks) {
      assert.equal(
        Object.getPrototypeOf(c),
        Uint8Array.prototype,
        "plain Uint8Array chunks",
      );
    }
    assert.equal(typeof stream.bufferedAmount, "number");
    stream.close();
    assert.equal(await ended.promise, undefined);
    assert.deepEqual(await server.closed, [1, 2, 3, 4]);
    return stream;
  } finally {
    server.stop();
  }
}

Deno.test("denoConnector: TCP both ways, close ends the stream and the server sees EOF", async () => {
  await roundTrip(denoConnector());
});

Deno.test("denoConnector: nothing listening is a TransportError, not a missing permission", async () => {
  const port = freePort();
  await assert.rejects(
    denoConnector()({ transport: "tcp", hostname: "127.0.0.1", port }),
    (e: unknown) =>
      e instanceof TransportError && !e.denied &&
      e.message.startsWith(`Cannot connect to 127.0.0.1:${port}`),
  );
});

Deno.test("nodeConnector: node:net from process.getBuiltinModule, or passed in; Buffers become plain Uint8Arrays", async () => {
  await roundTrip(nodeConnector());
  await roundTrip(nodeConnector({ net: net as unknown as NodeNetLike }));
});

Deno.test("nodeConnector: nothing listening is a TransportError", async () => {
  const port = freePort();
  await assert.rejects(
    nodeConnector()({ transport: "tcp", hostname: "127.0.0.1", port }),
    (e: unknown) =>
      e instanceof TransportError &&
      e.message.startsWith(`Cannot connect to 127.0.0.1:${port}`),
  );
});

Deno.test("defaultConnector: Deno's own in Deno", async () => {
  await roundTrip(defaultConnector());
});

Deno.test("bunConnector: outside Bun it says so", async () => {
  await assert.rejects(
    bunConnector()({ transport: "tcp", hostname: "127.0.0.1", port: 1 }),
    (e: unknown) => e instanceof TransportError && e.unsupported,
  );
});

// ------------------------------------------------------------------ Workers

function fakeWorkersSocket(opened: Promise<unknown> = Promise.resolve()) {
  const toPeer = new TransformStream<Uint8Array, Uint8Array>();
  const fromPeer = new TransformStream<Uint8Array, Uint8Array>();
  let closed = 0;
  return {
    socket: {
      readable: fromPeer.readable,
      writable: toPeer.writable,
      opened,
      close() {
        closed++;
        return Promise.resolve();
      },
    },
    peerReads: toPeer.readable.getReader(),
    peerWrites: fromPeer.writable.getWriter(),
    get closed() {
      return closed;
    },
  };
}

Deno.test("workersConnector: Cloudflare's connect(), TLS for rss://, no Unix sockets", async () => {
  const calls: unknown[] = [];
  const fake = fakeWorkersSocket();
  const connect: WorkersConnect = (address, options) => {
    calls.push([address, options]);
    return fake.socket;
  };
  const connector = workersConnector(connect);
  const stream = await connector({
    transport: "tcp",
    hostname: "router.example.com",
    port: 8081,
    tls: true,
  });
  assert.deepEqual(calls, [[{ hostname: "router.example.com", port: 8081 }, {
    secureTransport: "on",
    allowHalfOpen: false,
  }]]);
  const got = Promise.withResolvers<Uint8Array>();
  const ended = Promise.withResolvers<unknown>();
  stream.listen({ data: got.resolve, end: ended.resolve });
  stream.write(new Uint8Array([0x7f, 0xf1, 0, 0]));
  assert.deepEqual(
    (await fake.peerReads.read()).value,
    new Uint8Array([0x7f, 0xf1, 0, 0]),
  );
  await fake.peerWrites.write(new Uint8Array([0x7f, 0xb1, 0, 0]));
  assert.deepEqual(await got.promise, new Uint8Array([0x7f, 0xb1, 0, 0]));
  stream.close();
  await ended.promise;
  assert.equal(fake.closed, 1);

  await assert.rejects(
    connector({ transport: "unix", path: "/x" }),
    (e: unknown) => e instanceof TransportError && e.unsupported,
  );
  const refused = fakeWorkersSocket(Promise.reject(new Error("refused")));
  await assert.rejects(
    workersConnector(() => refused.socket)({
      transport: "tcp",
      hostname: "h",
      port: 1,
    }),
    /Cannot connect to h:1: refused/,
  );
  const plain = fakeWorkersSocket();
  const opts: unknown[] = [];
  const s = await workersConnector((_a, o) => {
    opts.push(o);
    return plain.socket;
  })({ transport: "tcp", hostname: "h", port: 1 });
  assert.deepEqual(opts, [{ secureTransport: "off", allowHalfOpen: false }]);
  s.listen({ data() {}, end() {} });
  s.close();
});

// ---------------------------------------------------------------------- Bun

/** A Bun socket whose kernel takes `room` bytes per write. */
function fakeBunSocket(room: number) {
  const written: number[] = [];
  const events: string[] = [];
  const socket: BunSocketLike & { room: number } = {
    data: undefined,
    room,
    write(data) {
      const n = Math.min(this.room, data.length);
      written.push(...data.subarray(0, n));
      this.room -= n;
      return n;
    },
    end() {
      events.push("end");
    },
    terminate() {
      events.push("terminate");
    },
    setNoDelay(noDelay) {
      events.push(`nodelay ${noDelay}`);
    },
  };
  return { socket, written, events };
}

Deno.test("BunByteStream: what Bun does not take waits for drain, and is bufferedAmount", () => {
  const { socket, written, events } = fakeBunSocket(3);
  const handlers = bunSocketHandlers(() => {});
  handlers.open(socket);
  const stream = socket.data as BunByteStream;
  assert.ok(stream instanceof BunByteStream);
  assert.deepEqual(events, ["nodelay true"]);
  stream.write(new Uint8Array([1, 2, 3, 4, 5]));
  stream.write(new Uint8Array([6, 7]));
  assert.deepEqual(written, [1, 2, 3]);
  assert.equal(stream.bufferedAmount, 4);
  socket.room = 3;
  handlers.drain(socket);
  assert.deepEqual(written, [1, 2, 3, 4, 5, 6]);
  assert.equal(stream.bufferedAmount, 1);
  // close waits for the queue, then ends
  stream.close();
  assert.deepEqual(events, ["nodelay true"]);
  socket.room = 10;
  handlers.drain(socket);
  assert.deepEqual(written, [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(events, ["nodelay true", "end"]);
  handlers.close(socket);
});

Deno.test("BunByteStream: received bytes are copied and held until listen; the end once", () => {
  const { socket } = fakeBunSocket(100);
  const opened: BunByteStream[] = [];
  const handlers = bunSocketHandlers((s) => opened.push(s));
  handlers.open(socket);
  const reused = new Uint8Array([1, 2]);
  handlers.data(socket, reused);
  reused[0] = 9; // Bun may reuse its buffer
  const got: Uint8Array[] = [];
  const ends: unknown[] = [];
  opened[0]!.listen({ data: (b) => got.push(b), end: (e) => ends.push(e) });
  assert.deepEqual(got, [new Uint8Array([1, 2])]);
  const failure = new Error("reset");
  handlers.error(socket, failure);
  handlers.close(socket);
  handlers.data(socket, new Uint8Array([3]));
  assert.deepEqual(ends, [failure]);
  assert.equal(got.length, 1);
});

Deno.test("BunByteStream: close gives up on a peer that never reads", async () => {
  const { socket, events } = fakeBunSocket(0);
  const stream = new BunByteStream(socket);
  stream.listen({ data() {}, end() {} });
  stream.write(new Uint8Array(10));
  stream.close();
  await new Promise((r) => setTimeout(r, 1100));
  assert.deepEqual(events, ["nodelay true", "terminate"]);
  stream.ended();
});
