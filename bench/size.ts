// Bundle sizes: min, min+gzip and min+brotli of wampkit's client next to
// wampy, thruway.js and Autobahn|JS, every row built the same way:
// `deno bundle --minify --platform=browser --format=esm` of a small entry,
// then gzip (level 9) and brotli (quality 11) with node:zlib.
//
//   deno run --allow-read --allow-write --allow-run --allow-env bench/size.ts
//
// `--modules` also prints where the bytes of the first row (connect + call)
// come from, module by module.
//
// Peers come from bench/node_modules (`npm install --omit=optional` in
// bench/, versions pinned in bench/package.json); a row whose package is
// missing prints "n/a". The entries are written to a temporary folder inside
// bench/ (so that bare npm specifiers resolve there) and removed afterwards.

import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const BENCH = new URL(".", import.meta.url);
const ROOT = new URL("..", BENCH);
const path = (rel: string) => new URL(rel, ROOT).pathname;

interface Row {
  label: string;
  /** The entry's source, or why the row cannot be built. */
  entry: string | { missing: string };
}

interface Size {
  min: number;
  gz: number;
  br: number;
}

const URL_ = "ws://127.0.0.1:8080/ws";

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

function peerVersion(pkg: string): string | undefined {
  try {
    const json = Deno.readTextFileSync(
      new URL(`node_modules/${pkg}/package.json`, BENCH),
    );
    return (JSON.parse(json) as { version: string }).version;
  } catch {
    return undefined;
  }
}

function ours(): Row[] {
  const mod = JSON.stringify(path("mod.ts"));
  const msgpack = JSON.stringify(path("src/serializers/msgpack.ts"));
  const cbor = JSON.stringify(path("src/serializers/cbor.ts"));
  const authPath = path("src/auth/mod.ts");
  const auth = JSON.stringify(authPath);
  return [
    {
      label: "wampkit: connect + call (JSON)",
      entry: `import { Connection } from ${mod};
const connection = new Connection({ url: "${URL_}", realm: "realm1" });
connection.onopen = async (session) => {
  console.log(await session.call("com.example.add2", [2, 3]));
  await connection.close();
};
connection.open();
`,
    },
    {
      label: "wampkit/lite: connect + call (JSON, WebSocket only)",
      entry: `import { Connection } from ${
        JSON.stringify(path("src/client/lite.ts"))
      };
const connection = new Connection({ url: "${URL_}", realm: "realm1" });
connection.onopen = async (session) => {
  console.log(await session.call("com.example.add2", [2, 3]));
  await connection.close();
};
connection.open();
`,
    },
    { label: "wampkit: whole client (JSON)", entry: `export * from ${mod};\n` },
    {
      label: "wampkit: whole client + MessagePack",
      entry: `export * from ${mod};\nexport * from ${msgpack};\n`,
    },
    {
      label: "wampkit: whole client + CBOR",
      entry: `export * from ${mod};\nexport * from ${cbor};\n`,
    },
    {
      label: "wampkit: whole client + auth",
      entry: exists(authPath)
        ? `export * from ${mod};\nexport * from ${auth};\n`
        : { missing: "src/auth/mod.ts does not exist yet" },
    },
  ];
}

function peers(): Row[] {
  const rows: Row[] = [];
  const missing = (pkg: string) => ({
    missing: `${pkg} not in bench/node_modules (npm install in bench/)`,
  });
  const wampy = peerVersion("wampy");
  rows.push({
    label: `wampy ${wampy ?? ""}: connect + call (JSON)`.replace("  ", " "),
    entry: wampy === undefined
      ? missing("wampy")
      : `import { Wampy } from "wampy";
const wampy = new Wampy("${URL_}", { realm: "realm1" });
await wampy.connect();
console.log(await wampy.call("com.example.add2", [2, 3]));
await wampy.disconnect();
`,
  });
  const thruway = peerVersion("thruway.js");
  const rxjs = peerVersion("rxjs");
  rows.push({
    label: `thruway.js ${thruway ?? ""} (+ rxjs ${
      rxjs ?? "?"
    }): connect + call`,
    entry: thruway === undefined || rxjs === undefined
      ? missing("thruway.js or rxjs")
      : `import { Client } from "thruway.js";
const client = new Client("${URL_}", "realm1");
client.call("com.example.add2", [2, 3]).subscribe((r) => console.log(r));
`,
  });
  const autobahn = peerVersion("autobahn");
  rows.push({
    label: `Autobahn\\|JS ${autobahn ?? ""}: connect + call`,
    entry: autobahn === undefined
      ? missing("autobahn")
      : `import autobahn from "autobahn";
const connection = new autobahn.Connection({ url: "${URL_}", realm: "realm1" });
connection.onopen = async (session) => {
  console.log(await session.call("com.example.add2", [2, 3]));
  connection.close();
};
connection.open();
`,
  });
  return rows;
}

async function denoBundle(
  dir: string,
  files: string[],
  output: string[],
  minify = true,
): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      ...(minify ? ["--minify"] : []),
      "--platform=browser",
      "--format=esm",
      "--node-modules-dir=manual",
      ...output,
      ...files,
    ],
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno bundle ${files.join(" ")} failed:\n${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
}

async function bundle(dir: string, name: string, source: string): Promise<
  Size
> {
  const entry = `${dir}/${name}.js`;
  const out = `${dir}/${name}.out.js`;
  await Deno.writeTextFile(entry, source);
  await denoBundle(dir, [entry], ["-o", out]);
  const bytes = await Deno.readFile(out);
  return {
    min: bytes.length,
    gz: gzipSync(bytes, { level: 9 }).length,
    br: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
}

const BASE64 =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Where the bytes of a minified bundle come from, read from its source map
 * as source-map-explorer does: each generated segment's bytes (up to the next
 * segment) count for the source file it maps to.
 */
async function modules(
  dir: string,
  source: string,
): Promise<[module: string, min: number][]> {
  const entry = `${dir}/modules.js`;
  const out = `${dir}/modules.out.js`;
  await Deno.writeTextFile(entry, source);
  await denoBundle(dir, [entry], ["--sourcemap=external", "-o", out]);
  const lines = (await Deno.readTextFile(out)).split("\n");
  const map = JSON.parse(await Deno.readTextFile(`${out}.map`)) as {
    sources: string[];
    mappings: string;
  };
  const bytesOf = new Map<string, number>();
  const add = (name: string, n: number) =>
    bytesOf.set(name, (bytesOf.get(name) ?? 0) + n);
  let src = 0;
  for (const [row, group] of map.mappings.split(";").entries()) {
    const line = lines[row] ?? "";
    // Base64 VLQ: the first field of a segment is the column (relative
    // within the line), the second the source index (relative overall).
    const segments: [column: number, source: number][] = [];
    let column = 0;
    for (const segment of group.split(",")) {
      if (segment === "") continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = shift = 0;
        }
      }
      column += fields[0]!;
      if (fields.length > 1) src += fields[1]!;
      segments.push([column, fields.length > 1 ? src : -1]);
    }
    let previous = 0;
    let owner = "(unmapped)";
    for (const [col, source] of segments) {
      add(owner, new TextEncoder().encode(line.slice(previous, col)).length);
      previous = col;
      owner = source < 0
        ? "(unmapped)"
        : map.sources[source]!.replace(/^(\.\.\/)+/, "");
    }
    add(owner, new TextEncoder().encode(line.slice(previous)).length + 1);
  }
  return [...bytesOf]
    .filter(([, n]) => n > 0)
    .map(([name, n]): [string, number] => [
      name === "modules.js" ? "(the entry)" : name,
      n,
    ])
    .sort((a, b) => b[1] - a[1]);
}

/** Bytes, with thousands separated by a thin space. */
function bytes(n: number): string {
  return n.toLocaleString("en-US").replaceAll(",", " ");
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i]!.length))
  );
  const line = (cells: string[]) =>
    `| ${
      cells.map((c, i) =>
        i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)
      )
        .join(" | ")
    } |`;
  return [
    line(header),
    `| ${
      widths.map((w, i) => i === 0 ? "-".repeat(w) : "-".repeat(w - 1) + ":")
        .join(" | ")
    } |`,
    ...rows.map(line),
  ].join("\n");
}

async function main(): Promise<void> {
  const rows = [...ours(), ...peers()];
  const dir = await Deno.makeTempDir({
    dir: new URL(".", BENCH).pathname,
    prefix: ".size-",
  });
  const sizes: (Size | string)[] = [];
  let byModule: [string, number][] | undefined;
  try {
    if (Deno.args.includes("--modules")) {
      byModule = await modules(dir, rows[0]!.entry as string);
    }
    for (const [i, row] of rows.entries()) {
      if (typeof row.entry !== "string") {
        sizes.push(row.entry.missing);
        continue;
      }
      sizes.push(await bundle(dir, `entry${i}`, row.entry));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const wampy = sizes[rows.findIndex((r) => r.label.startsWith("wampy"))];
  const wampyGz = typeof wampy === "object" ? wampy.gz : undefined;
  const notes: string[] = [];
  const cells = rows.map((row, i) => {
    const s = sizes[i]!;
    if (typeof s === "string") {
      notes.push(`${row.label}: n/a, ${s}`);
      return [row.label, "n/a", "n/a", "n/a", "n/a"];
    }
    return [
      row.label,
      bytes(s.min),
      bytes(s.gz),
      bytes(s.br),
      wampyGz === undefined ? "n/a" : (s.gz / wampyGz).toFixed(2),
    ];
  });
  const { version } = Deno;
  console.log(
    `\nBundle sizes in bytes (deno ${version.deno} bundle --minify --platform=browser --format=esm; gzip -9 and brotli q11 via node:zlib), ${
      new Date().toISOString().slice(0, 10)
    }\n`,
  );
  console.log(
    table(["bundle", "min", "min+gz", "min+br", "gz ÷ wampy"], cells),
  );
  console.log(
    "\nAutobahn|JS bundles cbor, msgpack5, crypto-js and tweetnacl; the Node" +
      " built-ins they require (buffer, stream, events, util, assert) stay" +
      " external (deno bundle does not polyfill them), so a browser build" +
      " costs more than its row.",
  );
  for (const note of notes) console.log(`\n${note}`);
  if (byModule) {
    const total = byModule.reduce((sum, [, n]) => sum + n, 0);
    console.log(
      `\n${rows[0]!.label}, by module (from the source map; sum ${
        bytes(total)
      }):\n`,
    );
    console.log(table(
      ["module", "min", "share"],
      byModule.map(([name, n]) => [
        name,
        bytes(n),
        `${(100 * n / total).toFixed(1)} %`,
      ]),
    ));
  }
}

if (import.meta.main) await main();
