// The dependency rules of DEVELOPERS' brief, checked on every source file:
// protocol and serializers know nothing of I/O; transports know nothing of
// WAMP; client and router never import each other; src/ imports nothing
// outside the repository; only router adapters and the RawSocket
// connectors (src/transports/connectors/) name Deno, Bun, WebSocketPair or
// node: modules.
import assert from "node:assert/strict";

const src = new URL("../src/", import.meta.url);

function files(dir: URL, base = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) {
      out.push(...files(new URL(`${e.name}/`, dir), `${base}${e.name}/`));
    } else if (e.name.endsWith(".ts")) out.push(`${base}${e.name}`);
  }
  return out;
}

function imports(text: string): string[] {
  return [
    ...text.matchAll(
      /(?:import|export)[^"';]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
    ),
  ]
    .map((m) => m[1] ?? m[2]!);
}

function resolve(file: string, spec: string): string {
  return new URL(spec, new URL(file, src)).pathname.slice(src.pathname.length);
}

const ALLOWED: Record<string, string[]> = {
  protocol: ["protocol"],
  serializers: ["serializers"],
  transports: ["transports"],
  // Pure crypto and the auth methods; the Base64 codec is shared.
  auth: ["auth", "serializers"],
  client: ["client", "protocol", "serializers", "transports", "auth"],
  router: ["router", "protocol", "serializers", "transports", "auth"],
};

Deno.test("architecture: imports point down and stay inside the repository", () => {
  const all = files(src);
  assert.ok(all.length > 20);
  for (const file of all) {
    const layer = file.split("/")[0]!;
    const text = Deno.readTextFileSync(new URL(file, src))
      .replace(/\/\*[\s\S]*?\*\//g, ""); // JSDoc examples import the package
    for (const spec of imports(text)) {
      assert.ok(
        spec.startsWith("."),
        `${file} imports ${spec} from outside the repository`,
      );
      const target = resolve(file, spec).split("/")[0]!;
      assert.ok(
        ALLOWED[layer]!.includes(target),
        `${file} (${layer}) must not import ${spec} (${target})`,
      );
    }
  }
});

/** The folders whose files may name a runtime's own API. */
const RUNTIME_FOLDERS = ["router/adapters/", "transports/connectors/"];

Deno.test("architecture: only router adapters and RawSocket connectors name Deno, Bun, WebSocketPair or node:", () => {
  let checked = 0;
  for (const file of files(src)) {
    if (RUNTIME_FOLDERS.some((folder) => file.startsWith(folder))) continue;
    checked++;
    const code = Deno.readTextFileSync(new URL(file, src))
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    for (const name of ["Deno.", "Bun.", "WebSocketPair", "node:"]) {
      assert.ok(!code.includes(name), `${file} names ${name}`);
    }
  }
  assert.ok(checked > 20);
});

Deno.test("architecture: the runtime folders are exactly the adapters and the connectors", () => {
  // The connectors do name what the rule forbids elsewhere: the exemption
  // is needed, and is for these two folders only.
  const named = (folder: string) =>
    files(src).filter((f) => f.startsWith(folder)).some((file) => {
      const code = Deno.readTextFileSync(new URL(file, src));
      return ["Deno.", "Bun.", "node:"].some((n) => code.includes(n));
    });
  for (const folder of RUNTIME_FOLDERS) assert.ok(named(folder), folder);
});

Deno.test("architecture: no import cycles (type imports included)", () => {
  const graph = new Map<string, string[]>();
  for (const file of files(src)) {
    const text = Deno.readTextFileSync(new URL(file, src))
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    graph.set(file, imports(text).map((spec) => resolve(file, spec)));
  }
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    assert.notEqual(
      state.get(file),
      "visiting",
      `import cycle: ${[...path.slice(path.indexOf(file)), file].join(" → ")}`,
    );
    state.set(file, "visiting");
    for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
});

Deno.test("architecture: the client entry loads no authentication code (type imports only)", () => {
  const offenders: string[] = [];
  for (const file of [...files(src), "../mod.ts"]) {
    if (!file.startsWith("client/") && file !== "../mod.ts") continue;
    const text = Deno.readTextFileSync(new URL(file, src))
      .replace(/\/\*[\s\S]*?\*\//g, "");
    for (
      const m of text.matchAll(
        /(import|export)(\s+type)?\s*(?:\*|\{[^}]*\})\s*from\s*["']([^"']+)["']/g,
      )
    ) {
      if (m[3]!.includes("/auth/") && m[2] === undefined) {
        offenders.push(`${file}: ${m[0]}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

Deno.test("architecture: no Promise.withResolvers outside the Bun connector (Node 20 lacks it)", () => {
  const offenders = files(src).filter((file) =>
    file !== "transports/connectors/bun.ts" &&
    Deno.readTextFileSync(new URL(file, src))
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "")
      .includes("Promise.withResolvers")
  );
  assert.deepEqual(offenders, []);
});
