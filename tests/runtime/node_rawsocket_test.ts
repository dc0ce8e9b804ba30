// Our client under Node itself (20.16+) over RawSocket, through the
// default connector (node:net from process.getBuiltinModule): the client
// script node_rawsocket_client.ts is bundled with `deno bundle` and run by
// `node` against the embedded router served by Deno, with each serializer,
// over TCP and a Unix socket.
import assert from "node:assert/strict";
import { serveRawSocket } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

const here = new URL("./", import.meta.url);

async function run(bundle: string, url: string, format: string) {
  const child = new Deno.Command(Deno.env.get("NODE_BIN") ?? "node", {
    args: [bundle, url, format],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, 30_000);
  try {
    const { code, stdout, stderr } = await child.output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0, `${out}\n${new TextDecoder().decode(stderr)}`);
    return JSON.parse(out.trim().split("\n").at(-1)!);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("node: our client under Node over RawSocket (node:net), every serializer, TCP and Unix socket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wampkit-node-rs-" });
  const bundle = `${dir}/client.mjs`;
  const built = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "-q",
      "-o",
      bundle,
      new URL("node_rawsocket_client.ts", here).pathname,
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
  const tcp = serveRawSocket(router, { port: 0 });
  const unix = serveRawSocket(router, { path: `${dir}/router.sock` });
  const { connect } = await import("../../src/client/connection.ts");
  const deno = await connect({
    realm: "realm1",
    transports: [{ type: "rawsocket", url: tcp.url }],
  });
  try {
    await deno.register(
      "deno.echo",
      (args) => args.length === 1 ? args[0] : args,
    );
    for (const url of [tcp.url, unix.url]) {
      for (const format of ["json", "msgpack", "cbor"]) {
        const r = await run(bundle, url, format);
        const what = `${url} ${format}`;
        assert.ok(Number(r.node.split(".")[0]) >= 20, what);
        assert.deepEqual(r.info, {
          type: "rawsocket",
          url,
          protocol: `wamp.2.${format}`,
        }, what);
        assert.equal(r.sum, 42, what);
        assert.deepEqual(r.echo, ["from node", 7], what);
        assert.equal(r.published, true, what);
        assert.deepEqual(r.event, [1, "two"], what);
        assert.deepEqual(r.binary, [0, 1, 254, 255], what);
        assert.equal(r.binaryIsPlain, true, what);
      }
    }
  } finally {
    await deno.leave().catch(() => {});
    await tcp.shutdown();
    await unix.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
