import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BuildOptions } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import { makeCertifiedBatch, recallBatch } from '../../../../test/helpers/code-factories.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { LabelJobRunner, type LabelJobOptions } from './jobs.ts';

/**
 * Background label jobs (issue 5, point 4), on PGlite and on PostgreSQL: a few hundred labels
 * rendered to a file whose QR codes decode to exactly the issued URLs, progress that only grows,
 * the labels route's people and refusals, a job a restart interrupted, failed and re-run, the
 * sweep that keeps the folder from filling the disk, and several instances sharing the jobs.
 */
let t: TestApp;
let admin: Awaited<ReturnType<typeof createUser>>;
let dir: string;
let jobsDir: string;

beforeAll(async () => {
  jobsDir = await mkdtemp(join(tmpdir(), 'ocop-label-jobs-'));
  t = await buildTestApp({ logLevel: 'error', labelJobsDir: jobsDir });
  admin = await createUser(t.app, 'admin');
  dir = await mkdtemp(join(tmpdir(), 'ocop-label-job-files-'));
});
afterAll(async () => {
  await t?.close();
  for (const d of [dir, jobsDir]) if (d) await rm(d, { recursive: true, force: true });
});

/** Every QR zbarimg finds in these images, in one run (exit 4 = none). */
function zbar(files: string[]): string[] {
  const r = spawnSync('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', ...files], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0 && r.status !== 4) throw new Error(`zbarimg failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

async function issuedBatch(units: number, app: FastifyInstance = t.app, by = admin) {
  const b = await makeCertifiedBatch(app.db);
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/batches/${b.batchId}/codes`,
    headers: { authorization: by.authorization },
    payload: { serials: units },
  });
  expect(res.statusCode).toBe(201);
  const producer = await createUser(app, 'producer', { producerId: b.producerId });
  return { ...b, producer, unitUrls: (res.json().units?.urls ?? []) as string[] };
}

const createJob = (
  batchId: string,
  authorization: string,
  payload: Record<string, unknown>,
  app: FastifyInstance = t.app,
) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/batches/${batchId}/label-jobs`,
    headers: { authorization },
    payload,
  });

/**
 * A job row written directly, as a runner elsewhere (or a stopped one) left it: a running one
 * holds a lease for `leaseMs` more (negative: it ran out that long ago).
 */
const insertJob = (
  batchId: string,
  status: 'running' | 'failed',
  { leaseMs = 60_000, ...extra }: { done?: number; leaseMs?: number } = {},
  app: FastifyInstance = t.app,
) =>
  app.db
    .insertInto('label_jobs')
    .values({
      batch_id: batchId,
      params: JSON.stringify({ codes: 'units', from: 1, to: 5, format: 'pdf', layout: 'roll-50x40' }),
      total: 5,
      media_type: 'application/pdf',
      file_name: 'ocop-nhan.pdf',
      status,
      started_at: new Date(),
      ...(status === 'failed'
        ? { finished_at: new Date(), error_reason: 'render_failed', error_vi: 'lỗi', error_en: 'failed' }
        : { claim_token: randomUUID(), lease_until: new Date(Date.now() + leaseMs) }),
      ...extra,
    })
    .returning(['id', 'claim_token'])
    .executeTakeFirstOrThrow();

/** Polls the job until it is done or failed; every answer's status and progress, in order. */
async function follow(app: FastifyInstance, location: string, authorization: string) {
  const seen: { status: string; done: number; total: number }[] = [];
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await app.inject({ url: location, headers: { authorization } });
    expect(res.statusCode).toBe(200);
    const job = res.json();
    seen.push({ status: job.status, done: job.done, total: job.total });
    if (job.status === 'done' || job.status === 'failed') return { job, seen };
    if (Date.now() > deadline) throw new Error(`job still ${job.status} after 120 s`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

describe('label jobs', () => {
  it('renders 300 unit labels in the background; progress only grows; the file decodes to exactly the issued URLs', async () => {
    const b = await issuedBatch(300);
    expect(b.unitUrls).toHaveLength(300);
    const started = performance.now();
    const res = await createJob(b.batchId, b.producer.authorization, {
      codes: 'units',
      format: 'png',
      layout: 'roll-50x40',
      dpi: 203,
      mono: true,
    });
    expect(res.statusCode).toBe(202);
    const created = res.json();
    expect(res.headers.location).toBe(`/api/v1/label-jobs/${created.id}`);
    expect(created).toMatchObject({ status: 'queued', done: 0, total: 300, file: null, error: null });
    expect(created.params).toMatchObject({ codes: 'units', from: 1, to: 300, format: 'png' });

    const { job, seen } = await follow(t.app, res.headers.location!, b.producer.authorization);
    const ms = performance.now() - started;
    expect(job.status, JSON.stringify(job.error)).toBe('done');
    expect(job.done).toBe(300);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
    const order = ['queued', 'running', 'done'];
    for (let i = 1; i < seen.length; i++) {
      expect(order.indexOf(seen[i]!.status)).toBeGreaterThanOrEqual(order.indexOf(seen[i - 1]!.status));
    }
    expect(seen.at(-1)!.done).toBe(seen.at(-1)!.total);
    console.info(
      `label job: 300 PNG labels in ${Math.round(ms)} ms; progress seen: ${[...new Set(seen.map((s) => s.done))].join(' → ')}`,
    );

    expect(job.file).toBe(`/api/v1/label-jobs/${job.id}/file`);
    const file = await t.app.inject({ url: job.file, headers: { authorization: b.producer.authorization } });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/zip');
    expect(file.headers['content-disposition']).toBe(`attachment; filename="${job.fileName}"`);
    expect(Number(file.headers['content-length'])).toBe(job.bytes);
    const zip = join(dir, 'job.zip');
    await writeFile(zip, file.rawPayload);
    const out = join(dir, 'job');
    execFileSync('unzip', ['-q', '-o', zip, '-d', out]);
    const names = await readdir(out);
    expect(names).toHaveLength(300);
    const decoded = zbar(names.map((n) => join(out, n)));
    expect(decoded).toHaveLength(300);
    expect([...decoded].sort()).toEqual([...b.unitUrls].sort());
    // Nothing half-written is left behind.
    expect((await readdir(jobsDir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('a PDF job of the batch code on A4 sheets', async () => {
    const b = await issuedBatch(0);
    const res = await createJob(b.batchId, admin.authorization, { copies: 45, layout: 'a4-40-52x30' });
    expect(res.statusCode).toBe(202);
    const { job } = await follow(t.app, res.headers.location!, admin.authorization);
    expect(job).toMatchObject({ status: 'done', done: 45, total: 45, mediaType: 'application/pdf' });
    const file = await t.app.inject({ url: job.file, headers: { authorization: admin.authorization } });
    const pdf = join(dir, 'job.pdf');
    await writeFile(pdf, file.rawPayload);
    expect(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' })).toMatch(/Pages:\s+2\n/);
  });

  it('a start retried with the same Idempotency-Key replays the first job instead of queuing a second run', async () => {
    const b = await issuedBatch(0);
    const post = (key: string, copies: number) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/batches/${b.batchId}/label-jobs`,
        headers: { authorization: b.producer.authorization, 'idempotency-key': key },
        payload: { copies, layout: 'roll-50x40' },
      });
    const key = randomUUID();
    const first = await post(key, 3);
    expect(first.statusCode).toBe(202);
    const again = await post(key, 3);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    expect((await post(key, 4)).json().code).toBe('idempotency_key_reused');
    const jobs = await t.app.db
      .selectFrom('label_jobs')
      .select('id')
      .where('batch_id', '=', b.batchId)
      .execute();
    expect(jobs).toHaveLength(1);
    await follow(t.app, first.headers.location!, b.producer.authorization);
  });

  it('another producer gets 404, an inspector 403, anonymous 401; the same refusals as the labels', async () => {
    const b = await issuedBatch(3);
    const other = await issuedBatch(0);
    const inspector = await createUser(t.app, 'inspector');
    const body = { codes: 'units', format: 'pdf', layout: 'roll-50x40' };
    expect((await createJob(b.batchId, other.producer.authorization, body)).statusCode).toBe(404);
    expect((await createJob(b.batchId, inspector.authorization, body)).statusCode).toBe(403);
    const res = await createJob(b.batchId, b.producer.authorization, body);
    expect(res.statusCode).toBe(202);
    const { job } = await follow(t.app, res.headers.location!, b.producer.authorization);
    expect(job.status).toBe('done');
    for (const url of [`/api/v1/label-jobs/${job.id}`, job.file as string]) {
      expect(
        (await t.app.inject({ url, headers: { authorization: other.producer.authorization } })).statusCode,
      ).toBe(404);
      expect(
        (await t.app.inject({ url, headers: { authorization: inspector.authorization } })).statusCode,
      ).toBe(403);
      expect((await t.app.inject({ url })).statusCode).toBe(401);
    }
    const retry = await t.app.inject({
      method: 'POST',
      url: `/api/v1/label-jobs/${job.id}/retry`,
      headers: { authorization: other.producer.authorization },
    });
    expect(retry.statusCode).toBe(404);

    // Too large for the roll at 203 dpi: refused before anything is queued, as the labels are.
    const small = await createJob(b.batchId, b.producer.authorization, { ...body, layout: 'roll-50x30' });
    expect(small.statusCode).toBe(422);
    expect(small.json()).toMatchObject({ code: 'label_does_not_fit', reason: 'qr_does_not_fit' });

    // Recalled since: no new job, and the done job's file is no longer handed out.
    await recallBatch(t.app.db, b.batchId);
    const refused = await createJob(b.batchId, b.producer.authorization, body);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'labels_refused', reason: 'batch_recalled' });
    const gone = await t.app.inject({ url: job.file, headers: { authorization: b.producer.authorization } });
    expect(gone.statusCode).toBe(409);
    expect(gone.json()).toMatchObject({ code: 'labels_refused', reason: 'batch_recalled' });
    expect(gone.json().detailVi).toBeTruthy();
  });

  it('400 for unknown parameters; 404 for an unknown job; 409 for the file of a job not done', async () => {
    const b = await issuedBatch(1);
    expect((await createJob(b.batchId, admin.authorization, { colour: 'red' })).statusCode).toBe(400);
    expect((await createJob(b.batchId, admin.authorization, { copies: 50_001 })).statusCode).toBe(400);
    const missing = await t.app.inject({
      url: '/api/v1/label-jobs/00000000-0000-4000-8000-000000000000',
      headers: { authorization: admin.authorization },
    });
    expect(missing.statusCode).toBe(404);
    const queued = await insertJob(b.batchId, 'running');
    const notReady = await t.app.inject({
      url: `/api/v1/label-jobs/${queued.id}/file`,
      headers: { authorization: admin.authorization },
    });
    expect(notReady.statusCode).toBe(409);
    expect(notReady.json()).toMatchObject({ code: 'label_job_not_ready', jobStatus: 'running' });
    await t.app.db.deleteFrom('label_jobs').where('id', '=', queued.id).execute();
  });

  it('a job left running by a stopped server is failed at the next start, with the reason, and re-runs', async () => {
    const b = await issuedBatch(5);
    const left = await insertJob(b.batchId, 'running', { done: 2, leaseMs: -1000 });
    // Half-written when the server stopped: the sweep at the next start deletes it.
    const part = join(jobsDir, `${left.id}.${left.claim_token}.part`);
    await writeFile(part, 'half a PDF');
    // The next start, on the same database.
    const next = await buildApp(testConfig({ logLevel: 'silent', labelJobsDir: jobsDir }), { db: t.db });
    try {
      await next.ready();
      await expect(stat(part)).rejects.toMatchObject({ code: 'ENOENT' });
      const res = await next.inject({
        url: `/api/v1/label-jobs/${left.id}`,
        headers: { authorization: b.producer.authorization },
      });
      const job = res.json();
      expect(job).toMatchObject({ status: 'failed', done: 2, file: null });
      expect(job.error.reason).toBe('interrupted');
      expect(job.error.detailVi).toMatch(/^Máy chủ đã dừng/);
      expect(job.error.detail).toMatch(/run the job again/);

      const retry = await next.inject({
        method: 'POST',
        url: `/api/v1/label-jobs/${left.id}/retry`,
        headers: { authorization: b.producer.authorization },
      });
      expect(retry.statusCode).toBe(202);
      expect(retry.json()).toMatchObject({ status: 'queued', done: 0, error: null });
      const { job: again } = await follow(next, retry.headers.location!, b.producer.authorization);
      expect(again).toMatchObject({ status: 'done', done: 5 });
      const twice = await next.inject({
        method: 'POST',
        url: `/api/v1/label-jobs/${left.id}/retry`,
        headers: { authorization: b.producer.authorization },
      });
      expect(twice.statusCode).toBe(202);
    } finally {
      await next.close();
    }
  });
});

describe('label job files expire', () => {
  const DAY = 86_400_000;
  const exists = (name: string) =>
    stat(join(jobsDir, name)).then(
      () => true,
      (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? false : Promise.reject(err)),
    );

  /** A runner on the test database and folder that never runs the queue: only its sweep is used. */
  function sweeper(log: Partial<Record<'info' | 'warn', (...args: unknown[]) => void>> = {}, db = t.app.db) {
    const logger = { ...t.app.log, error: () => undefined, ...log } as unknown as FastifyBaseLogger;
    return new LabelJobRunner(db, jobsDir, logger, 7);
  }

  /** The name of a job's file in the folder (its id and its run's token). */
  async function fileName(id: string) {
    const r = await t.app.db
      .selectFrom('label_jobs')
      .select('claim_token')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return `${id}.${r.claim_token}`;
  }

  /** A small done job, its JSON and the producer who may download it. */
  async function doneJob() {
    const b = await issuedBatch(0);
    const res = await createJob(b.batchId, b.producer.authorization, { copies: 1, layout: 'a4-40-52x30' });
    expect(res.statusCode).toBe(202);
    const { job } = await follow(t.app, res.headers.location!, b.producer.authorization);
    expect(job.status).toBe('done');
    return { job, b, authorization: b.producer.authorization };
  }

  /** Sets a job's finished_at `days` back and answers its JSON. */
  async function finishedDaysAgo(id: string, days: number, authorization: string) {
    await t.app.db
      .updateTable('label_jobs')
      .set({ finished_at: new Date(Date.now() - days * DAY) })
      .where('id', '=', id)
      .execute();
    const res = await t.app.inject({ url: `/api/v1/label-jobs/${id}`, headers: { authorization } });
    return res.json<{ finishedAt: string; fileExpiresAt: string }>();
  }

  it('deletes a done job’s file 7 days after it finished (then 410 with the days and …/retry), keeps a recent one', async () => {
    const old = await doneJob();
    const recent = await doneJob();
    expect(recent.job.fileExpiresAt).toBe(
      new Date(Date.parse(recent.job.finishedAt) + 7 * DAY).toISOString(),
    );
    const oldJob = await finishedDaysAgo(old.job.id, 7.1, old.authorization);
    expect(oldJob.fileExpiresAt).toBe(new Date(Date.parse(oldJob.finishedAt) + 7 * DAY).toISOString());
    expect(Date.parse(oldJob.fileExpiresAt)).toBeLessThan(Date.now());
    const recentJob = await finishedDaysAgo(recent.job.id, 6.9, recent.authorization);
    expect(Date.parse(recentJob.fileExpiresAt)).toBeGreaterThan(Date.now());
    expect(await exists(await fileName(old.job.id))).toBe(true);

    const removed = await sweeper().sweep();
    expect(removed.files).toBeGreaterThanOrEqual(1);
    expect(removed.bytes).toBeGreaterThanOrEqual(old.job.bytes);
    expect(await exists(await fileName(old.job.id))).toBe(false);
    expect(await exists(await fileName(recent.job.id))).toBe(true);

    const gone = await t.app.inject({ url: old.job.file, headers: { authorization: old.authorization } });
    expect(gone.statusCode).toBe(410);
    const problem = gone.json();
    expect(problem.code).toBe('label_job_file_gone');
    expect(problem.detail).toMatch(/kept 7 days/);
    expect(problem.detail).toContain(`POST /api/v1/label-jobs/${old.job.id}/retry`);
    expect(problem.detailVi).toMatch(/giữ 7 ngày/);
    expect(problem.detailVi).toContain(`/api/v1/label-jobs/${old.job.id}/retry`);
    const kept = await t.app.inject({
      url: recent.job.file,
      headers: { authorization: recent.authorization },
    });
    expect(kept.statusCode).toBe(200);

    // The retry makes it again, with a new expiry.
    const retry = await t.app.inject({
      method: 'POST',
      url: `/api/v1/label-jobs/${old.job.id}/retry`,
      headers: { authorization: old.authorization },
    });
    expect(retry.statusCode).toBe(202);
    expect(retry.json().fileExpiresAt).toBeNull();
    const { job: again } = await follow(t.app, retry.headers.location!, old.authorization);
    expect(again.status).toBe('done');
    expect(Date.parse(again.fileExpiresAt)).toBeGreaterThan(Date.now() + 6.9 * DAY);
    const back = await t.app.inject({ url: again.file, headers: { authorization: old.authorization } });
    expect(back.statusCode).toBe(200);
  });

  it('fileExpiresAt is null unless the job is done', async () => {
    const b = await issuedBatch(1);
    const res = await createJob(b.batchId, b.producer.authorization, {
      codes: 'units',
      layout: 'roll-50x40',
    });
    expect(res.json()).toMatchObject({ status: 'queued', fileExpiresAt: null });
    const failed = await insertJob(b.batchId, 'failed');
    const json = (
      await t.app.inject({
        url: `/api/v1/label-jobs/${failed.id}`,
        headers: { authorization: b.producer.authorization },
      })
    ).json();
    expect(json).toMatchObject({ status: 'failed', fileExpiresAt: null });
    expect(json.finishedAt).not.toBeNull();
    await follow(t.app, res.headers.location!, b.producer.authorization);
  });

  it('deletes the .part of a job not running and our orphans past an hour; keeps the running one, the young and the foreign', async () => {
    const b = await issuedBatch(0);
    const failed = await insertJob(b.batchId, 'failed');
    const running = await insertJob(b.batchId, 'running');
    const runningPart = `${running.id}.${running.claim_token}.part`;
    // Files of earlier runs of the running job: another token than its row's.
    const staleRuns = [`${running.id}.${randomUUID()}.part`, `${running.id}.${randomUUID()}`];
    const orphan = '0b6f1c1e-5a7d-4c39-9d55-2f1a4e8b7c01';
    const youngOrphan = '0b6f1c1e-5a7d-4c39-9d55-2f1a4e8b7c02';
    const orphanPart = '0b6f1c1e-5a7d-4c39-9d55-2f1a4e8b7c03.part';
    const stuck = '0b6f1c1e-5a7d-4c39-9d55-2f1a4e8b7c04';
    const foreign = ['notes.txt', `${orphan}.bak`, 'ABCDEF'];
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    try {
      await writeFile(join(jobsDir, `${failed.id}.part`), 'x'.repeat(100));
      await writeFile(join(jobsDir, runningPart), 'being written');
      for (const name of [orphan, youngOrphan, orphanPart, ...staleRuns, ...foreign])
        await writeFile(join(jobsDir, name), 'y');
      // Our name, but a folder that cannot be deleted as a file: logged, and the sweep goes on.
      await mkdir(join(jobsDir, stuck, 'inside'), { recursive: true });
      for (const name of [orphan, orphanPart, stuck, ...foreign])
        await utimes(join(jobsDir, name), twoHoursAgo, twoHoursAgo);

      const info: unknown[][] = [];
      const warn: unknown[][] = [];
      const removed = await sweeper({ info: (...a) => info.push(a), warn: (...a) => warn.push(a) }).sweep();

      expect(await exists(`${failed.id}.part`)).toBe(false);
      expect(await exists(orphan)).toBe(false);
      expect(await exists(orphanPart)).toBe(false);
      for (const name of staleRuns) expect(await exists(name)).toBe(false);
      expect(await exists(runningPart)).toBe(true);
      expect(await exists(youngOrphan)).toBe(true);
      expect(await exists(stuck)).toBe(true);
      for (const name of foreign) expect(await exists(name)).toBe(true);
      expect(removed).toEqual({ files: 5, bytes: 104 });
      expect(info).toHaveLength(1);
      expect(info[0]![0]).toMatchObject({ files: 5, bytes: 104 });
      expect(warn).toHaveLength(1);
      expect(warn[0]![0]).toMatchObject({ file: join(jobsDir, stuck) });

      // Nothing left to delete: nothing logged.
      const quiet: unknown[][] = [];
      expect(await sweeper({ info: (...a) => quiet.push(a), warn: () => undefined }).sweep()).toEqual({
        files: 0,
        bytes: 0,
      });
      expect(quiet).toEqual([]);
    } finally {
      await rm(join(jobsDir, stuck), { recursive: true, force: true });
      for (const name of [runningPart, youngOrphan, ...foreign])
        await rm(join(jobsDir, name), { force: true });
      await t.app.db.deleteFrom('label_jobs').where('id', 'in', [failed.id, running.id]).execute();
    }
  });

  it('a sweep that read an expired job before it was re-run cannot delete the new run’s file', async () => {
    const old = await doneJob();
    await finishedDaysAgo(old.job.id, 8, old.authorization);
    const runner = sweeper();
    // The sweep reads the rows (the job done, 8 days ago) …
    const survey = await runner.survey();
    expect(survey.jobs.get(old.job.id)).toMatchObject({ status: 'done' });
    // … the user re-runs the job and it is done again before the sweep deletes anything …
    const retry = await t.app.inject({
      method: 'POST',
      url: `/api/v1/label-jobs/${old.job.id}/retry`,
      headers: { authorization: old.authorization },
    });
    expect(retry.statusCode).toBe(202);
    const { job: again } = await follow(t.app, retry.headers.location!, old.authorization);
    expect(again.status).toBe('done');
    // … and the sweep goes on with what it read: the new file stays.
    await runner.prune(survey);
    const file = await t.app.inject({ url: again.file, headers: { authorization: old.authorization } });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.length).toBe(again.bytes);
  });

  it('a missing folder is nothing to sweep', async () => {
    const runner = new LabelJobRunner(t.app.db, join(jobsDir, 'not-made-yet'), t.app.log, 7);
    expect(await runner.sweep()).toEqual({ files: 0, bytes: 0 });
  });
});

describe('several instances share the jobs', () => {
  let shared: TestDb;
  let sharedDir: string;
  let office: Awaited<ReturnType<typeof createUser>>;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    shared = await createTestDb();
    sharedDir = await mkdtemp(join(tmpdir(), 'ocop-label-jobs-shared-'));
  });
  // Each test's instances stop with it: one left running (its heartbeat looks at the queue) would
  // claim the next test's job before the instance that test holds it on.
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  afterAll(async () => {
    await shared?.drop();
    if (sharedDir) await rm(sharedDir, { recursive: true, force: true });
  });

  /** Another API instance on the shared database and folder. */
  async function instance(jobs: Partial<LabelJobOptions>, logger?: BuildOptions['logger']) {
    const app = await buildApp(testConfig({ logLevel: 'silent', labelJobsDir: sharedDir }), {
      db: shared,
      labelJobs: jobs,
      ...(logger ? { logger } : {}),
    });
    apps.push(app);
    await app.ready();
    office ??= await createUser(app, 'admin');
    return app;
  }

  /** A hold on the job an instance claims: `claimed` once it has, rendered once `release`d. */
  function gate() {
    let release!: () => void;
    let claimed!: (job: { id: string; claimToken: string }) => void;
    const open = new Promise<void>((r) => (release = r));
    const held = new Promise<{ id: string; claimToken: string }>((r) => (claimed = r));
    const hold: LabelJobOptions['hold'] = (job) => {
      claimed(job);
      return open;
    };
    return { hold, held, release };
  }

  /** A job created on `app`, claimed there and held by `g`. */
  async function heldJob(app: FastifyInstance, g: ReturnType<typeof gate>, copies: number) {
    const b0 = await issuedBatch(0, app, office);
    const payload = { copies, layout: 'a4-40-52x30' };
    const res = await createJob(b0.batchId, b0.producer.authorization, payload, app);
    expect(res.statusCode).toBe(202);
    return { b0, res, held: await g.held };
  }

  const row = (id: string) =>
    shared.db.selectFrom('label_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** Waits for what another instance does (no fixed sleep a slow machine could outrun). */
  async function until(what: string, test: () => Promise<boolean> | boolean) {
    const deadline = Date.now() + 60_000;
    while (!(await test())) {
      if (Date.now() > deadline) throw new Error(`still not: ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  const jobFiles = async (id: string) => (await readdir(sharedDir)).filter((f) => f.startsWith(id));

  it('an instance starting does not fail the job another is rendering, which renews its lease and finishes', async () => {
    const g = gate();
    const a = await instance({ hold: g.hold, heartbeatMs: 20 });
    const { b0, res, held } = await heldJob(a, g, 2);
    const claimed = await row(held.id);
    expect(claimed).toMatchObject({ status: 'running', claim_token: held.claimToken });
    const first = new Date(claimed.lease_until!).getTime();
    await until(
      'the lease is renewed',
      async () => new Date((await row(held.id)).lease_until!).getTime() > first,
    );

    // B starts (its recover runs) while A renders: the job stays A's.
    const b = await instance({});
    expect(await row(held.id)).toMatchObject({ status: 'running', claim_token: held.claimToken });

    g.release();
    const { job } = await follow(b, res.headers.location!, b0.producer.authorization);
    expect(job).toMatchObject({ status: 'done', done: 2, error: null });
    expect(await jobFiles(held.id)).toEqual([`${held.id}.${held.claimToken}`]);
    const file = await b.inject({ url: job.file, headers: { authorization: b0.producer.authorization } });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.length).toBe(job.bytes);
  });

  it('a job whose lease ran out is failed by the next instance and re-run there; the stale owner cannot overwrite it', async () => {
    const g = gate();
    const logged: { msg?: string; jobId?: string }[] = [];
    const stream = { write: (line: string) => void logged.push(JSON.parse(line)) };
    // A stalls: it renews nothing (a heartbeat an hour away), so its lease runs out.
    const a = await instance({ hold: g.hold, heartbeatMs: 3_600_000 }, { level: 'warn', stream });
    const { b0, res, held } = await heldJob(a, g, 1);
    await shared.db
      .updateTable('label_jobs')
      .set({ lease_until: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', held.id)
      .execute();

    const b = await instance({});
    const failed = await b.inject({
      url: res.headers.location!,
      headers: { authorization: b0.producer.authorization },
    });
    expect(failed.json()).toMatchObject({ status: 'failed', error: { reason: 'interrupted' } });
    const retry = await b.inject({
      method: 'POST',
      url: `/api/v1/label-jobs/${held.id}/retry`,
      headers: { authorization: b0.producer.authorization },
    });
    expect(retry.statusCode).toBe(202);
    const { job } = await follow(b, retry.headers.location!, b0.producer.authorization);
    expect(job.status).toBe('done');
    const done = await row(held.id);
    expect(done.claim_token).not.toBe(held.claimToken);

    // A wakes up and finishes its run: dropped, the row and the file stay B's.
    g.release();
    await until('A drops its run', () =>
      logged.some((l) => l.jobId === held.id && /taken over/.test(l.msg ?? '')),
    );
    expect(await row(held.id)).toEqual(done);
    expect(await jobFiles(held.id)).toEqual([`${held.id}.${done.claim_token}`]);
    const file = await a.inject({ url: job.file, headers: { authorization: b0.producer.authorization } });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.length).toBe(Number(done.bytes));
  });

  it('a live instance fails the job of a stopped one once its lease runs out, and only that one', async () => {
    const b = await instance({ heartbeatMs: 20 });
    const b0 = await issuedBatch(0, b, office);
    const stopped = await insertJob(b0.batchId, 'running', { leaseMs: -1000 }, b);
    const alive = await insertJob(b0.batchId, 'running', { leaseMs: 600_000 }, b);
    await until('the stopped job is failed', async () => (await row(stopped.id)).status === 'failed');
    expect(await row(stopped.id)).toMatchObject({ error_reason: 'interrupted', lease_until: null });
    expect(await row(alive.id)).toMatchObject({ status: 'running', claim_token: alive.claim_token });
    await shared.db.deleteFrom('label_jobs').where('id', '=', alive.id).execute();
  });
});
