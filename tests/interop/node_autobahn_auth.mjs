// Autobahn|JS 22 under Node logs in to the embedded router with ticket,
// wampcra (plain and salted) and cryptosign, as its users write it: the
// `authmethods`/`authid`/`authextra`/`onchallenge` options, with
// `autobahn.auth_cra.derive_key`/`sign` and `autobahn.auth_cryptosign`
// (tweetnacl), or `auth_cryptosign.create_connection`. Run by
// node_auth_test.ts:
//
//   node node_autobahn_auth.mjs <url> <attempts as JSON>
//
// Each attempt: {name, method, authid?, secret? (ticket or wampcra secret),
// seed? (cryptosign, 64 hex), createConnection?, actions: [{action, uri}]}
// with action call | register | publish | subscribe. Attempts run one after
// the other; the script reports {result: {<name>: outcome}}, an outcome
// being {joined, session, welcome, challenges, actions, close}.
import { createRequire } from "node:module";
import { main, report, within } from "./_node_common.mjs";

const require = createRequire(import.meta.url);
const autobahn = require("autobahn");
const nacl = require("tweetnacl");
// Autobahn|JS finds `ws` by itself under Node; required here so a missing
// package fails loudly.
require("ws");

const [url, attemptsJson] = process.argv.slice(2);
const attempts = JSON.parse(attemptsJson);
const STEP = 20_000;

function fromHex(hex) {
  return new Uint8Array(hex.match(/../g).map((b) => parseInt(b, 16)));
}

function keyOf(seed) {
  return nacl.sign.keyPair.fromSeed(fromHex(seed));
}

/** The answer to a CHALLENGE, as Autobahn|JS's documentation writes it. */
function answer(a, method, extra) {
  if (method === "ticket") return a.secret;
  if (method === "wampcra") {
    const key = extra.salt
      ? autobahn.auth_cra.derive_key(
        a.secret,
        extra.salt,
        extra.iterations,
        extra.keylen,
      )
      : a.secret;
    return autobahn.auth_cra.sign(key, extra.challenge);
  }
  if (method === "cryptosign") {
    return autobahn.auth_cryptosign.sign_challenge(keyOf(a.seed), extra);
  }
  throw new Error(`cannot answer ${method}`);
}

function connectionFor(a, challenges) {
  if (a.createConnection) {
    // The helper builds the Connection itself (no retry options, HELLO
    // authextra {pubkey, trustroot: null, challenge: null,
    // channel_binding: null, ...}); onclose stops its retries.
    return autobahn.auth_cryptosign.create_connection({
      url,
      realm: "realm1",
      authid: a.authid,
      pkey: keyOf(a.seed),
    });
  }
  return new autobahn.Connection({
    url,
    realm: "realm1",
    max_retries: 0,
    retry_if_unreachable: false,
    authmethods: [a.method],
    authid: a.authid,
    ...(a.method === "cryptosign" && {
      authextra: {
        pubkey: autobahn.auth_cryptosign.public_key(keyOf(a.seed)),
      },
    }),
    onchallenge: (_session, method, extra) => {
      challenges.push({ method, extra });
      return answer(a, method, extra);
    },
  });
}

async function act(session, { action, uri }) {
  try {
    switch (action) {
      case "call": {
        const r = await session.call(uri);
        return { result: r };
      }
      case "register": {
        await session.register(uri, () => null);
        return { ok: true };
      }
      case "subscribe": {
        await session.subscribe(uri, () => {});
        return { ok: true };
      }
      case "publish": {
        await session.publish(uri, [], {}, { acknowledge: true });
        return { ok: true };
      }
    }
    throw new Error(`unknown action ${action}`);
  } catch (err) {
    if (err instanceof Error) throw err;
    return { error: err?.error ?? String(err) };
  }
}

function attempt(a) {
  return new Promise((resolve, reject) => {
    const challenges = [];
    const outcome = { joined: false, challenges, actions: [] };
    const connection = connectionFor(a, challenges);
    connection.onopen = async (session, details) => {
      outcome.joined = true;
      outcome.session = session.id;
      outcome.welcome = {
        authid: details.authid,
        authrole: details.authrole,
        authmethod: details.authmethod,
        authprovider: details.authprovider,
      };
      try {
        for (const step of a.actions ?? []) {
          outcome.actions.push(
            await within(
              STEP,
              `${a.name}: ${step.action} ${step.uri}`,
              act(session, step),
            ),
          );
        }
      } catch (err) {
        reject(err);
      }
      connection.close();
    };
    connection.onclose = (reason, details) => {
      outcome.close = {
        reason,
        details_reason: details.reason,
        will_retry: details.will_retry,
      };
      resolve(outcome);
      return true; // no retry
    };
    connection.open();
  });
}

main(async () => {
  const result = {};
  for (const a of attempts) {
    result[a.name] = await within(STEP, a.name, attempt(a));
  }
  report({ result });
});
