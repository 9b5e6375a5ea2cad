import { mkdirSync } from 'node:fs';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database } from './schema.ts';

export interface DbConfig {
  /** A PostgreSQL URL. When absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data folder, or `memory` for an in-memory database (tests). */
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL. */
  poolSize?: number | undefined;
  /** Called for errors of idle pooled connections (e.g. the server restarted). */
  onPoolError?: ((err: Error) => void) | undefined;
  /** PostgreSQL `statement_timeout`, ms: the server cancels longer statements (57014). */
  statementTimeoutMs?: number | undefined;
  /**
   * Client-side limit on one query, ms: past it the connection's socket is destroyed, so the query
   * fails at once ("Connection terminated unexpectedly") and the pool drops the connection. This is
   * what ends a query on a connection whose link went silent (no answer, no reset), which neither
   * `statement_timeout` (the server never sees it) nor TCP keepalive (data is in flight) can end.
   */
  queryTimeoutMs?: number | undefined;
}

export interface DbHandle {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /** The raw pg pool (PostgreSQL) for COPY and other driver-level work. */
  pool?: pg.Pool;
  /** The raw PGlite instance (embedded). */
  pglite?: PGlite;
  close(): Promise<void>;
}

const PG_DATE = 1082;
const PG_INT8 = 20;

/**
 * Both drivers return the same JavaScript shapes: `date` as `YYYY-MM-DD` strings (never a Date at
 * UTC midnight, which shifts a day in Vietnam), `bigint` as numbers (counts), `numeric` as strings.
 */
function pgTypes(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === PG_DATE) return (v: string) => v;
      if (oid === PG_INT8) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format) as (v: string) => unknown;
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

export function createDb(config: DbConfig): DbHandle {
  if (config.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.poolSize ?? 10,
      types: pgTypes(),
      connectionTimeoutMillis: 2_000,
      idleTimeoutMillis: 30_000,
      // Idle connections to a vanished server are found by keepalive probes, not the next query.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(config.statementTimeoutMs ? { statement_timeout: config.statementTimeoutMs } : {}),
    });
    // An idle client whose server went away emits 'error' on the pool; unhandled, it would kill the
    // process. The next query simply gets a fresh connection.
    pool.on('error', (err) => config.onPoolError?.(err));
    // A client checked out of the pool (inside a transaction, between two of its queries) has no
    // pool listener: when its server connection is terminated it emits 'error' on the client, and
    // unhandled that kills the process (node-postgres #2641). The pending query still rejects, so
    // the request fails with 503; this listener only keeps the process alive.
    pool.on('connect', (client) => {
      client.on('error', (err) => config.onPoolError?.(err));
      if (config.queryTimeoutMs) limitQueries(client, config.queryTimeoutMs);
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', pool, close: () => db.destroy() };
  }
  const dir = config.dataDir && config.dataDir !== 'memory' ? config.dataDir : undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  // Options go in the one-argument form: `new PGlite(undefined, opts)` ignores them.
  const pglite = new PGlite({
    ...(dir ? { dataDir: dir } : {}),
    parsers: {
      [pgliteTypes.DATE]: (v: string) => v,
      [pgliteTypes.INT8]: (v: string) => Number(v),
    },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    pglite,
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/**
 * Destroys the client's socket when a query gets no answer within `ms`. Only promise queries (what
 * Kysely sends) are timed; streams (COPY, cursors) keep their own pace.
 */
function limitQueries(client: pg.PoolClient, ms: number): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const socket = () =>
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream;
  (client as unknown as { query: typeof query }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    const timer = setTimeout(() => socket().destroy(), ms);
    return result.finally(() => clearTimeout(timer));
  };
}

/** Run `fn` in a transaction whose changes the audit log attributes to `actorId`. */
export async function withActor<T>(
  db: Kysely<Database>,
  actorId: string | null,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (actorId) await setActor(trx, actorId);
    return fn(trx);
  });
}

export async function setActor(trx: Transaction<Database>, actorId: string): Promise<void> {
  await sql`select set_config('ocop.actor_id', ${actorId}, true)`.execute(trx);
}

/** Asserts at runtime that a query function that needs atomicity was given a transaction. */
export function assertTransaction(db: Kysely<Database>): asserts db is Transaction<Database> {
  if (!db.isTransaction) throw new Error('this operation must run inside a transaction');
}
