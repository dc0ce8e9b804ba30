// The client scenario suite against Nexus (gammazero/nexus v3), a real
// router, installed by tests/interop/install_peers.sh.
import { defineSuite } from "./_scenarios.ts";
import { startNexus } from "./_process.ts";

defineSuite("nexus", startNexus, {
  // Nexus follows the spec: ERROR wamp.error.canceled right after CANCEL
  // skip; the client already rejected and drops it.
  cancelSkip: "wamp.error.canceled",
  cancelSkipNote: "spec: ERROR wamp.error.canceled",
});
