// The progressive call results example from the Autobahn|JS documentation,
// as written there, on the embedded router: a callee `com.myapp.longop`
// sends progress every second; the caller prints `Progress:` and `Final:`.
//
//   deno task demo
import { Connection } from "../mod.ts";
import { Router } from "../src/router/mod.ts";
import { serveRouter } from "../src/router/adapters/deno.ts";

const router = new Router({ realms: ["realm1"] });
const server = serveRouter(router, { hostname: "127.0.0.1", port: 0 });
console.log(`embedded router on ${server.url}`);

// The callee, as in the seed (connection.defer() stands in for when.defer()).
const calleeConnection = new Connection({ url: server.url, realm: "realm1" });
const registered = Promise.withResolvers<void>();

function longop(
  args: unknown[],
  _kwargs: unknown,
  details: { progress?: (args: unknown[]) => void },
) {
  const n = args[0] as number;
  let interval_id: ReturnType<typeof setInterval> | null = null;

  if (details.progress) {
    let i = 0;
    details.progress([i]);
    i += 1;
    interval_id = setInterval(function () {
      if (i < n) {
        details.progress!([i]);
        i += 1;
      } else {
        clearInterval(interval_id!);
      }
    }, 1000);
  }

  const d = calleeConnection.defer();

  setTimeout(function () {
    d.resolve(n);
  }, 1000 * n);

  return d.promise;
}

calleeConnection.onopen = async (session) => {
  await session.register("com.myapp.longop", longop);
  registered.resolve();
};
calleeConnection.open();
await registered.promise;

// The caller, as in the seed.
const connection = new Connection({ url: server.url, realm: "realm1" });
const done = Promise.withResolvers<void>();
connection.onclose = () => {
  done.resolve();
  return true;
};
connection.onopen = (session) => {
  session.call("com.myapp.longop", [3], {}, { receive_progress: true }).then(
    function (res) {
      console.log("Final:", res);
      connection.close();
    },
    function (err) {
      console.error("Error:", err);
      connection.close();
    },
    function (progress) {
      console.log("Progress:", progress);
    },
  );
};
connection.open();

await done.promise;
await calleeConnection.close();
await server.shutdown();
