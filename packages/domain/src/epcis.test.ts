import { describe, expect, it } from 'vitest';
import {
  batchEpcisDocument,
  epcisToStep,
  epcsOfEvent,
  lotClassUri,
  parseEpc,
  publicEventFields,
  quantityElement,
  stepToEpcis,
  zoneClassUri,
  type BatchEpcisInput,
} from './epcis.ts';

const ORIGIN = 'https://ocop.test';
const GTIN14 = '08935049500018';

describe('identifiers', () => {
  it('names a lot by its GS1 Digital Link URI, or by our /p/ URI without a GTIN', () => {
    expect(lotClassUri(ORIGIN, { gtin: GTIN14, ref: 'X' }, 'L-1')).toBe(
      `https://id.gs1.org/01/${GTIN14}/10/L-1`,
    );
    expect(lotClassUri(ORIGIN, { gtin: null, ref: '7K3M9Q2X' }, 'L 1')).toBe(`${ORIGIN}/p/7K3M9Q2X/10/L%201`);
    expect(zoneClassUri(ORIGIN, { scheme: 'VUNG_TRONG', code: 'VN-QNg-1' })).toBe(
      `${ORIGIN}/id/zones/VUNG_TRONG/VN-QNg-1`,
    );
  });

  it.each([
    [`https://id.gs1.org/01/${GTIN14}/10/L-1`, { gtin: GTIN14, lot: 'L-1' }],
    [`https://brand.example/products/01/${GTIN14}/10/L-1/21/S9`, { gtin: GTIN14, lot: 'L-1', serial: 'S9' }],
    [`https://id.gs1.org/01/${GTIN14}/21/S9`, { gtin: GTIN14, serial: 'S9' }],
    [`${ORIGIN}/p/7K3M9Q2X/10/L1`, { productRef: '7K3M9Q2X', lot: 'L1' }],
    // EPC URNs: company prefix 8935049, item reference with indicator digit 0 → GTIN 0 8935049 50001 8
    ['urn:epc:class:lgtin:8935049.050001.L-1', { gtin: GTIN14, lot: 'L-1' }],
    ['urn:epc:id:sgtin:8935049.050001.S%2F9', { gtin: GTIN14, serial: 'S/9' }],
  ])('reads %s', (uri, expected) => {
    expect(parseEpc(uri, ORIGIN)).toEqual(expected);
  });

  it.each([
    'https://other.example/p/7K3M9Q2X/10/L1',
    `https://id.gs1.org/01/08935049500019/10/L`,
    'urn:epc:id:sscc:0614141.1234567890',
    'urn:epc:class:lgtin:89350.050001.L',
    'not a uri',
    'ftp://id.gs1.org/01/08935049500018',
  ])('does not read %s', (uri) => {
    expect(parseEpc(uri, ORIGIN)).toBeNull();
  });
});

describe('quantities', () => {
  it('uses UN/ECE Rec. 20 codes for measures, plain counts for countable units, nothing for unknown units', () => {
    expect(quantityElement('c', 12.5, 'kg')).toEqual({ epcClass: 'c', quantity: 12.5, uom: 'KGM' });
    expect(quantityElement('c', 2, 'Lít')).toEqual({ epcClass: 'c', quantity: 2, uom: 'LTR' });
    expect(quantityElement('c', 300, 'chai')).toEqual({ epcClass: 'c', quantity: 300 });
    expect(quantityElement('c', 3, 'bao tải')).toEqual({ epcClass: 'c' });
    expect(quantityElement('c', 3, 'constructor')).toEqual({ epcClass: 'c' });
    expect(quantityElement('c', null, 'kg')).toEqual({ epcClass: 'c' });
  });
});

describe('business steps', () => {
  it('maps our steps to CBV 2.0 and back', () => {
    expect(stepToEpcis('shipping')).toEqual({
      action: 'OBSERVE',
      bizStep: 'shipping',
      disposition: 'in_transit',
    });
    expect(stepToEpcis('harvest').action).toBe('ADD');
    expect(epcisToStep({ type: 'ObjectEvent', bizStep: 'receiving' })).toBe('receiving');
    expect(epcisToStep({ type: 'ObjectEvent', bizStep: 'urn:epcglobal:cbv:bizstep:shipping' })).toBe(
      'shipping',
    );
    expect(epcisToStep({ type: 'ObjectEvent', bizStep: 'https://ns.gs1.org/cbv/BizStep-packing' })).toBe(
      'packaging',
    );
    expect(epcisToStep({ type: 'TransformationEvent', bizStep: 'shipping' })).toBe('processing');
    expect(epcisToStep({ type: 'ObjectEvent' })).toBe('other');
    expect(epcisToStep({ type: 'ObjectEvent', bizStep: 'void_shipping' })).toBe('other');
  });

  it('lists every EPC and class an event names, and keeps only public fields of partner events', () => {
    const event = {
      type: 'TransformationEvent',
      inputEPCList: ['a'],
      inputQuantityList: [{ epcClass: 'b', quantity: 1 }],
      outputQuantityList: [{ epcClass: 'c' }],
      bizTransactionList: [{ type: 'po', bizTransaction: 'urn:po:1' }],
      'example:secret': 1,
    };
    expect(epcsOfEvent(event).sort()).toEqual(['a', 'b', 'c']);
    expect(publicEventFields(event)).toEqual({
      type: 'TransformationEvent',
      inputEPCList: ['a'],
      inputQuantityList: [{ epcClass: 'b', quantity: 1 }],
      outputQuantityList: [{ epcClass: 'c' }],
    });
  });
});

describe('batchEpcisDocument', () => {
  const base: BatchEpcisInput = {
    origin: ORIGIN,
    createdAt: new Date('2026-11-29T00:00:00Z'),
    documentId: `${ORIGIN}/api/v1/batches/b1/epcis`,
    product: { gtin: GTIN14, ref: 'X', nameVi: 'Nước mắm Sa Huỳnh' },
    producer: { id: 'p1', name: 'HTX Sa Huỳnh' },
    batch: {
      lot: 'L-1',
      producedOn: '2026-10-01',
      bestBefore: '2028-10-01',
      quantity: 500,
      unit: 'chai',
      recalledAt: null,
    },
    zones: [{ scheme: 'NUOI_TRONG_THUY_SAN', code: 'QNG-01', quantity: 1200, unit: 'kg' }],
    events: [
      {
        id: 'e-ship',
        type: 'shipping',
        occurredAt: '2026-10-05T03:00:00Z',
        place: 'Kho Đức Phổ',
        adminUnitId: 'u1',
        actor: 'Công ty vận tải',
        imported: null,
      },
      {
        id: 'e-harvest',
        type: 'harvest',
        occurredAt: '2026-09-01T01:00:00Z',
        place: null,
        adminUnitId: null,
        actor: null,
        imported: null,
      },
      {
        id: 'e-proc',
        type: 'processing',
        occurredAt: '2026-09-02T01:00:00Z',
        place: 'Xưởng',
        adminUnitId: null,
        actor: null,
        imported: null,
      },
    ],
    certificationInfo: `${ORIGIN}/api/v1/certificates/c1/credential`,
    derivedEventIds: { commissioning: 'urn:uuid:1', transformation: 'urn:uuid:2', recall: 'urn:uuid:3' },
  };

  it('holds harvest, transformation, commissioning and shipping, oldest first', () => {
    const doc = batchEpcisDocument(base);
    expect(doc.type).toBe('EPCISDocument');
    expect(doc.schemaVersion).toBe('2.0');
    const events = (doc.epcisBody as { eventList: Record<string, unknown>[] }).eventList;
    expect(events.map((e) => [e.type, e.bizStep, e.eventID])).toEqual([
      ['ObjectEvent', 'commissioning', 'urn:uuid:e-harvest'],
      ['TransformationEvent', 'creating_class_instance', 'urn:uuid:e-proc'],
      ['ObjectEvent', 'commissioning', 'urn:uuid:1'],
      ['ObjectEvent', 'shipping', 'urn:uuid:e-ship'],
    ]);
    const [harvest, transformation, commissioning, shipping] = events;
    const lot = `https://id.gs1.org/01/${GTIN14}/10/L-1`;
    const zone = `${ORIGIN}/id/zones/NUOI_TRONG_THUY_SAN/QNG-01`;
    expect(harvest!.quantityList).toEqual([{ epcClass: zone, quantity: 1200, uom: 'KGM' }]);
    expect(transformation).toMatchObject({
      inputQuantityList: [{ epcClass: zone, quantity: 1200, uom: 'KGM' }],
      outputQuantityList: [{ epcClass: lot, quantity: 500 }],
      certificationInfo: base.certificationInfo,
      'ocop:place': 'Xưởng',
    });
    expect(commissioning).toMatchObject({
      action: 'ADD',
      eventTime: '2026-09-30T17:00:00.000Z',
      eventTimeZoneOffset: '+07:00',
      certificationInfo: base.certificationInfo,
      ilmd: {
        'cbvmda:lotNumber': 'L-1',
        'cbvmda:bestBeforeDate': '2028-10-01',
        'cbvmda:countryOfOrigin': 'VN',
      },
    });
    expect(shipping).toMatchObject({
      action: 'OBSERVE',
      disposition: 'in_transit',
      bizLocation: { id: `${ORIGIN}/id/admin-units/u1` },
      'ocop:actor': 'Công ty vận tải',
    });
  });

  it('adds a recall event, and repeats imported events without their private fields', () => {
    const doc = batchEpcisDocument({
      ...base,
      zones: [],
      batch: { ...base.batch, recalledAt: '2026-11-01T00:00:00Z' },
      events: [
        {
          id: 'e-imp',
          type: 'receiving',
          occurredAt: '2026-10-10T00:00:00Z',
          place: null,
          adminUnitId: null,
          actor: null,
          imported: {
            type: 'ObjectEvent',
            eventID: 'urn:uuid:partner-1',
            eventTime: '2026-10-10T00:00:00Z',
            eventTimeZoneOffset: '+07:00',
            action: 'OBSERVE',
            bizStep: 'receiving',
            quantityList: [{ epcClass: `https://id.gs1.org/01/${GTIN14}/10/L-1` }],
            bizTransactionList: [{ type: 'inv', bizTransaction: 'urn:inv:42' }],
          },
        },
      ],
    });
    const events = (doc.epcisBody as { eventList: Record<string, unknown>[] }).eventList;
    expect(events.map((e) => e.eventID)).toEqual(['urn:uuid:1', 'urn:uuid:partner-1', 'urn:uuid:3']);
    expect(events[1]!.bizTransactionList).toBeUndefined();
    expect(events[2]).toMatchObject({
      disposition: 'recalled',
      persistentDisposition: { set: ['recalled'] },
    });
    // No zones: no transformation.
    expect(events.some((e) => e.type === 'TransformationEvent')).toBe(false);
  });
});
