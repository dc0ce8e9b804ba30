// The client scenario suite against Crossbar's HTTP long-poll transport.
// Since 22.4.1 Crossbar's router refuses every long-poll session
// (RouterSession.onOpen asserts a WebSocket or RawSocket transport:
// research/peers.md §9, crossbar issue #1595), so this runs Crossbar 22.3.1
// (.peers/cb22venv, installed by install_peers.sh) with one run-time patch:
// _crossbar_longpoll/sitecustomize.py gives its long-poll session the
// `peer` attribute that 22.3.1 reads when it WELCOMEs a session.
import assert from "node:assert/strict";
import { defineSuite } from "./_scenarios.ts";
import { peerBinary, startCrossbar } from "./_process.ts";
import { connect, Connection } from "../../src/client/connection.ts";

const PATCH = new URL("./_crossbar_longpoll/", import.meta.url).pathname;

function startCrossbar22(sessionTimeout?: number) {
  return startCrossbar({
    binary: peerBinary("cb22venv/bin/crossbar", "CROSSBAR22_BIN"),
    longpoll: {
      path: "lp",
      options: sessionTimeout === undefined
        ? undefined
        : { session_timeout: sessionTimeout },
    },
    env: { PYTHONPATH: PATCH },
  });
}

function longpollUrl(wsUrl: string): string {
  return wsUrl.replace(/^ws:/, "http:").replace(/\/ws$/, "/lp");
}

defineSuite("crossbar 22.3.1 over long-poll", async () => {
  const crossbar = await startCrossbar22();
  return {
    url: crossbar.url,
    transport: { type: "longpoll", url: longpollUrl(crossbar.url) },
    stop: () => crossbar.stop(),
  };
}, {
  // As over WebSocket (crossbar_test.ts): no ERROR after CANCEL skip.
  cancelSkip: undefined,
  cancelSkipNote: "none: its documented deviation",
});

Deno.test({
  name:
    "crossbar 22.3.1 over long-poll: receives sent again before session_timeout keep an idle session",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Crossbar never answers an idle receive, and closes a transport that
    // started no request within session_timeout (2 s here; 30 s by default).
    const crossbar = await startCrossbar22(2);
    try {
      const url = longpollUrl(crossbar.url);
      const kept = await connect({
        realm: "realm1",
        transports: [{ type: "longpoll", url, receiveTimeout: 800 }],
      });
      const dropped = new Connection({
        realm: "realm1",
        transports: [{ type: "longpoll", url }],
        max_retries: 0,
      });
      const lost = Promise.withResolvers<string>();
      dropped.onclose = (reason) => void lost.resolve(reason);
      await dropped.openSession();
      await new Promise((r) => setTimeout(r, 6000));
      assert.ok(kept.isOpen, "re-polled every 800 ms, the session stays");
      assert.equal(await kept.call("wamp.session.count"), 1);
      // One receive held for 6 s: Crossbar closed that transport.
      assert.equal(await lost.promise, "lost");
      await kept.leave();
    } finally {
      await crossbar.stop();
    }
  },
});
