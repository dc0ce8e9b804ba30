// Starts routers as separate processes so that the load generator and the
// router do not share a thread: the embedded router via its CLI, Nexus and
// Crossbar from .peers/ (tests/interop/install_peers.sh installs them).
import {
  freePort,
  peerBinary,
  type RunningRouter,
  startRouter,
} from "../tests/interop/_process.ts";

const root = new URL("../", import.meta.url);

export async function embedded(extra: string[] = []): Promise<RunningRouter> {
  const port = freePort();
  return await startRouter("wampkit", Deno.execPath(), [
    "run",
    "--allow-net",
    "--allow-env",
    new URL("src/router/adapters/cli.ts", root).pathname,
    "--port",
    String(port),
    "--quiet",
    ...extra,
  ], `ws://127.0.0.1:${port}/ws`);
}

export async function nexus(): Promise<RunningRouter> {
  const port = freePort();
  return await startRouter(
    "nexusd",
    peerBinary("bin/nexusd", "NEXUSD_BIN"),
    ["--ws", `127.0.0.1:${port}`, "--realm", "realm1"],
    `ws://127.0.0.1:${port}/ws`,
  );
}

export async function crossbar(): Promise<RunningRouter & { dir: string }> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "wampkit-bench-cb-" });
  await Deno.mkdir(`${dir}/.crossbar`);
  await Deno.writeTextFile(
    `${dir}/.crossbar/config.json`,
    JSON.stringify({
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
              disclose: { caller: false, publisher: false },
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
    }),
  );
  const r = await startRouter(
    "crossbar",
    peerBinary("cbvenv/bin/crossbar", "CROSSBAR_BIN"),
    ["start", "--cbdir", `${dir}/.crossbar`],
    `ws://127.0.0.1:${port}/ws`,
    { cwd: dir, timeoutMs: 90000 },
  );
  return { ...r, dir };
}
