// Authentication on the router: each method against our client, and what an
// attacker tries (wrong secrets, unknown authids, replays, claimed
// identities, second answers, silence). Raw frames where the wire matters.
import assert from "node:assert/strict";
import {
  Connection,
  type ConnectionOptions,
} from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import {
  cryptosign,
  deriveKey,
  loadCryptosignKey,
  scram,
  scramCredentials,
  ScramServer,
  signWampcra,
  ticket,
  wampcra,
} from "../../src/auth/mod.ts";
import {
  Router,
  type RouterEvent,
  type RouterOptions,
} from "../../src/router/router.ts";
import type { Dict } from "../../src/protocol/messages.ts";
import { scripted, wrap } from "../_helpers/peer.ts";
import { VirtualClock } from "../_helpers/virtual_clock.ts";

const ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} };
const SEED = "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510";
const OTHER_SEED =
  "8700000000000000000000000000000000000000000000000000000000000078";

async function secured(extra: RouterOptions = {}): Promise<Router> {
  const key = await loadCryptosignKey(SEED);
  return new Router({
    realms: ["realm1"],
    auth: {
      ticket: { principals: { joe: { ticket: "secret!", role: "user" } } },
      wampcra: {
        principals: {
          peter: { secret: "prq7+YkJ1/KlW1X0YczMHw==", role: "user" },
          salted: {
            // The derived key, as Crossbar's configuration holds it.
            secret: await deriveKey("hunter2", "salt123", 100, 16),
            salt: "salt123",
            iterations: 100,
            keylen: 16,
            role: "admin",
          },
        },
      },
      cryptosign: {
        principals: {
          alice: { authorized_keys: [key.publicKey], role: "user" },
        },
      },
      scram: {
        principals: {
          carol: {
            role: "user",
            ...credentialFields(
              await scramCredentials("pencil", {
                kdf: "argon2id-13",
                iterations: 1,
                memory: 64,
              }),
            ),
          },
          dave: {
            role: "user",
            ...credentialFields(
              await scramCredentials("pencil", {
                kdf: "pbkdf2",
                iterations: 1000,
              }),
            ),
          },
        },
      },
    },
    ...extra,
  });
}

function credentialFields(c: Awaited<ReturnType<typeof scramCredentials>>) {
  return {
    kdf: c.kdf,
    salt: c.salt,
    iterations: c.iterations,
    memory: c.memory,
    "stored-key": c.storedKey,
    "server-key": c.serverKey,
  };
}

function open(
  router: Router,
  options: Partial<ConnectionOptions>,
): Promise<Session> {
  return new Connection({
    realm: "realm1",
    max_retries: 0,
    transports: [{ type: "memory", connect: () => router.connectLocal() }],
    ...options,
  }).openSession();
}

// The reason and message a refused connection reports, with will_retry.
function refused(
  router: Router,
  options: Partial<ConnectionOptions>,
): Promise<{ reason: string; message: string; will_retry: boolean }> {
  const { promise, resolve } = Promise.withResolvers<
    { reason: string; message: string; will_retry: boolean }
  >();
  const c = new Connection({
    realm: "realm1",
    max_retries: 5,
    initial_retry_delay: 0.01,
    transports: [{ type: "memory", connect: () => router.connectLocal() }],
    ...options,
  });
  c.onopen = () =>
    resolve({ reason: "opened", message: "", will_retry: false });
  c.onclose = (_r, d) => {
    resolve(d);
  };
  c.open();
  return promise;
}

function raw(router: Router) {
  return wrap(router.connectLocal());
}

Deno.test("auth: ticket logs in with the identity the router verified", async () => {
  const router = await secured();
  const s = await open(router, {
    auth: ticket({ authid: "joe", ticket: "secret!", authrole: "admin" }),
  });
  assert.equal(s.authid, "joe");
  // The claimed authrole is not taken: the principal's role is.
  assert.equal(s.authrole, "user");
  assert.equal(s.authmethod, "ticket");
  assert.equal(s.details.authprovider, "static");
  await s.leave();
});

Deno.test("auth: wrong ticket, unknown authid and missing authid look the same and are not retried", async () => {
  const router = await secured();
  for (
    const auth of [
      ticket({ authid: "joe", ticket: "wrong" }),
      ticket({ authid: "nobody", ticket: "secret!" }),
    ]
  ) {
    const r = await refused(router, { auth });
    assert.equal(r.reason, "wamp.error.not_authorized");
    assert.equal(r.message, "Authentication failed");
    assert.equal(r.will_retry, false);
  }
});

Deno.test("auth: wampcra with a plain and a salted secret", async () => {
  const router = await secured();
  const plain = await open(router, {
    auth: wampcra({ authid: "peter", secret: "prq7+YkJ1/KlW1X0YczMHw==" }),
  });
  assert.equal(plain.authid, "peter");
  assert.equal(plain.authmethod, "wampcra");
  const salted = await open(router, {
    auth: wampcra({ authid: "salted", secret: "hunter2" }),
  });
  assert.equal(salted.authrole, "admin");
  await plain.leave();
  await salted.leave();
  const wrong = await refused(router, {
    auth: wampcra({ authid: "salted", secret: "hunter3" }),
  });
  assert.equal(wrong.reason, "wamp.error.not_authorized");
  assert.equal(wrong.will_retry, false);
});

Deno.test("auth: wampcra challenges an unknown authid like a configured principal", async () => {
  const router = await secured();
  const challenge = async (authid: string) => {
    const p = raw(router);
    p.send([1, "realm1", { roles: ROLES, authmethods: ["wampcra"], authid }]);
    const m = await p.next();
    p.close();
    return m;
  };
  const a = await challenge("nobody");
  const b = await challenge("nobody");
  const known = await challenge("peter");
  assert.equal(a[0], 4);
  assert.equal(a[1], "wampcra");
  const ea = a[2] as Dict;
  const eb = b[2] as Dict;
  // Shaped like the first configured principal's (peter: not salted, role
  // user), and stable per authid.
  assert.deepEqual(Object.keys(ea), Object.keys(known[2] as Dict));
  assert.equal(ea.salt, eb.salt);
  assert.equal(
    JSON.parse(ea.challenge as string).authrole,
    JSON.parse((known[2] as Dict).challenge as string).authrole,
  );
  const text = JSON.parse(ea.challenge as string);
  assert.deepEqual(Object.keys(text).sort(), [
    "authid",
    "authmethod",
    "authprovider",
    "authrole",
    "nonce",
    "session",
    "timestamp",
  ]);
  assert.equal(text.authid, "nobody");
});

Deno.test("auth: cryptosign with an authorized key; another key is refused", async () => {
  const router = await secured();
  const s = await open(router, {
    auth: cryptosign({ authid: "alice", privateKey: SEED }),
  });
  assert.equal(s.authid, "alice");
  assert.equal(s.authmethod, "cryptosign");
  await s.leave();
  const r = await refused(router, {
    auth: cryptosign({ authid: "alice", privateKey: OTHER_SEED }),
  });
  assert.equal(r.reason, "wamp.error.not_authorized");
  // Without an authid, the key names the principal.
  const byKey = await open(router, {
    auth: cryptosign({ privateKey: SEED }),
  });
  assert.equal(byKey.authid, "alice");
  await byKey.leave();
});

Deno.test("auth: scram (argon2id-13 and pbkdf2) proves both sides", async () => {
  const router = await secured();
  for (const authid of ["carol", "dave"]) {
    const s = await open(router, {
      auth: scram({ authid, password: "pencil" }),
    });
    assert.equal(s.authid, authid);
    assert.equal(s.authmethod, "scram");
    assert.equal(
      typeof (s.details.authextra as Dict).scram_server_signature,
      "string",
    );
    await s.leave();
  }
  const r = await refused(router, {
    auth: scram({ authid: "carol", password: "pen" }),
  });
  assert.equal(r.reason, "wamp.error.not_authorized");
  const unknown = await refused(router, {
    auth: scram({ authid: "mallory", password: "pencil" }),
  });
  assert.equal(unknown.reason, "wamp.error.not_authorized");
});

Deno.test("auth: no method the router serves gets no_auth_method; anonymous is off when not configured", async () => {
  const router = await secured();
  const p = raw(router);
  p.send([1, "realm1", { roles: ROLES, authmethods: ["anonymous"] }]);
  const m = await p.next();
  assert.equal(m[0], 3);
  assert.equal(m[2], "wamp.error.no_auth_method");
  const q = raw(router);
  q.send([1, "realm1", { roles: ROLES }]);
  assert.equal((await q.next())[2], "wamp.error.no_auth_method");
  await p.closed;
  await q.closed;
});

Deno.test("auth: a HELLO claiming an authid and authrole under anonymous gets neither", async () => {
  const router = new Router({
    realms: ["realm1"],
    auth: { anonymous: { role: "public" } },
  });
  const p = raw(router);
  p.send([1, "realm1", {
    roles: ROLES,
    authid: "admin",
    authrole: "admin",
    authmethods: ["anonymous"],
  }]);
  const w = await p.next();
  assert.equal(w[0], 2);
  const details = w[2] as Dict;
  assert.equal(details.authid, `anonymous-${w[1]}`);
  assert.equal(details.authrole, "public");
  assert.equal(details.authmethod, "anonymous");
  p.close();
});

Deno.test("auth: an AUTHENTICATE replayed on another connection is refused", async () => {
  const router = await secured();
  const hello = [1, "realm1", {
    roles: ROLES,
    authmethods: ["wampcra"],
    authid: "peter",
  }];
  const first = raw(router);
  first.send(hello);
  const c1 = await first.next();
  const signature = await signWampcra(
    "prq7+YkJ1/KlW1X0YczMHw==",
    (c1[2] as Dict).challenge as string,
  );
  first.send([5, signature, {}]);
  assert.equal((await first.next())[0], 2);
  const second = raw(router);
  second.send(hello);
  const c2 = await second.next();
  assert.notEqual((c2[2] as Dict).challenge, (c1[2] as Dict).challenge);
  second.send([5, signature, {}]);
  const m = await second.next();
  assert.equal(m[0], 3);
  assert.equal(m[2], "wamp.error.not_authorized");
  first.close();
});

Deno.test("auth: one answer per connection; AUTHENTICATE without a CHALLENGE is a violation", async () => {
  const router = await secured();
  const p = raw(router);
  p.send([1, "realm1", {
    roles: ROLES,
    authmethods: ["ticket"],
    authid: "joe",
  }]);
  assert.equal((await p.next())[0], 4);
  p.send([5, "wrong", {}]);
  p.send([5, "secret!", {}]);
  const m = await p.next();
  assert.equal(m[0], 3);
  // The first answer spent the challenge: either it is refused, or the
  // second answer is a protocol violation; never a WELCOME.
  assert.ok(
    m[2] === "wamp.error.not_authorized" ||
      m[2] === "wamp.error.protocol_violation",
  );
  const q = raw(router);
  q.send([5, "secret!", {}]);
  const v = await q.next();
  assert.equal(v[0], 3);
  assert.equal(v[2], "wamp.error.protocol_violation");
});

Deno.test("auth: an unanswered challenge expires with the hello timeout (virtual time)", async () => {
  const clock = new VirtualClock();
  const router = await secured({ clock, helloTimeout: 5000 });
  const p = raw(router);
  p.send([1, "realm1", {
    roles: ROLES,
    authmethods: ["ticket"],
    authid: "joe",
  }]);
  assert.equal((await p.next())[0], 4);
  await clock.advance(5000);
  const m = await p.next();
  assert.equal(m[0], 3);
  assert.equal(m[2], "wamp.error.protocol_violation");
  await p.closed;
  assert.equal(router.sessionCount, 0);
});

Deno.test("auth: failures do not log secrets and release their place", async () => {
  const events: RouterEvent[] = [];
  const router = await secured({
    onEvent: (e) => events.push(e),
    maxSessions: 1,
  });
  for (let i = 0; i < 3; i++) {
    const r = await refused(router, {
      auth: ticket({ authid: "joe", ticket: "hunter-secret-xyz" }),
    });
    assert.equal(r.reason, "wamp.error.not_authorized");
  }
  assert.ok(!JSON.stringify(events).includes("hunter-secret-xyz"));
  // The one place maxSessions allows is free again.
  const s = await open(router, {
    auth: ticket({ authid: "joe", ticket: "secret!" }),
  });
  await s.leave();
});

Deno.test("auth: an async authenticate callback decides tickets and supplies wampcra secrets", async () => {
  const asked: Dict[] = [];
  const router = new Router({
    realms: ["realm1"],
    auth: {
      ticket: {
        authenticate: async (req) => {
          asked.push({ ...req });
          await new Promise((r) => setTimeout(r, 1));
          return req.ticket === "open sesame"
            ? { role: "user", extra: { tier: "gold" } }
            : null;
        },
      },
      wampcra: {
        authenticate: (req) =>
          req.authid === "dyn" ? { secret: "s3cret", role: "ops" } : null,
      },
    },
  });
  const s = await open(router, {
    auth: ticket({ authid: "bob", ticket: "open sesame" }),
  });
  assert.equal(s.authid, "bob");
  assert.equal(s.details.authprovider, "dynamic");
  assert.deepEqual(s.details.authextra, { tier: "gold" });
  assert.equal(asked[0]!.authmethod, "ticket");
  assert.equal(asked[0]!.realm, "realm1");
  await s.leave();
  const w = await open(router, {
    auth: wampcra({ authid: "dyn", secret: "s3cret" }),
  });
  assert.equal(w.authrole, "ops");
  await w.leave();
  const r = await refused(router, {
    auth: ticket({ authid: "bob", ticket: "nope" }),
  });
  assert.equal(r.reason, "wamp.error.not_authorized");
});

Deno.test("auth: the client refuses a router whose SCRAM server signature is wrong, without retrying", async () => {
  // A scripted router that runs SCRAM honestly but forges WELCOME's proof.
  const credentials = await scramCredentials("pencil", {
    kdf: "pbkdf2",
    iterations: 1000,
  });
  let connects = 0;
  let verified = false;
  const { promise, resolve } = Promise.withResolvers<
    { reason: string; message: string; will_retry: boolean }
  >();
  const c = new Connection({
    realm: "realm1",
    max_retries: 5,
    initial_retry_delay: 0.01,
    auth: scram({ authid: "carol", password: "pencil" }),
    transports: [{
      type: "memory",
      connect: () => {
        connects++;
        const { transport, peer } = scripted();
        (async () => {
          const hello = await peer.next();
          const extra = (hello[2] as Dict).authextra as Dict;
          const server = new ScramServer(credentials, {
            authid: "carol",
            clientNonce: extra.nonce as string,
          });
          peer.send([4, "scram", server.challengeExtra()]);
          const auth = await peer.next();
          verified = await server.verify(auth[1] as string);
          const good = await server.serverSignature();
          const forged = good.slice(0, -4) +
            (good.endsWith("AAA=") ? "BBB=" : "AAA=");
          peer.send([2, 1, {
            roles: { broker: {}, dealer: {} },
            authid: "carol",
            authrole: "user",
            authmethod: "scram",
            authextra: { scram_server_signature: forged },
          }]);
        })();
        return transport;
      },
    }],
  });
  c.onopen = () =>
    resolve({ reason: "opened", message: "", will_retry: false });
  c.onclose = (_r, d) => resolve(d);
  c.open();
  const r = await promise;
  assert.ok(verified, "the client's proof was right");
  assert.equal(r.reason, "wamp.error.cannot_authenticate");
  assert.match(r.message, /Router failed authentication/);
  assert.equal(r.will_retry, false);
  assert.equal(connects, 1);
});

Deno.test("auth: a client with no answer for the router's method says so and does not retry", async () => {
  const router = await secured();
  const r = await refused(router, {
    authmethods: ["ticket"],
    authid: "joe",
  });
  assert.equal(r.reason, "wamp.error.cannot_authenticate");
  assert.match(r.message, /without an onchallenge handler/);
  assert.equal(r.will_retry, false);
});

Deno.test("auth: a dynamic authenticator procedure, registered by a permitted session, decides logins", async () => {
  const router = new Router({
    realms: [{
      name: "realm1",
      roles: [
        {
          name: "authenticator",
          permissions: [{
            uri: "com.example.authenticate",
            allow: { register: true },
          }],
        },
        { name: "user", permissions: [] },
      ],
    }],
    auth: {
      ticket: {
        principals: { svc: { ticket: "svc-secret", role: "authenticator" } },
        authenticator: "com.example.authenticate",
      },
      wampcra: { authenticator: "com.example.authenticate" },
    },
  });
  const svc = await open(router, {
    auth: ticket({ authid: "svc", ticket: "svc-secret" }),
  });
  const calls: unknown[][] = [];
  await svc.register("com.example.authenticate", (args) => {
    calls.push(args);
    const [realm, authid, details] = args as [string, string, Dict];
    if (details.authmethod === "ticket") {
      return details.ticket === "dyn-ticket" && realm === "realm1"
        ? { role: "user", extra: { via: "procedure" } }
        : null;
    }
    if (authid === "wendy") return { secret: "w-secret", role: "user" };
    throw new Error("unknown");
  });
  const t = await open(router, {
    auth: ticket({ authid: "tom", ticket: "dyn-ticket" }),
  });
  assert.equal(t.authid, "tom");
  assert.equal(t.authrole, "user");
  assert.equal(t.details.authprovider, "dynamic");
  assert.deepEqual(t.details.authextra, { via: "procedure" });
  const w = await open(router, {
    auth: wampcra({ authid: "wendy", secret: "w-secret" }),
  });
  assert.equal(w.authrole, "user");
  const no = await refused(router, {
    auth: ticket({ authid: "tom", ticket: "bad" }),
  });
  assert.equal(no.reason, "wamp.error.not_authorized");
  const bad = await refused(router, {
    auth: wampcra({ authid: "eve", secret: "x" }),
  });
  assert.equal(bad.reason, "wamp.error.not_authorized");
  assert.equal((calls[0]![2] as Dict).authmethod, "ticket");
  // A user may not register an authenticator of its own.
  await assert.rejects(
    t.register("com.example.authenticate", () => ({ role: "authenticator" })),
    /not authorized/,
  );
  for (const s of [t, w, svc]) await s.leave();
});

Deno.test("auth: a dynamic authorizer procedure decides for its role, and is asked again unless it says cache", async () => {
  const router = new Router({
    realms: [{
      name: "realm1",
      roles: [
        {
          name: "service",
          permissions: [{
            uri: "com.example.",
            match: "prefix",
            allow: { register: true },
          }],
        },
        { name: "guest", authorizer: "com.example.authorize" },
      ],
    }],
    auth: {
      anonymous: { role: "guest" },
      ticket: { principals: { svc: { ticket: "s", role: "service" } } },
    },
  });
  const svc = await open(router, {
    auth: ticket({ authid: "svc", ticket: "s" }),
  });
  let asked = 0;
  await svc.register("com.example.authorize", (args) => {
    asked++;
    const [session, uri, action] = args as [Dict, string, string];
    assert.equal(session.authrole, "guest");
    return action === "call" && uri === "com.example.echo";
  });
  await svc.register("com.example.echo", (args) => args[0]);
  await svc.register("com.example.secret", () => "secret");
  const guest = await open(router, {});
  assert.equal(await guest.call("com.example.echo", ["hi"]), "hi");
  assert.equal(await guest.call("com.example.echo", ["again"]), "again");
  await assert.rejects(guest.call("com.example.secret"), /not authorized/);
  assert.equal(asked, 3);
  for (const s of [guest, svc]) await s.leave();
});

Deno.test("auth: SCRAM principals in Crossbar's hex form (salt, stored-key, server-key) log in too", async () => {
  const c = await scramCredentials("pencil", {
    kdf: "pbkdf2",
    iterations: 1000,
  });
  const hex = (b64: string) =>
    [...atob(b64)].map((ch) => ch.charCodeAt(0).toString(16).padStart(2, "0"))
      .join("");
  const router = new Router({
    realms: ["realm1"],
    auth: {
      scram: {
        principals: {
          carol: {
            role: "user",
            kdf: "pbkdf2",
            iterations: 1000,
            memory: 0,
            salt: hex(c.salt),
            "stored-key": hex(c.storedKey),
            "server-key": hex(c.serverKey),
          },
        },
      },
    },
  });
  const s = await open(router, {
    auth: scram({ authid: "carol", password: "pencil" }),
  });
  assert.equal(s.authid, "carol");
  await s.leave();
  // An unknown authid is challenged with the same KDF parameters.
  const p = raw(router);
  p.send([1, "realm1", {
    roles: ROLES,
    authmethods: ["scram"],
    authid: "mallory",
    authextra: { nonce: btoa("0123456789abcdef") },
  }]);
  const m = await p.next();
  assert.equal(m[0], 4);
  const extra = m[2] as Dict;
  assert.equal(extra.kdf, "pbkdf2");
  assert.equal(extra.iterations, 1000);
  assert.equal(extra.memory, 0);
  p.close();
});

Deno.test("auth: an unknown wampcra authid gets a salt (stable per authid) and parameters when principals are salted", async () => {
  const router = new Router({
    realms: ["realm1"],
    auth: {
      wampcra: {
        principals: {
          s: {
            secret: "x",
            salt: "pepper",
            iterations: 100,
            keylen: 16,
            role: "ops",
          },
        },
      },
    },
  });
  const challenge = async (authid: string) => {
    const p = raw(router);
    p.send([1, "realm1", { roles: ROLES, authmethods: ["wampcra"], authid }]);
    const m = await p.next();
    p.close();
    return m[2] as Dict;
  };
  const [a, b, c] = [
    await challenge("ghost"),
    await challenge("ghost"),
    await challenge("other"),
  ];
  assert.equal(typeof a.salt, "string");
  assert.equal(a.salt, b.salt);
  assert.notEqual(a.salt, c.salt);
  assert.equal(a.iterations, 100);
  assert.equal(a.keylen, 16);
  assert.equal(JSON.parse(a.challenge as string).authrole, "ops");
});

// Regressions from the security review of the first version.

Deno.test("review: a permission for an exact URI does not allow registering it as a pattern, so nobody catches the authenticator's calls", async () => {
  const router = new Router({
    realms: [{
      name: "realm1",
      roles: [
        {
          name: "guest",
          permissions: [
            {
              uri: "com.example.a",
              allow: { register: true, subscribe: true },
            },
            {
              uri: "com.example.pub.",
              match: "prefix",
              allow: { register: true, subscribe: true },
            },
            { uri: "com.example.pub.secret.", match: "prefix", allow: {} },
          ],
        },
        {
          name: "authenticator",
          permissions: [{ uri: "com.example.auth", allow: { register: true } }],
        },
      ],
    }],
    auth: {
      anonymous: { role: "guest" },
      ticket: {
        principals: { svc: { ticket: "s", role: "authenticator" } },
        authenticator: "com.example.auth",
      },
    },
  });
  const guest = await open(router, {});
  for (
    const [uri, match] of [["com.example.a", "prefix"], [
      "com.example.",
      "wildcard",
    ], ["com..a", "wildcard"]]
  ) {
    await assert.rejects(
      guest.register(uri!, () => ({ role: "admin" }), {
        match: match as "prefix",
      }),
      /not authorized/,
      `${match} ${uri}`,
    );
  }
  // A prefix inside an allowed prefix is fine; one that spans a denied
  // sub-prefix is not.
  await guest.subscribe("com.example.pub.news.", () => {}, { match: "prefix" });
  await assert.rejects(
    guest.register("com.example.pub.", () => 1, { match: "prefix" }),
    /not authorized/,
  );
  // Even a pattern registration that some role may make never receives
  // the router's authenticator calls: only an exact one does.
  const svc = await open(router, {
    auth: ticket({ authid: "svc", ticket: "s" }),
  });
  const asked: unknown[] = [];
  await svc.register("com.example.auth", (args) => {
    asked.push(args);
    return (args[2] as Dict).ticket === "ok" ? { role: "guest" } : null;
  });
  const user = await open(router, {
    auth: ticket({ authid: "u", ticket: "ok" }),
  });
  assert.equal(user.authrole, "guest");
  assert.equal(asked.length, 1);
  for (const s of [user, svc, guest]) await s.leave();
});

Deno.test("review: a dynamic cryptosign principal admits only its own key (pubkey or authorized_keys), never a bare role", async () => {
  const key = await loadCryptosignKey(SEED);
  const router = new Router({
    realms: ["realm1"],
    auth: {
      cryptosign: {
        authenticate: ({ authid }) =>
          authid === "root"
            ? { role: "admin", pubkey: key.publicKey }
            : authid === "bare"
            ? "admin"
            : null,
      },
    },
  });
  const ok = await open(router, {
    auth: cryptosign({ authid: "root", privateKey: SEED }),
  });
  assert.equal(ok.authrole, "admin");
  await ok.leave();
  for (const authid of ["root", "bare"]) {
    const r = await refused(router, {
      auth: cryptosign({ authid, privateKey: OTHER_SEED }),
    });
    assert.equal(r.reason, "wamp.error.not_authorized", authid);
  }
});

Deno.test("review: connections still authenticating hold no session place and count as pending handshakes", async () => {
  const router = await secured({
    maxSessions: 1,
    auth: {
      anonymous: true,
      ticket: { principals: { joe: { ticket: "t", role: "user" } } },
    },
  });
  const stuck = [raw(router), raw(router)];
  for (const p of stuck) {
    p.send([1, "realm1", {
      roles: ROLES,
      authmethods: ["ticket"],
      authid: "joe",
    }]);
    assert.equal((await p.next())[0], 4);
  }
  // Both wait in their challenge: pending, not joined.
  assert.equal(router.sessionCount, 2);
  const s = await open(router, {});
  assert.ok(s.isOpen);
  // The one place is taken now: a challenged client that answers is refused.
  stuck[0]!.send([5, "t", {}]);
  const m = await stuck[0]!.next();
  assert.equal(m[2], "wamp.error.unavailable");
  stuck[1]!.close();
  await s.leave();
});

Deno.test("review: an auto-created realm that empties while a client authenticates is the one it joins", async () => {
  const router = new Router({
    auth: {
      anonymous: true,
      ticket: { principals: { joe: { ticket: "t", role: "user" } } },
    },
  });
  const a = await open(router, { realm: "x" });
  const b = raw(router);
  b.send([1, "x", { roles: ROLES, authmethods: ["ticket"], authid: "joe" }]);
  assert.equal((await b.next())[0], 4);
  await a.leave();
  await new Promise((r) => setTimeout(r, 5));
  b.send([5, "t", {}]);
  assert.equal((await b.next())[0], 2);
  const c = await open(router, { realm: "x" });
  const got: unknown[] = [];
  await c.subscribe("com.example.t", (args) => got.push(args[0]));
  b.send([16, 1, { acknowledge: true }, "com.example.t", ["hi"]]);
  assert.equal((await b.next())[0], 17);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, ["hi"]);
  b.close();
  await c.leave();
});

Deno.test("review: failed logins through an authenticator procedure leave no realm or session behind", async () => {
  const router = new Router({
    auth: { ticket: { authenticator: "com.example.auth" } },
  });
  for (let i = 0; i < 5; i++) {
    const r = await refused(router, {
      realm: `junk${i}`,
      auth: ticket({ authid: "x", ticket: "y" }),
    });
    assert.equal(r.reason, "wamp.error.not_authorized");
  }
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(router.realmCount, 0);
  assert.equal(router.sessionCount, 0);
});

Deno.test("review: a cached authorize decision does not cross realms, and realms without roles deny when others have roles", async () => {
  const router = new Router({
    realms: [
      "a",
      "b",
      {
        name: "c",
        roles: [{
          name: "anonymous",
          permissions: [{
            uri: "",
            match: "prefix",
            allow: { subscribe: true },
          }],
        }],
      },
    ],
    auth: { anonymous: true },
    authorize: (session) => ({ allow: session.realm === "a", cache: true }),
  });
  const a = await open(router, { realm: "a" });
  await a.subscribe("com.example.t", () => {});
  const b = await open(router, { realm: "b" });
  await assert.rejects(
    b.subscribe("com.example.t", () => {}),
    /not authorized/,
  );
  const c = await open(router, { realm: "c" });
  await c.subscribe("com.example.t", () => {});
  await assert.rejects(c.call("com.example.t"), /not authorized/);
  for (const s of [a, b, c]) await s.leave();
  const open2 = new Router({
    realms: [
      "plain",
      { name: "locked", roles: [{ name: "x", permissions: [] }] },
    ],
  });
  const p = await open(open2, { realm: "plain" });
  await assert.rejects(
    p.subscribe("com.example.t", () => {}),
    /not authorized/,
  );
  await p.leave();
});

Deno.test("review: the meta API neither lists nor kills the router's own sessions", async () => {
  const router = new Router({
    realms: ["realm1"],
    auth: {
      anonymous: { role: "admin" },
      ticket: { authenticator: "com.example.auth" },
    },
  });
  const admin = await open(router, {});
  await admin.register("com.example.auth", () => ({ role: "user" }));
  const user = await open(router, {
    auth: ticket({ authid: "u", ticket: "t" }),
  });
  const ids = await admin.call("wamp.session.list") as number[];
  assert.deepEqual(ids.sort(), [admin.id, user.id].sort());
  const killed = await admin.call("wamp.session.kill_by_authrole", ["trusted"]);
  assert.equal(killed, 0);
  for (const s of [user, admin]) await s.leave();
});

Deno.test("auth: SCRAM principals configured with a password log in, each with a salt of its own", async () => {
  const router = new Router({
    realms: ["realm1"],
    auth: {
      scram: {
        kdf: "pbkdf2",
        iterations: 1000,
        principals: {
          ann: { role: "user", password: "same" },
          bob: { role: "user", password: "same" },
        },
      },
    },
  });
  const salts: unknown[] = [];
  for (const authid of ["ann", "bob"]) {
    const s = await open(router, { auth: scram({ authid, password: "same" }) });
    assert.equal(s.authid, authid);
    await s.leave();
    const p = raw(router);
    p.send([1, "realm1", {
      roles: ROLES,
      authmethods: ["scram"],
      authid,
      authextra: { nonce: btoa("0123456789abcdef") },
    }]);
    salts.push(((await p.next())[2] as Dict).salt);
    p.close();
  }
  assert.notEqual(salts[0], salts[1]);
});
