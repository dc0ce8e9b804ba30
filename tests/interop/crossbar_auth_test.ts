// Our client logs in to Crossbar 26.10 (tests/interop/install_peers.sh) with
// each authentication method, as Crossbar configures them (research/peers.md
// §8): ticket, wampcra (plain, and salted with salt/iterations/keylen),
// cryptosign (authorized_keys) and scram (argon2id-13 and pbkdf2). Each
// login is checked in WELCOME (authid, authrole, authmethod,
// authprovider), in what a callee sees of the caller, and in the CHALLENGE
// Crossbar sent; then the role is allowed and denied per its permissions;
// and each method refuses a wrong secret without a retry.
//
// Nothing Crossbar checks comes from our own code: the cryptosign key is
// RFC 8032's test key 1, and the SCRAM keys are derived by argon2-cffi and
// hashlib in Crossbar's Python (as autobahn-python derives them); Crossbar
// wants salt, stored-key and server-key in hex where our router reads
// Base64. One more test shows our scramCredentials give the same keys.
import assert from "node:assert/strict";
import {
  cryptosign,
  scram,
  scramCredentials,
  ticket,
  wampcra,
} from "../../src/auth/mod.ts";
import type { AuthDict, ClientAuth } from "../../src/auth/client_auth.ts";
import { Connection } from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import { WampError } from "../../src/protocol/wamp_error.ts";
import { peerBinary, startCrossbar } from "./_process.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

// RFC 8032, 7.1, TEST 1: a seed and its Ed25519 public key.
const ALICE_SEED =
  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const ALICE_PUBKEY =
  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
// RFC 8032, 7.1, TEST 2: a key nobody authorized.
const MALLORY_SEED =
  "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

const WAMPCRA_SECRET = "prq7+YkJ1/KlW1X0YczMHw==";
const SALTED = { salt: "salt123", iterations: 100, keylen: 16 };

// SCRAM parameters: small, so a login costs little.
const ARGON = { kdf: "argon2id-13", iterations: 2, memory: 1024 } as const;
const PBKDF2 = { kdf: "pbkdf2", iterations: 1000, memory: 0 } as const;
const CAROL_SALT = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const DAVE_SALT = "00112233445566778899aabbccddeeff";

const ALL = { call: true, register: true, publish: true, subscribe: true };
const PERMS = (uri: string, allow: Record<string, boolean>) => ({
  uri,
  match: "prefix",
  allow: {
    call: false,
    register: false,
    publish: false,
    subscribe: false,
    ...allow,
  },
  disclose: { caller: true, publisher: true },
  cache: true,
});
const ROLES = [
  { name: "backend", permissions: [PERMS("com.example.", ALL)] },
  // user: call and subscribe under com.example.user. only
  {
    name: "user",
    permissions: [PERMS("com.example.user.", { call: true, subscribe: true })],
  },
  // admin: call, publish and subscribe under com.example.
  {
    name: "admin",
    permissions: [
      PERMS("com.example.", { call: true, publish: true, subscribe: true }),
    ],
  },
];

/**
 * SCRAM credentials as Crossbar's configuration takes them (hex), derived
 * in Crossbar's Python: argon2-cffi as autobahn-python's
 * `_hash_argon2id13_secret` (SaltedPassword = the unpadded Base64 text of
 * the hash), hashlib's PBKDF2-HMAC-SHA256 over the raw salt for pbkdf2.
 */
async function pythonScram(
  password: string,
  kdf: string,
  saltHex: string,
  iterations: number,
  memory: number,
): Promise<Record<string, string | number>> {
  const code = `
import sys, json, hashlib, hmac
from argon2.low_level import hash_secret, Type
password, kdf, salt = sys.argv[1].encode(), sys.argv[2], bytes.fromhex(sys.argv[3])
iterations, memory = int(sys.argv[4]), int(sys.argv[5])
if kdf == "argon2id-13":
    encoded = hash_secret(secret=password, salt=salt, time_cost=iterations,
        memory_cost=memory, parallelism=1, hash_len=32, type=Type.ID, version=19)
    salted = encoded.split(b"$")[-1]
else:
    salted = hashlib.pbkdf2_hmac("sha256", password, salt, iterations, 32)
client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
print(json.dumps({"kdf": kdf, "iterations": iterations, "memory": memory,
    "salt": salt.hex(), "stored-key": hashlib.sha256(client_key).hexdigest(),
    "server-key": hmac.new(salted, b"Server Key", hashlib.sha256).hexdigest()}))
`;
  const out = await new Deno.Command(
    peerBinary("cbvenv/bin/python", "CROSSBAR_PYTHON"),
    {
      args: [
        "-c",
        code,
        password,
        kdf,
        saltHex,
        String(iterations),
        String(memory),
      ],
      stdout: "piped",
      stderr: "piped",
    },
  ).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

function hexToBase64(hex: string): string {
  let s = "";
  for (let i = 0; i < hex.length; i += 2) {
    s += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  }
  return btoa(s);
}

async function crossbarAuth() {
  const carol = await pythonScram(
    "pencil",
    ARGON.kdf,
    CAROL_SALT,
    ARGON.iterations,
    ARGON.memory,
  );
  const dave = await pythonScram(
    "sharpener",
    PBKDF2.kdf,
    DAVE_SALT,
    PBKDF2.iterations,
    PBKDF2.memory,
  );
  return {
    ticket: {
      type: "static",
      principals: {
        joe: { ticket: "secret!", role: "user" },
        backend: { ticket: "backend-ticket", role: "backend" },
      },
    },
    wampcra: {
      type: "static",
      users: {
        peter: { secret: WAMPCRA_SECRET, role: "user" },
        salty: { secret: "hunter2", ...SALTED, role: "admin" },
      },
    },
    cryptosign: {
      type: "static",
      principals: { alice: { authorized_keys: [ALICE_PUBKEY], role: "admin" } },
    },
    scram: {
      type: "static",
      principals: {
        carol: { ...carol, role: "user" },
        dave: { ...dave, role: "admin" },
      },
    },
  };
}

/** Wraps a one-liner to record the CHALLENGEs it answers. */
function recording(
  auth: ClientAuth,
): { auth: ClientAuth; challenges: { method: string; extra: AuthDict }[] } {
  const challenges: { method: string; extra: AuthDict }[] = [];
  return {
    challenges,
    auth: {
      hello: () => auth.hello(),
      challenge: (method, extra) => {
        challenges.push({ method, extra: structuredClone(extra) });
        return auth.challenge(method, extra);
      },
      welcome: auth.welcome && ((details) => auth.welcome!(details)),
    },
  };
}

async function rejection(p: Promise<unknown> | undefined): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof WampError ? err.uri : `not a WampError: ${err}`;
  }
  return "no error";
}

/** How a refused login ends: onclose's details, and no retry. */
function refusal(
  url: string,
  auth: ClientAuth,
): Promise<{ reason: string; will_retry: boolean; opened: boolean }> {
  const { promise, resolve } = Promise.withResolvers<
    { reason: string; will_retry: boolean; opened: boolean }
  >();
  const c = new Connection({
    url,
    realm: "realm1",
    auth,
    // Retries are allowed: an authentication failure must not use them.
    max_retries: 3,
    initial_retry_delay: 0.05,
  });
  let closes = 0;
  c.onopen = (s) => {
    resolve({ reason: "opened", will_retry: false, opened: true });
    void s.leave();
  };
  c.onclose = (_reason, details) => {
    closes++;
    resolve({
      reason: details.reason,
      will_retry: details.will_retry,
      opened: false,
    });
    if (closes > 1) {
      resolve({ reason: "closed twice", will_retry: true, opened: false });
    }
  };
  c.open();
  return promise.finally(() => c.close());
}

interface Login {
  auth: ClientAuth;
  authid: string;
  authrole: string;
  authmethod: string;
  allowed: string[];
  denied: { call?: string[]; register?: string[]; publish?: string[] };
  challenge: (extra: AuthDict) => void;
}

async function login(url: string, l: Login): Promise<void> {
  const rec = recording(l.auth);
  const session: Session = await new Connection({
    url,
    realm: "realm1",
    auth: rec.auth,
    max_retries: 0,
  }).openSession();
  try {
    assert.equal(session.authid, l.authid);
    assert.equal(session.authrole, l.authrole);
    assert.equal(session.authmethod, l.authmethod);
    assert.equal(session.details.authprovider, "static");
    assert.equal(rec.challenges.length, 1, JSON.stringify(rec.challenges));
    assert.equal(rec.challenges[0]!.method, l.authmethod);
    l.challenge(rec.challenges[0]!.extra);
    if (l.authmethod === "wampcra") {
      // The session id Crossbar then gives in WELCOME.
      const c = JSON.parse(rec.challenges[0]!.extra.challenge as string);
      assert.equal(c.session, session.id);
    }
    for (const uri of l.allowed) {
      // The callee sees who called: the identity Crossbar verified.
      assert.deepEqual(await session.call(uri), [l.authid, l.authrole], uri);
    }
    for (const uri of l.denied.call ?? []) {
      assert.equal(
        await rejection(session.call(uri)),
        "wamp.error.not_authorized",
        `call ${uri}`,
      );
    }
    for (const uri of l.denied.register ?? []) {
      assert.equal(
        await rejection(session.register(uri, () => null)),
        "wamp.error.not_authorized",
        `register ${uri}`,
      );
    }
    for (const uri of l.denied.publish ?? []) {
      assert.equal(
        await rejection(session.publish(uri, [], {}, { acknowledge: true })),
        "wamp.error.not_authorized",
        `publish ${uri}`,
      );
    }
  } finally {
    await session.leave();
  }
}

function wampcraChallenge(extra: AuthDict, authid: string, role: string) {
  const c = JSON.parse(extra.challenge as string);
  assert.equal(c.authid, authid);
  assert.equal(c.authrole, role);
  assert.equal(c.authmethod, "wampcra");
  assert.equal(c.authprovider, "static");
  assert.equal(typeof c.nonce, "string");
  assert.equal(typeof c.timestamp, "string");
}

const USER_DENIED = {
  call: ["com.example.admin.whoami", "com.private.thing"],
  register: ["com.example.user.mine"],
  publish: ["com.example.user.topic"],
};
const ADMIN_DENIED = {
  call: ["com.private.thing"],
  register: ["com.example.admin.mine"],
  publish: ["com.private.topic"],
};
const USER_ALLOWED = ["com.example.user.whoami"];
const ADMIN_ALLOWED = ["com.example.user.whoami", "com.example.admin.whoami"];

Deno.test(
  "crossbar auth: our client logs in with each method, is allowed and denied per role, and is refused with a wrong secret",
  opts,
  async (t) => {
    const crossbar = await startCrossbar({
      roles: ROLES,
      auth: await crossbarAuth(),
    });
    const url = crossbar.url;
    let backend: Session | undefined;
    try {
      backend = await new Connection({
        url,
        realm: "realm1",
        auth: ticket({ authid: "backend", ticket: "backend-ticket" }),
        max_retries: 0,
      }).openSession();
      for (
        const uri of ["com.example.user.whoami", "com.example.admin.whoami"]
      ) {
        await backend.register(
          uri,
          (_a, _k, d) => [d.caller_authid, d.caller_authrole],
        );
      }

      await t.step("ticket: joe (user)", () =>
        login(url, {
          auth: ticket({ authid: "joe", ticket: "secret!" }),
          authid: "joe",
          authrole: "user",
          authmethod: "ticket",
          allowed: USER_ALLOWED,
          denied: USER_DENIED,
          challenge: (extra) => assert.deepEqual(extra, {}),
        }));

      await t.step("wampcra: peter, plain secret (user)", () =>
        login(url, {
          auth: wampcra({ authid: "peter", secret: WAMPCRA_SECRET }),
          authid: "peter",
          authrole: "user",
          authmethod: "wampcra",
          allowed: USER_ALLOWED,
          denied: USER_DENIED,
          challenge: (extra) => {
            assert.deepEqual(Object.keys(extra), ["challenge"]);
            wampcraChallenge(extra, "peter", "user");
          },
        }));

      await t.step("wampcra: salty, salted secret (admin)", () =>
        login(url, {
          auth: wampcra({ authid: "salty", secret: "hunter2" }),
          authid: "salty",
          authrole: "admin",
          authmethod: "wampcra",
          allowed: ADMIN_ALLOWED,
          denied: ADMIN_DENIED,
          challenge: (extra) => {
            assert.deepEqual(
              {
                salt: extra.salt,
                iterations: extra.iterations,
                keylen: extra.keylen,
              },
              SALTED,
            );
            wampcraChallenge(extra, "salty", "admin");
          },
        }));

      await t.step(
        "cryptosign: alice (admin), with and without an authid",
        async () => {
          const challenge = (extra: AuthDict) => {
            assert.deepEqual(Object.keys(extra).sort(), [
              "challenge",
              "channel_binding",
            ]);
            assert.match(extra.challenge as string, /^[0-9a-f]{64}$/);
            assert.equal(extra.channel_binding, null);
          };
          for (const authid of ["alice", undefined]) {
            await login(url, {
              auth: cryptosign({ authid, privateKey: ALICE_SEED }),
              authid: "alice",
              authrole: "admin",
              authmethod: "cryptosign",
              allowed: ADMIN_ALLOWED,
              denied: ADMIN_DENIED,
              challenge,
            });
          }
        },
      );

      const scramChallenge =
        (kdf: string, saltHex: string, iterations: number, memory: number) =>
        (extra: AuthDict) => {
          assert.deepEqual(Object.keys(extra).sort(), [
            "iterations",
            "kdf",
            "memory",
            "nonce",
            "salt",
          ]);
          assert.deepEqual(
            {
              kdf: extra.kdf,
              salt: extra.salt,
              iterations: extra.iterations,
              memory: extra.memory,
            },
            { kdf, salt: hexToBase64(saltHex), iterations, memory },
          );
          // The server nonce: the client's 16 bytes and 16 of Crossbar's.
          assert.equal(atob(extra.nonce as string).length, 32);
        };

      await t.step("scram argon2id-13: carol (user)", () =>
        login(url, {
          auth: scram({ authid: "carol", password: "pencil" }),
          authid: "carol",
          authrole: "user",
          authmethod: "scram",
          allowed: USER_ALLOWED,
          denied: USER_DENIED,
          challenge: scramChallenge(
            ARGON.kdf,
            CAROL_SALT,
            ARGON.iterations,
            ARGON.memory,
          ),
        }));

      await t.step("scram pbkdf2: dave (admin)", () =>
        login(url, {
          auth: scram({ authid: "dave", password: "sharpener" }),
          authid: "dave",
          authrole: "admin",
          authmethod: "scram",
          allowed: ADMIN_ALLOWED,
          denied: ADMIN_DENIED,
          challenge: scramChallenge(
            PBKDF2.kdf,
            DAVE_SALT,
            PBKDF2.iterations,
            PBKDF2.memory,
          ),
        }));

      await t.step(
        "a wrong secret is refused with not_authorized, without a retry",
        async () => {
          const wrong: [string, ClientAuth][] = [
            ["ticket", ticket({ authid: "joe", ticket: "secret?" })],
            [
              "wampcra plain",
              wampcra({ authid: "peter", secret: "prq7+YkJ1/KlW1X0YczMHw=!" }),
            ],
            ["wampcra salted", wampcra({ authid: "salty", secret: "hunter3" })],
            [
              "wampcra unknown authid",
              wampcra({ authid: "nobody", secret: WAMPCRA_SECRET }),
            ],
            [
              "cryptosign other key",
              cryptosign({ authid: "alice", privateKey: MALLORY_SEED }),
            ],
            [
              "cryptosign unknown key",
              cryptosign({ privateKey: MALLORY_SEED }),
            ],
            [
              "scram argon2id-13",
              scram({ authid: "carol", password: "pencil!" }),
            ],
            ["scram pbkdf2", scram({ authid: "dave", password: "sharpener!" })],
          ];
          for (const [what, auth] of wrong) {
            assert.deepEqual(await refusal(url, auth), {
              reason: "wamp.error.not_authorized",
              will_retry: false,
              opened: false,
            }, what);
          }
        },
      );
    } finally {
      if (backend?.isOpen) await backend.leave().catch(() => {});
      await crossbar.stop();
    }
  },
);

Deno.test(
  "crossbar auth: our scramCredentials derive the keys Crossbar's Python derives",
  opts,
  async () => {
    for (
      const [kdf, salt, p] of [
        [ARGON.kdf, CAROL_SALT, ARGON],
        [PBKDF2.kdf, DAVE_SALT, PBKDF2],
      ] as const
    ) {
      const theirs = await pythonScram(
        "pencil",
        kdf,
        salt,
        p.iterations,
        p.memory,
      );
      const ours = await scramCredentials("pencil", {
        kdf,
        salt: hexToBase64(salt),
        iterations: p.iterations,
        memory: p.memory,
      });
      assert.deepEqual(
        { stored: ours.storedKey, server: ours.serverKey, salt: ours.salt },
        {
          stored: hexToBase64(theirs["stored-key"] as string),
          server: hexToBase64(theirs["server-key"] as string),
          salt: hexToBase64(salt),
        },
        kdf,
      );
    }
  },
);
