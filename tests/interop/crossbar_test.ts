// The client scenario suite against Crossbar.io, a real router, installed by
// tests/interop/install_peers.sh. Crossbar's documented deviations
// (peers.md §1.3: no ERROR after CANCEL skip, timeouts in seconds answered
// with wamp.error.canceled) do not show here: the client rejects on its own
// for cancel and timeout and drops whatever the router answers later.
import assert from "node:assert/strict";
import { denoConnector } from "../../src/transports/connectors/deno.ts";
import { connectRawSocket } from "../../src/transports/rawsocket.ts";
import { RawSocketError } from "../../src/transports/rawsocket_error.ts";
import { defineSuite } from "./_scenarios.ts";
import { startCrossbar } from "./_process.ts";

defineSuite("crossbar", startCrossbar, {
  // Crossbar sends no ERROR after CANCEL skip (peers.md §1.3, dealer.py);
  // the spec says it should. The client rejected locally, so nothing hangs.
  cancelSkip: undefined,
  cancelSkipNote: "none: its documented deviation",
});

// The same over RawSocket (a `rawsocket` transport beside the web one):
// Crossbar answers the handshake with its own 1 MiB limit.
defineSuite("crossbar rawsocket", async () => {
  const running = await startCrossbar({ rawsocket: true });
  return {
    ...running,
    transport: { type: "rawsocket", url: running.rawsocketUrl! },
  };
}, {
  cancelSkip: undefined,
  cancelSkipNote: "none: its documented deviation",
});

Deno.test("crossbar rawsocket: an unsupported serializer is answered by closing, without an error reply", async () => {
  const running = await startCrossbar({ rawsocket: true });
  try {
    // FlatBuffers (5) is not among the configured serializers
    await assert.rejects(
      connectRawSocket(running.rawsocketUrl!, {
        serializers: [{ rawSocketId: 5, protocol: "wamp.2.flatbuffers" }],
        connector: denoConnector(),
      }),
      (e: unknown) => e instanceof RawSocketError && e.code === "closed",
    );
  } finally {
    await running.stop();
  }
});
