// Runs under Bun (`bun run tests/runtime/bun_smoke.ts`): the Bun adapter
// serving the embedded router, and a real client session making a call and
// receiving an event over WebSocket with each serializer.
import { connect } from "../../mod.ts";
import { Router } from "../../src/router/router.ts";
import { serveRouterBun } from "../../src/router/adapters/bun.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";

let passed = 0;
let failed = 0;
async function check(name: string, fn: () => Promise<void>) {
  try {
    await fn();
    passed++;
    console.log(`${name} ... ok`);
  } catch (err) {
    failed++;
    console.log(`${name} ... FAILED: ${err}`);
  }
}
function equal(a: unknown, b: unknown) {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new Error(`${JSON.stringify(a)} !== ${JSON.stringify(b)}`);
  }
}

const router = new Router({
  realms: ["realm1"],
  serializers: [
    new JsonSerializer(),
    new MsgpackSerializer(),
    new CborSerializer(),
  ],
});
const server = serveRouterBun(router, { port: 0 });

for (
  const make of [
    () => new JsonSerializer(),
    () => new MsgpackSerializer(),
    () => new CborSerializer(),
  ]
) {
  const protocol = make().protocol;
  await check(
    `bun ${protocol}: call and event over the Bun adapter`,
    async () => {
      const callee = await connect({
        url: server.url,
        realm: "realm1",
        serializers: [make()],
      });
      const caller = await connect({
        url: server.url,
        realm: "realm1",
        serializers: [make()],
      });
      equal(caller.transport.info.protocol, protocol);
      await callee.register(
        "com.add2",
        ([a, b]) => (a as number) + (b as number),
      );
      equal(await caller.call("com.add2", [2, 3]), 5);
      const event = Promise.withResolvers<unknown>();
      await callee.subscribe("com.news", (args) => event.resolve(args[0]));
      await caller.publish("com.news", ["hello from bun"], {}, {
        acknowledge: true,
      });
      equal(await event.promise, "hello from bun");
      await callee.leave();
      await caller.leave();
    },
  );
}

await check("bun: no agreed subprotocol fails the handshake", async () => {
  const ws = new WebSocket(server.url, ["wamp.2.ubjson"]);
  const result = await new Promise<string>((resolve) => {
    ws.onopen = () => resolve("opened");
    ws.onerror = () => resolve("refused");
  });
  equal(result, "refused");
});

await check("bun: in-process memory transport", async () => {
  const s = await connect({
    realm: "realm1",
    transports: [{ type: "memory", connect: () => router.connectLocal() }],
  });
  equal(await s.call("wamp.session.count"), 1);
  await s.leave();
});

await check(
  "bun: a frame over maxMessageSize is refused by Bun (1009) before it is buffered",
  async () => {
    const small = new Router({
      realms: ["realm1"],
      serializers: [new JsonSerializer({ maxMessageSize: 64 * 1024 })],
    });
    const limited = serveRouterBun(small, { port: 0 });
    try {
      const ws = new WebSocket(limited.url, ["wamp.2.json"]);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const closed = new Promise<number>((resolve) => {
        ws.onclose = (e) => resolve(e.code);
      });
      ws.send("[" + '"x",'.repeat(50_000) + "1]");
      equal(await closed, 1009);
    } finally {
      await limited.shutdown();
    }
  },
);

await check(
  "bun: a subscriber that stops reading is closed past maxOutboundBytes",
  async () => {
    const { createConnection } = await import("node:net");
    const r = new Router({ realms: ["realm1"], maxOutboundBytes: 256 * 1024 });
    const s = serveRouterBun(r, { port: 0 });
    const port = Number(new URL(s.url).port);
    const sock = createConnection({ host: "127.0.0.1", port });
    try {
      const frame = (text: string) => {
        const p = new TextEncoder().encode(text);
        const out = new Uint8Array(6 + p.length);
        out.set([0x81, 0x80 | p.length, 0, 0, 0, 0]); // mask of zeros
        out.set(p, 6);
        return out;
      };
      let head = "";
      const upgraded = new Promise<void>((resolve) => {
        sock.on("data", (d: Uint8Array) => {
          head += new TextDecoder().decode(d);
          if (head.includes("\r\n\r\n")) resolve();
        });
      });
      sock.write(
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" +
          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json,wamp.2.cbor\r\n\r\n",
      );
      await upgraded;
      if (!head.startsWith("HTTP/1.1 101")) throw new Error(head);
      sock.write(frame('[1,"realm1",{"roles":{"subscriber":{}}}]'));
      sock.write(frame('[32,1,{},"com.feed"]'));
      await new Promise((r) => setTimeout(r, 100));
      sock.pause(); // reads nothing from here on
      const watcher = await connect({ url: s.url, realm: "realm1" });
      const left = Promise.withResolvers<void>();
      await watcher.subscribe("wamp.session.on_leave", () => left.resolve());
      const publisher = await connect({ url: s.url, realm: "realm1" });
      const chunk = "z".repeat(4096);
      let gone = false;
      left.promise.then(() => gone = true);
      for (let i = 0; i < 10_000 && !gone; i += 50) {
        for (let j = 0; j < 49; j++) publisher.publish("com.feed", [chunk]);
        await publisher.publish("com.feed", [chunk], {}, { acknowledge: true });
      }
      equal(gone, true);
      equal(publisher.isOpen, true);
      await watcher.leave();
      await publisher.leave();
    } finally {
      sock.destroy();
      await s.shutdown();
    }
  },
);

await server.shutdown();
console.log(
  `${failed === 0 ? "ok" : "FAILED"} | ${passed} passed | ${failed} failed`,
);
(globalThis as unknown as { process: { exit(code: number): never } }).process
  .exit(failed === 0 ? 0 : 1);
