// autobahn-python (PyPI, asyncio) against the embedded router, as a real
// child process (py_autobahn.py, run with .peers/abvenv from
// tests/interop/install_peers.sh): a Python callee called by wampkit, a
// Python caller of a wampkit callee (progressive results, an application
// error), and a Python callee interrupted by a CANCEL kill.
//
// autobahn-python answers INTERRUPT with an ERROR of its own
// (wamp.error.runtime_error, research/peers.md §7); after a `kill` the
// dealer must still give the caller wamp.error.canceled. The wampkit client
// rejects a canceled call by itself and drops what the router answers, so
// the router's ERROR is also read on the wire by a hand-written JSON caller.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import { Result } from "../../src/client/result.ts";
import type { Session } from "../../src/client/session.ts";
import { WampError } from "../../src/protocol/wamp_error.ts";
import { serveRawSocket, serveRouter } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { Child, pythonWithAutobahn, STEP_MS } from "./_child.ts";
import { SERIALIZERS } from "./_scenarios.ts";

const here = new URL("./", import.meta.url);
const opts = { sanitizeOps: false, sanitizeResources: false };

function spawnPython(url: string, serializer: string): Child {
  return new Child(
    `python py_autobahn.py ${serializer}`,
    pythonWithAutobahn(),
    [new URL("py_autobahn.py", here).pathname, url, serializer],
  );
}

/** Rejects after `ms` with a message, unless `promise` settles first. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${ms} ms: ${what}`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Serves a router (port 0, all serializers, strict request ids: autobahn-
 * python counts its ids) with a wampkit session speaking `serializer`, that
 * offers wampkit.echo, the progressive wampkit.count and wampkit.fail, and
 * runs the Python peer, over WebSocket or RawSocket (`rs://`). `url` is the
 * router's WebSocket URL either way.
 */
async function withPython(
  serializer: string,
  transport: "websocket" | "rawsocket",
  fn: (
    ctx: {
      url: string;
      session: Session;
      py: Child;
      ready: Record<string, unknown>;
    },
  ) => Promise<void>,
): Promise<void> {
  const router = new Router({
    realms: ["realm1"],
    serializers: Object.values(SERIALIZERS).map((make) => make()),
  });
  const server = serveRouter(router, { port: 0 });
  const rawsocket = serveRawSocket(router, { port: 0 });
  let session: Session | undefined;
  try {
    session = await connect({
      url: server.url,
      realm: "realm1",
      max_retries: 0,
      serializers: [SERIALIZERS[serializer]!()],
    });
    await session.register(
      "wampkit.echo",
      (args, kwargs) => new Result(args, kwargs),
    );
    await session.register("wampkit.count", (args, _kw, d) => {
      const n = args[0] as number;
      for (let i = 0; i < n; i++) d.progress?.([i], { i });
      return new Result([n], { done: true });
    });
    await session.register("wampkit.fail", () => {
      throw new WampError("com.example.error.bad", ["bad"], { code: 7 });
    });
    await using py = spawnPython(
      transport === "rawsocket" ? rawsocket.url : server.url,
      serializer,
    );
    const ready = (await py.report("ready")).ready;
    await fn({ url: server.url, session, py, ready });
    await py.send("bye");
    const status = await py.exit();
    assert.equal(status.code, 0, `exit code\n${py.output}`);
    assert.deepEqual(
      py.reports.filter((r) => "error" in r),
      [],
      py.output,
    );
  } finally {
    if (session?.isOpen) await session.leave().catch(() => {});
    await server.shutdown();
    await rawsocket.shutdown();
  }
}

/**
 * A caller written by hand (JSON over Deno's WebSocket): CALL, then CANCEL
 * with `mode` once the callee reports the invocation; returns the ERROR the
 * router sends for the call, as it is on the wire.
 */
async function rawCallAndCancel(
  url: string,
  procedure: string,
  mode: string,
  invoked: () => Promise<unknown>,
): Promise<unknown[]> {
  const ws = new WebSocket(url, ["wamp.2.json"]);
  const inbox: unknown[][] = [];
  let wake: (() => void) | undefined;
  ws.onmessage = (e) => {
    inbox.push(JSON.parse(e.data as string));
    wake?.();
  };
  ws.onclose = () => wake?.();
  const next = async (what: string): Promise<unknown[]> => {
    const deadline = Date.now() + STEP_MS;
    while (inbox.length === 0) {
      if (ws.readyState === WebSocket.CLOSED) {
        throw new Error(`socket closed while waiting for ${what}`);
      }
      if (Date.now() > deadline) throw new Error(`no ${what} in time`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
    return inbox.shift()!;
  };
  try {
    await within(
      STEP_MS,
      "raw caller open",
      new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error("raw caller: WebSocket error"));
      }),
    );
    ws.send(JSON.stringify([1, "realm1", {
      roles: {
        caller: { features: { call_canceling: true } },
      },
    }]));
    const welcome = await next("WELCOME");
    assert.equal(
      welcome[0],
      2,
      `WELCOME expected, got ${JSON.stringify(welcome)}`,
    );
    ws.send(JSON.stringify([48, 1, {}, procedure, []]));
    await within(STEP_MS, "the callee reports the invocation", invoked());
    ws.send(JSON.stringify([49, 1, { mode }]));
    const answer = await next("ERROR for the canceled CALL");
    ws.send(JSON.stringify([6, {}, "wamp.close.close_realm"]));
    return answer;
  } finally {
    ws.close();
  }
}

const CASES = ["json", "msgpack", "cbor"].flatMap((serializer) =>
  (["websocket", "rawsocket"] as const).map((transport) => ({
    serializer,
    transport,
    over: transport === "rawsocket" ? " over RawSocket" : "",
  }))
);

for (const { serializer, transport, over } of CASES) {
  Deno.test({
    name:
      `python: autobahn-python (${serializer}${over}) calls wampkit: args/kwargs, progressive results, application error`,
    ...opts,
    fn: () =>
      withPython(serializer, transport, ({ ready, py }) => {
        assert.deepEqual(ready, {
          session: ready.session,
          protocol: `wamp.2.${serializer}`,
          transport,
          echo: {
            args: [1, "two", { three: 3.5, list: [null, true, false] }],
            kwargs: {
              unicode: "ü€😀",
              nested: { a: [1, { b: null }] },
              neg: -7,
            },
          },
          count: {
            progress: [0, 1, 2].map((i) => ({ args: [i], kwargs: { i } })),
            final: { args: [3], kwargs: { done: true } },
          },
          fail: {
            error: "com.example.error.bad",
            args: ["bad"],
            kwargs: { code: 7 },
          },
        }, py.output);
        assert.ok(
          Number.isInteger(ready.session) && (ready.session as number) > 0,
          py.output,
        );
        return Promise.resolve();
      }),
  });

  Deno.test({
    name:
      `python: wampkit calls an autobahn-python callee (${serializer}${over}): args/kwargs and errors`,
    ...opts,
    fn: () =>
      withPython(serializer, transport, async ({ session, py }) => {
        const r = await within(
          STEP_MS,
          "call py.add",
          session.call("py.add", [2, 3], { x: "y", n: null }),
        );
        assert.ok(r instanceof Result, `a Result expected\n${py.output}`);
        assert.deepEqual(
          [r.args, r.kwargs],
          [[5], { sum: 5, echo: { x: "y", n: null } }],
          py.output,
        );
        // A Python TypeError (a missing argument) comes back as the error
        // autobahn-python gives any exception: wamp.error.runtime_error.
        await assert.rejects(
          within(STEP_MS, "call py.add badly", session.call("py.add", [1])),
          (e: unknown) =>
            e instanceof WampError && e.uri === "wamp.error.runtime_error" &&
            String(e.args[0]).includes("missing 1 required positional"),
        );
      }),
  });

  Deno.test({
    name:
      `python: wampkit cancels (kill) a call to an autobahn-python callee (${serializer}${over}): wamp.error.canceled, the callee is interrupted`,
    ...opts,
    fn: () =>
      withPython(serializer, transport, async ({ session, py }) => {
        const call = session.call("py.slow");
        const outcome = call.then(
          (v) => ({ resolved: v }),
          (e: unknown) => ({ rejected: e }),
        );
        await py.report("invoked");
        call.cancel("kill");
        const got = await within(STEP_MS, "the canceled call settles", outcome);
        assert.ok(
          "rejected" in got && got.rejected instanceof WampError,
          `a WampError expected, got ${JSON.stringify(got)}`,
        );
        assert.equal(got.rejected.uri, "wamp.error.canceled");
        // The Python handler saw the INTERRUPT as a cancellation.
        await py.report("interrupted");
        // Both sessions carry on: the callee answers the next call.
        assert.ok(session.isOpen);
        const r = await within(
          STEP_MS,
          "call py.add after the cancel",
          session.call("py.add", [40, 2]),
        ) as Result;
        assert.deepEqual(r.args, [42], py.output);
      }),
  });

  // The router's answer on the wire, read by a WebSocket caller written by
  // hand: once per serializer.
  if (transport === "websocket") {
    Deno.test({
      name:
        `python: CANCEL kill of a call to an autobahn-python callee (${serializer}): the router answers the caller wamp.error.canceled on the wire`,
      ...opts,
      fn: () =>
        withPython(serializer, transport, async ({ url, session, py }) => {
          const error = await rawCallAndCancel(
            url,
            "py.slow",
            "kill",
            () => py.report("invoked"),
          );
          await py.report("interrupted");
          // [ERROR, CALL, CALL.Request, Details, Error, ...]
          assert.deepEqual(
            error.slice(0, 2).concat(error.slice(4, 5)),
            [8, 48, "wamp.error.canceled"],
            `router answered ${JSON.stringify(error)}\n${py.output}`,
          );
          assert.equal(error[2], 1);
          const r = await within(
            STEP_MS,
            "call py.add after the cancel",
            session.call("py.add", [40, 2]),
          ) as Result;
          assert.deepEqual(r.args, [42], py.output);
        }),
    });
  }
}
