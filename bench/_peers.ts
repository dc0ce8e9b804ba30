// Loads the peer codecs from bench/node_modules (run `npm install
// --omit=optional` in bench/ first). Loaded dynamically so that type checking
// and the test suite never depend on them.
// deno-lint-ignore-file no-explicit-any
const base = new URL("./node_modules/", import.meta.url);

async function load(path: string): Promise<any> {
  try {
    return await import(new URL(path, base).href);
  } catch (err) {
    throw new Error(
      `Peer ${path} is missing: run "npm install --omit=optional" in bench/ (${err})`,
    );
  }
}

/** The peer encoders and decoders, each `{ encode, decode }`. */
export async function peers(): Promise<
  Record<string, { encode(v: unknown): unknown; decode(b: any): unknown }>
> {
  const msgpack = await load("@msgpack/msgpack/dist.esm/index.mjs");
  const msgpackr = await load("msgpackr/index.js");
  const cborx = await load("cbor-x/index.js");
  const packr = new msgpackr.Packr({ useRecords: false });
  const cbor = new cborx.Encoder({ useRecords: false, mapsAsObjects: true });
  return {
    "@msgpack/msgpack": {
      encode: (v) => msgpack.encode(v),
      decode: (b) => msgpack.decode(b),
    },
    "msgpackr": {
      encode: (v) => packr.pack(v),
      decode: (b) => packr.unpack(b),
    },
    "cbor-x": { encode: (v) => cbor.encode(v), decode: (b) => cbor.decode(b) },
  };
}
