// Builds @wampkit/wamp the way JSR serves it to Node (`npx jsr add`): every
// published module (mod.ts and src/**, as deno.json's `publish.include`)
// transpiled on its own to a `.js` file beside it, relative specifiers
// rewritten from `.ts` to `.js`, no bundling, no downlevelling; and a
// package.json whose `exports` are deno.json's, pointing at the `.js` files.
//
//   node tests/node/transpile.mjs <out dir>
//
// Writes <out dir>/node_modules/@wampkit/wamp/ and links <out dir>/node_modules/ws
// to our `ws`, so that a script copied into <out dir> imports both by name.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const out = path.resolve(process.argv[2] ?? "");
if (!process.argv[2]) throw new Error("usage: transpile.mjs <out dir>");
const pkg = path.join(out, "node_modules", "@wampkit", "wamp");
const deno = JSON.parse(fs.readFileSync(path.join(root, "deno.json"), "utf8"));

const sources = ["mod.ts"];
const walk = (dir) => {
  for (
    const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })
  ) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) walk(rel);
    else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) sources.push(rel);
  }
};
walk("src");

const failures = [];
for (const rel of sources) {
  const { outputText, diagnostics } = ts.transpileModule(
    fs.readFileSync(path.join(root, rel), "utf8"),
    {
      fileName: rel,
      reportDiagnostics: true,
      compilerOptions: {
        target: ts.ScriptTarget.ESNext,
        module: ts.ModuleKind.ESNext,
        isolatedModules: true,
        verbatimModuleSyntax: true,
        rewriteRelativeImportExtensions: true,
        useDefineForClassFields: true,
      },
    },
  );
  for (const d of diagnostics ?? []) {
    failures.push(
      `${rel}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    );
  }
  const dest = path.join(pkg, rel.replace(/\.ts$/, ".js"));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, outputText);
}
if (failures.length > 0) throw new Error(failures.join("\n"));

const exports = {};
for (const [key, value] of Object.entries(deno.exports)) {
  exports[key] = { default: value.replace(/\.ts$/, ".js") };
}
fs.writeFileSync(
  path.join(pkg, "package.json"),
  JSON.stringify(
    {
      name: deno.name,
      version: deno.version,
      type: "module",
      exports,
      dependencies: {},
    },
    null,
    2,
  ),
);
fs.symlinkSync(
  path.join(here, "node_modules", "ws"),
  path.join(out, "node_modules", "ws"),
  "dir",
);
console.log(
  JSON.stringify({ files: sources.length, exports: Object.keys(exports) }),
);
