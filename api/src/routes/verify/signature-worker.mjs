// ES256 checks off the main thread (see signature-workers.ts). Plain JavaScript: a worker does
// not inherit the TypeScript loader of a test runner. A message is one batch as one string (a
// string crosses threads as a copy of its bytes; arrays and typed arrays cost far more):
// "<id>\n<x> <y> <signingInput> <signature, base64url>\n…" → "<id>\n<1 or 0 for each check>".
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

function check(line) {
  const [x, y, input, signature] = line.split(' ');
  const key = keyOf(x, y);
  if (key === null || input === undefined || signature === undefined) return '0';
  try {
    const ok = verify(
      'sha256',
      Buffer.from(input),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    return ok ? '1' : '0';
  } catch {
    return '0';
  }
}

parentPort.on('message', (message) => {
  const lines = message.split('\n');
  let results = '';
  for (let i = 1; i < lines.length; i++) results += check(lines[i]);
  parentPort.postMessage(`${lines[0]}\n${results}`);
});
