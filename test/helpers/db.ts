import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, migrateToLatest, type DbHandle } from '@ocop/db';

/**
 * Each test file gets its own database (STYLE habit 6): an in-memory PGlite by default, or — when
 * DATABASE_URL is set, as in the second CI pass — a fresh PostgreSQL database created for the file
 * and dropped afterwards.
 */
export interface TestDb extends DbHandle {
  /** The URL of the fresh PostgreSQL database, when on PostgreSQL. */
  url?: string;
  drop(): Promise<void>;
}

export const onPostgres = Boolean(process.env.DATABASE_URL);

export async function createTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const base = process.env.DATABASE_URL;
  let handle: DbHandle;
  let url: string | undefined;
  let dropDb = async () => {};
  if (base) {
    const name = `ocop_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    url = u.toString();
    handle = createDb({ databaseUrl: url, poolSize: 5 });
    dropDb = async () => {
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    };
  } else {
    handle = createDb({ dataDir: 'memory' });
  }
  if (opts.migrate !== false) await migrateToLatest(handle.db);
  return {
    ...handle,
    ...(url ? { url } : {}),
    drop: async () => {
      await handle.close();
      await dropDb();
    },
  };
}
