import assert from "node:assert/strict";
import {
  fromBase64,
  fromHex,
  hmac,
  toBase64Unpadded,
  toHex,
} from "../../src/auth/_encoding.ts";

Deno.test("fromHex() takes either case and refuses anything else", () => {
  assert.deepEqual(fromHex("00ffAb"), new Uint8Array([0, 255, 0xab]));
  assert.deepEqual(fromHex(""), new Uint8Array());
  for (const bad of ["0", "0g", "g0", " 00", "0x00", "é0", 5, null]) {
    assert.equal(fromHex(bad), undefined, String(bad));
  }
  assert.equal(toHex(new Uint8Array([0, 15, 16, 255])), "000f10ff");
});

Deno.test("fromBase64() takes canonical padded Base64 only", () => {
  assert.deepEqual(fromBase64("AQID"), new Uint8Array([1, 2, 3]));
  assert.deepEqual(fromBase64("AQI="), new Uint8Array([1, 2]));
  assert.deepEqual(fromBase64("AQ=="), new Uint8Array([1]));
  assert.deepEqual(fromBase64(""), new Uint8Array());
  for (
    const bad of [
      "AQ",
      "AQ=",
      "AR==", // stray low bits
      "AQI",
      "A QID",
      "AQID\n",
      "-_8=",
      "=AQI",
      "AQ==AQID",
      5,
      null,
    ]
  ) {
    assert.equal(fromBase64(bad), undefined, String(bad));
  }
  assert.equal(fromBase64("AQID", 3), undefined);
  assert.equal(toBase64Unpadded(new Uint8Array([1])), "AQ");
});

Deno.test("hmac() takes a raw key or a CryptoKey", async () => {
  const key = new Uint8Array([1, 2, 3]);
  const data = new Uint8Array([4]);
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  assert.deepEqual(await hmac(key, data), await hmac(cryptoKey, data));
});
