import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { addDays, toGtin14 } from '@ocop/domain';
import { buildTestApp, type TestApp } from '../../../../test/helpers/app.ts';
import {
  makeBatch,
  makeCertificate,
  makeProducer,
  makeProduct,
  today,
} from '../../../../test/helpers/factories.ts';

/**
 * The certificate as a VC 2.0 secured with VC-JOSE: verified here with a standard JOSE library
 * (jose) from the published JWKS, as any third party would.
 */
const ORIGIN = 'https://ocop.test';

let t: TestApp;
let productId: string;
let gtin: string;
let lot: string;

function newGtin(): string {
  const body = `893${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
  for (let d = 0; d <= 9; d++) {
    try {
      return toGtin14(`${body}${d}`);
    } catch {
      // next check digit
    }
  }
  throw new Error('unreachable');
}

async function jwks() {
  const res = await t.app.inject({ url: '/.well-known/jwks.json' });
  expect(res.statusCode).toBe(200);
  return createLocalJWKSet(res.json<JSONWebKeySet>());
}

async function credential(certId: string) {
  const res = await t.app.inject({ url: `/api/v1/certificates/${certId}/credential` });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/vc\+jwt/);
  return res.body;
}

beforeAll(async () => {
  t = await buildTestApp();
  const producer = await makeProducer(t.app.db, { name: 'HTX Tỏi Lý Sơn', tax_code: '4300123456' });
  gtin = newGtin();
  const product = await makeProduct(t.app.db, {
    producer_id: producer.id,
    gtin,
    name_vi: 'Tỏi cô đơn Lý Sơn',
  });
  productId = product.id;
  lot = (await makeBatch(t.app.db, product.id, { produced_on: addDays(today(), -3) })).lot;
});
afterAll(async () => t?.close());

describe('GET /api/v1/certificates/{id}/credential', () => {
  it('verifies with jose from the JWKS: ES256, kid, typ vc+jwt, cty vc', async () => {
    const cert = await makeCertificate(t.app.db, productId, { stars: 4, authority: 'UBND tỉnh Quảng Ngãi' });
    const jwt = await credential(cert.id);
    const { payload, protectedHeader } = await jwtVerify(jwt, await jwks(), {
      algorithms: ['ES256'],
      typ: 'vc+jwt',
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'vc+jwt', cty: 'vc' });
    expect(protectedHeader.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload['@context']).toEqual(
      expect.arrayContaining(['https://www.w3.org/ns/credentials/v2', expect.stringContaining('untp/dcc')]),
    );
    expect(payload.type).toEqual(['DigitalConformityCredential', 'VerifiableCredential']);
    expect(payload.id).toBe(`${ORIGIN}/api/v1/certificates/${cert.id}/credential`);
    expect(payload.issuer).toMatchObject({ name: 'UBND tỉnh Quảng Ngãi' });
    expect(payload.validFrom).toBe(`${cert.valid_from}T00:00:00+07:00`);
    expect(payload.validUntil).toBe(`${cert.valid_to}T23:59:59+07:00`);
    const subject = payload.credentialSubject as Record<string, unknown>;
    expect(subject).toMatchObject({
      type: ['ConformityAttestation', 'Attestation'],
      attestationType: 'certification',
      issuedToParty: { name: 'HTX Tỏi Lý Sơn', registeredId: '4300123456' },
      'ocop:stars': 4,
      'ocop:status': 'valid',
      'ocop:decision': {
        number: cert.decision_no,
        date: cert.decision_date,
        authority: 'UBND tỉnh Quảng Ngãi',
      },
    });
    const [assessment] = subject.assessment as Record<string, unknown>[];
    expect(assessment).toMatchObject({
      conformance: true,
      assessmentDate: cert.decision_date,
      referenceRegulation: { name: expect.stringContaining('148/QĐ-TTg'), jurisdictionCountry: 'VN' },
      assessedProduct: [
        { product: { id: `https://id.gs1.org/01/${gtin}`, name: 'Tỏi cô đơn Lý Sơn', registeredId: gtin } },
      ],
    });
  });

  it('says when a certificate was revoked, and why; the signature still verifies', async () => {
    const product = await makeProduct(t.app.db);
    const cert = await makeCertificate(t.app.db, product.id, {
      stars: 3,
      status: 'revoked',
      revoked_at: new Date(),
      revocation_reason: 'FOOD_SAFETY',
    });
    const { payload } = await jwtVerify(await credential(cert.id), await jwks(), { typ: 'vc+jwt' });
    const subject = payload.credentialSubject as Record<string, unknown>;
    expect(subject['ocop:status']).toBe('revoked');
    expect(subject['ocop:revocation']).toMatchObject({
      reason: 'FOOD_SAFETY',
      reasonEn: 'Food-safety violation',
    });
    expect((subject.assessment as { conformance: boolean }[])[0]!.conformance).toBe(false);
    // A product without a GTIN is named by our /p/ identifier.
    expect(
      (subject.assessment as { assessedProduct: { product: { id: string } }[] }[])[0]!.assessedProduct[0]!
        .product.id,
    ).toMatch(new RegExp(`^${ORIGIN}/p/`));
  });

  it('an expired certificate says expired', async () => {
    const product = await makeProduct(t.app.db);
    const cert = await makeCertificate(t.app.db, product.id, { decision_date: addDays(today(), -1200) });
    const { payload } = await jwtVerify(await credential(cert.id), await jwks(), { typ: 'vc+jwt' });
    expect((payload.credentialSubject as Record<string, unknown>)['ocop:status']).toBe('expired');
  });

  it('is signed with the current key; after a rotation, old credentials still verify from the JWKS', async () => {
    const cert = await makeCertificate(t.app.db, (await makeProduct(t.app.db)).id);
    const before = await credential(cert.id);
    await t.app.keys.rotate(null);
    const after = await credential(cert.id);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    const set = await jwks();
    await expect(jwtVerify(before, set, { typ: 'vc+jwt' })).resolves.toBeDefined();
    await expect(jwtVerify(after, set, { typ: 'vc+jwt' })).resolves.toBeDefined();
  });

  it('a tampered credential does not verify', async () => {
    const cert = await makeCertificate(t.app.db, (await makeProduct(t.app.db)).id, { stars: 3 });
    const [h, p, s] = (await credential(cert.id)).split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'));
    payload.credentialSubject['ocop:stars'] = 5;
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    await expect(jwtVerify(forged, await jwks(), { typ: 'vc+jwt' })).rejects.toThrow();
  });

  it('is what the resolver gs1:certificationInfo link leads to; public and readable cross-origin', async () => {
    const cert = await t.app.db
      .selectFrom('certificates')
      .select('id')
      .where('product_id', '=', productId)
      .executeTakeFirstOrThrow();
    const res = await t.app.inject({ url: `/01/${gtin}/10/${lot}?linkType=gs1:certificationInfo` });
    expect(res.statusCode).toBe(307);
    expect(res.headers.location).toBe(`${ORIGIN}/api/v1/certificates/${cert.id}/credential`);
    const follow = await t.app.inject({
      url: `/api/v1/certificates/${cert.id}/credential`,
      headers: { origin: 'https://verifier.example' },
    });
    expect(follow.statusCode).toBe(200);
    expect(follow.headers['access-control-allow-origin']).toBe('*');
    expect(
      (await t.app.inject({ url: `/api/v1/certificates/${crypto.randomUUID()}/credential` })).statusCode,
    ).toBe(404);
  });
});
