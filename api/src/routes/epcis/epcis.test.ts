import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, toGtin14 } from '@ocop/domain';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import {
  makeBatch,
  makeCertificate,
  makeProducer,
  makeProduct,
  makeZone,
  today,
} from '../../../../test/helpers/factories.ts';

/**
 * EPCIS 2.0 export, query and import. Every document is checked here against the official
 * EPCIS 2.0 JSON schema with a validator of the test's own (not the one the routes use).
 */
const ORIGIN = 'https://ocop.test';
const officialSchema = JSON.parse(
  readFileSync(new URL('../../../assets/epcis-2.0/EPCIS-JSON-Schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const validateOfficial = addFormats
  .default(new Ajv.default({ strict: false, allErrors: true }))
  .compile(officialSchema);

function expectValidEpcis(doc: unknown) {
  const ok = validateOfficial(doc);
  expect(validateOfficial.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

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

type Event = Record<string, unknown>;
const eventsOf = (doc: {
  epcisBody: { eventList?: Event[]; queryResults?: { resultsBody: { eventList: Event[] } } };
}) => doc.epcisBody.eventList ?? doc.epcisBody.queryResults!.resultsBody.eventList;

let t: TestApp;
let producerId: string;
let gtin: string;
let lot: string;
let batchId: string;
let certId: string;
let lotClass: string;
let zoneCode: string;
let serial: string;

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.app.db;
  producerId = (await makeProducer(db, { name: 'HTX Nước mắm Sa Huỳnh' })).id;
  gtin = newGtin();
  const product = await makeProduct(db, { producer_id: producerId, gtin, name_vi: 'Nước mắm cá cơm' });
  certId = (await makeCertificate(db, product.id, { stars: 4 })).id;
  const zone = await makeZone(db, { crop_or_species: 'Cá cơm' });
  zoneCode = zone.code;
  const batch = await makeBatch(db, product.id, {
    produced_on: addDays(today(), -20),
    quantity: 500,
    unit: 'chai',
  });
  batchId = batch.id;
  lot = batch.lot;
  lotClass = `https://id.gs1.org/01/${gtin}/10/${lot}`;
  await db
    .insertInto('batch_zones')
    .values({ batch_id: batchId, zone_id: zone.id, quantity: 1200, unit: 'kg' })
    .execute();
  const at = (days: number) => new Date(`${addDays(today(), days)}T08:00:00+07:00`);
  await db
    .insertInto('batch_events')
    .values([
      {
        batch_id: batchId,
        type: 'harvest',
        occurred_at: at(-40),
        place: 'Biển Sa Huỳnh',
        note: 'ghi chú nội bộ',
      },
      { batch_id: batchId, type: 'processing', occurred_at: at(-39), place: 'Nhà thùng', actor: 'HTX' },
      {
        batch_id: batchId,
        type: 'shipping',
        occurred_at: at(-10),
        place: 'Kho Đức Phổ',
        admin_unit_id: 'qng-2025-ly-son',
      },
      {
        batch_id: batchId,
        type: 'receiving',
        occurred_at: at(-8),
        place: 'Siêu thị Quảng Ngãi',
        actor: 'Co.op',
      },
    ])
    .execute();
  // One unit code, issued the ordinary way by the batch's producer.
  const producer = await createUser(t.app, 'producer', { producerId });
  const issued = await t.app.inject({
    method: 'POST',
    url: `/api/v1/batches/${batchId}/codes`,
    headers: { authorization: producer.authorization },
    payload: { serials: 1 },
  });
  expect(issued.statusCode).toBe(201);
  serial = issued.json<{ units: { urls: string[] } }>().units.urls[0]!.split('/21/')[1]!.split('?')[0]!;
});
afterAll(async () => t?.close());

describe('GET /api/v1/batches/{id}/epcis', () => {
  it('is an EPCIS 2.0 JSON-LD document valid against the official schema', async () => {
    const res = await t.app.inject({ url: `/api/v1/batches/${batchId}/epcis?k=ABCDEFGH&s=passed-on` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/ld\+json/);
    expect(res.headers['gs1-epcis-version']).toBe('2.0.0');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const doc = res.json();
    expectValidEpcis(doc);
    expect(doc).toMatchObject({ type: 'EPCISDocument', schemaVersion: '2.0' });
    expect(doc['@context'][0]).toBe('https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld');
  });

  it('holds commissioning, the transformation from the zone, shipping and receiving, with certificationInfo', async () => {
    const doc = (await t.app.inject({ url: `/api/v1/batches/${batchId}/epcis` })).json();
    const events = eventsOf(doc);
    const credential = `${ORIGIN}/api/v1/certificates/${certId}/credential`;
    const zoneClass = `${ORIGIN}/id/zones/OTHER/${zoneCode}`;
    const commissioning = events.find((e) => e.type === 'ObjectEvent' && e.action === 'ADD' && e.ilmd);
    expect(commissioning).toMatchObject({
      bizStep: 'commissioning',
      quantityList: [{ epcClass: lotClass, quantity: 500 }],
      certificationInfo: credential,
      ilmd: { 'cbvmda:lotNumber': lot },
    });
    const transformation = events.find((e) => e.type === 'TransformationEvent');
    expect(transformation).toMatchObject({
      inputQuantityList: [{ epcClass: zoneClass, quantity: 1200, uom: 'KGM' }],
      outputQuantityList: [{ epcClass: lotClass, quantity: 500 }],
      certificationInfo: credential,
    });
    expect(events.find((e) => e.bizStep === 'shipping')).toMatchObject({
      action: 'OBSERVE',
      disposition: 'in_transit',
      bizLocation: { id: `${ORIGIN}/id/admin-units/qng-2025-ly-son` },
      'ocop:place': 'Kho Đức Phổ',
    });
    expect(events.find((e) => e.bizStep === 'receiving')).toMatchObject({ 'ocop:actor': 'Co.op' });
    // Oldest first; every event identified.
    const times = events.map((e) => Date.parse(String(e.eventTime)));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.every((e) => typeof e.eventID === 'string')).toBe(true);
  });

  it('keeps producer-private fields out and names the same events the same way every time', async () => {
    const a = await t.app.inject({ url: `/api/v1/batches/${batchId}/epcis` });
    const b = await t.app.inject({ url: `/api/v1/batches/${batchId}/epcis` });
    expect(a.body).not.toContain('ghi chú nội bộ');
    expect(a.body).not.toMatch(/recorded_by|created_by|password/);
    expect(eventsOf(a.json()).map((e) => e.eventID)).toEqual(eventsOf(b.json()).map((e) => e.eventID));
  });

  it('names a product without a GTIN by our /p/ identifier, and a recalled batch carries a recall event', async () => {
    const product = await makeProduct(t.app.db, { producer_id: producerId });
    const batch = await makeBatch(t.app.db, product.id, {
      status: 'recalled',
      recall_reason: 'Sai nhãn',
      recalled_at: new Date(),
    });
    const doc = (await t.app.inject({ url: `/api/v1/batches/${batch.id}/epcis` })).json();
    expectValidEpcis(doc);
    const events = eventsOf(doc);
    expect((events[0]!.quantityList as { epcClass: string }[])[0]!.epcClass).toBe(
      `${ORIGIN}/p/${product.public_ref}/10/${batch.lot}`,
    );
    expect(events.at(-1)).toMatchObject({ disposition: 'recalled' });
    // No certificate: no certificationInfo.
    expect(events.some((e) => 'certificationInfo' in e)).toBe(false);
  });

  it('answers 404 for an unknown batch and 400 for a malformed id', async () => {
    expect((await t.app.inject({ url: `/api/v1/batches/${crypto.randomUUID()}/epcis` })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ url: '/api/v1/batches/nope/epcis' })).statusCode).toBe(400);
  });

  it('is what the resolver gs1:traceability link leads to', async () => {
    const res = await t.app.inject({ url: `/01/${gtin}/10/${lot}?linkType=gs1:traceability` });
    expect(res.statusCode).toBe(307);
    const follow = await t.app.inject({ url: res.headers.location!.replace(ORIGIN, '') });
    expect(follow.statusCode).toBe(200);
    expectValidEpcis(follow.json());
  });
});

describe('GET /api/v1/epcis/events', () => {
  it('finds the events of a lot by class (MATCH_epcClass), as a valid query document', async () => {
    const res = await t.app.inject({
      url: `/api/v1/epcis/events?MATCH_epcClass=${encodeURIComponent(lotClass)}`,
    });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expectValidEpcis(doc);
    expect(doc.type).toBe('EPCISQueryDocument');
    const events = eventsOf(doc);
    // The harvest names the zone's raw material, not the lot; everything else names the lot.
    expect(events.map((e) => e.bizStep).sort()).toEqual(
      ['commissioning', 'creating_class_instance', 'receiving', 'shipping'].sort(),
    );
  });

  it('a unit (MATCH_epc / EQ_epc, our code URL or an EPC URN) matches the events of its lot', async () => {
    const prefix = gtin.slice(1, 8);
    const itemRef = `${gtin.slice(0, 1)}${gtin.slice(8, 13)}`;
    for (const epc of [
      `${ORIGIN}/01/${gtin}/10/${lot}/21/AbCdEf123456`,
      `urn:epc:class:lgtin:${prefix}.${itemRef}.${lot}`,
      // Without its lot: found through the codes issued for the batch.
      `https://id.gs1.org/01/${gtin}/21/${serial}`,
      `urn:epc:id:sgtin:${prefix}.${itemRef}.${serial}`,
    ]) {
      for (const param of ['MATCH_epc', 'EQ_epc', 'MATCH_anyEPC']) {
        const res = await t.app.inject({ url: `/api/v1/epcis/events?${param}=${encodeURIComponent(epc)}` });
        expect(res.statusCode).toBe(200);
        expect(eventsOf(res.json()).length).toBe(4);
      }
    }
  });

  it('lot= returns every event of the batches with that lot; filters narrow it', async () => {
    const all = eventsOf(
      (await t.app.inject({ url: `/api/v1/epcis/events?lot=${lot}&gtin=${gtin}` })).json(),
    );
    expect(all).toHaveLength(5);
    const shipping = await t.app.inject({
      url: `/api/v1/epcis/events?lot=${lot}&EQ_bizStep=shipping|receiving`,
    });
    expect(
      eventsOf(shipping.json())
        .map((e) => e.bizStep)
        .sort(),
    ).toEqual(['receiving', 'shipping']);
    const transformations = await t.app.inject({
      url: `/api/v1/epcis/events?lot=${lot}&eventType=TransformationEvent`,
    });
    expect(eventsOf(transformations.json())).toHaveLength(1);
    const recent = await t.app.inject({
      url: `/api/v1/epcis/events?lot=${lot}&GE_eventTime=${encodeURIComponent(`${addDays(today(), -12)}T00:00:00Z`)}`,
    });
    expect(
      eventsOf(recent.json())
        .map((e) => e.bizStep)
        .sort(),
    ).toEqual(['receiving', 'shipping']);
  });

  it('refuses a query without an identifier, with an unknown parameter or an unreadable EPC', async () => {
    for (const q of [
      '',
      '?EQ_bizStep=shipping',
      '?foo=bar&lot=A',
      '?MATCH_epc=hello',
      `?MATCH_epc=${encodeURIComponent('https://id.gs1.org/01/08935049500019/10/A')}`,
    ]) {
      const res = await t.app.inject({ url: `/api/v1/epcis/events${q}` });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('answers an empty, valid document when nothing matches', async () => {
    const res = await t.app.inject({
      url: `/api/v1/epcis/events?MATCH_epcClass=${encodeURIComponent(`https://id.gs1.org/01/${newGtin()}/10/X`)}`,
    });
    expect(res.statusCode).toBe(200);
    expectValidEpcis(res.json());
    expect(eventsOf(res.json())).toEqual([]);
  });
});

describe('POST /api/v1/batches/{id}/epcis (import)', () => {
  function partnerDocument(events: Event[]) {
    return {
      '@context': [
        'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
        { example: 'https://partner.example/ns#' },
      ],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: '2026-11-20T08:00:00Z',
      sender: 'Công ty Phân phối Miền Trung',
      epcisBody: { eventList: events },
    };
  }
  const receiving = (id: string): Event => ({
    type: 'ObjectEvent',
    eventID: id,
    eventTime: '2026-11-20T01:00:00Z',
    eventTimeZoneOffset: '+07:00',
    action: 'OBSERVE',
    bizStep: 'receiving',
    disposition: 'in_progress',
    quantityList: [{ epcClass: lotClass, quantity: 120 }],
    bizLocation: { id: 'https://id.gs1.org/414/8935049500001' },
    bizTransactionList: [{ type: 'inv', bizTransaction: 'urn:partner:invoice:42' }],
    'example:warehouseSlot': 'B-12',
  });

  it('imports a partner document into the own batch, idempotently on eventID', async () => {
    const producer = await createUser(t.app, 'producer', { producerId });
    const doc = partnerDocument([receiving('urn:uuid:7f0d3f5e-1f27-4b5e-9a36-2d6f4f7b9c01')]);
    const first = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${batchId}/epcis`,
      headers: { authorization: producer.authorization, 'content-type': 'application/ld+json' },
      payload: JSON.stringify(doc),
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ batchId, received: 1, imported: 1, duplicates: 0 });
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${batchId}/epcis`,
      headers: { authorization: producer.authorization },
      payload: doc,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ imported: 0, duplicates: 1 });
    expect(again.json().events[0].batchEventId).toBe(first.json().events[0].batchEventId);

    // It is now a value-chain step of the batch…
    const step = await t.app.db
      .selectFrom('batch_events')
      .selectAll()
      .where('id', '=', first.json().events[0].batchEventId)
      .executeTakeFirstOrThrow();
    expect(step).toMatchObject({
      batch_id: batchId,
      type: 'receiving',
      actor: 'Công ty Phân phối Miền Trung',
      recorded_by: producer.id,
    });
    // …audited under the importing user…
    const audit = await t.app.db
      .selectFrom('audit_log')
      .select(['actor_id', 'entity'])
      .where('entity', '=', 'epcis_events')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(1);
    expect(audit.every((a) => a.actor_id === producer.id)).toBe(true);
    // …and exported as it came, minus the partner's business transactions and extensions.
    const exported = (await t.app.inject({ url: `/api/v1/batches/${batchId}/epcis` })).json();
    expectValidEpcis(exported);
    const mine = eventsOf(exported).find(
      (e) => e.eventID === 'urn:uuid:7f0d3f5e-1f27-4b5e-9a36-2d6f4f7b9c01',
    );
    expect(mine).toMatchObject({
      bizStep: 'receiving',
      bizLocation: { id: 'https://id.gs1.org/414/8935049500001' },
    });
    expect(mine!.bizTransactionList).toBeUndefined();
    expect(mine!['example:warehouseSlot']).toBeUndefined();
  });

  it('names an event without eventID by its content, so re-sending it imports nothing twice', async () => {
    const admin = await createUser(t.app, 'admin');
    const { eventID: _drop, ...noId } = receiving('x');
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/batches/${batchId}/epcis`,
        headers: { authorization: admin.authorization },
        payload: partnerDocument([{ ...noId, bizStep: 'storing' }]),
      });
    const first = await post();
    expect(first.statusCode).toBe(201);
    expect(first.json().events[0].eventID).toMatch(/^ni:\/\/\/sha-256;[A-Za-z0-9_-]{43}$/);
    const second = await post();
    expect(second.json()).toMatchObject({ imported: 0, duplicates: 1 });
  });

  it('accepts events that name issued units of the batch without their lot, not made-up ones', async () => {
    const admin = await createUser(t.app, 'admin');
    const unitEvent = (id: string, s: string): Event => ({
      ...receiving(id),
      quantityList: undefined,
      epcList: [`https://id.gs1.org/01/${gtin}/21/${s}`],
    });
    const { quantityList: _q, ...withoutQuantities } = unitEvent('urn:uuid:unit-ok', serial);
    const ok = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${batchId}/epcis`,
      headers: { authorization: admin.authorization },
      payload: partnerDocument([withoutQuantities]),
    });
    expect(ok.statusCode).toBe(201);
    const { quantityList: _r, ...madeUp } = unitEvent('urn:uuid:unit-bad', 'NotIssued999');
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${batchId}/epcis`,
      headers: { authorization: admin.authorization },
      payload: partnerDocument([madeUp]),
    });
    expect(bad.statusCode).toBe(422);
  });

  it('refuses a document that is not valid EPCIS 2.0, with the schema errors', async () => {
    const admin = await createUser(t.app, 'admin');
    const bad = partnerDocument([{ ...receiving('urn:uuid:1'), action: 'MOVE', eventTimeZoneOffset: '7h' }]);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${batchId}/epcis`,
      headers: { authorization: admin.authorization },
      payload: bad,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'epcis_invalid' });
    expect(res.json().errors.length).toBeGreaterThan(0);
    const notEpcis = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${batchId}/epcis`,
      headers: { authorization: admin.authorization },
      payload: { type: 'Invoice' },
    });
    expect(notEpcis.statusCode).toBe(400);
  });

  it('refuses events that do not name this batch (422), importing none of the document', async () => {
    const admin = await createUser(t.app, 'admin');
    const other = {
      ...receiving('urn:uuid:other'),
      quantityList: [{ epcClass: `https://id.gs1.org/01/${gtin}/10/OTHERLOT` }],
    };
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${batchId}/epcis`,
      headers: { authorization: admin.authorization },
      payload: partnerDocument([receiving('urn:uuid:fine'), other]),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      code: 'epcis_unrelated_events',
      events: [{ index: 1, eventID: 'urn:uuid:other' }],
    });
    const stored = await t.app.db
      .selectFrom('epcis_events')
      .select('event_id')
      .where('event_id', '=', 'urn:uuid:fine')
      .execute();
    expect(stored).toEqual([]);
  });

  it('lets only the batch’s producer and administrators import', async () => {
    const payload = partnerDocument([receiving('urn:uuid:authz')]);
    const url = `/api/v1/batches/${batchId}/epcis`;
    expect((await t.app.inject({ method: 'POST', url, payload })).statusCode).toBe(401);
    const inspector = await createUser(t.app, 'inspector');
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url,
          payload,
          headers: { authorization: inspector.authorization },
        })
      ).statusCode,
    ).toBe(403);
    const stranger = await createUser(t.app, 'producer', { producerId: (await makeProducer(t.app.db)).id });
    const res = await t.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { authorization: stranger.authorization },
    });
    expect(res.statusCode).toBe(404);
    // No CORS on the import.
    const admin = await createUser(t.app, 'admin');
    const ok = await t.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { authorization: admin.authorization, origin: 'https://partner.example' },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.headers['access-control-allow-origin']).toBeUndefined();
  });
});
