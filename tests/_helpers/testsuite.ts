// Locates the official WAMP test vectors (wamp-proto `testsuite/`, CC-BY-SA
// data). They are read at test time and never copied into this repository.
import { fileURLToPath } from "node:url";

/** The folder holding the vectors, or undefined when there is none. */
export function testsuiteDir(): string | undefined {
  const fromEnv = Deno.env.get("WAMP_TESTSUITE");
  const dir = fromEnv ??
    fileURLToPath(new URL("../../../shared/wamp-testsuite", import.meta.url));
  try {
    return Deno.statSync(`${dir}/singlemessage`).isDirectory ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Every vector file below singlemessage/, sorted. */
export function vectorFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of Deno.readDirSync(d)) {
      const path = `${d}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.name.endsWith(".json")) out.push(path);
    }
  };
  walk(`${dir}/singlemessage`);
  return out.sort();
}

/** Hex text to bytes. */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return out;
}

/** Bytes to hex text. */
export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
