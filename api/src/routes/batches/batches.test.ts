import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { addDays } from '@ocop/domain';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import { makeBatch, makeProducer, makeProduct, makeZone, today } from '../../../../test/helpers/factories.ts';

type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let admin: User;
let inspector: User;
let officerLySon: User;
let officerSaHuynh: User;
let userA: User;
let userB: User;
let productA: string;
let productB: string;
let zoneA: string;
let zoneShared: string;
let zoneB: string;
let batchB: string;

function body(overrides: Record<string, unknown> = {}) {
  return {
    productId: productA,
    lot: 'TLS-2026-01',
    producedOn: addDays(today(), -3),
    bestBefore: addDays(today(), 360),
    quantity: 250.5,
    unit: 'kg',
    zones: [{ zoneId: zoneA, quantity: 200, unit: 'kg' }, { zoneId: zoneShared }],
    ...overrides,
  };
}

function post(user: User, url: string, payload: object, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: user.authorization, ...headers },
    payload,
  });
}

async function batchCount(productId: string): Promise<number> {
  const r = await t.app.db
    .selectFrom('batches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('product_id', '=', productId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.app.db;
  const a = await makeProducer(db, { admin_unit_id: 'qng-2025-ly-son' });
  const b = await makeProducer(db, { admin_unit_id: 'qng-2025-sa-huynh' });
  productA = (await makeProduct(db, { producer_id: a.id })).id;
  productB = (await makeProduct(db, { producer_id: b.id })).id;
  zoneA = (await makeZone(db, { producer_id: a.id })).id;
  zoneShared = (await makeZone(db, { producer_id: null })).id;
  zoneB = (await makeZone(db, { producer_id: b.id })).id;
  batchB = (await makeBatch(db, productB, { lot: 'SH-1' })).id;
  admin = await createUser(t.app, 'admin');
  inspector = await createUser(t.app, 'inspector');
  officerLySon = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-ly-son' });
  officerSaHuynh = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-sa-huynh' });
  userA = await createUser(t.app, 'producer', { producerId: a.id });
  userB = await createUser(t.app, 'producer', { producerId: b.id });
});
afterAll(async () => t?.close());

describe('POST /api/v1/batches', () => {
  let created: string;

  it('records a batch of your own product with its zones and events, in time order', async () => {
    const harvest = `${addDays(today(), -5)}T06:00:00+07:00`;
    const packaging = `${addDays(today(), -3)}T14:00:00+07:00`;
    const res = await post(
      userA,
      '/api/v1/batches',
      body({
        events: [
          { type: 'packaging', occurredAt: packaging, place: 'Xưởng HTX' },
          { type: 'harvest', occurredAt: harvest, adminUnitId: 'qng-2025-ly-son', actor: 'Tổ thu hoạch' },
        ],
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const batch = res.json();
    created = batch.id;
    expect(batch).toMatchObject({
      productId: productA,
      lot: 'TLS-2026-01',
      quantity: 250.5,
      unit: 'kg',
      status: 'active',
      recall: null,
      createdBy: userA.id,
    });
    expect(batch.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(batch.zones.map((z: { zoneId: string }) => z.zoneId).sort()).toEqual([zoneA, zoneShared].sort());
    expect(batch.zones.find((z: { zoneId: string }) => z.zoneId === zoneA)).toMatchObject({
      quantity: 200,
      unit: 'kg',
    });
    expect(batch.events.map((e: { type: string }) => e.type)).toEqual(['harvest', 'packaging']);
    expect(batch.events[0]).toMatchObject({ actor: 'Tổ thu hoạch', recordedBy: userA.id });
    expect(Date.parse(batch.events[0].occurredAt)).toBe(Date.parse(harvest));
    // The database triggers wrote the audit trail under the producer's name.
    const audit = await t.app.db
      .selectFrom('audit_log')
      .select(['entity', 'actor_id'])
      .where('entity_id', '=', created)
      .execute();
    expect(audit.map((a) => a.entity).sort()).toEqual(['batch_zones', 'batch_zones', 'batches']);
    expect(audit.every((a) => a.actor_id === userA.id)).toBe(true);
  });

  it('answers 409 for a lot already used for this product, in words', async () => {
    const res = await post(userA, '/api/v1/batches', body());
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      code: 'conflict',
      detail: 'A batch with lot TLS-2026-01 already exists for this product.',
    });
    expect(res.body).not.toMatch(/duplicate key|constraint|batches_product_lot_key/);
  });

  it("answers 404 for another producer's product, 403 for an inspector", async () => {
    const theirs = await post(userA, '/api/v1/batches', body({ productId: productB, lot: 'X-1', zones: [] }));
    expect(theirs.statusCode).toBe(404);
    const insp = await post(inspector, '/api/v1/batches', body({ lot: 'X-2' }));
    expect(insp.statusCode).toBe(403);
    expect(insp.json().code).toBe('forbidden');
  });

  it('checks the zones: known, usable by this producer, valid on the production day', async () => {
    const suspended = (await makeZone(t.app.db, { status: 'suspended' })).id;
    const future = (await makeZone(t.app.db, { valid_from: addDays(today(), 1) })).id;
    const cases: [unknown[], string][] = [
      [[{ zoneId: zoneB }], 'batch.zone_unknown'],
      [[{ zoneId: '00000000-0000-4000-8000-000000000000' }], 'batch.zone_unknown'],
      [[{ zoneId: suspended }], 'batch.zone_not_valid'],
      [[{ zoneId: future }], 'batch.zone_not_valid'],
      [[{ zoneId: zoneA }, { zoneId: zoneA }], 'batch.zone_repeated'],
    ];
    for (const [zones, rule] of cases) {
      const res = await post(userA, '/api/v1/batches', body({ lot: 'Z-1', zones }));
      expect(res.statusCode, rule).toBe(422);
      expect(res.json().rule).toBe(rule);
    }
    // An admin may use any zone, but not another producer's for this product.
    const foreign = await post(admin, '/api/v1/batches', body({ lot: 'Z-1', zones: [{ zoneId: zoneB }] }));
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json().rule).toBe('batch.zone_foreign');
    expect(await batchCount(productA)).toBe(1);
  });

  it('checks the dates and refuses unknown fields, wrong types and bad lots', async () => {
    const future = await post(
      userA,
      '/api/v1/batches',
      body({ lot: 'D-1', producedOn: addDays(today(), 1) }),
    );
    expect(future.statusCode).toBe(422);
    expect(future.json().rule).toBe('batch.produced_in_future');
    const bb = await post(
      userA,
      '/api/v1/batches',
      body({ lot: 'D-2', bestBefore: addDays(today(), -30), producedOn: addDays(today(), -3) }),
    );
    expect(bb.json().rule).toBe('batch.best_before');
    const eventAhead = await post(
      userA,
      '/api/v1/batches',
      body({
        lot: 'D-3',
        events: [{ type: 'harvest', occurredAt: new Date(Date.now() + 3_600_000).toISOString() }],
      }),
    );
    expect(eventAhead.json().rule).toBe('event.future');
    for (const payload of [
      body({ lot: 'D-4', colour: 'red' }),
      body({ lot: 'D-5', quantity: '10' }),
      body({ lot: 'D-6', quantity: 0 }),
      body({ lot: 'lô có dấu' }),
      body({ lot: 'D-7', zones: [{ zoneId: zoneA, share: 1 }] }),
      body({ lot: 'D-8', events: [{ type: 'teleport', occurredAt: new Date().toISOString() }] }),
      { productId: productA, lot: 'D-9' },
    ]) {
      const res = await post(userA, '/api/v1/batches', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    expect(await batchCount(productA)).toBe(1);
  });

  it('replays a retried create with the same Idempotency-Key; another body with it is refused', async () => {
    const key = { 'idempotency-key': '5f0b8a38-3d7c-4b43-9b0f-8d1c1f0a0a01' };
    const first = await post(userA, '/api/v1/batches', body({ lot: 'IDEM-1' }), key);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // Same body with its keys in another order: the same request.
    const { zones, ...rest } = body({ lot: 'IDEM-1' });
    const again = await post(userA, '/api/v1/batches', { zones, ...rest }, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await batchCount(productA)).toBe(2);

    const other = await post(userA, '/api/v1/batches', body({ lot: 'IDEM-2' }), key);
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    expect(await batchCount(productA)).toBe(2);

    // Keys belong to a user: the same key from another user is a new request.
    const admins = await post(admin, '/api/v1/batches', body({ lot: 'IDEM-3' }), key);
    expect(admins.statusCode).toBe(201);
    expect(admins.json().id).not.toBe(first.json().id);

    // A failed request releases its key, so the client may fix the body and retry with it.
    const key2 = { 'idempotency-key': 'retry-after-fix' };
    const bad = await post(userA, '/api/v1/batches', body({ lot: 'IDEM-1' }), key2);
    expect(bad.statusCode).toBe(409);
    const fixed = await post(userA, '/api/v1/batches', body({ lot: 'IDEM-4' }), key2);
    expect(fixed.statusCode).toBe(201);

    // While the first request runs, a retry is told to wait; a claim abandoned for over a minute
    // (the process died mid-request) is taken over by the retry.
    await t.app.db
      .updateTable('idempotency_keys')
      .set({ status: null, response: null })
      .where('user_id', '=', userA.id)
      .where('key', '=', key['idempotency-key'])
      .execute();
    const busy = await post(userA, '/api/v1/batches', body({ lot: 'IDEM-1' }), key);
    expect(busy.statusCode).toBe(409);
    expect(busy.json().code).toBe('idempotency_in_progress');
    await sql`update idempotency_keys set created_at = now() - interval '2 minutes'
      where user_id = ${userA.id} and key = ${key['idempotency-key']}`.execute(t.app.db);
    const takeover = await post(userA, '/api/v1/batches', body({ lot: 'IDEM-1' }), key);
    // The retry ran the handler again: the lot exists by now, so it fails and releases the key.
    expect(takeover.statusCode).toBe(409);
    expect(takeover.json().code).toBe('conflict');
    const left = await t.app.db
      .selectFrom('idempotency_keys')
      .select('key')
      .where('user_id', '=', userA.id)
      .where('key', '=', key['idempotency-key'])
      .execute();
    expect(left).toEqual([]);

    const malformed = await post(userA, '/api/v1/batches', body({ lot: 'IDEM-5' }), {
      'idempotency-key': 'a b',
    });
    expect(malformed.statusCode).toBe(400);
  });
});

describe('reading batches', () => {
  it("answers 404 for another producer's batch, 200 for the owner, admin, inspector and the area's officer", async () => {
    const expectations: [User, number][] = [
      [userA, 404],
      [userB, 200],
      [admin, 200],
      [inspector, 200],
      [officerSaHuynh, 200],
      [officerLySon, 404],
    ];
    for (const [user, status] of expectations) {
      const res = await t.app.inject({
        url: `/api/v1/batches/${batchB}`,
        headers: { authorization: user.authorization },
      });
      expect(res.statusCode).toBe(status);
    }
    expect((await t.app.inject({ url: `/api/v1/batches/${batchB}` })).statusCode).toBe(401);
  });

  it('lists only the batches a caller may see, with a total', async () => {
    const totals: [User, number][] = [
      [userA, 4],
      [userB, 1],
      [officerSaHuynh, 1],
      [admin, 5],
    ];
    for (const [user, total] of totals) {
      const res = await t.app.inject({
        url: '/api/v1/batches',
        headers: { authorization: user.authorization },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().total).toBe(total);
    }
    const filtered = await t.app.inject({
      url: `/api/v1/batches?lot=SH-1&productId=${productB}`,
      headers: { authorization: admin.authorization },
    });
    expect(filtered.json().items.map((b: { id: string }) => b.id)).toEqual([batchB]);
    const unknown = await t.app.inject({
      url: '/api/v1/batches?sort=lot',
      headers: { authorization: admin.authorization },
    });
    expect(unknown.statusCode).toBe(400);
  });
});

describe('POST /api/v1/batches/{id}/events', () => {
  it('appends events; an inspector records inspections only; the batch shows them in time order', async () => {
    const early = `${addDays(today(), -9)}T08:00:00+07:00`;
    const late = new Date(Date.now() - 60_000).toISOString();
    const ship = await post(userB, `/api/v1/batches/${batchB}/events`, {
      type: 'shipping',
      occurredAt: late,
    });
    expect(ship.statusCode, ship.body).toBe(201);
    expect(ship.json()).toMatchObject({ type: 'shipping', recordedBy: userB.id });
    const insp = await post(inspector, `/api/v1/batches/${batchB}/events`, {
      type: 'inspection',
      occurredAt: early,
      place: 'Chợ Sa Huỳnh',
      note: 'Nhãn đúng, tem còn nguyên',
    });
    expect(insp.statusCode).toBe(201);
    const wrong = await post(inspector, `/api/v1/batches/${batchB}/events`, {
      type: 'processing',
      occurredAt: late,
    });
    expect(wrong.statusCode).toBe(403);
    const theirs = await post(userA, `/api/v1/batches/${batchB}/events`, {
      type: 'storage',
      occurredAt: late,
    });
    expect(theirs.statusCode).toBe(404);
    const batch = (
      await t.app.inject({
        url: `/api/v1/batches/${batchB}`,
        headers: { authorization: userB.authorization },
      })
    ).json();
    expect(batch.events.map((e: { type: string }) => e.type)).toEqual(['inspection', 'shipping']);
  });
});

describe('POST /api/v1/batches/{id}/recall', () => {
  it('lets the owner or the area officer recall, once, with a reason', async () => {
    const outside = await post(officerLySon, `/api/v1/batches/${batchB}/recall`, {
      reason: 'Nghi nhiễm khuẩn',
    });
    expect(outside.statusCode).toBe(404);
    const other = await post(userA, `/api/v1/batches/${batchB}/recall`, { reason: 'Nghi nhiễm khuẩn' });
    expect(other.statusCode).toBe(404);
    const empty = await post(userB, `/api/v1/batches/${batchB}/recall`, {});
    expect(empty.statusCode).toBe(400);
    const res = await post(officerSaHuynh, `/api/v1/batches/${batchB}/recall`, {
      reason: 'Nghi nhiễm khuẩn',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'recalled',
      recall: { reason: 'Nghi nhiễm khuẩn', recalledBy: officerSaHuynh.id },
    });
    const again = await post(userB, `/api/v1/batches/${batchB}/recall`, { reason: 'Lần hai' });
    expect(again.statusCode).toBe(409);
    const list = await t.app.inject({
      url: '/api/v1/batches?status=recalled',
      headers: { authorization: admin.authorization },
    });
    expect(list.json().items.map((b: { id: string }) => b.id)).toEqual([batchB]);
  });
});
