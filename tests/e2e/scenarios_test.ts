// The interop scenario suite (tests/interop/_scenarios.ts) against the
// embedded router over WebSocket, with every serializer.
import { defineSuite } from "../interop/_scenarios.ts";
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

Deno.test("embedded: stop", async () => {
  await server?.shutdown();
});
