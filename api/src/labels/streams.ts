import type { Writable } from 'node:stream';

/**
 * Waits until `out` wants more (its 'drain'), and fails if it closes or errors first — a client
 * that hangs up must stop the rendering, not leave it waiting forever.
 */
export function drained(out: Writable): Promise<void> {
  if (out.destroyed) return Promise.reject(new Error('the output closed before the labels were written'));
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the output closed before the labels were written'));
    const onError = (err: Error) => done(err);
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
  });
}

/**
 * Cooperative time slicing: call after each label; every `budgetMs` of work it returns a promise
 * that resolves on the next turn of the event loop, so a 10,000-label job never holds the API's
 * event loop for longer than that (QR encoding is synchronous JavaScript, ~3 ms a code).
 */
export function timeSlicer(budgetMs = 20): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < budgetMs) return undefined;
    return new Promise((resolve) =>
      setImmediate(() => {
        since = performance.now();
        resolve();
      }),
    );
  };
}
