// The client scenario suite against Nexus (gammazero/nexus v3), a real
// router, installed by tests/interop/install_peers.sh.
import assert from "node:assert/strict";
import { denoConnector } from "../../src/transports/connectors/deno.ts";
import { connectRawSocket } from "../../src/transports/rawsocket.ts";
import { RawSocketError } from "../../src/transports/rawsocket_error.ts";
import { defineSuite } from "./_scenarios.ts";
import { startNexus } from "./_process.ts";

defineSuite("nexus", startNexus, {
  // Nexus follows the spec: ERROR wamp.error.canceled right after CANCEL
  // skip; the client already rejected and drops it.
  cancelSkip: "wamp.error.canceled",
  cancelSkipNote: "spec: ERROR wamp.error.canceled",
});

// The same over RawSocket (nexusd --tcp).
defineSuite("nexus rawsocket", async () => {
  const running = await startNexus({ rawsocket: true });
  return {
    ...running,
    transport: { type: "rawsocket", url: running.rawsocketUrl! },
  };
}, {
  cancelSkip: "wamp.error.canceled",
  cancelSkipNote: "spec: ERROR wamp.error.canceled",
});

Deno.test("nexus rawsocket: an unsupported serializer gets error reply 1; the client asks for the next one", async () => {
  const running = await startNexus({ rawsocket: true });
  try {
    const ubjson = { rawSocketId: 4, protocol: "wamp.2.ubjson" };
    const json = { rawSocketId: 1, protocol: "wamp.2.json" };
    await assert.rejects(
      connectRawSocket(running.rawsocketUrl!, {
        serializers: [ubjson],
        connector: denoConnector(),
      }),
      (e: unknown) =>
        e instanceof RawSocketError && e.code === "serializer_unsupported",
    );
    const transport = await connectRawSocket(running.rawsocketUrl!, {
      serializers: [ubjson, json],
      connector: denoConnector(),
    });
    assert.equal(transport.info.protocol, "wamp.2.json");
    transport.close();
  } finally {
    await running.stop();
  }
});
