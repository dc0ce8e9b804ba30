import assert from "node:assert/strict";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { DecodeError, EncodeError } from "../../src/serializers/errors.ts";

const cbor = new CborSerializer();
const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const bytes = (h: string) =>
  Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

// RFC 8949 Appendix A examples (values CBOR and WAMP can share).
const RFC_EXAMPLES: [unknown, string][] = [
  [0, "00"],
  [1, "01"],
  [10, "0a"],
  [23, "17"],
  [24, "1818"],
  [25, "1819"],
  [100, "1864"],
  [1000, "1903e8"],
  [1000000, "1a000f4240"],
  [1000000000000, "1b000000e8d4a51000"],
  [18446744073709551615n, "1bffffffffffffffff"],
  [-18446744073709551616n, "3bffffffffffffffff"],
  [-1, "20"],
  [-10, "29"],
  [-100, "3863"],
  [-1000, "3903e7"],
  [1.1, "fb3ff199999999999a"],
  [false, "f4"],
  [true, "f5"],
  [null, "f6"],
  [new Uint8Array([1, 2, 3, 4]), "4401020304"],
  ["", "60"],
  ["a", "6161"],
  ["IETF", "6449455446"],
  ['"\\', "62225c"],
  ["\u00fc", "62c3bc"],
  ["\u6c34", "63e6b0b4"],
  ["\ud800\udd51", "64f0908591"],
  [[], "80"],
  [[1, 2, 3], "83010203"],
  [[1, [2, 3], [4, 5]], "8301820203820405"],
  [{}, "a0"],
  [{ a: 1, b: [2, 3] }, "a26161016162820203"],
];

Deno.test("CborSerializer matches the RFC 8949 examples both ways", () => {
  for (const [value, h] of RFC_EXAMPLES) {
    assert.equal(hex(cbor.serialize([value])), "81" + h, String(value));
    assert.deepEqual(cbor.deserialize(bytes("81" + h)), [value], h);
  }
  const long = Array.from({ length: 25 }, (_, i) => i + 1);
  assert.equal(hex(cbor.serialize(long)).slice(0, 4), "9819");
});

Deno.test("CborSerializer decodes floats of every width", () => {
  const cases: [string, number][] = [
    ["f90000", 0],
    ["f98000", -0],
    ["f93c00", 1],
    ["f93e00", 1.5],
    ["f97bff", 65504],
    ["f90001", 5.960464477539063e-8],
    ["f90400", 0.00006103515625],
    ["f9c400", -4],
    ["f97c00", Infinity],
    ["f9fc00", -Infinity],
    ["fa47c35000", 100000],
    ["fa7f7fffff", 3.4028234663852886e38],
    ["fb7e37e43c8800759c", 1e300],
  ];
  for (const [h, v] of cases) {
    assert.ok(Object.is(cbor.deserialize(bytes(h)), v), h);
  }
  assert.ok(Number.isNaN(cbor.deserialize(bytes("f97e00"))));
});

Deno.test("CborSerializer decodes indefinite lengths", () => {
  assert.deepEqual(
    cbor.deserialize(bytes("5f42010243030405ff")),
    new Uint8Array([1, 2, 3, 4, 5]),
  );
  assert.equal(
    cbor.deserialize(bytes("7f657374726561646d696e67ff")),
    "streaming",
  );
  assert.deepEqual(cbor.deserialize(bytes("9fff")), []);
  assert.deepEqual(cbor.deserialize(bytes("9f018202039f0405ffff")), [
    1,
    [2, 3],
    [4, 5],
  ]);
  assert.deepEqual(cbor.deserialize(bytes("bf61610161629f0203ffff")), {
    a: 1,
    b: [2, 3],
  });
  assert.deepEqual(cbor.deserialize(bytes("bf6346756ef563416d7421ff")), {
    Fun: true,
    Amt: -2,
  });
});

Deno.test("CborSerializer decodes bignum tags to bigint and skips other tags", () => {
  assert.equal(
    cbor.deserialize(bytes("c249010000000000000000")),
    18446744073709551616n,
  );
  assert.equal(
    cbor.deserialize(bytes("c349010000000000000000")),
    -18446744073709551617n,
  );
  assert.equal(cbor.deserialize(bytes("c24101")), 1);
  assert.equal(
    cbor.deserialize(bytes("c074323031332d30332d32315432303a30343a30305a")),
    "2013-03-21T20:04:00Z",
  );
  assert.equal(cbor.deserialize(bytes("c11a514b67b0")), 1363896240);
  assert.equal(
    cbor.deserialize(bytes("1b0020000000000001")),
    9007199254740993n,
  );
  assert.equal(
    cbor.deserialize(bytes("3b0020000000000000")),
    -9007199254740993n,
  );
  assert.equal(
    cbor.deserialize(bytes("3b001fffffffffffff")),
    -9007199254740992,
  );
  assert.equal(cbor.deserialize(bytes("f7")), undefined);
});

Deno.test("CborSerializer raises DecodeError with offsets", () => {
  const bad: [string, RegExp][] = [
    ["", /Empty frame/],
    ["1c", /Reserved additional information 28 at offset 0/],
    ["1f", /Indefinite integer/],
    ["3f", /Indefinite integer/],
    ["ff", /Unexpected break code/],
    ["81ff", /Unexpected break code at offset 1/],
    ["a10102", /Map keys must be text strings at offset 1/],
    ["bf0102ff", /Map keys must be text strings at offset 1/],
    ["5f6161ff", /Indefinite string chunks must be definite strings/],
    ["5f5fffff", /Nested indefinite string/],
    ["f0", /Unsupported simple value 16/],
    ["f820", /Unsupported simple value 24/],
    ["62c3", /Truncated frame/],
    ["62ffff", /Invalid UTF-8 in text string at offset 1/],
    ["7f62ffffff", /Invalid UTF-8 in text string at offset 0/],
    ["0000", /1 bytes after the end of the value at offset 1/],
    ["df", /Indefinite tag|Reserved/],
    ["5b0100000000000000", /too large|Truncated/],
    ["9bffffffffffffffff", /Array length .* is too large/],
  ];
  for (const [h, re] of bad) {
    assert.throws(() => cbor.deserialize(bytes(h)), (e: unknown) => {
      assert.ok(e instanceof DecodeError, `${h}: ${e}`);
      assert.match(e.message, re, h);
      return true;
    });
  }
  assert.throws(() => cbor.deserialize("[1]"), /must be binary/);
  assert.throws(
    () => new CborSerializer({ maxMessageSize: 1 }).deserialize(bytes("8100")),
    /exceeds the limit of 1/,
  );
});

Deno.test("CborSerializer refuses what it cannot encode", () => {
  assert.throws(() => cbor.serialize([2n ** 64n]), EncodeError);
  assert.throws(() => cbor.serialize([() => 0]), /Cannot encode a function/);
  assert.throws(() => cbor.serialize([new Map()]), /Cannot encode a Map/);
  const cycle: unknown[] = [];
  cycle.push(cycle);
  assert.throws(() => cbor.serialize(cycle), /Nesting deeper/);
  assert.throws(
    () => new CborSerializer({ maxMessageSize: 2 }).serialize(["abc"]),
    /exceeds the limit of 2/,
  );
  assert.deepEqual(
    cbor.deserialize(
      cbor.serialize([{ a: undefined, b: undefined }, undefined, new Date(0)]),
    ),
    [
      {},
      null,
      new Date(0).toJSON(),
    ],
  );
  for (const n of [23, 24, 255, 256, 65535, 65536]) {
    const s = "é".repeat(n);
    assert.deepEqual(cbor.deserialize(cbor.serialize([s, new Uint8Array(n)])), [
      s,
      new Uint8Array(n),
    ]);
  }
  assert.deepEqual(
    cbor.deserialize(cbor.serialize([new Uint8Array(3).buffer, -(2 ** 53)])),
    [
      new Uint8Array(3),
      -(2 ** 53),
    ],
  );
  assert.deepEqual(
    cbor.deserialize(cbor.serialize([new Uint8Array(2 << 20)])),
    [new Uint8Array(2 << 20)],
  );
});

Deno.test("CborSerializer keeps earlier frames intact while the buffer grows", () => {
  const s = new CborSerializer();
  const first = s.serialize([1, "first"]);
  const copy = first.slice();
  const big = { a: undefined, b: "x".repeat(40000), c: new Uint8Array(50000) };
  const frame = s.serialize([big, big]);
  assert.deepEqual(first, copy);
  assert.deepEqual(s.deserialize(frame), [{ b: big.b, c: big.c }, {
    b: big.b,
    c: big.c,
  }]);
});
