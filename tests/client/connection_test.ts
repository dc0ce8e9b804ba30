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
import { drain, wrap } from "../_helpers/peer.ts";
import { VirtualClock } from "../_helpers/virtual_clock.ts";
import type { Router } from "../../src/router/router.ts";

function memory(router: Router) {
  return [{ type: "memory", connect: () => router.connectLocal() }];
}

Deno.test("Connection: onopen, close, onclose closed", async () => {
  await using router = newRouter();
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
  await using router = newRouter();
  // A closed router takes no new sessions: the reconnection goes to another.
  await using standby = newRouter();
  let current = router;
  const clock = new VirtualClock();
  const connection = new Connection({
    realm: "realm1",
    transports: [{ type: "memory", connect: () => current.connectLocal() }],
    initial_retry_delay: 0.01,
    retry_delay_jitter: 0,
    clock,
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
  current = standby;
  const closing = router.close(); // GOODBYE wamp.close.system_shutdown
  assert.equal(await clock.runAll(), 10); // the retry delay
  await next.promise;
  await closing;
  assert.deepEqual(closes[0]![0], "closed");
  assert.equal(closes[0]![1].reason, "wamp.close.system_shutdown");
  assert.ok(closes[0]![1].message.length > 0);
  assert.equal(closes[0]![1].will_retry, true);
  assert.equal(closes[0]![1].retry_delay, 0.01);
  next = Promise.withResolvers();
  sessions[1]!.transport.close(); // transport lost
  assert.equal(await clock.runAll(), 10);
  await next.promise;
  assert.equal(closes[1]![0], "lost");
  assert.equal(closes[1]![1].reason, "wamp.close.transport_lost");
  assert.equal(sessions.length, 3);
  assert.notEqual(sessions[0]!.id, sessions[2]!.id);
  await connection.close();
});

Deno.test("Connection: retries unreachable routers with growing delays, then gives up", async () => {
  let attempts = 0;
  const clock = new VirtualClock();
  const connection = new Connection({
    clock,
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
  assert.equal(await clock.runAll(), 5 + 10 + 20);
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
  const clock = new VirtualClock();
  const make = (onclose: () => unknown) => {
    const c = new Connection({
      clock,
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
  await clock.runAll();
  assert.equal(attempts, 1);
  attempts = 0;
  make(() => Promise.resolve(true)).open();
  await clock.runAll();
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
  await using router = newRouter();
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
  await using router = newRouter();
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
  await using router = newRouter();
  const clock = new VirtualClock();
  const connection = new Connection({
    realm: "realm1",
    transports: memory(router),
    initial_retry_delay: 0.01,
    retry_delay_jitter: 0,
    resubscribe: true,
    reregister: true,
    clock,
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
  await clock.runAll();
  const second = await opened.promise;
  const other = await connect({ realm: "realm1", transports: memory(router) });
  assert.equal(await other.call("com.p"), "restored");
  await other.publish("com.t", ["again"], {}, { acknowledge: true });
  await drain();
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
  await using router = newRouter();
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

/**
 * Opens the connection, runs its clock until no timer is left, and returns
 * every onclose, the last of which must say will_retry false.
 */
async function untilGivenUp(
  connection: Connection,
  clock: VirtualClock,
): Promise<[CloseReason, CloseDetails][]> {
  const seen: [CloseReason, CloseDetails][] = [];
  connection.onclose = (reason, details) => void seen.push([reason, details]);
  connection.open();
  await clock.runAll();
  assert.equal(
    seen.at(-1)?.[1].will_retry,
    false,
    `No final onclose: ${JSON.stringify(seen)}`,
  );
  return seen;
}

Deno.test("Connection: a transport closed before the session listens is a failed attempt, retried until retries run out", async () => {
  let attempts = 0;
  const clock = new VirtualClock();
  const connection = new Connection({
    clock,
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
  const seen = await untilGivenUp(connection, clock);
  assert.equal(clock.now(), 5 + 10 + 20);
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
  const clock = new VirtualClock();
  const connection = new Connection({
    clock,
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
  const seen = await untilGivenUp(connection, clock);
  assert.equal(clock.now(), 20 + 1 + 20);
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
  const clock = new VirtualClock();
  const connection = new Connection({
    clock,
    url: "ws://127.0.0.1:8080/ws",
    realm: "realm1",
    transports: [{ type: "websocket", WebSocket: NoNet }],
    max_retries: 5,
    initial_retry_delay: 0.001,
  });
  const seen = await untilGivenUp(connection, clock);
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
  await drain();
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

/** A connection to one scripted router, on virtual time. */
function scriptedConnection(
  options: Partial<ConstructorParameters<typeof Connection>[0]> = {},
) {
  const clock = new VirtualClock();
  const peers: ReturnType<typeof wrap>[] = [];
  const connection = new Connection({
    realm: "realm1",
    transports: [{
      type: "memory",
      connect: () => {
        const [client, server] = memoryPair();
        peers.push(wrap(server));
        return client;
      },
    }],
    initial_retry_delay: 1,
    retry_delay_jitter: 0,
    clock,
    ...options,
  });
  return { connection, clock, peers };
}

Deno.test("Connection: sessions run on the connection's clock; close() waits leaveTimeout for GOODBYE", async () => {
  const { connection, clock, peers } = scriptedConnection({
    leaveTimeout: 2000,
  });
  const opened = Promise.withResolvers<Session>();
  connection.onopen = (s) => opened.resolve(s);
  connection.open();
  await drain();
  assert.equal((await peers[0]!.next())[0], 1);
  assert.deepEqual(clock.pending(), [10000]); // handshake_timeout
  peers[0]!.send([2, 1, { roles: {} }]);
  await opened.promise;
  assert.deepEqual(clock.pending(), []);
  let closed = false;
  const closing = connection.close().then(() => closed = true);
  assert.equal((await peers[0]!.next())[0], 6); // GOODBYE, never answered
  await clock.advance(1999);
  assert.ok(!closed);
  await clock.advance(1);
  await closing;
  assert.ok(!connection.isOpen);
  assert.equal(await connection.close().then(() => "again"), "again");
});

Deno.test("Connection: leave messages name what the router did", async () => {
  const { connection, clock, peers } = scriptedConnection();
  const seen: CloseDetails[] = [];
  connection.onclose = (_r, d) => void seen.push(d);
  connection.open();
  await drain();
  await peers[0]!.next();
  peers[0]!.send([2, 1, { roles: {} }]);
  await drain();
  peers[0]!.send([6, {}, "wamp.close.system_shutdown"]);
  await clock.advance(1000); // the retry delay
  await peers[1]!.next();
  peers[1]!.send([2, 2, { roles: {} }]);
  await drain();
  peers[1]!.send([3, {}, "wamp.error.whatever"]);
  await drain();
  assert.deepEqual(seen.map((d) => [d.reason, d.message, d.will_retry]), [
    [
      "wamp.close.system_shutdown",
      "Router closed the session (wamp.close.system_shutdown)",
      true,
    ],
    [
      "wamp.error.whatever",
      "Router aborted the session (wamp.error.whatever)",
      true,
    ],
  ]);
  await connection.close();
  assert.deepEqual(clock.pending(), []);
});

Deno.test("Connection: unsubscribed and unregistered are not restored", async () => {
  await using router = newRouter();
  const clock = new VirtualClock();
  const connection = new Connection({
    realm: "realm1",
    transports: memory(router),
    initial_retry_delay: 0.01,
    retry_delay_jitter: 0,
    resubscribe: true,
    reregister: true,
    clock,
  });
  let opened = Promise.withResolvers<Session>();
  connection.onopen = (s) => opened.resolve(s);
  connection.open();
  const first = await opened.promise;
  const handler = () => {};
  const kept = await first.subscribe("com.kept", handler);
  await first.subscribe("com.kept", handler); // the same: recorded once
  const dropped = await first.subscribe("com.dropped", handler);
  await first.register("com.kept", () => 1);
  const gone = await first.register("com.gone", () => 2);
  await first.unsubscribe(dropped);
  await gone.unregister();
  opened = Promise.withResolvers();
  first.transport.close();
  await clock.runAll();
  const second = await opened.promise;
  assert.deepEqual(
    second.subscriptions.map((list) => list.map((s) => s.topic)),
    [["com.kept"]],
  );
  assert.deepEqual(second.registrations.map((r) => r.procedure), [
    "com.kept",
  ]);
  assert.ok(!kept.active);
  await connection[Symbol.asyncDispose]();
  assert.ok(!connection.isOpen);
});

Deno.test("Connection: errors in onopen and onclose are printed, and the connection goes on", async () => {
  await using router = newRouter();
  const connection = new Connection({
    realm: "realm1",
    transports: memory(router),
  });
  const printed: unknown[][] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void printed.push(args);
  try {
    const opened = Promise.withResolvers<void>();
    connection.onopen = () => {
      opened.resolve();
      throw new Error("onopen broke");
    };
    connection.onclose = () => {
      throw new Error("onclose broke");
    };
    connection.open();
    await opened.promise;
    assert.ok(connection.isOpen);
    await connection.close();
  } finally {
    console.error = error;
  }
  assert.deepEqual(printed.map((p) => p[0]), [
    "wampkit: error in onopen:",
    "wampkit: error in onclose:",
  ]);
});

Deno.test("Connection: a transport without a serializer for its subprotocol, or a WebSocket without url, fails", async () => {
  await using router = newRouter();
  await assert.rejects(
    connect({
      realm: "realm1",
      transports: [{
        type: "memory",
        connect: () => router.connectLocal("wamp.2.cbor"),
      }],
    }),
    (e: unknown) =>
      e instanceof TransportError && e.unsupported &&
      /No serializer for subprotocol wamp\.2\.cbor/.test(e.message),
  );
  await assert.rejects(
    connect({ realm: "realm1", transports: [{ type: "websocket" }] }),
    /WebSocket transport without a url/,
  );
});

Deno.test("Connection.openSession(): later onclose calls reach the application's handler", async () => {
  const { connection, clock, peers } = scriptedConnection({ max_retries: 0 });
  const seen: CloseReason[] = [];
  connection.onclose = (r) => void seen.push(r);
  const opening = connection.openSession();
  await drain();
  await peers[0]!.next();
  peers[0]!.send([2, 1, { roles: {} }]);
  const session = await opening;
  peers[0]!.close();
  await clock.runAll();
  assert.deepEqual(seen, ["lost"]);
  assert.ok(!session.isOpen);
});

Deno.test("Connection: close() during resubscribe ends with onclose and no onopen after it", async () => {
  await using router = newRouter();
  const clock = new VirtualClock();
  let attempt = 0;
  const calls: string[] = [];
  const connection: Connection = new Connection({
    realm: "realm1",
    transports: [{
      type: "memory",
      connect: () => {
        const t = router.connectLocal();
        const n = ++attempt;
        const send = t.send.bind(t);
        // On the second session, the app closes while SUBSCRIBE is restored.
        t.send = (frame) => {
          if (
            n === 2 && typeof frame === "string" && frame.startsWith("[32,")
          ) {
            void connection.close();
          }
          send(frame);
        };
        return t;
      },
    }],
    initial_retry_delay: 0.01,
    retry_delay_jitter: 0,
    resubscribe: true,
    clock,
  });
  let opened = Promise.withResolvers<Session>();
  connection.onopen = (s) => {
    calls.push("open");
    opened.resolve(s);
  };
  connection.onclose = (reason, d) => {
    calls.push(`close ${reason} ${d.will_retry}`);
  };
  connection.open();
  const first = await opened.promise;
  await first.subscribe("com.t", () => {});
  opened = Promise.withResolvers();
  first.transport.close();
  await clock.runAll();
  await drain();
  assert.equal(attempt, 2);
  assert.equal(calls.at(-1), "close closed false", JSON.stringify(calls));
  assert.deepEqual(calls.filter((c) => c === "open").length, 1);
});
