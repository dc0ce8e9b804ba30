// The client scenario suite against Crossbar.io, a real router, installed by
// tests/interop/install_peers.sh. Crossbar's documented deviations
// (peers.md §1.3: no ERROR after CANCEL skip, timeouts in seconds answered
// with wamp.error.canceled) do not show here: the client rejects on its own
// for cancel and timeout and drops whatever the router answers later.
import { defineSuite } from "./_scenarios.ts";
import { startCrossbar } from "./_process.ts";

defineSuite("crossbar", startCrossbar, {
  // Crossbar sends no ERROR after CANCEL skip (peers.md §1.3, dealer.py);
  // the spec says it should. The client rejected locally, so nothing hangs.
  cancelSkip: undefined,
  cancelSkipNote: "none: its documented deviation",
});
