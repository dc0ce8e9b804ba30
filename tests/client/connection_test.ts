import assert from "node:assert/strict";
import {
  type CloseDetails,
  type CloseReason,
  connect,
  Connection,
} from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import { TransportError } from "../../src/transports/transport_error.ts";
import { memoryPair } from "../../src/transports/memory.ts";
import type { Transport } from "../../src/transports/transport.ts";
import type { WebSocketConstructor } from "../../src/transports/websocket.ts";
import { newRouter } from "../_helpers/router.ts";
import { tick, wrap } from "../_helpers/peer.ts";
import type { Router } from "../../src/router/router.ts";

function memory(router: Router) {
  return [{ type: "memory", connect: () => router.connectLocal() }];
}

Deno.test("Connection: onopen, close, onclose closed", async () => {
  const router = newRouter();
  const connection = new Connection({
    realm: "realm1",
    transports: memory(router),
  });
  const opened = Promise.withResolvers<[Session, Record<string, unknown>]>();
  const closes: [CloseReason, CloseDetails][] = [];
  connection.onopen = (s, d) => opened.resolve([s, d]);
  connection.onclose = (r, d) => {
    closes.push([r, d]);
  };
  connection.open();
  assert.throws(() => connection.open(), /already open/);
  const [session, details] = await opened.promise;
  assert.ok(connection.isOpen && connection.isConnected);
  assert.equal(connection.session, session);
  assert.equal((details.transport as { type: string }).type, "memory");
  assert.equal(connection.transport.info?.protocol, "wamp.2.json");
  await connection.close();
  assert.equal(closes.length, 1);
  assert.equal(closes[0]![0], "closed");
  assert.equal(closes[0]![1].will_retry, false);
  assert.ok(!connection.isOpen);
  const d = connection.defer<number>();
  d.resolve(3);
  assert.equal(await d.promise, 3);
});

Deno.test("Connection: reconnects after a router GOODBYE and after a lost transport", async () => {
  const router = newRouter();
  const connection = new Connection({
    realm: "realm1",
    transports: memory(router),
    initial_retry_delay: 0.01,
    retry_delay_jitter: 0,
  });
  const sessions: Session[] = [];
  const closes: [CloseReason, CloseDetails][] = [];
  let next = Promise.withResolvers<void>();
  connection.onopen = (s) => {
    sessions.push(s);
    next.resolve();
  };
  connection.onclose = (r, d) => {
    closes.push([r, d]);
  };
  connection.open();
  await next.promise;
  next = Promise.withResolvers();
  router.close(); // GOODBYE wamp.close.system_shutdown
  await next.promise;
  assert.deepEqual(closes[0]![0], "closed");
  assert.equal(closes[0]![1].reason, "wamp.close.system_shutdown");
  assert.ok(closes[0]![1].message.length > 0);
  assert.equal(closes[0]![1].will_retry, true);
  assert.equal(closes[0]![1].retry_delay, 0.01);
  next = Promise.withResolvers();
  sessions[1]!.transport.close(); // transport lost
  await next.promise;
  assert.equal(closes[1]![0], "lost");
  assert.equal(closes[1]![1].reason, "wamp.close.transport_lost");
  assert.equal(sessions.length, 3);
  assert.notEqual(sessions[0]!.id, sessions[2]!.id);
  await connection.close();
});

Deno.test("Connection: retries unreachable routers with growing delays, then gives up", async () => {
  let attempts = 0;
  const connection = new Connection({
    realm: "realm1",
    transports: [{
      type: "memory",
      connect: () => {
        attempts++;
        throw new TransportError("refused");
      },
    }],
    max_retries: 3,
    initial_retry_delay: 0.005,
    retry_delay_growth: 2,
    retry_delay_jitter: 0,
  });
  const closes: CloseDetails[] = [];
  const done = Promise.withResolvers<void>();
  connection.onclose = (reason, d) => {
    assert.equal(reason, "unreachable");
    closes.push(d);
    if (!d.will_retry) done.resolve();
  };
  connection.open();
  await done.promise;
  assert.equal(attempts, 4);
  assert.deepEqual(closes.map((c) => c.retry_delay), [
    0.005,
    0.01,
    0.02,
    undefined,
  ]);
  assert.deepEqual(closes.map((c) => c.retry_count), [0, 1, 2, 3]);
  for (const c of closes) {
    assert.equal(c.reason, "wampkit.error.unreachable");
    assert.equal(c.message, "refused");
  }
  assert.ok(!connection.isRetrying);
});

Deno.test("Connection: a truthy onclose stops retrying; a Promise does not", async () => {
  let attempts = 0;
  const make = (onclose: () => unknown) => {
    const c = new Connection({
      realm: "realm1",
      transports: [{
        type: "memory",
        connect: () => {
          attempts++;
          throw new TransportError("refused");
        },
      }],
      initial_retry_delay: 0.001,
      max_retries: 2,
    });
    c.onclose = onclose;
    return c;
  };
  attempts = 0;
  make(() => true).open();
  await tick(30);
  assert.equal(attempts, 1);
  attempts = 0;
  make(() => Promise.resolve(true)).open();
  await tick(60);
  assert.equal(attempts, 3);
});

Deno.test("Connection: retry_if_unreachable=false gives up at once; unsupported is reported", async () => {
  const c = new Connection({
    realm: "realm1",
    transports: [{
      type: "memory",
      connect: () => Promise.reject(new TransportError("no")),
    }],
    retry_if_unreachable: false,
  });
  const got = Promise.withResolvers<[CloseReason, CloseDetails]>();
  c.onclose = (r, d) => got.resolve([r, d]);
  c.open();
  const [reason, details] = await got.promise;
  assert.equal(reason, "unreachable");
  assert.equal(details.will_retry, false);
  await assert.rejects(
    connect({
      realm: "r",
      transports: [{
        type: "memory",
        connect: () =>
          Promise.reject(new TransportError("x", { unsupported: true })),
      }],
    }),
    /unsupported/,
  );
});

Deno.test("Connection: falls back to the next transport", async () => {
  const router = newRouter();
  const session = await connect({
    realm: "realm1",
    transports: [
      {
        type: "broken",
        connect: () => Promise.reject(new TransportError("down")),
      },
      ...memory(router),
    ],
  });
  assert.ok(session.isOpen);
  await session.leave();
});

Deno.test("Connection: an authentication ABORT stops reconnecting", async () => {
  const router = newRouter();
  const c = new Connection({
    realm: "no.such.realm",
    transports: memory(router),
    initial_retry_delay: 0.001,
  });
  const got = Promise.withResolvers<CloseDetails>();
  c.onclose = (_r, d) => got.resolve(d);
  c.open();
  const d = await got.promise;
  assert.equal(d.reason, "wamp.error.no_such_realm");
  assert.equal(d.will_retry, false);
});

Deno.test("Connection: resubscribe and reregister restore state on the new session", async () => {
  const router = newRouter();
  const connection = new Connection({
    realm: "realm1",
    transports: memory(router),
    initial_retry_delay: 0.01,
    retry_delay_jitter: 0,
    resubscribe: true,
    reregister: true,
  });
  let opened = Promise.withResolvers<Session>();
  connection.onopen = (s) => opened.resolve(s);
  connection.open();
  const first = await opened.promise;
  const events: unknown[] = [];
  await first.subscribe("com.t", (args) => events.push(args[0]));
  await first.register("com.p", () => "restored");
  opened = Promise.withResolvers();
  first.transport.close();
  const second = await opened.promise;
  const other = await connect({ realm: "realm1", transports: memory(router) });
  assert.equal(await other.call("com.p"), "restored");
  await other.publish("com.t", ["again"], {}, { acknowledge: true });
  await tick();
  assert.deepEqual(events, ["again"]);
  assert.notEqual(first.id, second.id);
  await other.leave();
  await connection.close();
});

Deno.test("connect() rejects when the first attempt fails, and await using leaves", async () => {
  await assert.rejects(
    connect({
      realm: "r",
      transports: [{
        type: "memory",
        connect: () => Promise.reject(new TransportError("nope")),
      }],
    }),
    (e: unknown) =>
      e instanceof TransportError && /unreachable/.test(e.message),
  );
  const router = newRouter();
  let session: Session | undefined;
  {
    await using s = await connect({
      realm: "realm1",
      transports: memory(router),
    });
    session = s;
    assert.ok(s.isOpen);
  }
  assert.ok(!session.isOpen);
  assert.throws(() => new Connection({ realm: "r" }), /url or transports/);
});

/** Collects every onclose until one says will_retry false (or fails in 2 s). */
async function untilGivenUp(
  connection: Connection,
): Promise<[CloseReason, CloseDetails][]> {
  const seen: [CloseReason, CloseDetails][] = [];
  const done = Promise.withResolvers<void>();
  connection.onclose = (reason, details) => {
    seen.push([reason, details]);
    if (!details.will_retry) done.resolve();
  };
  connection.open();
  const timer = setTimeout(
    () => done.reject(new Error(`No final onclose: ${JSON.stringify(seen)}`)),
    2000,
  );
  try {
    await done.promise;
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

Deno.test("Connection: a transport closed before the session listens is a failed attempt, retried until retries run out", async () => {
  let attempts = 0;
  const connection = new Connection({
    realm: "realm1",
    transports: [{
      type: "memory",
      connect: () => {
        attempts++;
        const [client, server] = memoryPair();
        server.close(); // the router accepts and closes at once
        return client;
      },
    }],
    max_retries: 3,
    initial_retry_delay: 0.005,
    retry_delay_growth: 2,
    retry_delay_jitter: 0,
  });
  const seen = await untilGivenUp(connection);
  assert.equal(attempts, 4);
  assert.deepEqual(seen.map(([, d]) => d.will_retry), [
    true,
    true,
    true,
    false,
  ]);
  for (const [reason, details] of seen) {
    assert.equal(reason, "closed");
    assert.equal(details.reason, "wamp.close.transport_lost");
    assert.match(details.message, /Transport closed/);
  }
  assert.ok(!connection.isRetrying);
});

Deno.test("Connection: a handshake_timeout without WELCOME closes the transport and retries", async () => {
  const peers: ReturnType<typeof wrap>[] = [];
  const connection = new Connection({
    realm: "realm1",
    transports: [{
      type: "memory",
      connect: () => {
        const [client, server] = memoryPair();
        peers.push(wrap(server)); // reads HELLO, never answers
        return client;
      },
    }],
    handshake_timeout: 0.02,
    max_retries: 1,
    initial_retry_delay: 0.001,
    retry_delay_jitter: 0,
  });
  const seen = await untilGivenUp(connection);
  assert.equal(peers.length, 2);
  for (const peer of peers) {
    assert.equal((await peer.next())[0], 1); // HELLO
    await peer.closed;
  }
  assert.deepEqual(seen.map(([r, d]) => [r, d.reason, d.will_retry]), [
    ["closed", "wampkit.error.handshake_timeout", true],
    ["closed", "wampkit.error.handshake_timeout", false],
  ]);
  assert.match(seen[0]![1].message, /No WELCOME .* within 0\.02 s/);
});

Deno.test("Connection: a denied permission is reported once, not retried, with the flag to add", async () => {
  let attempts = 0;
  const NoNet = class {
    constructor(url: string) {
      attempts++;
      const err = new Error(`Requires net access to "${new URL(url).host}"`);
      err.name = "NotCapable";
      throw err;
    }
  } as unknown as WebSocketConstructor;
  const connection = new Connection({
    url: "ws://127.0.0.1:8080/ws",
    realm: "realm1",
    transports: [{ type: "websocket", WebSocket: NoNet }],
    max_retries: 5,
    initial_retry_delay: 0.001,
  });
  const seen = await untilGivenUp(connection);
  assert.equal(attempts, 1);
  assert.equal(seen.length, 1);
  const [reason, details] = seen[0]!;
  assert.equal(reason, "unreachable");
  assert.equal(details.will_retry, false);
  assert.equal(details.reason, "wampkit.error.permission_denied");
  assert.match(details.message, /--allow-net=127\.0\.0\.1:8080/);
  assert.ok(!connection.isRetrying);
});

Deno.test("Connection: close() while connecting or joining ends with one onclose", async () => {
  // while the transport is opening
  const opening = Promise.withResolvers<Transport>();
  const [client] = memoryPair();
  const c1 = new Connection({
    realm: "realm1",
    transports: [{ type: "memory", connect: () => opening.promise }],
  });
  const seen1: [CloseReason, CloseDetails][] = [];
  c1.onclose = (r, d) => void seen1.push([r, d]);
  c1.open();
  await c1.close();
  opening.resolve(client);
  await tick();
  assert.ok(!client.isOpen, "the late transport is closed");
  assert.deepEqual(seen1.map(([r, d]) => [r, d.reason, d.will_retry]), [
    ["closed", "wamp.close.normal", false],
  ]);
  assert.equal(seen1[0]![1].message, "Connection closed by the client");
  // while waiting for WELCOME
  const [client2, server2] = memoryPair();
  const peer = wrap(server2);
  const c2 = new Connection({
    realm: "realm1",
    transports: [{ type: "memory", connect: () => client2 }],
  });
  const seen2: [CloseReason, CloseDetails][] = [];
  c2.onclose = (r, d) => void seen2.push([r, d]);
  c2.open();
  assert.equal((await peer.next())[0], 1); // HELLO
  await c2.close("wamp.close.normal", "bye");
  await peer.closed;
  assert.deepEqual(seen2.map(([r, d]) => [r, d.reason, d.message]), [
    ["closed", "wamp.close.normal", "bye"],
  ]);
  assert.equal(seen2[0]![1].will_retry, false);
});
