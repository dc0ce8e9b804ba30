import assert from "node:assert/strict";
import {
  argon2id,
  AuthError,
  scram,
  type ScramCredentials,
  scramCredentials,
  ScramServer,
} from "../../src/auth/mod.ts";
import { fromBase64, toHex, utf8 } from "../../src/auth/_encoding.ts";
import { saslprep } from "../../src/auth/_saslprep.ts";
import {
  authMessage,
  clientProof,
  saltedPassword,
} from "../../src/auth/_scram.ts";

// Full exchanges computed once with the peers in .peers/cbvenv: the
// client's proof by autobahn 26.10.2's AuthScram.on_challenge (argon2-cffi
// 25.1.0) with its client nonce fixed, and checked, with the server
// signature and the keys computed, by Crossbar 26.10.1's formulas
// (PendingAuthScram.authenticate; derive_scram_credential for the keys).
// autobahn-python cannot do `pbkdf2` (it passes the salt as text), so that
// vector is Python's hashlib and hmac following peers.md §8.
const SALT = "AAECAwQFBgcICQoLDA0ODw=="; // bytes 0x00…0x0f
const CLIENT_NONCE = "oKGio6SlpqeoqaqrrK2urw=="; // bytes 0xa0…0xaf
const SERVER_NONCE = "oKGio6SlpqeoqaqrrK2ur8DBwsPExcbHyMnKy8zNzs8="; // + 0xc0…0xcf

const VECTORS = [
  {
    authid: "alice",
    password: "p4ssw0rd",
    kdf: "argon2id-13",
    iterations: 4,
    memory: 512,
    proof: "i7IfdQaaihLF3QMspN9Nb5Ow3SN7wjaa42/iVpxl+Ac=",
    serverSignature: "z/8XzJsTxvzCqV9NIHYH9X1LXpvxa8G5fG9FAjs06ME=",
    storedKey: "QaTfAciS0p9DeD4oNMDDDxXJIS/2tZHEAAYRIBnkRTA=",
    serverKey: "8wh9kr5U85zFozee5D48uoBbw/5lTpXg3Gmyn3BZxFw=",
  },
  {
    // A password that SASLprep would change: autobahn uses it unprepared.
    authid: "bob",
    password: "p\u00e4\u00a0ss",
    kdf: "argon2id-13",
    iterations: 2,
    memory: 64,
    proof: "gK4NphchElwbmoqglg+kjdfdB03WEtB0zCuVz41ikOs=",
    serverSignature: "iOHplaJqu67jmZQV0wYkBjhB+yvY9lFd+vx0OhxHVVA=",
    storedKey: "HVAXjU6P5TMdf271+u+GIV3LwCTX0HDohawSTZsiggE=",
    serverKey: "BzMPiYgzInn2ExgKieTPEyMULeUAMYF2ZBXPOshnN5I=",
  },
  {
    authid: "alice",
    password: "p4ssw0rd",
    kdf: "pbkdf2",
    iterations: 4096,
    memory: 0,
    proof: "DMFMPCU3VJxomOVa1dQZQKd33SHI8UDDV4fe83Fa/wA=",
    serverSignature: "32meKZJtAoLCEMHuFFBk7GI505vUxno0qV3WN+FOMcw=",
    storedKey: "ClQ/qBjuudUGqjEkkeWs0M3TCxA2tk+44AbgliO/Lps=",
    serverKey: "Kofog/V4CnD7ML8vFdWNIjVATMCzhzCY3cywJLSfmnk=",
  },
] as const;

/** Runs `fn` with crypto.getRandomValues handing out `queue` first. */
async function withRandom<T>(
  queue: Uint8Array[],
  fn: () => Promise<T>,
): Promise<T> {
  const original = crypto.getRandomValues;
  const stub = (array: ArrayBufferView) => {
    const next = queue.shift();
    if (next === undefined) return original.call(crypto, array);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(next);
    return array;
  };
  crypto.getRandomValues = stub as typeof crypto.getRandomValues;
  try {
    return await fn();
  } finally {
    crypto.getRandomValues = original;
  }
}

const bytes = (from: number) =>
  Uint8Array.from({ length: 16 }, (_, i) => from + i);

const credentialsOf = (v: typeof VECTORS[number]): ScramCredentials => ({
  kdf: v.kdf,
  salt: SALT,
  iterations: v.iterations,
  memory: v.memory,
  storedKey: v.storedKey,
  serverKey: v.serverKey,
});

Deno.test("scram() reproduces autobahn-python's proof and checks Crossbar's server signature", async () => {
  for (const v of VECTORS) {
    const auth = scram({ authid: v.authid, password: v.password });
    const hello = await withRandom(
      [bytes(0xa0)],
      async () => await auth.hello(),
    );
    assert.deepEqual(hello, {
      authmethods: ["scram"],
      authid: v.authid,
      authextra: { nonce: CLIENT_NONCE, channel_binding: null },
    });
    const proof = await auth.challenge("scram", {
      nonce: SERVER_NONCE,
      kdf: v.kdf,
      salt: SALT,
      iterations: v.iterations,
      memory: v.memory,
    });
    assert.equal(proof, v.proof, `${v.kdf} ${v.authid}`);
    await auth.welcome!({
      authid: v.authid,
      authextra: { scram_server_signature: v.serverSignature },
    });
  }
});

Deno.test("ScramServer verifies autobahn-python's proof and signs as Crossbar does", async () => {
  for (const v of VECTORS) {
    const server = await withRandom(
      [bytes(0xc0)],
      () =>
        Promise.resolve(
          new ScramServer(credentialsOf(v), {
            authid: v.authid,
            clientNonce: CLIENT_NONCE,
          }),
        ),
    );
    assert.deepEqual(server.challengeExtra(), {
      nonce: SERVER_NONCE,
      kdf: v.kdf,
      salt: SALT,
      iterations: v.iterations,
      memory: v.memory,
    });
    assert.equal(await server.verify(v.proof), true);
    assert.equal(await server.serverSignature(), v.serverSignature);
    assert.equal(await server.verify(VECTORS[0].serverSignature), false);
  }
});

Deno.test("scramCredentials() derives the keys autobahn-python derives", async () => {
  for (const v of VECTORS) {
    assert.deepEqual(
      await scramCredentials(v.password, {
        kdf: v.kdf,
        salt: SALT,
        iterations: v.iterations,
        memory: v.memory,
      }),
      credentialsOf(v),
    );
  }
});

Deno.test("SCRAM matches autobahn-python's own test vectors", async () => {
  // autobahn/wamp/test/test_wamp_auth.py, TestScram.test_argon2id_static:
  // echo -n "p4ssw0rd" | argon2 '1234567890abcdef' -id -t 32 -m 9 -p 1 -l 32
  const raw = argon2id(utf8("p4ssw0rd"), utf8("1234567890abcdef"), {
    iterations: 32,
    memory: 512,
  });
  assert.equal(
    toHex(raw),
    "ee4a8acf9d5958354fb79a95ae20692d05e42591ba49fae85eb6700e8b0ed293",
  );
  // TestScram.test_basic: hex text where Base64 belongs and a server nonce
  // unrelated to the client's, so only the computation itself is checked.
  const salt = "31323334353637383930616263646566";
  const salted = await saltedPassword(
    "p4ssw0rd",
    "argon2id-13",
    fromBase64(salt)!,
    32,
    512,
  );
  const message = authMessage(
    "username",
    "31323334353637383930616263646566",
    "1234567890abcdeffedcba0987654321",
    salt,
    32,
  );
  assert.equal(
    await clientProof(salted, message),
    "f5r3loERzGVSuimE+lvO0bWna2zyswBo0HrZkaaEy38=",
  );
});

for (const kdf of ["argon2id-13", "pbkdf2"] as const) {
  Deno.test(`scram() against ScramServer with ${kdf}`, async () => {
    const credentials = await scramCredentials("correct horse", {
      kdf,
      iterations: kdf === "pbkdf2" ? 1000 : 2,
      memory: 256,
    });
    const login = async (password: string) => {
      const auth = scram({ authid: "b\u00e9b\u00e9\u00ad", password });
      const hello = await auth.hello();
      const server = new ScramServer(credentials, {
        // The router gets the authid as sent; both sides SASLprep it.
        authid: hello.authid!,
        clientNonce: hello.authextra!.nonce as string,
      });
      const proof = await auth.challenge("scram", server.challengeExtra());
      return { auth, server, ok: await server.verify(proof) };
    };
    const good = await login("correct horse");
    assert.equal(good.ok, true);
    await good.auth.welcome!({
      authextra: {
        scram_server_signature: await good.server.serverSignature(),
      },
    });
    const bad = await login("correct horse!");
    assert.equal(bad.ok, false);
  });
}

Deno.test("scram() makes a fresh nonce for each HELLO", async () => {
  const auth = scram({ authid: "a", password: "p" });
  const a = (await auth.hello()).authextra!.nonce as string;
  const b = (await auth.hello()).authextra!.nonce as string;
  assert.notEqual(a, b);
  assert.equal(fromBase64(a)!.length, 16);
});

Deno.test("scram() keeps the caller's authextra and authrole", async () => {
  const hello = await scram({
    authid: "a",
    password: "p",
    authrole: "r",
    authextra: { x: 1, nonce: "mine" },
  }).hello();
  assert.equal(hello.authrole, "r");
  assert.equal(hello.authextra!.x, 1);
  assert.notEqual(hello.authextra!.nonce, "mine");
});

/** A client that has sent HELLO with the vectors' client nonce. */
async function started(options: Parameters<typeof scram>[0] = {
  authid: "alice",
  password: "p4ssw0rd",
}) {
  const auth = scram(options);
  await withRandom([bytes(0xa0)], async () => await auth.hello());
  return auth;
}

const EXTRA = {
  nonce: SERVER_NONCE,
  kdf: "argon2id-13",
  salt: SALT,
  iterations: 4,
  memory: 512,
};

Deno.test("scram() refuses a router whose server signature is wrong or missing", async () => {
  const auth = await started();
  await auth.challenge("scram", EXTRA);
  await assert.rejects(
    async () =>
      await auth.welcome!({
        authextra: { scram_server_signature: VECTORS[0].proof },
      }),
    { name: "AuthError", message: "Router's SCRAM server signature is wrong" },
  );
  for (
    const details of [
      {},
      { authextra: {} },
      { authextra: { scram_server_signature: 5 } },
      null,
    ]
  ) {
    await assert.rejects(
      async () =>
        await auth.welcome!(details as unknown as Record<string, unknown>),
      { name: "AuthError", message: "Router sent no SCRAM server signature" },
    );
  }
});

Deno.test("scram() refuses a WELCOME that came without a challenge", async () => {
  const auth = await started();
  await assert.rejects(
    async () =>
      await auth.welcome!({
        authextra: { scram_server_signature: VECTORS[0].serverSignature },
      }),
    AuthError,
  );
  const fresh = scram({ authid: "a", password: "p" });
  await assert.rejects(
    async () => await fresh.challenge("scram", EXTRA),
    AuthError,
  );
});

Deno.test("scram() refuses malformed and hostile challenges", async () => {
  const auth = await started();
  const refuse = async (extra: unknown, message: RegExp, method = "scram") =>
    await assert.rejects(
      async () =>
        await auth.challenge(method, extra as Record<string, unknown>),
      { name: "AuthError", message },
    );
  await refuse(EXTRA, /challenged for "wampcra"/, "wampcra");
  await refuse(null, /nonce/);
  await refuse({ ...EXTRA, nonce: undefined }, /nonce/);
  await refuse({ ...EXTRA, nonce: CLIENT_NONCE }, /nonce/);
  await refuse({ ...EXTRA, nonce: "AAAA" + SERVER_NONCE.slice(4) }, /nonce/);
  await refuse({ ...EXTRA, nonce: SERVER_NONCE.slice(0, -1) }, /nonce/);
  await refuse({ ...EXTRA, nonce: "A".repeat(2000) }, /nonce/);
  await refuse({ ...EXTRA, kdf: "argon2i" }, /KDF "argon2i"/);
  await refuse({ ...EXTRA, kdf: undefined }, /KDF/);
  await refuse({ ...EXTRA, salt: "not base64!" }, /salt/);
  await refuse({ ...EXTRA, salt: "" }, /salt/);
  await refuse({ ...EXTRA, salt: "AAECAw==" }, /shorter than 8 bytes/);
  await refuse({ ...EXTRA, memory: undefined }, /memory/);
  await refuse({ ...EXTRA, memory: 4 }, /memory/);
  await refuse({ ...EXTRA, memory: 262145 }, /memory/);
  await refuse({ ...EXTRA, memory: "512" }, /memory/);
  await refuse({ ...EXTRA, iterations: 0 }, /iterations/);
  await refuse({ ...EXTRA, iterations: 8193 }, /iterations × memory/);
  await refuse({ ...EXTRA, iterations: 2.5 }, /iterations/);
  await refuse(
    { ...EXTRA, kdf: "pbkdf2", iterations: 10_000_001 },
    /PBKDF2 iterations/,
  );
  await refuse(
    { ...EXTRA, channel_binding: "tls-unique" },
    /channel binding "tls-unique"/,
  );
});

Deno.test("scram() takes a challenge at the limits and stricter limits", async () => {
  const strict = await started({
    authid: "alice",
    password: "p4ssw0rd",
    limits: { memory: 256, work: 1024, pbkdf2Iterations: 100 },
  });
  for (
    const extra of [
      EXTRA,
      { ...EXTRA, memory: 256, iterations: 5 },
      { ...EXTRA, kdf: "pbkdf2", iterations: 101 },
    ]
  ) {
    await assert.rejects(
      async () => await strict.challenge("scram", extra),
      AuthError,
    );
  }
  assert.equal(
    typeof await strict.challenge("scram", {
      ...EXTRA,
      memory: 256,
      iterations: 4,
      channel_binding: null,
    }),
    "string",
  );
  assert.equal(
    await strict.challenge("scram", {
      ...EXTRA,
      kdf: "pbkdf2",
      iterations: 100,
      channel_binding: "",
    }),
    await strict.challenge("scram", {
      ...EXTRA,
      kdf: "pbkdf2",
      iterations: 100,
    }),
  );
});

Deno.test("scram() needs a password and an authid that SASLprep allows", () => {
  assert.throws(
    () => scram({ authid: 1 as unknown as string, password: "p" }),
    TypeError,
  );
  assert.throws(
    () => scram({ authid: "a", password: null as unknown as string }),
    TypeError,
  );
  assert.throws(() => scram({ authid: "a\u0007", password: "p" }), TypeError);
});

Deno.test("ScramServer refuses client nonces that are not short Base64", () => {
  const credentials = credentialsOf(VECTORS[0]);
  for (
    const clientNonce of [
      "",
      "not base64",
      "oKGio6SlpqeoqaqrrK2urw",
      "oKGio6SlpqeoqaqrrK2urx==",
      "A".repeat(260),
      5,
      undefined,
    ]
  ) {
    assert.throws(
      () =>
        new ScramServer(credentials, {
          authid: "alice",
          clientNonce: clientNonce as string,
        }),
      AuthError,
      String(clientNonce),
    );
  }
  assert.throws(
    () =>
      new ScramServer(credentials, {
        authid: "a\u200e",
        clientNonce: CLIENT_NONCE,
      }),
    AuthError,
  );
  assert.throws(
    () =>
      new ScramServer(credentials, {
        authid: 5 as unknown as string,
        clientNonce: CLIENT_NONCE,
      }),
    AuthError,
  );
});

Deno.test("ScramServer refuses malformed credentials", () => {
  const good = credentialsOf(VECTORS[0]);
  const hello = { authid: "alice", clientNonce: CLIENT_NONCE };
  for (
    const bad of [
      { kdf: "scrypt" },
      { salt: "" },
      { salt: "!!" },
      { iterations: 0 },
      { memory: -1 },
      { storedKey: good.storedKey.slice(4) },
      { serverKey: toHex(new Uint8Array(32)) },
    ]
  ) {
    assert.throws(
      () => new ScramServer({ ...good, ...bad } as ScramCredentials, hello),
      TypeError,
      JSON.stringify(bad),
    );
  }
  assert.throws(
    () => new ScramServer(null as unknown as ScramCredentials, hello),
    TypeError,
  );
});

Deno.test("ScramServer.verify() is false for malformed signatures", async () => {
  const server = new ScramServer(credentialsOf(VECTORS[0]), {
    authid: "alice",
    clientNonce: CLIENT_NONCE,
  });
  for (
    const signature of [
      "",
      "AAAA",
      "not base64",
      VECTORS[0].proof.slice(0, -1),
      VECTORS[0].proof + "AAAA",
      "A".repeat(10_000),
      null,
      42,
    ]
  ) {
    assert.equal(await server.verify(signature as string), false);
  }
});

Deno.test("scramCredentials() fills a random salt and OWASP's costs", async () => {
  const argon = await scramCredentials("pw", { kdf: "argon2id-13" });
  assert.equal(fromBase64(argon.salt)!.length, 16);
  assert.equal(argon.iterations, 2);
  assert.equal(argon.memory, 19456);
  const again = await scramCredentials("pw", { kdf: "argon2id-13" });
  assert.notEqual(again.salt, argon.salt);
  assert.notEqual(again.storedKey, argon.storedKey);
  const pbkdf2 = await scramCredentials("pw", { kdf: "pbkdf2" });
  assert.equal(pbkdf2.iterations, 600_000);
  assert.equal(pbkdf2.memory, 0);
});

Deno.test("scramCredentials() refuses bad arguments", async () => {
  await assert.rejects(
    () => scramCredentials(5 as unknown as string, { kdf: "pbkdf2" }),
    TypeError,
  );
  await assert.rejects(
    () => scramCredentials("p", { kdf: "md5" as "pbkdf2" }),
    TypeError,
  );
  await assert.rejects(
    () => scramCredentials("p", { kdf: "pbkdf2", salt: "%%" }),
    TypeError,
  );
  await assert.rejects(
    () => scramCredentials("p", { kdf: "pbkdf2", iterations: 0 }),
    RangeError,
  );
  await assert.rejects(
    () => scramCredentials("p", { kdf: "argon2id-13", memory: 4 }),
    RangeError,
  );
});

// passlib 1.7.4's saslprep, which Crossbar and autobahn-python use.
Deno.test("saslprep() maps and refuses as passlib does", () => {
  const mapped: [string, string][] = [
    ["b\u00e9b\u00e9\u00a0x\u00ad", "b\u00e9b\u00e9 x"],
    ["\u2168\ufb01", "IXfi"],
    ["I\u00adX", "IX"],
    ["user", "user"],
    ["a\u3000b", "a b"],
    ["\u212b", "\u00c5"],
  ];
  for (const [input, output] of mapped) assert.equal(saslprep(input), output);
  for (const input of ["a\u0007b", "\ue000", "\u200e", "\ufffe", "\ud800x"]) {
    assert.equal(saslprep(input), undefined, JSON.stringify(input));
  }
});

Deno.test("scram: a new HELLO abandons the last attempt's Argon2id instead of stacking it", async () => {
  const auth = scram({ authid: "alice", password: "pencil" });
  const first = await auth.hello();
  const server = new ScramServer(
    await scramCredentials("pencil", {
      kdf: "argon2id-13",
      iterations: 64,
      memory: 4096,
    }),
    { authid: "alice", clientNonce: first.authextra!.nonce as string },
  );
  const pending = auth.challenge("scram", server.challengeExtra());
  await new Promise((r) => setTimeout(r, 30));
  await auth.hello(); // the reconnect
  await assert.rejects(
    Promise.resolve(pending),
    (e: Error) => e.name === "AbortError",
  );
});
