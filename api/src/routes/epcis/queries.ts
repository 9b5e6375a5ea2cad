import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '@ocop/db';
import {
  batchEpcisDocument,
  epcisToStep,
  type EpcRef,
  type ExportEvent,
  type ValueChainStep,
} from '@ocop/domain';
import { certificateForBatch, certificatesOfProduct, credentialUrl } from '../credentials/queries.ts';

/** A batch with what identifies it publicly (product GTIN or public reference, lot, producer). */
export interface BatchIdentity {
  id: string;
  lot: string;
  productId: string;
  producerId: string;
  gtin: string | null;
  productRef: string;
}

/**
 * Deterministic name-based UUID (RFC 9562 version 5) for the events we derive rather than store,
 * so a batch's document names them the same way every time.
 */
const NAMESPACE = Buffer.from('6f1c2e0a9b7d4c3e8a5f0b1d2c3e4f5a', 'hex');
export function derivedEventId(batchId: string, kind: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(`${batchId}:${kind}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The batch and its product's identifiers, or undefined. */
export async function findBatchIdentity(
  db: Kysely<Database>,
  batchId: string,
): Promise<BatchIdentity | undefined> {
  const row = await db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .select(['b.id', 'b.lot', 'p.id as product_id', 'p.producer_id', 'p.gtin', 'p.public_ref'])
    .where('b.id', '=', batchId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    lot: row.lot,
    productId: row.product_id,
    producerId: row.producer_id,
    gtin: row.gtin,
    productRef: row.public_ref,
  };
}

/**
 * The batches an EPC or EPC class names, at most `limit`, with their lots: a lot (class level),
 * or a unit by its serial (the codes issued for it).
 */
export async function findBatchesByRef(
  db: Kysely<Database>,
  ref: EpcRef,
  limit = 20,
): Promise<{ id: string; lot: string }[]> {
  if (ref.gtin === undefined && ref.productRef === undefined) return [];
  let q = db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .select(['b.id', 'b.lot']);
  q =
    ref.gtin !== undefined ? q.where('p.gtin', '=', ref.gtin) : q.where('p.public_ref', '=', ref.productRef!);
  if (ref.lot !== undefined) q = q.where('b.lot', '=', ref.lot);
  else if (ref.serial !== undefined) {
    const serial = ref.serial;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('codes as c')
          .select('c.path')
          .whereRef('c.batch_id', '=', 'b.id')
          .where('c.serial', '=', serial),
      ),
    );
  } else return [];
  return q.orderBy('b.produced_on', 'desc').limit(limit).execute();
}

/** Which of `serials` were issued as unit codes of the batch. */
export async function issuedSerials(
  db: Kysely<Database>,
  batchId: string,
  serials: readonly string[],
): Promise<Set<string>> {
  if (serials.length === 0) return new Set();
  const rows = await db
    .selectFrom('codes')
    .select('serial')
    .where('batch_id', '=', batchId)
    .where('serial', 'in', [...serials])
    .execute();
  return new Set(rows.map((r) => r.serial).filter((s): s is string => s !== null));
}

/** The batches with a given lot, optionally of one GTIN, newest first, at most `limit`. */
export async function findBatchesByLot(
  db: Kysely<Database>,
  lot: string,
  gtin: string | undefined,
  limit = 20,
): Promise<string[]> {
  let q = db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .select('b.id')
    .where('b.lot', '=', lot);
  if (gtin !== undefined) q = q.where('p.gtin', '=', gtin);
  const rows = await q.orderBy('b.produced_on', 'desc').limit(limit).execute();
  return rows.map((r) => r.id);
}

function isoOf(v: Date | string): string {
  return new Date(v).toISOString();
}

/**
 * The EPCIS 2.0 document of a batch, from its public data only (batch, product, producer name,
 * zones with their official codes, value-chain steps, the certificate that vouches for it).
 * Undefined for an unknown batch.
 */
export async function batchEpcis(
  db: Kysely<Database>,
  origin: string,
  batchId: string,
  now: Date,
): Promise<Record<string, unknown> | undefined> {
  const b = await db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .select([
      'b.id',
      'b.lot',
      'b.produced_on',
      'b.best_before',
      'b.quantity',
      'b.unit',
      'b.recalled_at',
      'p.id as product_id',
      'p.gtin',
      'p.public_ref',
      'p.name_vi',
      'pr.id as producer_id',
      'pr.name as producer_name',
    ])
    .where('b.id', '=', batchId)
    .executeTakeFirst();
  if (!b) return undefined;
  const [zones, events, certs] = await Promise.all([
    db
      .selectFrom('batch_zones as bz')
      .innerJoin('raw_material_zones as z', 'z.id', 'bz.zone_id')
      .select(['z.scheme', 'z.code', 'bz.quantity', 'bz.unit'])
      .where('bz.batch_id', '=', batchId)
      .orderBy('z.scheme')
      .orderBy('z.code')
      .execute(),
    db
      .selectFrom('batch_events as e')
      .leftJoin('epcis_events as x', (j) =>
        j.onRef('x.batch_event_id', '=', 'e.id').onRef('x.batch_id', '=', 'e.batch_id'),
      )
      .select(['e.id', 'e.type', 'e.occurred_at', 'e.place', 'e.admin_unit_id', 'e.actor', 'x.event'])
      .where('e.batch_id', '=', batchId)
      .orderBy('e.occurred_at')
      .orderBy('e.id')
      .execute(),
    certificatesOfProduct(db, b.product_id),
  ]);
  const cert = certificateForBatch(certs, b.produced_on);
  return batchEpcisDocument({
    origin,
    createdAt: now,
    documentId: `${origin}/api/v1/batches/${b.id}/epcis`,
    product: { gtin: b.gtin, ref: b.public_ref, nameVi: b.name_vi },
    producer: { id: b.producer_id, name: b.producer_name },
    batch: {
      lot: b.lot,
      producedOn: b.produced_on,
      bestBefore: b.best_before,
      quantity: Number(b.quantity),
      unit: b.unit,
      recalledAt: b.recalled_at === null ? null : isoOf(b.recalled_at),
    },
    zones: zones.map((z) => ({
      scheme: z.scheme,
      code: z.code,
      quantity: z.quantity === null ? null : Number(z.quantity),
      unit: z.unit,
    })),
    events: events.map((e): ExportEvent => ({
      id: e.id,
      type: e.type,
      occurredAt: isoOf(e.occurred_at),
      place: e.place,
      adminUnitId: e.admin_unit_id,
      actor: e.actor,
      imported: e.event ?? null,
    })),
    certificationInfo: cert ? credentialUrl(origin, cert.id) : null,
    derivedEventIds: {
      commissioning: derivedEventId(b.id, 'commissioning'),
      transformation: derivedEventId(b.id, 'transformation'),
      recall: derivedEventId(b.id, 'recall'),
    },
  });
}

/** JSON with object keys sorted at every level: the same event always has the same text. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The identity of an imported event: its `eventID`, or, when the partner sent none, an RFC 6920
 * `ni:` name of the SHA-256 of its canonical JSON (sorted keys). This is not the CBV 2.0 event
 * hash (no `?ver=CBV2.0`), only a stable name so that re-sending the document imports nothing twice.
 */
export function importedEventId(event: Record<string, unknown>): string {
  if (typeof event.eventID === 'string') return event.eventID;
  const digest = createHash('sha256').update(canonicalJson(event)).digest('base64url');
  return `ni:///sha-256;${digest}`;
}

export interface ImportOutcome {
  eventID: string;
  status: 'imported' | 'duplicate';
  batchEventId: string;
}

function locationText(v: unknown): string | null {
  const id = (v as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id.slice(0, 300) : null;
}

/**
 * Import a partner's events into a batch, all or nothing, idempotent on eventID: each new event
 * becomes a value-chain step (`batch_events`) and is stored as received (`epcis_events`); an
 * event the batch already holds is reported as a duplicate. The batch row is locked, so two
 * concurrent imports of one document cannot both insert.
 */
export async function importEvents(
  trx: Transaction<Database>,
  batchId: string,
  actorId: string,
  sender: string | null,
  events: readonly Record<string, unknown>[],
): Promise<ImportOutcome[]> {
  await sql`select set_config('ocop.actor_id', ${actorId}, true)`.execute(trx);
  await trx.selectFrom('batches').select('id').where('id', '=', batchId).forUpdate().execute();
  const ids = events.map(importedEventId);
  const existing = new Map(
    ids.length === 0
      ? []
      : (
          await trx
            .selectFrom('epcis_events')
            .select(['event_id', 'batch_event_id'])
            .where('batch_id', '=', batchId)
            .where('event_id', 'in', ids)
            .execute()
        ).map((r) => [r.event_id, r.batch_event_id]),
  );
  const out: ImportOutcome[] = [];
  for (const [i, event] of events.entries()) {
    const eventID = ids[i]!;
    const known = existing.get(eventID);
    if (known !== undefined) {
      out.push({ eventID, status: 'duplicate', batchEventId: known });
      continue;
    }
    const step: ValueChainStep = epcisToStep(event);
    const type = typeof event.type === 'string' ? event.type : 'Event';
    const bizStep = typeof event.bizStep === 'string' ? ` ${event.bizStep}` : '';
    const row = await trx
      .insertInto('batch_events')
      .values({
        batch_id: batchId,
        type: step,
        occurred_at: String(event.eventTime),
        place: locationText(event.bizLocation) ?? locationText(event.readPoint),
        actor: sender ? sender.slice(0, 300) : null,
        note: `EPCIS ${type}${bizStep}`.slice(0, 300),
        recorded_by: actorId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('epcis_events')
      .values({
        batch_id: batchId,
        batch_event_id: row.id,
        event_id: eventID,
        event_type: type.slice(0, 200),
        event: JSON.stringify({ ...event, eventID }),
        imported_by: actorId,
      })
      .execute();
    existing.set(eventID, row.id);
    out.push({ eventID, status: 'imported', batchEventId: row.id });
  }
  return out;
}
