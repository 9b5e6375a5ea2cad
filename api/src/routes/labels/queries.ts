import { sql, type Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import { formatCodeUrl } from '@ocop/domain';

/** What a batch's labels print besides the code: the product, its producer. */
export async function labelTextOf(
  db: Kysely<Database>,
  productId: string,
): Promise<{ productName: string; producerName: string } | undefined> {
  return db
    .selectFrom('products as p')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .select(['p.name_vi as productName', 'pr.name as producerName'])
    .where('p.id', '=', productId)
    .executeTakeFirst();
}

export interface PrintableCode {
  url: string;
  origin: string;
  serial: string | null;
}

/** How many unit codes a batch (or one of its issuance jobs) has. */
export async function unitCodeTotal(db: Kysely<Database>, batchId: string, jobId?: string): Promise<number> {
  let q = db
    .selectFrom('codes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('batch_id', '=', batchId)
    .where('kind', '=', 'unit');
  if (jobId !== undefined) q = q.where('job_id', '=', jobId);
  const row = await q.executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function issuanceJobExists(
  db: Kysely<Database>,
  batchId: string,
  jobId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('issuance_jobs')
    .select('id')
    .where('id', '=', jobId)
    .where('batch_id', '=', batchId)
    .executeTakeFirst();
  return row !== undefined;
}

const PAGE = 1000;

/**
 * Unit codes `from`–`to` (1-based, inclusive) in issuing order — by time of issue, then path — so
 * a range printed today is the same range tomorrow, after more codes were issued. Read a page at a
 * time with a keyset on (issued_at, path): the renderer pulls them as it draws, never all at once.
 */
export async function* unitCodes(
  db: Kysely<Database>,
  batchId: string,
  from: number,
  to: number,
  jobId?: string,
): AsyncGenerator<PrintableCode> {
  let left = to - from + 1;
  let after: { issuedAt: string; path: string } | null = null;
  while (left > 0) {
    let q = db
      .selectFrom('codes')
      .select(['path', 'origin', 'kid', 'sig', 'serial', sql<string>`issued_at::text`.as('issued')])
      .where('batch_id', '=', batchId)
      .where('kind', '=', 'unit');
    if (jobId !== undefined) q = q.where('job_id', '=', jobId);
    if (after) {
      const { issuedAt, path } = after;
      q = q.where(sql<boolean>`(issued_at, path) > (${issuedAt}::timestamptz, ${path})`);
    }
    q = q.orderBy('issued_at').orderBy('path').limit(Math.min(PAGE, left));
    // The first page starts at `from` (an offset once); later pages continue from the last row.
    if (!after && from > 1) q = q.offset(from - 1);
    const rows = await q.execute();
    if (rows.length === 0) return;
    for (const r of rows) {
      yield { url: formatCodeUrl(`${r.origin}${r.path}`, r.kid, r.sig), origin: r.origin, serial: r.serial };
    }
    left -= rows.length;
    const last = rows[rows.length - 1]!;
    after = { issuedAt: last.issued, path: last.path };
  }
}
