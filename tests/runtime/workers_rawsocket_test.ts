// Our client inside a Worker under workerd (Miniflare), over RawSocket:
// tests/runtime/worker_rawsocket_entry.ts, bundled and served by
// workers_miniflare.ts, connects with workersConnector(connect of
// cloudflare:sockets) to the embedded router served by Deno, with each
// serializer.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import { serveRawSocket } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import { startWorkerd } from "./workers_miniflare.ts";

const here = new URL("./", import.meta.url);

Deno.test({
  name:
    "workers connector under workerd (Miniflare): a Worker's session over RawSocket, every serializer",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "wampkit-worker-rs-" });
    // The entry imports cloudflare:sockets, which only workerd resolves: it
    // is written here, outside the repository that `deno check` reads.
    const entry = `${dir}/entry.ts`;
    await Deno.writeTextFile(
      entry,
      [
        `import { connect } from "cloudflare:sockets";`,
        `import { makeWorker } from "${new URL(
          "worker_rawsocket_entry.ts",
          here,
        )}";`,
        `export { WampRouterObject } from "${new URL(
          "../../src/router/adapters/workers.ts",
          here,
        )}";`,
        `export default makeWorker(connect);`,
      ].join("\n"),
    );
    const router = new Router({
      realms: ["realm1"],
      serializers: [
        new JsonSerializer(),
        new MsgpackSerializer(),
        new CborSerializer(),
      ],
    });
    const server = serveRawSocket(router, { port: 0 });
    const deno = await connect({
      realm: "realm1",
      transports: [{ type: "rawsocket", url: server.url }],
    });
    await deno.register("deno.echo", (args) => args);
    const w = await startWorkerd(new URL(`file://${entry}`), [
      "cloudflare:sockets",
    ]);
    try {
      const base = w.base;
      for (const format of ["json", "msgpack", "cbor"]) {
        const response = await fetch(
          `${base}?router=${encodeURIComponent(server.url)}&format=${format}`,
        );
        const body = await response.json();
        assert.deepEqual(body, {
          echo: ["from workerd", 7],
          info: {
            type: "rawsocket",
            url: server.url,
            protocol: `wamp.2.${format}`,
          },
        });
      }
    } finally {
      await w.stop();
      await deno.leave().catch(() => {});
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
