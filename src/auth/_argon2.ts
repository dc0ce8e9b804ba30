// The Argon2id engine behind argon2id() and SCRAM: a generator that yields
// after each segment, so that a caller can compute in one go (argon2id) or
// let the event loop run between segments (SCRAM, whose logins take
// seconds at Crossbar's usual costs).
import { isIntIn } from "./_encoding.ts";
import { blake2b } from "./_blake2b.ts";

/** The cost and output of one `argon2id()` computation. */
export interface Argon2idOptions {
  /** Passes over memory (`t`), at least 1. */
  iterations: number;
  /** Memory in KiB (`m`), at least 8 × parallelism. */
  memory: number;
  /**
   * Lanes (`p`). They are computed one after the other here; the result is
   * the same as with parallel threads.
   *
   * @default {1}
   */
  parallelism?: number;
  /**
   * Length of the result in bytes (`T`), at least 4.
   *
   * @default {32}
   */
  hashLength?: number;
  /**
   * The optional secret value (`K`, a pepper).
   *
   * @default {new Uint8Array()}
   */
  secret?: Uint8Array;
  /**
   * The optional associated data (`X`).
   *
   * @default {new Uint8Array()}
   */
  ad?: Uint8Array;
}

const VERSION = 0x13;
const TYPE_ID = 2;
const BLOCK_WORDS = 256; // 1 KiB blocks as 32-bit words
const SYNC_POINTS = 4;
const TWO_POW_M32 = 2 ** -32;

/**
 * Argon2id's steps: validates the inputs at once (throwing TypeError or
 * RangeError), then yields after each segment and returns the hash.
 */
function argon2idSteps(
  password: Uint8Array,
  salt: Uint8Array,
  options: Argon2idOptions,
): Generator<void, Uint8Array, void> {
  const {
    iterations,
    memory,
    parallelism = 1,
    hashLength = 32,
    secret = new Uint8Array(),
    ad = new Uint8Array(),
  } = options;
  const inputs = { Password: password, Salt: salt, Secret: secret };
  for (const [name, bytes] of Object.entries(inputs)) {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`${name} must be a Uint8Array`);
    }
  }
  if (!(ad instanceof Uint8Array)) {
    throw new TypeError("Associated data must be a Uint8Array");
  }
  if (salt.length < 8) throw new RangeError("Salt must be at least 8 bytes");
  if (!isIntIn(parallelism, 1, 0xffffff)) {
    throw new RangeError("Parallelism must be an integer from 1 to 2^24-1");
  }
  if (!isIntIn(iterations, 1, 0xffffffff)) {
    throw new RangeError("Iterations must be an integer from 1 to 2^32-1");
  }
  if (!isIntIn(memory, 8 * parallelism, 0xffffffff)) {
    throw new RangeError(
      "Memory must be an integer from 8 KiB per lane to 2^32-1 KiB",
    );
  }
  if (!isIntIn(hashLength, 4, 0xffffffff)) {
    throw new RangeError("Hash length must be an integer of at least 4");
  }

  return fill(password, salt, {
    iterations,
    memory,
    parallelism,
    hashLength,
    secret,
    ad,
  });
}

/** Argon2id computed in one go. */
export function argon2idSync(
  password: Uint8Array,
  salt: Uint8Array,
  options: Argon2idOptions,
): Uint8Array {
  const steps = argon2idSteps(password, salt, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Argon2id computed in slices of about `sliceMs` milliseconds, with a
 * macrotask between them so that timers and I/O are served meanwhile.
 */
export async function argon2idYielding(
  password: Uint8Array,
  salt: Uint8Array,
  options: Argon2idOptions,
  sliceMs = 20,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const steps = argon2idSteps(password, salt, options);
  let since = Date.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (Date.now() - since >= sliceMs) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      // A hash nobody waits for any more stops at the next slice.
      signal?.throwIfAborted();
      since = Date.now();
    }
  }
}

function* fill(
  password: Uint8Array,
  salt: Uint8Array,
  options: Required<Argon2idOptions>,
): Generator<void, Uint8Array, void> {
  const { iterations, memory, parallelism, hashLength, secret, ad } = options;
  // H0 over the parameters and inputs.
  const h0Input = new Uint8Array(
    40 + password.length + salt.length + secret.length + ad.length,
  );
  let at = 0;
  const put32 = (n: number) => {
    writeLe32(h0Input, at, n);
    at += 4;
  };
  const putBytes = (b: Uint8Array) => {
    put32(b.length);
    h0Input.set(b, at);
    at += b.length;
  };
  put32(parallelism);
  put32(hashLength);
  put32(memory);
  put32(iterations);
  put32(VERSION);
  put32(TYPE_ID);
  putBytes(password);
  putBytes(salt);
  putBytes(secret);
  putBytes(ad);
  const h0 = blake2b(h0Input, 64);

  const segmentLength = Math.floor(memory / (SYNC_POINTS * parallelism));
  const laneLength = segmentLength * SYNC_POINTS;
  const blockCount = laneLength * parallelism;
  const mem = new Uint32Array(blockCount * BLOCK_WORDS);

  // The first two blocks of each lane.
  const seed = new Uint8Array(72);
  seed.set(h0);
  for (let lane = 0; lane < parallelism; lane++) {
    writeLe32(seed, 68, lane);
    for (let col = 0; col < 2; col++) {
      writeLe32(seed, 64, col);
      const block = hPrime(seed, 1024);
      const base = (lane * laneLength + col) * BLOCK_WORDS;
      for (let i = 0; i < BLOCK_WORDS; i++) {
        mem[base + i] = readLe32(block, 4 * i);
      }
    }
  }

  yield;
  const filler = new Filler(mem, {
    lanes: parallelism,
    laneLength,
    segmentLength,
    blockCount,
    passes: iterations,
  });
  for (let pass = 0; pass < iterations; pass++) {
    for (let slice = 0; slice < SYNC_POINTS; slice++) {
      for (let lane = 0; lane < parallelism; lane++) {
        filler.segment(pass, slice, lane);
        yield;
      }
    }
  }

  // The final block: the XOR of each lane's last block.
  const last = new Uint8Array(1024);
  for (let i = 0; i < BLOCK_WORDS; i++) {
    let word = 0;
    for (let lane = 0; lane < parallelism; lane++) {
      word ^= mem[((lane + 1) * laneLength - 1) * BLOCK_WORDS + i]!;
    }
    writeLe32(last, 4 * i, word);
  }
  mem.fill(0);
  return hPrime(last, hashLength);
}

function writeLe32(out: Uint8Array, at: number, n: number): void {
  out[at] = n;
  out[at + 1] = n >>> 8;
  out[at + 2] = n >>> 16;
  out[at + 3] = n >>> 24;
}

function readLe32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) |
    (bytes[at + 3]! << 24)) >>> 0;
}

/** H', Argon2's variable-length hash: `length` bytes of BLAKE2b over `input`. */
function hPrime(input: Uint8Array, length: number): Uint8Array {
  const prefixed = new Uint8Array(4 + input.length);
  writeLe32(prefixed, 0, length);
  prefixed.set(input, 4);
  if (length <= 64) return blake2b(prefixed, length);
  const out = new Uint8Array(length);
  const r = Math.ceil(length / 32) - 2;
  let v = blake2b(prefixed, 64);
  out.set(v.subarray(0, 32));
  for (let i = 1; i < r; i++) {
    v = blake2b(v, 64);
    out.set(v.subarray(0, 32), 32 * i);
  }
  out.set(blake2b(v, length - 32 * r), 32 * r);
  return out;
}

/** The high 32 bits of the 64-bit product of two 32-bit unsigned ints. */
function mulHi(a: number, b: number): number {
  const lo = Math.imul(a, b) >>> 0;
  return ((a * b - lo) * TWO_POW_M32 + 0.5) >>> 0;
}

/**
 * The permutation P on the 16 64-bit words whose low halves are at
 * `v[i0]`…`v[i15]` (the high halves follow them): BLAKE2b's round without
 * message words, each addition x + y made BlaMka's x + y + 2·lo(x)·lo(y).
 * The eight G's are written out in full so that the 32 halves stay in
 * registers (25 % faster than a G helper reading and writing `v`).
 *
 * The low half of the product comes from `Math.imul`; `x * y` as a double
 * is off from the 64-bit product by less than 2^11, so with the low half
 * known the high half is the nearest integer to (x * y - low) / 2^32.
 */
function permute(
  v: Uint32Array,
  i0: number,
  i1: number,
  i2: number,
  i3: number,
  i4: number,
  i5: number,
  i6: number,
  i7: number,
  i8: number,
  i9: number,
  i10: number,
  i11: number,
  i12: number,
  i13: number,
  i14: number,
  i15: number,
): void {
  let v0l = v[i0]!, v0h = v[i0 + 1]!;
  let v1l = v[i1]!, v1h = v[i1 + 1]!;
  let v2l = v[i2]!, v2h = v[i2 + 1]!;
  let v3l = v[i3]!, v3h = v[i3 + 1]!;
  let v4l = v[i4]!, v4h = v[i4 + 1]!;
  let v5l = v[i5]!, v5h = v[i5 + 1]!;
  let v6l = v[i6]!, v6h = v[i6 + 1]!;
  let v7l = v[i7]!, v7h = v[i7 + 1]!;
  let v8l = v[i8]!, v8h = v[i8 + 1]!;
  let v9l = v[i9]!, v9h = v[i9 + 1]!;
  let v10l = v[i10]!, v10h = v[i10 + 1]!;
  let v11l = v[i11]!, v11h = v[i11 + 1]!;
  let v12l = v[i12]!, v12h = v[i12 + 1]!;
  let v13l = v[i13]!, v13h = v[i13 + 1]!;
  let v14l = v[i14]!, v14h = v[i14 + 1]!;
  let v15l = v[i15]!, v15h = v[i15 + 1]!;
  let pl: number, ph: number, s: number, t: number;

  // G(v0, v4, v8, v12)
  // v0 += v4 + 2 * lo(v0) * lo(v4)
  pl = Math.imul(v0l, v4l) >>> 0;
  ph = ((v0l * v4l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v0l + v4l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v0h = (v0h + v4h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v0l = t;
  // v12 = rotr(v12 ^ v0, 32)
  t = v12l ^ v0l;
  v12l = (v12h ^ v0h) >>> 0;
  v12h = t >>> 0;
  // v8 += v12 + 2 * lo(v8) * lo(v12)
  pl = Math.imul(v8l, v12l) >>> 0;
  ph = ((v8l * v12l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v8l + v12l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v8h = (v8h + v12h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v8l = t;
  // v4 = rotr(v4 ^ v8, 24)
  s = v4l ^ v8l;
  t = v4h ^ v8h;
  v4l = ((s >>> 24) | (t << 8)) >>> 0;
  v4h = ((t >>> 24) | (s << 8)) >>> 0;
  // v0 += v4 + 2 * lo(v0) * lo(v4)
  pl = Math.imul(v0l, v4l) >>> 0;
  ph = ((v0l * v4l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v0l + v4l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v0h = (v0h + v4h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v0l = t;
  // v12 = rotr(v12 ^ v0, 16)
  s = v12l ^ v0l;
  t = v12h ^ v0h;
  v12l = ((s >>> 16) | (t << 16)) >>> 0;
  v12h = ((t >>> 16) | (s << 16)) >>> 0;
  // v8 += v12 + 2 * lo(v8) * lo(v12)
  pl = Math.imul(v8l, v12l) >>> 0;
  ph = ((v8l * v12l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v8l + v12l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v8h = (v8h + v12h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v8l = t;
  // v4 = rotr(v4 ^ v8, 63)
  s = v4l ^ v8l;
  t = v4h ^ v8h;
  v4l = ((s << 1) | (t >>> 31)) >>> 0;
  v4h = ((t << 1) | (s >>> 31)) >>> 0;

  // G(v1, v5, v9, v13)
  // v1 += v5 + 2 * lo(v1) * lo(v5)
  pl = Math.imul(v1l, v5l) >>> 0;
  ph = ((v1l * v5l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v1l + v5l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v1h = (v1h + v5h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v1l = t;
  // v13 = rotr(v13 ^ v1, 32)
  t = v13l ^ v1l;
  v13l = (v13h ^ v1h) >>> 0;
  v13h = t >>> 0;
  // v9 += v13 + 2 * lo(v9) * lo(v13)
  pl = Math.imul(v9l, v13l) >>> 0;
  ph = ((v9l * v13l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v9l + v13l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v9h = (v9h + v13h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v9l = t;
  // v5 = rotr(v5 ^ v9, 24)
  s = v5l ^ v9l;
  t = v5h ^ v9h;
  v5l = ((s >>> 24) | (t << 8)) >>> 0;
  v5h = ((t >>> 24) | (s << 8)) >>> 0;
  // v1 += v5 + 2 * lo(v1) * lo(v5)
  pl = Math.imul(v1l, v5l) >>> 0;
  ph = ((v1l * v5l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v1l + v5l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v1h = (v1h + v5h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v1l = t;
  // v13 = rotr(v13 ^ v1, 16)
  s = v13l ^ v1l;
  t = v13h ^ v1h;
  v13l = ((s >>> 16) | (t << 16)) >>> 0;
  v13h = ((t >>> 16) | (s << 16)) >>> 0;
  // v9 += v13 + 2 * lo(v9) * lo(v13)
  pl = Math.imul(v9l, v13l) >>> 0;
  ph = ((v9l * v13l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v9l + v13l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v9h = (v9h + v13h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v9l = t;
  // v5 = rotr(v5 ^ v9, 63)
  s = v5l ^ v9l;
  t = v5h ^ v9h;
  v5l = ((s << 1) | (t >>> 31)) >>> 0;
  v5h = ((t << 1) | (s >>> 31)) >>> 0;

  // G(v2, v6, v10, v14)
  // v2 += v6 + 2 * lo(v2) * lo(v6)
  pl = Math.imul(v2l, v6l) >>> 0;
  ph = ((v2l * v6l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v2l + v6l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v2h = (v2h + v6h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v2l = t;
  // v14 = rotr(v14 ^ v2, 32)
  t = v14l ^ v2l;
  v14l = (v14h ^ v2h) >>> 0;
  v14h = t >>> 0;
  // v10 += v14 + 2 * lo(v10) * lo(v14)
  pl = Math.imul(v10l, v14l) >>> 0;
  ph = ((v10l * v14l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v10l + v14l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v10h = (v10h + v14h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>>
    0;
  v10l = t;
  // v6 = rotr(v6 ^ v10, 24)
  s = v6l ^ v10l;
  t = v6h ^ v10h;
  v6l = ((s >>> 24) | (t << 8)) >>> 0;
  v6h = ((t >>> 24) | (s << 8)) >>> 0;
  // v2 += v6 + 2 * lo(v2) * lo(v6)
  pl = Math.imul(v2l, v6l) >>> 0;
  ph = ((v2l * v6l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v2l + v6l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v2h = (v2h + v6h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v2l = t;
  // v14 = rotr(v14 ^ v2, 16)
  s = v14l ^ v2l;
  t = v14h ^ v2h;
  v14l = ((s >>> 16) | (t << 16)) >>> 0;
  v14h = ((t >>> 16) | (s << 16)) >>> 0;
  // v10 += v14 + 2 * lo(v10) * lo(v14)
  pl = Math.imul(v10l, v14l) >>> 0;
  ph = ((v10l * v14l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v10l + v14l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v10h = (v10h + v14h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>>
    0;
  v10l = t;
  // v6 = rotr(v6 ^ v10, 63)
  s = v6l ^ v10l;
  t = v6h ^ v10h;
  v6l = ((s << 1) | (t >>> 31)) >>> 0;
  v6h = ((t << 1) | (s >>> 31)) >>> 0;

  // G(v3, v7, v11, v15)
  // v3 += v7 + 2 * lo(v3) * lo(v7)
  pl = Math.imul(v3l, v7l) >>> 0;
  ph = ((v3l * v7l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v3l + v7l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v3h = (v3h + v7h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v3l = t;
  // v15 = rotr(v15 ^ v3, 32)
  t = v15l ^ v3l;
  v15l = (v15h ^ v3h) >>> 0;
  v15h = t >>> 0;
  // v11 += v15 + 2 * lo(v11) * lo(v15)
  pl = Math.imul(v11l, v15l) >>> 0;
  ph = ((v11l * v15l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v11l + v15l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v11h = (v11h + v15h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>>
    0;
  v11l = t;
  // v7 = rotr(v7 ^ v11, 24)
  s = v7l ^ v11l;
  t = v7h ^ v11h;
  v7l = ((s >>> 24) | (t << 8)) >>> 0;
  v7h = ((t >>> 24) | (s << 8)) >>> 0;
  // v3 += v7 + 2 * lo(v3) * lo(v7)
  pl = Math.imul(v3l, v7l) >>> 0;
  ph = ((v3l * v7l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v3l + v7l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v3h = (v3h + v7h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v3l = t;
  // v15 = rotr(v15 ^ v3, 16)
  s = v15l ^ v3l;
  t = v15h ^ v3h;
  v15l = ((s >>> 16) | (t << 16)) >>> 0;
  v15h = ((t >>> 16) | (s << 16)) >>> 0;
  // v11 += v15 + 2 * lo(v11) * lo(v15)
  pl = Math.imul(v11l, v15l) >>> 0;
  ph = ((v11l * v15l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v11l + v15l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v11h = (v11h + v15h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>>
    0;
  v11l = t;
  // v7 = rotr(v7 ^ v11, 63)
  s = v7l ^ v11l;
  t = v7h ^ v11h;
  v7l = ((s << 1) | (t >>> 31)) >>> 0;
  v7h = ((t << 1) | (s >>> 31)) >>> 0;

  // G(v0, v5, v10, v15)
  // v0 += v5 + 2 * lo(v0) * lo(v5)
  pl = Math.imul(v0l, v5l) >>> 0;
  ph = ((v0l * v5l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v0l + v5l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v0h = (v0h + v5h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v0l = t;
  // v15 = rotr(v15 ^ v0, 32)
  t = v15l ^ v0l;
  v15l = (v15h ^ v0h) >>> 0;
  v15h = t >>> 0;
  // v10 += v15 + 2 * lo(v10) * lo(v15)
  pl = Math.imul(v10l, v15l) >>> 0;
  ph = ((v10l * v15l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v10l + v15l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v10h = (v10h + v15h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>>
    0;
  v10l = t;
  // v5 = rotr(v5 ^ v10, 24)
  s = v5l ^ v10l;
  t = v5h ^ v10h;
  v5l = ((s >>> 24) | (t << 8)) >>> 0;
  v5h = ((t >>> 24) | (s << 8)) >>> 0;
  // v0 += v5 + 2 * lo(v0) * lo(v5)
  pl = Math.imul(v0l, v5l) >>> 0;
  ph = ((v0l * v5l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v0l + v5l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v0h = (v0h + v5h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v0l = t;
  // v15 = rotr(v15 ^ v0, 16)
  s = v15l ^ v0l;
  t = v15h ^ v0h;
  v15l = ((s >>> 16) | (t << 16)) >>> 0;
  v15h = ((t >>> 16) | (s << 16)) >>> 0;
  // v10 += v15 + 2 * lo(v10) * lo(v15)
  pl = Math.imul(v10l, v15l) >>> 0;
  ph = ((v10l * v15l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v10l + v15l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v10h = (v10h + v15h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>>
    0;
  v10l = t;
  // v5 = rotr(v5 ^ v10, 63)
  s = v5l ^ v10l;
  t = v5h ^ v10h;
  v5l = ((s << 1) | (t >>> 31)) >>> 0;
  v5h = ((t << 1) | (s >>> 31)) >>> 0;

  // G(v1, v6, v11, v12)
  // v1 += v6 + 2 * lo(v1) * lo(v6)
  pl = Math.imul(v1l, v6l) >>> 0;
  ph = ((v1l * v6l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v1l + v6l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v1h = (v1h + v6h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v1l = t;
  // v12 = rotr(v12 ^ v1, 32)
  t = v12l ^ v1l;
  v12l = (v12h ^ v1h) >>> 0;
  v12h = t >>> 0;
  // v11 += v12 + 2 * lo(v11) * lo(v12)
  pl = Math.imul(v11l, v12l) >>> 0;
  ph = ((v11l * v12l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v11l + v12l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v11h = (v11h + v12h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>>
    0;
  v11l = t;
  // v6 = rotr(v6 ^ v11, 24)
  s = v6l ^ v11l;
  t = v6h ^ v11h;
  v6l = ((s >>> 24) | (t << 8)) >>> 0;
  v6h = ((t >>> 24) | (s << 8)) >>> 0;
  // v1 += v6 + 2 * lo(v1) * lo(v6)
  pl = Math.imul(v1l, v6l) >>> 0;
  ph = ((v1l * v6l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v1l + v6l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v1h = (v1h + v6h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v1l = t;
  // v12 = rotr(v12 ^ v1, 16)
  s = v12l ^ v1l;
  t = v12h ^ v1h;
  v12l = ((s >>> 16) | (t << 16)) >>> 0;
  v12h = ((t >>> 16) | (s << 16)) >>> 0;
  // v11 += v12 + 2 * lo(v11) * lo(v12)
  pl = Math.imul(v11l, v12l) >>> 0;
  ph = ((v11l * v12l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v11l + v12l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v11h = (v11h + v12h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>>
    0;
  v11l = t;
  // v6 = rotr(v6 ^ v11, 63)
  s = v6l ^ v11l;
  t = v6h ^ v11h;
  v6l = ((s << 1) | (t >>> 31)) >>> 0;
  v6h = ((t << 1) | (s >>> 31)) >>> 0;

  // G(v2, v7, v8, v13)
  // v2 += v7 + 2 * lo(v2) * lo(v7)
  pl = Math.imul(v2l, v7l) >>> 0;
  ph = ((v2l * v7l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v2l + v7l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v2h = (v2h + v7h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v2l = t;
  // v13 = rotr(v13 ^ v2, 32)
  t = v13l ^ v2l;
  v13l = (v13h ^ v2h) >>> 0;
  v13h = t >>> 0;
  // v8 += v13 + 2 * lo(v8) * lo(v13)
  pl = Math.imul(v8l, v13l) >>> 0;
  ph = ((v8l * v13l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v8l + v13l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v8h = (v8h + v13h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v8l = t;
  // v7 = rotr(v7 ^ v8, 24)
  s = v7l ^ v8l;
  t = v7h ^ v8h;
  v7l = ((s >>> 24) | (t << 8)) >>> 0;
  v7h = ((t >>> 24) | (s << 8)) >>> 0;
  // v2 += v7 + 2 * lo(v2) * lo(v7)
  pl = Math.imul(v2l, v7l) >>> 0;
  ph = ((v2l * v7l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v2l + v7l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v2h = (v2h + v7h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v2l = t;
  // v13 = rotr(v13 ^ v2, 16)
  s = v13l ^ v2l;
  t = v13h ^ v2h;
  v13l = ((s >>> 16) | (t << 16)) >>> 0;
  v13h = ((t >>> 16) | (s << 16)) >>> 0;
  // v8 += v13 + 2 * lo(v8) * lo(v13)
  pl = Math.imul(v8l, v13l) >>> 0;
  ph = ((v8l * v13l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v8l + v13l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v8h = (v8h + v13h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v8l = t;
  // v7 = rotr(v7 ^ v8, 63)
  s = v7l ^ v8l;
  t = v7h ^ v8h;
  v7l = ((s << 1) | (t >>> 31)) >>> 0;
  v7h = ((t << 1) | (s >>> 31)) >>> 0;

  // G(v3, v4, v9, v14)
  // v3 += v4 + 2 * lo(v3) * lo(v4)
  pl = Math.imul(v3l, v4l) >>> 0;
  ph = ((v3l * v4l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v3l + v4l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v3h = (v3h + v4h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v3l = t;
  // v14 = rotr(v14 ^ v3, 32)
  t = v14l ^ v3l;
  v14l = (v14h ^ v3h) >>> 0;
  v14h = t >>> 0;
  // v9 += v14 + 2 * lo(v9) * lo(v14)
  pl = Math.imul(v9l, v14l) >>> 0;
  ph = ((v9l * v14l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v9l + v14l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v9h = (v9h + v14h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v9l = t;
  // v4 = rotr(v4 ^ v9, 24)
  s = v4l ^ v9l;
  t = v4h ^ v9h;
  v4l = ((s >>> 24) | (t << 8)) >>> 0;
  v4h = ((t >>> 24) | (s << 8)) >>> 0;
  // v3 += v4 + 2 * lo(v3) * lo(v4)
  pl = Math.imul(v3l, v4l) >>> 0;
  ph = ((v3l * v4l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v3l + v4l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v3h = (v3h + v4h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v3l = t;
  // v14 = rotr(v14 ^ v3, 16)
  s = v14l ^ v3l;
  t = v14h ^ v3h;
  v14l = ((s >>> 16) | (t << 16)) >>> 0;
  v14h = ((t >>> 16) | (s << 16)) >>> 0;
  // v9 += v14 + 2 * lo(v9) * lo(v14)
  pl = Math.imul(v9l, v14l) >>> 0;
  ph = ((v9l * v14l - pl) * TWO_POW_M32 + 0.5) >>> 0;
  s = v9l + v14l + ((pl << 1) >>> 0);
  t = s >>> 0;
  v9h = (v9h + v14h + ((ph << 1) | (pl >>> 31)) + (s - t) * TWO_POW_M32) >>> 0;
  v9l = t;
  // v4 = rotr(v4 ^ v9, 63)
  s = v4l ^ v9l;
  t = v4h ^ v9h;
  v4l = ((s << 1) | (t >>> 31)) >>> 0;
  v4h = ((t << 1) | (s >>> 31)) >>> 0;

  v[i0] = v0l;
  v[i0 + 1] = v0h;
  v[i1] = v1l;
  v[i1 + 1] = v1h;
  v[i2] = v2l;
  v[i2 + 1] = v2h;
  v[i3] = v3l;
  v[i3 + 1] = v3h;
  v[i4] = v4l;
  v[i4 + 1] = v4h;
  v[i5] = v5l;
  v[i5 + 1] = v5h;
  v[i6] = v6l;
  v[i6 + 1] = v6h;
  v[i7] = v7l;
  v[i7 + 1] = v7h;
  v[i8] = v8l;
  v[i8 + 1] = v8h;
  v[i9] = v9l;
  v[i9 + 1] = v9h;
  v[i10] = v10l;
  v[i10 + 1] = v10h;
  v[i11] = v11l;
  v[i11 + 1] = v11h;
  v[i12] = v12l;
  v[i12 + 1] = v12h;
  v[i13] = v13l;
  v[i13 + 1] = v13h;
  v[i14] = v14l;
  v[i14 + 1] = v14h;
  v[i15] = v15l;
  v[i15 + 1] = v15h;
}

/** The compression G on the block R (in place): rows, then columns. */
function mixBlock(r: Uint32Array): void {
  for (let i = 0; i < 8; i++) {
    const b = 32 * i;
    permute(
      r,
      b,
      b + 2,
      b + 4,
      b + 6,
      b + 8,
      b + 10,
      b + 12,
      b + 14,
      b + 16,
      b + 18,
      b + 20,
      b + 22,
      b + 24,
      b + 26,
      b + 28,
      b + 30,
    );
  }
  for (let i = 0; i < 8; i++) {
    const b = 4 * i;
    permute(
      r,
      b,
      b + 2,
      b + 32,
      b + 34,
      b + 64,
      b + 66,
      b + 96,
      b + 98,
      b + 128,
      b + 130,
      b + 160,
      b + 162,
      b + 192,
      b + 194,
      b + 224,
      b + 226,
    );
  }
}

interface Geometry {
  lanes: number;
  laneLength: number;
  segmentLength: number;
  blockCount: number;
  passes: number;
}

/** Fills the memory segment by segment; holds the scratch blocks. */
class Filler {
  #mem: Uint32Array;
  #g: Geometry;
  #r = new Uint32Array(BLOCK_WORDS);
  #t = new Uint32Array(BLOCK_WORDS);
  #input = new Uint32Array(BLOCK_WORDS);
  #address = new Uint32Array(BLOCK_WORDS);
  #zero = new Uint32Array(BLOCK_WORDS);

  constructor(mem: Uint32Array, geometry: Geometry) {
    this.#mem = mem;
    this.#g = geometry;
  }

  /**
   * out = G(x, y), or with `xor`, out ^= G(x, y) (version 1.3's later
   * passes). Offsets are in words.
   */
  #compress(
    x: Uint32Array,
    xo: number,
    y: Uint32Array,
    yo: number,
    out: Uint32Array,
    oo: number,
    xor: boolean,
  ): void {
    const r = this.#r;
    const t = this.#t;
    if (xor) {
      for (let i = 0; i < BLOCK_WORDS; i++) {
        const w = x[xo + i]! ^ y[yo + i]!;
        r[i] = w;
        t[i] = w ^ out[oo + i]!;
      }
    } else {
      for (let i = 0; i < BLOCK_WORDS; i++) {
        const w = x[xo + i]! ^ y[yo + i]!;
        r[i] = w;
        t[i] = w;
      }
    }
    mixBlock(r);
    for (let i = 0; i < BLOCK_WORDS; i++) out[oo + i] = r[i]! ^ t[i]!;
  }

  /** The next 128 pseudo-random (J1, J2) pairs of Argon2i addressing. */
  #nextAddresses(): void {
    const input = this.#input;
    input[12] = input[12]! + 1;
    this.#compress(this.#zero, 0, input, 0, this.#address, 0, false);
    this.#compress(this.#zero, 0, this.#address, 0, this.#address, 0, false);
  }

  segment(pass: number, slice: number, lane: number): void {
    const mem = this.#mem;
    const { lanes, laneLength, segmentLength, blockCount, passes } = this.#g;
    // Argon2id: data-independent addresses in the first half of pass 0.
    const independent = pass === 0 && slice < SYNC_POINTS / 2;
    if (independent) {
      const input = this.#input;
      input.fill(0);
      input[0] = pass;
      input[2] = lane;
      input[4] = slice;
      input[6] = blockCount;
      input[8] = passes;
      input[10] = TYPE_ID;
    }
    const start = pass === 0 && slice === 0 ? 2 : 0;
    if (independent && start !== 0) this.#nextAddresses();
    const laneStart = lane * laneLength;
    for (let index = start; index < segmentLength; index++) {
      const col = slice * segmentLength + index;
      const prev = laneStart + (col === 0 ? laneLength - 1 : col - 1);
      let j1: number, j2: number;
      if (independent) {
        const k = index % 128;
        if (k === 0) this.#nextAddresses();
        j1 = this.#address[2 * k]!;
        j2 = this.#address[2 * k + 1]!;
      } else {
        j1 = mem[prev * BLOCK_WORDS]!;
        j2 = mem[prev * BLOCK_WORDS + 1]!;
      }
      const refLane = pass === 0 && slice === 0 ? lane : j2 % lanes;
      const sameLane = refLane === lane;
      // The reference area: the blocks already finished that may be used.
      let area: number;
      if (pass === 0) {
        area = sameLane
          ? slice * segmentLength + index - 1
          : slice * segmentLength - (index === 0 ? 1 : 0);
      } else {
        area = sameLane
          ? laneLength - segmentLength + index - 1
          : laneLength - segmentLength - (index === 0 ? 1 : 0);
      }
      const x = mulHi(j1, j1);
      const relative = area - 1 - mulHi(area, x);
      const startPos = pass === 0 || slice === SYNC_POINTS - 1
        ? 0
        : (slice + 1) * segmentLength;
      const ref = refLane * laneLength + (startPos + relative) % laneLength;
      this.#compress(
        mem,
        prev * BLOCK_WORDS,
        mem,
        ref * BLOCK_WORDS,
        mem,
        (laneStart + col) * BLOCK_WORDS,
        pass > 0,
      );
    }
  }
}
