import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { verifyCode, type PublicKeyInfo, type RegistrySnapshot } from '@ocop/domain';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import {
  makeCertifiedBatch,
  recallBatch,
  revokeCertificate,
} from '../../../../test/helpers/code-factories.ts';

let t: TestApp;
let admin: Awaited<ReturnType<typeof createUser>>;
const ORIGIN = 'https://ocop.test';

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createUser(t.app, 'admin');
});
afterAll(async () => t?.close());

async function issued(o: Parameters<typeof makeCertifiedBatch>[1] = {}) {
  const b = await makeCertifiedBatch(t.app.db, o);
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/batches/${b.batchId}/codes`,
    headers: { authorization: admin.authorization },
    payload: { serials: 1 },
  });
  return { ...b, batchUrl: res.json().batchCode.url as string, unitUrl: res.json().units.urls[0] as string };
}

async function snapshot(): Promise<string> {
  // The snapshot is cached for a minute; tests that change the registry need a fresh one.
  const res = await t.app.inject({ url: `/api/v1/registry/snapshot` });
  expect(res.statusCode).toBe(200);
  return res.body;
}

async function jwks(): Promise<PublicKeyInfo[]> {
  return (await t.app.inject({ url: '/.well-known/jwks.json' })).json<{ keys: PublicKeyInfo[] }>().keys;
}

describe('GET /api/v1/registry/snapshot', () => {
  let good: Awaited<ReturnType<typeof issued>>;
  let revoked: Awaited<ReturnType<typeof issued>>;
  let recalled: Awaited<ReturnType<typeof issued>>;
  let noGtin: Awaited<ReturnType<typeof issued>>;
  let jws: string;

  beforeAll(async () => {
    good = await issued();
    revoked = await issued();
    recalled = await issued();
    noGtin = await issued({ gtin: null });
    await revokeCertificate(t.app.db, revoked.certificateId);
    await recallBatch(t.app.db, recalled.batchId);
    jws = await snapshot();
  });

  it('is a compact ES256 JWS of type ocop-snapshot+jwt that a standard JOSE library verifies with the JWKS', async () => {
    const res = await t.app.inject({ url: '/api/v1/registry/snapshot' });
    expect(res.headers['content-type']).toMatch(/^application\/jwt/);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const header = decodeProtectedHeader(jws);
    expect(Object.keys(header)).toEqual(['alg', 'kid', 'typ']);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'ocop-snapshot+jwt' });
    const keySet = createLocalJWKSet((await t.app.inject({ url: '/.well-known/jwks.json' })).json());
    const { payload } = await compactVerify(jws, keySet, {
      algorithms: ['ES256'],
      typ: 'ocop-snapshot+jwt',
    } as never);
    const snap = JSON.parse(new TextDecoder().decode(payload)) as RegistrySnapshot;
    expect(snap).toMatchObject({ v: 1, iss: ORIGIN, origins: [ORIGIN] });
    expect(Math.abs(snap.iat - Date.now() / 1000)).toBeLessThan(120);
    expect(snap.keys[0]).toMatchObject({ status: 'active', kty: 'EC', crv: 'P-256' });
    expect(snap.keys[0]).not.toHaveProperty('d');
    expect(snap.certificates.find((c) => c.gtin === good.gtin)).toMatchObject({
      ref: good.publicRef,
      stars: 4,
      status: 'active',
    });
    expect(snap.certificates.find((c) => c.ref === noGtin.publicRef)).toMatchObject({ gtin: null });
    expect(snap.certificates.find((c) => c.gtin === revoked.gtin)).toMatchObject({
      status: 'revoked',
      revokedAt: expect.any(String),
    });
    expect(snap.recalls).toContainEqual({
      path: `/01/${recalled.gtin}/10/${recalled.lot}`,
      recalledAt: expect.any(String),
    });
  });

  it('the pure verifier takes it as the registry: every status it carries', async () => {
    const keys = await jwks();
    const offline = (text: string, now = new Date()) =>
      verifyCode({ text, keys, registry: { kind: 'snapshot', jws }, now, origins: [ORIGIN] });
    expect((await offline(good.unitUrl)).verdict).toBe('genuine');
    expect((await offline(noGtin.unitUrl)).verdict).toBe('genuine');
    expect((await offline(revoked.batchUrl)).verdict).toBe('revoked_certificate');
    expect((await offline(recalled.unitUrl)).verdict).toBe('recalled_batch');
    expect((await offline(good.unitUrl.replace(/s=.{3}/, 's=AAA'))).verdict).toBe('forged');
    const r = await offline(good.unitUrl, new Date(Date.now() + 8 * 86_400_000));
    expect(r.verdict).toBe('status_unknown');
    expect(r.snapshot?.stale).toBe(true);
  });

  it('lists a compromised key with the batches it signed before the compromise', async () => {
    const before = await issued();
    const kid = (await t.app.keys.all()).find((k) => k.status === 'active')!.kid;
    await new Promise((r) => setTimeout(r, 20));
    const compromisedAt = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const after = await issued();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/keys/${kid}/revoke`,
      headers: { authorization: admin.authorization },
      payload: { reason: 'thử nghiệm', compromisedAt: compromisedAt.toISOString() },
    });
    expect(res.statusCode).toBe(200);
    const fresh = await snapshot();
    const snap = JSON.parse(Buffer.from(fresh.split('.')[1]!, 'base64url').toString()) as RegistrySnapshot;
    const k = snap.keys.find((x) => x.kid === kid)!;
    expect(k).toMatchObject({ status: 'revoked', compromisedAt: compromisedAt.toISOString() });
    expect(k.issuedBefore).toContain(`/01/${before.gtin}/10/${before.lot}`);
    expect(k.issuedBefore).not.toContain(`/01/${after.gtin}/10/${after.lot}`);
    // The fresh snapshot is signed by the key made at the revocation: verify it with a fresh JWKS.
    const keys = await jwks();
    const offline = (text: string) =>
      verifyCode({
        text,
        keys,
        registry: { kind: 'snapshot', jws: fresh },
        now: new Date(),
        origins: [ORIGIN],
      });
    expect((await offline(before.unitUrl)).verdict).toBe('genuine');
    expect((await offline(after.unitUrl)).verdict).toBe('forged');
    // Online the issuance record decides per code: the same answers.
    const online = async (code: string) =>
      (await t.app.inject({ method: 'POST', url: '/api/v1/verify', payload: { code } })).json<{
        verdict: string;
      }>().verdict;
    expect(await online(before.unitUrl)).toBe('genuine');
    expect(await online(after.unitUrl)).toBe('forged');
  });
});
