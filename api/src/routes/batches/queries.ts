import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import { type Kysely, type Transaction } from 'kysely';
import type { Database } from '@ocop/db';
import { assertTransaction } from '@ocop/db';
import { iso, num, numOrNull } from '../route-helpers.ts';
import type { Scope } from '../scope.ts';
import { productScopeSql } from '../products/queries.ts';
import type {
  Batch,
  BatchCreate,
  BatchEvent,
  BatchEventCreate,
  BatchQuery,
  BatchSummary,
} from './schemas.ts';

/** Batches joined to their product (`p`) and producer (`pr`), restricted to the caller's scope. */
function base(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .where(productScopeSql(scope));
}

const COLUMNS = [
  'b.id',
  'b.product_id',
  'p.name_vi as product_name',
  'p.producer_id',
  'b.lot',
  'b.produced_on',
  'b.best_before',
  'b.quantity',
  'b.unit',
  'b.status',
  'b.recall_reason',
  'b.recalled_at',
  'b.recalled_by',
  'b.created_by',
  'b.created_at',
] as const;

interface Row {
  id: string;
  product_id: string;
  product_name: string;
  producer_id: string;
  lot: string;
  produced_on: string;
  best_before: string | null;
  quantity: string;
  unit: string;
  status: 'active' | 'recalled';
  recall_reason: string | null;
  recalled_at: Date | null;
  recalled_by: string | null;
  created_by: string | null;
  created_at: Date;
}

function toSummary(r: Row): BatchSummary {
  return {
    id: r.id,
    productId: r.product_id,
    productName: r.product_name,
    producerId: r.producer_id,
    lot: r.lot,
    producedOn: r.produced_on,
    bestBefore: r.best_before,
    quantity: num(r.quantity),
    unit: r.unit,
    status: r.status,
    recall:
      r.status === 'recalled' && r.recall_reason !== null && r.recalled_at !== null
        ? { reason: r.recall_reason, recalledAt: iso(r.recalled_at), recalledBy: r.recalled_by }
        : null,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
  };
}

export async function listBatches(db: Kysely<Database>, scope: Scope, q: BatchQuery) {
  let query = base(db, scope);
  if (q.productId) query = query.where('b.product_id', '=', q.productId);
  if (q.status) query = query.where('b.status', '=', q.status);
  if (q.lot) query = query.where('b.lot', '=', q.lot);
  if (q.producedFrom) query = query.where('b.produced_on', '>=', q.producedFrom);
  if (q.producedTo) query = query.where('b.produced_on', '<=', q.producedTo);
  const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select(COLUMNS)
    .orderBy('b.produced_on', 'desc')
    .orderBy('b.created_at', 'desc')
    .orderBy('b.id')
    .limit(q.limit ?? DEFAULT_PAGE_SIZE)
    .offset(q.offset ?? 0)
    .execute();
  return { items: rows.map(toSummary), total: Number(total.n) };
}

/** The batch if the caller's scope covers it (a producer's own, an officer's area), else null. */
export async function batchInScope(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
): Promise<BatchSummary | null> {
  const row = await base(db, scope).select(COLUMNS).where('b.id', '=', id).executeTakeFirst();
  return row ? toSummary(row) : null;
}

function toEvent(e: {
  id: string;
  type: BatchEvent['type'];
  occurred_at: Date | string;
  place: string | null;
  admin_unit_id: string | null;
  actor: string | null;
  note: string | null;
  recorded_by: string | null;
  recorded_at: Date;
}): BatchEvent {
  return {
    id: e.id,
    type: e.type,
    occurredAt: iso(e.occurred_at),
    place: e.place,
    adminUnitId: e.admin_unit_id,
    actor: e.actor,
    note: e.note,
    recordedBy: e.recorded_by,
    recordedAt: iso(e.recorded_at),
  };
}

/** A batch with its zones and its events in time order; null when out of scope. */
export async function getBatch(db: Kysely<Database>, scope: Scope, id: string): Promise<Batch | null> {
  const summary = await batchInScope(db, scope, id);
  if (!summary) return null;
  const [zones, events] = await Promise.all([
    db
      .selectFrom('batch_zones as bz')
      .innerJoin('raw_material_zones as z', 'z.id', 'bz.zone_id')
      .select(['bz.zone_id', 'z.scheme', 'z.code', 'z.name', 'z.crop_or_species', 'bz.quantity', 'bz.unit'])
      .where('bz.batch_id', '=', id)
      .orderBy('z.scheme')
      .orderBy('z.code')
      .execute(),
    db
      .selectFrom('batch_events')
      .selectAll()
      .where('batch_id', '=', id)
      .orderBy('occurred_at')
      .orderBy('recorded_at')
      .orderBy('id')
      .execute(),
  ]);
  return {
    ...summary,
    zones: zones.map((z) => ({
      zoneId: z.zone_id,
      scheme: z.scheme,
      code: z.code,
      name: z.name,
      cropOrSpecies: z.crop_or_species,
      quantity: numOrNull(z.quantity),
      unit: z.unit,
    })),
    events: events.map(toEvent),
  };
}

function eventValues(batchId: string, e: BatchEventCreate, userId: string) {
  return {
    batch_id: batchId,
    type: e.type,
    occurred_at: e.occurredAt,
    place: e.place ?? null,
    admin_unit_id: e.adminUnitId ?? null,
    actor: e.actor ?? null,
    note: e.note ?? null,
    recorded_by: userId,
  };
}

/** Inserts the batch, the zones it drew from and its first events, in the caller's transaction. */
export async function createBatch(
  trx: Transaction<Database>,
  input: BatchCreate,
  userId: string,
): Promise<string> {
  assertTransaction(trx);
  const { id } = await trx
    .insertInto('batches')
    .values({
      product_id: input.productId,
      lot: input.lot,
      produced_on: input.producedOn,
      best_before: input.bestBefore ?? null,
      quantity: input.quantity,
      unit: input.unit.trim(),
      created_by: userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.zones.length > 0) {
    await trx
      .insertInto('batch_zones')
      .values(
        input.zones.map((z) => ({
          batch_id: id,
          zone_id: z.zoneId,
          quantity: z.quantity ?? null,
          unit: z.unit ?? null,
        })),
      )
      .execute();
  }
  if (input.events && input.events.length > 0) {
    await trx
      .insertInto('batch_events')
      .values(input.events.map((e) => eventValues(id, e, userId)))
      .execute();
  }
  return id;
}

export async function appendEvent(
  trx: Transaction<Database>,
  batchId: string,
  event: BatchEventCreate,
  userId: string,
): Promise<BatchEvent> {
  const row = await trx
    .insertInto('batch_events')
    .values(eventValues(batchId, event, userId))
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEvent(row);
}

export async function recallBatch(
  trx: Transaction<Database>,
  id: string,
  reason: string,
  userId: string,
): Promise<boolean> {
  const r = await trx
    .updateTable('batches')
    .set({ status: 'recalled', recall_reason: reason, recalled_at: new Date(), recalled_by: userId })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
