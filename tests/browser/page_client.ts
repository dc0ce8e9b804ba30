// The browser side of tests/browser: bundled with `deno bundle
// --platform=browser` and loaded by page.html in headless Chromium. Each
// scenario opens its own sessions to the router (the URL and serializer come
// from the Deno test), asserts what it sees and returns a JSON-able report.
// The WebSocket class is injected through the transport options (no global
// is patched): it records the negotiated subprotocol and the type of every
// frame sent and received.
import {
  type CloseDetails,
  type CloseReason,
  connect,
  Connection,
  JsonSerializer,
  Result,
  type Serializer,
  type Session,
  WampError,
  type WebSocketConstructor,
} from "../../mod.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";

/** What the test gives every scenario. */
export interface PageParams {
  /** The router's WebSocket URL. */
  url: string;
  /** `json`, `msgpack` or `cbor`. */
  format: string;
  /** A unique URI prefix for procedures and topics. */
  uid: string;
  /** Appended to the URL (`?tag=`) so the router side can find the sockets. */
  tag: string;
}

/** One socket's wire record, as the page saw it. */
export interface SocketLog {
  url: string;
  offered: string[];
  protocol: string;
  sent: Record<string, number>;
  received: Record<string, number>;
}

const SERIALIZERS: Record<string, () => Serializer> = {
  json: () => new JsonSerializer(),
  msgpack: () => new MsgpackSerializer(),
  cbor: () => new CborSerializer(),
};

let sockets: SocketLog[] = [];

function kind(data: unknown): string {
  if (typeof data === "string") return "text";
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return "binary";
  if (data instanceof Blob) return "blob";
  return typeof data;
}

/** The browser's own WebSocket, recording what crosses it. */
class RecordingWebSocket extends WebSocket {
  readonly log: SocketLog;

  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    const offered = protocols === undefined
      ? []
      : typeof protocols === "string"
      ? [protocols]
      : [...protocols];
    const log: SocketLog = {
      url: String(url),
      offered,
      protocol: "",
      sent: {},
      received: {},
    };
    this.log = log;
    sockets.push(log);
    this.addEventListener("open", () => log.protocol = this.protocol);
    this.addEventListener("message", (event: MessageEvent) => {
      const k = kind(event.data);
      log.received[k] = (log.received[k] ?? 0) + 1;
    });
  }

  override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    const k = kind(data);
    this.log.sent[k] = (this.log.sent[k] ?? 0) + 1;
    super.send(data);
  }
}

// ---------------------------------------------------------------- asserts

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array)) return false;
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b))) return false;
    return a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (
    typeof a === "object" && typeof b === "object" && a !== null && b !== null
  ) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return same(ka, kb) &&
      ka.every((k) =>
        same(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
        )
      );
  }
  return false;
}

function show(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, x) =>
      x instanceof Uint8Array
        ? `Uint8Array(${x.length})[${x.slice(0, 8).join(",")}${
          x.length > 8 ? ",…" : ""
        }]`
        : typeof x === "bigint"
        ? `${x}n`
        : x,
  );
}

function eq(actual: unknown, expected: unknown, what: string): void {
  if (!same(actual, expected)) {
    throw new Error(
      `${what}: expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

function ok(value: unknown, what: string): asserts value {
  if (!value) throw new Error(`${what}: expected a truthy value`);
}

async function rejects(
  promise: Promise<unknown>,
  what: string,
): Promise<WampError> {
  try {
    const value = await promise;
    throw new Error(`${what}: resolved with ${show(value)} instead of failing`);
  } catch (err) {
    if (!(err instanceof WampError)) {
      throw new Error(`${what}: rejected with a non-WampError: ${err}`);
    }
    return err;
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: nothing within ${ms} ms`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --------------------------------------------------------------- sessions

function serializersFor(format: string): Serializer[] {
  const make = SERIALIZERS[format];
  if (!make) throw new Error(`unknown format ${format}`);
  return [make()];
}

function urlOf(p: PageParams): string {
  return `${p.url}?tag=${encodeURIComponent(p.tag)}`;
}

function open(p: PageParams, serializers = serializersFor(p.format)) {
  return connect({
    realm: "realm1",
    serializers,
    transports: [{
      type: "websocket",
      url: urlOf(p),
      WebSocket: RecordingWebSocket as unknown as WebSocketConstructor,
    }],
  });
}

async function withSessions<T>(
  n: number,
  p: PageParams,
  body: (...sessions: Session[]) => Promise<T>,
): Promise<T> {
  const sessions: Session[] = [];
  try {
    for (let i = 0; i < n; i++) sessions.push(await open(p));
    return await body(...sessions);
  } finally {
    for (const s of sessions) if (s.isOpen) await s.leave();
  }
}

// -------------------------------------------------------------- scenarios

const scenarios: Record<string, (p: PageParams) => Promise<unknown>> = {
  /**
   * Connection with onopen/onclose, offering every serializer with the one
   * under test first: the router must agree on the client's first choice.
   */
  async join(p) {
    const others = Object.keys(SERIALIZERS).filter((f) => f !== p.format);
    const offered = [p.format, ...others].map((f) => SERIALIZERS[f]!());
    const connection = new Connection({
      realm: "realm1",
      serializers: offered,
      max_retries: 0,
      transports: [{
        type: "websocket",
        url: urlOf(p),
        WebSocket: RecordingWebSocket as unknown as WebSocketConstructor,
      }],
    });
    const opened = Promise.withResolvers<Session>();
    const closed = Promise.withResolvers<[CloseReason, CloseDetails]>();
    connection.onopen = (session) => opened.resolve(session);
    connection.onclose = (reason, details) => {
      closed.resolve([reason, details]);
      opened.reject(new Error(`closed before open: ${reason}`));
    };
    connection.open();
    const session = await within(opened.promise, 10000, "onopen");
    ok(connection.isOpen, "connection.isOpen");
    const id = session.id;
    ok(typeof id === "number" && id > 0, "session id");
    eq(session.realm, "realm1", "realm");
    const roles = Object.keys(session.details.roles as object).sort();
    eq(roles, ["broker", "dealer"], "router roles");
    const info = connection.transport.info!;
    eq(info.type, "websocket", "transport type");
    const agreed = `wamp.2.${p.format}`;
    eq(info.protocol, agreed, "transport.info.protocol");
    eq(session.transport.info.protocol, agreed, "session transport protocol");
    await connection.close();
    const [reason, details] = await within(closed.promise, 5000, "onclose");
    eq(reason, "closed", "onclose reason");
    eq(details.will_retry, false, "will_retry");
    ok(!session.isOpen, "session closed");
    return { id, protocol: info.protocol, userAgent: navigator.userAgent };
  },

  /** RPC to a callee in Deno: args, kwargs, binary; and back into the page. */
  rpc(p) {
    return withSessions(1, p, async (s) => {
      const args = [1, "zwei", [3, [3.5]], { four: 4 }, null, true, -1.25];
      const kwargs = { k: "v", nested: { list: [1, 2], empty: {} } };
      const r = await s.call(`${p.uid}.echo`, args, kwargs);
      ok(r instanceof Result, "a Result for args + kwargs");
      eq(r.args, args, "echoed args");
      eq(r.kwargs, kwargs, "echoed kwargs");
      eq(await s.call(`${p.uid}.echo`, ["single"]), "single", "one value");
      eq(await s.call(`${p.uid}.echo`), undefined, "no value");

      const bytes = new Uint8Array(70000);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 0xff;
      bytes.set([0, 1, 254, 255], 0);
      const back = await s.call(`${p.uid}.reverse`, [bytes]);
      ok(back instanceof Uint8Array, "bytes come back as a Uint8Array");
      eq(back, bytes.slice().reverse(), "reversed bytes");
      const empty = await s.call(`${p.uid}.reverse`, [new Uint8Array(0)]);
      eq(empty, new Uint8Array(0), "empty bytes");

      // Deno calls a procedure of the page from inside its own endpoint.
      await s.register(`${p.uid}.browser.xor`, ([data, key]) => {
        ok(data instanceof Uint8Array, "bytes from Deno");
        return (data as Uint8Array).map((b) => b ^ (key as number));
      });
      const relayed = await s.call(`${p.uid}.relay`, [
        `${p.uid}.browser.xor`,
        new Uint8Array([1, 2, 3]),
        0xff,
      ]);
      eq(relayed, new Uint8Array([254, 253, 252]), "relayed through the page");
      return { bytes: bytes.length };
    });
  },

  /** Progressive results, every way the API offers them. */
  progress(p) {
    return withSessions(1, p, async (s) => {
      const proc = `${p.uid}.longop`;
      const opts = { receive_progress: true };
      // Autobahn|JS: .then(onResult, onError, onProgress)
      const viaThen: unknown[] = [];
      const final1 = await new Promise((resolve, reject) => {
        s.call(proc, [3], {}, opts).then(resolve, reject, (v) => {
          viaThen.push(v);
        });
      });
      eq(viaThen, [0, 1, 2], ".then(…, …, progress) values");
      eq(final1, 3, ".then final");
      // .onProgress(fn), with the RESULT details
      const viaOn: unknown[] = [];
      const final2 = await s.call(proc, [4], {}, opts).onProgress((v, d) => {
        ok(d.progress === true, "progress details");
        viaOn.push(v);
      });
      eq(viaOn, [0, 1, 2, 3], ".onProgress values");
      eq(final2, 4, ".onProgress final");
      // for await over the progressive results; the final value stays
      const call = s.call(proc, [5], {}, opts);
      const viaIter: unknown[] = [];
      for await (const v of call) viaIter.push(v);
      eq(viaIter, [0, 1, 2, 3, 4], "for await values");
      eq(await call, 5, "for await final");
      // the onProgress call option implies receive_progress
      const viaOption: unknown[] = [];
      const final4 = await s.call(proc, [2], {}, {
        onProgress: (v) => viaOption.push(v),
      });
      eq([viaOption, final4], [[0, 1], 2], "onProgress option");
      // a failing progressive call ends the iteration with its error
      const failing = s.call(proc, [-2], {}, opts);
      const seen: unknown[] = [];
      const err = await rejects(
        (async () => {
          for await (const v of failing) seen.push(v);
        })(),
        "for await over a failing call",
      );
      eq([seen, err.uri], [[0, 1], `${p.uid}.error.negative`], "failure");
      return { viaThen, viaOn, viaIter, viaOption };
    });
  },

  /** Errors from a callee in Deno, and from a callee in the page. */
  errors(p) {
    return withSessions(2, p, async (s, t) => {
      const bad = await rejects(
        s.call(`${p.uid}.fail`, ["x"]),
        "application error",
      );
      eq(bad.uri, `${p.uid}.error.bad`, "uri");
      eq(bad.args, ["bad input", 42], "args");
      eq(bad.kwargs, { field: "x" }, "kwargs");
      eq(bad.message, "bad input", "message");
      ok(bad instanceof Error, "a WampError is an Error");

      const crash = await rejects(s.call(`${p.uid}.crash`), "thrown Error");
      eq(crash.uri, "wamp.error.runtime_error", "runtime error uri");
      eq(crash.args, ["boom"], "runtime error args");
      eq(crash.kwargs, { name: "TypeError" }, "runtime error kwargs");

      const missing = await rejects(
        s.call(`${p.uid}.missing`),
        "no such procedure",
      );
      eq(missing.uri, "wamp.error.no_such_procedure", "missing uri");

      // page callee → page caller
      await t.register(`${p.uid}.browser.fail`, () => {
        throw new WampError("com.browser.error", ["from the page"], { n: 1 });
      });
      const local = await rejects(
        s.call(`${p.uid}.browser.fail`),
        "page callee",
      );
      eq([local.uri, local.args, local.kwargs], [
        "com.browser.error",
        ["from the page"],
        { n: 1 },
      ], "page callee error");
      // page callee error seen by Deno (its endpoint reports what it caught)
      const seenByDeno = await s.call(`${p.uid}.catch`, [
        `${p.uid}.browser.fail`,
      ]);
      eq(
        seenByDeno,
        ["com.browser.error", ["from the page"], { n: 1 }],
        "Deno",
      );
      // a duplicate registration is refused
      const dup = await rejects(
        t.register(`${p.uid}.browser.fail`, () => 0),
        "duplicate registration",
      );
      eq(dup.uri, "wamp.error.procedure_already_exists", "duplicate uri");
      return { ok: true };
    });
  },

  /** Cancel with an AbortSignal: the callee (in Deno) is interrupted. */
  cancel(p) {
    return withSessions(1, p, async (s) => {
      const proc = `${p.uid}.slow`;
      const controller = new AbortController();
      const call = s.call(proc, ["abort"], {}, { signal: controller.signal });
      await s.call(`${p.uid}.started`, ["abort"]); // the callee has it
      const t0 = performance.now();
      controller.abort();
      const err = await rejects(call, "aborted call");
      eq(err.uri, "wamp.error.canceled", "abort uri");
      ok(performance.now() - t0 < 1000, "rejects at once");

      const err2 = await rejects(
        s.call(proc, ["timeout-signal"], {}, {
          signal: AbortSignal.timeout(150),
        }),
        "AbortSignal.timeout",
      );
      eq(err2.uri, "wamp.error.canceled", "AbortSignal.timeout uri");

      const pre = new AbortController();
      pre.abort();
      const err3 = await rejects(
        s.call(proc, ["pre-aborted"], {}, { signal: pre.signal }),
        "already aborted signal",
      );
      eq(err3.uri, "wamp.error.canceled", "pre-aborted uri");

      // .cancel() on the promise, mode skip: no INTERRUPT for that one
      const skipped = s.call(proc, ["skip"]);
      await s.call(`${p.uid}.started`, ["skip"]);
      skipped.cancel("skip");
      eq((await rejects(skipped, "skip")).uri, "wamp.error.canceled", "skip");

      ok(s.isOpen, "session still open");
      eq(await s.call(`${p.uid}.echo`, ["after"]), "after", "call after");
      return { ok: true };
    });
  },

  /** Call timeouts: the caller fails, the router interrupts the callee. */
  timeout(p) {
    return withSessions(1, p, async (s) => {
      const t0 = performance.now();
      const err = await rejects(
        s.call(`${p.uid}.slow`, ["timeout"], {}, { timeout: 200 }),
        "timed-out call",
      );
      const elapsed = performance.now() - t0;
      eq(err.uri, "wamp.error.timeout", "timeout uri");
      ok(elapsed >= 150 && elapsed < 2500, `timed out after ${elapsed} ms`);
      // a call that answers in time is unaffected
      eq(
        await s.call(`${p.uid}.echo`, ["quick"], {}, { timeout: 2000 }),
        "quick",
        "quick call with a timeout",
      );
      // each progressive result re-arms the timeout (on both sides): 10
      // results 40 ms apart outlive a 300 ms timeout
      const steady: unknown[] = [];
      const t1 = performance.now();
      const done = await s.call(`${p.uid}.longop`, [10], { gap: 40 }, {
        timeout: 300,
        receive_progress: true,
      }).onProgress((v) => steady.push(v));
      eq([steady, done], [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10], "steady");
      ok(performance.now() - t1 > 300, "the steady call outlived its timeout");
      // a callee that stalls after two results times out
      const seen: unknown[] = [];
      const err2 = await rejects(
        s.call(`${p.uid}.longop`, [5], { gap: 20, stall: 2 }, {
          timeout: 200,
          receive_progress: true,
        }).onProgress((v) => seen.push(v)),
        "stalled progressive call",
      );
      eq(err2.uri, "wamp.error.timeout", "progressive timeout uri");
      eq(seen, [0, 1], "progress before the stall");
      await sleep(50);
      ok(s.isOpen, "session still open");
      return { elapsed: Math.round(elapsed) };
    });
  },

  /** Pub/sub with acknowledge and exclude_me, page ↔ page and page ↔ Deno. */
  pubsub(p) {
    return withSessions(2, p, async (a, b) => {
      const topic = `${p.uid}.topic`;
      type Got = [unknown[], Record<string, unknown>, number | null];
      const gotA: Got[] = [];
      const gotB: Got[] = [];
      const waiters: (() => void)[] = [];
      const poke = () => waiters.splice(0).forEach((w) => w());
      const until = async (cond: () => boolean, what: string) => {
        const t0 = performance.now();
        while (!cond()) {
          if (performance.now() - t0 > 5000) {
            throw new Error(`${what}: not within 5 s`);
          }
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 100);
          });
        }
      };
      await a.subscribe(topic, (args, kw, d) => {
        gotA.push([args, kw, d.publisher ?? null]);
        poke();
      });
      await b.subscribe(topic, (args, kw, d) => {
        gotB.push([args, kw, d.publisher ?? null]);
        poke();
      });
      const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
      // 1: default exclude_me: a does not receive its own event
      const pub1 = await a.publish(topic, ["one", bytes], { n: 1 }, {
        acknowledge: true,
        disclose_me: true,
      });
      ok(pub1 && typeof pub1.id === "number" && pub1.id > 0, "ack 1");
      // 2: exclude_me false: a receives it too
      const pub2 = await a.publish(topic, ["two"], {}, {
        acknowledge: true,
        exclude_me: false,
      });
      ok(pub2 && pub2.id !== pub1.id, "ack 2, another id");
      // 3: without acknowledge, publish returns nothing
      eq(a.publish(topic, ["three"]), undefined, "unacknowledged publish");
      await until(() => gotB.length === 3, "b gets 3 events");
      eq(gotB, [
        [["one", bytes], { n: 1 }, a.id!],
        [["two"], {}, null],
        [["three"], {}, null],
      ], "events at b");
      await until(() => gotA.length >= 1, "a gets its exclude_me:false event");
      // the broker keeps one publisher's order: had a got event 1, it would
      // be first
      eq(gotA, [[["two"], {}, null]], "events at a");

      // a publication to a topic nobody else has is still acknowledged
      const lonely = await b.publish(`${p.uid}.nobody`, [], {}, {
        acknowledge: true,
      });
      ok(lonely && lonely.id > 0, "ack with no subscriber");

      // Deno publishes to the page (its endpoint publishes, acknowledged)
      const fromDeno: unknown[] = [];
      await b.subscribe(`${p.uid}.fromdeno`, (args, kw) => {
        fromDeno.push([args, kw]);
        poke();
      });
      await b.call(`${p.uid}.publish`, [`${p.uid}.fromdeno`, bytes]);
      await until(() => fromDeno.length === 1, "event from Deno");
      eq(fromDeno, [[[bytes], { from: "deno" }]], "event from Deno");
      return { a: a.id, b: b.id, publications: [pub1.id, pub2.id] };
    });
  },
};

async function run(name: string, p: PageParams) {
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`no scenario ${name}`);
  sockets = [];
  try {
    const value = await scenario(p);
    // let the last close frames be counted
    await sleep(0);
    return { value, sockets };
  } catch (err) {
    const e = err as Error;
    throw new Error(`${e.name}: ${e.message}\n${e.stack ?? ""}`);
  }
}

Object.assign(globalThis, {
  wampkitPage: { ready: true, scenarios: Object.keys(scenarios), run },
});
