import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDb, verifyAuditChain, type DbHandle } from '@ocop/db';
import { makeBatch, makeCertificate, makeProduct } from '../helpers/factories.ts';
import {
  BASE_URL,
  adminQuery,
  byStatus,
  freshDatabase,
  load,
  p,
  report,
  sleep,
  startServer,
  terminateBackends,
  waitHealthy,
  type Outcome,
  type ServerProcess,
} from './support.ts';
import { auditEntries, mix, prepare, reportsWorkload, type Prepared } from './workloads.ts';

/**
 * Faults on the machine's real PostgreSQL (issue 8 §5; reliability.md D02, D04, D07, R01): the real
 * server runs as a child process against a fresh database, under a loopback load of batch
 * creation, code issuance, verification, reports and reads, while a superuser session terminates
 * its backends. These run in the PostgreSQL pass of `npm test` (they touch only their own
 * database, so they are safe beside other test files); the PostgreSQL restart itself is in
 * test/faults/serial and runs alone (`npm run test:faults`).
 */
function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

describe.runIf(Boolean(BASE_URL))('database faults on the real PostgreSQL', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let server: ServerProcess;
  let handle: DbHandle;
  let prepared: Prepared;

  beforeAll(async () => {
    fresh = await freshDatabase();
    server = await startServer({ DATABASE_URL: fresh.url, TRUSTED_PROXIES: '127.0.0.1' });
    handle = createDb({ databaseUrl: fresh.url, poolSize: 2 });
    prepared = await prepare(server.origin, handle.db);
  }, 90_000);

  afterAll(async () => {
    server?.kill('SIGKILL');
    await handle?.close();
    await fresh?.drop();
  });

  function expectOnlyOkOr503(outcomes: Outcome[]) {
    const bad = outcomes.filter((o) => ![200, 201, 503].includes(o.status));
    expect(bad.map((o) => `${o.status} ${o.error ?? JSON.stringify(o.body)}`)).toEqual([]);
    for (const o of outcomes.filter((x) => x.status === 503)) {
      expect(o.retryAfter).toMatch(/^\d+$/);
      expect(o.ms).toBeLessThan(3_000);
    }
  }

  it('D02: backends terminated in a loop under load — 503 fast with Retry-After, the process stays up, it recovers, nothing is lost', async () => {
    const m = mix(server.origin, prepared);
    let stop = false;
    let killed = 0;
    let rounds = 0;
    const loadDone = load(
      6,
      () => stop,
      (i) => m.request(i),
    );
    await sleep(500);
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      killed += await terminateBackends(fresh.name, []);
      rounds += 1;
      await sleep(100);
    }
    stop = true;
    const during = await loadDone;
    expect(server.alive(), server.output()).toBe(true);
    const recoveredMs = await waitHealthy(server.origin, 10_000);
    // After the faults, without any restart, every request succeeds again.
    let n = 0;
    const after = await load(
      4,
      () => n++ >= 40,
      (i) => [m.reports, m.batches, m.issuance][i % 3]!.request(100_000 + i),
    );
    expect(byStatus(after)).toEqual({ 201: after.length });
    // A failed batch re-sent with its Idempotency-Key is never created twice (verified below). The
    // key's answer is written inside the batch's own transaction (createRecorded), so the retry of a
    // batch whose commit happened but whose answer was lost replays the 201 (docs/security.md, D04).
    // A 409 idempotency_in_progress remains possible: the claim is its own statement before the
    // handler, and one that committed with its answer lost holds the key until its lease runs out.
    const retried = await m.batches.retryFailed(during);
    const retryCodes = retried.map((o) =>
      o.status === 201 ? '201' : `${o.status} ${(o.body as { code?: string }).code}`,
    );
    expect(retryCodes.filter((c) => !/^(201|409 (conflict|idempotency_in_progress))$/.test(c))).toEqual([]);

    expectOnlyOkOr503(during);
    expect(killed).toBeGreaterThan(0);
    const checks = await m.verifyAll(handle.db, [...during, ...after, ...retried]);
    expect(await verifyAuditChain(handle.db)).toMatchObject({ ok: true });
    expect(server.alive()).toBe(true);
    const s503 = during.filter((o) => o.status === 503);
    report([
      `D02 terminate-backends loop: ${rounds} rounds over 3 s killed ${killed} backends of ${fresh.name}`,
      `load during faults: ${during.length} requests ${JSON.stringify(byStatus(during))}, p50 ${p(during, 0.5)} ms, p99 ${p(during, 0.99)} ms`,
      `503 answers: ${s503.length}, all with Retry-After, slowest ${Math.round(Math.max(0, ...s503.map((o) => o.ms)))} ms (< 3000)`,
      `no other status, no hang; server process alive; healthy again after ${Math.round(recoveredMs)} ms without a restart`,
      `after recovery: ${after.length}/${after.length} writes 201; ${retried.length} failed batches re-sent with their Idempotency-Key: ${JSON.stringify(countBy(retryCodes))}`,
      ...checks,
      `audit chain verifies (${await auditEntries(handle.db)} entries)`,
    ]);
  }, 60_000);

  it('D02/D07: transactions blocked on a lock are killed mid-way — 503, none stored; an exhausted pool answers 503 within 3 s and /api/health still answers', async () => {
    const workload = reportsWorkload(server.origin);
    const locker = new pg.Client({ connectionString: fresh.url });
    await locker.connect();
    const lockerPid = (await locker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    await locker.query('begin');
    await locker.query('lock table reports in share mode');
    // 12 writes block inside their transaction, holding every connection of the pool (10).
    const blocked = Array.from({ length: 12 }, (_, i) => {
      const { url, init, sent } = workload.request(200_000 + i);
      const started = performance.now();
      return fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }).then(async (res) => ({
        status: res.status,
        ms: performance.now() - started,
        retryAfter: res.headers.get('retry-after'),
        body: (await res.json()) as unknown,
        sent,
      }));
    });
    let waiting = 0;
    for (let i = 0; i < 50 && waiting < 10; i++) {
      await sleep(100);
      const rows = await locker.query<{ n: string }>(
        `select count(*) as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock' and pid <> $2`,
        [fresh.name, lockerPid],
      );
      waiting = Number(rows.rows[0]?.n ?? 0);
    }
    expect(waiting).toBe(10);

    // The pool is exhausted: a new request fails fast instead of queueing forever.
    const t0 = performance.now();
    const me = await fetch(`${server.origin}/api/v1/me`, {
      headers: { authorization: prepared.authorization },
    });
    const meMs = performance.now() - t0;
    expect(me.status).toBe(503);
    expect(me.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(meMs).toBeLessThan(3_000);
    const t1 = performance.now();
    const health = await fetch(`${server.origin}/api/health`);
    const healthMs = performance.now() - t1;
    expect([200, 503]).toContain(health.status);
    expect(healthMs).toBeLessThan(3_000);

    const killed = await terminateBackends(fresh.name, [lockerPid]);
    await locker.query('commit');
    await locker.end();
    const outcomes = await Promise.all(blocked);
    expectOnlyOkOr503(outcomes.map((o) => ({ ...o, ms: 0 })));
    const killedAnswers = outcomes.filter((o) => o.status === 503);
    expect(killedAnswers.length).toBeGreaterThanOrEqual(10);
    const checks = await workload.verify(handle.db, outcomes);
    const stored = await handle.db
      .selectFrom('reports')
      .select('id')
      .where(
        'details',
        'in',
        killedAnswers.map((o) => (o.sent as { details: string }).details),
      )
      .execute();
    expect(stored).toEqual([]);
    expect(server.alive()).toBe(true);
    await waitHealthy(server.origin, 10_000);
    report([
      `D02 mid-transaction: 10 writes blocked on a table lock inside their transactions, ${killed} backends terminated`,
      `answers: ${JSON.stringify(byStatus(outcomes))}; none of the ${killedAnswers.length} failed writes is stored`,
      `D07 pool exhausted (10/10 busy): GET /api/v1/me answered ${me.status} in ${Math.round(meMs)} ms with Retry-After; /api/health answered ${health.status} in ${Math.round(healthMs)} ms`,
      ...checks,
    ]);
  }, 60_000);

  it('D06: a read-only database — writes answer 503 with Retry-After, reads and verification still 200, then it recovers', async () => {
    const m = mix(server.origin, prepared);
    const setReadOnly = async (on: boolean) => {
      await adminQuery(
        on
          ? `alter database ${fresh.name} set default_transaction_read_only = on`
          : `alter database ${fresh.name} reset default_transaction_read_only`,
      );
      // New sessions take the setting: drop the pool's current ones.
      await terminateBackends(fresh.name, []);
      await waitHealthy(server.origin, 10_000);
    };
    await setReadOnly(true);
    let writes: Outcome[];
    let reads: Outcome[];
    try {
      let n = 0;
      writes = await load(
        2,
        () => n++ >= 12,
        (i) => [m.batches, m.reports, m.issuance][i % 3]!.request(300_000 + i),
      );
      let k = 0;
      reads = await load(
        2,
        () => k++ >= 12,
        (i) =>
          i % 2
            ? m.verify.request(i * 5)
            : {
                url: `${server.origin}/api/v1/me`,
                init: { headers: { authorization: prepared.authorization } },
                sent: { read: 'me' },
              },
      );
    } finally {
      await setReadOnly(false);
    }
    expect(server.alive()).toBe(true);
    expect(writes.map((o) => `${o.status} ${(o.body as { code?: string }).code ?? ''}`)).toEqual(
      writes.map(() => '503 database_unavailable'),
    );
    expect(writes.every((o) => /^\d+$/.test(o.retryAfter ?? ''))).toBe(true);
    expect(byStatus(reads)).toEqual({ 200: reads.length });
    let n = 0;
    const after = await load(
      2,
      () => n++ >= 6,
      (i) => [m.batches, m.reports, m.issuance][i % 3]!.request(310_000 + i),
    );
    expect(byStatus(after)).toEqual({ 201: after.length });
    report([
      `D06 read-only database: ${writes.length} writes (batches, reports, issuance) all 503 database_unavailable with Retry-After; ${reads.length} reads and verifications all 200; writable again: ${after.length}/${after.length} writes 201`,
    ]);
  }, 60_000);

  it('D05: concurrent issuance on one batch racing its recall — no 5xx, every job whole, refused after the recall', async () => {
    const product = await makeProduct(handle.db);
    await makeCertificate(handle.db, product.id);
    const batch = await makeBatch(handle.db, product.id);
    const issue = () =>
      fetch(`${server.origin}/api/v1/batches/${batch.id}/codes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: prepared.authorization },
        body: JSON.stringify({ serials: 10 }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } }));
    const racing = Array.from({ length: 30 }, (_, i) =>
      i === 15
        ? fetch(`${server.origin}/api/v1/batches/${batch.id}/recall`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: prepared.authorization },
            body: JSON.stringify({ reason: 'Kiểm tra lỗi đồng thời' }),
          }).then(async (r) => ({
            status: r.status,
            body: (await r.json()) as { code?: string },
            recall: true,
          }))
        : issue(),
    );
    const answers = await Promise.all(racing);
    const bad = answers.filter((a) => a.status >= 500 || ![200, 201, 409].includes(a.status));
    expect(bad).toEqual([]);
    expect(answers.find((a) => 'recall' in a)?.status).toBe(200);
    const after = await issue();
    expect(after.status).toBe(409);
    const { rows: jobs } = await sql<{ n: number; done: number; status: string }>`
      select (select count(*)::int from codes c where c.job_id = j.id) as n, j.done, j.status
      from issuance_jobs j where j.batch_id = ${batch.id}`.execute(handle.db);
    expect(jobs.every((j) => j.n === j.done && j.status === 'done' && j.n === 10)).toBe(true);
    const { rows: batchCodes } = await sql<{ n: number }>`select count(*)::int as n from codes
      where batch_id = ${batch.id} and kind = 'batch'`.execute(handle.db);
    expect(batchCodes[0]!.n).toBe(1);
    const issued = answers.filter((a) => a.status === 201).length;
    report([
      `D05 30 concurrent requests on one batch (29 issuances, 1 recall): ${JSON.stringify(countBy(answers.map((a) => String(a.status))))}; ${issued} jobs each whole (10/10 codes), one batch code; issuance after the recall: 409`,
    ]);
  }, 60_000);

  it('R02: SIGKILL in the middle of a large issuance — no torn chunk, no serial twice, the next server issues again', async () => {
    const product = await makeProduct(handle.db);
    await makeCertificate(handle.db, product.id);
    const batch = await makeBatch(handle.db, product.id);
    // Same secrets and public origin as the first server, so its bearer token and keys serve here.
    const victim = await startServer({
      DATABASE_URL: fresh.url,
      TRUSTED_PROXIES: '127.0.0.1',
      PUBLIC_BASE_URL: server.origin,
    });
    const pending = fetch(`${victim.origin}/api/v1/batches/${batch.id}/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: prepared.authorization },
      body: JSON.stringify({ serials: 100_000 }),
    }).then(
      (r) => r.status,
      () => 0,
    );
    // Kill once the first chunks are written.
    let progress = 0;
    for (let i = 0; i < 100 && progress === 0; i++) {
      await sleep(50);
      const { rows } = await sql<{
        done: number;
      }>`select coalesce(max(done), 0)::int as done from issuance_jobs
        where batch_id = ${batch.id}`.execute(handle.db);
      progress = rows[0]!.done;
    }
    victim.kill('SIGKILL');
    expect(await pending).toBe(0);
    await victim.exited;
    const { rows: jobs } = await sql<{ n: number; done: number; total: number; status: string }>`
      select (select count(*)::int from codes c where c.job_id = j.id) as n, j.done, j.total, j.status
      from issuance_jobs j where j.batch_id = ${batch.id}`.execute(handle.db);
    expect(jobs.length).toBe(1);
    const job = jobs[0]!;
    expect(job.n).toBe(job.done);
    expect(job.done).toBeLessThan(job.total);
    const { rows: dup } = await sql<{ n: number }>`select count(*)::int as n from (select serial from codes
      where batch_id = ${batch.id} and serial is not null group by serial having count(*) > 1) d`.execute(
      handle.db,
    );
    expect(dup[0]!.n).toBe(0);
    // The server still running issues for the same batch at once.
    const again = await fetch(`${server.origin}/api/v1/batches/${batch.id}/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: prepared.authorization },
      body: JSON.stringify({ serials: 10 }),
    });
    expect(again.status).toBe(201);
    report([
      `R02 SIGKILL during a 40,000-code issuance: the job holds ${job.n} codes = its progress ${job.done} (whole chunks, status left "${job.status}"), no serial twice; a new issuance on the batch: ${again.status}`,
    ]);
  }, 90_000);

  it('I01: 50 parallel identical creates with one Idempotency-Key — exactly one batch, the others replayed or told it is in progress', async () => {
    const m = mix(server.origin, prepared);
    const { url, init, sent } = m.batches.request(700_000);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(url, init).then(async (r) => ({
          status: r.status,
          replayed: r.headers.get('idempotent-replayed'),
          body: (await r.json()) as { id?: string; code?: string },
        })),
      ),
    );
    const created = answers.filter((a) => a.status === 201);
    const other = answers.filter((a) => a.status !== 201);
    expect(other.every((a) => a.status === 409 && a.body.code === 'idempotency_in_progress')).toBe(true);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    expect(created.filter((a) => a.replayed !== 'true').length).toBe(1);
    const rows = await handle.db
      .selectFrom('batches')
      .select('id')
      .where('lot', '=', (sent as { lot: string }).lot)
      .execute();
    expect(rows.map((r) => r.id)).toEqual([created[0]!.body.id]);
    report([
      `I01 50 parallel identical creates with one key: ${created.length} × 201 (1 created, ${created.length - 1} replayed), ${other.length} × 409 idempotency_in_progress; 1 batch stored`,
    ]);
  }, 60_000);

  it('R01: SIGTERM drains a request in flight, refuses new connections, and exits 0', async () => {
    const drained = await startServer({ DATABASE_URL: fresh.url, TRUSTED_PROXIES: '127.0.0.1' });
    const body = JSON.stringify({ reason: 'other', details: `sigterm-${drained.port}`, lang: 'vi' });
    const half = Math.floor(body.length / 2);
    const socket = connect(drained.port, '127.0.0.1');
    let response = '';
    socket.on('data', (c: Buffer) => (response += c.toString()));
    await new Promise<void>((r) => socket.on('connect', () => r()));
    socket.write(
      `POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`,
    );
    await sleep(300);
    const t0 = performance.now();
    drained.kill('SIGTERM');
    await sleep(500);
    // The listener is closed: a new client cannot connect any more.
    const refused = await fetch(`${drained.origin}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
      () => false,
      () => true,
    );
    expect(drained.alive()).toBe(true);
    socket.write(body.slice(half));
    const code = await drained.exited;
    const exitMs = performance.now() - t0;
    socket.destroy();
    expect(response).toMatch(/^HTTP\/1\.1 201/);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(code).toBe(0);
    // Drained promptly: the keep-alive connection is closed after the answer, not left to time out.
    expect(exitMs).toBeLessThan(5_000);
    expect(refused).toBe(true);
    const row = await handle.db
      .selectFrom('reports')
      .select('id')
      .where('details', '=', `sigterm-${drained.port}`)
      .executeTakeFirst();
    expect(row).toBeDefined();
    report([
      `R01 SIGTERM with a request in flight (half its body sent): new connections refused, the request completed 201 and is stored, exit code ${code} after ${Math.round(exitMs)} ms`,
    ]);
  }, 90_000);
});
