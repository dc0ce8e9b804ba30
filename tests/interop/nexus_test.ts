// The client scenario suite against Nexus (gammazero/nexus v3), a real
// router, installed by tests/interop/install_peers.sh.
import { defineSuite } from "./_scenarios.ts";
import {
  freePort,
  peerBinary,
  type RunningRouter,
  startRouter,
} from "./_process.ts";

let router: RunningRouter | undefined;

Deno.test({
  name: "nexus: start nexusd",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const port = freePort();
    router = await startRouter(
      "nexusd",
      peerBinary("bin/nexusd", "NEXUSD_BIN"),
      ["--ws", `127.0.0.1:${port}`, "--realm", "realm1"],
      `ws://127.0.0.1:${port}/ws`,
    );
  },
});

defineSuite("nexus", () => router!.url);

Deno.test({
  name: "nexus: stop nexusd",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await router?.stop();
  },
});
