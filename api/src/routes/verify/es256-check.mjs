// ES256 checks with node:crypto, shared by the main thread (hot.ts) and the signature worker
// (signature-worker.mjs). Plain JavaScript: a worker does not inherit a test runner's TypeScript
// loader. Public keys are imported once per process and kept (at most 256).
import { createPublicKey, verify } from 'node:crypto';

export function es256Checker() {
  const keys = new Map();
  /** The imported P-256 key of these coordinates, or null when they are not one. */
  const keyOf = (x, y) => {
    const id = `${x}.${y}`;
    let key = keys.get(id);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
      } catch {
        key = null;
      }
      if (keys.size >= 256) keys.clear();
      keys.set(id, key);
    }
    return key;
  };
  /** Whether `signature` (raw R‖S) over `input` verifies with the key; never throws. */
  const check = (x, y, input, signature) => {
    const key = keyOf(x, y);
    if (key === null) return false;
    try {
      return verify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  };
  return { keyOf, check };
}
