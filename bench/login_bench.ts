// What a login costs, in one run: a whole in-process connect + HELLO … WELCOME
// + GOODBYE with each authentication method against the embedded router,
// the client and the router both doing their share of the crypto.
//
//   deno bench --allow-read bench/login_bench.ts
import { connect } from "../mod.ts";
import {
  cryptosign,
  loadCryptosignKey,
  scram,
  scramCredentials,
  ticket,
  wampcra,
} from "../src/auth/mod.ts";
import type { ClientAuth } from "../src/auth/mod.ts";
import { Router } from "../src/router/mod.ts";

const SEED = "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510";
const key = await loadCryptosignKey(SEED);
const creds = async (kdf: "argon2id-13" | "pbkdf2", extra: object) => {
  const c = await scramCredentials("pencil", { kdf, ...extra });
  return {
    kdf: c.kdf,
    salt: c.salt,
    iterations: c.iterations,
    memory: c.memory,
    "stored-key": c.storedKey,
    "server-key": c.serverKey,
  };
};
const router = new Router({
  realms: ["realm1"],
  auth: {
    anonymous: true,
    ticket: { principals: { joe: { ticket: "secret!", role: "user" } } },
    wampcra: {
      principals: {
        peter: { secret: "secret1", role: "user" },
        salty: {
          secret: "secret1",
          salt: "salt123",
          iterations: 1000,
          keylen: 32,
          role: "user",
        },
      },
    },
    cryptosign: {
      principals: { alice: { authorized_keys: [key.publicKey], role: "user" } },
    },
    scram: {
      principals: {
        argon: {
          role: "user",
          ...await creds("argon2id-13", { iterations: 2, memory: 4096 }),
        },
        pbk: { role: "user", ...await creds("pbkdf2", { iterations: 4096 }) },
      },
    },
  },
});

const cases: [string, () => ClientAuth | undefined][] = [
  ["anonymous", () => undefined],
  ["ticket", () => ticket({ authid: "joe", ticket: "secret!" })],
  ["wampcra", () => wampcra({ authid: "peter", secret: "secret1" })],
  [
    "wampcra salted (PBKDF2 1000)",
    () => wampcra({ authid: "salty", secret: "secret1" }),
  ],
  ["cryptosign", () => cryptosign({ authid: "alice", privateKey: SEED })],
  [
    "scram pbkdf2 (4096)",
    () => scram({ authid: "pbk", password: "pencil" }),
  ],
  [
    "scram argon2id-13 (t=2, m=4 MiB)",
    () => scram({ authid: "argon", password: "pencil" }),
  ],
];

for (const [name, auth] of cases) {
  Deno.bench({
    name,
    group: "login",
    baseline: name === "anonymous",
    async fn() {
      const s = await connect({
        realm: "realm1",
        auth: auth(),
        transports: [{ type: "memory", connect: () => router.connectLocal() }],
      });
      await s.leave();
    },
  });
}
