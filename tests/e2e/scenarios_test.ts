// The interop scenario suite (tests/interop/_scenarios.ts) against the
// embedded router over WebSocket, with every serializer.
import assert from "node:assert/strict";
import { cancelSkipAnswer, defineSuite } from "../interop/_scenarios.ts";
import { Router } from "../../src/router/router.ts";
import {
  type RouterServer,
  serveRouter,
} from "../../src/router/adapters/deno.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

let server: RouterServer | undefined;

Deno.test("embedded: start", () => {
  const router = new Router({
    realms: ["realm1"],
    serializers: [
      new JsonSerializer(),
      new MsgpackSerializer(),
      new CborSerializer(),
    ],
  });
  server = serveRouter(router, { port: 0 });
});

defineSuite("embedded", () => server!.url);

Deno.test("embedded: CANCEL skip is answered with ERROR wamp.error.canceled (spec)", async () => {
  assert.equal(await cancelSkipAnswer(server!.url), "wamp.error.canceled");
});

Deno.test("embedded: stop", async () => {
  await server?.shutdown();
});
