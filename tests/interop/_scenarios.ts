// The client scenario suite, run against any router at a WebSocket URL (or
// over another transport the router serves, such as long-poll). Each router
// test file says which scenarios it expects to pass, and where a router
// deviates from the spec the scenario accepts the documented behaviour
// (research/peers.md §1.3).
import assert from "node:assert/strict";
import { connect, type TransportOptions } from "../../src/client/connection.ts";
import { Result } from "../../src/client/result.ts";
import type { Session } from "../../src/client/session.ts";
import { WampError } from "../../src/protocol/wamp_error.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import type { Serializer } from "../../src/serializers/serializer.ts";

export const SERIALIZERS: Record<string, () => Serializer> = {
  json: () => new JsonSerializer(),
  msgpack: () => new MsgpackSerializer(),
  cbor: () => new CborSerializer(),
};

export interface Quirks {
  /** The router sends no ERROR to the caller after CANCEL skip (Crossbar). */
  noErrorOnSkip?: boolean;
  /** Timeouts are answered with wamp.error.canceled (Crossbar). */
  timeoutIsCanceled?: boolean;
}

export interface Scenario {
  name: string;
  run(a: Session, b: Session, uid: string, quirks: Quirks): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const SCENARIOS: Scenario[] = [
  {
    name: "rpc: call, Result, kwargs, application error",
    async run(a, b, uid) {
      await a.register(
        `${uid}.add2`,
        ([x, y]) => (x as number) + (y as number),
      );
      await a.register(`${uid}.pair`, (_args, kw) => new Result([1, 2], kw));
      await a.register(`${uid}.fail`, () => {
        throw new WampError(`${uid}.error.bad`, ["bad"], { code: 7 });
      });
      assert.equal(await b.call(`${uid}.add2`, [20, 22]), 42);
      const r = await b.call(`${uid}.pair`, [], { k: "v" }) as Result;
      assert.deepEqual([r.args, r.kwargs], [[1, 2], { k: "v" }]);
      await assert.rejects(b.call(`${uid}.fail`), (e: unknown) => {
        const w = e as WampError;
        return w.uri === `${uid}.error.bad` && w.kwargs.code === 7;
      });
      await assert.rejects(
        b.call(`${uid}.missing`),
        (e: unknown) => (e as WampError).uri === "wamp.error.no_such_procedure",
      );
    },
  },
  {
    name: "rpc: progressive call results",
    async run(a, b, uid) {
      await a.register(`${uid}.longop`, async (args, _kw, d) => {
        for (let i = 0; i < (args[0] as number); i++) {
          d.progress?.([i]);
          await sleep(2);
        }
        return args[0];
      });
      const seen: unknown[] = [];
      const final = await b.call(`${uid}.longop`, [3], {}, {
        receive_progress: true,
      })
        .onProgress((v) => seen.push(v));
      assert.deepEqual(seen, [0, 1, 2]);
      assert.equal(final, 3);
    },
  },
  {
    name: "rpc: cancel with mode kill interrupts the callee",
    async run(a, b, uid) {
      const interrupted = Promise.withResolvers<void>();
      await a.register(
        `${uid}.slow`,
        (_args, _kw, d) =>
          new Promise((resolve) => {
            d.signal.addEventListener("abort", () => interrupted.resolve());
            setTimeout(() => resolve("done"), 3000);
          }),
      );
      const call = b.call(`${uid}.slow`);
      await sleep(100);
      call.cancel("kill");
      await assert.rejects(
        call,
        (e: unknown) => (e as WampError).uri === "wamp.error.canceled",
      );
      await Promise.race([
        interrupted.promise,
        sleep(2000).then(() => assert.fail("no INTERRUPT")),
      ]);
      assert.ok(a.isOpen && b.isOpen);
    },
  },
  {
    name: "rpc: call timeout",
    async run(a, b, uid) {
      await a.register(
        `${uid}.never`,
        () => new Promise((r) => setTimeout(() => r(1), 1500)),
      );
      await assert.rejects(
        b.call(`${uid}.never`, [], {}, { timeout: 200 }),
        (e: unknown) => (e as WampError).uri === "wamp.error.timeout",
      );
      await sleep(50);
      assert.ok(b.isOpen);
    },
  },
  {
    name: "rpc: shared registration round robin and caller disclosure",
    async run(a, b, uid) {
      await a.register(`${uid}.rr`, () => "a", { invoke: "roundrobin" });
      await b.register(`${uid}.rr`, () => "b", { invoke: "roundrobin" });
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await a.call(`${uid}.rr`));
      assert.deepEqual(got.sort(), ["a", "a", "b", "b"]);
      await a.register(`${uid}.who`, (_a, _k, d) => d.caller ?? null);
      assert.equal(
        await b.call(`${uid}.who`, [], {}, { disclose_me: true }),
        b.id,
      );
    },
  },
  {
    name: "rpc: pattern-based registration",
    async run(a, b, uid) {
      await a.register(`${uid}.obj`, (_a, _k, d) => ["prefix", d.procedure], {
        match: "prefix",
      });
      await a.register(
        `${uid}..wild`,
        (_a, _k, d) => ["wildcard", d.procedure],
        { match: "wildcard" },
      );
      assert.deepEqual(await b.call(`${uid}.obj.get`), [
        "prefix",
        `${uid}.obj.get`,
      ]);
      assert.deepEqual(await b.call(`${uid}.x.wild`), [
        "wildcard",
        `${uid}.x.wild`,
      ]);
    },
  },
  {
    name: "pubsub: acknowledge, exclude_me, publisher disclosure, binary",
    async run(a, b, uid) {
      const events: unknown[][] = [];
      await a.subscribe(
        `${uid}.t`,
        (args, kw, d) => events.push(["a", args[0], kw, d.publisher ?? null]),
      );
      await b.subscribe(`${uid}.t`, (args) => events.push(["b", args[0]]));
      const bytes = new Uint8Array([0, 1, 254, 255]);
      const pub = await b.publish(`${uid}.t`, [bytes], { k: 1 }, {
        acknowledge: true,
        disclose_me: true,
      });
      assert.ok(pub!.id > 0);
      await b.publish(`${uid}.t`, ["mine too"], {}, {
        acknowledge: true,
        exclude_me: false,
      });
      await sleep(100);
      assert.deepEqual(events.filter((e) => e[0] === "a")[0], ["a", bytes, {
        k: 1,
      }, b.id]);
      assert.deepEqual(events.filter((e) => e[0] === "b").map((e) => e[1]), [
        "mine too",
      ]);
    },
  },
  {
    name: "pubsub: prefix and wildcard subscriptions, black/white listing",
    async run(a, b, uid) {
      const got: unknown[][] = [];
      await a.subscribe(
        `${uid}.p`,
        (args, _k, d) => got.push(["prefix", args[0], d.topic]),
        { match: "prefix" },
      );
      await a.subscribe(
        `${uid}..w`,
        (args, _k, d) => got.push(["wildcard", args[0], d.topic]),
        { match: "wildcard" },
      );
      await b.publish(`${uid}.p.x`, [1], {}, { acknowledge: true });
      await b.publish(`${uid}.q.w`, [2], {}, { acknowledge: true });
      await b.publish(`${uid}.p.y`, [3], {}, {
        acknowledge: true,
        exclude: [a.id!],
      });
      await b.publish(`${uid}.p.z`, [4], {}, {
        acknowledge: true,
        eligible: [a.id!],
      });
      await sleep(100);
      assert.deepEqual(got, [
        ["prefix", 1, `${uid}.p.x`],
        ["wildcard", 2, `${uid}.q.w`],
        ["prefix", 4, `${uid}.p.z`],
      ]);
    },
  },
];

/** Runs every scenario with every serializer against a router. */
/** A router the suite runs against, started by the test itself. */
export interface SuiteRouter {
  /** Its WebSocket URL. */
  url: string;
  /**
   * Open the sessions over this transport instead of a WebSocket to `url`
   * (such as `{ type: "longpoll", url }`); each session offers the
   * serializer under test.
   */
  transport?: TransportOptions;
  /** Stops it. */
  stop(): Promise<void>;
}

/**
 * One test per router: starts it, runs every scenario with every serializer
 * as a step, checks its answer to CANCEL skip (`cancelSkip`: the error URI it
 * sends, or undefined for none), and stops it, whatever happened. Nothing is
 * shared between tests, so `--filter` can pick any of them.
 */
export function defineSuite(
  router: string,
  start: () => Promise<SuiteRouter>,
  options: {
    quirks?: Quirks;
    skip?: string[];
    cancelSkip: string | undefined;
    cancelSkipNote: string;
  },
): void {
  Deno.test({
    name: `${router}: scenario suite (${SCENARIOS.length} scenarios × ${
      Object.keys(SERIALIZERS).length
    } serializers)`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const running = await start();
      try {
        for (const [format, make] of Object.entries(SERIALIZERS)) {
          for (const scenario of SCENARIOS) {
            await t.step({
              name: `${router} [${format}] ${scenario.name}`,
              ignore: options.skip?.includes(scenario.name) ?? false,
              sanitizeOps: false,
              sanitizeResources: false,
              async fn() {
                const open = () =>
                  connect({
                    url: running.url,
                    transports: running.transport && [running.transport],
                    realm: "realm1",
                    serializers: [make()],
                  });
                const a = await open();
                const b = await open();
                try {
                  const uid = `test${crypto.randomUUID().slice(0, 8)}`;
                  await scenario.run(a, b, uid, options.quirks ?? {});
                } finally {
                  await a.leave();
                  await b.leave();
                }
              },
            });
          }
        }
        await t.step({
          name: `${router}: answer to CANCEL skip (${options.cancelSkipNote})`,
          sanitizeOps: false,
          sanitizeResources: false,
          async fn() {
            assert.equal(
              await cancelSkipAnswer(running.url, running.transport),
              options.cancelSkip,
            );
          },
        });
      } finally {
        await running.stop();
      }
    },
  });
}

/**
 * What a router answers after CANCEL `skip`: the spec says ERROR
 * `wamp.error.canceled` at once; peers.md §1.3 documents that Crossbar sends
 * none. Returns the error URI the router sent for the call, or undefined.
 */
export async function cancelSkipAnswer(
  url: string,
  transport?: TransportOptions,
): Promise<string | undefined> {
  const lines: string[] = [];
  const transports = transport && [transport];
  const callee = await connect({ url, transports, realm: "realm1" });
  const caller = await connect({
    url,
    transports,
    realm: "realm1",
    debug: true,
    trace: (line) => lines.push(line),
  });
  try {
    const uid = `skip${crypto.randomUUID().slice(0, 8)}`;
    await callee.register(
      `${uid}.slow`,
      () => new Promise((r) => setTimeout(() => r(1), 600)),
    );
    const call = caller.call(`${uid}.slow`);
    await sleep(50);
    call.cancel("skip");
    await assert.rejects(
      call,
      (e: unknown) => (e as WampError).uri === "wamp.error.canceled",
    );
    await sleep(900); // the callee finishes; a RESULT may follow and is dropped
    assert.ok(caller.isOpen, "late answers must not break the session");
    const error = lines.find((l) => l.includes("← [8,48,"));
    return error
      ? JSON.parse(error.slice(error.indexOf("← ") + 2)).at(4)
      : undefined;
  } finally {
    await caller.leave();
    await callee.leave();
  }
}
