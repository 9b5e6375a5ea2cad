/**
 * EPCIS 2.0 (JSON-LD) for a batch's value chain, the pure parts: identifiers, the mapping between
 * our value-chain steps and CBV 2.0 business steps, and the document of one batch.
 * @see GS1 EPCIS 2.0 / CBV 2.0 (standards.md §2; schema in api/assets/epcis-2.0)
 * @see TCVN 12850:2019 (= GS1 Global Traceability Standard): one step back, one step forward
 */
import { gtinCheckDigit } from './gtin.ts';
import { parseResolverPath } from './linkset.ts';

export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
export const EPCIS_SCHEMA_VERSION = '2.0';
/** Vietnam keeps one offset all year. */
export const VIETNAM_TZ_OFFSET = '+07:00';

/** Our value-chain step kinds (the batch_events.type column). */
export type ValueChainStep =
  'harvest' | 'receiving' | 'processing' | 'packaging' | 'storage' | 'shipping' | 'inspection' | 'other';

/** The JSON-LD namespace of our extension fields (`ocop:place`, `ocop:actor`, `ocop:processing`). */
export function ocopNamespace(origin: string): string {
  return `${origin}/ns/epcis#`;
}

/** The JSON-LD `@context` of our documents: the EPCIS context plus our extension prefix. */
export function epcisContext(origin: string): [string, { ocop: string }] {
  return [EPCIS_CONTEXT, { ocop: ocopNamespace(origin) }];
}

/**
 * The class-level identifier of a lot (LGTIN): the GS1 Digital Link URI on id.gs1.org when the
 * product has a GTIN, else the same shape on our origin under the non-GS1 prefix `/p/`.
 */
export function lotClassUri(
  origin: string,
  product: { gtin: string | null; ref: string },
  lot: string,
): string {
  return product.gtin
    ? `https://id.gs1.org/01/${product.gtin}/10/${encodeURIComponent(lot)}`
    : `${origin}/p/${encodeURIComponent(product.ref)}/10/${encodeURIComponent(lot)}`;
}

/** The class of raw material from one official raw-material zone (its code is opaque). */
export function zoneClassUri(origin: string, zone: { scheme: string; code: string }): string {
  return `${origin}/id/zones/${encodeURIComponent(zone.scheme)}/${encodeURIComponent(zone.code)}`;
}

export function producerLocationUri(origin: string, producerId: string): string {
  return `${origin}/id/producers/${producerId}`;
}

export function adminUnitUri(origin: string, adminUnitId: string): string {
  return `${origin}/id/admin-units/${encodeURIComponent(adminUnitId)}`;
}

/** What an EPC or EPC class names, in our terms. */
export interface EpcRef {
  gtin?: string;
  productRef?: string;
  lot?: string;
  serial?: string;
}

function decodeEpcPart(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * Read an EPC or EPC class: a GS1 Digital Link URI on any host (with or without a path prefix),
 * our non-GS1 `/p/` URIs on `origin`, or the EPC pure-identity URNs `urn:epc:class:lgtin:` and
 * `urn:epc:id:sgtin:` (GTIN = indicator digit + company prefix + item reference + check digit).
 * Null for anything else.
 * @see GS1 EPC Tag Data Standard §6.3.1 (SGTIN), §6.4.1 (LGTIN)
 */
export function parseEpc(uri: string, origin: string): EpcRef | null {
  const urn = /^urn:epc:(class:lgtin|id:sgtin):(\d+)\.(\d+)\.(.+)$/.exec(uri);
  if (urn) {
    const [, kind, companyPrefix = '', itemRef = '', last = ''] = urn;
    if (companyPrefix.length + itemRef.length !== 13) return null;
    const body = `${itemRef.slice(0, 1)}${companyPrefix}${itemRef.slice(1)}`;
    const value = decodeEpcPart(last);
    if (value === null) return null;
    const gtin = `${body}${gtinCheckDigit(body)}`;
    return kind === 'class:lgtin' ? { gtin, lot: value } : { gtin, serial: value };
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  let path = url.pathname;
  if (url.origin === origin && path.startsWith('/p/')) {
    // our own non-GS1 identifiers
  } else {
    const at = path.indexOf('/01/');
    if (at < 0) return null;
    path = path.slice(at);
  }
  const parsed = parseResolverPath(path);
  if (!parsed.ok) return null;
  const v = parsed.value;
  return {
    ...(v.primary.ai === '01' ? { gtin: v.primary.gtin } : { productRef: v.primary.productRef }),
    ...(v.lot !== undefined ? { lot: v.lot } : {}),
    ...(v.serial !== undefined ? { serial: v.serial } : {}),
  };
}

/**
 * UN/ECE Recommendation 20 codes for the units producers write. Countable units (bottles, boxes,
 * packs…) have no code: EPCIS reads a quantity without `uom` as a count of instances.
 * @see EPCIS 2.0 §7.3.3.3 (QuantityElement), UN/ECE Rec. 20
 */
const UOM: Record<string, string | null> = {
  kg: 'KGM',
  g: 'GRM',
  gram: 'GRM',
  t: 'TNE',
  tấn: 'TNE',
  l: 'LTR',
  lít: 'LTR',
  lit: 'LTR',
  ml: 'MLT',
  chai: null,
  hộp: null,
  gói: null,
  túi: null,
  lọ: null,
  hũ: null,
  can: null,
  bình: null,
  cái: null,
  chiếc: null,
  bó: null,
  thùng: null,
  'hộp quà': null,
  'sản phẩm': null,
  bottle: null,
  box: null,
  pack: null,
  jar: null,
  piece: null,
  unit: null,
};

/**
 * The EPCIS quantity element for `quantity` of `unit`: with a Rec. 20 `uom` for measures, as a
 * count for countable units, and without quantity at all for a unit we cannot name (better no
 * figure than a wrong one).
 */
export function quantityElement(
  epcClass: string,
  quantity: number | null,
  unit: string | null,
): { epcClass: string; quantity?: number; uom?: string } {
  if (quantity === null || unit === null || !Number.isFinite(quantity)) return { epcClass };
  const key = unit.trim().toLowerCase();
  if (!Object.hasOwn(UOM, key)) return { epcClass };
  const uom = UOM[key];
  return uom ? { epcClass, quantity, uom } : { epcClass, quantity };
}

/** Our unit name for a Rec. 20 `uom` (for imported quantities), or the code itself. */
export function unitOfUom(uom: string | undefined): string {
  if (uom === undefined) return 'unit';
  const found = Object.entries(UOM).find(([, code]) => code === uom);
  return found ? found[0] : uom;
}

interface StepMapping {
  action: 'ADD' | 'OBSERVE';
  bizStep: string;
  disposition?: string;
}

/** How each of our value-chain steps is written in EPCIS (CBV 2.0 values where one fits). */
export function stepToEpcis(step: ValueChainStep): StepMapping {
  switch (step) {
    case 'harvest':
      return { action: 'ADD', bizStep: 'commissioning', disposition: 'active' };
    case 'receiving':
      return { action: 'OBSERVE', bizStep: 'receiving', disposition: 'in_progress' };
    case 'processing':
      // CBV 2.0 has no "processing" step; processing is the TransformationEvent where inputs exist.
      return { action: 'OBSERVE', bizStep: 'ocop:processing', disposition: 'in_progress' };
    case 'packaging':
      return { action: 'OBSERVE', bizStep: 'packing', disposition: 'in_progress' };
    case 'storage':
      return { action: 'OBSERVE', bizStep: 'storing', disposition: 'sellable_not_accessible' };
    case 'shipping':
      return { action: 'OBSERVE', bizStep: 'shipping', disposition: 'in_transit' };
    case 'inspection':
      return { action: 'OBSERVE', bizStep: 'inspecting' };
    case 'other':
      return { action: 'OBSERVE', bizStep: 'other' };
  }
}

/** CBV business steps (short names or their full URIs) read back into our step kinds. */
const BIZSTEP_TO_STEP: Record<string, ValueChainStep> = {
  commissioning: 'harvest',
  creating_class_instance: 'processing',
  assembling: 'processing',
  receiving: 'receiving',
  arriving: 'receiving',
  accepting: 'receiving',
  unloading: 'receiving',
  shipping: 'shipping',
  departing: 'shipping',
  loading: 'shipping',
  transporting: 'shipping',
  packing: 'packaging',
  repackaging: 'packaging',
  storing: 'storage',
  stocking: 'storage',
  holding: 'storage',
  inspecting: 'inspection',
  sampling: 'inspection',
  processing: 'processing',
  harvesting: 'harvest',
};

/** The step kind of an imported EPCIS event (TransformationEvents are processing). */
export function epcisToStep(event: { type?: unknown; bizStep?: unknown }): ValueChainStep {
  if (event.type === 'TransformationEvent') return 'processing';
  if (typeof event.bizStep !== 'string') return 'other';
  const name = event.bizStep
    .replace(/^urn:epcglobal:cbv:bizstep:/, '')
    .replace(/^https?:\/\/ns\.gs1\.org\/cbv\/BizStep-/, '')
    .replace(/^ocop:/, '');
  return BIZSTEP_TO_STEP[name] ?? 'other';
}

/** Every EPC and EPC class an event names, in any of its lists. */
export function epcsOfEvent(event: Record<string, unknown>): string[] {
  const out: string[] = [];
  const strings = (v: unknown) => {
    if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') out.push(s);
  };
  const classes = (v: unknown) => {
    if (!Array.isArray(v)) return;
    for (const q of v) {
      const c = (q as { epcClass?: unknown } | null)?.epcClass;
      if (typeof c === 'string') out.push(c);
    }
  };
  strings(event.epcList);
  strings(event.inputEPCList);
  strings(event.outputEPCList);
  strings(event.childEPCs);
  classes(event.quantityList);
  classes(event.inputQuantityList);
  classes(event.outputQuantityList);
  classes(event.childQuantityList);
  if (typeof event.parentID === 'string') out.push(event.parentID);
  return out;
}

/**
 * Fields of an imported partner event that we publish again. Everything else (business
 * transactions such as purchase orders and invoices, sensor data, partner extensions) stays in
 * the stored original and out of public documents.
 */
const PUBLIC_EVENT_FIELDS = [
  'type',
  'eventID',
  'eventTime',
  'eventTimeZoneOffset',
  'recordTime',
  'certificationInfo',
  'errorDeclaration',
  'action',
  'bizStep',
  'disposition',
  'persistentDisposition',
  'readPoint',
  'bizLocation',
  'epcList',
  'quantityList',
  'parentID',
  'childEPCs',
  'childQuantityList',
  'inputEPCList',
  'inputQuantityList',
  'outputEPCList',
  'outputQuantityList',
  'transformationID',
  'sourceList',
  'destinationList',
  'ilmd',
] as const;

export function publicEventFields(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of PUBLIC_EVENT_FIELDS) if (event[k] !== undefined) out[k] = event[k];
  return out;
}

export interface ExportZone {
  scheme: string;
  code: string;
  quantity: number | null;
  unit: string | null;
}

export interface ExportEvent {
  id: string;
  type: ValueChainStep;
  /** ISO timestamp. */
  occurredAt: string;
  place: string | null;
  adminUnitId: string | null;
  actor: string | null;
  /** The partner's original event, when the step was imported from an EPCIS document. */
  imported: Record<string, unknown> | null;
}

export interface BatchEpcisInput {
  origin: string;
  createdAt: Date;
  documentId: string;
  product: { gtin: string | null; ref: string; nameVi: string };
  producer: { id: string; name: string };
  batch: {
    lot: string;
    producedOn: string;
    bestBefore: string | null;
    quantity: number;
    unit: string;
    recalledAt: string | null;
  };
  zones: readonly ExportZone[];
  events: readonly ExportEvent[];
  /** URL of the certificate credential behind the batch, for `certificationInfo`. */
  certificationInfo: string | null;
  /** Stable eventIDs of the events we derive rather than store (URIs). */
  derivedEventIds: { commissioning: string; transformation: string; recall: string };
}

type EpcisEvent = Record<string, unknown>;

function at(iso: string): { eventTime: string; eventTimeZoneOffset: string } {
  return { eventTime: new Date(iso).toISOString(), eventTimeZoneOffset: VIETNAM_TZ_OFFSET };
}

function startOfDay(date: string): string {
  return `${date}T00:00:00${VIETNAM_TZ_OFFSET}`;
}

/**
 * The EPCIS 2.0 document of one batch, oldest event first:
 * - one ObjectEvent per recorded value-chain step (harvest commissions the raw material of the
 *   batch's zones; the other steps observe the lot), with the place as `bizLocation` when it is
 *   an administrative unit;
 * - a TransformationEvent from the raw material of the batch's zones to the lot, at the first
 *   processing step (or the production day), when the batch used zones;
 * - an ObjectEvent ADD `commissioning` of the lot on its production day, with the lot and
 *   best-before date as ILMD and `certificationInfo` pointing at the OCOP certificate credential;
 * - an ObjectEvent with disposition `recalled` when the batch was recalled;
 * - events imported from partners as they came, minus non-public fields.
 * Only public value-chain data: no user ids, notes or partner business transactions.
 */
export function batchEpcisDocument(input: BatchEpcisInput): Record<string, unknown> {
  const { origin, product, batch } = input;
  const lotClass = lotClassUri(origin, product, batch.lot);
  const lotQuantity = quantityElement(lotClass, batch.quantity, batch.unit);
  const producerLocation = { id: producerLocationUri(origin, input.producer.id) };
  const zoneQuantities = input.zones.map((z) => quantityElement(zoneClassUri(origin, z), z.quantity, z.unit));
  const cert = input.certificationInfo ? { certificationInfo: input.certificationInfo } : {};
  const ilmd: Record<string, string> = { 'cbvmda:lotNumber': batch.lot, 'cbvmda:countryOfOrigin': 'VN' };
  if (batch.bestBefore) ilmd['cbvmda:bestBeforeDate'] = batch.bestBefore;

  const timed: { time: number; event: EpcisEvent }[] = [];
  const push = (event: EpcisEvent) => timed.push({ time: Date.parse(String(event.eventTime)), event });

  const transformationStep =
    zoneQuantities.length > 0 ? input.events.find((e) => e.type === 'processing' && !e.imported) : undefined;
  if (zoneQuantities.length > 0) {
    push({
      type: 'TransformationEvent',
      ...at(transformationStep?.occurredAt ?? startOfDay(batch.producedOn)),
      eventID: transformationStep
        ? `urn:uuid:${transformationStep.id}`
        : input.derivedEventIds.transformation,
      ...cert,
      inputQuantityList: zoneQuantities,
      outputQuantityList: [lotQuantity],
      bizStep: 'creating_class_instance',
      disposition: 'active',
      readPoint: producerLocation,
      bizLocation: producerLocation,
      ilmd,
      ...(transformationStep?.place ? { 'ocop:place': transformationStep.place } : {}),
      ...(transformationStep?.actor ? { 'ocop:actor': transformationStep.actor } : {}),
    });
  }

  push({
    type: 'ObjectEvent',
    ...at(startOfDay(batch.producedOn)),
    eventID: input.derivedEventIds.commissioning,
    ...cert,
    action: 'ADD',
    quantityList: [lotQuantity],
    bizStep: 'commissioning',
    disposition: 'active',
    readPoint: producerLocation,
    bizLocation: producerLocation,
    ilmd,
  });

  for (const e of input.events) {
    if (e === transformationStep) continue;
    if (e.imported) {
      push(publicEventFields(e.imported));
      continue;
    }
    const m = stepToEpcis(e.type);
    const location = e.adminUnitId ? { id: adminUnitUri(origin, e.adminUnitId) } : undefined;
    const what = e.type === 'harvest' && zoneQuantities.length > 0 ? zoneQuantities : [lotQuantity];
    push({
      type: 'ObjectEvent',
      ...at(e.occurredAt),
      eventID: `urn:uuid:${e.id}`,
      action: m.action,
      quantityList: what,
      bizStep: m.bizStep,
      ...(m.disposition ? { disposition: m.disposition } : {}),
      ...(location ? { readPoint: location, bizLocation: location } : {}),
      ...(e.place ? { 'ocop:place': e.place } : {}),
      ...(e.actor ? { 'ocop:actor': e.actor } : {}),
      'ocop:step': e.type,
    });
  }

  if (batch.recalledAt) {
    push({
      type: 'ObjectEvent',
      ...at(batch.recalledAt),
      eventID: input.derivedEventIds.recall,
      action: 'OBSERVE',
      quantityList: [lotQuantity],
      bizStep: 'holding',
      disposition: 'recalled',
      persistentDisposition: { set: ['recalled'] },
    });
  }

  timed.sort((a, b) => a.time - b.time);
  return {
    '@context': epcisContext(origin),
    id: input.documentId,
    type: 'EPCISDocument',
    schemaVersion: EPCIS_SCHEMA_VERSION,
    creationDate: input.createdAt.toISOString(),
    epcisHeader: {
      epcisMasterData: {
        vocabularyList: [
          {
            type: 'urn:epcglobal:epcis:vtype:EPCClass',
            vocabularyElementList: [
              {
                id: lotClass,
                attributes: [
                  { id: 'cbvmda:descriptionShort', attribute: product.nameVi },
                  { id: 'cbvmda:manufacturerOfTradeItemPartyName', attribute: input.producer.name },
                  { id: 'cbvmda:lotNumber', attribute: batch.lot },
                ],
              },
            ],
          },
          {
            type: 'urn:epcglobal:epcis:vtype:BusinessLocation',
            vocabularyElementList: [
              {
                id: producerLocation.id,
                attributes: [{ id: 'cbvmda:name', attribute: input.producer.name }],
              },
            ],
          },
        ],
      },
    },
    epcisBody: { eventList: timed.map((t) => t.event) },
  };
}

/** An EPCIS 2.0 query document (the answer of `GET …/events`) holding `events`. */
export function epcisQueryDocument(
  origin: string,
  createdAt: Date,
  events: readonly EpcisEvent[],
): Record<string, unknown> {
  return {
    '@context': epcisContext(origin),
    type: 'EPCISQueryDocument',
    schemaVersion: EPCIS_SCHEMA_VERSION,
    creationDate: createdAt.toISOString(),
    epcisBody: {
      queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList: [...events] } },
    },
  };
}
