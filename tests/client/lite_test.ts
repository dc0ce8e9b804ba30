// @wampkit/wamp/lite: the same client without long-poll and RawSocket, and
// nothing in its import graph that could bring them back.
import assert from "node:assert/strict";
import { connect, Connection } from "../../src/client/lite.ts";
import { TransportError } from "../../src/transports/transport_error.ts";
import { Router } from "../../src/router/router.ts";

Deno.test("lite: a long-poll or RawSocket transport is refused as unsupported, naming the full entry", async () => {
  for (const type of ["longpoll", "rawsocket"] as const) {
    const err = await new Connection({
      realm: "realm1",
      transports: [{ type, url: "http://127.0.0.1:9/lp" } as never],
    }).openSession().catch((e) => e);
    assert.ok(err instanceof TransportError, String(err));
    assert.equal(err.unsupported, true);
    assert.match(
      err.message,
      new RegExp(`${type} transport is not in this build`),
    );
  }
});

Deno.test("lite: memory transports work as with the full entry", async () => {
  const router = new Router();
  const s = await connect({
    realm: "realm1",
    transports: [{ type: "memory", connect: () => router.connectLocal() }],
  });
  assert.equal(await s.call("wamp.session.count"), 1);
  await s.leave();
});

Deno.test("lite: its import graph reaches no long-poll, RawSocket or connector module", () => {
  const seen = new Set<string>();
  const visit = (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const text = Deno.readTextFileSync(url).replace(/\/\*[\s\S]*?\*\//g, "");
    // Value imports and re-exports only: types are erased.
    for (
      const m of text.matchAll(
        /(?:import|export)\s+(?!type\b)[^;]*?from\s+"(\.[^"]+)"/g,
      )
    ) visit(new URL(m[1]!, url));
  };
  visit(new URL("../../src/client/lite.ts", import.meta.url));
  const bad = [...seen].filter((u) =>
    /transports\/(longpoll|rawsocket|connectors\/)/.test(u)
  );
  assert.deepEqual(bad, []);
  assert.ok(seen.size > 10);
});
