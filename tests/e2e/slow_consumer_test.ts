// A subscriber that stops reading, on a real socket: the Deno adapter's
// bufferedAmount grows once the TCP buffers are full, and past
// maxOutboundBytes the router closes that session while the publisher and
// the other subscribers carry on.
import assert from "node:assert/strict";
import { connect } from "../../src/client/connection.ts";
import { serveRouter } from "../../src/router/adapters/deno.ts";
import { Router, type RouterEvent } from "../../src/router/router.ts";
import { FrameReader, rawUpgrade, sendText } from "../_helpers/raw_ws.ts";

Deno.test("slow consumer over WebSocket: closed past maxOutboundBytes, nobody else disturbed", async () => {
  const events: RouterEvent[] = [];
  const router = new Router({
    realms: ["realm1"],
    maxOutboundBytes: 256 * 1024,
    onEvent: (e) => events.push(e),
  });
  const server = serveRouter(router, { port: 0 });
  const up = await rawUpgrade(server.port, {
    "Sec-WebSocket-Protocol": "wamp.2.json",
  });
  try {
    assert.equal(up.status, 101);
    const reader = new FrameReader(up.conn);
    await sendText(up.conn, '[1,"realm1",{"roles":{"subscriber":{}}}]');
    const welcome = await reader.message();
    const slowId = welcome![1];
    await sendText(up.conn, '[32,1,{},"com.feed"]');
    assert.equal((await reader.message())![0], 33);
    // From here on the raw peer reads nothing.

    const watcher = await connect({ url: server.url, realm: "realm1" });
    const left = Promise.withResolvers<unknown>();
    await watcher.subscribe("wamp.session.on_leave", (a) => left.resolve(a[0]));
    const reader2 = await connect({ url: server.url, realm: "realm1" });
    let received = 0;
    await reader2.subscribe("com.feed", () => received++);
    const publisher = await connect({ url: server.url, realm: "realm1" });
    const chunk = "y".repeat(4096);
    let sent = 0;
    let gone = false;
    left.promise.then(() => gone = true);
    // Up to 40 MB, far past the socket buffers and the bound, in batches
    // (Deno's WebSocket client stalls ~40 ms on each lone large message).
    while (!gone && sent < 10_000) {
      for (let i = 0; i < 49; i++) {
        publisher.publish("com.feed", [sent++, chunk]);
      }
      await publisher.publish("com.feed", [sent++, chunk], {}, {
        acknowledge: true,
      });
    }
    assert.ok(gone, `the slow session was still there after ${sent} events`);
    assert.equal(await left.promise, slowId);
    // The publisher and the reading subscriber are undisturbed.
    await publisher.publish("com.feed", ["last"], {}, { acknowledge: true });
    sent++;
    const deadline = Date.now() + 5000;
    while (received < sent && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(received, sent);
    assert.ok(publisher.isOpen && reader2.isOpen && watcher.isOpen);
    const abort = events.find((e) => e.type === "abort");
    assert.equal(abort?.session, slowId);
    assert.match(abort!.detail!, /slow consumer/);
    for (const s of [watcher, reader2, publisher]) await s.leave();
  } finally {
    up.conn.close();
    await server.shutdown();
  }
});
