// Run by rawsocket_child_test.ts in a Deno with other permissions than
// `deno task test` gives:
//   unix:   (--allow-read --allow-write) the router on a Unix socket, the
//           client through the Deno connector and the Node one (node:net);
//   denied: (no --allow-net) what a RawSocket client reports without the
//           permission to connect.
// Prints one line: JSON with what it saw.
import { connect, Connection } from "../../src/client/connection.ts";
import { serveRawSocket } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { nodeConnector } from "../../src/transports/connectors/node.ts";

const mode = Deno.args[0];
const out: Record<string, unknown> = {};

if (mode === "unix") {
  const dir = await Deno.makeTempDir({ prefix: "wampkit-rs-" });
  const path = `${dir}/router.sock`;
  const router = new Router({ realms: ["realm1"] });
  const server = serveRawSocket(router, { path });
  try {
    out.url = server.url;
    const a = await connect({
      realm: "realm1",
      transports: [{ type: "rawsocket", url: server.url }],
    });
    // autobahn-python's spelling, through node:net
    const b = await connect({
      realm: "realm1",
      transports: [{
        type: "rawsocket",
        url: `rs://unix:${path}`,
        connector: nodeConnector(),
      }],
    });
    await a.register("com.unix", (args) => `hello ${args[0]}`);
    out.call = await b.call("com.unix", ["unix"]);
    await a.leave();
    await b.leave();
  } finally {
    await server.shutdown();
  }
  out.removed = await Deno.stat(path).then(() => false, () => true);
  await Deno.remove(dir, { recursive: true });
} else if (mode === "denied") {
  const url = "rs://127.0.0.1:9";
  try {
    await connect({
      realm: "realm1",
      transports: [{ type: "rawsocket", url }],
    });
  } catch (err) {
    out.message = (err as Error).message;
    out.denied = (err as { denied?: boolean }).denied;
  }
  const closes: unknown[] = [];
  const connection = new Connection({
    realm: "realm1",
    transports: [{ type: "rawsocket", url }],
    max_retries: 3,
  });
  const done = Promise.withResolvers<void>();
  connection.onclose = (reason, details) => {
    closes.push([reason, details.reason, details.will_retry]);
    if (!details.will_retry) done.resolve();
  };
  connection.open();
  await done.promise;
  out.closes = closes;
}
console.log(JSON.stringify(out));
