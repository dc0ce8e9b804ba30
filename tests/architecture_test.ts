// The dependency rules of DEVELOPERS' brief, checked on every source file:
// protocol and serializers know nothing of I/O; transports know nothing of
// WAMP; client and router never import each other; src/ imports nothing
// outside the repository; only router adapters name Deno, Bun or
// WebSocketPair.
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
  client: ["client", "protocol", "serializers", "transports"],
  router: ["router", "protocol", "serializers", "transports"],
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

Deno.test("architecture: only router adapters name Deno, Bun or WebSocketPair", () => {
  for (const file of files(src)) {
    if (file.startsWith("router/adapters/")) continue;
    const code = Deno.readTextFileSync(new URL(file, src))
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    for (const name of ["Deno.", "Bun.", "WebSocketPair"]) {
      assert.ok(!code.includes(name), `${file} names ${name}`);
    }
  }
});

Deno.test("architecture: no import cycles (type imports included)", () => {
  const graph = new Map<string, string[]>();
  for (const file of files(src)) {
    const text = Deno.readTextFileSync(new URL(file, src))
      .replace(/\/\*[\s\S]*?\*\//g, "");
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
