import { sql, type Kysely } from 'kysely';

/**
 * Indexes found by bench/scale.ts (docs/scale.md) for queries that grew with the data:
 *
 * - `codes_batch_origin_idx`: the origins codes were printed for (`select distinct origin from
 *   codes where kind = 'batch'`, read by the verification's origin cache and by every registry
 *   snapshot) come from an index-only scan of the batch codes instead of a visit to each batch
 *   code's row. On Citus each shard answers from its own copy of the index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index codes_batch_origin_idx on codes(origin) where kind = 'batch'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists codes_batch_origin_idx`.execute(db);
}
