import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_IDS, addDays, addMonths } from '@ocop/domain';
import { withActor } from '@ocop/db';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import { makeCertificate, makeProducer, makeProduct, today } from '../../../../test/helpers/factories.ts';
import { insertCertificate } from './queries.ts';

type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let admin: User;
let officerLySon: User;
let officerProvince: User;
let officerSaHuynh: User;
let producerX: User;
let producerY: User;
let inspector: User;
/** Made in Măng Đen (Kon Tum until 30/06/2025), producer in Lý Sơn. */
let konTum: string;
/** Made in Sa Huỳnh, no certificate at first. */
let saHuynh: string;

const score4 = { scoreA: 30, scoreB: 18, scoreC: 26, mandatoryPassed: [3, 4] };

function post(user: User, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/certificates',
    headers: { authorization: user.authorization, ...headers },
    payload,
  });
}

async function count(productId: string): Promise<number> {
  const r = await t.app.db
    .selectFrom('certificates')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('product_id', '=', productId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.app.db;
  const x = await makeProducer(db, { admin_unit_id: 'qng-2025-ly-son' });
  const y = await makeProducer(db, { admin_unit_id: 'qng-2025-sa-huynh' });
  konTum = (await makeProduct(db, { producer_id: x.id, origin_unit_id: 'ktm-kon-plong-mang-den' })).id;
  saHuynh = (await makeProduct(db, { producer_id: y.id, origin_unit_id: 'qng-2025-sa-huynh' })).id;
  admin = await createUser(t.app, 'admin');
  officerLySon = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-ly-son' });
  officerProvince = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025' });
  officerSaHuynh = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-sa-huynh' });
  producerX = await createUser(t.app, 'producer', { producerId: x.id });
  producerY = await createUser(t.app, 'producer', { producerId: y.id });
  inspector = await createUser(t.app, 'inspector');
});
afterAll(async () => t?.close());

describe('POST /api/v1/certificates: recording an evaluation result', () => {
  let first: string;

  it('derives stars, certifying level, authority and validity (148: the district certified 3★)', async () => {
    const res = await post(admin, {
      productId: konTum,
      scoreA: 25,
      scoreB: 12,
      scoreC: 18,
      mandatoryPassed: [3],
      decisionNo: '512/QĐ-UBND',
      decisionDate: '2024-03-01',
      round: 'Đợt 1 năm 2024',
    });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({
      productId: konTum,
      criteriaSetId: '148/QĐ-TTg',
      totalScore: 55,
      stars: 3,
      level: 'district',
      authority: 'UBND Huyện Kon Plông',
      decisionDate: '2024-03-01',
      validFrom: '2024-03-01',
      validTo: '2027-03-01',
      status: 'active',
      state: 'valid',
      supersedesId: null,
      round: 'Đợt 1 năm 2024',
    });
    first = c.id;
  });

  it('refuses a second active certificate and says how to renew', async () => {
    const res = await post(admin, {
      productId: konTum,
      ...score4,
      decisionNo: '1898/QĐ-UBND',
      decisionDate: '2025-09-15',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'conflict', activeCertificateId: first });
    expect(res.json().detail).toContain(`supersedesId: "${first}"`);
  });

  it('upgrades with supersedesId in one step: old superseded, new one by the merged province (1489)', async () => {
    // An officer of the merged province covers the old Kon Tum communes.
    const res = await post(officerProvince, {
      productId: konTum,
      ...score4,
      stars: 4,
      level: 'province',
      decisionNo: '1898/QĐ-UBND',
      decisionDate: '2025-09-15',
      supersedesId: first,
    });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    // Kon Tum had merged into Quảng Ngãi by then: the successor province certifies.
    expect(c).toMatchObject({
      stars: 4,
      level: 'province',
      authority: 'UBND Tỉnh Quảng Ngãi',
      validTo: '2028-09-15',
      supersedesId: first,
      state: 'valid',
    });
    const old = (await t.app.inject({ url: `/api/v1/certificates/${first}` })).json();
    expect(old).toMatchObject({ status: 'superseded', state: 'superseded', supersededById: c.id });
    expect(await count(konTum)).toBe(2);
  });

  it('refuses superseding a certificate that is not the active one of this product', async () => {
    const again = await post(admin, {
      productId: konTum,
      ...score4,
      decisionNo: '2000/QĐ-UBND',
      decisionDate: '2025-10-01',
      supersedesId: first,
    });
    expect(again.statusCode).toBe(409);
    const other = await makeProduct(t.app.db);
    const otherCert = await makeCertificate(t.app.db, other.id);
    const foreign = await post(admin, {
      productId: konTum,
      ...score4,
      decisionNo: '2001/QĐ-UBND',
      decisionDate: '2025-10-01',
      supersedesId: otherCert.id,
    });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json().rule).toBe('certificate.supersedes');
    const active = await t.app.db
      .selectFrom('certificates')
      .select('id')
      .where('product_id', '=', konTum)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    const earlier = await post(admin, {
      productId: konTum,
      ...score4,
      decisionNo: '2002/QĐ-UBND',
      decisionDate: '2025-09-01',
      supersedesId: active.id,
    });
    expect(earlier.statusCode).toBe(422);
    expect(earlier.json().rule).toBe('certificate.supersedes');
    expect(await count(konTum)).toBe(2);
  });

  it('names the rule a contradiction breaks, and records nothing', async () => {
    const base = { productId: saHuynh, decisionNo: '1/QĐ-UBND', decisionDate: '2025-09-15' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...score4, stars: 5 }, 'stars.score_band'],
      [{ ...score4, stars: 3 }, 'stars.score_band'],
      [{ scoreA: 36, scoreB: 23, scoreC: 33, mandatoryPassed: [3, 4], stars: 5 }, 'stars.mandatory_criteria'],
      [{ scoreA: 41, scoreB: 18, scoreC: 26, mandatoryPassed: [3, 4] }, 'score.part_range'],
      [{ scoreA: 20, scoreB: 10, scoreC: 15, mandatoryPassed: [] }, 'certification.not_certifiable'],
      [{ ...score4, mandatoryPassed: [2] }, 'score.mandatory_levels'],
      [{ ...score4, level: 'district' }, 'certification.level'],
      [{ ...score4, decisionDate: '2019-01-01' }, 'certification.no_period'],
      [{ ...score4, validFrom: '2025-09-01' }, 'certificate.valid_from'],
    ];
    for (const [body, rule] of cases) {
      const res = await post(admin, { ...base, ...body });
      expect(res.statusCode, `${rule}: ${res.body}`).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'rule_violation', rule });
      expect(res.json().detail).toEqual(expect.any(String));
      // Rules of @ocop/domain come with their Vietnamese wording too.
      if ((RULE_IDS as readonly string[]).includes(rule))
        expect(res.json().detailVi).toEqual(expect.any(String));
    }
    expect(await count(saHuynh)).toBe(0);
  });

  it('lowers the stars to what the mandatory criteria allow when no stars are claimed', async () => {
    const res = await post(officerSaHuynh, {
      productId: saHuynh,
      scoreA: 36,
      scoreB: 23,
      scoreC: 33,
      mandatoryPassed: [4, 3],
      decisionNo: '1898/QĐ-UBND',
      decisionDate: '2025-09-15',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ totalScore: 92, stars: 4, mandatoryPassed: [3, 4] });
  });

  it("keeps an officer to their area's products (404 outside) and refuses unknown fields", async () => {
    const outside = await post(officerSaHuynh, {
      productId: konTum,
      ...score4,
      decisionNo: '9/QĐ-UBND',
      decisionDate: '2025-09-15',
    });
    expect(outside.statusCode).toBe(404);
    const extra = await post(admin, {
      productId: saHuynh,
      ...score4,
      decisionNo: '9/QĐ-UBND',
      decisionDate: '2025-09-15',
      status: 'active',
    });
    expect(extra.statusCode).toBe(400);
    const text = await post(admin, {
      productId: saHuynh,
      ...score4,
      scoreA: '30',
      decisionNo: '9/QĐ-UBND',
      decisionDate: '2025-09-15',
    });
    expect(text.statusCode).toBe(400);
  });

  it('replays a retried request with the same Idempotency-Key, and refuses the key for another body', async () => {
    const product = await makeProduct(t.app.db, { origin_unit_id: 'qng-2025-ly-son' });
    const body = { productId: product.id, ...score4, decisionNo: '77/QĐ-UBND', decisionDate: '2025-09-15' };
    const key = { 'idempotency-key': 'cert-2025-77' };
    const a = await post(admin, body, key);
    const b = await post(admin, body, key);
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json()).toEqual(a.json());
    expect(await count(product.id)).toBe(1);
    const c = await post(admin, { ...body, decisionNo: '78/QĐ-UBND' }, key);
    expect(c.statusCode).toBe(422);
    expect(c.json().code).toBe('idempotency_key_reused');
  });
});

describe('supersession is atomic', () => {
  it('leaves the old certificate active when the new one cannot be stored', async () => {
    const product = await makeProduct(t.app.db);
    const old = await makeCertificate(t.app.db, product.id);
    await expect(
      withActor(t.app.db, admin.id, (trx) =>
        insertCertificate(trx, {
          product_id: product.id,
          criteria_set_id: '148/QĐ-TTg',
          score_a: 30,
          score_b: 18,
          score_c: 26,
          total_score: 99, // breaks certificates_scores
          stars: 4,
          level: 'province',
          authority: 'UBND tỉnh Quảng Ngãi',
          decision_no: 'x',
          decision_date: '2025-09-15',
          valid_from: '2025-09-15',
          valid_to: '2028-09-15',
          supersedes_id: old.id,
        }),
      ),
    ).rejects.toThrow();
    const row = await t.app.db
      .selectFrom('certificates')
      .select('status')
      .where('id', '=', old.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('active');
  });
});

describe('POST /api/v1/certificates/{id}/revoke', () => {
  it('revokes with a reason: at once, visible in the catalogue', async () => {
    const active = await t.app.db
      .selectFrom('certificates')
      .select('id')
      .where('product_id', '=', saHuynh)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    const outside = await t.app.inject({
      method: 'POST',
      url: `/api/v1/certificates/${active.id}/revoke`,
      headers: { authorization: officerLySon.authorization },
      payload: { reason: 'FOOD_SAFETY' },
    });
    expect(outside.statusCode).toBe(404);
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/certificates/${active.id}/revoke`,
      headers: { authorization: officerSaHuynh.authorization },
      payload: { reason: 'BAD_TASTE' },
    });
    expect(bad.statusCode).toBe(400);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/certificates/${active.id}/revoke`,
      headers: { authorization: officerSaHuynh.authorization },
      payload: { reason: 'FOOD_SAFETY', note: 'Mẫu không đạt chỉ tiêu vi sinh' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'revoked',
      state: 'revoked',
      renewalDue: false,
      revocation: {
        reason: 'FOOD_SAFETY',
        note: 'Mẫu không đạt chỉ tiêu vi sinh',
        reasonEn: 'Food-safety violation',
      },
    });
    const list = await t.app.inject({ url: '/api/v1/products?certificateStatus=revoked' });
    expect(list.json().items.map((p: { id: string }) => p.id)).toEqual([saHuynh]);
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/certificates/${active.id}/revoke`,
      headers: { authorization: admin.authorization },
      payload: { reason: 'OTHER' },
    });
    expect(again.statusCode).toBe(409);
    const audit = await t.app.db
      .selectFrom('audit_log')
      .select(['actor_id', 'action', 'data'])
      .where('entity', '=', 'certificates')
      .where('entity_id', '=', active.id)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_id: officerSaHuynh.id, action: 'update' });
    expect(audit.data).toMatchObject({ status: 'revoked', revocation_reason: 'FOOD_SAFETY' });
  });
});

describe('GET /api/v1/certificates/renewals', () => {
  let due: string;
  beforeAll(async () => {
    const db = t.app.db;
    const lySon = await db
      .selectFrom('producers')
      .select('id')
      .where('admin_unit_id', '=', 'qng-2025-ly-son')
      .executeTakeFirstOrThrow();
    const product = await makeProduct(db, { producer_id: lySon.id });
    due = (await makeCertificate(db, product.id, { decision_date: addMonths(addDays(today(), 10), -36) })).id;
    const lapsed = await makeProduct(db, { producer_id: lySon.id });
    await makeCertificate(db, lapsed.id, { decision_date: addDays(addMonths(today(), -36), -5) });
  });

  async function renewals(user: User, query = ''): Promise<string[]> {
    const res = await t.app.inject({
      url: `/api/v1/certificates/renewals${query}`,
      headers: { authorization: user.authorization },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().today).toBe(today());
    return res.json<{ items: { certificate: { id: string } }[] }>().items.map((i) => i.certificate.id);
  }

  it('lists active certificates ending within the window, not the expired ones', async () => {
    expect(await renewals(admin)).toEqual([due]);
    expect(await renewals(admin, '?withinDays=30')).toEqual([due]);
    expect(await renewals(admin, '?withinDays=5')).toEqual([]);
  });

  it('keeps each role to its own: producer, officer by area; the inspector reads all', async () => {
    expect(await renewals(producerX)).toEqual([due]);
    expect(await renewals(producerY)).toEqual([]);
    expect(await renewals(officerLySon)).toEqual([due]);
    expect(await renewals(officerSaHuynh)).toEqual([]);
    expect(await renewals(inspector)).toEqual([due]);
  });

  it('refuses a window beyond a year and unknown parameters', async () => {
    for (const q of ['?withinDays=400', '?withinDays=-1', '?days=30']) {
      const res = await t.app.inject({
        url: `/api/v1/certificates/renewals${q}`,
        headers: { authorization: admin.authorization },
      });
      expect(res.statusCode, q).toBe(400);
    }
  });
});

describe('GET /api/v1/certificates/{id}', () => {
  it('is public, and 404 for an unknown id', async () => {
    const any = await t.app.db.selectFrom('certificates').select('id').executeTakeFirstOrThrow();
    expect((await t.app.inject({ url: `/api/v1/certificates/${any.id}` })).statusCode).toBe(200);
    const missing = await t.app.inject({ url: '/api/v1/certificates/00000000-0000-4000-8000-000000000000' });
    expect(missing.statusCode).toBe(404);
  });
});
