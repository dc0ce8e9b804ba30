// The interop scenario suite (tests/interop/_scenarios.ts) against the
// embedded router over HTTP long-poll (Deno adapter), with every serializer.
import { defineSuite } from "../interop/_scenarios.ts";
import { Router } from "../../src/router/router.ts";
import { serveRouter } from "../../src/router/adapters/deno.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

defineSuite("embedded over long-poll", () => {
  const router = new Router({
    realms: ["realm1"],
    serializers: [
      new JsonSerializer(),
      new MsgpackSerializer(),
      new CborSerializer(),
    ],
  });
  const server = serveRouter(router, { port: 0, longpoll: "/lp" });
  return Promise.resolve({
    url: server.url,
    transport: { type: "longpoll", url: server.longpollUrl! },
    stop: () => server.shutdown(),
  });
}, {
  cancelSkip: "wamp.error.canceled",
  cancelSkipNote: "spec: ERROR wamp.error.canceled",
});
