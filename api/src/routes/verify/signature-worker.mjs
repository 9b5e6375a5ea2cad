// ES256 checks off the main thread (see signature-workers.ts). Plain JavaScript: a worker does
// not inherit the TypeScript loader of a test runner. A message is one batch as one string (a
// string crosses threads as a copy of its bytes; arrays and typed arrays cost far more):
// "<id>\n<x> <y> <signingInput> <signature, base64url>\n…" → "<id>\n<1 or 0 for each check>".
import { parentPort } from 'node:worker_threads';
import { es256Checker } from './es256-check.mjs';

const { check } = es256Checker();

parentPort.on('message', (message) => {
  const lines = message.split('\n');
  let results = '';
  for (let i = 1; i < lines.length; i++) {
    const [x, y, input, signature] = lines[i].split(' ');
    const ok = input !== undefined && signature !== undefined && check(x, y, input, Buffer.from(signature, 'base64url'));
    results += ok ? '1' : '0';
  }
  parentPort.postMessage(`${lines[0]}\n${results}`);
});
