// The Workers adapter under workerd, through Miniflare: the Worker in
// tests/runtime/worker_entry.ts serves router objects with the WebSocket
// Hibernation API, one per realm under /ws/<realm> and a default one (with
// long-poll on /lp). Real client sessions use the default route, keep their
// subscriptions and registrations across forced evictions, reach two realms
// in two objects, and a client inside the Worker calls out to a router
// object.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import type { WampError } from "../../src/protocol/wamp_error.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { startWorkerd, type Workerd } from "./workers_miniflare.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SERIALIZERS = [
  () => new JsonSerializer(),
  () => new MsgpackSerializer(),
  () => new CborSerializer(),
];

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  return await response.text();
}

// The instance of a router object now answering (a new one after eviction).
const instance = (w: Workerd, object: string) =>
  text(`${w.base}test/instance?object=${object}`);

async function stored(w: Workerd, object: string): Promise<string[]> {
  const response = await fetch(`${w.base}test/storage?object=${object}`);
  return (await response.json() as string[]).sort();
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
  assert.ok(check(), what);
}

Deno.test({
  name: "workers adapter under workerd (Miniflare)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await startWorkerd(new URL("worker_entry.ts", import.meta.url));
    const step = (name: string, fn: () => Promise<void>) =>
      t.step({ name, fn, sanitizeOps: false, sanitizeResources: false });
    try {
      await step(
        "default route: call and event, every serializer, WebSocket and long-poll",
        async () => {
          const url = w.ws("ws");
          const longpoll = { type: "longpoll" as const, url: `${w.base}lp` };
          for (const make of SERIALIZERS) {
            const callee = await connect({
              url,
              realm: "realm1",
              serializers: [make()],
            });
            const caller = await connect({
              realm: "realm1",
              transports: [longpoll],
              serializers: [make()],
            });
            assert.equal(callee.transport.info.type, "websocket");
            assert.equal(caller.transport.info.type, "longpoll");
            assert.equal(caller.transport.info.protocol, make().protocol);
            const proc = `com.add2.${make().protocol}`;
            await callee.register(proc, ([a, b]) => Number(a) + Number(b));
            assert.equal(await caller.call(proc, [2, 3]), 5);
            const event = Promise.withResolvers<unknown>();
            await callee.subscribe(
              "com.news",
              (args) => event.resolve(args[0]),
            );
            await caller.publish("com.news", ["hello from workerd"], {}, {
              acknowledge: true,
            });
            assert.equal(await event.promise, "hello from workerd");
            await callee.leave();
            await caller.leave();
          }
        },
      );

      await step(
        "a session keeps its subscriptions and registrations across evictions",
        async () => {
          const url = w.ws("ws/realm1");
          const object = "realm:realm1";
          const callee = await connect({ url, realm: "realm1" });
          const caller = await connect({
            url,
            realm: "realm1",
            serializers: [new CborSerializer()],
          });
          const events: unknown[] = [];
          const news = await callee.subscribe(
            "com.evict.news",
            (args) => events.push(args[0]),
          );
          await callee.subscribe(
            "com.evict.p",
            (_args, _kw, d) => events.push(d.topic),
            { match: "prefix" },
          );
          const add2 = await callee.register(
            "com.evict.add2",
            ([a, b]) => Number(a) + Number(b),
          );
          await callee.register("com.evict.rr", () => "callee", {
            invoke: "roundrobin",
          });
          await caller.register("com.evict.rr", () => "caller", {
            invoke: "roundrobin",
          });
          // A call in flight when the object goes is lost; the callee's late
          // answer is dropped, and the callee carries on.
          const invoked = Promise.withResolvers<void>();
          const answer = Promise.withResolvers<string>();
          await callee.register("com.evict.slow", () => {
            invoked.resolve();
            return answer.promise;
          });
          const lost = caller.call("com.evict.slow");
          lost.catch(() => {});
          await invoked.promise;
          const described = await caller.call("wamp.session.get", [callee.id]);
          const before = await instance(w, object);

          await w.evict(object);
          assert.notEqual(await instance(w, object), before, "evicted");
          answer.resolve("late");
          await caller.publish("com.evict.news", ["after"], {}, {
            acknowledge: true,
          });
          await caller.publish("com.evict.p.x", [1], {}, { acknowledge: true });
          await until(() => events.length === 2, "events after eviction");
          assert.deepEqual(events, ["after", "com.evict.p.x"]);
          assert.equal(await caller.call("com.evict.add2", [2, 3]), 5);
          assert.deepEqual(
            [
              await caller.call("com.evict.rr"),
              await caller.call("com.evict.rr"),
              await caller.call("com.evict.rr"),
            ],
            ["callee", "caller", "callee"],
          );
          assert.ok(callee.isOpen && caller.isOpen);
          assert.deepEqual(
            await caller.call("wamp.session.get", [callee.id]),
            described,
          );
          assert.equal(
            await caller.call("wamp.subscription.lookup", ["com.evict.news"]),
            news.id,
          );
          assert.equal(
            await caller.call("wamp.registration.lookup", ["com.evict.add2"]),
            add2.id,
          );
          // A newcomer meets the restored sessions; one session leaves while
          // the object hibernates, another drops its connection.
          const newcomer = await connect({
            url,
            realm: "realm1",
            serializers: [new MsgpackSerializer()],
          });
          assert.equal(await newcomer.call("com.evict.add2", [20, 22]), 42);
          const dropped = await connect({ url, realm: "realm1" });
          await dropped.subscribe("com.evict.news", () => {});
          await w.evict(object);
          await newcomer.leave();
          dropped.transport.close(1000, "gone");
          await w.evict(object);
          assert.equal(await caller.call("wamp.session.count"), 2);
          assert.equal(await caller.call("com.evict.add2", [1, 2]), 3);
          // The restored subscription and registration end by their ids.
          await news.unsubscribe();
          await add2.unregister();
          await assert.rejects(
            caller.call("com.evict.add2", [1, 1]),
            (e: unknown) =>
              (e as WampError).uri === "wamp.error.no_such_procedure",
          );
          await caller.leave();
          await assert.rejects(lost);
          await callee.leave();
          await until(() => !callee.isOpen, "left");
          await sleep(50);
          // Nothing of the sessions is left in storage.
          assert.deepEqual(await stored(w, object), ["realm", "wakes"]);
        },
      );

      await step(
        "a session whose record is too large for an attachment is restored from storage",
        async () => {
          // The default object serves any realm; a long realm URI makes the
          // session's record too large for its socket's attachment.
          const realm = `com.${"long".repeat(300)}`;
          const url = w.ws("ws");
          const subscriber = await connect({ url, realm });
          const publisher = await connect({ url, realm });
          const got = Promise.withResolvers<unknown>();
          await subscriber.subscribe("com.big.news", (a) => got.resolve(a[0]));
          const keys = await stored(w, "default");
          assert.ok(keys.includes(`ses:${subscriber.id}`), keys.join());
          const before = await instance(w, "default");
          await w.evict("default");
          assert.notEqual(await instance(w, "default"), before, "evicted");
          await publisher.publish("com.big.news", ["kept"], {}, {
            acknowledge: true,
          });
          assert.equal(await got.promise, "kept");
          await subscriber.leave();
          await publisher.leave();
          await sleep(50);
          assert.deepEqual(
            (await stored(w, "default")).filter((k) => k !== "wakes"),
            ["realm"],
          );
        },
      );

      await step(
        "a session cannot make the object persist more than 1000 subscriptions and registrations, nor URIs over 1024 characters",
        async () => {
          const realm = "com.bound";
          const url = w.ws("ws");
          const s = await connect({ url, realm });
          const id = s.id!;
          const pending: Promise<unknown>[] = [];
          for (let i = 0; i < 1003; i++) {
            pending.push(s.subscribe(`com.bound.t${i}`, () => {}));
          }
          pending.push(s.register(`com.bound.${"x".repeat(1100)}`, () => 1));
          await Promise.all(pending);
          await sleep(100);
          const keys = (await stored(w, "default")).filter((k) =>
            k.startsWith(`sub:${id}:`) || k.startsWith(`reg:${id}:`)
          );
          assert.equal(keys.length, 1000);
          // Those past the bound are served all the same.
          assert.ok(
            await s.call("wamp.subscription.lookup", ["com.bound.t1002"]),
          );
          await s.leave();
          await sleep(50);
          assert.deepEqual(
            (await stored(w, "default")).filter((k) => k.includes(`:${id}`)),
            [],
          );
        },
      );

      await step(
        "a client inside a Worker calls a procedure registered outside",
        async () => {
          const callee = await connect({
            url: w.ws("ws/realm1"),
            realm: "realm1",
          });
          await callee.register(
            "com.worker.add2",
            ([a, b]) => Number(a) + Number(b),
          );
          for (const format of ["json", "msgpack", "cbor"]) {
            const response = await fetch(
              `${w.base}call?realm=realm1&procedure=com.worker.add2&args=[2,3]&format=${format}`,
            );
            assert.deepEqual(await response.json(), {
              result: 5,
              protocol: `wamp.2.${format}`,
            });
          }
          await callee.leave();
        },
      );

      await step("two realms in two objects are isolated", async () => {
        const open = (realm: string) =>
          connect({ url: w.ws(`ws/${realm}`), realm });
        const one = await open("realm1");
        const two = await open("realm2");
        await one.register("com.iso.which", () => "realm1");
        await two.register("com.iso.which", () => "realm2");
        const heard: unknown[] = [];
        await two.subscribe("com.iso.news", (args) => heard.push(args[0]));
        const c1 = await open("realm1");
        const c2 = await open("realm2");
        assert.equal(await c1.call("com.iso.which"), "realm1");
        assert.equal(await c2.call("com.iso.which"), "realm2");
        await c1.publish("com.iso.news", ["from realm1"], {}, {
          acknowledge: true,
        });
        await c2.publish("com.iso.news", ["from realm2"], {}, {
          acknowledge: true,
        });
        await until(() => heard.length > 0, "event in realm2");
        await sleep(50);
        assert.deepEqual(heard, ["from realm2"]);
        assert.equal(await c1.call("wamp.session.count"), 2);
        assert.equal(await c2.call("wamp.session.count"), 2);
        const before = await instance(w, "realm:realm2");
        assert.notEqual(await instance(w, "realm:realm1"), before);
        // Evicting one realm's object leaves the other alone.
        await w.evict("realm:realm1");
        assert.equal(await instance(w, "realm:realm2"), before);
        assert.equal(await c1.call("com.iso.which"), "realm1");
        // A realm's object serves that realm only.
        await assert.rejects(
          connect({ url: w.ws("ws/realm1"), realm: "realm2" }),
          /no_such_realm/,
        );
        const bad = await fetch(`${w.base}ws/not%20a%20realm`);
        assert.equal(bad.status, 400);
        await bad.body?.cancel();
        for (const s of [one, two, c1, c2]) await s.leave();
      });
    } finally {
      await w.stop();
    }
  },
});
