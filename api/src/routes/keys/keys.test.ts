import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, compactDecrypt, decodeProtectedHeader } from 'jose';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { createUser } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { makeCertifiedBatch } from '../../../../test/helpers/code-factories.ts';

let app: FastifyInstance;
let db: TestDb;
let admin: Awaited<ReturnType<typeof createUser>>;
const logs: string[] = [];

beforeAll(async () => {
  db = await createTestDb();
  // Capture every log line, down to debug, to check that no private key material is ever logged.
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  app = await buildApp(testConfig(), { db, logger: { level: 'trace', stream: sink } });
  await app.ready();
  admin = await createUser(app, 'admin');
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const auth = () => ({ authorization: admin.authorization });

describe('keys at rest', () => {
  it('the first start made one active ES256 key whose kid is its RFC 7638 thumbprint', async () => {
    const rows = await app.db.selectFrom('signing_keys').selectAll().execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.status).toBe('active');
    const jwk = typeof row.public_jwk === 'string' ? JSON.parse(row.public_jwk) : row.public_jwk;
    expect(Object.keys(jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'sha256')).toBe(
      row.kid,
    );
  });

  it('stores the private key only as an A256GCM JWE under the key-encryption key, bound to its kid', async () => {
    const row = await app.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    const jwe = row.private_jwe!;
    expect(jwe.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(jwe)).toEqual({ alg: 'dir', enc: 'A256GCM', kid: row.kid, cty: 'jwk+json' });
    expect(jwe).not.toMatch(/"d"/);
    const { plaintext } = await compactDecrypt(jwe, app.secrets.keyEncryptionKey);
    const priv = JSON.parse(new TextDecoder().decode(plaintext));
    expect(priv.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(compactDecrypt(jwe, Buffer.alloc(32, 1))).rejects.toThrow();
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('lists public members only, with cache headers, an ETag and CORS', async () => {
    const res = await app.inject({ url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const { keys } = res.json();
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0]).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const again = await app.inject({
      url: '/.well-known/jwks.json',
      headers: { 'if-none-match': res.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });
});

describe('rotation and revocation', () => {
  it('rotation makes a new active key, retires the old one (private part erased), and both verify', async () => {
    const b = await makeCertifiedBatch(app.db);
    const before = await app.inject({
      method: 'POST',
      url: `/api/v1/batches/${b.batchId}/codes`,
      headers: auth(),
      payload: {},
    });
    const oldUrl = before.json().batchCode.url as string;
    const res = await app.inject({ method: 'POST', url: '/api/v1/keys/rotate', headers: auth() });
    expect(res.statusCode).toBe(201);
    const { active, retired } = res.json();
    expect(active.status).toBe('active');
    expect(retired).toMatchObject({ status: 'retired', kid: before.json().batchCode.kid });
    expect(retired.retiredAt).toBeTruthy();
    const row = await app.db
      .selectFrom('signing_keys')
      .select('private_jwe')
      .where('kid', '=', retired.kid)
      .executeTakeFirstOrThrow();
    expect(row.private_jwe).toBeNull();

    const jwks = (await app.inject({ url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([active.kid, retired.kid].sort());

    const b2 = await makeCertifiedBatch(app.db);
    const after = await app.inject({
      method: 'POST',
      url: `/api/v1/batches/${b2.batchId}/codes`,
      headers: auth(),
      payload: {},
    });
    expect(after.json().batchCode.kid).toBe(active.kid);
    for (const code of [oldUrl, after.json().batchCode.url]) {
      const v = await app.inject({ method: 'POST', url: '/api/v1/verify', payload: { code } });
      expect(v.json().verdict).toBe('genuine');
    }
  });

  it('revoking the active key rotates first; the revoked key leaves the JWKS but stays listed with its compromise time', async () => {
    const activeKid = (await app.keys.all({ refresh: true })).find((k) => k.status === 'active')!.kid;
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/keys/${activeKid}/revoke`,
      headers: auth(),
      payload: { reason: 'Khóa bị lộ (thử nghiệm)', compromisedAt: '2026-01-01T00:00:00Z' },
    });
    expect(res.statusCode).toBe(200);
    const { revoked, active } = res.json();
    expect(revoked).toMatchObject({
      kid: activeKid,
      status: 'revoked',
      compromisedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(active.status).toBe('active');
    expect(active.kid).not.toBe(activeKid);
    const jwks = (await app.inject({ url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).not.toContain(activeKid);
    const list = (await app.inject({ url: '/api/v1/keys' })).json();
    expect(list.items.find((k: { kid: string }) => k.kid === activeKid)).toMatchObject({
      status: 'revoked',
      compromisedAt: '2026-01-01T00:00:00.000Z',
      revocationReason: 'Khóa bị lộ (thử nghiệm)',
    });
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/keys/${activeKid}/revoke`,
      headers: auth(),
      payload: { reason: 'x' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('key_already_revoked');
  });

  it('a revocation without compromise time dates the compromise at the key’s creation', async () => {
    const retired = (await app.keys.all({ refresh: true })).find((k) => k.status === 'retired')!;
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/keys/${retired.kid}/revoke`,
      headers: auth(),
      payload: { reason: 'Không rõ' },
    });
    expect(res.json().revoked.compromisedAt).toBe(retired.createdAt);
  });

  it('refuses unknown kids, future compromise times, bad bodies and non-admins', async () => {
    const active = (await app.keys.all({ refresh: true })).find((k) => k.status === 'active')!;
    const unknown = await app.inject({
      method: 'POST',
      url: `/api/v1/keys/${'A'.repeat(43)}/revoke`,
      headers: auth(),
      payload: { reason: 'x' },
    });
    expect(unknown.statusCode).toBe(404);
    const future = await app.inject({
      method: 'POST',
      url: `/api/v1/keys/${active.kid}/revoke`,
      headers: auth(),
      payload: { reason: 'x', compromisedAt: '2999-01-01T00:00:00Z' },
    });
    expect(future.statusCode).toBe(422);
    const bad = await app.inject({
      method: 'POST',
      url: `/api/v1/keys/${active.kid}/revoke`,
      headers: auth(),
      payload: { reason: '' },
    });
    expect(bad.statusCode).toBe(400);
    const injected = await app.inject({
      method: 'POST',
      url: `/api/v1/keys/..%2F..%2Fetc/revoke`,
      headers: auth(),
      payload: { reason: 'x' },
    });
    expect(injected.statusCode).toBe(400);
    for (const role of ['officer', 'producer', 'inspector'] as const) {
      const producer = role === 'producer' ? (await makeCertifiedBatch(app.db)).producerId : undefined;
      const u = await createUser(
        app,
        role,
        role === 'officer' ? { adminUnitId: 'qng-2025-ly-son' } : { producerId: producer },
      );
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/keys/rotate',
        headers: { authorization: u.authorization },
      });
      expect(r.statusCode).toBe(403);
    }
    expect((await app.inject({ method: 'POST', url: '/api/v1/keys/rotate' })).statusCode).toBe(401);
  });

  it('the prefix carried in codes is unique: the database refuses a second key with the same 8 characters', async () => {
    const active = (await app.keys.all({ refresh: true })).find((k) => k.status === 'active')!;
    const twin = `${active.kid.slice(0, 8)}${'x'.repeat(35)}`;
    await expect(
      app.db
        .insertInto('signing_keys')
        .values({
          kid: twin,
          public_jwk: JSON.stringify(active.publicJwk),
          private_jwe: null,
          status: 'retired',
          retired_at: new Date(),
        })
        .execute(),
    ).rejects.toMatchObject({ code: '23505' });
  });
});

describe('private key material never leaves the server', () => {
  it('not in any response, log line or audit entry', async () => {
    const rows = await app.db.selectFrom('signing_keys').select(['kid', 'private_jwe']).execute();
    const secrets: string[] = [];
    for (const r of rows) {
      if (r.private_jwe) {
        secrets.push(r.private_jwe);
        const { plaintext } = await compactDecrypt(r.private_jwe, app.secrets.keyEncryptionKey);
        secrets.push(JSON.parse(new TextDecoder().decode(plaintext)).d);
      }
    }
    expect(secrets.length).toBeGreaterThan(0);
    const bodies = [
      (await app.inject({ url: '/.well-known/jwks.json' })).body,
      (await app.inject({ url: '/api/v1/keys' })).body,
      (await app.inject({ url: '/api/v1/registry/snapshot' })).body,
      (await app.inject({ url: '/api/openapi.json' })).body,
    ];
    const audit = await app.db
      .selectFrom('audit_log')
      .select(['entity', 'data'])
      .where('entity', '=', 'signing_keys')
      .execute();
    expect(audit.length).toBeGreaterThan(2);
    for (const a of audit) expect(JSON.stringify(a.data)).not.toContain('private_jwe');
    const haystack = [...bodies, ...logs, JSON.stringify(audit)].join('\n');
    for (const s of secrets) expect(haystack).not.toContain(s);
    expect(haystack).not.toMatch(/"d":"/);
    expect(logs.some((l) => l.includes('signing key rotated'))).toBe(true);
  });
});
