import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import { makeProducer, makeZone } from '../../../../test/helpers/factories.ts';

type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let admin: User;
let officer: User;
let userA: User;
let producerA: { id: string };
let producerB: { id: string };
let sharedZone: string;
let zoneB: string;

function call(user: User, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: user.authorization },
    ...(payload !== undefined ? { payload } : {}),
  });
}

const growing = {
  scheme: 'VUNG_TRONG',
  code: 'VN-51-536-20000-01-23',
  issuer: 'Chi cục Trồng trọt và Bảo vệ thực vật Quảng Ngãi',
  cropOrSpecies: 'Tỏi',
  areaHa: 12.5,
  standards: ['VietGAP'],
  validFrom: '2023-05-01',
};

beforeAll(async () => {
  t = await buildTestApp();
  producerA = await makeProducer(t.app.db, { admin_unit_id: 'qng-2025-ly-son' });
  producerB = await makeProducer(t.app.db, { admin_unit_id: 'qng-2025-sa-huynh' });
  sharedZone = (await makeZone(t.app.db, { producer_id: null, admin_unit_id: 'qng-2025-ly-son' })).id;
  zoneB = (await makeZone(t.app.db, { producer_id: producerB.id, admin_unit_id: null })).id;
  admin = await createUser(t.app, 'admin');
  officer = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-sa-huynh' });
  userA = await createUser(t.app, 'producer', { producerId: producerA.id });
});
afterAll(async () => t?.close());

describe('POST /api/v1/zones', () => {
  it("registers a producer's own zone with its code exactly as issued", async () => {
    const res = await call(userA, 'POST', '/api/v1/zones', { ...growing, adminUnitId: 'qng-2025-ly-son' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      ...growing,
      producerId: producerA.id,
      status: 'active',
      validTo: null,
    });
    const dup = await call(admin, 'POST', '/api/v1/zones', growing);
    expect(dup.statusCode).toBe(409);
    expect(dup.json().detail).toBe('A VUNG_TRONG zone with code VN-51-536-20000-01-23 already exists.');
    // The same code under another scheme is another zone.
    const other = await call(admin, 'POST', '/api/v1/zones', { ...growing, scheme: 'OTHER' });
    expect(other.statusCode).toBe(201);
  });

  it('checks the code against its scheme and names the rule', async () => {
    for (const [scheme, code] of [
      ['VUNG_TRONG', 'VN-51-1'],
      ['VUNG_TRONG_XK', 'VN-00-000-00000-00-23'],
      ['CA_TRA', '51-02-0001-001'],
      ['OTHER', ' padded '],
    ]) {
      const res = await call(admin, 'POST', '/api/v1/zones', { ...growing, scheme, code });
      expect(res.statusCode, `${scheme} ${code}`).toBe(422);
      expect(res.json()).toMatchObject({ code: 'rule_violation', rule: 'zone.code' });
      expect(res.json().detailVi).toEqual(expect.any(String));
    }
    const pond = await call(admin, 'POST', '/api/v1/zones', {
      ...growing,
      scheme: 'CA_TRA',
      code: '51-01-0001-001',
    });
    expect(pond.statusCode).toBe(201);
    const dates = await call(admin, 'POST', '/api/v1/zones', {
      ...growing,
      code: 'VN-51-536-20000-02-23',
      validTo: '2023-01-01',
    });
    expect(dates.json().rule).toBe('zone.validity');
  });

  it("refuses a producer registering another producer's zone, and an officer outside the area", async () => {
    const theirs = await call(userA, 'POST', '/api/v1/zones', {
      ...growing,
      code: 'VN-51-536-20000-03-23',
      producerId: producerB.id,
    });
    expect(theirs.statusCode).toBe(403);
    const outside = await call(officer, 'POST', '/api/v1/zones', {
      ...growing,
      code: 'VN-51-536-20000-04-23',
      adminUnitId: 'qng-2025-ly-son',
    });
    expect(outside.statusCode).toBe(403);
    // The producer's unit counts when the zone has none.
    const inside = await call(officer, 'POST', '/api/v1/zones', {
      ...growing,
      code: 'VN-51-536-20000-05-23',
      producerId: producerB.id,
    });
    expect(inside.statusCode, inside.body).toBe(201);
  });
});

describe('reading and changing zones', () => {
  it('shows a producer its own zones and the shared ones', async () => {
    const res = await call(userA, 'GET', '/api/v1/zones?limit=100');
    const ids = res.json().items.map((z: { producerId: string | null; id: string }) => z.producerId);
    expect(ids.every((p: string | null) => p === null || p === producerA.id)).toBe(true);
    expect(res.json().items.map((z: { id: string }) => z.id)).toContain(sharedZone);
    expect((await call(userA, 'GET', `/api/v1/zones/${zoneB}`)).statusCode).toBe(404);
    expect((await call(userA, 'GET', `/api/v1/zones/${sharedZone}`)).statusCode).toBe(200);
    const search = await call(admin, 'GET', '/api/v1/zones?q=vn-51-536-20000-01');
    expect(search.json().items.map((z: { code: string }) => z.code)).toEqual([
      'VN-51-536-20000-01-23',
      'VN-51-536-20000-01-23',
    ]);
  });

  it('changes status and details, never the scheme or code; there is no delete', async () => {
    const mine = (await call(userA, 'GET', '/api/v1/zones?scheme=VUNG_TRONG')).json().items[0];
    const res = await call(userA, 'PATCH', `/api/v1/zones/${mine.id}`, { status: 'suspended', areaHa: 10 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'suspended', areaHa: 10, code: growing.code });
    const code = await call(admin, 'PATCH', `/api/v1/zones/${mine.id}`, { code: 'VN-51-536-20000-09-23' });
    expect(code.statusCode).toBe(400);
    const shared = await call(userA, 'PATCH', `/api/v1/zones/${sharedZone}`, { name: 'Của tôi' });
    expect(shared.statusCode).toBe(403);
    const gone = await call(admin, 'DELETE', `/api/v1/zones/${mine.id}`);
    expect(gone.statusCode).toBe(404);
  });
});
