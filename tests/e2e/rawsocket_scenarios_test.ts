// The interop scenario suite (tests/interop/_scenarios.ts) against the
// embedded router over RawSocket (serveRawSocket, Deno.listen), with every
// serializer, through the client's default connector.
import { defineSuite } from "../interop/_scenarios.ts";
import { Router } from "../../src/router/router.ts";
import { serveRawSocket } from "../../src/router/adapters/deno.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

defineSuite("embedded rawsocket", () => {
  const router = new Router({
    realms: ["realm1"],
    serializers: [
      new JsonSerializer(),
      new MsgpackSerializer(),
      new CborSerializer(),
    ],
  });
  const server = serveRawSocket(router, { port: 0 });
  return Promise.resolve({
    url: server.url,
    transport: { type: "rawsocket", url: server.url },
    stop: () => server.shutdown(),
  });
}, {
  cancelSkip: "wamp.error.canceled",
  cancelSkipNote: "spec: ERROR wamp.error.canceled",
});
