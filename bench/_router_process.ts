// Starts routers as separate processes so that the load generator and the
// router do not share a thread: the embedded router via its CLI, Nexus and
// Crossbar from .peers/ (tests/interop/install_peers.sh installs them).
import {
  freePort,
  type RunningRouter,
  startCrossbar as crossbar,
  startNexus as nexus,
  startRouter,
} from "../tests/interop/_process.ts";

export { crossbar, nexus };

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
