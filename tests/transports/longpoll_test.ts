// The long-poll client transport against a scripted fetch: each request is
// answered (or left hanging, or failed) by the test, so the wire exchange,
// the order of sends, the receive loop's retries and the close are checked
// without a server.
import assert from "node:assert/strict";
import { connectLongPoll } from "../../src/transports/longpoll.ts";
import type {
  CloseInfo,
  Frame,
  Transport,
} from "../../src/transports/transport.ts";
import { TransportError } from "../../src/transports/transport_error.ts";

const BASE = "http://router.test/lp";

/** One request the transport made, for the test to answer. */
interface Call {
  readonly url: string;
  /** The last path segment: open, send, receive or close. */
  readonly action: string;
  readonly init: RequestInit;
  readonly signal: AbortSignal;
  /** Whether it was answered, failed or aborted. */
  settled: boolean;
  respond(response: Response): void;
  fail(err: unknown): void;
}

/** A fetch whose every request waits for the test. */
class ScriptedFetch {
  readonly calls: Call[] = [];
  #taken = 0;
  #waiters: (() => void)[] = [];

  readonly fetch = (url: string, init: RequestInit): Promise<Response> => {
    const { promise, resolve, reject } = Promise.withResolvers<Response>();
    assert.ok(init.signal, `${url} has no AbortSignal`);
    const signal = init.signal!;
    const call: Call = {
      url,
      action: url.slice(url.lastIndexOf("/") + 1),
      init,
      signal,
      settled: false,
      respond(response) {
        if (call.settled) return;
        call.settled = true;
        resolve(response);
      },
      fail(err) {
        if (call.settled) return;
        call.settled = true;
        reject(err);
      },
    };
    if (signal.aborted) call.fail(signal.reason);
    signal.addEventListener("abort", () => call.fail(signal.reason));
    this.calls.push(call);
    for (const wake of this.#waiters.splice(0)) wake();
    return promise;
  };

  /** The next request not yet taken, waiting for it if need be. */
  async next(): Promise<Call> {
    while (this.#taken >= this.calls.length) {
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    return this.calls[this.#taken++]!;
  }

  /** The next request, which must be for `action`. */
  async expect(action: string): Promise<Call> {
    const call = await this.next();
    assert.equal(call.action, action, `expected ${action}, got ${call.url}`);
    return call;
  }

  /** Answers `open` with a transport id and protocol. */
  async open(protocol = "wamp.2.json", transport = "t1"): Promise<Call> {
    const call = await this.expect("open");
    call.respond(Response.json({ transport, protocol }));
    return call;
  }
}

function listen(transport: Transport) {
  const frames: Frame[] = [];
  const closed = Promise.withResolvers<CloseInfo>();
  let closes = 0;
  transport.listen({
    message: (frame) => frames.push(frame),
    close: (info) => {
      closes++;
      closed.resolve(info);
    },
  });
  return { frames, closed: closed.promise, closes: () => closes };
}

const noContent = () => new Response(null, { status: 204 });
const tick = () => new Promise((r) => setTimeout(r, 0));

async function opened(
  script: ScriptedFetch,
  protocol = "wamp.2.json",
  options: { receiveRetries?: number; receiveTimeout?: number } = {},
) {
  const pending = connectLongPoll(BASE, {
    protocols: [protocol],
    fetch: script.fetch,
    ...options,
  });
  await script.open(protocol);
  const transport = await pending;
  return { transport, ...listen(transport) };
}

/** Closes the transport, answering what it sends on the way. */
async function closeAll(script: ScriptedFetch, transport: Transport) {
  transport.close();
  for (;;) {
    const call = await script.next();
    if (call.action === "send") call.respond(noContent());
    if (call.action === "close") {
      call.respond(noContent());
      break;
    }
  }
}

Deno.test("connectLongPoll() posts the offered protocols to <url>/open and reports the agreed one", async () => {
  const script = new ScriptedFetch();
  const pending = connectLongPoll(`${BASE}/`, {
    protocols: ["wamp.2.cbor", "wamp.2.json"],
    fetch: script.fetch,
  });
  const open = await script.open("wamp.2.json", "Abc_-123");
  assert.equal(open.url, `${BASE}/open`);
  assert.equal(open.init.method, "POST");
  assert.deepEqual(JSON.parse(open.init.body as string), {
    protocols: ["wamp.2.cbor", "wamp.2.json"],
  });
  assert.match(
    new Headers(open.init.headers).get("content-type")!,
    /^application\/json/,
  );
  const transport = await pending;
  assert.deepEqual(transport.info, {
    type: "longpoll",
    url: BASE,
    protocol: "wamp.2.json",
  });
  assert.ok(transport.isOpen);
  const receive = await script.expect("receive");
  assert.equal(receive.url, `${BASE}/Abc_-123/receive`);
  assert.equal(receive.init.method, "POST");
  assert.equal(receive.init.body, undefined);
  await closeAll(script, transport);
  assert.ok(receive.signal.aborted, "close() aborts the held receive");
});

Deno.test("connectLongPoll() fails with TransportError: 400 and a protocol not offered are unsupported", async () => {
  const cases: [Response, RegExp, boolean][] = [
    [
      new Response("No agreed WAMP subprotocol", { status: 400 }),
      /HTTP 400 No agreed WAMP subprotocol/,
      true,
    ],
    [new Response("down", { status: 503 }), /HTTP 503 down/, false],
    [
      Response.json({ transport: "t", protocol: "wamp.2.cbor" }),
      /agreed on no offered subprotocol/,
      true,
    ],
    [
      Response.json({ protocol: "wamp.2.json" }),
      /without a transport id/,
      false,
    ],
    [new Response("<html>"), /Cannot open/, false],
  ];
  for (const [response, message, unsupported] of cases) {
    const script = new ScriptedFetch();
    const pending = connectLongPoll(BASE, {
      protocols: ["wamp.2.json"],
      fetch: script.fetch,
    });
    (await script.expect("open")).respond(response);
    await assert.rejects(pending, (err: unknown) => {
      assert.ok(err instanceof TransportError);
      assert.match(err.message, message);
      assert.equal(err.unsupported, unsupported, err.message);
      return true;
    });
    assert.equal(script.calls.length, 1, "nothing is polled after a refusal");
  }
});

Deno.test("connectLongPoll() fails on a network error, a timeout, a missing permission and a non-HTTP URL", async () => {
  const refused = new ScriptedFetch();
  const a = connectLongPoll(BASE, {
    protocols: ["wamp.2.json"],
    fetch: refused.fetch,
  });
  (await refused.expect("open")).fail(new TypeError("Connection refused"));
  await assert.rejects(
    a,
    (e: unknown) =>
      e instanceof TransportError && !e.unsupported && !e.denied &&
      /Connection refused/.test(e.message),
  );

  const silent = new ScriptedFetch();
  const b = connectLongPoll(BASE, {
    protocols: ["wamp.2.json"],
    fetch: silent.fetch,
    timeout: 20,
  });
  const held = await silent.expect("open");
  await assert.rejects(b, /Timed out opening/);
  assert.ok(held.signal.aborted, "the open request is aborted");

  const denied = new ScriptedFetch();
  const c = connectLongPoll("http://127.0.0.1:8080/lp", {
    protocols: ["wamp.2.json"],
    fetch: denied.fetch,
  });
  const err = new Error("Requires net access");
  err.name = "NotCapable";
  (await denied.expect("open")).fail(err);
  await assert.rejects(
    c,
    (e: unknown) =>
      e instanceof TransportError && e.denied &&
      e.message.includes("--allow-net=127.0.0.1:8080"),
  );

  await assert.rejects(
    connectLongPoll("ws://127.0.0.1/lp", { protocols: ["wamp.2.json"] }),
    /Long-poll needs an http or https URL/,
  );
});

Deno.test("longpoll send: one request at a time, in order; bufferedAmount counts what waits", async () => {
  const script = new ScriptedFetch();
  const { transport } = await opened(script);
  await script.expect("receive");
  transport.send("[1]");
  transport.send('[2,"é"]');
  transport.send("[3]");
  assert.equal(transport.bufferedAmount, 3 + 8 + 3);
  const first = await script.expect("send");
  assert.equal(first.url, `${BASE}/t1/send`);
  assert.match(
    new Headers(first.init.headers).get("content-type")!,
    /^application\/json/,
  );
  assert.equal(new TextDecoder().decode(first.init.body as Uint8Array), "[1]");
  await tick();
  assert.equal(script.calls.length, 3, "no second send before the first ends");
  first.respond(noContent());
  const second = await script.expect("send");
  assert.equal(
    new TextDecoder().decode(second.init.body as Uint8Array),
    '[2,"é"]',
  );
  assert.equal(transport.bufferedAmount, 8 + 3);
  second.respond(new Response(null, { status: 202 }));
  (await script.expect("send")).respond(noContent());
  await tick();
  assert.equal(transport.bufferedAmount, 0);
  await closeAll(script, transport);
});

Deno.test("longpoll: MessagePack and CBOR travel as bytes with their media types", async () => {
  for (
    const [protocol, type] of [
      ["wamp.2.msgpack", "application/x-msgpack"],
      ["wamp.2.cbor", "application/cbor"],
    ] as const
  ) {
    const script = new ScriptedFetch();
    const { transport, frames } = await opened(script, protocol);
    const receive = await script.expect("receive");
    transport.send(new Uint8Array([0x93, 1, 2, 3]));
    const send = await script.expect("send");
    assert.equal(new Headers(send.init.headers).get("content-type"), type);
    assert.deepEqual(send.init.body, new Uint8Array([0x93, 1, 2, 3]));
    send.respond(noContent());
    receive.respond(
      new Response(new Uint8Array([0x92, 4, 5]), {
        headers: { "content-type": type },
      }),
    );
    await script.expect("receive");
    assert.deepEqual(frames, [new Uint8Array([0x92, 4, 5])]);
    await closeAll(script, transport);
  }
});

Deno.test("longpoll receive: frames in order; 204 and an empty 200 poll again", async () => {
  const script = new ScriptedFetch();
  const { transport, frames } = await opened(script);
  (await script.expect("receive")).respond(new Response("[2,1,{}]"));
  (await script.expect("receive")).respond(noContent());
  (await script.expect("receive")).respond(new Response(""));
  (await script.expect("receive")).respond(new Response("[36,1,2,{}]"));
  await script.expect("receive");
  assert.deepEqual(frames, ["[2,1,{}]", "[36,1,2,{}]"]);
  assert.ok(transport.isOpen);
  await closeAll(script, transport);
});

Deno.test("longpoll receive: a dropped request is sent again after a pause, up to receiveRetries times", async () => {
  const script = new ScriptedFetch();
  const { transport, frames, closed } = await opened(script, "wamp.2.json", {
    receiveRetries: 2,
  });
  // Two failures in a row are survived ...
  (await script.expect("receive")).fail(new TypeError("connection reset"));
  let at = Date.now();
  (await script.expect("receive")).respond(
    new Response("bad gateway", { status: 502 }),
  );
  assert.ok(Date.now() - at >= 90, "a pause before the retry");
  at = Date.now();
  (await script.expect("receive")).respond(new Response("[1]"));
  assert.ok(Date.now() - at >= 190, "the pause grows");
  // ... and a success resets the count.
  (await script.expect("receive")).fail(new TypeError("connection reset"));
  (await script.expect("receive")).fail(new TypeError("connection reset"));
  (await script.expect("receive")).respond(new Response("[2]"));
  // Three in a row are not.
  for (let i = 0; i < 3; i++) {
    (await script.expect("receive")).fail(new TypeError("network down"));
    if (i === 0) {
      assert.deepEqual(frames, ["[1]", "[2]"]);
      assert.ok(transport.isOpen);
    }
  }
  const info = await closed;
  assert.equal(info.code, 1006);
  assert.equal(info.wasClean, false);
  assert.match(info.reason, /failed 3 times in a row: TypeError: network down/);
  assert.ok(!transport.isOpen);
  await tick();
  assert.equal(
    script.calls.filter((c) => !c.settled).length,
    0,
    "nothing left in flight",
  );
});

Deno.test("longpoll receive: 404 means the router closed the transport; other 4xx are not retried", async () => {
  const script = new ScriptedFetch();
  const { closed } = await opened(script);
  (await script.expect("receive")).respond(
    new Response("Transport closed by the router: goodbye", { status: 404 }),
  );
  assert.deepEqual(await closed, {
    code: 1000,
    reason: "Transport closed by the router: goodbye",
    wasClean: true,
  });

  const other = new ScriptedFetch();
  const second = await opened(other);
  (await other.expect("receive")).respond(
    new Response("nope", { status: 403 }),
  );
  const info = await second.closed;
  assert.equal(info.code, 1006);
  assert.match(info.reason, /receive failed: HTTP 403 nope/);
  assert.equal(other.calls.length, 2, "not retried");
});

Deno.test("longpoll receive: a request held past receiveTimeout is sent again, not counted as a failure", async () => {
  const script = new ScriptedFetch();
  const { transport, frames } = await opened(script, "wamp.2.json", {
    receiveTimeout: 30,
    receiveRetries: 0,
  });
  const held = [];
  for (let i = 0; i < 3; i++) held.push(await script.expect("receive"));
  assert.ok(held[0]!.signal.aborted && held[1]!.signal.aborted);
  held[2]!.respond(noContent());
  (await script.expect("receive")).respond(new Response("[1]"));
  await script.expect("receive");
  assert.deepEqual(frames, ["[1]"]);
  assert.ok(transport.isOpen);
  await closeAll(script, transport);
});

Deno.test("longpoll close(): aborts the receive, lets queued sends go first, posts /close, reports once", async () => {
  const script = new ScriptedFetch();
  const { transport, closed, closes } = await opened(script);
  const receive = await script.expect("receive");
  transport.send('[6,{},"wamp.close.normal"]');
  transport.close(1000, "bye");
  assert.ok(!transport.isOpen);
  transport.send("[1]"); // dropped
  transport.close(); // once
  await tick();
  assert.ok(receive.signal.aborted);
  const send = await script.expect("send");
  assert.equal(
    new TextDecoder().decode(send.init.body as Uint8Array),
    '[6,{},"wamp.close.normal"]',
  );
  await tick();
  assert.equal(script.calls.length, 3, "/close waits for the send");
  send.respond(noContent());
  const close = await script.expect("close");
  assert.equal(close.url, `${BASE}/t1/close`);
  close.respond(noContent());
  assert.deepEqual(await closed, { code: 1000, reason: "bye", wasClean: true });
  await tick();
  assert.equal(closes(), 1);
  assert.equal(script.calls.length, 4);
});

Deno.test("longpoll close(): a /close that fails still closes", async () => {
  const script = new ScriptedFetch();
  const { transport, closed } = await opened(script);
  await script.expect("receive");
  transport.close();
  (await script.expect("close")).fail(new TypeError("connection refused"));
  assert.equal((await closed).code, 1000);
});

Deno.test("longpoll send: a failed send loses the transport; a 404 leaves the close to the receive loop", async () => {
  const script = new ScriptedFetch();
  const { transport, closed } = await opened(script);
  const receive = await script.expect("receive");
  transport.send("[1]");
  (await script.expect("send")).respond(new Response("oops", { status: 500 }));
  const info = await closed;
  assert.equal(info.code, 1006);
  assert.match(info.reason, /Long-poll send failed: HTTP 500 oops/);
  assert.ok(receive.signal.aborted);

  const other = new ScriptedFetch();
  const second = await opened(other);
  const held = await other.expect("receive");
  second.transport.send("[1]");
  second.transport.send("[2]");
  (await other.expect("send")).respond(new Response("gone", { status: 404 }));
  await tick();
  assert.equal(second.transport.bufferedAmount, 0, "the queue is dropped");
  assert.equal(other.calls.length, 3, "no more sends");
  held.respond(new Response('[6,{},"wamp.close.system_shutdown"]'));
  (await other.expect("receive")).respond(
    new Response("Transport closed by the router", { status: 404 }),
  );
  assert.equal((await second.closed).code, 1000);
  assert.deepEqual(second.frames, ['[6,{},"wamp.close.system_shutdown"]']);
});
