// Authorization: roles with per-URI permissions, the authorize callback,
// the meta API under the same rules, disclosure, and the decision cache.
import assert from "node:assert/strict";
import { Connection } from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import { ticket } from "../../src/auth/mod.ts";
import { WampError } from "../../src/protocol/wamp_error.ts";
import type { Dict } from "../../src/protocol/messages.ts";
import { Router, type RouterOptions } from "../../src/router/router.ts";
import { Authorizer, type RoleConfig } from "../../src/router/authorizer.ts";
import {
  ConfigError,
  readRouterConfig,
} from "../../src/router/router_config.ts";
import { wrap } from "../_helpers/peer.ts";
import { VirtualClock } from "../_helpers/virtual_clock.ts";

const ROLES: RoleConfig[] = [
  {
    name: "frontend",
    permissions: [
      {
        uri: "com.example.",
        match: "prefix",
        allow: { call: true, subscribe: true, publish: true },
        disclose: { caller: true, publisher: true },
      },
      // More specific: denied although the prefix allows.
      { uri: "com.example.admin.", match: "prefix", allow: {} },
      { uri: "com.example..public", match: "wildcard", allow: { call: true } },
    ],
  },
  {
    name: "backend",
    permissions: [
      {
        uri: "com.example.",
        match: "prefix",
        allow: { register: true, publish: true, subscribe: true },
      },
    ],
  },
  {
    name: "admin",
    permissions: [
      { uri: "", match: "prefix", allow: { call: true, subscribe: true } },
    ],
  },
];

function router(extra: RouterOptions = {}): Router {
  return new Router({
    realms: ["realm1"],
    auth: {
      anonymous: { role: "nobody" },
      ticket: {
        principals: {
          fe: { ticket: "t", role: "frontend" },
          be: { ticket: "t", role: "backend" },
          root: { ticket: "t", role: "admin" },
        },
      },
    },
    roles: ROLES,
    ...extra,
  });
}

function as(r: Router, authid?: string): Promise<Session> {
  return new Connection({
    realm: "realm1",
    max_retries: 0,
    transports: [{ type: "memory", connect: () => r.connectLocal() }],
    ...(authid ? { auth: ticket({ authid, ticket: "t" }) } : {}),
  }).openSession();
}

async function denied(p: Promise<unknown>): Promise<WampError> {
  const err = await p.then(() => undefined, (e) => e);
  assert.ok(err instanceof WampError, `expected a WampError, got ${err}`);
  assert.equal(err.error, "wamp.error.not_authorized");
  return err;
}

Deno.test("authorization: each action is allowed or denied by the most specific permission", async () => {
  const r = router();
  const be = await as(r, "be");
  const fe = await as(r, "fe");
  await be.register(
    "com.example.add2",
    ([a, b]) => (a as number) + (b as number),
  );
  await be.register("com.example.admin.reset", () => "reset");
  await be.register("com.example.x.public", () => "public");
  assert.equal(await fe.call("com.example.add2", [2, 3]), 5);
  await denied(fe.call("com.example.admin.reset"));
  assert.equal(await fe.call("com.example.x.public"), "public");
  // Denied before lookup: a procedure nobody registered is not revealed.
  await denied(fe.call("com.example.admin.missing"));
  await denied(fe.register("com.example.mine", () => 1));
  await denied(be.call("com.example.add2", [1, 1]));
  await denied(fe.subscribe("com.example.admin.news", () => {}));
  await denied(
    fe.publish("com.example.admin.news", [], {}, { acknowledge: true })!,
  );
  for (const s of [be, fe]) await s.leave();
});

Deno.test("authorization: an unacknowledged denied publication is dropped without an answer", async () => {
  const r = router();
  const be = await as(r, "be");
  const anon = await as(r);
  const got: unknown[] = [];
  await be.subscribe("com.example.news", (args) => got.push(args[0]));
  await anon.publish("com.example.news", ["spoof"]);
  await anon.call("com.example.nothing").catch(() => {});
  await be.publish("com.example.news", ["real"], {}, {
    acknowledge: true,
    exclude_me: false,
  });
  assert.deepEqual(got, ["real"]);
  assert.ok(anon.isOpen);
  for (const s of [be, anon]) await s.leave();
});

Deno.test("authorization: a role that is not configured may do nothing, meta API included", async () => {
  const r = router();
  const anon = await as(r);
  await denied(anon.call("wamp.session.list"));
  await denied(anon.call("wamp.session.kill", [1]));
  await denied(anon.subscribe("wamp.session.on_join", () => {}));
  await denied(anon.subscribe("com.example.news", () => {}));
  const fe = await as(r, "fe");
  await denied(fe.call("wamp.session.count"));
  await fe.leave();
  await anon.leave();
});

Deno.test("authorization: an admin role reads and kills sessions through the meta API", async () => {
  const r = router();
  const root = await as(r, "root");
  const fe = await as(r, "fe");
  const joins: unknown[] = [];
  await root.subscribe("wamp.session.on_join", (args) => joins.push(args[0]));
  const ids = await root.call("wamp.session.list") as number[];
  assert.ok(ids.includes(fe.id!));
  const info = await root.call("wamp.session.get", [fe.id]) as Dict;
  assert.equal(info.authid, "fe");
  assert.equal(info.authrole, "frontend");
  assert.equal(info.authmethod, "ticket");
  await root.call("wamp.session.kill", [fe.id], { reason: "com.example.bye" });
  await new Promise((res) => setTimeout(res, 10));
  assert.equal(fe.isOpen, false);
  // The caller cannot kill itself.
  const self = await root.call("wamp.session.kill", [root.id]).catch((e) => e);
  assert.equal((self as WampError).error, "wamp.error.no_such_session");
  const other = await as(r, "be");
  await new Promise((res) => setTimeout(res, 10));
  assert.equal((joins.at(-1) as Dict).authid, "be");
  await other.leave();
  await root.leave();
});

Deno.test("authorization: disclose from the permission reveals caller and publisher", async () => {
  const r = router();
  const be = await as(r, "be");
  const fe = await as(r, "fe");
  let seen: Dict = {};
  await be.register("com.example.who", (_a, _k, details) => {
    seen = details as unknown as Dict;
    return null;
  });
  await fe.call("com.example.who");
  assert.equal(seen.caller, fe.id);
  assert.equal(seen.caller_authid, "fe");
  assert.equal(seen.caller_authrole, "frontend");
  let event: Dict = {};
  await be.subscribe("com.example.news", (_a, _k, d) => {
    event = d as unknown as Dict;
  });
  await fe.publish("com.example.news", [], {}, { acknowledge: true });
  await new Promise((res) => setTimeout(res, 10));
  assert.equal(event.publisher, fe.id);
  assert.equal(event.publisher_authid, "fe");
  for (const s of [be, fe]) await s.leave();
});

Deno.test("authorization: an async authorize callback keeps each session's messages in order and is cached when it says so", async () => {
  let asked = 0;
  const r = new Router({
    realms: ["realm1"],
    auth: { anonymous: { role: "guest" } },
    authorize: async (session, uri, action) => {
      asked++;
      assert.equal(session.authrole, "guest");
      await new Promise((res) => setTimeout(res, 5));
      if (uri === "com.example.slow") return { allow: true, cache: true };
      return action === "subscribe" || action === "register" ||
        uri === "com.example.fast";
    },
  });
  const callee = await as(r);
  await callee.register("com.example.slow", () => "slow");
  await callee.register("com.example.fast", () => "fast");
  const caller = await as(r);
  // Raw, so the order the router answers in is visible.
  const p = wrap(r.connectLocal());
  p.send([1, "realm1", { roles: { caller: {} } }]);
  assert.equal((await p.next())[0], 2);
  p.send([48, 1, {}, "com.example.slow"]);
  p.send([48, 2, {}, "com.example.fast"]);
  p.send([48, 3, {}, "com.example.denied"]);
  const answers = [await p.next(), await p.next(), await p.next()];
  assert.deepEqual(answers.map((m) => [m[0], m[1]]), [[50, 1], [50, 2], [
    8,
    48,
  ]]);
  assert.equal(answers[2]![2], 3);
  assert.equal(answers[2]![4], "wamp.error.not_authorized");
  const before = asked;
  assert.equal(await caller.call("com.example.slow"), "slow");
  assert.equal(asked, before, "cached decision");
  p.close();
  for (const s of [callee, caller]) await s.leave();
});

Deno.test("authorization: a throwing or rejecting callback denies", async () => {
  const r = new Router({
    realms: ["realm1"],
    auth: { anonymous: true },
    authorize: (_s, uri) => {
      if (uri === "com.example.throw") throw new Error("boom");
      return Promise.reject(new Error("nope"));
    },
  });
  const s = await as(r);
  await denied(s.call("com.example.throw"));
  await denied(s.call("com.example.reject"));
  await s.leave();
});

Deno.test("authorization: Authorizer matches exact over prefix over wildcard, and caches per role", () => {
  const a = new Authorizer({
    roles: [{
      name: "r",
      permissions: [
        { uri: "a.b.c", allow: { call: false } },
        { uri: "a.", match: "prefix", allow: { call: true } },
        { uri: "a.b.", match: "prefix", allow: { publish: true } },
        { uri: "x..z", match: "wildcard", allow: { subscribe: true } },
        { uri: "x.y.z", allow: { register: true } },
      ],
    }],
  });
  const who = { authrole: "r", identity: undefined as never };
  assert.equal(a.decide(who, "a.b.c", "call"), false);
  assert.equal(a.decide(who, "a.q", "call"), true);
  assert.equal(a.decide(who, "a.b.q", "call"), false);
  assert.equal(a.decide(who, "a.b.q", "publish"), true);
  assert.equal(a.decide(who, "x.k.z", "subscribe"), true);
  assert.equal(a.decide(who, "x.y.z", "subscribe"), false);
  assert.equal(a.decide(who, "x.y.z", "register"), true);
  assert.equal(a.decide({ ...who, authrole: "other" }, "a.q", "call"), false);
  assert.equal(new Authorizer({}).open, true);
});

Deno.test("router config: Crossbar-shaped realms, roles and principals; mistakes are named", () => {
  const c = readRouterConfig({
    port: 0,
    realms: [{ name: "realm1", roles: ROLES }],
    auth: {
      anonymous: { type: "static", role: "public" },
      ticket: {
        type: "static",
        principals: { joe: { ticket: "x", role: "frontend" } },
      },
      wampcra: { users: { pete: { secret: "s", role: "backend" } } },
    },
    allowed_origins: ["https://app.example.com"],
    limits: { max_sessions: 5, hello_timeout: 3 },
  });
  assert.equal(c.options.maxSessions, 5);
  assert.equal(c.options.helloTimeout, 3000);
  assert.equal(c.listen.port, 0);
  assert.equal(
    c.summary,
    "authentication anonymous, ticket, wampcra; permissions from 3 roles",
  );
  assert.deepEqual(Object.keys(c.options.auth!.wampcra!.principals!), ["pete"]);
  for (
    const [bad, where] of [
      [{
        realms: [{
          name: "r",
          roles: [{ name: "x", permissions: [{ uri: 1 }] }],
        }],
      }, /realms\[0\]\.roles\[0\]\.permissions\[0\]\.uri/],
      [
        { auth: { ticket: { principals: { joe: { role: "x" } } } } },
        /ticket is missing/,
      ],
      [
        { auth: { ticket: { type: "dynamic" } } },
        /auth\.ticket\.authenticator/,
      ],
      [{
        auth: {
          cryptosign: {
            principals: { a: { role: "x", authorized_keys: ["zz"] } },
          },
        },
      }, /hex keys/],
      [{ limits: { max_sessions: -1 } }, /limits\.max_sessions/],
      [{ realm: [] }, /unknown key realm/],
    ] as const
  ) {
    assert.throws(() => readRouterConfig(bad), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, where);
      return true;
    });
  }
});

Deno.test("authorization: messages waiting behind a pending decision are bounded (1000), past it the session is aborted", async () => {
  const never = new Promise<boolean>(() => {});
  const r = new Router({
    realms: ["realm1"],
    auth: { anonymous: true },
    authorize: () => never,
    clock: new VirtualClock(),
  });
  const p = wrap(r.connectLocal());
  p.send([1, "realm1", { roles: { caller: {} } }]);
  assert.equal((await p.next())[0], 2);
  // The first CALL waits for its decision; 1000 more wait behind it.
  for (let id = 1; id <= 1001; id++) p.send([48, id, {}, "com.example.x"]);
  assert.deepEqual(p.pending(), []);
  p.send([48, 1002, {}, "com.example.x"]);
  const m = await p.next();
  assert.equal(m[0], 3);
  assert.equal(m[2], "wamp.error.protocol_violation");
  assert.match(
    (m[1] as Dict).message as string,
    /wait for an authorization decision/,
  );
  await p.closed;
});

Deno.test("authorization: the decision cache is bounded (10,000 entries), then starts over", () => {
  let asked = 0;
  const a = new Authorizer({
    authorize: () => {
      asked++;
      return { allow: true, cache: true };
    },
  });
  const who = { authrole: "r", identity: {} as never };
  a.decide(who, "u.0", "call");
  a.decide(who, "u.0", "call");
  assert.equal(asked, 1, "cached");
  for (let i = 1; i < 10_000; i++) a.decide(who, `u.${i}`, "call");
  assert.equal(asked, 10_000);
  a.decide(who, "u.0", "call");
  assert.equal(asked, 10_000, "still cached at the bound");
  a.decide(who, "u.10000", "call");
  a.decide(who, "u.0", "call");
  assert.equal(asked, 10_002, "cleared past the bound");
});

Deno.test("authorization: a callback that never answers is a denial after 10 s, and the messages behind it go on (virtual time)", async () => {
  const clock = new VirtualClock();
  const r = new Router({
    realms: ["realm1"],
    auth: { anonymous: true },
    authorize: (_s, uri) =>
      uri === "com.example.hang" ? new Promise<boolean>(() => {}) : true,
    clock,
  });
  const p = wrap(r.connectLocal());
  p.send([1, "realm1", { roles: { caller: {} } }]);
  assert.equal((await p.next())[0], 2);
  p.send([48, 1, {}, "com.example.hang"]);
  p.send([48, 2, {}, "com.example.other"]);
  await clock.advance(9_999);
  assert.deepEqual(p.pending(), []);
  await clock.advance(1);
  const first = await p.next();
  assert.deepEqual([first[0], first[2], first[4]], [
    8,
    1,
    "wamp.error.not_authorized",
  ]);
  // The next one was allowed, and has no callee.
  const second = await p.next();
  assert.deepEqual([second[0], second[2], second[4]], [
    8,
    2,
    "wamp.error.no_such_procedure",
  ]);
  p.close();
});
