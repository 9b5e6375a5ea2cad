import type { Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import type { PrimaryKey } from '@ocop/domain';

export interface ResolverProduct {
  id: string;
  nameVi: string;
  nameEn: string | null;
  gtin: string | null;
  producerName: string;
}

export interface ResolverBatch {
  id: string;
  lot: string;
  producedOn: string;
  status: 'active' | 'recalled';
  recalledAt: string | null;
  recallReason: string | null;
}

/** The product a code's primary key names (GTIN-14, or our public reference), or undefined. */
export async function findProduct(
  db: Kysely<Database>,
  key: PrimaryKey,
): Promise<ResolverProduct | undefined> {
  const q = db
    .selectFrom('products as p')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .select(['p.id', 'p.name_vi', 'p.name_en', 'p.gtin', 'pr.name as producer_name']);
  const row = await (
    key.ai === '01' ? q.where('p.gtin', '=', key.gtin) : q.where('p.public_ref', '=', key.productRef)
  ).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    nameVi: row.name_vi,
    nameEn: row.name_en,
    gtin: row.gtin,
    producerName: row.producer_name,
  };
}

/** A product's batch by lot, or undefined. */
export async function findBatch(
  db: Kysely<Database>,
  productId: string,
  lot: string,
): Promise<ResolverBatch | undefined> {
  const row = await db
    .selectFrom('batches')
    .select(['id', 'lot', 'produced_on', 'status', 'recalled_at', 'recall_reason'])
    .where('product_id', '=', productId)
    .where('lot', '=', lot)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    lot: row.lot,
    producedOn: row.produced_on,
    status: row.status,
    recalledAt: row.recalled_at === null ? null : new Date(row.recalled_at).toISOString(),
    recallReason: row.recall_reason,
  };
}

/** A batch with its product, for the recall status document. */
export async function batchRecallStatus(db: Kysely<Database>, batchId: string) {
  return db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .select([
      'b.id',
      'b.lot',
      'b.status',
      'b.recalled_at',
      'b.recall_reason',
      'p.name_vi',
      'p.name_en',
      'p.gtin',
    ])
    .where('b.id', '=', batchId)
    .executeTakeFirst();
}

/** True when this exact code path was issued (a unit code's serial belongs to its batch). */
export async function codeIssued(db: Kysely<Database>, path: string): Promise<boolean> {
  const row = await db.selectFrom('codes').select('path').where('path', '=', path).executeTakeFirst();
  return row !== undefined;
}
