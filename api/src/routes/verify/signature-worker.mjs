// ES256 checks off the main thread (see signature-workers.ts). Plain JavaScript: a worker does
// not inherit the TypeScript loader of a test runner. Each message is a batch:
// { id, jobs: [[x, y, signingInput, signature], ...] } → { id, results: [true | false, ...] }.
import { createPublicKey, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const keys = new Map();

function keyOf(x, y) {
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
}

parentPort.on('message', ({ id, jobs }) => {
  const results = jobs.map(([x, y, input, signature]) => {
    const key = keyOf(x, y);
    if (key === null) return false;
    try {
      return verify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  });
  parentPort.postMessage({ id, results });
});
