// The Worker the Miniflare tests run (bundled with `deno bundle`): router
// objects with hibernation, one per realm under /ws/<realm> and the default
// one (also serving long-poll on /lp); a client session inside the Worker
// (/call); and test-only routes that show which instance of an object
// answers and what it stores (/test/...).
import { connect } from "../../src/client/connection.ts";
import {
  connectRouterObject,
  type DurableObjectNamespaceLike,
  type DurableObjectStateLike,
  routeToRouter,
  WampRouterObject as RouterObject,
} from "../../src/router/adapters/workers.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

/** The router object, with long-poll beside WebSocket, and test routes. */
export class WampRouterObject extends RouterObject {
  // A new one each time the runtime creates the object (after eviction).
  #instance = crypto.randomUUID();
  #state: DurableObjectStateLike;

  constructor(state: DurableObjectStateLike, env?: unknown) {
    super(state, env, { longpoll: "/lp" });
    this.#state = state;
  }

  override async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/test/instance") return new Response(this.#instance);
    if (path === "/test/storage") {
      const all = await this.#state.storage.list({});
      return Response.json([...all.keys()]);
    }
    return super.fetch(request);
  }
}

interface Env {
  WAMP_ROUTER: DurableObjectNamespaceLike;
}

const SERIALIZERS = {
  json: () => new JsonSerializer(),
  msgpack: () => new MsgpackSerializer(),
  cbor: () => new CborSerializer(),
};

// A client session inside the Worker: joins `realm` through the realm's
// router object, calls `procedure` with `args`, and answers what it got.
async function call(params: URLSearchParams, env: Env): Promise<Response> {
  const realm = params.get("realm") ?? "realm1";
  const format = (params.get("format") ?? "json") as keyof typeof SERIALIZERS;
  const serializer = SERIALIZERS[format]();
  try {
    const session = await connect({
      realm,
      serializers: [serializer],
      transports: [{
        type: "websocket",
        connect: () =>
          connectRouterObject(env.WAMP_ROUTER, {
            realm,
            protocols: [serializer.protocol],
          }),
      }],
    });
    const result = await session.call(
      params.get("procedure")!,
      JSON.parse(params.get("args") ?? "[]"),
    );
    const protocol = session.transport.info.protocol;
    await session.leave();
    return Response.json({ result, protocol });
  } catch (err) {
    return Response.json({ error: String(err) }, { status: 500 });
  }
}

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/call") return call(url.searchParams, env);
    if (url.pathname.startsWith("/test/")) {
      const name = url.searchParams.get("object") ?? "default";
      const stub = env.WAMP_ROUTER.get(env.WAMP_ROUTER.idFromName(name));
      return stub.fetch(new Request(new URL(url.pathname, url)));
    }
    return routeToRouter(request, env.WAMP_ROUTER);
  },
};
