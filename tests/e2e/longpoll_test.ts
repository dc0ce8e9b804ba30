// Our client and our router over HTTP long-poll, through the Deno adapter
// on a real port: sessions with each serializer, the fallback from a
// WebSocket that cannot connect, the router going away, the CLI flag.
import assert from "node:assert/strict";
import { connect, Connection } from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import { Router } from "../../src/router/router.ts";
import { serveRouter } from "../../src/router/adapters/deno.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import type { Serializer } from "../../src/serializers/serializer.ts";
import { connectLongPoll } from "../../src/transports/longpoll.ts";
import { TransportError } from "../../src/transports/transport_error.ts";

const all =
  () => [new JsonSerializer(), new MsgpackSerializer(), new CborSerializer()];

function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

for (const make of all().map((s) => () => s)) {
  const name = make().protocol;
  Deno.test(`longpoll e2e over ${name}: RPC, progress, pub/sub, binary`, async () => {
    const router = new Router({ realms: ["realm1"], serializers: all() });
    const server = serveRouter(router, { port: 0, longpoll: "/lp" });
    const sessions: Session[] = [];
    try {
      const open = async (s: Serializer) => {
        const session = await connect({
          realm: "realm1",
          transports: [{ type: "longpoll", url: server.longpollUrl! }],
          serializers: [s],
        });
        sessions.push(session);
        return session;
      };
      const callee = await open(make());
      const caller = await open(make());
      await callee.register("com.longop", (args, _kw, d) => {
        for (let i = 0; i < (args[0] as number); i++) d.progress?.([i]);
        return args[0];
      });
      await callee.register("com.echo", (args) => args[0]);
      const chunks: unknown[] = [];
      const call = caller.call("com.longop", [3], {}, {
        receive_progress: true,
      });
      for await (const c of call) chunks.push(c);
      assert.deepEqual(chunks, [0, 1, 2]);
      assert.equal(await call, 3);
      const bytes = new Uint8Array(70000).map((_, i) => i & 255);
      assert.deepEqual(await caller.call("com.echo", [bytes]), bytes);
      const got = Promise.withResolvers<unknown>();
      await callee.subscribe("com.t", (args) => got.resolve(args[0]));
      caller.publish("com.t", [{ deep: [1, "two", null, true] }]);
      assert.deepEqual(await got.promise, { deep: [1, "two", null, true] });
      assert.deepEqual(await caller.call("wamp.session.get", [callee.id]), {
        session: callee.id,
        authid: `anonymous-${callee.id}`,
        authrole: "anonymous",
        authmethod: "anonymous",
        authprovider: "static",
        transport: { type: "longpoll", protocol: name },
      });
    } finally {
      for (const s of sessions) await s.leave();
      await server.shutdown();
    }
  });
}

Deno.test("Connection falls back to long-poll when the WebSocket cannot connect", async () => {
  const router = new Router({ realms: ["realm1"] });
  const server = serveRouter(router, { port: 0, longpoll: "/lp" });
  try {
    const connection = new Connection({
      realm: "realm1",
      transports: [
        { type: "websocket", url: `ws://127.0.0.1:${closedPort()}/ws` },
        { type: "longpoll", url: server.longpollUrl! },
      ],
      max_retries: 0,
    });
    const session = await connection.openSession();
    assert.equal(connection.transport.info?.type, "longpoll");
    assert.equal(connection.transport.info?.url, server.longpollUrl);
    assert.equal(await session.call("wamp.session.count"), 1);
    await connection.close();

    // With a WebSocket that connects, the WebSocket is used.
    const preferred = new Connection({
      realm: "realm1",
      transports: [
        { type: "websocket", url: server.url },
        { type: "longpoll", url: server.longpollUrl! },
      ],
      max_retries: 0,
    });
    await preferred.openSession();
    assert.equal(preferred.transport.info?.type, "websocket");
    await preferred.close();
  } finally {
    await server.shutdown();
  }
});

Deno.test("longpoll: a router that serves none of the offered serializers is unsupported", async () => {
  const router = new Router({ serializers: [new JsonSerializer()] });
  const server = serveRouter(router, { port: 0, longpoll: "/lp" });
  try {
    await assert.rejects(
      connectLongPoll(server.longpollUrl!, { protocols: ["wamp.2.cbor"] }),
      (e: unknown) => e instanceof TransportError && e.unsupported,
    );
    await assert.rejects(
      connect({
        realm: "realm1",
        transports: [{ type: "longpoll", url: server.longpollUrl! }],
        serializers: [new CborSerializer()],
      }),
      (e: unknown) =>
        e instanceof TransportError && e.unsupported &&
        /Could not open a session \(unsupported/.test(e.message),
    );
    // A closed port is unreachable.
    await assert.rejects(
      connect({
        realm: "realm1",
        transports: [{
          type: "longpoll",
          url: `http://127.0.0.1:${closedPort()}/lp`,
        }],
      }),
      /unreachable/,
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("longpoll: router shutdown reaches the client as GOODBYE", async () => {
  const router = new Router();
  const server = serveRouter(router, { port: 0, longpoll: "/lp" });
  const connection = new Connection({
    realm: "realm1",
    transports: [{ type: "longpoll", url: server.longpollUrl! }],
    max_retries: 0,
  });
  const closed = Promise.withResolvers<[string, string]>();
  connection.onclose = (reason, details) =>
    void closed.resolve([reason, details.reason]);
  await connection.openSession();
  await server.shutdown();
  assert.deepEqual(await closed.promise, [
    "closed",
    "wamp.close.system_shutdown",
  ]);
});

Deno.test("longpoll: the pending call settles when the router process goes away", async () => {
  const router = new Router();
  const server = serveRouter(router, { port: 0, longpoll: "/lp" });
  const lp = { type: "longpoll" as const, url: server.longpollUrl! };
  const callee = await connect({ realm: "realm1", transports: [lp] });
  const caller = await connect({ realm: "realm1", transports: [lp] });
  await callee.register("com.hang", () => new Promise(() => {}));
  const call = caller.call("com.hang");
  const settled = assert.rejects(call, (e: unknown) => {
    const uri = (e as { uri: string }).uri;
    return uri === "wamp.close.system_shutdown" ||
      uri === "wamp.error.canceled";
  });
  await server.shutdown();
  await settled;
});

Deno.test("longpoll: idle receives are answered and the session stays usable", async () => {
  const router = new Router();
  const server = serveRouter(router, {
    port: 0,
    longpoll: { path: "/lp", pollTimeout: 50 },
  });
  try {
    const session = await connect({
      realm: "realm1",
      transports: [{ type: "longpoll", url: server.longpollUrl! }],
    });
    await new Promise((r) => setTimeout(r, 300)); // several idle polls
    assert.ok(session.isOpen);
    assert.equal(await session.call("wamp.session.count"), 1);
    await session.leave();
  } finally {
    await server.shutdown();
  }
});

Deno.test("router CLI: --longpoll serves long-poll beside WebSocket", async () => {
  const cli = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      new URL("../../src/router/adapters/cli.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--longpoll",
      "/lp",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = cli.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  try {
    while (!/\(long-poll\)/.test(out)) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    assert.match(
      out,
      /listening on ws:\/\/127\.0\.0\.1:\d+\/ws and http:\/\/127\.0\.0\.1:\d+\/lp \(long-poll\)/,
    );
    const url = /http:\/\/\S+/.exec(out)![0];
    const session = await connect({
      realm: "realm1",
      transports: [{ type: "longpoll", url }],
    });
    assert.equal(session.transport.info.type, "longpoll");
    await session.leave();
  } finally {
    cli.kill("SIGTERM");
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    assert.equal((await cli.status).code, 0);
  }
});
