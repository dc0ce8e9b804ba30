// Byte streams for RawSocket tests: a scripted one that records what is
// written and is fed by the test, and raw TCP helpers for a real router.
import type {
  ByteStream,
  ByteStreamHandlers,
} from "../../src/transports/byte_stream.ts";

/** A byte stream driven by the test: `feed()` what the peer sends. */
export class ScriptedStream implements ByteStream {
  readonly written: Uint8Array[] = [];
  bufferedAmount = 0;
  closed = false;
  #handlers: ByteStreamHandlers | undefined;
  #ended = false;

  write(bytes: Uint8Array): void {
    if (this.closed || this.#ended) return;
    this.written.push(bytes.slice());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.end());
  }

  listen(handlers: ByteStreamHandlers): void {
    this.#handlers = handlers;
  }

  /** The peer sends bytes. */
  feed(...bytes: (number[] | Uint8Array)[]): void {
    for (const b of bytes) {
      this.#handlers!.data(b instanceof Uint8Array ? b : new Uint8Array(b));
    }
  }

  /** The stream ends (the peer closed, or it failed with `error`). */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#handlers?.end(error);
  }

  /** Everything written, joined. */
  get bytes(): number[] {
    return this.written.flatMap((b) => [...b]);
  }
}

/** Reads exactly `n` bytes from a connection, or fewer at EOF. */
export async function readBytes(
  conn: Deno.Conn,
  n: number,
  timeoutMs = 5000,
): Promise<number[]> {
  const out: number[] = [];
  const buf = new Uint8Array(Math.max(n, 1));
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`read ${out.length} of ${n} bytes in time`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const got = await Promise.race([
      conn.read(buf.subarray(0, n - out.length)),
      new Promise<"timeout">((r) =>
        timer = setTimeout(() => r("timeout"), left)
      ),
    ]).finally(() => clearTimeout(timer));
    if (got === "timeout") {
      throw new Error(`read ${out.length} of ${n} bytes in time`);
    }
    if (got === null) break;
    out.push(...buf.subarray(0, got));
  }
  return out;
}

/** Resolves with the bytes read until EOF (the peer closed). */
export async function readToEnd(
  conn: Deno.Conn,
  timeoutMs = 5000,
): Promise<number[]> {
  const out: number[] = [];
  const buf = new Uint8Array(65536);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error("the connection was not closed in time");
    let timer: ReturnType<typeof setTimeout> | undefined;
    let got: number | null | "timeout";
    try {
      got = await Promise.race([
        conn.read(buf),
        new Promise<"timeout">((r) =>
          timer = setTimeout(() => r("timeout"), left)
        ),
      ]).finally(() => clearTimeout(timer));
    } catch {
      return out; // reset by the peer
    }
    if (got === "timeout") {
      throw new Error("the connection was not closed in time");
    }
    if (got === null) return out;
    out.push(...buf.subarray(0, got));
  }
}

/** A RawSocket frame of a WAMP message: header + UTF-8 JSON. */
export function jsonFrame(message: unknown[]): Uint8Array {
  const payload = new TextEncoder().encode(JSON.stringify(message));
  const frame = new Uint8Array(4 + payload.length);
  frame[1] = payload.length >>> 16;
  frame[2] = (payload.length >>> 8) & 0xff;
  frame[3] = payload.length & 0xff;
  frame.set(payload, 4);
  return frame;
}

/** Reads one frame: [type, payload]; null at EOF. */
export async function readFrame(
  conn: Deno.Conn,
  timeoutMs = 5000,
): Promise<[number, Uint8Array] | null> {
  const header = await readBytes(conn, 4, timeoutMs);
  if (header.length < 4) return null;
  const length = (header[1]! << 16) | (header[2]! << 8) | header[3]!;
  const payload = await readBytes(conn, length, timeoutMs);
  return [header[0]!, new Uint8Array(payload)];
}

/** Reads frames until a WAMP message, which it parses as JSON. */
export async function readMessage(
  conn: Deno.Conn,
  timeoutMs = 5000,
): Promise<unknown[] | null> {
  for (;;) {
    const frame = await readFrame(conn, timeoutMs);
    if (frame === null) return null;
    if (frame[0] === 0) {
      return JSON.parse(new TextDecoder().decode(frame[1]));
    }
  }
}
