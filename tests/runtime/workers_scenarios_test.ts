// The interop scenario suite (tests/interop/_scenarios.ts) against the
// router of a Durable Object under workerd (Miniflare), with the WebSocket
// Hibernation API, reached as /ws/realm1 (realm1's own object), with every
// serializer; then again with the object evicted after the sessions
// joined.
import { connect } from "../../src/client/connection.ts";
import { defineSuite, SCENARIOS, SERIALIZERS } from "../interop/_scenarios.ts";
import { startWorkerd } from "./workers_miniflare.ts";

defineSuite("workerd (Durable Object per realm, hibernation)", async () => {
  const w = await startWorkerd(new URL("worker_entry.ts", import.meta.url));
  return { url: w.ws("ws/realm1"), stop: () => w.stop() };
}, {
  cancelSkip: "wamp.error.canceled",
  cancelSkipNote: "spec: ERROR wamp.error.canceled",
});

// Every scenario again, by sessions that joined before their object was
// evicted: they run on sessions restored from attachments and storage.
Deno.test({
  name:
    `workerd (Durable Object per realm, evicted after join): scenario suite (${SCENARIOS.length} scenarios × ${
      Object.keys(SERIALIZERS).length
    } serializers)`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await startWorkerd(new URL("worker_entry.ts", import.meta.url));
    try {
      for (const [format, make] of Object.entries(SERIALIZERS)) {
        for (const scenario of SCENARIOS) {
          await t.step({
            name: `evicted [${format}] ${scenario.name}`,
            sanitizeOps: false,
            sanitizeResources: false,
            async fn() {
              const open = () =>
                connect({
                  url: w.ws("ws/realm1"),
                  realm: "realm1",
                  serializers: [make()],
                });
              const a = await open();
              const b = await open();
              try {
                await w.evict("realm:realm1");
                const uid = `test${crypto.randomUUID().slice(0, 8)}`;
                await scenario.run(a, b, uid, {});
              } finally {
                await a.leave();
                await b.leave();
              }
            },
          });
        }
      }
    } finally {
      await w.stop();
    }
  },
});
