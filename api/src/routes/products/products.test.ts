import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, addMonths, daysBetween, gtinCheckDigit } from '@ocop/domain';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import {
  makeBatch,
  makeCertificate,
  makeProducer,
  makeProduct,
  makeZone,
  today,
} from '../../../../test/helpers/factories.ts';

type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let producerA: { id: string };
let producerB: { id: string };
/** P1 valid 4★ (Lý Sơn, old commune), P2 expired 3★, P3 revoked 5★, P4 never certified, P5 renewed 4★. */
const P: Record<'p1' | 'p2' | 'p3' | 'p4' | 'p5', string> = { p1: '', p2: '', p3: '', p4: '', p5: '' };
let p5Old: string;
let p5New: string;
let zoneId: string;
let admin: User;
let userA: User;
let officerSaHuynh: User;

async function list(query: string): Promise<string[]> {
  const res = await t.app.inject({ url: `/api/v1/products?limit=100&${query}` });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{ items: { id: string }[]; total: number }>();
  expect(body.total).toBe(body.items.length);
  return body.items.map((i) => i.id).sort();
}
const ids = (...keys: (keyof typeof P)[]) => keys.map((k) => P[k]).sort();

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.app.db;
  producerA = await makeProducer(db, { name: 'HTX Nông sản Đảo', admin_unit_id: 'qng-2025-ly-son' });
  producerB = await makeProducer(db, { name: 'Công ty Quế Trà Bồng', admin_unit_id: 'qng-2025-tra-bong' });
  const t0 = today();

  P.p1 = (
    await makeProduct(db, {
      producer_id: producerA.id,
      name_vi: 'Tỏi Lý Sơn',
      origin_unit_id: 'qng-ly-son-an-vinh',
      category_code: 'I.1.a',
    })
  ).id;
  await makeCertificate(db, P.p1, { stars: 4 });
  zoneId = (await makeZone(db, { code: 'VN-51-536-20000-01-23', scheme: 'VUNG_TRONG' })).id;
  const batch = await makeBatch(db, P.p1);
  await db.insertInto('batch_zones').values({ batch_id: batch.id, zone_id: zoneId }).execute();

  P.p2 = (
    await makeProduct(db, {
      producer_id: producerB.id,
      name_vi: 'Nước mắm Sa Huỳnh',
      origin_unit_id: 'qng-2025-sa-huynh',
      category_code: 'I.3.a',
    })
  ).id;
  await makeCertificate(db, P.p2, { stars: 3, decision_date: addDays(t0, -4 * 366) });

  P.p3 = (
    await makeProduct(db, {
      producer_id: producerB.id,
      name_vi: 'Quế Trà Bồng',
      origin_unit_id: 'qng-tra-bong-tra-xuan',
      category_code: 'III.1',
    })
  ).id;
  await makeCertificate(db, P.p3, {
    stars: 5,
    status: 'revoked',
    revocation_reason: 'FOOD_SAFETY',
    revocation_note: 'Mẫu kiểm nghiệm không đạt',
    revoked_at: new Date(),
  });

  P.p4 = (
    await makeProduct(db, { producer_id: producerA.id, name_vi: 'Mật ong rừng', category_code: 'I.2.b' })
  ).id;

  P.p5 = (
    await makeProduct(db, {
      producer_id: producerB.id,
      name_vi: 'Rượu Bàu Đá',
      origin_unit_id: 'qng-2025-binh-son',
      category_code: 'II.1.a',
    })
  ).id;
  // The renewal's last valid day is 10 days away: due for renewal (30-day notice).
  const renewed = addMonths(addDays(t0, 10), -36);
  p5Old = (
    await makeCertificate(db, P.p5, { stars: 3, decision_date: addDays(renewed, -700), status: 'superseded' })
  ).id;
  p5New = (await makeCertificate(db, P.p5, { stars: 4, decision_date: renewed, supersedes_id: p5Old })).id;

  admin = await createUser(t.app, 'admin');
  userA = await createUser(t.app, 'producer', { producerId: producerA.id });
  officerSaHuynh = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-sa-huynh' });
});
afterAll(async () => t?.close());

describe('GET /api/v1/products (public catalogue)', () => {
  it('lists every product for anonymous callers, and ignores a stale token', async () => {
    expect(await list('')).toEqual(ids('p1', 'p2', 'p3', 'p4', 'p5'));
    const stale = await t.app.inject({ url: '/api/v1/products', headers: { authorization: 'Bearer a.b.c' } });
    expect(stale.statusCode).toBe(200);
  });

  it('filters by commune, including the old units that became it', async () => {
    // P1 is made in xã An Vĩnh (ended 2020 → huyện Lý Sơn → đặc khu Lý Sơn); P4 has no origin, its
    // producer sits in đặc khu Lý Sơn.
    expect(await list('commune=qng-2025-ly-son')).toEqual(ids('p1', 'p4'));
    expect(await list('commune=qng-2025-tra-bong')).toEqual(ids('p3'));
    expect(await list('commune=qng-ly-son-huyen')).toEqual(ids('p1'));
    expect(await list('commune=qng-2025')).toEqual(ids('p1', 'p2', 'p3', 'p4', 'p5'));
    expect(await list('commune=qng-2025-mang-den')).toEqual([]);
  });

  it('filters by group as a category-code prefix', async () => {
    expect(await list('group=I')).toEqual(ids('p1', 'p2', 'p4'));
    expect(await list('group=I.1')).toEqual(ids('p1'));
    expect(await list('group=I.1.a')).toEqual(ids('p1'));
    expect(await list('group=II')).toEqual(ids('p5'));
    expect(await list('group=III')).toEqual(ids('p3'));
  });

  it('filters by stars and by the state of the current certificate', async () => {
    expect(await list('stars=4')).toEqual(ids('p1', 'p5'));
    expect(await list('stars=5')).toEqual(ids('p3'));
    expect(await list('stars=3')).toEqual(ids('p2'));
    expect(await list('certificateStatus=valid')).toEqual(ids('p1', 'p5'));
    expect(await list('certificateStatus=expired')).toEqual(ids('p2'));
    expect(await list('certificateStatus=revoked')).toEqual(ids('p3'));
    expect(await list('certificateStatus=none')).toEqual(ids('p4'));
  });

  it('shows the same state in the list as the domain computes in the detail', async () => {
    const res = await t.app.inject({ url: '/api/v1/products?limit=100' });
    for (const item of res.json().items as {
      id: string;
      certificateStatus: string;
      stars: number | null;
    }[]) {
      const detail = (await t.app.inject({ url: `/api/v1/products/${item.id}` })).json();
      expect(item.certificateStatus).toBe(detail.certificateStatus);
      expect(item.stars).toBe(detail.stars);
    }
  });

  it('filters by producer and by text without diacritics', async () => {
    expect(await list(`producer=${producerA.id}`)).toEqual(ids('p1', 'p4'));
    expect(await list('q=toi%20ly%20son')).toEqual(ids('p1'));
    expect(await list(`q=${encodeURIComponent('TỎI')}`)).toEqual(ids('p1'));
    expect(await list('q=nuoc%20mam')).toEqual(ids('p2'));
    // The producer's name is searchable too.
    expect(await list('q=cong%20ty%20que')).toEqual(ids('p2', 'p3', 'p5'));
    expect(await list('q=cong%20ty&certificateStatus=revoked')).toEqual(ids('p3'));
    expect(await list('q=100%25')).toEqual([]);
  });

  it('pages with a total, and caps the page size', async () => {
    const seen: string[] = [];
    for (const offset of [0, 2, 4]) {
      const res = await t.app.inject({ url: `/api/v1/products?limit=2&offset=${offset}` });
      const body = res.json();
      expect(body).toMatchObject({ total: 5, limit: 2, offset });
      seen.push(...body.items.map((i: { id: string }) => i.id));
    }
    expect(seen.sort()).toEqual(ids('p1', 'p2', 'p3', 'p4', 'p5'));
    const big = await t.app.inject({ url: '/api/v1/products?limit=101' });
    expect(big.statusCode).toBe(400);
    expect(big.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('refuses unknown and malformed query parameters', async () => {
    for (const query of [
      'colour=red',
      'stars=six',
      'certificateStatus=lapsed',
      'producer=nope',
      'group=I%25',
    ]) {
      const res = await t.app.inject({ url: `/api/v1/products?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
  });
});

describe('GET /api/v1/products/{id}', () => {
  it('gives producer, commune with its path, category path and zones', async () => {
    const res = await t.app.inject({ url: `/api/v1/products/${P.p1}` });
    expect(res.statusCode).toBe(200);
    const p = res.json();
    expect(p.producer).toMatchObject({ id: producerA.id, name: 'HTX Nông sản Đảo', kind: 'HTX' });
    expect(p.commune.id).toBe('qng-ly-son-an-vinh');
    expect(p.commune.path.map((u: { id: string }) => u.id)).toEqual([
      'qng-ly-son-an-vinh',
      'qng-ly-son-huyen',
      'qng-tinh',
    ]);
    expect(p.categoryPath.map((c: { code: string }) => c.code)).toEqual(['I', 'I.1', 'I.1.a']);
    expect(p.zones.map((z: { id: string; code: string }) => [z.id, z.code])).toEqual([
      [zoneId, 'VN-51-536-20000-01-23'],
    ]);
    expect(p.certificate).toMatchObject({ stars: 4, state: 'valid', renewalDue: false, level: 'province' });
    expect(p.certificateStatus).toBe('valid');
  });

  it('gives the current certificate with renewal due, and the history with supersession links', async () => {
    const p = (await t.app.inject({ url: `/api/v1/products/${P.p5}` })).json();
    expect(p.certificate.id).toBe(p5New);
    expect(p.certificate.state).toBe('valid');
    expect(p.certificate.renewalDue).toBe(true);
    expect(p.certificate.daysUntilExpiry).toBe(daysBetween(today(), p.certificate.validTo));
    expect(p.certificate.daysUntilExpiry).toBeLessThanOrEqual(30);
    expect(p.certificate.renewalDueOn).toBe(addDays(p.certificate.validTo, -30));
    expect(p.certificate.supersedesId).toBe(p5Old);
    expect(p.certificates.map((c: { id: string }) => c.id)).toEqual([p5New, p5Old]);
    expect(p.certificates[1]).toMatchObject({ status: 'superseded', supersededById: p5New });
  });

  it('gives revoked and never-certified products their state', async () => {
    const revoked = (await t.app.inject({ url: `/api/v1/products/${P.p3}` })).json();
    expect(revoked.certificateStatus).toBe('revoked');
    expect(revoked.certificate.revocation).toMatchObject({
      reason: 'FOOD_SAFETY',
      note: 'Mẫu kiểm nghiệm không đạt',
    });
    const none = (await t.app.inject({ url: `/api/v1/products/${P.p4}` })).json();
    expect(none).toMatchObject({
      certificateStatus: 'none',
      certificate: null,
      certificates: [],
      stars: null,
    });
    expect(none.commune.id).toBe('qng-2025-ly-son');
  });

  it('answers 404 for an unknown product and 400 for a malformed id', async () => {
    const missing = await t.app.inject({ url: '/api/v1/products/00000000-0000-4000-8000-000000000000' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_found');
    expect((await t.app.inject({ url: '/api/v1/products/42' })).statusCode).toBe(400);
  });
});

function gtin13(body12: string): string {
  return `${body12}${gtinCheckDigit(body12)}`;
}

describe('POST /api/v1/products', () => {
  it('lets a producer register its own product, GTIN stored as GTIN-14, findable without diacritics', async () => {
    const gtin = gtin13('893456789012');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: { authorization: userA.authorization },
      payload: { categoryCode: 'I.3.a', nameVi: 'Bánh tráng đặc sản', gtin },
    });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json();
    expect(p).toMatchObject({ nameVi: 'Bánh tráng đặc sản', gtin: `0${gtin}`, criteriaSetId: '148/QĐ-TTg' });
    expect(p.producer.id).toBe(producerA.id);
    expect(await list('q=banh%20trang%20dac%20san')).toEqual([p.id]);
    // The audit log names the user who made the change.
    const entry = await t.app.db
      .selectFrom('audit_log')
      .select(['actor_id', 'action'])
      .where('entity', '=', 'products')
      .where('entity_id', '=', p.id)
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({ actor_id: userA.id, action: 'insert' });

    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: { authorization: admin.authorization },
      payload: { producerId: producerB.id, categoryCode: 'I.3.a', nameVi: 'Bánh khác', gtin },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({
      code: 'conflict',
      detail: `Another product already has GTIN 0${gtin}.`,
    });
  });

  it('names the broken rule for a bad GTIN or an unknown category', async () => {
    const good = gtin13('893000000001');
    const bad = `${good.slice(0, 12)}${(Number(good[12]) + 1) % 10}`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: { authorization: userA.authorization },
      payload: { categoryCode: 'I.3.a', nameVi: 'Sai mã', gtin: bad },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'rule_violation', rule: 'product.gtin' });
    const cat = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: { authorization: userA.authorization },
      payload: { categoryCode: 'IX.9', nameVi: 'Không nhóm' },
    });
    expect(cat.statusCode).toBe(422);
    expect(cat.json().rule).toBe('product.category');
  });

  it("refuses a producer registering another producer's product, and unknown fields", async () => {
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: { authorization: userA.authorization },
      payload: { producerId: producerB.id, categoryCode: 'I.3.a', nameVi: 'Không phải của tôi' },
    });
    expect(other.statusCode).toBe(403);
    const extra = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: { authorization: userA.authorization },
      payload: { categoryCode: 'I.3.a', nameVi: 'Thêm trường', stars: 5 },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().code).toBe('validation_failed');
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: { authorization: admin.authorization },
      payload: { categoryCode: 'I.3.a', nameVi: 'Của ai?' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toMatch(/producerId is required/);
  });

  it("keeps an officer inside their area: the product's place, else its producer's", async () => {
    const outside = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: { authorization: officerSaHuynh.authorization },
      payload: { producerId: producerA.id, categoryCode: 'I.3.a', nameVi: 'Ngoài địa bàn' },
    });
    expect(outside.statusCode).toBe(403);
    const inside = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: { authorization: officerSaHuynh.authorization },
      payload: {
        producerId: producerA.id,
        categoryCode: 'I.3.a',
        nameVi: 'Trong địa bàn',
        originUnitId: 'qng-2025-sa-huynh',
      },
    });
    expect(inside.statusCode, inside.body).toBe(201);
  });
});

describe('PATCH /api/v1/products/{id}', () => {
  it('lets a producer change its own product and refreshes the search text', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/products/${P.p1}`,
      headers: { authorization: userA.authorization },
      payload: { nameVi: 'Tỏi cô đơn Lý Sơn', nameEn: 'Lý Sơn single-clove garlic' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ nameVi: 'Tỏi cô đơn Lý Sơn', nameEn: 'Lý Sơn single-clove garlic' });
    expect(await list('q=co%20don')).toEqual(ids('p1'));
    expect(await list('q=garlic')).toEqual(ids('p1'));
  });

  it("answers 404 for another producer's product and for an officer outside the area", async () => {
    const theirs = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/products/${P.p3}`,
      headers: { authorization: userA.authorization },
      payload: { nameVi: 'Chiếm đoạt' },
    });
    expect(theirs.statusCode).toBe(404);
    const outside = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/products/${P.p1}`,
      headers: { authorization: officerSaHuynh.authorization },
      payload: { descriptionVi: 'x' },
    });
    expect(outside.statusCode).toBe(404);
    const inside = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/products/${P.p2}`,
      headers: { authorization: officerSaHuynh.authorization },
      payload: { descriptionVi: 'Nước mắm truyền thống' },
    });
    expect(inside.statusCode).toBe(200);
    expect(inside.json().descriptionVi).toBe('Nước mắm truyền thống');
  });

  it('refuses an empty change and a change of producer', async () => {
    for (const payload of [{}, { producerId: producerB.id }]) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/products/${P.p1}`,
        headers: { authorization: admin.authorization },
        payload,
      });
      expect(res.statusCode).toBe(400);
    }
  });
});
