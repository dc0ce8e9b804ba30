// The client scenario suite against Nexus (gammazero/nexus v3), a real
// router, installed by tests/interop/install_peers.sh.
import { defineSuite } from "./_scenarios.ts";
import { type RunningRouter, startNexus } from "./_process.ts";

let router: RunningRouter | undefined;

Deno.test({
  name: "nexus: start",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    router = await startNexus();
  },
});

defineSuite("nexus", () => router!.url);

Deno.test({
  name: "nexus: stop",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await router?.stop();
  },
});
