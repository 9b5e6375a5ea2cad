import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod, RouteOptions } from 'fastify';
import { createDb, type DbHandle } from '@ocop/db';
import { addDays } from '@ocop/domain';
import { buildApp } from '../api/src/app.ts';
import { testConfig } from '../api/src/config.ts';
import { recordIdempotentAnswer } from '../api/src/plugins/idempotency.ts';
import { createUser } from './helpers/app.ts';
import { makeCertifiedBatch, today, type CertifiedBatch } from './helpers/code-factories.ts';
import { createTestDb, onPostgres, type TestDb } from './helpers/db.ts';
import { startTcpProxy, type TcpProxy } from './faults/tcp-proxy.ts';

/**
 * Issue 8, reliability.md I03 and D04: the answer of an idempotent create is written in the
 * create's own transaction, so an answer lost after the commit is replayed to the retry (rows = 1),
 * and a claim lasts as long as its request runs (a heartbeat renews its lease).
 */

type User = Awaited<ReturnType<typeof createUser>>;
const LEASE = { leaseMs: 600, heartbeatMs: 150 };
/** The statement that stores an answer (recordIdempotentAnswer), inside the create's transaction. */
const RECORD = 'update "idempotency_keys" set "status"';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: TestDb;
let app: FastifyInstance;
let producer: User;
let made: CertifiedBatch;
let lots = 0;

function batchBody(lot = `IDEM-${++lots}-${Date.now()}`) {
  return {
    productId: made.productId,
    lot,
    producedOn: addDays(today(), -2),
    bestBefore: addDays(today(), 300),
    quantity: 10,
    unit: 'chai',
    zones: [],
  };
}

function post(a: FastifyInstance, url: string, payload: object, key: string) {
  return a.inject({
    method: 'POST',
    url,
    headers: { authorization: producer.authorization, 'idempotency-key': key },
    payload,
  });
}

async function count(table: 'batches' | 'issuance_jobs', column: 'lot' | 'batch_id', value: string) {
  const r = await db.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(column, '=', value)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The retry with the key replays the batch created once (rows = 1). */
async function expectBatchReplayed(a: FastifyInstance, body: { lot: string }, key: string) {
  const retry = await post(a, '/api/v1/batches', body, key);
  expect(retry.statusCode).toBe(201);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  expect(retry.json().lot).toBe(body.lot);
  expect(await count('batches', 'lot', body.lot)).toBe(1);
}

/**
 * While set, the issuance handler waits for it after its key was claimed: a request that runs as
 * long as the test says, however fast the machine issues codes.
 */
let hold: Promise<void> | null = null;
function holdIssuance(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (route.url !== '/api/v1/batches/:id/codes' || !methods.includes('POST')) return;
  const handler = route.handler as RouteHandlerMethod;
  route.handler = async function (this: FastifyInstance, request, reply) {
    if (hold) await hold;
    return handler.call(this, request, reply);
  };
}

beforeAll(async () => {
  db = await createTestDb();
  app = await buildApp(testConfig(), { db, idempotency: LEASE, onRoute: holdIssuance });
  await app.ready();
  made = await makeCertifiedBatch(db.db);
  producer = await createUser(app, 'producer', { producerId: made.producerId });
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('Idempotency-Key answers commit with the create (I03, D04)', () => {
  it('a client that hangs up after sending gets the original answer on retry, rows = 1', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const body = batchBody();
    const json = JSON.stringify(body);
    const key = `hangup-${Date.now()}`;
    // Send the request and go away without reading a byte of the answer (it is lost).
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject).on('connect', () => {
        socket.write(
          `POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${producer.authorization}\r\n` +
            `Idempotency-Key: ${key}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
          () => resolve(),
        );
      });
    });
    socket.pause();
    for (let i = 0; i < 200 && (await count('batches', 'lot', body.lot)) === 0; i++) await sleep(25);
    socket.destroy();
    expect(await count('batches', 'lot', body.lot)).toBe(1);

    await expectBatchReplayed(app, body, key);
  });

  it('a long issuance keeps its key past the lease (heartbeat) and its retry replays the same job', async () => {
    const key = `long-${Date.now()}`;
    const url = `/api/v1/batches/${made.batchId}/codes`;
    const serials = 2_000;
    const started = performance.now();
    let firstDone = false;
    let release = () => {};
    hold = new Promise((r) => (release = r));
    const first = post(app, url, { serials }, key).finally(() => (firstDone = true));
    // Three leases later the first request still runs (held) and still holds its key.
    await sleep(3 * LEASE.leaseMs);
    const during = await post(app, url, { serials }, key);
    expect(firstDone).toBe(false);
    expect(during.statusCode).toBe(409);
    expect(during.json().code).toBe('idempotency_in_progress');
    hold = null;
    release();
    const res = await first;
    const seconds = (performance.now() - started) / 1000;
    console.log(`[idempotency] ${serials} codes in ${seconds.toFixed(1)} s; lease ${LEASE.leaseMs} ms`);
    expect(res.statusCode).toBe(201);
    const again = await post(app, url, { serials }, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().units.job.id).toBe(res.json().units.job.id);
    expect(await count('issuance_jobs', 'batch_id', made.batchId)).toBe(1);
  });

  it('a claim whose lease ran out is taken over, and its first holder can no longer record', async () => {
    const key = `expired-${Date.now()}`;
    const body = batchBody();
    const first = await post(app, '/api/v1/batches', body, key);
    expect(first.statusCode).toBe(201);
    // Back to a running claim of a process that stopped: its lease ran out.
    const old = '00000000-0000-4000-8000-000000000001';
    await db.db
      .updateTable('idempotency_keys')
      .set({ status: null, response: null, claim_token: old, lease_until: new Date(Date.now() - 1000) })
      .where('user_id', '=', producer.id)
      .where('key', '=', key)
      .execute();
    const takeover = await post(app, '/api/v1/batches', body, key);
    // The retry ran the handler again: the lot exists by now, so it fails and frees the key.
    expect(takeover.statusCode).toBe(409);
    expect(takeover.json().code).toBe('conflict');

    // A holder whose claim was taken over cannot store its answer: its transaction rolls back.
    await db.db
      .insertInto('idempotency_keys')
      .values({
        user_id: producer.id,
        key,
        method_route: 'POST /api/v1/batches',
        request_hash: 'x',
        claim_token: '00000000-0000-4000-8000-000000000002',
        lease_until: new Date(Date.now() + 60_000),
      })
      .execute();
    const stale = {
      idempotencyClaim: { userId: producer.id, key, token: old, recorded: false, heartbeat: null },
    } as unknown as FastifyRequest;
    await expect(
      db.db.transaction().execute((trx) => recordIdempotentAnswer(trx, stale, 201, { id: 'x' })),
    ).rejects.toMatchObject({ code: 'idempotency_in_progress' });
    const row = await db.db
      .selectFrom('idempotency_keys')
      .select(['status', 'claim_token'])
      .where('user_id', '=', producer.id)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: null, claim_token: '00000000-0000-4000-8000-000000000002' });
  });
});

describe.skipIf(!onPostgres)('D04: the database link drops at COMMIT (PostgreSQL, TCP proxy)', () => {
  let proxy: TcpProxy;
  let proxied: DbHandle;
  let viaProxy: FastifyInstance;

  beforeAll(async () => {
    const target = new URL(db.url!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    proxied = createDb({ databaseUrl: proxy.url(db.url!), poolSize: 4 });
    viaProxy = await buildApp(testConfig(), { db: proxied });
    await viaProxy.ready();
  });
  afterAll(async () => {
    await viaProxy?.close();
    await proxied?.close();
    await proxy?.close();
  });

  it('a batch whose commit happened but whose answer was lost: 503, then the retry replays it', async () => {
    const body = batchBody();
    const key = `commit-cut-${Date.now()}`;
    const cut = proxy.cutCommitAfter(RECORD);
    const lost = await post(viaProxy, '/api/v1/batches', body, key);
    await cut;
    expect(lost.statusCode).toBe(503);
    expect(lost.headers['retry-after']).toBeDefined();
    expect(await count('batches', 'lot', body.lot)).toBe(1);

    await expectBatchReplayed(viaProxy, body, key);
  });

  it('an issuance whose last commit happened but whose answer was lost replays the same job', async () => {
    const b = await makeCertifiedBatch(db.db, { producerUnitId: 'qng-2025-ly-son' });
    const owner = await createUser(viaProxy, 'producer', { producerId: b.producerId });
    const key = `commit-cut-codes-${Date.now()}`;
    const send = () =>
      viaProxy.inject({
        method: 'POST',
        url: `/api/v1/batches/${b.batchId}/codes`,
        headers: { authorization: owner.authorization, 'idempotency-key': key },
        payload: { serials: 10 },
      });
    // The transaction that ends the job and stores the answer commits; its answer is lost.
    const cut = proxy.cutCommitAfter(RECORD);
    const lost = await send();
    await cut;
    expect(lost.statusCode).toBe(503);
    const retry = await send();
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().units.job).toMatchObject({ total: 10, done: 10, status: 'done' });
    expect(retry.json().units.urls).toHaveLength(10);
    expect(await count('issuance_jobs', 'batch_id', b.batchId)).toBe(1);
    const codes = await db.db
      .selectFrom('codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('batch_id', '=', b.batchId)
      .where('kind', '=', 'unit')
      .executeTakeFirstOrThrow();
    expect(Number(codes.n)).toBe(10);
  });
});
