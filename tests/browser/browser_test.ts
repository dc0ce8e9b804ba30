// The client in a real browser: headless Chromium (@sparticuz/chromium,
// driven by puppeteer-core from Node, see driver.mjs) loads a page served
// from its own http:// origin, with the client bundled by `deno bundle
// --platform=browser`, and runs page_client.ts's scenarios against the
// embedded router served by the Deno adapter, for JSON, MessagePack and
// CBOR. Callees, a subscriber and a publisher live here in Deno, so calls
// and events cross from Chromium's WebSocket to Deno's and back. The wire is
// checked on both ends: in the page by the WebSocket class injected through
// the transport options, here by wrapping the transports the router accepts.
//
// Run: tests/browser/run.sh (installs the npm packages), or
// `deno test --allow-all tests/browser/` once they are installed.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import { Result } from "../../src/client/result.ts";
import { WampError } from "../../src/protocol/wamp_error.ts";
import { Router, type RouterEvent } from "../../src/router/router.ts";
import { upgradeToRouter } from "../../src/router/adapters/deno.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import type { Serializer } from "../../src/serializers/serializer.ts";
import type {
  Frame,
  Transport,
  TransportHandlers,
} from "../../src/transports/transport.ts";
import type { PageParams, SocketLog } from "./page_client.ts";

const HERE = new URL(".", import.meta.url);
const ROOT = new URL("../../", import.meta.url);
const filePath = (url: URL) => decodeURIComponent(url.pathname);

const FORMATS: Record<string, () => Serializer> = {
  json: () => new JsonSerializer(),
  msgpack: () => new MsgpackSerializer(),
  cbor: () => new CborSerializer(),
};
const FRAME_KIND: Record<string, string> = {
  json: "text",
  msgpack: "binary",
  cbor: "binary",
};

/** Milliseconds one scenario may take in the page. */
const SCENARIO_TIMEOUT = 30_000;
/** Milliseconds Chromium may take to unpack, start and load the page. */
const LAUNCH_TIMEOUT = 180_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function log(...args: unknown[]): void {
  // deno-lint-ignore no-console
  console.error("[browser test]", ...args);
}

// ------------------------------------------------------------ preconditions

function nodeBinary(): string {
  const env = Deno.env.get("WAMPKIT_NODE");
  if (env) return env;
  try {
    Deno.statSync("/usr/bin/node");
    return "/usr/bin/node";
  } catch {
    return "node";
  }
}

function checkInstalled(): void {
  for (const pkg of ["puppeteer-core", "@sparticuz/chromium"]) {
    try {
      Deno.statSync(new URL(`node_modules/${pkg}/package.json`, HERE));
    } catch {
      throw new Error(
        `tests/browser/node_modules/${pkg} is missing: run tests/browser/run.sh ` +
          "(or npm install --prefix tests/browser --no-audit --no-fund)",
      );
    }
  }
}

/** Bundles page_client.ts for the browser with `deno bundle`. */
async function bundle(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--platform=browser",
      "--format=esm",
      filePath(new URL("page_client.ts", HERE)),
    ],
    cwd: filePath(ROOT),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success || text.length === 0) {
    throw new Error(
      `deno bundle failed:\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

// ------------------------------------------------------------------ servers

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>wampkit browser test</title>
<script type="module" src="/client.js"></script></head>
<body>wampkit browser test</body></html>
`;

function servePage(js: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/") {
        return new Response(PAGE, {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      }
      if (path === "/client.js") {
        return new Response(js, {
          headers: { "content-type": "text/javascript; charset=utf-8" },
        });
      }
      return new Response("Not found", { status: 404 });
    },
  );
}

/** What the router side saw of one WebSocket. */
interface WireRecord {
  tag: string;
  origin: string | null;
  offered: string | null;
  protocol: string;
  sent: Record<string, number>;
  received: Record<string, number>;
}

const kindOf = (frame: Frame) => typeof frame === "string" ? "text" : "binary";

/** A transport that counts the frames crossing it, by kind. */
function recording(inner: Transport, record: WireRecord): Transport {
  record.protocol = inner.info.protocol;
  return {
    get info() {
      return inner.info;
    },
    get isOpen() {
      return inner.isOpen;
    },
    get bufferedAmount() {
      return inner.bufferedAmount;
    },
    send(frame: Frame) {
      const k = kindOf(frame);
      record.sent[k] = (record.sent[k] ?? 0) + 1;
      inner.send(frame);
    },
    close(code?: number, reason?: string) {
      inner.close(code, reason);
    },
    listen(handlers: TransportHandlers) {
      inner.listen({
        message(frame) {
          const k = kindOf(frame);
          record.received[k] = (record.received[k] ?? 0) + 1;
          handlers.message(frame);
        },
        close: (info) => handlers.close(info),
      });
    },
  };
}

/**
 * Serves the router with the Deno adapter's `upgradeToRouter`, handing it a
 * view of the router whose `accept` records the accepted transport's wire.
 * The page adds `?tag=` to the URL; Deno's sessions have no tag.
 */
function serveRouter(router: Router, wire: WireRecord[]) {
  let current: WireRecord | undefined;
  const observed = new Proxy(router, {
    get(target, prop) {
      if (prop === "accept") {
        return (transport: Transport) =>
          target.accept(current ? recording(transport, current) : transport);
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      const url = new URL(request.url);
      if (url.pathname !== "/ws") {
        return new Response("Not found", { status: 404 });
      }
      current = {
        tag: url.searchParams.get("tag") ?? "",
        origin: request.headers.get("origin"),
        offered: request.headers.get("sec-websocket-protocol"),
        protocol: "",
        sent: {},
        received: {},
      };
      wire.push(current);
      try {
        return upgradeToRouter(observed, request);
      } finally {
        current = undefined;
      }
    },
  );
  return {
    url: `ws://127.0.0.1:${server.addr.port}/ws`,
    async shutdown() {
      await router.close();
      await server.shutdown();
    },
  };
}

// ------------------------------------------------------------------ driver

interface Ready {
  ready: boolean;
  error?: string;
  version?: string;
  origin?: string;
  userAgent?: string;
  scenarios?: string[];
}

interface PageRun {
  value: unknown;
  sockets: SocketLog[];
}

/** The Node process that drives Chromium (driver.mjs), spoken to by lines. */
class Driver {
  readonly ready: Promise<Ready>;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #next = 1;
  #pending = new Map<number, PromiseWithResolvers<unknown>>();
  #readyWait = Promise.withResolvers<Ready>();
  #stderrTail: string[] = [];
  #exited: Promise<Deno.CommandStatus>;

  constructor(pageUrl: string) {
    const node = nodeBinary();
    log(`starting ${node} tests/browser/driver.mjs ${pageUrl}`);
    this.#child = new Deno.Command(node, {
      args: [filePath(new URL("driver.mjs", HERE)), pageUrl],
      cwd: filePath(HERE),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.ready = this.#readyWait.promise;
    void this.#read(this.#child.stdout, (line) => this.#line(line));
    void this.#read(this.#child.stderr, (line) => {
      this.#stderrTail.push(line);
      if (this.#stderrTail.length > 40) this.#stderrTail.shift();
      log(line);
    });
    this.#exited = this.#child.status.then((status) => {
      const why = new Error(
        `the driver exited (code ${status.code}${
          status.signal ? `, ${status.signal}` : ""
        }); its last output:\n${this.#stderrTail.join("\n")}`,
      );
      this.#readyWait.reject(why);
      for (const p of this.#pending.values()) p.reject(why);
      this.#pending.clear();
      return status;
    });
  }

  async #read(
    stream: ReadableStream<Uint8Array>,
    onLine: (line: string) => void,
  ): Promise<void> {
    let buffer = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) onLine(line);
      }
    }
    if (buffer.trim()) onLine(buffer);
  }

  #line(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line);
    } catch {
      log("driver stdout:", line);
      return;
    }
    if ("ready" in msg) {
      this.#readyWait.resolve(msg as unknown as Ready);
      return;
    }
    const pending = this.#pending.get(msg.id as number);
    if (!pending) return;
    this.#pending.delete(msg.id as number);
    if (msg.ok) pending.resolve(msg.result);
    else pending.reject(new Error(`in Chromium: ${msg.error}`));
  }

  /** Runs a page scenario; rejects with the page's error. */
  async run(name: string, params: PageParams): Promise<PageRun> {
    const id = this.#next++;
    const wait = Promise.withResolvers<unknown>();
    this.#pending.set(id, wait);
    await this.#stdin.write(
      new TextEncoder().encode(JSON.stringify({ id, name, params }) + "\n"),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        wait.promise as Promise<PageRun>,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`${name} took more than ${SCENARIO_TIMEOUT} ms`),
              ),
            SCENARIO_TIMEOUT,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
  }

  /** Closes the browser and waits for the driver to end (kills it late). */
  async close(): Promise<void> {
    try {
      await this.#stdin.close();
    } catch { /* already closed */ }
    const exited = this.#exited.catch(() => undefined);
    const late = await Promise.race([
      exited.then(() => false),
      sleep(15_000).then(() => true),
    ]);
    if (late) {
      log("the driver did not exit in 15 s: killing it");
      try {
        this.#child.kill("SIGKILL");
      } catch { /* gone */ }
      await exited;
    }
  }
}

// ---------------------------------------------------------- the Deno peer

/** What the Deno side's endpoints saw during one scenario. */
interface PeerState {
  invoked: string[];
  interrupted: string[];
  reversed: number;
  events: [unknown[], Record<string, unknown>, number | null][];
}

/**
 * A session in Deno, over Deno's WebSocket with the serializer under test,
 * holding the procedures the page calls and a subscription to its topic.
 */
async function denoPeer(url: string, format: string, uid: string) {
  const session = await connect({
    url,
    realm: "realm1",
    serializers: [FORMATS[format]!()],
  });
  const state: PeerState = {
    invoked: [],
    interrupted: [],
    reversed: 0,
    events: [],
  };
  const release = new AbortController();
  let changed = Promise.withResolvers<void>();
  const notify = () => {
    changed.resolve();
    changed = Promise.withResolvers<void>();
  };
  const until = async (cond: () => boolean, what: string, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) {
        throw new Error(`${what}: not within ${ms} ms`);
      }
      await Promise.race([changed.promise, sleep(50)]);
    }
  };
  const s = session;
  await s.register(`${uid}.echo`, (args, kwargs) => new Result(args, kwargs));
  await s.register(`${uid}.reverse`, ([bytes]) => {
    if (!(bytes instanceof Uint8Array)) {
      throw new WampError(`${uid}.error.not_bytes`, [String(bytes)]);
    }
    state.reversed++;
    return bytes.slice().reverse();
  });
  await s.register(
    `${uid}.relay`,
    ([proc, ...args]) => s.call(proc as string, args),
  );
  await s.register(`${uid}.catch`, async ([proc]) => {
    try {
      return ["no error", await s.call(proc as string)];
    } catch (err) {
      const e = err as WampError;
      return [e.uri, e.args, e.kwargs];
    }
  });
  await s.register(`${uid}.fail`, () => {
    throw new WampError(`${uid}.error.bad`, ["bad input", 42], { field: "x" });
  });
  await s.register(`${uid}.crash`, () => {
    throw new TypeError("boom");
  });
  await s.register(`${uid}.longop`, async (args, kwargs, d) => {
    const n = args[0] as number;
    const gap = (kwargs.gap as number | undefined) ?? 5;
    const stall = kwargs.stall as number | undefined;
    for (let i = 0; i < Math.abs(n); i++) {
      if (i === stall) {
        await new Promise((resolve) => {
          d.signal.addEventListener("abort", resolve, { once: true });
          release.signal.addEventListener("abort", resolve, { once: true });
        });
        state.interrupted.push(`longop:${i}`);
        notify();
        throw new WampError("wamp.error.canceled");
      }
      d.progress?.([i]);
      await sleep(gap);
    }
    if (n < 0) throw new WampError(`${uid}.error.negative`, [n]);
    return n;
  });
  await s.register(
    `${uid}.slow`,
    ([label], _kw, d) =>
      new Promise((resolve, reject) => {
        state.invoked.push(String(label));
        notify();
        d.signal.addEventListener("abort", () => {
          state.interrupted.push(String(label));
          notify();
          reject(new WampError("wamp.error.canceled"));
        }, { once: true });
        release.signal.addEventListener(
          "abort",
          () => resolve("released"),
          { once: true },
        );
      }),
  );
  await s.register(`${uid}.started`, async ([label]) => {
    await until(() => state.invoked.includes(String(label)), `${label}`);
    return null;
  });
  await s.register(`${uid}.publish`, async ([topic, bytes]) => {
    await s.publish(topic as string, [bytes], { from: "deno" }, {
      acknowledge: true,
    });
    return null;
  });
  await s.subscribe(`${uid}.topic`, (args, kwargs, d) => {
    state.events.push([args, kwargs, d.publisher ?? null]);
    notify();
  });
  return {
    session,
    state,
    until,
    async close() {
      release.abort();
      if (session.isOpen) await session.leave();
    },
  };
}

type Peer = Awaited<ReturnType<typeof denoPeer>>;

// --------------------------------------------------------------- scenarios

interface Check {
  /** The page scenario. */
  page: string;
  /** What the step is called. */
  title: string;
  /** Checks on the Deno side, after the page has run. */
  after?: (
    peer: Peer,
    run: PageRun,
    ctx: { format: string; events: RouterEvent[] },
  ) => Promise<void> | void;
}

const CHECKS: Check[] = [
  {
    page: "join",
    title: "connect + join (Connection, onopen/onclose, subprotocol)",
    after(_peer, run, { format, events }) {
      const { id } = run.value as { id: number };
      const protocol = `wamp.2.${format}`;
      const mine = events.filter((e) => e.session === id);
      assert.deepEqual(
        mine.map((e) => [e.type, e.realm, e.protocol]),
        [["join", "realm1", protocol], ["leave", "realm1", protocol]],
        "the router saw the page's session join and leave",
      );
      // the client offered all three, its choice first
      const others = Object.keys(FORMATS).filter((f) => f !== format);
      assert.deepEqual(
        run.sockets[0]?.offered,
        [format, ...others].map((f) => `wamp.2.${f}`),
      );
    },
  },
  {
    page: "rpc",
    title: "RPC to a Deno callee: args, kwargs, binary, and back",
    after(peer) {
      assert.equal(peer.state.reversed, 2, "the Deno callee got bytes twice");
    },
  },
  {
    page: "progress",
    title:
      "progressive results: .then(…, progress), .onProgress, for await, option",
  },
  { page: "errors", title: "errors: WAMP uri/args/kwargs both ways" },
  {
    page: "cancel",
    title: "cancel with AbortSignal: the callee is interrupted",
    async after(peer) {
      const { state, until } = peer;
      await until(
        () => state.interrupted.length >= 2,
        "two INTERRUPTs at the callee",
      );
      await sleep(100); // a wrong INTERRUPT for the skipped call would be here
      assert.deepEqual(state.invoked, ["abort", "timeout-signal", "skip"]);
      assert.deepEqual(state.interrupted, ["abort", "timeout-signal"]);
    },
  },
  {
    page: "timeout",
    title: "call timeouts: caller fails, callee is interrupted",
    async after(peer) {
      const { state, until } = peer;
      await until(
        () => state.interrupted.length >= 2,
        "the timed-out invocations interrupted",
      );
      assert.deepEqual(state.interrupted, ["timeout", "longop:2"]);
    },
  },
  {
    page: "pubsub",
    title: "pub/sub: acknowledge, exclude_me, binary, page ↔ Deno",
    async after(peer, run) {
      const { state, until } = peer;
      const { a } = run.value as { a: number };
      await until(() => state.events.length >= 3, "3 events at Deno");
      assert.deepEqual(state.events, [
        [["one", new Uint8Array([0, 1, 2, 253, 254, 255])], { n: 1 }, a],
        [["two"], {}, null],
        [["three"], {}, null],
      ]);
    },
  },
];

/** The wire, as the page and the router saw it: subprotocol, frame kinds. */
function checkWire(
  format: string,
  tag: string,
  run: PageRun,
  wire: WireRecord[],
  origin: string,
): void {
  const protocol = `wamp.2.${format}`;
  const kind = FRAME_KIND[format]!;
  assert.ok(run.sockets.length > 0, "the page opened WebSockets");
  for (const s of run.sockets) {
    assert.equal(s.protocol, protocol, "subprotocol seen by the page");
    assert.deepEqual(Object.keys(s.sent), [kind], "frames the page sent");
    assert.deepEqual(
      Object.keys(s.received),
      [kind],
      "frames the page received",
    );
    assert.ok(s.sent[kind]! >= 2 && s.received[kind]! >= 2);
  }
  const mine = wire.filter((w) => w.tag === tag);
  assert.equal(mine.length, run.sockets.length, "sockets at the router");
  for (const w of mine) {
    assert.equal(w.origin, origin, "the page's Origin header");
    assert.equal(w.protocol, protocol, "subprotocol agreed by the router");
    assert.deepEqual(Object.keys(w.received), [kind], "frames from the page");
    assert.deepEqual(Object.keys(w.sent), [kind], "frames to the page");
  }
  // the counts agree end to end (the router's GOODBYE reply may be the
  // page's last received frame, counted on both sides)
  const total = (xs: Record<string, number>[]) =>
    xs.reduce((n, x) => n + (x[kind] ?? 0), 0);
  assert.equal(
    total(mine.map((w) => w.received)),
    total(run.sockets.map((s) => s.sent)),
    "frames sent by the page = frames the router received",
  );
  assert.equal(
    total(mine.map((w) => w.sent)),
    total(run.sockets.map((s) => s.received)),
    "frames the router sent = frames the page received",
  );
}

Deno.test({
  name: "browser: the client in headless Chromium against the Deno router",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const started = performance.now();
    checkInstalled();
    log("bundling tests/browser/page_client.ts (deno bundle, browser) …");
    const js = await bundle();
    log(`bundle: ${(js.length / 1024).toFixed(1)} KiB`);
    const page = servePage(js);
    const pageOrigin = `http://127.0.0.1:${page.addr.port}`;
    const events: RouterEvent[] = [];
    const wire: WireRecord[] = [];
    const router = new Router({
      realms: ["realm1"],
      serializers: Object.values(FORMATS).map((make) => make()),
      allowedOrigins: [pageOrigin],
      onEvent: (e) => events.push(e),
    });
    const server = serveRouter(router, wire);
    let driver: Driver | undefined;
    try {
      driver = new Driver(`${pageOrigin}/`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ready = await Promise.race([
        driver.ready,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`Chromium not ready within ${LAUNCH_TIMEOUT} ms`),
              ),
            LAUNCH_TIMEOUT,
          );
        }),
      ]).catch((err) => {
        throw new Error(
          `Chromium could not start or load the page: ${err.message}`,
        );
      }).finally(() => clearTimeout(timer));
      if (!ready.ready) {
        throw new Error(
          `Chromium could not start or load the page: ${ready.error}`,
        );
      }
      log(
        `${ready.version} ready after ${
          Math.round(performance.now() - started)
        } ms, page origin ${ready.origin}`,
      );
      assert.equal(ready.origin, pageOrigin);
      assert.deepEqual(
        [...ready.scenarios!].sort(),
        CHECKS.map((c) => c.page).sort(),
        "the page offers every scenario",
      );
      const d = driver;
      for (const format of Object.keys(FORMATS)) {
        for (const check of CHECKS) {
          await t.step({
            name: `[${format}] ${check.title}`,
            sanitizeOps: false,
            sanitizeResources: false,
            async fn() {
              const uid = `browser.${format}.${check.page}.${
                crypto.randomUUID().slice(0, 8)
              }`;
              const tag = uid;
              const peer = await denoPeer(server.url, format, uid);
              try {
                const run = await d.run(check.page, {
                  url: server.url,
                  format,
                  uid,
                  tag,
                });
                checkWire(format, tag, run, wire, pageOrigin);
                await check.after?.(peer, run, { format, events });
              } finally {
                await peer.close();
              }
            },
          });
        }
      }
    } finally {
      await driver?.close();
      await server.shutdown();
      await page.shutdown();
      log(`done in ${Math.round(performance.now() - started)} ms`);
    }
  },
});
