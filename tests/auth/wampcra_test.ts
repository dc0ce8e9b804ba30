import assert from "node:assert/strict";
import {
  auth_cra,
  AuthError,
  deriveKey,
  signWampcra,
  verifyWampcra,
  wampcra,
  wampcraChallenge,
} from "../../src/auth/mod.ts";

// The challenge text as Crossbar 26.10 builds it (json.dumps of its dict),
// with the spec's example values.
const CHALLENGE =
  '{"authid": "peter", "authrole": "user", "authmethod": "wampcra", ' +
  '"authprovider": "static", "session": 3251278072152162, ' +
  '"nonce": "LHRTC9zeOIrt_9U3", "timestamp": "2014-06-22T16:36:25.448Z"}';

Deno.test("deriveKey() and signWampcra() match autobahn-python's test vectors", async () => {
  // autobahn/wamp/test/test_wamp_auth.py: test_derive_key, test_compute_wcs.
  assert.equal(
    await deriveKey("L3L1YUE8Txlw", "salt123"),
    "qzcdsr9uu/L5hnss3kjNTRe490ETgA70ZBaB5rvnJ5Y=",
  );
  assert.equal(
    await signWampcra("L3L1YUE8Txlw", "[1, 2, 3]"),
    "1njQtmmeYO41N5EWEzD2kAjjEKRZ5kPZt/TzpYXOzR0=",
  );
});

// Computed with autobahn 26.10.2: auth.derive_key(...), auth.compute_wcs(...)
// and AuthWampCra(authid="peter", secret="secret").on_challenge(...).
Deno.test("deriveKey() and signWampcra() match autobahn-python's output", async () => {
  assert.equal(
    await deriveKey("secret", "salt123", 100, 16),
    "EX1Y3Q9BMM2oGLxsGqDgFQ==",
  );
  assert.equal(
    await deriveKey("pässwörd", "sält", 1000, 32),
    "PqcS5RElBAETZutv1T9QAHP6b1jcsKSMpQNT0xis7mU=",
  );
  assert.equal(
    await signWampcra("secret", CHALLENGE),
    "4p1b8/LTt3saDBJF2jUNlyzWYSw6tjVXy4Rca8sda04=",
  );
  const key = await deriveKey("secret", "salt123", 1000, 32);
  assert.equal(key, "MDS8Yxpu4J/vkHJ8dNEgqECYsI0uRDh2oZ5eN0vYPvo=");
  assert.equal(
    await signWampcra(key, CHALLENGE),
    "iikt1UACUqeH7WiTrL2t160qzr27/nh6Z//OROIk0TI=",
  );
});

Deno.test("wampcra() answers plain and salted challenges as autobahn-python does", async () => {
  const auth = wampcra({ authid: "peter", secret: "secret" });
  assert.deepEqual(await auth.hello(), {
    authmethods: ["wampcra"],
    authid: "peter",
  });
  assert.equal(
    await auth.challenge("wampcra", { challenge: CHALLENGE }),
    "4p1b8/LTt3saDBJF2jUNlyzWYSw6tjVXy4Rca8sda04=",
  );
  assert.equal(
    await auth.challenge("wampcra", {
      challenge: CHALLENGE,
      salt: "salt123",
      iterations: 1000,
      keylen: 32,
    }),
    "iikt1UACUqeH7WiTrL2t160qzr27/nh6Z//OROIk0TI=",
  );
  // Autobahn|JS's defaults when iterations and keylen are left out.
  assert.equal(
    await auth.challenge("wampcra", { challenge: CHALLENGE, salt: "salt123" }),
    "iikt1UACUqeH7WiTrL2t160qzr27/nh6Z//OROIk0TI=",
  );
  assert.equal(
    await auth.challenge("wampcra", { challenge: CHALLENGE, salt: null }),
    "4p1b8/LTt3saDBJF2jUNlyzWYSw6tjVXy4Rca8sda04=",
  );
});

Deno.test("wampcra() passes authrole and a copy of authextra in HELLO", async () => {
  const authextra = { x: 1 };
  const hello = await wampcra({
    authid: "a",
    secret: "s",
    authrole: "admin",
    authextra,
  }).hello();
  assert.deepEqual(hello, {
    authmethods: ["wampcra"],
    authid: "a",
    authrole: "admin",
    authextra: { x: 1 },
  });
  assert.notEqual(hello.authextra, authextra);
});

Deno.test("wampcra() salted against verifyWampcra(), and a wrong secret", async () => {
  const challenge = wampcraChallenge({
    authid: "joe",
    authrole: "user",
    authprovider: "static",
    session: 42,
  });
  const key = await deriveKey("secret1", "pepper", 500, 32);
  const extra = { challenge, salt: "pepper", iterations: 500, keylen: 32 };
  const good = await wampcra({ authid: "joe", secret: "secret1" })
    .challenge("wampcra", extra);
  assert.equal(await verifyWampcra(key, challenge, good), true);
  const bad = await wampcra({ authid: "joe", secret: "secret2" })
    .challenge("wampcra", extra);
  assert.equal(await verifyWampcra(key, challenge, bad), false);
  assert.equal(await verifyWampcra("secret1", challenge, good), false);
});

Deno.test("wampcra() refuses challenges it should not answer", async () => {
  const auth = wampcra({ authid: "joe", secret: "s" });
  const refuse = (method: string, extra: Record<string, unknown>) =>
    assert.rejects(async () => await auth.challenge(method, extra), AuthError);
  await refuse("ticket", { challenge: "c" });
  await refuse("wampcra", {});
  await refuse("wampcra", { challenge: 5 });
  await refuse("wampcra", null as unknown as Record<string, unknown>);
  await refuse("wampcra", { challenge: "c", salt: 7 });
  await refuse("wampcra", { challenge: "c", salt: "s", iterations: 0 });
  await refuse("wampcra", { challenge: "c", salt: "s", iterations: 1e8 });
  await refuse("wampcra", { challenge: "c", salt: "s", iterations: "1000" });
  await refuse("wampcra", { challenge: "c", salt: "s", keylen: 0 });
  await refuse("wampcra", { challenge: "c", salt: "s", keylen: 4096 });
  await refuse("wampcra", { challenge: "c", salt: "s", keylen: 1.5 });
});

Deno.test("wampcra() needs an authid and a secret string", () => {
  assert.throws(
    () => wampcra({ authid: 1 as unknown as string, secret: "s" }),
    TypeError,
  );
  assert.throws(
    () => wampcra({ authid: "a", secret: undefined as unknown as string }),
    TypeError,
  );
});

Deno.test("wampcraChallenge() writes Crossbar's JSON and fills nonce and timestamp", () => {
  assert.equal(
    wampcraChallenge({
      authid: "peter",
      authrole: "user",
      authmethod: "wampcra",
      authprovider: "static",
      session: 3251278072152162,
      nonce: "LHRTC9zeOIrt_9U3",
      timestamp: "2014-06-22T16:36:25.448Z",
    }),
    CHALLENGE,
  );
  const info = {
    authid: 'jo"e\u00e9',
    authrole: "user",
    authprovider: "dynamic",
    session: 7,
  };
  const a = JSON.parse(wampcraChallenge(info));
  const b = JSON.parse(wampcraChallenge(info));
  assert.deepEqual(Object.keys(a), [
    "authid",
    "authrole",
    "authmethod",
    "authprovider",
    "session",
    "nonce",
    "timestamp",
  ]);
  assert.equal(a.authid, 'jo"e\u00e9');
  assert.equal(a.authmethod, "wampcra");
  assert.match(a.nonce, /^[A-Za-z0-9+/]{64}$/);
  assert.notEqual(a.nonce, b.nonce);
  assert.match(a.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.throws(
    () => wampcraChallenge({ ...info, session: 1.5 }),
    TypeError,
  );
  assert.throws(
    () => wampcraChallenge({ ...info, authrole: null as unknown as string }),
    TypeError,
  );
});

Deno.test("verifyWampcra() is false for anything malformed", async () => {
  const sig = await signWampcra("k", "c");
  assert.equal(await verifyWampcra("k", "c", sig), true);
  assert.equal(await verifyWampcra("k", "c", sig.slice(1)), false);
  assert.equal(await verifyWampcra("k", "c", ""), false);
  assert.equal(await verifyWampcra("k", "c", sig + "A".repeat(300)), false);
  for (const odd of [undefined, null, 5, {}, ["x"]]) {
    const v = odd as unknown as string;
    assert.equal(await verifyWampcra(v, "c", sig), false);
    assert.equal(await verifyWampcra("k", v, sig), false);
    assert.equal(await verifyWampcra("k", "c", v), false);
  }
});

Deno.test("signWampcra() takes an empty key, as HMAC defines it", async () => {
  // hmac.new(b"", b"challenge", sha256) in Python.
  assert.equal(
    await signWampcra("", "challenge"),
    "p1/LXTQU+phoVsNj8r7q6hz+Z6VhR59kCYcfX7w8+ok=",
  );
});

Deno.test("deriveKey() and signWampcra() refuse wrong types and ranges", async () => {
  await assert.rejects(
    () => deriveKey(1 as unknown as string, "s"),
    TypeError,
  );
  await assert.rejects(() => deriveKey("s", "s", 0), RangeError);
  await assert.rejects(() => deriveKey("s", "s", 1, 0), RangeError);
  await assert.rejects(() => deriveKey("s", "s", 1, 2000), RangeError);
  await assert.rejects(
    () => signWampcra("k", null as unknown as string),
    TypeError,
  );
});

Deno.test("auth_cra is Autobahn|JS's sign and derive_key, async", async () => {
  assert.equal(
    await auth_cra.derive_key("L3L1YUE8Txlw", "salt123"),
    "qzcdsr9uu/L5hnss3kjNTRe490ETgA70ZBaB5rvnJ5Y=",
  );
  assert.equal(
    await auth_cra.sign("L3L1YUE8Txlw", "[1, 2, 3]"),
    "1njQtmmeYO41N5EWEzD2kAjjEKRZ5kPZt/TzpYXOzR0=",
  );
  assert.ok(Object.isFrozen(auth_cra));
});

Deno.test("wampcra: a router cannot ask for more PBKDF2 work through keylen (iterations × blocks bounded)", async () => {
  const auth = wampcra({ authid: "joe", secret: "s" });
  await assert.rejects(
    Promise.resolve().then(() =>
      auth.challenge("wampcra", {
        challenge: "x",
        salt: "salt",
        iterations: 10_000_000,
        keylen: 1024,
      })
    ),
    /iterations × keylen\/32/,
  );
});
