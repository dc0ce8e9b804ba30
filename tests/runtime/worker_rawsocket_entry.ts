// The Worker workers_rawsocket_test.ts runs under workerd (bundled with
// `deno bundle`): our client inside a Worker over RawSocket, through
// workersConnector and the connect() of cloudflare:sockets, to the router
// at ?router=rs://host:port&format=json. It answers with what it saw, as
// JSON.
import { connect } from "../../src/client/connection.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import {
  type WorkersConnect,
  workersConnector,
} from "../../src/transports/connectors/workers.ts";

/**
 * The Worker, given the `connect` of cloudflare:sockets (the test writes
 * the entry that imports it, so that `deno check` of the repository never
 * meets that module).
 */
export function makeWorker(
  connectSocket: WorkersConnect,
): { fetch(request: Request): Promise<Response> } {
  return {
    async fetch(request) {
      const params = new URL(request.url).searchParams;
      const url = params.get("router")!;
      const format = params.get("format");
      const serializer = format === "msgpack"
        ? new MsgpackSerializer()
        : format === "cbor"
        ? new CborSerializer()
        : new JsonSerializer();
      try {
        const session = await connect({
          realm: "realm1",
          serializers: [serializer],
          transports: [{
            type: "rawsocket",
            url,
            connector: workersConnector(connectSocket),
          }],
        });
        const echo = await session.call("deno.echo", ["from workerd", 7]);
        const info = session.transport.info;
        await session.leave();
        return Response.json({ echo, info });
      } catch (err) {
        return Response.json({ error: String(err) }, { status: 500 });
      }
    },
  };
}
