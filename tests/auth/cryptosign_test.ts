import assert from "node:assert/strict";
import {
  AuthError,
  cryptosign,
  type CryptosignKey,
  loadCryptosignKey,
  newCryptosignChallenge,
  verifyCryptosign,
} from "../../src/auth/mod.ts";
import { fromHex, toHex } from "../../src/auth/_encoding.ts";

// autobahn/wamp/test/test_wamp_cryptosign.py, test_vectors_1 (the three
// without channel_id); the public keys computed with PyNaCl 1.6.2
// (SigningKey(seed).verify_key).
const VECTORS = [
  {
    seed: "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
    pubkey: "1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d",
    challenge: "ff".repeat(32),
    signature:
      "b32675b221f08593213737bef8240e7c15228b07028e19595294678c90d11c0cae80a357331bfc5cc9fb71081464e6e75013517c2cf067ad566a6b7b728e5d03" +
      "ff".repeat(32),
  },
  {
    seed: "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
    pubkey: "6ed32739ff04a6074044ff0b0e3bfc7c856bc9d5f1d25efc57363bda0af3a8b0",
    challenge:
      "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
    signature:
      "d4209ad10d5aff6bfbc009d7e924795de138a63515efc7afc6b01b7fe5201372190374886a70207b042294af5bd64ce725cd8dceb344e6d11c09d1aaaf4d660f" +
      "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
  },
  {
    seed: "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
    pubkey: "28e11f427b82b9a625ee7ac89a7d29326b505f2dc11dd88c1245f83b6da79a85",
    challenge:
      "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
    signature:
      "7beb282184baadd08f166f16dd683b39cab53816ed81e6955def951cb2ddad1ec184e206746fd82bda075af03711d3d5658fc84a76196b0fa8d1ebc92ef9f30b" +
      "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
  },
];

Deno.test("cryptosign() signs autobahn-python's test vectors", async () => {
  for (const v of VECTORS) {
    const auth = cryptosign({ authid: "alice", privateKey: v.seed });
    assert.deepEqual(await auth.hello(), {
      authmethods: ["cryptosign"],
      authid: "alice",
      authextra: { pubkey: v.pubkey, channel_binding: null },
    });
    const extra = { challenge: v.challenge, channel_binding: null };
    assert.equal(await auth.challenge("cryptosign", extra), v.signature);
    // Upper-case hex in, the same answer out.
    assert.equal(
      await auth.challenge("cryptosign", {
        challenge: v.challenge.toUpperCase(),
      }),
      v.signature,
    );
  }
});

Deno.test("verifyCryptosign() accepts autobahn-python's test vectors", async () => {
  for (const v of VECTORS) {
    assert.equal(
      await verifyCryptosign(v.pubkey, v.challenge, v.signature),
      true,
    );
    assert.equal(
      await verifyCryptosign(
        v.pubkey.toUpperCase(),
        v.challenge,
        v.signature.toUpperCase(),
      ),
      true,
    );
  }
});

Deno.test("loadCryptosignKey() takes a seed as bytes or hex", async () => {
  const v = VECTORS[1]!;
  const fromBytes = await loadCryptosignKey(fromHex(v.seed)!);
  const fromText = await loadCryptosignKey(v.seed.toUpperCase());
  assert.equal(fromBytes.publicKey, v.pubkey);
  assert.equal(fromText.publicKey, v.pubkey);
  const sig = await fromBytes.sign(fromHex(v.challenge)!);
  assert.equal(toHex(sig) + v.challenge, v.signature);
  for (const bad of ["00", "zz".repeat(32), new Uint8Array(31), 5, null]) {
    await assert.rejects(
      () => loadCryptosignKey(bad as unknown as string),
      TypeError,
    );
  }
});

Deno.test("cryptosign() against verifyCryptosign(), with a fresh challenge", async () => {
  const auth = cryptosign({ privateKey: new Uint8Array(32).fill(9) });
  const hello = await auth.hello();
  // No authid: Crossbar finds the principal from the public key.
  assert.equal("authid" in hello, false);
  const pubkey = hello.authextra!.pubkey as string;
  const challenge = newCryptosignChallenge();
  const signature = await auth.challenge("cryptosign", {
    challenge,
    channel_binding: null,
  });
  assert.equal(await verifyCryptosign(pubkey, challenge, signature), true);
  const other = newCryptosignChallenge();
  assert.equal(await verifyCryptosign(pubkey, other, signature), false);
  const stranger = await loadCryptosignKey(new Uint8Array(32).fill(1));
  assert.equal(
    await verifyCryptosign(stranger.publicKey, challenge, signature),
    false,
  );
});

Deno.test("cryptosign() takes a CryptosignKey and the key's own pubkey in authextra", async () => {
  const key = await loadCryptosignKey(VECTORS[0]!.seed);
  const auth = cryptosign({
    authid: "alice",
    privateKey: key,
    authrole: "user",
    authextra: { pubkey: key.publicKey.toUpperCase(), trustroot: null },
  });
  assert.deepEqual(await auth.hello(), {
    authmethods: ["cryptosign"],
    authid: "alice",
    authrole: "user",
    authextra: {
      pubkey: key.publicKey,
      trustroot: null,
      channel_binding: null,
    },
  });
  assert.equal(
    await auth.challenge("cryptosign", { challenge: VECTORS[0]!.challenge }),
    VECTORS[0]!.signature,
  );
});

Deno.test("cryptosign() refuses another key's pubkey in authextra", async () => {
  const auth = cryptosign({
    privateKey: VECTORS[0]!.seed,
    authextra: { pubkey: VECTORS[1]!.pubkey },
  });
  await assert.rejects(async () => await auth.hello(), TypeError);
  const odd = cryptosign({
    privateKey: VECTORS[0]!.seed,
    authextra: { pubkey: 5 },
  });
  await assert.rejects(async () => await odd.hello(), TypeError);
});

Deno.test("cryptosign() refuses channel binding and malformed challenges", async () => {
  const auth = cryptosign({ privateKey: VECTORS[0]!.seed });
  const refuse = (method: string, extra: unknown) =>
    assert.rejects(
      async () =>
        await auth.challenge(method, extra as Record<string, unknown>),
      AuthError,
    );
  const challenge = "ab".repeat(32);
  await assert.rejects(
    async () =>
      await auth.challenge("cryptosign", {
        challenge,
        channel_binding: "tls-unique",
      }),
    { name: "AuthError", message: /channel binding "tls-unique"/ },
  );
  await refuse("wampcra", { challenge });
  await refuse("cryptosign", {});
  await refuse("cryptosign", null);
  await refuse("cryptosign", { challenge: "ab".repeat(31) });
  await refuse("cryptosign", { challenge: "ab".repeat(33) });
  await refuse("cryptosign", { challenge: "zz".repeat(32) });
  await refuse("cryptosign", { challenge: 42 });
});

Deno.test("cryptosign() refuses malformed options", () => {
  for (
    const privateKey of [
      "ab",
      "zz".repeat(32),
      new Uint8Array(64),
      { publicKey: "00", sign: () => {} },
      { publicKey: "00".repeat(32) },
      null,
    ]
  ) {
    assert.throws(
      () => cryptosign({ privateKey } as unknown as { privateKey: string }),
      TypeError,
    );
  }
  const seed = VECTORS[0]!.seed;
  assert.throws(
    () => cryptosign({ privateKey: seed, authid: 5 as unknown as string }),
    TypeError,
  );
  assert.throws(
    () =>
      cryptosign({
        privateKey: seed,
        authextra: { channel_binding: "tls-unique" },
      }),
    TypeError,
  );
});

Deno.test("cryptosign() passes on the failure of a CryptosignKey that cannot sign", async () => {
  const broken: CryptosignKey = {
    publicKey: VECTORS[0]!.pubkey,
    sign: () => Promise.reject(new Error("HSM offline")),
  };
  const auth = cryptosign({ privateKey: broken });
  await auth.hello();
  await assert.rejects(
    async () =>
      await auth.challenge("cryptosign", { challenge: VECTORS[0]!.challenge }),
    /HSM offline/,
  );
});

Deno.test("verifyCryptosign() is false for anything malformed, never throwing", async () => {
  const v = VECTORS[0]!;
  const tampered = (v.signature[0] === "0" ? "1" : "0") + v.signature.slice(1);
  const cases: [unknown, unknown, unknown][] = [
    [v.pubkey, v.challenge, tampered],
    [v.pubkey, v.challenge, v.signature.slice(0, 128)],
    [v.pubkey, v.challenge, v.signature + "00"],
    [v.pubkey, v.challenge, v.signature.slice(0, 128) + "00".repeat(32)],
    [v.pubkey, v.challenge, "zz" + v.signature.slice(2)],
    [v.pubkey, "ff".repeat(31), v.signature],
    [v.pubkey.slice(2), v.challenge, v.signature],
    ["zz" + v.pubkey.slice(2), v.challenge, v.signature],
    // Not a point on the curve.
    ["ff".repeat(32), v.challenge, v.signature],
    [null, v.challenge, v.signature],
    [v.pubkey, 5, v.signature],
    [v.pubkey, v.challenge, { length: 192 }],
    [v.pubkey, v.challenge, "0".repeat(100_000)],
  ];
  for (const [p, c, s] of cases) {
    assert.equal(
      await verifyCryptosign(p as string, c as string, s as string),
      false,
    );
  }
});

Deno.test("newCryptosignChallenge() is 32 random bytes of hex", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const c = newCryptosignChallenge();
    assert.match(c, /^[0-9a-f]{64}$/);
    seen.add(c);
  }
  assert.equal(seen.size, 100);
});
