// A WebSocket client written by hand on a TCP connection, for wire-level
// tests: it sends exactly the upgrade headers a test gives (as Node's `ws`
// or a browser would), writes masked frames, and reads only when asked, so
// a test can play a peer that stops reading.

export interface RawUpgrade {
  /** HTTP status of the answer. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The response body (for refusals). */
  body: string;
  /** The connection (open after a 101). */
  conn: Deno.TcpConn;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Sends an upgrade request with the given extra headers. */
export async function rawUpgrade(
  port: number,
  headers: Record<string, string> = {},
  path = "/ws",
): Promise<RawUpgrade> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  await conn.write(enc.encode(lines.join("\r\n") + "\r\n\r\n"));
  let text = "";
  const buf = new Uint8Array(4096);
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += dec.decode(buf.subarray(0, n));
  }
  const [head = "", rest = ""] = text.split("\r\n\r\n", 2);
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  const out: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(":");
    out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const status = Number(statusLine.split(" ")[1]);
  let body = rest;
  if (status !== 101) {
    const length = Number(out["content-length"] ?? 0);
    while (enc.encode(body).length < length) {
      const n = await conn.read(buf);
      if (n === null) break;
      body += dec.decode(buf.subarray(0, n));
    }
    conn.close();
  }
  return { status, headers: out, body, conn };
}

/** Writes one masked text frame. */
export async function sendText(conn: Deno.TcpConn, text: string) {
  const payload = enc.encode(text);
  const n = payload.length;
  const header = n < 126
    ? [0x81, 0x80 | n]
    : n < 65536
    ? [0x81, 0x80 | 126, n >> 8, n & 255]
    : [
      0x81,
      0x80 | 127,
      0,
      0,
      0,
      0,
      n >>> 24,
      (n >> 16) & 255,
      (n >> 8) & 255,
      n & 255,
    ];
  const mask = [1, 2, 3, 4];
  const frame = new Uint8Array(header.length + 4 + n);
  frame.set(header, 0);
  frame.set(mask, header.length);
  for (let i = 0; i < n; i++) {
    frame[header.length + 4 + i] = payload[i]! ^ mask[i & 3]!;
  }
  await conn.write(frame);
}

/** Reads server frames (unmasked) into text messages as they come. */
export class FrameReader {
  #conn: Deno.TcpConn;
  #buf = new Uint8Array(0);

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** The next frame: its opcode and payload as text, or null at EOF. */
  async next(): Promise<{ opcode: number; text: string } | null> {
    for (;;) {
      const frame = this.#parse();
      if (frame) return frame;
      const chunk = new Uint8Array(65536);
      const n = await this.#conn.read(chunk);
      if (n === null) return null;
      const joined = new Uint8Array(this.#buf.length + n);
      joined.set(this.#buf);
      joined.set(chunk.subarray(0, n), this.#buf.length);
      this.#buf = joined;
    }
  }

  /** The next WAMP message (text frame parsed as JSON), or null. */
  async message(): Promise<unknown[] | null> {
    for (;;) {
      const f = await this.next();
      if (f === null || f.opcode === 8) return null;
      if (f.opcode === 1) return JSON.parse(f.text);
    }
  }

  #parse(): { opcode: number; text: string } | null {
    const b = this.#buf;
    if (b.length < 2) return null;
    let len = b[1]! & 127;
    let at = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = (b[2]! << 8) | b[3]!;
      at = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      len = Number(new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0));
      at = 10;
    }
    if (b.length < at + len) return null;
    const frame = {
      opcode: b[0]! & 15,
      text: dec.decode(b.subarray(at, at + len)),
    };
    this.#buf = b.slice(at + len);
    return frame;
  }
}
