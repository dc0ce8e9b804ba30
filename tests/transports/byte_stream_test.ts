// webByteStream: the byte stream over web streams that the Deno and
// Cloudflare connectors (and the Deno RawSocket listener) use.
import assert from "node:assert/strict";
import {
  CLOSE_GRACE_MS,
  webByteStream,
} from "../../src/transports/byte_stream.ts";

/** A writable whose writes complete only when the test says so. */
function gatedSink() {
  const written: Uint8Array[] = [];
  const gates: (() => void)[] = [];
  let closed = false;
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      written.push(chunk);
      return new Promise<void>((resolve) => gates.push(resolve));
    },
    close() {
      closed = true;
    },
  }, { highWaterMark: 1024 });
  return {
    writable,
    written,
    open: () => gates.splice(0).forEach((g) => g()),
    get closed() {
      return closed;
    },
  };
}

Deno.test("webByteStream: bufferedAmount counts the bytes whose writes have not completed", async () => {
  const sink = gatedSink();
  let closes = 0;
  const stream = webByteStream({
    readable: new ReadableStream(),
    writable: sink.writable,
    close: () => closes++,
  });
  const ended = Promise.withResolvers<unknown>();
  stream.listen({ data() {}, end: ended.resolve });
  stream.write(new Uint8Array(10));
  stream.write(new Uint8Array(5));
  assert.equal(stream.bufferedAmount, 15);
  await new Promise((r) => setTimeout(r, 0));
  sink.open();
  await new Promise((r) => setTimeout(r, 0));
  sink.open();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(stream.bufferedAmount, 0);
  stream.close();
  assert.equal(await ended.promise, undefined);
  assert.equal(closes, 1);
});

Deno.test("webByteStream: close waits for queued bytes, then closes the socket", async () => {
  const sink = gatedSink();
  let closed = false;
  const stream = webByteStream({
    readable: new ReadableStream(),
    writable: sink.writable,
    close: () => closed = true,
  });
  const ended = Promise.withResolvers<unknown>();
  stream.listen({ data() {}, end: ended.resolve });
  stream.write(new Uint8Array([1, 2, 3]));
  stream.close();
  stream.write(new Uint8Array([4])); // after close: dropped
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(closed, false, "still flushing");
  sink.open();
  await ended.promise;
  assert.equal(closed, true);
  assert.deepEqual(sink.written, [new Uint8Array([1, 2, 3])]);
});

Deno.test("webByteStream: close gives up on bytes the peer never takes", async () => {
  const sink = gatedSink(); // never opened: a peer that stopped reading
  let closed = false;
  const stream = webByteStream({
    readable: new ReadableStream(),
    writable: sink.writable,
    close: () => closed = true,
  });
  const ended = Promise.withResolvers<unknown>();
  stream.listen({ data() {}, end: ended.resolve });
  stream.write(new Uint8Array(100));
  const start = Date.now();
  stream.close();
  await ended.promise;
  assert.ok(closed);
  assert.ok(Date.now() - start >= CLOSE_GRACE_MS - 50);
  assert.equal(stream.bufferedAmount, 0);
});

Deno.test("webByteStream: reads until the peer closes; a read error is reported; listen after the end", async () => {
  {
    const chunks = [new Uint8Array([1]), new Uint8Array([2, 3])];
    let closes = 0;
    const stream = webByteStream({
      readable: ReadableStream.from(chunks),
      writable: new WritableStream(),
      close: () => closes++,
    });
    const got: Uint8Array[] = [];
    const ended = Promise.withResolvers<unknown>();
    stream.listen({ data: (b) => got.push(b), end: ended.resolve });
    assert.equal(await ended.promise, undefined);
    assert.deepEqual(got, chunks);
    assert.equal(closes, 1, "the socket is closed when the peer closed");
  }
  {
    const failure = new Error("connection reset");
    const stream = webByteStream({
      readable: new ReadableStream({
        pull(c) {
          c.error(failure);
        },
      }),
      writable: new WritableStream(),
    });
    const ended = Promise.withResolvers<unknown>();
    stream.listen({ data() {}, end: ended.resolve });
    assert.equal(await ended.promise, failure);
  }
  {
    const stream = webByteStream({
      readable: new ReadableStream(),
      writable: new WritableStream(),
    });
    stream.close(); // nothing queued: ends at once
    const ended = Promise.withResolvers<unknown>();
    stream.listen({ data() {}, end: ended.resolve });
    assert.equal(await ended.promise, undefined);
    assert.throws(() => stream.listen({ data() {}, end() {} }), /listener/);
  }
});

Deno.test("webByteStream: a failed write ends the stream with the error", async () => {
  const failure = new Error("broken pipe");
  const stream = webByteStream({
    readable: new ReadableStream(),
    writable: new WritableStream({
      write() {
        throw failure;
      },
    }),
  });
  const ended = Promise.withResolvers<unknown>();
  stream.listen({ data() {}, end: ended.resolve });
  stream.write(new Uint8Array([1]));
  assert.equal(await ended.promise, failure);
});

Deno.test("webByteStream: with read(), one buffer is reused and each chunk handed out is a copy", async () => {
  const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];
  const buffers = new Set<ArrayBufferLike>();
  const { writable } = new TransformStream<Uint8Array, Uint8Array>();
  const stream = webByteStream({
    readable: new ReadableStream({
      pull() {
        throw new Error("readable must not be used when read() is given");
      },
    }),
    writable,
    read(into) {
      buffers.add(into.buffer);
      const next = chunks.shift();
      if (next === undefined) return Promise.resolve(null);
      into.set(next);
      return Promise.resolve(next.length);
    },
  });
  const got: Uint8Array[] = [];
  const ended = Promise.withResolvers<unknown>();
  stream.listen({ data: (d) => got.push(d), end: (e) => ended.resolve(e) });
  assert.equal(await ended.promise, undefined);
  assert.deepEqual(got, [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])]);
  assert.equal(buffers.size, 1);
  assert.notEqual(got[0]!.buffer, got[1]!.buffer);
});
