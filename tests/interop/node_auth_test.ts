// Autobahn|JS 22.11.1 under Node 20 (with `ws` and tweetnacl from
// tests/interop/node_modules) logs in to the embedded router, served by
// Deno, with ticket, wampcra (plain, and salted: Autobahn's
// auth_cra.derive_key) and cryptosign (Autobahn's auth_cryptosign, with and
// without an authid, and through its create_connection helper). Each login
// is checked in what Autobahn saw: WELCOME's authid/authrole/authmethod/
// authprovider, the CHALLENGE extra, what a wampkit callee saw of the
// caller; then it is allowed and denied per its role; and a wrong secret
// for each method ends in ABORT wamp.error.not_authorized. Autobahn|JS has
// no SCRAM (research/peers.md §8); autobahn-python covers it.
//
// Autobahn|JS uses random request ids: the router runs with
// strictRequestIds: false, as for old clients.
import assert from "node:assert/strict";
import { deriveKey, loadCryptosignKey, ticket } from "../../src/auth/mod.ts";
import { connect } from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import { serveRouter } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { type Report, spawnNode, STEP_MS } from "./_child.ts";
import { ADMIN_ACTIONS, expected, ROLES, USER_ACTIONS } from "./_auth_roles.ts";

// RFC 8032, 7.1, TEST 1 and TEST 2 (a key nobody authorized).
const ALICE_SEED =
  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const ALICE_PUBKEY =
  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const MALLORY_SEED =
  "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
const WAMPCRA_SECRET = "prq7+YkJ1/KlW1X0YczMHw==";
const SALTED = { salt: "salt123", iterations: 100, keylen: 16 };

/**
 * Serves a secured router (port 0) with a wampkit backend (ticket) whose
 * com.example.{user,admin}.whoami return what it sees of the caller.
 */
async function withRouter(fn: (url: string) => Promise<void>): Promise<void> {
  const alice = await loadCryptosignKey(ALICE_SEED);
  assert.equal(alice.publicKey, ALICE_PUBKEY);
  const router = new Router({
    realms: [{ name: "realm1", roles: ROLES }],
    strictRequestIds: false,
    auth: {
      ticket: {
        principals: {
          joe: { ticket: "secret!", role: "user" },
          backend: { ticket: "backend-ticket", role: "backend" },
        },
      },
      wampcra: {
        principals: {
          peter: { secret: WAMPCRA_SECRET, role: "user" },
          // Salted principals hold the derived key, as in Crossbar's config.
          salty: {
            secret: await deriveKey(
              "hunter2",
              SALTED.salt,
              SALTED.iterations,
              SALTED.keylen,
            ),
            ...SALTED,
            role: "admin",
          },
        },
      },
      cryptosign: {
        principals: {
          alice: { authorized_keys: [ALICE_PUBKEY], role: "admin" },
        },
      },
    },
  });
  const server = serveRouter(router, { port: 0 });
  let backend: Session | undefined;
  try {
    backend = await connect({
      url: server.url,
      realm: "realm1",
      auth: ticket({ authid: "backend", ticket: "backend-ticket" }),
    });
    for (const uri of ["com.example.user.whoami", "com.example.admin.whoami"]) {
      await backend.register(
        uri,
        (_a, _k, d) => [d.caller_authid, d.caller_authrole],
      );
    }
    await fn(server.url);
  } finally {
    if (backend?.isOpen) await backend.leave().catch(() => {});
    await server.shutdown();
  }
}

/** Runs the Autobahn|JS attempts; returns its outcomes by name. */
async function autobahn(
  url: string,
  attempts: Record<string, unknown>[],
): Promise<Record<string, Report>> {
  await using c = spawnNode("node_autobahn_auth.mjs", [
    url,
    JSON.stringify(attempts),
  ]);
  const { result } = await c.report("result", STEP_MS);
  const status = await c.exit(STEP_MS);
  assert.equal(status.code, 0, `exit code\n${c.output}`);
  for (const outcome of Object.values(result as Record<string, Report>)) {
    outcome.output = c.output;
  }
  return result;
}

function assertLogin(
  o: Report,
  want: { authid: string; authrole: string; authmethod: string },
  actions: unknown[],
): void {
  assert.equal(o.joined, true, o.output);
  assert.deepEqual(o.welcome, { ...want, authprovider: "static" }, o.output);
  assert.deepEqual(o.actions, actions, o.output);
  assert.equal(o.close.will_retry, false, o.output);
}

function wampcraChallenge(o: Report, authid: string, authrole: string) {
  assert.equal(o.challenges.length, 1, o.output);
  const { method, extra } = o.challenges[0];
  assert.equal(method, "wampcra", o.output);
  const c = JSON.parse(extra.challenge);
  assert.deepEqual(
    {
      authid: c.authid,
      authrole: c.authrole,
      authmethod: c.authmethod,
      authprovider: c.authprovider,
    },
    { authid, authrole, authmethod: "wampcra", authprovider: "static" },
    o.output,
  );
  assert.equal(typeof c.nonce, "string", o.output);
  assert.equal(typeof c.timestamp, "string", o.output);
  // The session id the router then gives in WELCOME.
  assert.equal(c.session, o.session, o.output);
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "autobahn|js auth: ticket, allowed and denied per role",
  opts,
  () =>
    withRouter(async (url) => {
      const r = await autobahn(url, [{
        name: "joe",
        method: "ticket",
        authid: "joe",
        secret: "secret!",
        actions: USER_ACTIONS,
      }]);
      assertLogin(
        r.joe!,
        { authid: "joe", authrole: "user", authmethod: "ticket" },
        expected("joe", "user"),
      );
      assert.deepEqual(r.joe!.challenges, [{ method: "ticket", extra: {} }]);
    }),
);

Deno.test(
  "autobahn|js auth: wampcra with a plain secret, allowed and denied per role",
  opts,
  () =>
    withRouter(async (url) => {
      const r = await autobahn(url, [{
        name: "peter",
        method: "wampcra",
        authid: "peter",
        secret: WAMPCRA_SECRET,
        actions: USER_ACTIONS,
      }]);
      assertLogin(
        r.peter!,
        { authid: "peter", authrole: "user", authmethod: "wampcra" },
        expected("peter", "user"),
      );
      wampcraChallenge(r.peter!, "peter", "user");
      assert.deepEqual(
        Object.keys(r.peter!.challenges[0].extra),
        ["challenge"],
      );
    }),
);

Deno.test(
  "autobahn|js auth: wampcra with a salted secret (auth_cra.derive_key), allowed and denied per role",
  opts,
  () =>
    withRouter(async (url) => {
      const r = await autobahn(url, [{
        name: "salty",
        method: "wampcra",
        authid: "salty",
        secret: "hunter2",
        actions: ADMIN_ACTIONS,
      }]);
      assertLogin(
        r.salty!,
        { authid: "salty", authrole: "admin", authmethod: "wampcra" },
        expected("salty", "admin"),
      );
      // The challenge names the first principal's role for every authid
      // (no role oracle); WELCOME has the real one.
      wampcraChallenge(r.salty!, "salty", "user");
      const { salt, iterations, keylen } = r.salty!.challenges[0].extra;
      assert.deepEqual({ salt, iterations, keylen }, SALTED);
    }),
);

Deno.test(
  "autobahn|js auth: cryptosign with and without an authid and through create_connection, allowed and denied per role",
  opts,
  () =>
    withRouter(async (url) => {
      const base = { method: "cryptosign", seed: ALICE_SEED };
      const r = await autobahn(url, [
        { ...base, name: "alice", authid: "alice", actions: ADMIN_ACTIONS },
        { ...base, name: "by-key", actions: ADMIN_ACTIONS },
        {
          ...base,
          name: "create_connection",
          createConnection: true,
          actions: ADMIN_ACTIONS,
        },
      ]);
      const want = {
        authid: "alice",
        authrole: "admin",
        authmethod: "cryptosign",
      };
      for (const name of ["alice", "by-key", "create_connection"]) {
        assertLogin(r[name]!, want, expected("alice", "admin"));
      }
      for (const name of ["alice", "by-key"]) {
        const o = r[name]!;
        assert.equal(o.challenges.length, 1, o.output);
        const { method, extra } = o.challenges[0];
        assert.equal(method, "cryptosign", o.output);
        assert.deepEqual(
          Object.keys(extra).sort(),
          ["challenge", "channel_binding"],
          o.output,
        );
        assert.match(extra.challenge, /^[0-9a-f]{64}$/, o.output);
        assert.equal(extra.channel_binding, null, o.output);
      }
    }),
);

Deno.test(
  "autobahn|js auth: a wrong secret for each method ends in ABORT not_authorized",
  opts,
  () =>
    withRouter(async (url) => {
      const wrong = [
        { name: "ticket", method: "ticket", authid: "joe", secret: "secret?" },
        {
          name: "wampcra plain",
          method: "wampcra",
          authid: "peter",
          secret: "prq7+YkJ1/KlW1X0YczMHw=!",
        },
        {
          name: "wampcra salted",
          method: "wampcra",
          authid: "salty",
          secret: "hunter3",
        },
        {
          name: "wampcra unknown authid",
          method: "wampcra",
          authid: "nobody",
          secret: WAMPCRA_SECRET,
        },
        {
          name: "cryptosign other key",
          method: "cryptosign",
          authid: "alice",
          seed: MALLORY_SEED,
        },
        {
          name: "cryptosign unknown key",
          method: "cryptosign",
          seed: MALLORY_SEED,
        },
      ];
      const r = await autobahn(url, wrong);
      for (const { name } of wrong) {
        const o = r[name]!;
        assert.equal(o.joined, false, `${name}\n${o.output}`);
        assert.deepEqual(
          {
            reason: o.close.details_reason,
            will_retry: o.close.will_retry,
          },
          { reason: "wamp.error.not_authorized", will_retry: false },
          `${name}\n${o.output}`,
        );
      }
    }),
);
