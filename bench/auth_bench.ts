// Cost of one login per authentication method (client side), and of
// Argon2id at the costs SCRAM routers use.
//   deno bench bench/auth_bench.ts
// Argon2id at autobahn-python's / Crossbar's example costs (t=4096,
// m=512 KiB) takes seconds per run; WAMPKIT_BENCH_QUICK=1 skips it.
import { argon2id } from "../src/auth/argon2id.ts";
import {
  deriveKey,
  loadCryptosignKey,
  newCryptosignChallenge,
  signWampcra,
  verifyCryptosign,
  verifyWampcra,
  wampcraChallenge,
} from "../src/auth/mod.ts";
import { fromHex, toHex } from "../src/auth/_encoding.ts";

const password = new TextEncoder().encode("correct horse battery staple");
const salt = crypto.getRandomValues(new Uint8Array(16));
const quick = Deno.env.get("WAMPKIT_BENCH_QUICK") === "1";

const ARGON2_COSTS = [
  // autobahn-python's derive_scram_credential and Crossbar's SCRAM examples.
  {
    name: "t=4096 m=512KiB (Crossbar examples)",
    iterations: 4096,
    memory: 512,
    slow: true,
  },
  // OWASP's minimum for Argon2id; scramCredentials()'s default.
  { name: "t=2 m=19MiB (OWASP)", iterations: 2, memory: 19456, slow: false },
  { name: "t=2 m=4MiB", iterations: 2, memory: 4096, slow: false },
  { name: "t=3 m=64MiB", iterations: 3, memory: 65536, slow: false },
];
for (const { name, iterations, memory, slow } of ARGON2_COSTS) {
  Deno.bench(`argon2id ${name}`, {
    group: "argon2id",
    ignore: slow && quick,
    n: slow ? 3 : 10,
    warmup: 1,
  }, () => {
    argon2id(password, salt, { iterations, memory });
  });
}

Deno.bench("pbkdf2 4096 iterations (deriveKey)", { group: "kdf" }, async () => {
  await deriveKey("correct horse battery staple", "salt123", 4096, 32);
});

const challenge = wampcraChallenge({
  authid: "joe",
  authrole: "user",
  authprovider: "static",
  session: 1,
});
const signature = await signWampcra("secret", challenge);
Deno.bench("wampcra sign", { group: "sign" }, async () => {
  await signWampcra("secret", challenge);
});
Deno.bench("wampcra verify", { group: "sign" }, async () => {
  await verifyWampcra("secret", challenge, signature);
});

const key = await loadCryptosignKey(crypto.getRandomValues(new Uint8Array(32)));
Deno.bench("cryptosign sign + verify", { group: "sign" }, async () => {
  const hex = newCryptosignChallenge();
  const signed = toHex(await key.sign(fromHex(hex)!)) + hex;
  await verifyCryptosign(key.publicKey, hex, signed);
});
