// autobahn-python 26.10.2 (asyncio, with its encryption and scram extras:
// PyNaCl, argon2-cffi, passlib; .peers/abvenv from install_peers.sh) logs in
// to the embedded router with ticket, wampcra (plain and salted), cryptosign
// (with and without an authid) and scram (argon2id-13), through the
// authenticators its Component uses (py_autobahn_auth.py). Each login is
// checked in what autobahn-python saw: WELCOME's authid/authrole/
// authmethod/authprovider, the CHALLENGE extra, what a wampkit callee saw
// of the caller; then it is allowed and denied per its role; and a wrong
// secret for each method ends in ABORT wamp.error.not_authorized.
//
// SCRAM: the router derives carol's keys from her password with our
// Argon2id (TypeScript) and autobahn-python derives its proof with
// argon2-cffi, so a login shows both agree; autobahn-python also checks
// WELCOME's scram_server_signature, so a login shows the router's is right.
// autobahn-python's own pbkdf2 SCRAM is broken (research/peers.md §8: it
// hands PBKDF2 the Base64 salt as a str); a test pins down that it fails on
// its side, before any AUTHENTICATE is sent.
import assert from "node:assert/strict";
import { deriveKey, loadCryptosignKey, ticket } from "../../src/auth/mod.ts";
import { connect } from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import { serveRouter } from "../../src/router/adapters/deno.ts";
import { Router } from "../../src/router/router.ts";
import { Child, pythonWithAutobahn, type Report, STEP_MS } from "./_child.ts";
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
const CAROL_SCRAM = {
  kdf: "argon2id-13",
  salt: "obLD1OX2BxgpOktcbX6PkA==",
  iterations: 2,
  memory: 1024,
} as const;

/**
 * Serves a secured router (port 0) with a wampkit backend (ticket) whose
 * com.example.{user,admin}.whoami return what it sees of the caller.
 */
async function withRouter(fn: (url: string) => Promise<void>): Promise<void> {
  const alice = await loadCryptosignKey(ALICE_SEED);
  assert.equal(alice.publicKey, ALICE_PUBKEY);
  const router = new Router({
    realms: [{ name: "realm1", roles: ROLES }],
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
      scram: {
        principals: {
          carol: { password: "pencil", ...CAROL_SCRAM, role: "user" },
          dave: {
            password: "sharpener",
            kdf: "pbkdf2",
            iterations: 1000,
            role: "admin",
          },
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

const here = new URL("./", import.meta.url);

/** Runs the autobahn-python attempts; returns its outcomes by name. */
async function python(
  url: string,
  attempts: Record<string, unknown>[],
): Promise<Record<string, Report>> {
  await using c = new Child(
    `python py_autobahn_auth.py ${attempts.map((a) => a.name).join(", ")}`,
    pythonWithAutobahn(),
    [
      new URL("py_autobahn_auth.py", here).pathname,
      url,
      JSON.stringify(attempts),
    ],
  );
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
  const { authextra: _, ...welcome } = o.welcome;
  assert.deepEqual(welcome, { ...want, authprovider: "static" }, o.output);
  assert.deepEqual(o.actions, actions, o.output);
  assert.equal(o.leave.reason, "wamp.close.goodbye_and_out", o.output);
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
  "autobahn-python auth: ticket, allowed and denied per role",
  opts,
  () =>
    withRouter(async (url) => {
      const r = await python(url, [{
        name: "joe",
        authentication: { ticket: { authid: "joe", ticket: "secret!" } },
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
  "autobahn-python auth: wampcra with a plain and a salted secret, allowed and denied per role",
  opts,
  () =>
    withRouter(async (url) => {
      const r = await python(url, [
        {
          name: "peter",
          authentication: {
            wampcra: { authid: "peter", secret: WAMPCRA_SECRET },
          },
          actions: USER_ACTIONS,
        },
        {
          name: "salty",
          authentication: { wampcra: { authid: "salty", secret: "hunter2" } },
          actions: ADMIN_ACTIONS,
        },
      ]);
      assertLogin(
        r.peter!,
        { authid: "peter", authrole: "user", authmethod: "wampcra" },
        expected("peter", "user"),
      );
      wampcraChallenge(r.peter!, "peter", "user");
      assert.deepEqual(Object.keys(r.peter!.challenges[0].extra), [
        "challenge",
      ]);
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
  "autobahn-python auth: cryptosign with and without an authid, allowed and denied per role",
  opts,
  () =>
    withRouter(async (url) => {
      const r = await python(url, [
        {
          name: "alice",
          authentication: {
            cryptosign: { authid: "alice", privkey: ALICE_SEED },
          },
          actions: ADMIN_ACTIONS,
        },
        {
          name: "by-key",
          authentication: { cryptosign: { privkey: ALICE_SEED } },
          actions: ADMIN_ACTIONS,
        },
      ]);
      for (const name of ["alice", "by-key"]) {
        const o = r[name]!;
        assertLogin(
          o,
          { authid: "alice", authrole: "admin", authmethod: "cryptosign" },
          expected("alice", "admin"),
        );
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
  "autobahn-python auth: scram argon2id-13, allowed and denied per role, server signature accepted",
  opts,
  () =>
    withRouter(async (url) => {
      const r = await python(url, [{
        name: "carol",
        authentication: { scram: { authid: "carol", password: "pencil" } },
        actions: USER_ACTIONS,
      }]);
      const o = r.carol!;
      assertLogin(
        o,
        { authid: "carol", authrole: "user", authmethod: "scram" },
        expected("carol", "user"),
      );
      // autobahn-python checked it (on_welcome) before onJoin.
      assert.equal(
        typeof o.welcome.authextra?.scram_server_signature,
        "string",
        o.output,
      );
      assert.equal(o.challenges.length, 1, o.output);
      const { method, extra } = o.challenges[0];
      assert.equal(method, "scram", o.output);
      // autobahn-python refuses any other key (AuthScram.on_challenge).
      assert.deepEqual(
        Object.keys(extra).sort(),
        ["iterations", "kdf", "memory", "nonce", "salt"],
        o.output,
      );
      const { kdf, salt, iterations, memory } = extra;
      assert.deepEqual({ kdf, salt, iterations, memory }, CAROL_SCRAM);
      assert.equal(atob(extra.nonce).length, 32, o.output);
    }),
);

Deno.test(
  "autobahn-python auth: scram pbkdf2 fails inside autobahn-python 26.10.2 (a known bug), before it answers",
  opts,
  () =>
    withRouter(async (url) => {
      const r = await python(url, [{
        name: "dave",
        authentication: { scram: { authid: "dave", password: "sharpener" } },
      }]);
      const o = r.dave!;
      // The router's CHALLENGE is right; autobahn-python's own PBKDF2 call
      // throws on it and the client aborts with cannot_authenticate. When
      // this fails, autobahn-python has been fixed: assert a login here.
      assert.equal(o.joined, false, o.output);
      assert.equal(o.challenges.length, 1, o.output);
      assert.equal(o.challenges[0].extra.kdf, "pbkdf2", o.output);
      assert.equal(o.leave.reason, "wamp.error.cannot_authenticate", o.output);
    }),
);

Deno.test(
  "autobahn-python auth: a wrong secret for each method ends in ABORT not_authorized",
  opts,
  () =>
    withRouter(async (url) => {
      const wrong: Record<string, Record<string, Record<string, string>>> = {
        "ticket": { ticket: { authid: "joe", ticket: "secret?" } },
        "wampcra plain": {
          wampcra: { authid: "peter", secret: "prq7+YkJ1/KlW1X0YczMHw=!" },
        },
        "wampcra salted": { wampcra: { authid: "salty", secret: "hunter3" } },
        "wampcra unknown authid": {
          wampcra: { authid: "nobody", secret: WAMPCRA_SECRET },
        },
        "cryptosign other key": {
          cryptosign: { authid: "alice", privkey: MALLORY_SEED },
        },
        "cryptosign unknown key": { cryptosign: { privkey: MALLORY_SEED } },
        "scram argon2id-13": {
          scram: { authid: "carol", password: "pencil!" },
        },
        "scram unknown authid": {
          scram: { authid: "nobody", password: "pencil" },
        },
      };
      const r = await python(
        url,
        Object.entries(wrong).map(([name, authentication]) => ({
          name,
          authentication,
        })),
      );
      for (const name of Object.keys(wrong)) {
        const o = r[name]!;
        assert.equal(o.joined, false, `${name}\n${o.output}`);
        assert.equal(o.challenges.length, 1, `${name}\n${o.output}`);
        assert.equal(
          o.leave?.reason,
          "wamp.error.not_authorized",
          `${name}\n${o.output}`,
        );
      }
    }),
);
