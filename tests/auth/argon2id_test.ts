import assert from "node:assert/strict";
import { argon2id } from "../../src/auth/argon2id.ts";
import { argon2idSync, argon2idYielding } from "../../src/auth/_argon2.ts";
import { blake2b } from "../../src/auth/_blake2b.ts";
import { toHex } from "../../src/auth/_encoding.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("argon2id() matches RFC 9106 §5.3 (secret and associated data, 4 lanes)", () => {
  const tag = argon2id(new Uint8Array(32).fill(1), new Uint8Array(16).fill(2), {
    iterations: 3,
    memory: 32,
    parallelism: 4,
    hashLength: 32,
    secret: new Uint8Array(8).fill(3),
    ad: new Uint8Array(12).fill(4),
  });
  assert.equal(
    toHex(tag),
    "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659",
  );
});

// Computed with argon2-cffi 25.1.0 (the reference C implementation):
// hash_secret_raw(password, salt, t, m, p, len, Type.ID, 0x13).
const REFERENCE: [string, string, number, number, number, number, string][] = [
  [
    "password",
    "somesalt",
    1,
    64,
    1,
    32,
    "729c7a54441bc13559bdca71348c4e554599e719c08a952601ed5c83618c1bbd",
  ],
  [
    "password",
    "somesalt",
    3,
    256,
    4,
    32,
    "079f6391325e5abd176a714532606b86314eefcbab56837ddcff0a4dfd7b0436",
  ],
  ["", "saltsalt", 1, 8, 1, 16, "b7ffc76d23b515687c3164bb8386cbe9"],
  // m not a multiple of 4p, an output longer than 64 bytes.
  [
    "pw",
    "somesalt",
    2,
    100,
    3,
    100,
    "bc0fc6cf5644a47ea552a074990d30956b12c5224cf71556cf4a52e8f977a4d4785c68f2381c4740343b8fd3f29979d7e385025b67e8d78783ee4ca4c627ac7785e4e867d0b1c420e0e773176bd7c089bcd2ad31a663720dba4210141723a5e2f001caea",
  ],
  // More than 128 blocks per segment: several Argon2i address blocks.
  [
    "pw",
    "somesalt",
    1,
    1024,
    1,
    64,
    "ab10f29b63b30d73e0cc0603cb1f322d4d9e05a1261a3fc7b4505072a3656365df63e8f63a9357890f096df792860ffd5782baef1b63a1b53fc626fb878ef9fc",
  ],
];

Deno.test("argon2id() matches the reference implementation", () => {
  for (const [pw, salt, t, m, p, len, hex] of REFERENCE) {
    const tag = argon2id(text(pw), text(salt), {
      iterations: t,
      memory: m,
      parallelism: p,
      hashLength: len,
    });
    assert.equal(toHex(tag), hex, `${pw}/${salt} t=${t} m=${m} p=${p}`);
  }
});

Deno.test("argon2id() matches the reference implementation at 64 MiB", () => {
  // argon2-cffi 25.1.0, as above.
  const tag = argon2id(text("password"), text("somesalt"), {
    iterations: 2,
    memory: 65536,
  });
  assert.equal(
    toHex(tag),
    "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
  );
});

Deno.test("argon2idYielding() computes what argon2idSync() does, letting timers run", async () => {
  const options = { iterations: 2, memory: 8192 };
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  try {
    const a = await argon2idYielding(text("pw"), text("somesalt"), options, 0);
    assert.deepEqual(a, argon2idSync(text("pw"), text("somesalt"), options));
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0);
});

Deno.test("argon2id() refuses parameters outside RFC 9106", () => {
  const pw = text("pw");
  const salt = text("somesalt");
  const ok = { iterations: 1, memory: 8 };
  assert.throws(() => argon2id(pw, text("short"), ok), RangeError);
  assert.throws(() => argon2id(pw, salt, { ...ok, iterations: 0 }), RangeError);
  assert.throws(
    () => argon2id(pw, salt, { ...ok, iterations: 1.5 }),
    RangeError,
  );
  assert.throws(() => argon2id(pw, salt, { ...ok, memory: 7 }), RangeError);
  assert.throws(
    () => argon2id(pw, salt, { ...ok, memory: 15, parallelism: 2 }),
    RangeError,
  );
  assert.throws(
    () => argon2id(pw, salt, { ...ok, parallelism: 0 }),
    RangeError,
  );
  assert.throws(() => argon2id(pw, salt, { ...ok, hashLength: 3 }), RangeError);
  assert.throws(
    () => argon2id("pw" as unknown as Uint8Array, salt, ok),
    TypeError,
  );
  assert.throws(
    () => argon2id(pw, salt, { ...ok, secret: "x" as unknown as Uint8Array }),
    TypeError,
  );
  assert.throws(
    () => argon2id(pw, salt, { ...ok, ad: [1] as unknown as Uint8Array }),
    TypeError,
  );
});

// Python's hashlib.blake2b.
Deno.test("blake2b() matches hashlib", () => {
  assert.equal(
    toHex(blake2b(text("abc"), 64)),
    "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
  );
  assert.equal(
    toHex(blake2b(new Uint8Array(0), 64)),
    "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce",
  );
  assert.equal(
    toHex(blake2b(new Uint8Array(300).fill(7), 33)),
    "b1e0aac94dbf48534b3063f51796f4f326d08a18006b70d11e429c76fcb3772b2d",
  );
});
