// Runs bench/serializers_bench.ts once per corpus item, each in a fresh
// process, and prints the markdown table of bench/README.md.
//   deno run -A bench/serializers_table.ts
// deno-lint-ignore-file no-console
import { CORPUS } from "./_corpus.ts";

interface Entry {
  group: string;
  name: string;
  avg: number;
}

const results: Entry[] = [];
for (const [index] of CORPUS.entries()) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bench",
      "--allow-read",
      "--allow-env",
      "--json",
      new URL("serializers_bench.ts", import.meta.url).pathname,
    ],
    env: { WAMPKIT_BENCH_ITEM: String(index) },
    stderr: "inherit",
  }).output();
  const report = JSON.parse(new TextDecoder().decode(out.stdout));
  for (const b of report.benches) {
    const ok = b.results[0]?.ok;
    if (ok) results.push({ group: b.group, name: b.name, avg: ok.avg });
  }
}

const cols = [
  "native JSON",
  "wampkit json",
  "wampkit msgpack",
  "wampkit cbor",
  "@msgpack/msgpack",
  "msgpackr",
  "cbor-x",
];
const fmt = (ns: number) =>
  ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
for (const op of ["encode", "decode"]) {
  console.log(`\n**${op}** (mean time per message, lower is better)\n`);
  console.log(
    `| message | ${
      cols.join(" | ")
    } | msgpack: ours ÷ @msgpack/msgpack | msgpack: ours ÷ msgpackr | json: ours ÷ native |`,
  );
  console.log(`|${" --- |".repeat(cols.length + 4)}`);
  for (const item of CORPUS) {
    const group = `${item.name} ${op}`;
    const get = (name: string) =>
      results.find((r) => r.group === group && r.name === name)?.avg;
    const native = get(op === "encode" ? "JSON.stringify" : "JSON.parse");
    const cells = [native, ...cols.slice(1).map(get)].map((v) =>
      v === undefined ? "—" : fmt(v)
    );
    const mp = get("wampkit msgpack")!;
    const json = get("wampkit json")!;
    console.log(
      `| ${item.name} | ${cells.join(" | ")} | ${
        (mp / get("@msgpack/msgpack")!).toFixed(2)
      } | ${(mp / get("msgpackr")!).toFixed(2)} | ${
        native ? (json / native).toFixed(2) : "— (binary)"
      } |`,
    );
  }
}
