import assert from "node:assert/strict";
import { ticket, wampcra } from "../../src/auth/mod.ts";
import { FrameReader, rawUpgrade } from "../_helpers/raw_ws.ts";
import { connect } from "../../src/client/connection.ts";
import { Router } from "../../src/router/router.ts";
import { serveRouter } from "../../src/router/adapters/deno.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import type { Serializer } from "../../src/serializers/serializer.ts";
import { connectWebSocket } from "../../src/transports/websocket.ts";
import { TransportError } from "../../src/transports/transport_error.ts";

const all =
  () => [new JsonSerializer(), new MsgpackSerializer(), new CborSerializer()];

for (
  const make of [
    () => new JsonSerializer(),
    () => new MsgpackSerializer(),
    () => new CborSerializer(),
  ]
) {
  const name = make().protocol;
  Deno.test(`websocket e2e over ${name}: RPC, progress, pub/sub, binary`, async () => {
    const router = new Router({ realms: ["realm1"], serializers: all() });
    const server = serveRouter(router, { port: 0 });
    try {
      const open = (s: Serializer) =>
        connect({ url: server.url, realm: "realm1", serializers: [s] });
      const callee = await open(make());
      const caller = await open(make());
      assert.equal(caller.transport.info.protocol, name);
      assert.equal(caller.transport.info.type, "websocket");
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
      await callee.leave();
      await caller.leave();
    } finally {
      await server.shutdown();
    }
  });
}

Deno.test("websocket: no agreed subprotocol fails the handshake", async () => {
  const router = new Router({ serializers: [new JsonSerializer()] });
  const server = serveRouter(router, { port: 0 });
  try {
    await assert.rejects(
      connectWebSocket(server.url, { protocols: ["wamp.2.msgpack"] }),
      TransportError,
    );
    await assert.rejects(
      connect({
        url: server.url,
        realm: "realm1",
        serializers: [new CborSerializer()],
      }),
      /Could not open a session/,
    );
    const res = await fetch(server.url.replace("ws:", "http:"));
    assert.equal(res.status, 426);
    await res.body?.cancel();
    const notFound = await fetch(
      server.url.replace("ws:", "http:").replace("/ws", "/nope"),
    );
    assert.equal(notFound.status, 404);
    await notFound.body?.cancel();
  } finally {
    await server.shutdown();
  }
});

Deno.test("websocket: a closed router port is unreachable", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await assert.rejects(
    connect({ url: `ws://127.0.0.1:${port}/ws`, realm: "realm1" }),
    /unreachable/,
  );
});

Deno.test("websocket: the pending call settles when the router goes away", async () => {
  const router = new Router();
  const server = serveRouter(router, { port: 0 });
  const callee = await connect({ url: server.url, realm: "realm1" });
  const caller = await connect({ url: server.url, realm: "realm1" });
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

function startCli(...flags: string[]) {
  const cli = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      new URL("../../src/router/adapters/cli.ts", import.meta.url).pathname,
      "--port",
      "0",
      ...flags,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = cli.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  return {
    cli,
    /** Reads output until it matches (or the process ends). */
    async until(pattern: RegExp): Promise<string> {
      while (!pattern.test(out)) {
        const { value, done } = await reader.read();
        if (done) break;
        out += value;
      }
      return out;
    },
    /** Stops the process and returns all it printed and its exit code. */
    async stop(): Promise<{ out: string; code: number }> {
      cli.kill("SIGTERM");
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        out += value;
      }
      return { out, code: (await cli.status).code };
    },
  };
}

Deno.test("router CLI prints its URL, serves, and stops on SIGTERM", async () => {
  const run = startCli("--realm", "realm1");
  const url = /ws:\/\/\S+/.exec(await run.until(/ws:\/\/\S+/))![0];
  const s = await connect({ url, realm: "realm1" });
  assert.equal(await s.call("wamp.session.count"), 1);
  await s.leave();
  const { out, code } = await run.stop();
  assert.equal(code, 0);
  assert.match(out, /listening on ws:\/\/127\.0\.0\.1:\d+\/ws/);
  assert.match(out, /join session=\d+ realm=realm1/);
  assert.match(out, /leave session=\d+/);
  assert.match(out, /SIGTERM: closing sessions and stopping/);
});

Deno.test("router CLI: --config examples/secured_router.json authenticates and authorizes", async () => {
  const config = new URL("../../examples/secured_router.json", import.meta.url)
    .pathname;
  const run = startCli("--config", config);
  const url = /ws:\/\/\S+/.exec(await run.until(/ws:\/\/\S+/))![0];
  const svc = await connect({
    url,
    realm: "realm1",
    auth: wampcra({ authid: "svc1", secret: "change me too" }),
  });
  await svc.register(
    "com.example.add2",
    ([a, b]) => (a as number) + (b as number),
  );
  const joe = await connect({
    url,
    realm: "realm1",
    auth: ticket({ authid: "joe", ticket: "change me" }),
  });
  assert.equal(joe.authrole, "user");
  assert.equal(await joe.call("com.example.add2", [2, 3]), 5);
  await assert.rejects(
    joe.register("com.example.mine", () => 1),
    /not authorized/,
  );
  await assert.rejects(
    connect({ url, realm: "realm1" }),
    /wamp\.error\.no_auth_method/,
  );
  await assert.rejects(
    connect({
      url,
      realm: "realm1",
      auth: ticket({ authid: "joe", ticket: "x" }),
    }),
    /wamp\.error\.not_authorized/,
  );
  await joe.leave();
  await svc.leave();
  const { out } = await run.stop();
  assert.match(
    out,
    /sessions: authentication ticket, wampcra; permissions from 2 roles/,
  );
  assert.ok(!out.includes("change me"), "no secrets in the log");
});

Deno.test("router CLI: --hello-timeout closes idle connections, --allow-origin refuses others", async () => {
  const run = startCli(
    "--hello-timeout",
    "0.2",
    "--allow-origin",
    "http://good.example",
    "--allow-origin",
    "http://also.example",
  );
  const url = /ws:\/\/\S+/.exec(await run.until(/ws:\/\/\S+/))![0];
  const port = Number(new URL(url).port);
  try {
    const evil = await rawUpgrade(port, {
      "Sec-WebSocket-Protocol": "wamp.2.json",
      Origin: "http://evil.example",
    });
    assert.equal(evil.status, 403);
    const good = await rawUpgrade(port, {
      "Sec-WebSocket-Protocol": "wamp.2.json",
      Origin: "http://also.example",
    });
    assert.equal(good.status, 101);
    const abort = await new FrameReader(good.conn).message();
    assert.deepEqual(abort, [3, {
      message: "No HELLO within 0.2 s",
    }, "wamp.error.protocol_violation"]);
    good.conn.close();
    await run.until(/abort .*No HELLO within 0\.2 s/);
  } finally {
    const { code } = await run.stop();
    assert.equal(code, 0);
  }
});

Deno.test("router CLI refuses a bad --hello-timeout", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      new URL("../../src/router/adapters/cli.ts", import.meta.url).pathname,
      "--hello-timeout",
      "soon",
    ],
    stderr: "piped",
  }).output();
  assert.equal(code, 2);
  assert.match(
    new TextDecoder().decode(stderr),
    /--hello-timeout needs a positive number, got soon/,
  );
});
