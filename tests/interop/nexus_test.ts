// The client scenario suite against Nexus (gammazero/nexus v3), a real
// router, installed by tests/interop/install_peers.sh.
import assert from "node:assert/strict";
import { cancelSkipAnswer, defineSuite } from "./_scenarios.ts";
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
  name: "nexus: answer to CANCEL skip (documented behaviour)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Nexus follows the spec: ERROR wamp.error.canceled right after CANCEL skip; the client already rejected and drops it.
    assert.equal(await cancelSkipAnswer(router!.url), "wamp.error.canceled");
  },
});

Deno.test({
  name: "nexus: stop",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await router?.stop();
  },
});
