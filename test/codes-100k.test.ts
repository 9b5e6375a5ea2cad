import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCode } from '@ocop/domain';
import { buildTestApp, createUser, type TestApp } from './helpers/app.ts';
import { makeCertifiedBatch } from './helpers/code-factories.ts';
import { onPostgres } from './helpers/db.ts';

/**
 * Issue 4 acceptance: 100,000 unit codes issue in one request on this machine, signed and written
 * in chunks (COPY) without holding them all in memory, with progress readable while it runs, and
 * the CSV streams them all. The time is printed (and kept well under the test's timeout).
 */
const N = 100_000;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t?.close());

describe(`${N.toLocaleString('en')} unit codes in one request`, () => {
  it('issues them, shows progress while running, and streams them as CSV', { timeout: 240_000 }, async () => {
    const admin = await createUser(t.app, 'admin');
    const b = await makeCertifiedBatch(t.app.db, { quantity: N, unit: 'chai' });

    // Watch progress from "another client" while the request runs.
    const progress: number[] = [];
    let running = true;
    const watcher = (async () => {
      while (running) {
        const job = await t.app.db
          .selectFrom('issuance_jobs')
          .select(['done', 'total'])
          .where('batch_id', '=', b.batchId)
          .executeTakeFirst();
        if (job) progress.push(Number(job.done));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 50);
    const started = performance.now();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${b.batchId}/codes`,
      headers: { authorization: admin.authorization },
      payload: { serials: N },
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    running = false;
    await watcher;

    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.units.urls).toBeNull();
    expect(body.units.job).toMatchObject({ total: N, done: N, status: 'done' });
    expect(res.body.length).toBeLessThan(2_000);

    const count = await t.app.db
      .selectFrom('codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('batch_id', '=', b.batchId)
      .where('kind', '=', 'unit')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(N);
    // Progress was visible part-way (chunks commit with the job's count).
    expect(progress.some((p) => p > 0 && p < N)).toBe(true);

    const csvStarted = performance.now();
    const csv = await t.app.inject({
      url: body.units.job.csv,
      headers: { authorization: admin.authorization },
    });
    const csvSeconds = (performance.now() - csvStarted) / 1000;
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trimEnd().split('\n');
    expect(lines).toHaveLength(N + 1);
    const sample = lines[1 + Math.floor(Math.random() * N)]!.split(',')[1]!;
    expect(parseCode(sample, ['https://ocop.test']).ok).toBe(true);
    const serials = new Set(lines.slice(1).map((l) => l.split(',')[2]));
    expect(serials.size).toBe(N);

    const verdict = (
      await t.app.inject({ method: 'POST', url: '/api/v1/verify', payload: { code: sample } })
    ).json().verdict;
    expect(verdict).toBe('genuine');

    const heapGrowthMb = (heapPeak - heapBefore) / 1e6;
    console.log(
      `[100k] ${onPostgres ? 'PostgreSQL' : 'PGlite'}: issued ${N} unit codes in ${seconds.toFixed(1)} s ` +
        `(${Math.round(N / seconds)} codes/s), peak heap growth ${heapGrowthMb.toFixed(0)} MB; ` +
        `CSV of ${N} codes in ${csvSeconds.toFixed(1)} s; progress samples ${progress.length}`,
    );
    expect(seconds).toBeLessThan(120);
  });
});
