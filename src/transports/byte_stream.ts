/**
 * The byte stream a RawSocket runs over: what a runtime's TCP or Unix
 * socket gives, reduced to four members, so that each runtime's connector
 * is a thin wrapper. {@linkcode webByteStream} makes one from a pair of web
 * streams (Deno's connections, Cloudflare's `connect()` sockets).
 *
 * @module
 */

/** Where a byte stream delivers what it reads. */
export interface ByteStreamHandlers {
  /**
   * Bytes read, in order. The array is the handler's to keep: it is never
   * written to again.
   *
   * @param bytes The bytes.
   */
  data(bytes: Uint8Array): void;
  /**
   * The stream has ended, closed by either side; called once.
   *
   * @param error Why, when it failed rather than closed.
   */
  end(error?: unknown): void;
}

/**
 * A connected, ordered, reliable byte stream, such as a TCP or Unix
 * socket.
 */
export interface ByteStream {
  /**
   * Bytes written and not yet handed to the operating system: what the
   * router bounds per session (`maxOutboundBytes`).
   */
  readonly bufferedAmount: number;
  /**
   * Queues bytes to send, in order. Bytes written after `close()` or after
   * the end are dropped.
   *
   * @param bytes The bytes; not modified afterwards by the caller.
   */
  write(bytes: Uint8Array): void;
  /**
   * Closes the stream once the bytes already written have been handed to
   * the operating system (giving up on them after a short grace period);
   * `end` follows.
   */
  close(): void;
  /**
   * Starts reading: bytes and the end go to the handlers. Called once.
   *
   * @param handlers The callbacks.
   */
  listen(handlers: ByteStreamHandlers): void;
}

/** A readable and a writable side, as Deno and Cloudflare sockets have. */
export interface StreamPair {
  /** The bytes received. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Where bytes to send go. */
  readonly writable: WritableStream<Uint8Array>;
  /**
   * Closes the whole socket (both sides). Without it the writable side is
   * closed and the readable side canceled.
   */
  close?(): void;
  /**
   * Reads into a buffer the stream reuses, as Deno's `conn.read()`: the
   * number of bytes read, or null at the end. When given, it is used instead
   * of `readable`, whose reads each allocate (and zero) a fresh 64 KiB chunk
   * in Deno.
   */
  read?(into: Uint8Array): Promise<number | null>;
  /**
   * Writes bytes, possibly only some of them, as Deno's `conn.write()`:
   * resolves to the number written. When given, it is used instead of
   * `writable`.
   */
  write?(bytes: Uint8Array): Promise<number>;
}

/** Bytes a `read()` may take at once. */
const READ_BUFFER = 64 * 1024;

/** Milliseconds `close()` waits for queued bytes before it drops them. */
export const CLOSE_GRACE_MS = 1000;

class WebByteStream implements ByteStream {
  #pair: StreamPair;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #queued = 0;
  #closing = false;
  #shut = false;
  #ended = false;
  #endError: unknown;
  #handlers: ByteStreamHandlers | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending: Uint8Array[] = [];
  #writing = false;

  constructor(pair: StreamPair) {
    this.#pair = pair;
    this.#writer = pair.writable.getWriter();
  }

  get bufferedAmount(): number {
    return this.#queued;
  }

  write(bytes: Uint8Array): void {
    if (this.#closing || this.#ended) return;
    const n = bytes.byteLength;
    this.#queued += n;
    if (this.#pair.write !== undefined) {
      this.#pending.push(bytes);
      if (!this.#writing) void this.#drain(this.#pair.write);
      return;
    }
    this.#writer.write(bytes).then(() => {
      if (this.#ended) return;
      this.#queued -= n;
      if (this.#closing && this.#queued === 0) this.#shutdown();
    }, (err) => this.#finish(err));
  }

  // Writes queued bytes in order, each to its end, one write at a time.
  async #drain(write: (bytes: Uint8Array) => Promise<number>): Promise<void> {
    this.#writing = true;
    try {
      while (this.#pending.length > 0 && !this.#ended) {
        let bytes = this.#pending.shift()!;
        while (bytes.byteLength > 0) {
          const n = await write(bytes);
          if (this.#ended) return;
          this.#queued -= n;
          bytes = bytes.subarray(n);
        }
      }
    } catch (err) {
      this.#finish(err);
      return;
    } finally {
      this.#writing = false;
    }
    if (this.#closing && this.#queued === 0) this.#shutdown();
  }

  close(): void {
    if (this.#closing || this.#ended) return;
    this.#closing = true;
    if (this.#queued === 0) this.#shutdown();
    else this.#timer = setTimeout(() => this.#shutdown(), CLOSE_GRACE_MS);
  }

  listen(handlers: ByteStreamHandlers): void {
    if (this.#handlers) throw new Error("Byte stream already has a listener");
    this.#handlers = handlers;
    if (this.#ended) {
      handlers.end(this.#endError);
      return;
    }
    void this.#read(handlers);
  }

  async #read(handlers: ByteStreamHandlers): Promise<void> {
    let error: unknown;
    const read = this.#pair.read;
    try {
      if (read !== undefined) {
        // One buffer for every read; the handler gets its own copy.
        const buffer = new Uint8Array(READ_BUFFER);
        for (;;) {
          const n = await read(buffer);
          if (n === null) break;
          if (n > 0) handlers.data(buffer.slice(0, n));
          if (this.#ended) return;
        }
        this.#finish();
        return;
      }
      const reader = this.#reader = this.#pair.readable.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.byteLength > 0) handlers.data(value);
        if (this.#ended) return;
      }
    } catch (err) {
      if (!this.#closing) error = err;
    }
    this.#finish(error);
  }

  // Closes the socket itself, once.
  #shutdown(): void {
    if (this.#shut) return;
    this.#shut = true;
    this.#closing = true;
    clearTimeout(this.#timer);
    try {
      if (this.#pair.close) this.#pair.close();
      else {
        this.#writer.close().catch(() => {});
        this.#reader?.cancel().catch(() => {});
      }
    } catch {
      // already closed by the runtime
    }
    this.#finish();
  }

  #finish(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = error;
    this.#queued = 0;
    this.#shutdown();
    this.#handlers?.end(error);
  }
}

/**
 * A byte stream over a readable and a writable web stream, such as a Deno
 * connection or a socket from Cloudflare's `connect()`. `bufferedAmount`
 * counts the bytes whose writes have not completed.
 *
 * @example Usage
 * ```ts
 * import { webByteStream } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const stream = webByteStream({ readable, writable }); // a loopback
 * const got = new Promise((resolve) => stream.listen({ data: resolve, end() {} }));
 * stream.write(new Uint8Array([1, 2, 3]));
 * assert.deepEqual(await got, new Uint8Array([1, 2, 3]));
 * stream.close();
 * ```
 *
 * @param pair The two streams, and how to close the socket under them.
 * @returns The byte stream.
 */
export function webByteStream(pair: StreamPair): ByteStream {
  return new WebByteStream(pair);
}
