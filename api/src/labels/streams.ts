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
