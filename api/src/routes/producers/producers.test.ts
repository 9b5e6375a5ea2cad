import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import { makeProducer, makeProduct } from '../../../../test/helpers/factories.ts';

type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let admin: User;
let inspector: User;
let officer: User;
let userA: User;
let producerA: { id: string };
let producerB: { id: string };

function call(user: User | null, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: user ? { authorization: user.authorization } : {},
    ...(payload !== undefined ? { payload } : {}),
  });
}

beforeAll(async () => {
  t = await buildTestApp();
  producerA = await makeProducer(t.app.db, {
    name: 'Hợp tác xã Đường phèn Bình Sơn',
    admin_unit_id: 'qng-2025-binh-son',
  });
  producerB = await makeProducer(t.app.db, { name: 'Cơ sở Kẹo gương', admin_unit_id: 'qng-2025-ly-son' });
  admin = await createUser(t.app, 'admin');
  inspector = await createUser(t.app, 'inspector');
  officer = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-binh-son' });
  userA = await createUser(t.app, 'producer', { producerId: producerA.id });
});
afterAll(async () => t?.close());

describe('POST /api/v1/producers', () => {
  it('registers a producer with a checked tax code, and refuses a duplicate', async () => {
    const res = await call(admin, 'POST', '/api/v1/producers', {
      name: '  Công ty TNHH Thử nghiệm  ',
      kind: 'DN',
      taxCode: '0100109106',
      adminUnitId: 'qng-2025-sa-huynh',
      phone: '0255 3 822 123',
      email: 'lienhe@example.vn',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'Công ty TNHH Thử nghiệm',
      kind: 'DN',
      taxCode: '0100109106',
      adminUnitId: 'qng-2025-sa-huynh',
      adminUnitName: 'Phường Sa Huỳnh',
    });
    const dup = await call(admin, 'POST', '/api/v1/producers', {
      name: 'Trùng',
      kind: 'DN',
      taxCode: '0100109106',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().detail).toBe('A producer with tax code 0100109106 already exists.');
  });

  it('names the rule for a wrong check digit, an unknown unit; 400 for an unknown kind', async () => {
    const tax = await call(admin, 'POST', '/api/v1/producers', {
      name: 'Sai mã',
      kind: 'HKD',
      taxCode: '0100109107',
    });
    expect(tax.statusCode).toBe(422);
    expect(tax.json()).toMatchObject({ code: 'rule_violation', rule: 'producer.tax_code' });
    const unit = await call(admin, 'POST', '/api/v1/producers', {
      name: 'Ở đâu',
      kind: 'HKD',
      adminUnitId: 'atlantis',
    });
    expect(unit.json().rule).toBe('admin_unit.unknown');
    const kind = await call(admin, 'POST', '/api/v1/producers', { name: 'Lạ', kind: 'LLC' });
    expect(kind.statusCode).toBe(400);
  });

  it('keeps an officer inside their area', async () => {
    const outside = await call(officer, 'POST', '/api/v1/producers', {
      name: 'Ngoài',
      kind: 'HKD',
      adminUnitId: 'qng-2025-ly-son',
    });
    expect(outside.statusCode).toBe(403);
    const nowhere = await call(officer, 'POST', '/api/v1/producers', { name: 'Không địa bàn', kind: 'HKD' });
    expect(nowhere.statusCode).toBe(403);
    // An old commune merged into xã Bình Sơn is inside.
    const old = await call(officer, 'POST', '/api/v1/producers', {
      name: 'Hộ kinh doanh Châu Ổ',
      kind: 'HKD',
      adminUnitId: 'qng-binh-son-chau-o',
    });
    expect(old.statusCode, old.body).toBe(201);
  });
});

describe('GET /api/v1/producers', () => {
  it('shows each role what it may see', async () => {
    const names = async (user: User, query = ''): Promise<string[]> =>
      (await call(user, 'GET', `/api/v1/producers${query}`))
        .json<{ items: { name: string }[] }>()
        .items.map((p) => p.name)
        .sort();
    expect(await names(userA)).toEqual(['Hợp tác xã Đường phèn Bình Sơn']);
    expect(await names(officer)).toEqual(['Hộ kinh doanh Châu Ổ', 'Hợp tác xã Đường phèn Bình Sơn']);
    expect((await call(inspector, 'GET', '/api/v1/producers')).json().total).toBe(4);
    expect(await names(admin, '?q=duong%20phen')).toEqual(['Hợp tác xã Đường phèn Bình Sơn']);
    expect(await names(admin, `?q=${encodeURIComponent('KẸO')}`)).toEqual(['Cơ sở Kẹo gương']);
    expect(await names(admin, '?kind=DN')).toEqual(['Công ty TNHH Thử nghiệm']);
    expect(await names(admin, '?adminUnitId=qng-2025-binh-son')).toEqual([
      'Hộ kinh doanh Châu Ổ',
      'Hợp tác xã Đường phèn Bình Sơn',
    ]);
    expect((await call(admin, 'GET', '/api/v1/producers?order=name')).statusCode).toBe(400);
    expect((await call(null, 'GET', '/api/v1/producers')).statusCode).toBe(401);
  });

  it("answers 404 for another producer's record", async () => {
    expect((await call(userA, 'GET', `/api/v1/producers/${producerB.id}`)).statusCode).toBe(404);
    expect((await call(userA, 'GET', `/api/v1/producers/${producerA.id}`)).statusCode).toBe(200);
    expect((await call(officer, 'GET', `/api/v1/producers/${producerB.id}`)).statusCode).toBe(404);
  });
});

describe('PATCH /api/v1/producers/{id}', () => {
  it('lets a producer change its contact details but not its official identity', async () => {
    const ok = await call(userA, 'PATCH', `/api/v1/producers/${producerA.id}`, {
      phone: '0901 234 567',
      website: 'https://duongphen.example.vn',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ phone: '0901 234 567', website: 'https://duongphen.example.vn' });
    const name = await call(userA, 'PATCH', `/api/v1/producers/${producerA.id}`, {
      name: 'Tên mới',
      taxCode: null,
    });
    expect(name.statusCode).toBe(403);
    expect(name.json().detail).toContain('name, taxCode');
    const theirs = await call(userA, 'PATCH', `/api/v1/producers/${producerB.id}`, { phone: '0901 234 567' });
    expect(theirs.statusCode).toBe(404);
  });

  it("renaming a producer renames it in its products' search text", async () => {
    const product = await makeProduct(t.app.db, { producer_id: producerB.id, name_vi: 'Kẹo gương Lý Sơn' });
    const res = await call(admin, 'PATCH', `/api/v1/producers/${producerB.id}`, {
      name: 'Cơ sở Bánh kẹo Hòa Hải',
    });
    expect(res.statusCode).toBe(200);
    const found = await t.app.inject({ url: '/api/v1/products?q=hoa%20hai' });
    expect(found.json().items.map((p: { id: string }) => p.id)).toEqual([product.id]);
  });
});
