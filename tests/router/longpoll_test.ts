// The router's long-poll handler, driven with web-standard Request objects
// (no server): the open/send/receive/close exchange, its limits and its
// answers to bad input, on virtual time where timeouts matter.
import assert from "node:assert/strict";
import {
  type LongPollHandler,
  longPollHandler,
  type LongPollOptions,
} from "../../src/router/longpoll.ts";
import {
  Router,
  type RouterEvent,
  type RouterOptions,
} from "../../src/router/router.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { session } from "../_helpers/router.ts";
import { drain, VirtualClock } from "../_helpers/virtual_clock.ts";

const ORIGIN = "http://router.test";
const ALL_ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} };

function post(
  handler: LongPollHandler,
  path: string,
  body?: BodyInit | null,
  headers?: HeadersInit,
  signal?: AbortSignal,
): Promise<Response> {
  const answer = handler(
    new Request(`${ORIGIN}${path}`, { method: "POST", body, headers, signal }),
  );
  assert.ok(answer, `${path} is not served`);
  return answer;
}

function setup(
  options: RouterOptions = {},
  lp: LongPollOptions = {},
) {
  const clock = new VirtualClock();
  const events: RouterEvent[] = [];
  const router = new Router({
    realms: ["realm1"],
    clock,
    onEvent: (e) => events.push(e),
    ...options,
  });
  const handler = longPollHandler(router, { path: "/lp", ...lp });
  return { clock, router, handler, events };
}

async function open(
  handler: LongPollHandler,
  protocols: string[] = ["wamp.2.json"],
): Promise<string> {
  const response = await post(
    handler,
    "/lp/open",
    JSON.stringify({ protocols }),
  );
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).transport;
}

/** A raw JSON client over the handler. */
function client(handler: LongPollHandler, id: string) {
  return {
    send: (message: unknown[]) =>
      post(handler, `/lp/${id}/send`, JSON.stringify(message)),
    receive: (signal?: AbortSignal) =>
      post(handler, `/lp/${id}/receive`, null, undefined, signal),
    async next(): Promise<unknown[]> {
      const response = await post(handler, `/lp/${id}/receive`);
      assert.equal(response.status, 200, await response.clone().text());
      return JSON.parse(await response.text());
    },
    close: () => post(handler, `/lp/${id}/close`),
  };
}

async function joined(handler: LongPollHandler) {
  const id = await open(handler);
  const c = client(handler, id);
  assert.equal((await c.send([1, "realm1", { roles: ALL_ROLES }])).status, 204);
  const welcome = await c.next();
  assert.equal(welcome[0], 2);
  return { id, c, session: welcome[1] as number };
}

/** Closes the router and the handler, on the virtual clock. */
async function finish(
  { router, handler, clock }: {
    router: Router;
    handler: LongPollHandler;
    clock: VirtualClock;
  },
) {
  const closing = router.close("done", 0).then(() => handler.close(0));
  await clock.runAll();
  await closing;
  assert.equal(handler.transports, 0);
  assert.deepEqual(clock.pending(), [], "no timer left");
}

Deno.test("longPollHandler: open answers 128 random bits and the first of the client's protocols the router serves", async () => {
  const t = setup({
    serializers: [new JsonSerializer(), new CborSerializer()],
  });
  const { router, handler } = t;
  const response = await post(
    handler,
    "/lp/open",
    JSON.stringify({
      protocols: ["wamp.2.msgpack", "wamp.2.cbor", "wamp.2.json"],
    }),
  );
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^application\/json/);
  assert.match(response.headers.get("cache-control")!, /no-store/);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  const body = await response.json();
  assert.equal(body.protocol, "wamp.2.cbor");
  assert.match(body.transport, /^[A-Za-z0-9_-]{22}$/);
  const ids = new Set([body.transport]);
  for (let i = 0; i < 50; i++) ids.add(await open(handler));
  assert.equal(ids.size, 51);
  assert.equal(handler.transports, 51);
  assert.equal(router.sessionCount, 51);
  await finish(t);
});

Deno.test("longPollHandler: bad opens get 400 or 413, and the router carries on", async () => {
  const t = setup();
  const { router, handler } = t;
  const before = await joined(handler);
  for (
    const [body, status, text] of [
      ["{not json", 400, /Expected a JSON body/],
      ["[1,2]", 400, /Expected a JSON body/],
      ['{"protocols": "wamp.2.json"}', 400, /Expected a JSON body/],
      ['{"protocols": [1]}', 400, /Expected a JSON body/],
      ["null", 400, /Expected a JSON body/],
      [
        '{"protocols": ["wamp.2.msgpack"]}',
        400,
        /No agreed WAMP subprotocol: offered wamp\.2\.msgpack, the router serves wamp\.2\.json/,
      ],
      [
        JSON.stringify({ protocols: ["x".repeat(70_000)] }),
        413,
        /at most 65536 bytes/,
      ],
    ] as const
  ) {
    const response = await post(handler, "/lp/open", body);
    assert.equal(response.status, status, body.slice(0, 40));
    assert.match(await response.text(), text);
  }
  assert.equal(handler.transports, 1);
  assert.equal(router.sessionCount, 1);
  assert.equal(
    (await before.c.send([32, 1, {}, "com.t"])).status,
    204,
  );
  assert.equal((await before.c.next())[0], 33);
  await finish(t);
});

Deno.test("longPollHandler: origins and CORS as for WebSocket upgrades, preflights answered", async () => {
  const t = setup({
    allowedOrigins: ["https://app.example.com"],
  });
  const { handler } = t;
  const refused = await post(
    handler,
    "/lp/open",
    JSON.stringify({ protocols: ["wamp.2.json"] }),
    { origin: "https://evil.example.net" },
  );
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get("access-control-allow-origin"), null);
  await refused.body?.cancel();
  const allowed = await post(
    handler,
    "/lp/open",
    JSON.stringify({ protocols: ["wamp.2.json"] }),
    { origin: "https://app.example.com" },
  );
  assert.equal(allowed.status, 200);
  assert.equal(
    allowed.headers.get("access-control-allow-origin"),
    "https://app.example.com",
  );
  assert.equal(allowed.headers.get("access-control-allow-credentials"), "true");
  assert.equal(allowed.headers.get("vary"), "Origin");
  const { transport } = await allowed.json();
  // Every request is checked, not only open.
  const send = await post(handler, `/lp/${transport}/send`, "[1]", {
    origin: "https://evil.example.net",
  });
  assert.equal(send.status, 403);
  await send.body?.cancel();
  const preflight = await handler(
    new Request(`${ORIGIN}/lp/open`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    }),
  )!;
  assert.equal(preflight.status, 204);
  assert.equal(
    preflight.headers.get("access-control-allow-origin"),
    "https://app.example.com",
  );
  assert.match(preflight.headers.get("access-control-allow-methods")!, /POST/);
  assert.equal(
    preflight.headers.get("access-control-allow-headers"),
    "content-type",
  );
  const badPreflight = await handler(
    new Request(`${ORIGIN}/lp/open`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.net" },
    }),
  )!;
  assert.equal(badPreflight.status, 403);
  await badPreflight.body?.cancel();
  // Without Origin (not a browser), accepted.
  await open(handler);
  await finish(t);
});

Deno.test("longPollHandler: opens past maxPendingHandshakes get 503", async () => {
  const t = setup({ maxPendingHandshakes: 2 });
  const { handler } = t;
  await open(handler);
  await open(handler);
  const full = await post(
    handler,
    "/lp/open",
    JSON.stringify({ protocols: ["wamp.2.json"] }),
  );
  assert.equal(full.status, 503);
  assert.equal(full.headers.get("retry-after"), "1");
  await full.body?.cancel();
  await finish(t);
});

Deno.test("longPollHandler: a session over JSON, MessagePack and CBOR, with each media type", async () => {
  const t = setup({
    serializers: [
      new JsonSerializer(),
      new MsgpackSerializer(),
      new CborSerializer(),
    ],
  });
  const { handler } = t;
  for (
    const [serializer, type] of [
      [new JsonSerializer(), "application/json; charset=utf-8"],
      [new MsgpackSerializer(), "application/x-msgpack"],
      [new CborSerializer(), "application/cbor"],
    ] as const
  ) {
    const id = await open(handler, [serializer.protocol]);
    const hello = serializer.serialize([1, "realm1", { roles: ALL_ROLES }]);
    const sent = await post(handler, `/lp/${id}/send`, hello as BodyInit);
    assert.equal(sent.status, 204);
    const received = await post(handler, `/lp/${id}/receive`);
    assert.equal(received.status, 200);
    assert.equal(received.headers.get("content-type"), type);
    const body = new Uint8Array(await received.arrayBuffer());
    const welcome = serializer.deserialize(body) as unknown[];
    assert.equal(welcome[0], 2);
    assert.equal((await post(handler, `/lp/${id}/close`)).status, 204);
  }
  await finish(t);
});

Deno.test("longPollHandler: send to an unknown or closed transport is 404; bad bodies are 400", async () => {
  const t = setup();
  const { handler, events } = t;
  const unknown = await post(handler, "/lp/AAAAAAAAAAAAAAAAAAAAAA/send", "[1]");
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
  const { id, c } = await joined(handler);
  const empty = await post(handler, `/lp/${id}/send`, "");
  assert.equal(empty.status, 400);
  await empty.body?.cancel();
  const latin1 = await post(
    handler,
    `/lp/${id}/send`,
    new Uint8Array([0x5b, 0xff, 0x5d]),
  );
  assert.equal(latin1.status, 400);
  assert.match(await latin1.text(), /UTF-8/);
  const wrongAction = await post(handler, `/lp/${id}/nope`);
  assert.equal(wrongAction.status, 404);
  await wrongAction.body?.cancel();
  assert.equal((await c.close()).status, 204);
  await drain();
  assert.deepEqual(events.map((e) => e.type), ["join", "leave"]);
  const late = await c.send([6, {}, "wamp.close.normal"]);
  assert.equal(late.status, 404);
  await late.body?.cancel();
  const lateReceive = await c.receive();
  assert.equal(lateReceive.status, 404);
  await lateReceive.body?.cancel();
  const lateClose = await c.close();
  assert.equal(lateClose.status, 404);
  await lateClose.body?.cancel();
  assert.equal(handler.transports, 0);
  await finish(t);
});

Deno.test("longPollHandler: a body past maxMessageSize is 413, refused before it is read", async () => {
  const t = setup({
    serializers: [new JsonSerializer({ maxMessageSize: 1000 })],
  });
  const { handler } = t;
  const { id, c } = await joined(handler);
  // Declared too large: not one chunk is pulled.
  let pulled = 0;
  const body = () =>
    new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(400).fill(0x20));
        if (pulled > 100) controller.close();
      },
    });
  const declared = await post(handler, `/lp/${id}/send`, body(), {
    "content-length": "5000",
  });
  assert.equal(declared.status, 413);
  assert.match(await declared.text(), /at most 1000 bytes/);
  assert.ok(pulled <= 1, `pulled ${pulled}`);
  // Not declared: reading stops once past the bound.
  pulled = 0;
  const streamed = await post(handler, `/lp/${id}/send`, body());
  assert.equal(streamed.status, 413);
  await streamed.body?.cancel();
  assert.ok(pulled <= 5, `pulled ${pulled}`);
  // The session is still there.
  assert.equal((await c.send([32, 1, {}, "com.t"])).status, 204);
  assert.equal((await c.next())[0], 33);
  await finish(t);
});

Deno.test("longPollHandler: an idle receive is answered 204 after pollTimeout (virtual time)", async () => {
  const t = setup({}, { pollTimeout: 10_000 });
  const { clock, handler } = t;
  const { c } = await joined(handler);
  let answered: Response | undefined;
  const held = c.receive().then((r) => answered = r);
  await clock.advance(9_999);
  assert.equal(answered, undefined);
  await clock.advance(1);
  await held;
  assert.equal(answered!.status, 204);
  assert.match(answered!.headers.get("cache-control")!, /no-store/);
  // A message arriving while a receive is held answers it at once.
  const next = c.next();
  await drain();
  assert.equal((await c.send([32, 1, {}, "com.t"])).status, 204);
  assert.equal((await next)[0], 33);
  await finish(t);
});

Deno.test("longPollHandler: a transport without a request for idleTimeout is closed and its session leaves (virtual time)", async () => {
  const t = setup({}, {
    idleTimeout: 30_000,
    pollTimeout: 10_000,
  });
  const { clock, router, handler, events } = t;
  const { c, session: id } = await joined(handler);
  const other = await joined(handler);
  // Held receives keep a transport alive ...
  for (let i = 0; i < 5; i++) {
    const held = other.c.receive();
    await clock.advance(10_000);
    assert.equal((await held).status, 204);
  }
  // ... and the one that made no request since is gone.
  assert.deepEqual(
    events.filter((e) => e.type === "leave").map((e) => e.session),
    [id],
  );
  const late = await c.send([32, 1, {}, "com.t"]);
  assert.equal(late.status, 404);
  await late.body?.cancel();
  assert.equal(handler.transports, 1);
  assert.equal(router.sessionCount, 1);
  await finish(t);
});

Deno.test("longPollHandler: a receive held when the transport closes is answered", async () => {
  // by the client's close
  const t = setup();
  const { router, handler } = t;
  const { c } = await joined(handler);
  const held = c.receive();
  await drain();
  assert.equal((await c.close()).status, 204);
  const answered = await held;
  assert.equal(answered.status, 404);
  assert.match(await answered.text(), /Closed by the client/);
  // by the router: the GOODBYE first, then 404
  const second = await joined(handler);
  const waiting = second.c.receive();
  await drain();
  const closing = router.close("Maintenance", 0);
  const goodbye = await waiting;
  assert.equal(goodbye.status, 200);
  assert.deepEqual(JSON.parse(await goodbye.text()), [
    6,
    { message: "Maintenance" },
    "wamp.close.system_shutdown",
  ]);
  const after = await second.c.receive();
  assert.equal(after.status, 404);
  await after.body?.cancel();
  await closing;
  assert.equal(handler.transports, 0);
  await handler.close(0);
});

Deno.test("longPollHandler: close() answers held receives and refuses new opens", async () => {
  const t = setup();
  const { router, handler } = t;
  const { c } = await joined(handler);
  const held = c.receive();
  await drain();
  await handler.close(0);
  assert.equal((await held).status, 404);
  await (await held).body?.cancel();
  const refused = await post(
    handler,
    "/lp/open",
    JSON.stringify({ protocols: ["wamp.2.json"] }),
  );
  assert.equal(refused.status, 503);
  await refused.body?.cancel();
  assert.equal(router.sessionCount, 0);
  await router.close("done", 0);
});

Deno.test("longPollHandler: close() lets clients receive the router's GOODBYE first", async () => {
  const t = setup();
  const { router, handler } = t;
  const { c } = await joined(handler);
  await router.close("Bye", 0);
  assert.equal(handler.transports, 1, "the GOODBYE waits for its receive");
  const closing = handler.close(5000);
  const goodbye = await c.next();
  assert.equal(goodbye[0], 6);
  await closing;
  assert.equal(handler.transports, 0);
});

Deno.test("longPollHandler: a newer receive replaces a held one; a receive whose client went away loses nothing", async () => {
  const t = setup();
  const { handler } = t;
  const { c } = await joined(handler);
  const first = c.receive();
  await drain();
  const second = c.receive();
  assert.equal((await first).status, 204, "the older one is let go");
  assert.equal((await c.send([32, 1, {}, "com.a"])).status, 204);
  const subscribed = await second;
  assert.equal(JSON.parse(await subscribed.text())[0], 33);
  // The client aborts its receive: the next message waits for the next one.
  const controller = new AbortController();
  const abandoned = c.receive(controller.signal).catch(() => undefined);
  await drain();
  controller.abort();
  await abandoned;
  assert.equal((await c.send([32, 2, {}, "com.b"])).status, 204);
  const next = await c.next();
  assert.deepEqual(next.slice(0, 2), [33, 2]);
  await finish(t);
});

Deno.test("longPollHandler: queued bytes are the session's bufferedAmount; a slow consumer is closed, the others carry on", async () => {
  const t = setup({ maxOutboundBytes: 20_000 });
  const { router, handler, events } = t;
  const slow = await joined(handler);
  assert.equal((await slow.c.send([32, 1, {}, "com.news"])).status, 204);
  assert.equal((await slow.c.next())[0], 33);
  const fast = await session(router);
  const got: unknown[] = [];
  await fast.subscribe("com.news", (a) => got.push(a[0]));
  const publisher = await session(router);
  const text = "x".repeat(1000);
  for (let i = 0; i < 100; i++) {
    await publisher.publish("com.news", [i, text], {}, { acknowledge: true });
  }
  await drain();
  assert.equal(got.length, 100);
  const abort = events.find((e) => e.type === "abort");
  assert.equal(abort?.session, slow.session);
  assert.match(
    abort!.detail!,
    /slow consumer: \d+ bytes waiting to be sent, over the limit of 20000/,
  );
  // Nothing more goes to it: its queue is dropped with the transport.
  const after = await slow.c.receive();
  assert.equal(after.status, 404);
  await after.body?.cancel();
  assert.equal(handler.transports, 0);
  assert.ok(fast.isOpen && publisher.isOpen);
  await fast.leave();
  await publisher.leave();
  await finish(t);
});

Deno.test("longPollHandler: other paths are left to the caller; methods other than POST get 405", async () => {
  const t = setup();
  const { handler } = t;
  assert.equal(handler(new Request(`${ORIGIN}/ws`)), undefined);
  assert.equal(handler(new Request(`${ORIGIN}/lpx/open`)), undefined);
  assert.equal(handler.path, "/lp");
  const get = await handler(new Request(`${ORIGIN}/lp/open`))!;
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST, OPTIONS");
  await get.body?.cancel();
  const root = await post(handler, "/lp");
  assert.equal(root.status, 404);
  await root.body?.cancel();
  await finish(t);
});

Deno.test("longPollHandler: watchDisconnects false never reads request.signal (Deno.serve warns when it is read)", async () => {
  const t = setup({}, { watchDisconnects: false });
  const { handler } = t;
  const { id } = await joined(handler);
  let reads = 0;
  class Watched extends Request {
    override get signal(): AbortSignal {
      reads++;
      return super.signal;
    }
  }
  const held = handler(
    new Watched(`${ORIGIN}/lp/${id}/receive`, { method: "POST" }),
  )!;
  await drain();
  await t.clock.advance(10_000);
  assert.equal((await held).status, 204);
  assert.equal(reads, 0);
  await finish(t);
});

Deno.test("longPollHandler: without allowedOrigins, a page's Origin gets no credentialed CORS", async () => {
  const t = setup();
  const { handler } = t;
  const response = await post(
    handler,
    "/lp/open",
    JSON.stringify({ protocols: ["wamp.2.json"] }),
    { origin: "https://any.example.net" },
  );
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.equal(response.headers.get("access-control-allow-credentials"), null);
  await response.body?.cancel();
  await finish(t);
});

Deno.test("longPollHandler: a receive that replaced a held one is not cut by the idle timeout", async () => {
  const t = setup({}, { pollTimeout: 1000, idleTimeout: 300 });
  const { handler, clock } = t;
  const { c } = await joined(handler);
  const first = c.receive();
  await drain();
  const second = c.receive();
  assert.equal((await first).status, 204);
  await clock.advance(999);
  let settled = false;
  second.then(() => settled = true);
  await drain();
  assert.equal(settled, false, "held past idleTimeout while a receive waits");
  await clock.advance(1);
  assert.equal((await second).status, 204);
  await finish(t);
});
