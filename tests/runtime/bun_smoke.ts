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

await server.shutdown();
console.log(
  `${failed === 0 ? "ok" : "FAILED"} | ${passed} passed | ${failed} failed`,
);
(globalThis as unknown as { process: { exit(code: number): never } }).process
  .exit(failed === 0 ? 0 : 1);
