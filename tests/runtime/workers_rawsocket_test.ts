// Our client inside a Worker under workerd (Miniflare), over RawSocket:
// tests/runtime/worker_rawsocket_entry.ts, bundled with `deno bundle`,
// connects with workersConnector(connect of cloudflare:sockets) to the
// embedded router served by Deno, with each serializer.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import { serveRawSocket } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

const here = new URL("./", import.meta.url);

Deno.test({
  name:
    "workers connector under workerd (Miniflare): a Worker's session over RawSocket, every serializer",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "wampkit-worker-rs-" });
    const bundle = `${dir}/worker.js`;
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
    const built = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "-q",
        "--external",
        "cloudflare:sockets",
        "-o",
        bundle,
        entry,
      ],
    }).output();
    assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
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
    const child = new Deno.Command("node", {
      args: [new URL("miniflare_server.mjs", here).pathname, bundle],
      cwd: here.pathname,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let out = "";
      while (!/READY \S+/.test(out)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`miniflare did not start: ${out}`);
        out += value;
      }
      reader.releaseLock();
      const base = /READY (\S+)/.exec(out)![1]!;
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
      await child.stdin.close();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await child.status;
      clearTimeout(timer);
      await child.stdout.cancel().catch(() => {});
      await deno.leave().catch(() => {});
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
