// Runs under Bun (`bun run tests/runtime/bun_longpoll_smoke.ts`): the Bun
// adapter serving HTTP long-poll beside WebSocket, our client over Bun's
// fetch with each serializer, and a receive held past Bun.serve's 10 s
// default `idleTimeout` (which does not cut a request being answered).
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
const server = serveRouterBun(router, {
  port: 0,
  longpoll: { path: "/lp", pollTimeout: 12_000 },
});
const lp = { type: "longpoll" as const, url: server.longpollUrl! };

for (
  const make of [
    () => new JsonSerializer(),
    () => new MsgpackSerializer(),
    () => new CborSerializer(),
  ]
) {
  const protocol = make().protocol;
  await check(`bun long-poll ${protocol}: call and event`, async () => {
    const callee = await connect({
      realm: "realm1",
      transports: [lp],
      serializers: [make()],
    });
    const caller = await connect({
      realm: "realm1",
      transports: [lp],
      serializers: [make()],
    });
    equal(caller.transport.info, { type: "longpoll", url: lp.url, protocol });
    await callee.register(
      "com.add2",
      ([a, b]) => (a as number) + (b as number),
    );
    equal(await caller.call("com.add2", [2, 3]), 5);
    const event = Promise.withResolvers<unknown>();
    await callee.subscribe("com.news", (args) => event.resolve(args[0]));
    await caller.publish("com.news", [new Uint8Array([1, 2, 3])], {}, {
      acknowledge: true,
    });
    equal([...(await event.promise as Uint8Array)], [1, 2, 3]);
    await callee.leave();
    await caller.leave();
  });
}

await check(
  "bun long-poll: a receive held 12 s is answered 204, not cut by Bun",
  async () => {
    const post = (path: string, body?: string) =>
      fetch(`${lp.url}${path}`, { method: "POST", body });
    const opened = await post(
      "/open",
      JSON.stringify({ protocols: ["wamp.2.json"] }),
    );
    const { transport } = await opened.json();
    await post(
      `/${transport}/send`,
      JSON.stringify([1, "realm1", { roles: { caller: {} } }]),
    );
    const welcome = await (await post(`/${transport}/receive`)).json();
    equal(welcome[0], 2);
    const started = Date.now();
    const idle = await post(`/${transport}/receive`);
    equal(idle.status, 204);
    const held = Date.now() - started;
    if (held < 11_500) throw new Error(`answered after ${held} ms`);
    await post(`/${transport}/close`);
  },
);

await server.shutdown();
console.log(
  `${failed === 0 ? "ok" : "FAILED"} | ${passed} passed | ${failed} failed`,
);
(globalThis as unknown as { process: { exit(code: number): never } }).process
  .exit(failed === 0 ? 0 : 1);
