// The client scenario suite against Crossbar.io, a real router, installed by
// tests/interop/install_peers.sh. Crossbar's documented deviations
// (peers.md §1.3: no ERROR after CANCEL skip, timeouts in seconds answered
// with wamp.error.canceled) do not show here: the client rejects on its own
// for cancel and timeout and drops whatever the router answers later.
import { defineSuite } from "./_scenarios.ts";
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
  name: "crossbar: stop",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await router?.stop();
  },
});
