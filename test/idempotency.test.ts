import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod, RouteOptions } from 'fastify';
import { DeleteQueryNode, UpdateQueryNode, type KyselyPlugin } from 'kysely';
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

function batchBody(lot = `IDEM-${++lots}-${Date.now().toString(36)}`) {
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

/** The key's row (the producer's, unless `userId` says whose): null once released. */
async function keyRow(key: string, userId = producer.id) {
  const row = await db.db
    .selectFrom('idempotency_keys')
    .select(['status', 'claim_token'])
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row ?? null;
}

/** The retry with the key replays the batch created once (rows = 1). */
async function expectBatchReplayed(a: FastifyInstance, body: { lot: string }, key: string) {
  const retry = await post(a, '/api/v1/batches', body, key);
  expect(retry.statusCode).toBe(201);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  expect(retry.json().lot).toBe(body.lot);
  expect(await count('batches', 'lot', body.lot)).toBe(1);
}

const CODES = '/api/v1/batches/:id/codes';
const BATCHES = '/api/v1/batches';
/** A request with the key creates the batch (no replay), and a retry with the key replays it. */
async function expectBatchCreated(a: FastifyInstance, body: { lot: string }, key: string) {
  const res = await post(a, '/api/v1/batches', body, key);
  expect(res.statusCode).toBe(201);
  expect(res.headers['idempotent-replayed']).toBeUndefined();
  await expectBatchReplayed(a, body, key);
}

/**
 * While set for a POST route, its handler runs this first, after the request's key was claimed:
 * a request that runs as long as the test says (however fast the machine issues codes), or one
 * that fails as the test says.
 */
const before = new Map<string, () => Promise<void>>();
function gate(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (!methods.includes('POST')) return;
  const url = route.url;
  const handler = route.handler as RouteHandlerMethod;
  route.handler = async function (this: FastifyInstance, request, reply) {
    await before.get(url)?.();
    return handler.call(this, request, reply);
  };
}
/** The handler's request fails as when the database drops its connection (503). */
const dropped = () => Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' });

beforeAll(async () => {
  db = await createTestDb();
  app = await buildApp(testConfig(), { db, idempotency: LEASE, onRoute: gate });
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
    const hold = new Promise<void>((r) => (release = r));
    before.set(CODES, () => hold);
    const first = post(app, url, { serials }, key).finally(() => (firstDone = true));
    // Three leases later the first request still runs (held) and still holds its key.
    await sleep(3 * LEASE.leaseMs);
    const during = await post(app, url, { serials }, key);
    expect(firstDone).toBe(false);
    expect(during.statusCode).toBe(409);
    expect(during.json().code).toBe('idempotency_in_progress');
    expect(during.headers['retry-after']).toBe('1');
    before.delete(CODES);
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
    expect(await keyRow(key)).toEqual({ status: null, claim_token: '00000000-0000-4000-8000-000000000002' });
  });
});

/**
 * Writes that end a claim fail for the keys listed, as many times as listed (Infinity: until told
 * otherwise): releases (the delete of a failed request's claim) and stores (the answer of a route
 * that does not record it in its own transaction, written after the fact); every try is counted,
 * by key.
 */
const releaseFailures = new Map<string, number>();
const releaseTries = new Map<string, number>();
const storeFailures = new Map<string, number>();
const storeTries = new Map<string, number>();
const failingWrites: KyselyPlugin = {
  transformQuery({ node }) {
    const update = UpdateQueryNode.is(node);
    if (!update && !DeleteQueryNode.is(node)) return node;
    const text = JSON.stringify(node);
    if (!text.includes('"idempotency_keys"') || !text.includes('"claim_token"')) return node;
    const [failures, tries] = !update
      ? [releaseFailures, releaseTries]
      : text.includes('"response"')
        ? [storeFailures, storeTries]
        : [];
    if (!failures || !tries) return node;
    for (const [key, left] of failures) {
      if (!text.includes(JSON.stringify(key))) continue;
      tries.set(key, (tries.get(key) ?? 0) + 1);
      if (left <= 0) return node;
      failures.set(key, left - 1);
      throw dropped();
    }
    return node;
  },
  transformResult: async ({ result }) => result,
};

/** A first request with `key` that fails (the database drops), and its release with it. */
async function failedWithUnreleasedKey(a: FastifyInstance, body: object, key: string, failures: number) {
  releaseFailures.set(key, failures);
  before.set(BATCHES, async () => {
    before.delete(BATCHES);
    throw dropped();
  });
  const first = await post(a, '/api/v1/batches', body, key);
  expect(first.statusCode).toBe(503);
  expect(first.json().code).toBe('database_unavailable');
  expect(releaseTries.get(key)).toBe(1);
  expect(await keyRow(key)).toMatchObject({ status: null });
}

describe('a failed request whose key could not be released (the database failed that too)', () => {
  const long = { leaseMs: 60_000, heartbeatMs: 20_000 };
  /** This process: its releases fail when the test says, and are retried every 20 ms at first. */
  let here: FastifyInstance;
  /** Another process on the same database, which knows nothing of `here`'s requests. */
  let elsewhere: FastifyInstance;

  beforeAll(async () => {
    const failing: DbHandle = { ...db, db: db.db.withPlugin(failingWrites) };
    here = await buildApp(testConfig(), {
      db: failing,
      idempotency: { ...long, releaseRetryMs: 20 },
      onRoute: gate,
    });
    elsewhere = await buildApp(testConfig(), { db, idempotency: long });
    await Promise.all([here.ready(), elsewhere.ready()]);
  });
  afterEach(() => before.clear());
  afterAll(async () => {
    await here?.close();
    await elsewhere?.close();
  });

  it('the retry with the key in the same process takes it over at once, not 409 for the lease', async () => {
    const body = batchBody();
    const key = `unreleased-same-${Date.now()}`;
    await failedWithUnreleasedKey(here, body, key, Infinity);
    await expectBatchCreated(here, body, key);
  });

  it('a corrected request with the key is accepted too (the key is free, whatever the first body)', async () => {
    const key = `unreleased-fixed-${Date.now()}`;
    await failedWithUnreleasedKey(here, batchBody(), key, Infinity);
    await expectBatchCreated(here, batchBody(), key);
  });

  it('another process is told 409 with Retry-After until the release, retried in the background, succeeds', async () => {
    const body = batchBody();
    const key = `unreleased-elsewhere-${Date.now()}`;
    await failedWithUnreleasedKey(here, body, key, Infinity);
    const during = await post(elsewhere, '/api/v1/batches', body, key);
    expect(during.statusCode).toBe(409);
    expect(during.json().code).toBe('idempotency_in_progress');
    const seconds = Number(during.headers['retry-after']);
    expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true);

    // The database takes deletes again: the background retry frees the key, long before the lease ends.
    releaseFailures.set(key, 0);
    await vi.waitFor(async () => expect(await keyRow(key)).toBeNull(), { timeout: 20_000, interval: 20 });
    expect(releaseTries.get(key)).toBeGreaterThanOrEqual(2);
    await expectBatchCreated(elsewhere, body, key);
  });

  it('a request that still runs is never taken over: 409 problem with Retry-After, in either process', async () => {
    const body = batchBody();
    const key = `running-${Date.now()}`;
    let release = () => {};
    const hold = new Promise<void>((r) => (release = r));
    let started = () => {};
    const running = new Promise<void>((r) => (started = r));
    before.set(BATCHES, () => {
      started();
      return hold;
    });
    const first = post(here, '/api/v1/batches', body, key);
    await running;
    for (const a of [here, elsewhere]) {
      const during = await post(a, '/api/v1/batches', body, key);
      expect(during.statusCode).toBe(409);
      expect(during.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(during.json()).toMatchObject({
        type: 'urn:ocop-trace:problem:idempotency_in_progress',
        status: 409,
        code: 'idempotency_in_progress',
      });
      const seconds = Number(during.headers['retry-after']);
      // The lease is 60 s, renewed every 20 s: some 40 to 60 s left.
      expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true);
    }
    before.delete(BATCHES);
    release();
    expect((await first).statusCode).toBe(201);
    await expectBatchReplayed(here, body, key);
  });

  it('at close, pending releases are tried once more and then dropped: no timer, no unhandled rejection', async () => {
    const failing: DbHandle = { ...db, db: db.db.withPlugin(failingWrites) };
    const closing = await buildApp(testConfig(), {
      db: failing,
      idempotency: { ...long, releaseRetryMs: 45_000 },
      onRoute: gate,
    });
    await closing.ready();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const setSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const freed = `close-freed-${Date.now()}`;
      const stuck = `close-stuck-${Date.now()}`;
      // One whose release fails once (the try at close succeeds), one whose release always fails.
      await failedWithUnreleasedKey(closing, batchBody(), freed, 1);
      await failedWithUnreleasedKey(closing, batchBody(), stuck, Infinity);
      const retries = setSpy.mock.results
        .filter((_, i) => setSpy.mock.calls[i]![1] === 45_000)
        .map((r) => r.value as NodeJS.Timeout);
      expect(retries).toHaveLength(2);
      // Waiting for the lease, not keeping the process alive meanwhile.
      expect(retries.every((t) => !t.hasRef())).toBe(true);

      await closing.close();
      expect(releaseTries.get(freed)).toBe(2);
      expect(releaseTries.get(stuck)).toBe(2);
      expect(await keyRow(freed)).toBeNull();
      // Left to its lease (another process may take it over once it runs out).
      expect(await keyRow(stuck)).toMatchObject({ status: null });
      for (const t of retries) expect(clearSpy).toHaveBeenCalledWith(t);
      await new Promise((r) => setImmediate(r));
      expect(rejections).toEqual([]);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
      process.off('unhandledRejection', onRejection);
    }
  });
});

describe('a create whose answer could not be stored after the fact (the database failed that write)', () => {
  // The findings route records its answer after its transaction (the plugin's onSend), not in it.
  const FINDINGS = '/api/v1/findings';
  let inspector: User;
  /** The findings route's handler runs, counted: a retry must never run it again. */
  let runs = 0;
  /** This process, whose stores fail when the test says, retried every 20 ms at first. */
  let here: FastifyInstance;
  /** The same, with a lease that runs out while the store is pending. */
  let lapsing: FastifyInstance;
  /** Another process on the same database. */
  let elsewhere: FastifyInstance;

  beforeAll(async () => {
    const failing: DbHandle = { ...db, db: db.db.withPlugin(failingWrites) };
    const fast = { releaseRetryMs: 20 };
    here = await buildApp(testConfig(), {
      db: failing,
      idempotency: { leaseMs: 60_000, heartbeatMs: 20_000, ...fast },
      onRoute: gate,
    });
    lapsing = await buildApp(testConfig(), {
      db: failing,
      idempotency: { ...LEASE, ...fast },
      onRoute: gate,
    });
    elsewhere = await buildApp(testConfig(), { db, idempotency: { leaseMs: 60_000, heartbeatMs: 20_000 } });
    await Promise.all([here.ready(), lapsing.ready(), elsewhere.ready()]);
    inspector = await createUser(here, 'inspector');
    before.set(FINDINGS, async () => void (runs += 1));
  });
  afterAll(async () => {
    before.delete(FINDINGS);
    await here?.close();
    await lapsing?.close();
    await elsewhere?.close();
  });

  const finding = () => ({
    id: randomUUID(),
    sessionId: randomUUID(),
    observedAt: new Date().toISOString(),
    verdict: 'genuine',
    outcome: 'compliant',
  });
  const send = (a: FastifyInstance, body: object, key: string) =>
    a.inject({
      method: 'POST',
      url: FINDINGS,
      headers: { authorization: inspector.authorization, 'idempotency-key': key },
      payload: body,
    });
  async function findings(id: string) {
    const r = await db.db
      .selectFrom('findings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
  /** No answer carries the driver's error, in its body or its headers. */
  function expectNoDriverText(res: { payload: string; headers: object }) {
    const all = res.payload + JSON.stringify(res.headers);
    expect(all).not.toMatch(/08006|Connection terminated/);
  }
  /** The first request: created (201 and the finding), though its answer could not be stored. */
  async function createdUnstored(a: FastifyInstance, body: { id: string }, key: string) {
    storeFailures.set(key, Infinity);
    const ran = runs;
    const first = await send(a, body, key);
    expectNoDriverText(first);
    expect(first.statusCode).toBe(201);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.json()).toMatchObject({ id: body.id });
    expect(runs).toBe(ran + 1);
    expect(storeTries.get(key)).toBeGreaterThanOrEqual(1);
    expect(await keyRow(key, inspector.id)).toMatchObject({ status: null });
    expect(await findings(body.id)).toBe(1);
    return { first, ran: runs };
  }
  /** A retry with the key is told to come back (409 problem with Retry-After); nothing runs again. */
  async function expectComeBack(a: FastifyInstance, body: object, key: string) {
    const during = await send(a, body, key);
    expectNoDriverText(during);
    expect(during.statusCode).toBe(409);
    expect(during.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(during.json().code).toBe('idempotency_in_progress');
    const seconds = Number(during.headers['retry-after']);
    expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true);
  }
  /** Once the database takes the write again, the background retry stores the answer; retries replay it. */
  async function expectStoredThenReplayed(
    apps: FastifyInstance[],
    body: { id: string },
    key: string,
    first: { json(): unknown },
  ) {
    storeFailures.set(key, 0);
    await vi.waitFor(async () => expect(await keyRow(key, inspector.id)).toMatchObject({ status: 201 }), {
      timeout: 20_000,
      interval: 20,
    });
    for (const a of apps) {
      const again = await send(a, body, key);
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
    }
    expect(await findings(body.id)).toBe(1);
  }

  it('the client gets its 201 (no driver error), a retry is told to come back, then replays: one run', async () => {
    const body = finding();
    const key = `unstored-${Date.now()}`;
    const { first, ran } = await createdUnstored(here, body, key);
    for (const a of [here, elsewhere]) await expectComeBack(a, body, key);
    await expectStoredThenReplayed([here, elsewhere], body, key, first);
    expect(storeTries.get(key)).toBeGreaterThanOrEqual(2);
    expect(runs).toBe(ran);
  });

  it('past the lease, this process never runs the request again, and keeps trying to store the answer', async () => {
    const body = finding();
    const key = `unstored-lapsed-${Date.now()}`;
    const { first, ran } = await createdUnstored(lapsing, body, key);
    await sleep(3 * LEASE.leaseMs);
    await expectComeBack(lapsing, body, key);
    expect(runs).toBe(ran);
    // Allowed only now, long after the lease ran out: only the background retry can store it.
    await expectStoredThenReplayed([lapsing], body, key, first);
    expect(runs).toBe(ran);
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
