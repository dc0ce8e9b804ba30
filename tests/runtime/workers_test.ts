// The Workers adapter under workerd, through Miniflare: the Worker in
// tests/runtime/worker_entry.ts is bundled with `deno bundle`, served by
// miniflare_server.mjs (Node), and a real client session makes a call and
// receives an event over WebSocket, and over HTTP long-poll, with each
// serializer.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

const here = new URL("./", import.meta.url);

Deno.test({
  name:
    "workers adapter under workerd (Miniflare): call and event, every serializer, WebSocket and long-poll",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "wampkit-worker-" });
    const bundle = `${dir}/worker.js`;
    const built = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "-q",
        "-o",
        bundle,
        new URL("worker_entry.ts", here).pathname,
      ],
    }).output();
    assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
    const child = new Deno.Command("node", {
      args: [new URL("miniflare_server.mjs", here).pathname, bundle],
      cwd: new URL(".", here).pathname,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let out = "";
    while (!/READY \S+/.test(out)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`miniflare did not start: ${out}`);
      out += value;
    }
    const base = /READY (\S+)/.exec(out)![1]!;
    const url = base.replace(/^http/, "ws") + "ws";
    const longpoll = { type: "longpoll" as const, url: `${base}lp` };
    try {
      for (
        const make of [
          () => new JsonSerializer(),
          () => new MsgpackSerializer(),
          () => new CborSerializer(),
        ]
      ) {
        const open = () =>
          connect({ url, realm: "realm1", serializers: [make()] });
        const callee = await open();
        const caller = await connect({
          realm: "realm1",
          transports: [longpoll],
          serializers: [make()],
        });
        assert.equal(callee.transport.info.type, "websocket");
        assert.equal(caller.transport.info.type, "longpoll");
        assert.equal(caller.transport.info.protocol, make().protocol);
        const proc = `com.add2.${make().protocol}`;
        await callee.register(proc, ([a, b]) => (a as number) + (b as number));
        assert.equal(await caller.call(proc, [2, 3]), 5);
        const event = Promise.withResolvers<unknown>();
        await callee.subscribe("com.news", (args) => event.resolve(args[0]));
        await caller.publish("com.news", ["hello from workerd"], {}, {
          acknowledge: true,
        });
        assert.equal(await event.promise, "hello from workerd");
        await callee.leave();
        await caller.leave();
      }
    } finally {
      await child.stdin.close();
      await child.status;
      await reader.cancel();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
