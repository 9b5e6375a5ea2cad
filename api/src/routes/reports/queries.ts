import type { Kysely, Selectable } from 'kysely';
import type { Database, NewReport, ReportsTable } from '@ocop/db';

export async function productExists(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db.selectFrom('products').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

export async function insertReport(
  db: Kysely<Database>,
  report: NewReport,
): Promise<Pick<Selectable<ReportsTable>, 'id' | 'status' | 'created_at'>> {
  return db
    .insertInto('reports')
    .values(report)
    .returning(['id', 'status', 'created_at'])
    .executeTakeFirstOrThrow();
}

export async function findReports(
  db: Kysely<Database>,
  filter: { status?: string | undefined; productId?: string | undefined },
  limit: number,
  offset: number,
): Promise<{ rows: Selectable<ReportsTable>[]; total: number }> {
  let q = db.selectFrom('reports');
  if (filter.status) q = q.where('status', '=', filter.status as Selectable<ReportsTable>['status']);
  if (filter.productId) q = q.where('product_id', '=', filter.productId);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}
