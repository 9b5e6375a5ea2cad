import { sql, type Kysely } from 'kysely';

/**
 * Every change to the registry state a verification shows — producers, products, certificates,
 * zones, batches with their zones, events and issuance progress, and the names it reads from the
 * reference tables — sends `NOTIFY ocop_registry, '<table>'` at commit. Verification servers keep
 * that state in memory and drop it when told (api/src/routes/verify/hot.ts), so a revocation or a
 * recall reaches every process as soon as it commits, whoever made it (API, CLI or plain SQL).
 * Statement-level triggers: one notification per statement (and PostgreSQL folds equal ones of a
 * transaction into one), so a bulk update costs one message, not one a row. Codes are not
 * watched: an issued code never changes.
 */
const TABLES = [
  'producers',
  'products',
  'certificates',
  'raw_material_zones',
  'batches',
  'batch_zones',
  'batch_events',
  'issuance_jobs',
  'admin_units',
  'product_categories',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function registry_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('ocop_registry', tg_table_name);
      return null;
    end $$`.execute(db);
  for (const table of TABLES) {
    await sql`create trigger ${sql.id(`${table}_registry_notify`)}
      after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute function registry_notify()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await sql`drop trigger if exists ${sql.id(`${table}_registry_notify`)} on ${sql.table(table)}`.execute(
      db,
    );
  }
  await sql`drop function if exists registry_notify()`.execute(db);
}
