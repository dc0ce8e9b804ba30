// SCRAM's computations as Crossbar and autobahn-python do them (Crossbar's
// dialect, method `scram`), shared by the client and ScramServer.
import { argon2idYielding } from "./_argon2.ts";
import {
  encodeBase64,
  hmac,
  pbkdf2,
  sha256,
  toBase64Unpadded,
  utf8,
} from "./_encoding.ts";

/** The key derivation functions of Crossbar's SCRAM. */
export type ScramKdf = "argon2id-13" | "pbkdf2";

export const KDFS: readonly string[] = ["argon2id-13", "pbkdf2"];

const CLIENT_KEY = utf8("Client Key");
const SERVER_KEY = utf8("Server Key");

/**
 * SaltedPassword. For `argon2id-13` it is, as autobahn-python computes it,
 * the ASCII bytes of the unpadded Base64 text of the 32-byte Argon2id v1.3
 * hash (p = 1); for `pbkdf2` the 32 raw bytes of PBKDF2-HMAC-SHA256. The
 * password is used as its UTF-8 bytes, without SASLprep (as autobahn).
 */
export async function saltedPassword(
  password: string,
  kdf: ScramKdf,
  salt: Uint8Array,
  iterations: number,
  memory: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  if (kdf === "pbkdf2") {
    return await pbkdf2(utf8(password), salt, iterations, 32);
  }
  const hash = await argon2idYielding(
    utf8(password),
    salt,
    {
      iterations,
      memory,
      parallelism: 1,
      hashLength: 32,
    },
    20,
    signal,
  );
  return utf8(toBase64Unpadded(hash));
}

/**
 * AuthMessage: client-first-bare, server-first and client-final without
 * proof, where Crossbar leaves the channel binding `c=` empty (the draft
 * has `c=biws`). `authid` is already SASLprep'd; the nonces and the salt
 * are their Base64 texts.
 */
export function authMessage(
  authid: string,
  clientNonce: string,
  serverNonce: string,
  salt: string,
  iterations: number,
): Uint8Array {
  return utf8(
    `n=${authid},r=${clientNonce},r=${serverNonce},s=${salt},` +
      `i=${iterations},c=,r=${serverNonce}`,
  );
}

/** The keys SaltedPassword gives: StoredKey and ServerKey, and ClientKey. */
export async function scramKeys(salted: Uint8Array): Promise<{
  clientKey: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}> {
  const clientKey = await hmac(salted, CLIENT_KEY);
  return {
    clientKey,
    storedKey: await sha256(clientKey),
    serverKey: await hmac(salted, SERVER_KEY),
  };
}

/** ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage), Base64. */
export async function clientProof(
  salted: Uint8Array,
  message: Uint8Array,
): Promise<string> {
  const { clientKey, storedKey } = await scramKeys(salted);
  return encodeBase64(xor(clientKey, await hmac(storedKey, message)));
}

/** ServerSignature = HMAC(ServerKey, AuthMessage), Base64. */
export async function serverSignature(
  serverKey: Uint8Array,
  message: Uint8Array,
): Promise<string> {
  return encodeBase64(await hmac(serverKey, message));
}

/** `a` XOR `b`, which have the same length. */
export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Whether the server nonce is the client nonce with bytes added. */
export function extendsNonce(server: Uint8Array, client: Uint8Array): boolean {
  if (server.length <= client.length) return false;
  for (let i = 0; i < client.length; i++) {
    if (server[i] !== client[i]) return false;
  }
  return true;
}
