import { createPublicKey, verify as nodeVerify, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flattenedVerify, importJWK } from 'jose';
import { buildTestApp, createUser, type TestApp } from './helpers/app.ts';
import { makeCertifiedBatch } from './helpers/code-factories.ts';

/**
 * docs/code-format.md is the public contract of the printed code. This test reads its worked
 * example and checks it twice: with a standard JOSE library, and with `node:crypto` alone by an
 * independent implementation of §4 "How to verify a code" (no @ocop/domain, no jose). The same
 * independent verifier then checks codes issued by the API against the served JWKS.
 */

const DOC = readFileSync(new URL('../docs/code-format.md', import.meta.url), 'utf8');

function block(name: string): string {
  const m = new RegExp('```\\w+ ' + name + '\\n([\\s\\S]*?)\\n```').exec(DOC);
  if (!m) throw new Error(`docs/code-format.md has no block "${name}"`);
  return m[1]!;
}

interface Jwk extends JsonWebKey {
  kid: string;
}

const b64u = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/** §4 of docs/code-format.md, with node:crypto only. Returns the canonical code, or null. */
function verifyByTheDoc(text: string, jwks: { keys: Jwk[] }, origins: string[]): string | null {
  const t = text.trim();
  const q = t.indexOf('?');
  if (q < 0) return null;
  let url = t.slice(0, q);
  const query = t.slice(q + 1).split('#')[0]!;
  if (url.endsWith('/')) url = url.slice(0, -1);
  const origin = origins.find((o) => url.startsWith(`${o}/`));
  if (!origin) return null;
  const path = url.slice(origin.length);
  const m =
    /^\/(?:01\/(\d{14})|p\/[0-9A-HJKMNP-TV-Z]{8,10})\/10\/([A-Za-z0-9._-]{1,20})(?:\/21\/[0-9A-Za-z]{1,20})?$/.exec(
      path,
    );
  if (!m || m[2] === '.' || m[2] === '..') return null;
  if (m[1] !== undefined) {
    // GS1 mod-10: weights 3,1,3… from the right of the body.
    const digits = m[1].split('').map(Number);
    const check = digits.pop()!;
    const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
    if ((10 - (sum % 10)) % 10 !== check) return null;
  }
  const params = new Map<string, string[]>();
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    params.set(name, [...(params.get(name) ?? []), eq < 0 ? '' : part.slice(eq + 1)]);
  }
  const [k, ...moreK] = params.get('k') ?? [];
  const [s, ...moreS] = params.get('s') ?? [];
  if (!k || !s || moreK.length || moreS.length) return null;
  if (!/^[A-Za-z0-9_-]{8}$/.test(k) || !/^[A-Za-z0-9_-]{86}$/.test(s)) return null;
  const sig = Buffer.from(s, 'base64url');
  if (sig.length !== 64 || sig.toString('base64url') !== s) return null;
  const canonical = `${origin}${path}`;
  for (const jwk of jwks.keys.filter((j) => j.kid.startsWith(k))) {
    const header = `{"alg":"ES256","kid":"${jwk.kid}","typ":"ocop-code+jws"}`;
    const input = `${b64u(header)}.${b64u(canonical)}`;
    const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
    if (nodeVerify('sha256', Buffer.from(input, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, sig))
      return canonical;
  }
  return null;
}

describe('docs/code-format.md worked example', () => {
  const jwks = JSON.parse(block('jwks')) as { keys: Jwk[] };
  const canonical = block('canonical');
  const header = block('header');
  const signingInput = block('signing-input');
  const signature = block('signature');
  const url = block('url');
  const flattened = JSON.parse(block('flattened-jws')) as {
    protected: string;
    payload: string;
    signature: string;
  };
  const origin = 'https://ocop.quangngai.gov.vn';

  it('is consistent: header, signing input, URL and flattened JWS are built as §1–§2 say', () => {
    const kid = jwks.keys[0]!.kid;
    expect(header).toBe(`{"alg":"ES256","kid":"${kid}","typ":"ocop-code+jws"}`);
    expect(signingInput).toBe(`${b64u(header)}.${b64u(canonical)}`);
    expect(url).toBe(`${canonical}?k=${kid.slice(0, 8)}&s=${signature}`);
    expect(flattened).toEqual({ protected: b64u(header), payload: b64u(canonical), signature });
    expect(signature).toHaveLength(86);
  });

  it('verifies with a standard JOSE library (jose flattenedVerify) and the JWKS', async () => {
    const key = await importJWK(jwks.keys[0]!, 'ES256');
    const { payload, protectedHeader } = await flattenedVerify(flattened, key, { algorithms: ['ES256'] });
    expect(new TextDecoder().decode(payload)).toBe(canonical);
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: jwks.keys[0]!.kid, typ: 'ocop-code+jws' });
  });

  it('verifies with node:crypto alone, following §4', () => {
    expect(verifyByTheDoc(url, jwks, [origin])).toBe(canonical);
    expect(verifyByTheDoc(url.replace('NM2026-11', 'NM2026-12'), jwks, [origin])).toBeNull();
    expect(verifyByTheDoc(url.replace('r7Kq2XbT9mWc', 'r7Kq2XbT9mWd'), jwks, [origin])).toBeNull();
    expect(verifyByTheDoc(url, jwks, ['https://other.example'])).toBeNull();
  });
});

describe('codes issued by the API verify with node:crypto alone against the served JWKS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t?.close());

  it('batch and unit codes, with and without GTIN, across a key rotation', async () => {
    const admin = await createUser(t.app, 'admin');
    const urls: string[] = [];
    const issue = async (gtin?: null) => {
      const b = await makeCertifiedBatch(t.app.db, gtin === null ? { gtin: null } : {});
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/batches/${b.batchId}/codes`,
        headers: { authorization: admin.authorization },
        payload: { serials: 3 },
      });
      expect(res.statusCode).toBe(201);
      urls.push(res.json().batchCode.url, ...res.json().units.urls);
    };
    await issue();
    await issue(null);
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys/rotate',
      headers: { authorization: admin.authorization },
    });
    await issue();
    const jwks = (await t.app.inject({ url: '/.well-known/jwks.json' })).json<{ keys: Jwk[] }>();
    expect(jwks.keys).toHaveLength(2);
    for (const u of urls) {
      expect(verifyByTheDoc(u, jwks, ['https://ocop.test'])).toBe(u.split('?')[0]);
      const jose = await flattenedVerify(
        {
          protected: b64u(
            `{"alg":"ES256","kid":"${jwks.keys.find((k) => k.kid.startsWith(/k=([^&]+)/.exec(u)![1]!))!.kid}","typ":"ocop-code+jws"}`,
          ),
          payload: b64u(u.split('?')[0]!),
          signature: /s=([^&]+)/.exec(u)![1]!,
        },
        await importJWK(
          jwks.keys.find((k) => k.kid.startsWith(/k=([^&]+)/.exec(u)![1]!))!,
          'ES256',
        ),
        { algorithms: ['ES256'] },
      );
      expect(new TextDecoder().decode(jose.payload)).toBe(u.split('?')[0]);
      expect(verifyByTheDoc(u.replace('/10/', '/10/X'), jwks, ['https://ocop.test'])).toBeNull();
    }
  });
});
