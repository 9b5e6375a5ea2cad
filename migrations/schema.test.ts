import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { createDb, migrateToLatest, type Database, type DbHandle } from '@ocop/db';

/**
 * The same migrations must produce the same schema on PostgreSQL 15 and on PGlite. Reads the
 * catalogue of both (columns, constraints, indexes, triggers) and compares them.
 */
async function describeSchema(db: Kysely<Database>) {
  const columns = await sql<{ t: string; c: string; type: string; nullable: string; dflt: string | null }>`
    select table_name t, column_name c, data_type || coalesce('(' || character_maximum_length || ')', '') as type,
           is_nullable nullable, column_default dflt
    from information_schema.columns where table_schema = 'public' and table_name not like 'kysely_%'
    order by 1, 2`.execute(db);
  const constraints = await sql<{ t: string; name: string; def: string }>`
    select conrelid::regclass::text t, conname name, pg_get_constraintdef(oid) def
    from pg_constraint where connamespace = 'public'::regnamespace and conrelid::regclass::text not like 'kysely_%'
    order by 1, 2`.execute(db);
  const indexes = await sql<{ name: string; def: string }>`
    select indexname name, indexdef def from pg_indexes where schemaname = 'public' and tablename not like 'kysely_%'
    order by 1`.execute(db);
  const triggers = await sql<{ name: string; t: string }>`
    select tgname name, tgrelid::regclass::text t from pg_trigger where not tgisinternal order by 1`.execute(
    db,
  );
  return {
    columns: columns.rows,
    constraints: constraints.rows,
    indexes: indexes.rows,
    triggers: triggers.rows,
  };
}

const base = process.env.DATABASE_URL;
const handles: DbHandle[] = [];
let dropPg: (() => Promise<void>) | undefined;

afterAll(async () => {
  for (const h of handles) await h.close();
  await dropPg?.();
});

describe('migrations', () => {
  it('apply to an empty PGlite, and a second run finds nothing to do', async () => {
    const h = createDb({ dataDir: 'memory' });
    handles.push(h);
    const first = await migrateToLatest(h.db);
    expect(first.results?.every((r) => r.status === 'Success')).toBe(true);
    const again = await migrateToLatest(h.db);
    expect(again.results).toEqual([]);
  });

  it.skipIf(!base)('produce the same schema on PostgreSQL and on PGlite', async () => {
    const name = `ocop_schema_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    dropPg = async () => {
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    };
    const u = new URL(base!);
    u.pathname = `/${name}`;
    const onPg = createDb({ databaseUrl: u.toString() });
    const onLite = createDb({ dataDir: 'memory' });
    handles.push(onPg, onLite);
    await migrateToLatest(onPg.db);
    await migrateToLatest(onLite.db);
    const [a, b] = await Promise.all([describeSchema(onPg.db), describeSchema(onLite.db)]);
    expect(a.columns.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
  });
});
