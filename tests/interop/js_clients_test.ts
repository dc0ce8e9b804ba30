// Clients nobody here wrote — Autobahn|JS 22 and wampy 8 — calling each
// other through the embedded router over WebSocket, loaded inside Deno.
// Dev-only peers from tests/interop/node_modules (install_peers.sh installs
// them; node_peers_test.ts runs the same clients under Node, as their users
// do). Autobahn|JS uses random request ids, so the router runs with
// strictRequestIds: false, as documented for old clients.
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { connect } from "../../src/client/connection.ts";
import { serveRouter } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

const here = new URL("./", import.meta.url);
const require = createRequire(new URL("package.json", here));
const autobahn = require("autobahn");
const { Wampy } = await import(
  new URL("node_modules/wampy/dist/esm/wampy.js", here).href
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withRouter(
  fn: (url: string, router: Router) => Promise<void>,
): Promise<void> {
  const router = new Router({
    realms: ["realm1"],
    strictRequestIds: false,
    serializers: [
      new JsonSerializer(),
      new MsgpackSerializer(),
      new CborSerializer(),
    ],
  });
  const server = serveRouter(router, { port: 0 });
  try {
    await fn(server.url, router);
  } finally {
    await server.shutdown();
  }
}

function openAutobahn(
  url: string,
  serializer?: unknown,
): Promise<{ session: any; connection: any; closed: Promise<any> }> {
  const connection = new autobahn.Connection({
    url,
    realm: "realm1",
    max_retries: 0,
    ...(serializer ? { serializers: [serializer] } : {}),
  });
  const closed = Promise.withResolvers<any>();
  return new Promise((resolve, reject) => {
    connection.onopen = (session: any) =>
      resolve({ session, connection, closed: closed.promise });
    connection.onclose = (reason: string, details: any) => {
      closed.resolve({ reason, details });
      reject(new Error(`autobahn closed: ${reason}`));
      return true;
    };
    connection.open();
  });
}

async function openWampy(url: string, serializer?: unknown): Promise<any> {
  const wampy = new Wampy(url, {
    realm: "realm1",
    ws: WebSocket,
    autoReconnect: false,
    ...(serializer ? { serializer } : {}),
  });
  await wampy.connect();
  return wampy;
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name:
    "interop: wampy calls an Autobahn|JS callee and back (json and msgpack)",
  ...opts,
  fn: () =>
    withRouter(async (url) => {
      for (const mode of ["json", "msgpack"]) {
        const ab = await openAutobahn(
          url,
          mode === "msgpack"
            ? new autobahn.serializer.MsgpackSerializer()
            : undefined,
        );
        const wampy = await openWampy(url); // wampy speaks JSON: mixed serializers
        await ab.session.register(`com.ab.add.${mode}`, (args: number[]) =>
          args[0]! + args[1]!);
        await wampy.register(
          `com.wampy.mul.${mode}`,
          (d: any) => ({ argsList: [d.argsList[0] * d.argsList[1]] }),
        );
        const r = await wampy.call(`com.ab.add.${mode}`, [2, 3]);
        assert.deepEqual(r.argsList, [5]);
        assert.equal(
          await ab.session.call(`com.wampy.mul.${mode}`, [6, 7]),
          42,
        );
        await assert.rejects(
          wampy.call("com.nobody"),
          (e: any) =>
            e.errorUri === "wamp.error.no_such_procedure",
        );
        await wampy.disconnect();
        ab.connection.close();
      }
    }),
});

Deno.test({
  name:
    "interop: progressive results from an Autobahn|JS callee to wampy and to wampkit",
  ...opts,
  fn: () =>
    withRouter(async (url) => {
      const ab = await openAutobahn(url);
      await ab.session.register(
        "com.myapp.longop",
        (args: number[], _kw: unknown, details: any) => {
          const n = args[0]!;
          if (details.progress) {
            for (let i = 0; i < n; i++) details.progress([i]);
          }
          return new Promise((r) => setTimeout(() => r(n), 20));
        },
      );
      const wampy = await openWampy(url);
      const progress: unknown[] = [];
      const final = await wampy.call("com.myapp.longop", [3], {
        progress_callback: (d: any) => progress.push(d.argsList),
      });
      assert.deepEqual(progress, [[0], [1], [2]]);
      assert.deepEqual(final.argsList, [3]);
      const ours = await connect({ url, realm: "realm1" });
      const chunks: unknown[] = [];
      const call = ours.call("com.myapp.longop", [2], {}, {
        receive_progress: true,
      });
      for await (const c of call) chunks.push(c);
      assert.deepEqual(chunks, [0, 1]);
      assert.equal(await call, 2);
      await ours.leave();
      await wampy.disconnect();
      ab.connection.close();
    }),
});

Deno.test({
  name: "interop: pub/sub with options between wampy and Autobahn|JS",
  ...opts,
  fn: () =>
    withRouter(async (url) => {
      const ab = await openAutobahn(url);
      const wampy = await openWampy(url);
      const abEvents: unknown[] = [];
      const wampyEvents: unknown[] = [];
      await ab.session.subscribe(
        "com.news",
        (args: unknown[], kwargs: any, details: any) =>
          abEvents.push([args[0], kwargs, details.publisher ?? null]),
      );
      await ab.session.subscribe(
        "com.news",
        (args: unknown[], _kw: unknown, details: any) =>
          abEvents.push(["prefix", args[0], details.topic]),
        { match: "prefix" },
      );
      await wampy.subscribe("com..sport", (d: any) =>
        wampyEvents.push([d.argsList[0], d.details.topic]), {
        match: "wildcard",
      });
      await wampy.publish("com.news", {
        argsList: ["hello"],
        argsDict: { k: 1 },
      }, { disclose_me: true, exclude_me: false });
      await wampy.publish("com.news", ["not for ab"], {
        exclude: [ab.session.id],
      });
      await wampy.publish("com.news", ["only ab"], {
        eligible: [ab.session.id],
      });
      await ab.session.publish("com.foot.sport", ["goal"], {}, {
        acknowledge: true,
      });
      await sleep(100);
      const direct = abEvents.filter((e: any) =>
        e[0] !== "prefix"
      );
      assert.deepEqual(direct, [["hello", { k: 1 }, wampy.getSessionId()], [
        "only ab",
        {},
        null,
      ]]);
      assert.deepEqual(
        abEvents.filter((e: any) => e[0] === "prefix").map((e: any) => e[1]),
        ["hello", "only ab"],
      );
      assert.deepEqual(wampyEvents, [["goal", "com.foot.sport"]]);
      await wampy.disconnect();
      ab.connection.close();
    }),
});

Deno.test({
  name:
    "interop: pattern and shared registrations across Autobahn|JS and wampy",
  ...opts,
  fn: () =>
    withRouter(async (url) => {
      const ab = await openAutobahn(url);
      const wampy = await openWampy(url);
      await ab.session.register(
        "com.obj",
        (_a: unknown, _k: unknown, details: any) => ["ab", details.procedure],
        { match: "prefix" },
      );
      const r = await wampy.call("com.obj.get");
      assert.deepEqual(r.argsList, [["ab", "com.obj.get"]]);
      await ab.session.register("com.shared", () => "ab", {
        invoke: "roundrobin",
      });
      await wampy.register("com.shared", () => ({ argsList: ["wampy"] }), {
        invoke: "roundrobin",
      });
      const ours = await connect({ url, realm: "realm1" });
      const got: unknown[] = [];
      for (let i = 0; i < 4; i++) got.push(await ours.call("com.shared"));
      assert.deepEqual(got.sort(), ["ab", "ab", "wampy", "wampy"]);
      await ours.leave();
      await wampy.disconnect();
      ab.connection.close();
    }),
});

Deno.test({
  name:
    "interop: cancel kill never sends INTERRUPT to Autobahn|JS or wampy callees",
  ...opts,
  fn: () =>
    withRouter(async (url) => {
      const ab = await openAutobahn(url);
      const wampy = await openWampy(url);
      let abClosed = false;
      ab.closed.then(() => abClosed = true);
      await ab.session.register("com.ab.slow", () =>
        new Promise((r) => setTimeout(() => r("late"), 300)));
      await wampy.register("com.wampy.slow", () =>
        new Promise((r) =>
          setTimeout(() =>
            r({ argsList: ["late"] }), 300)
        ));
      // wampy caller cancels an Autobahn callee
      const call = wampy.call("com.ab.slow");
      const reqId = wampy.getOpStatus().reqId;
      await sleep(30);
      wampy.cancel(reqId, { mode: "kill" });
      await assert.rejects(call, (e: any) =>
        e.errorUri === "wamp.error.canceled");
      // wampkit caller cancels a wampy callee
      const ours = await connect({ url, realm: "realm1" });
      const c2 = ours.call("com.wampy.slow");
      await sleep(30);
      c2.cancel("kill");
      await assert.rejects(c2, (e: unknown) =>
        (e as { uri: string }).uri === "wamp.error.canceled");
      await sleep(400); // the callees finish; their late YIELDs are dropped
      assert.ok(!abClosed, "Autobahn|JS stays connected");
      assert.equal(
        await ab.session.call("com.wampy.slow").catch((e: unknown) =>
          String(e)
        ),
        "late",
      );
      const r = await wampy.call("com.ab.slow");
      assert.deepEqual(r.argsList, ["late"]);
      await ours.leave();
      await wampy.disconnect();
      ab.connection.close();
    }),
});
