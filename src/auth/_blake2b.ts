// BLAKE2b (RFC 7693), unkeyed, one-shot: what Argon2 needs for H0, H' and
// the final tag. 64-bit words are held as (low, high) pairs of 32-bit
// halves in Uint32Arrays, at indices 2k and 2k + 1. Argon2's cost is in its
// own compression function, not here, so this one favours plainness.

// The initialization vector, (low, high) per 64-bit word.
const IV = new Uint32Array([
  0xf3bcc908,
  0x6a09e667,
  0x84caa73b,
  0xbb67ae85,
  0xfe94f82b,
  0x3c6ef372,
  0x5f1d36f1,
  0xa54ff53a,
  0xade682d1,
  0x510e527f,
  0x2b3e6c1f,
  0x9b05688c,
  0xfb41bd6b,
  0x1f83d9ab,
  0x137e2179,
  0x5be0cd19,
]);

// The message word schedule of the 10 distinct rounds (rounds 10 and 11
// repeat 0 and 1), each entry doubled to index the (low, high) pairs.
// deno-fmt-ignore
const SIGMA = new Uint8Array([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
  7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
  2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
  13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
  10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
].map((i) => 2 * i));

const v = new Uint32Array(32);
const m = new Uint32Array(32);

/** v[a] += v[b] + m[x] (64-bit). */
function add3(a: number, b: number, x: number): void {
  const lo = v[a]! + v[b]! + m[x]!;
  v[a] = lo;
  v[a + 1] = v[a + 1]! + v[b + 1]! + m[x + 1]! + ((lo / 0x100000000) >>> 0);
}

/** v[a] += v[b] (64-bit). */
function add2(a: number, b: number): void {
  const lo = v[a]! + v[b]!;
  v[a] = lo;
  v[a + 1] = v[a + 1]! + v[b + 1]! + ((lo / 0x100000000) >>> 0);
}

/** v[d] = (v[d] ^ v[a]) rotated right by `n` bits, 0 < n < 64. */
function xorRotr(d: number, a: number, n: number): void {
  let lo = v[d]! ^ v[a]!;
  let hi = v[d + 1]! ^ v[a + 1]!;
  if (n >= 32) {
    const t = lo;
    lo = hi;
    hi = t;
    n -= 32;
  }
  if (n > 0) {
    const l = (lo >>> n) | (hi << (32 - n));
    hi = (hi >>> n) | (lo << (32 - n));
    lo = l;
  }
  v[d] = lo;
  v[d + 1] = hi;
}

function mix(a: number, b: number, c: number, d: number, x: number, y: number) {
  add3(a, b, x);
  xorRotr(d, a, 32);
  add2(c, d);
  xorRotr(b, c, 24);
  add3(a, b, y);
  xorRotr(d, a, 16);
  add2(c, d);
  xorRotr(b, c, 63);
}

function compress(
  h: Uint32Array,
  block: Uint8Array,
  offset: number,
  counter: number,
  last: boolean,
): void {
  for (let i = 0; i < 32; i++) {
    const o = offset + 4 * i;
    m[i] = block[o]! | (block[o + 1]! << 8) | (block[o + 2]! << 16) |
      (block[o + 3]! << 24);
  }
  v.set(h);
  v.set(IV, 16);
  v[24] = v[24]! ^ counter;
  v[25] = v[25]! ^ (counter / 0x100000000);
  if (last) {
    v[28] = ~v[28]!;
    v[29] = ~v[29]!;
  }
  for (let r = 0; r < 12; r++) {
    const s = (r % 10) * 16;
    mix(0, 8, 16, 24, SIGMA[s]!, SIGMA[s + 1]!);
    mix(2, 10, 18, 26, SIGMA[s + 2]!, SIGMA[s + 3]!);
    mix(4, 12, 20, 28, SIGMA[s + 4]!, SIGMA[s + 5]!);
    mix(6, 14, 22, 30, SIGMA[s + 6]!, SIGMA[s + 7]!);
    mix(0, 10, 20, 30, SIGMA[s + 8]!, SIGMA[s + 9]!);
    mix(2, 12, 22, 24, SIGMA[s + 10]!, SIGMA[s + 11]!);
    mix(4, 14, 16, 26, SIGMA[s + 12]!, SIGMA[s + 13]!);
    mix(6, 8, 18, 28, SIGMA[s + 14]!, SIGMA[s + 15]!);
  }
  for (let i = 0; i < 16; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 16]!;
}

/** The BLAKE2b hash of `input`, `outLength` (1 to 64) bytes long. */
export function blake2b(input: Uint8Array, outLength: number): Uint8Array {
  const h = IV.slice();
  h[0] = h[0]! ^ 0x01010000 ^ outLength;
  const full = input.length === 0 ? 0 : Math.ceil(input.length / 128) - 1;
  for (let i = 0; i < full; i++) {
    compress(h, input, i * 128, (i + 1) * 128, false);
  }
  const last = new Uint8Array(128);
  last.set(input.subarray(full * 128));
  compress(h, last, 0, input.length, true);
  const out = new Uint8Array(outLength);
  for (let i = 0; i < outLength; i++) out[i] = h[i >> 2]! >>> (8 * (i & 3));
  return out;
}
