// The client scenario suite against Crossbar.io, a real router, installed by
// tests/interop/install_peers.sh. Crossbar's documented deviations
// (peers.md §1.3: no ERROR after CANCEL skip, timeouts in seconds answered
// with wamp.error.canceled) do not show here: the client rejects on its own
// for cancel and timeout and drops whatever the router answers later.
import assert from "node:assert/strict";
import { cancelSkipAnswer, defineSuite } from "./_scenarios.ts";
import { type RunningRouter, startCrossbar } from "./_process.ts";

let router: RunningRouter | undefined;

Deno.test({
  name: "crossbar: start",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    router = await startCrossbar();
  },
});

defineSuite("crossbar", () => router!.url);

Deno.test({
  name: "crossbar: answer to CANCEL skip (documented behaviour)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Crossbar sends no ERROR after CANCEL skip (peers.md §1.3, dealer.py); the spec says it should. The client rejected locally, so nothing hangs.
    assert.equal(await cancelSkipAnswer(router!.url), undefined);
  },
});

Deno.test({
  name: "crossbar: stop",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await router?.stop();
  },
});
