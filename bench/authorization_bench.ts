// The cost of authorization on the router's hot path, in one run: the same
// in-process RPC round trip and acknowledged publication against a router
// that allows everything (no roles: no check at all), one whose role has the
// 40 permissions of bench/_permissions.json (checked on every request, the
// decision cached per role, URI and action), and one that asks an
// `authorize` callback which says `cache: true`.
//
//   deno bench --allow-read bench/authorization_bench.ts
import { connect } from "../mod.ts";
import { Router, type RouterOptions } from "../src/router/mod.ts";
import type { RoleConfig } from "../src/router/authorizer.ts";

const config = JSON.parse(
  await Deno.readTextFile(new URL("./_permissions.json", import.meta.url)),
) as { roles: RoleConfig[] };

async function setup(name: string, options: RouterOptions) {
  const router = new Router({ realms: ["realm1"], ...options });
  const join = () =>
    connect({
      realm: "realm1",
      transports: [{ type: "memory", connect: () => router.connectLocal() }],
    });
  const callee = await join();
  const caller = await join();
  await callee.register("bench.echo", (args) => args[0]);
  await callee.subscribe("bench.topic", () => {});
  return { name, caller };
}

const routers = [
  await setup("open (no roles)", {}),
  await setup("40 permissions", {
    auth: { anonymous: { role: "bench" } },
    roles: config.roles,
  }),
  await setup("authorize callback (cached)", {
    auth: { anonymous: { role: "bench" } },
    authorize: () => ({ allow: true, cache: true }),
  }),
];

for (const { name, caller } of routers) {
  Deno.bench({
    name: `call: ${name}`,
    group: "call",
    baseline: name.startsWith("open"),
    async fn() {
      await caller.call("bench.echo", [1]);
    },
  });
  Deno.bench({
    name: `publish acknowledged: ${name}`,
    group: "publish",
    baseline: name.startsWith("open"),
    async fn() {
      await caller.publish("bench.topic", [1], {}, { acknowledge: true });
    },
  });
}
