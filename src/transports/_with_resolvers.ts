// `Promise.withResolvers()` for runtimes that lack it (Node 20, Safari
// before 17.4), without touching the global `Promise`: a library never
// changes intrinsics that user code shares.

/**
 * A promise with its resolve and reject functions.
 *
 * @returns The promise and its resolvers.
 */
export function withResolvers<T>(): PromiseWithResolvers<T> {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
