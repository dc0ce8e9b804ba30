// The client scenario suite against Crossbar.io, a real router, installed by
// tests/interop/install_peers.sh. Crossbar's documented deviations
// (peers.md §1.3: no ERROR after CANCEL skip, timeouts in seconds answered
// with wamp.error.canceled) do not show here: the client rejects on its own
// for cancel and timeout and drops whatever the router answers later.
import { defineSuite } from "./_scenarios.ts";
import {
  freePort,
  peerBinary,
  type RunningRouter,
  startRouter,
} from "./_process.ts";

let router: RunningRouter | undefined;
let dir: string | undefined;

function config(port: number): unknown {
  return {
    version: 2,
    controller: {},
    workers: [{
      type: "router",
      realms: [{
        name: "realm1",
        roles: [{
          name: "anonymous",
          permissions: [{
            uri: "",
            match: "prefix",
            allow: {
              call: true,
              register: true,
              publish: true,
              subscribe: true,
            },
            disclose: { caller: true, publisher: true },
            cache: true,
          }],
        }],
      }],
      transports: [{
        type: "web",
        endpoint: { type: "tcp", interface: "127.0.0.1", port },
        paths: {
          ws: {
            type: "websocket",
            serializers: ["json", "msgpack", "cbor"],
            auth: { anonymous: { type: "static", role: "anonymous" } },
          },
        },
      }],
    }],
  };
}

Deno.test({
  name: "crossbar: start crossbar",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const port = freePort();
    dir = await Deno.makeTempDir({ prefix: "wampkit-crossbar-" });
    await Deno.mkdir(`${dir}/.crossbar`);
    await Deno.writeTextFile(
      `${dir}/.crossbar/config.json`,
      JSON.stringify(config(port)),
    );
    router = await startRouter(
      "crossbar",
      peerBinary("cbvenv/bin/crossbar", "CROSSBAR_BIN"),
      ["start", "--cbdir", `${dir}/.crossbar`],
      `ws://127.0.0.1:${port}/ws`,
      { cwd: dir, timeoutMs: 90000 },
    );
  },
});

defineSuite("crossbar", () => router!.url);

Deno.test({
  name: "crossbar: stop crossbar",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await router?.stop();
    if (dir) await Deno.remove(dir, { recursive: true });
  },
});
