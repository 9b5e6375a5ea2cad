import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../api/src/app.ts';
import { testConfig } from '../../api/src/config.ts';
import { createTestDb, onPostgres, type TestDb } from '../helpers/db.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/**
 * reliability.md D03: the database link goes silent (a blackhole: no answer, no reset), here a
 * loopback TCP proxy in front of PostgreSQL that stops forwarding. Requests on connections opened
 * before must not hang: the client-side query timeout destroys the connection and the request
 * answers 503 with Retry-After; when the link comes back the pool recovers without a restart.
 * The server's timeouts come from the configuration (DB_STATEMENT_TIMEOUT_MS, DB_QUERY_TIMEOUT_MS).
 */

const STATEMENT_MS = 1_000;
const QUERY_MS = 1_500;

describe.skipIf(!onPostgres)('D03: a blackholed database link (PostgreSQL, TCP proxy)', () => {
  let db: TestDb;
  let proxy: TcpProxy;
  let app: FastifyInstance;

  const products = () => app.inject({ method: 'GET', url: '/api/v1/products?limit=5' });

  beforeAll(async () => {
    db = await createTestDb();
    const target = new URL(db.url!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    app = await buildApp(
      testConfig({
        databaseUrl: proxy.url(db.url!),
        dbStatementTimeoutMs: STATEMENT_MS,
        dbQueryTimeoutMs: QUERY_MS,
      }),
    );
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('the server cancels a statement past statement_timeout (57014, a 503)', async () => {
    await expect(sql`select pg_sleep(3)`.execute(app.db)).rejects.toMatchObject({ code: '57014' });
  });

  it('requests on open connections answer 503 + Retry-After within seconds, and the pool recovers', async () => {
    // Open connections first: parallel reads fill the pool.
    const warm = await Promise.all(Array.from({ length: 8 }, products));
    expect(warm.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    const open = app.dbHandle.pool!.totalCount;
    expect(open).toBeGreaterThan(1);

    proxy.blackhole();
    const started = performance.now();
    const timed = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const t0 = performance.now();
        const res = await products();
        return { status: res.statusCode, retryAfter: res.headers['retry-after'], ms: performance.now() - t0 };
      }),
    );
    const health = await app.inject({ method: 'GET', url: '/api/health' });
    const slowest = Math.max(...timed.map((r) => r.ms));
    console.log(
      `[faults] D03 blackhole: ${timed.length} reads on ${open} open connections answered ` +
        `${[...new Set(timed.map((r) => r.status))].join('/')} in ≤ ${Math.round(slowest)} ms ` +
        `(query timeout ${QUERY_MS} ms); health ${health.statusCode}`,
    );
    expect(timed.map((r) => r.status)).toEqual(Array(8).fill(503));
    expect(timed.every((r) => r.retryAfter !== undefined)).toBe(true);
    expect(slowest).toBeLessThan(QUERY_MS + 2_500);
    expect(health.statusCode).toBe(503);
    expect(performance.now() - started).toBeLessThan(10_000);

    proxy.resume();
    const back = performance.now();
    let status = 0;
    while (performance.now() - back < 10_000) {
      status = (await products()).statusCode;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`[faults] D03 link back: first 200 after ${Math.round(performance.now() - back)} ms`);
    expect(status).toBe(200);
    const after = await Promise.all(Array.from({ length: 8 }, products));
    expect(after.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
  });
});
