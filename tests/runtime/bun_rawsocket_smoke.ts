// Runs under Bun (`bun run tests/runtime/bun_rawsocket_smoke.ts`): the Bun
// RawSocket listener (Bun.listen) serving the embedded router, our client
// through the Bun connector (Bun.connect, the default under Bun) with each
// serializer, over TCP and a Unix socket; error replies, a length prefix
// over the limit, and a subscriber that stops reading, on raw sockets.
import { connect } from "../../mod.ts";
import { Router } from "../../src/router/router.ts";
import { serveRawSocketBun } from "../../src/router/adapters/bun.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { bunConnector } from "../../src/transports/connectors/bun.ts";
import { TEST_CERT, TEST_KEY } from "../_helpers/tls_fixture.ts";
import { createConnection, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

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

/** A raw TCP client: everything it reads, and when the router closes it. */
function rawClient(url: string) {
  const { hostname, port } = new URL(url.replace(/^rs:/, "http:"));
  const sock: Socket = createConnection({ host: hostname, port: Number(port) });
  let got: number[] = [];
  let wake = () => {};
  let ended = false;
  sock.on("data", (d: Uint8Array) => {
    got.push(...d);
    wake();
  });
  sock.on("close", () => {
    ended = true;
    wake();
  });
  sock.on("error", () => {});
  return {
    sock,
    write: (bytes: number[] | Uint8Array) => sock.write(new Uint8Array(bytes)),
    /** Waits for `n` bytes (or the end), and takes them. */
    async read(n: number, ms = 5000): Promise<number[]> {
      const deadline = Date.now() + ms;
      while (got.length < n && !ended && Date.now() < deadline) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      const out = got.slice(0, n);
      got = got.slice(n);
      return out;
    },
    async closed(ms = 5000): Promise<boolean> {
      const deadline = Date.now() + ms;
      while (!ended && Date.now() < deadline) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return ended;
    },
  };
}

function jsonFrame(message: unknown[]): number[] {
  const p = new TextEncoder().encode(JSON.stringify(message));
  return [0, p.length >> 16, (p.length >> 8) & 0xff, p.length & 0xff, ...p];
}

const router = new Router({
  realms: ["realm1"],
  serializers: [
    new JsonSerializer(),
    new MsgpackSerializer(),
    new CborSerializer(),
  ],
});
const server = serveRawSocketBun(router, { port: 0 });

for (
  const make of [
    () => new JsonSerializer(),
    () => new MsgpackSerializer(),
    () => new CborSerializer(),
  ]
) {
  const protocol = make().protocol;
  await check(
    `bun rawsocket ${protocol}: call and event, default connector`,
    async () => {
      const open = () =>
        connect({
          realm: "realm1",
          serializers: [make()],
          transports: [{ type: "rawsocket", url: server.url }],
        });
      const callee = await open();
      const caller = await open();
      try {
        equal(caller.transport.info, {
          type: "rawsocket",
          url: server.url,
          protocol,
        });
        const proc = `com.add2.${protocol}`;
        await callee.register(
          proc,
          ([a, b]) => (a as number) + (b as number),
        );
        equal(await caller.call(proc, [2, 3]), 5);
        const topic = `com.news.${protocol}`;
        const event = Promise.withResolvers<unknown>();
        await callee.subscribe(topic, (args) => event.resolve(args[0]));
        // 100 KB: more than Bun writes at once, read in several pieces
        await caller.publish(
          topic,
          ["hello from bun", "x".repeat(100_000)],
          {},
          { acknowledge: true },
        );
        equal(await event.promise, "hello from bun");
      } finally {
        await callee.leave();
        await caller.leave();
      }
    },
  );
}

await check("bun rawsocket: a Unix socket, with bunConnector()", async () => {
  const dir = mkdtempSync(`${tmpdir()}/wampkit-bun-rs-`);
  const unix = serveRawSocketBun(router, { path: `${dir}/r.sock` });
  try {
    equal(unix.url, `unix://${dir}/r.sock`);
    const s = await connect({
      realm: "realm1",
      transports: [{
        type: "rawsocket",
        url: unix.url,
        connector: bunConnector(),
      }],
    });
    equal(await s.call("wamp.session.count") as number > 0, true);
    await s.leave();
  } finally {
    await unix.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

await check(
  "bun rawsocket: rss:// (TLS), with the certificate to trust",
  async () => {
    const secure = serveRawSocketBun(router, {
      port: 0,
      tls: { cert: TEST_CERT, key: TEST_KEY },
    });
    try {
      equal(secure.url.startsWith("rss://127.0.0.1:"), true);
      const s = await connect({
        realm: "realm1",
        transports: [{
          type: "rawsocket",
          url: secure.url,
          connector: bunConnector({ tls: { ca: TEST_CERT } }),
        }],
      });
      equal(typeof await s.call("wamp.session.count"), "number");
      await s.leave();
      // Not told to trust it: refused at the TLS handshake, not left hanging
      const refused = await connect({
        realm: "realm1",
        transports: [{ type: "rawsocket", url: secure.url }],
      }).then(() => "opened", (e: Error) => e.message);
      equal(/self.signed/i.test(refused), true);
    } finally {
      await secure.shutdown();
    }
  },
);

await check("bun rawsocket: error replies to bad handshakes", async () => {
  for (
    const [request, reply] of [
      [[0x7f, 0xf4, 0, 0], [0x7f, 0x10, 0, 0]],
      [[0x7f, 0x01, 0, 0], [0x7f, 0x20, 0, 0]],
      [[0x7f, 0xf1, 0, 1], [0x7f, 0x30, 0, 0]],
    ]
  ) {
    const c = rawClient(server.url);
    c.write(request!);
    equal(await c.read(4), reply);
    equal(await c.closed(), true);
  }
});

await check(
  "bun rawsocket: PING answered; a length prefix over the limit closes before its payload",
  async () => {
    const small = new Router({
      serializers: [new MsgpackSerializer({ maxMessageSize: 4096 })],
    });
    const s = serveRawSocketBun(small, { port: 0 });
    try {
      const c = rawClient(s.url);
      c.write([0x7f, 0xf2, 0, 0]);
      equal(await c.read(4), [0x7f, 0x32, 0, 0]); // 4096 octets
      c.write([0x01, 0, 0, 2, 7, 8]);
      equal(await c.read(6), [0x02, 0, 0, 2, 7, 8]);
      c.write([0x00, 0x00, 0x10, 0x01]);
      equal(await c.closed(), true);
    } finally {
      await s.shutdown();
    }
  },
);

await check(
  "bun rawsocket: a subscriber that stops reading is closed past maxOutboundBytes",
  async () => {
    const r = new Router({ realms: ["realm1"], maxOutboundBytes: 256 * 1024 });
    const s = serveRawSocketBun(r, { port: 0 });
    const c = rawClient(s.url);
    try {
      c.write([0x7f, 0xf1, 0, 0]);
      await c.read(4);
      c.write(jsonFrame([1, "realm1", { roles: { subscriber: {} } }]));
      c.write(jsonFrame([32, 1, {}, "com.feed"]));
      await new Promise((res) => setTimeout(res, 100));
      c.sock.pause(); // reads nothing from here on
      const watcher = await connect({
        realm: "realm1",
        transports: [{ type: "rawsocket", url: s.url }],
      });
      const left = Promise.withResolvers<void>();
      await watcher.subscribe("wamp.session.on_leave", () => left.resolve());
      const publisher = await connect({
        realm: "realm1",
        transports: [{ type: "rawsocket", url: s.url }],
      });
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
      c.sock.destroy();
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
