// negotiate() decides every WebSocket upgrade, for every adapter; here as a
// unit and on the wire through the Deno adapter with the headers that real
// clients write (Node's `ws` joins subprotocols without spaces).
import assert from "node:assert/strict";
import { negotiate, offeredProtocols } from "../../src/router/negotiate.ts";
import { Router } from "../../src/router/router.ts";
import { serveRouter } from "../../src/router/adapters/deno.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { FrameReader, rawUpgrade, sendText } from "../_helpers/raw_ws.ts";
import { connect } from "../../src/client/connection.ts";

const all = () => [
  new JsonSerializer(),
  new MsgpackSerializer(),
  new CborSerializer(),
];

function upgrade(headers: Record<string, string>): Request {
  return new Request("http://127.0.0.1/ws", {
    headers: { upgrade: "websocket", ...headers },
  });
}

Deno.test("offeredProtocols() reads lists with and without spaces", () => {
  assert.deepEqual(offeredProtocols(null), []);
  assert.deepEqual(offeredProtocols(""), []);
  assert.deepEqual(
    offeredProtocols("wamp.2.json,wamp.2.msgpack,wamp.2.cbor"),
    ["wamp.2.json", "wamp.2.msgpack", "wamp.2.cbor"],
  );
  assert.deepEqual(
    offeredProtocols("wamp.2.cbor, wamp.2.json ,\twamp.2.msgpack,,"),
    ["wamp.2.cbor", "wamp.2.json", "wamp.2.msgpack"],
  );
});

Deno.test("negotiate() chooses by the client's order of preference", () => {
  const router = new Router({ serializers: all() });
  assert.equal(
    negotiate(
      router,
      upgrade({
        "sec-websocket-protocol": "wamp.2.cbor,wamp.2.json",
      }),
    ).protocol,
    "wamp.2.cbor",
  );
  assert.equal(
    negotiate(
      router,
      upgrade({
        "sec-websocket-protocol": "wamp.2.ubjson, wamp.2.msgpack",
      }),
    ).protocol,
    "wamp.2.msgpack",
  );
  const jsonOnly = new Router();
  assert.equal(
    negotiate(
      jsonOnly,
      upgrade({
        "sec-websocket-protocol": "wamp.2.cbor,wamp.2.json",
      }),
    ).protocol,
    "wamp.2.json",
  );
});

Deno.test("negotiate() refuses with 426, 403, 503 and 400, never 500", async () => {
  const router = new Router({
    allowedOrigins: ["https://app.example.com"],
    maxPendingHandshakes: 1,
  });
  const plain = negotiate(
    router,
    new Request("http://127.0.0.1/ws"),
  ).refusal!;
  assert.equal(plain.status, 426);
  const evil = negotiate(
    router,
    upgrade({
      origin: "https://evil.example.net",
      "sec-websocket-protocol": "wamp.2.json",
    }),
  ).refusal!;
  assert.equal(evil.status, 403);
  assert.match(
    await evil.text(),
    /Origin https:\/\/evil.example.net is not allowed/,
  );
  assert.equal(
    negotiate(
      router,
      upgrade({
        origin: "https://app.example.com",
        "sec-websocket-protocol": "wamp.2.json",
      }),
    ).protocol,
    "wamp.2.json",
  );
  // No Origin: a non-browser client.
  assert.equal(
    negotiate(router, upgrade({ "sec-websocket-protocol": "wamp.2.json" }))
      .protocol,
    "wamp.2.json",
  );
  const none = negotiate(
    router,
    upgrade({
      "sec-websocket-protocol": "wamp.2.ubjson",
    }),
  ).refusal!;
  assert.equal(none.status, 400);
  assert.match(
    await none.text(),
    /offered wamp.2.ubjson, the router serves wamp.2.json/,
  );
  const pending = router.connectLocal();
  const full = negotiate(
    router,
    upgrade({
      "sec-websocket-protocol": "wamp.2.json",
    }),
  ).refusal!;
  assert.equal(full.status, 503);
  assert.equal(full.headers.get("retry-after"), "1");
  pending.close();
});

Deno.test("deno adapter: a subprotocol list without spaces (Node's ws) is answered with 101", async () => {
  const router = new Router({ realms: ["realm1"], serializers: all() });
  const server = serveRouter(router, { port: 0 });
  try {
    const up = await rawUpgrade(server.port, {
      "Sec-WebSocket-Protocol": "wamp.2.json,wamp.2.msgpack,wamp.2.cbor",
    });
    assert.equal(up.status, 101);
    assert.equal(up.headers["sec-websocket-protocol"], "wamp.2.json");
    await sendText(up.conn, '[1,"realm1",{"roles":{"caller":{}}}]');
    const welcome = await new FrameReader(up.conn).message();
    assert.equal(welcome?.[0], 2);
    up.conn.close();
    const cbor = await rawUpgrade(server.port, {
      "Sec-WebSocket-Protocol": "wamp.2.cbor,wamp.2.json",
    });
    assert.equal(cbor.status, 101);
    assert.equal(cbor.headers["sec-websocket-protocol"], "wamp.2.cbor");
    cbor.conn.close();
    const bad = await rawUpgrade(server.port, {
      "Sec-WebSocket-Protocol": "mqtt",
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /No agreed WAMP subprotocol/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("deno adapter: allowedOrigins refuses other origins with 403", async () => {
  const router = new Router({ allowedOrigins: ["http://good.example"] });
  const server = serveRouter(router, { port: 0 });
  try {
    const evil = await rawUpgrade(server.port, {
      "Sec-WebSocket-Protocol": "wamp.2.json",
      Origin: "http://evil.example",
    });
    assert.equal(evil.status, 403);
    const good = await rawUpgrade(server.port, {
      "Sec-WebSocket-Protocol": "wamp.2.json",
      Origin: "http://good.example",
    });
    assert.equal(good.status, 101);
    good.conn.close();
    // Our client, like every non-browser client, sends no Origin.
    const s = await connect({ url: server.url, realm: "realm1" });
    assert.ok(s.isOpen);
    await s.leave();
  } finally {
    await server.shutdown();
  }
});

Deno.test("deno adapter: upgrades past maxPendingHandshakes get 503, and idle connections are closed", async () => {
  const router = new Router({ maxPendingHandshakes: 2, helloTimeout: 200 });
  const server = serveRouter(router, { port: 0 });
  try {
    const a = await rawUpgrade(server.port, {
      "Sec-WebSocket-Protocol": "wamp.2.json",
    });
    const b = await rawUpgrade(server.port, {
      "Sec-WebSocket-Protocol": "wamp.2.json",
    });
    assert.equal(a.status, 101);
    assert.equal(b.status, 101);
    const c = await rawUpgrade(server.port, {
      "Sec-WebSocket-Protocol": "wamp.2.json",
    });
    assert.equal(c.status, 503);
    // Neither sends HELLO: both get ABORT and are closed after helloTimeout.
    for (const up of [a, b]) {
      const reader = new FrameReader(up.conn);
      const abort = await reader.message();
      assert.equal(abort?.[0], 3);
      assert.equal(abort?.[2], "wamp.error.protocol_violation");
      assert.equal((await reader.next())?.opcode, 8); // close frame
      up.conn.close();
    }
    const d = await rawUpgrade(server.port, {
      "Sec-WebSocket-Protocol": "wamp.2.json",
    });
    assert.equal(d.status, 101);
    d.conn.close();
  } finally {
    await server.shutdown();
  }
});
