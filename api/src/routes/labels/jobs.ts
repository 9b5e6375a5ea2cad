import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { Database, LabelJobsTable } from '@ocop/db';
import { AppError } from '../../errors.ts';
import { writeLabels } from '../../labels/index.ts';
import { currentUser } from '../../plugins/auth.ts';
import { findBatchForCodes } from '../codes/queries.ts';
import { bearer, errors, IdempotencyHeaders, named } from '../route-helpers.ts';
import { assertPrintable, prepareLabels, printableBatch, type LabelRun } from './prepare.ts';
import {
  LabelJob,
  LabelJobBody,
  LabelJobParams,
  LabelsFile,
  LabelsParams,
  MAX_JOB_LABELS,
  PRINTERS,
  type LabelsQuery,
} from './schemas.ts';

/**
 * Background label jobs (issue 5, point 4): `POST /api/v1/batches/{id}/label-jobs` takes the
 * parameters of `GET …/labels`, checks them the same way (same people, same refusals, same fit),
 * and answers 202 at once; a runner in this process renders the job page by page to a file under
 * `labelJobsDir` (memory stays flat: the codes are read a page at a time, the output streamed to
 * disk), recording its progress; `GET /api/v1/label-jobs/{id}` reports it and, once done, links
 * the file, which `GET …/file` streams — re-checked against recalls and revocations at download.
 *
 * One job runs at a time in a process (the machine's other core encodes its QR codes); the queue is
 * the table, shared by every instance on the database. A runner claims a queued job atomically
 * with a new `claim_token` and a lease (`lease_until`) that it renews every `heartbeatMs` while it
 * renders; every write of the run is guarded by the token, and the file is named by it
 * (`<id>.<token>`). A job whose lease ran out (its instance stopped, or stalled past the lease) is
 * marked failed (`interrupted`) by whichever runner looks next — at start and every `heartbeatMs`
 * — never one an instance alive is rendering; `POST /api/v1/label-jobs/{id}/retry` re-runs a failed
 * job (or a done one whose file is gone). A run that finds its job taken over stops, and drops
 * what it made. The files sit on disk: run one instance, or give the instances a shared
 * `LABEL_JOBS_DIR`.
 *
 * The files do not stay forever (a province's weekly 50,000-label runs would fill the disk): at
 * start and then hourly the runner sweeps its folder (`sweep`), deleting a done job's file
 * `LABEL_JOB_FILE_DAYS` after it was made (the job says when: `fileExpiresAt`), half-written
 * `.part` files of jobs not running, files of a run that no longer holds its job, and our files
 * that no job names any more. A sweep decides on the names it listed: a re-run writes a new name,
 * so a sweep that read the job before it was re-run can only delete the old run's file.
 */

export interface LabelJobOptions {
  /** How long a claim holds without a heartbeat (a stopped instance's job is failed after this). */
  leaseMs: number;
  /** How often the running job's lease is renewed, and the queue looked at for leases run out. */
  heartbeatMs: number;
  /** Tests: awaited once a job is claimed, before it is rendered (holds it `running`). */
  hold?: (job: { id: string; claimToken: string }) => Promise<void>;
}

export const DEFAULT_LABEL_JOBS: LabelJobOptions = { leaseMs: 30_000, heartbeatMs: 10_000 };

type JobRow = Selectable<LabelJobsTable>;

const INTERRUPTED = {
  reason: 'interrupted',
  vi: 'Máy chủ đã dừng khi đang tạo nhãn: hãy chạy lại lệnh in (POST /api/v1/label-jobs/{id}/retry).',
  en: 'The server stopped while the labels were being made: run the job again (POST /api/v1/label-jobs/{id}/retry).',
};

/** How often progress is written, at most (ms). */
const PROGRESS_EVERY_MS = 100;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How often the folder is swept. */
const SWEEP_EVERY_MS = HOUR_MS;
/** A file no job names is deleted only past this age: it may belong to a job being created elsewhere. */
const ORPHAN_AFTER_MS = HOUR_MS;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/**
 * The names this runner writes: a job's id and its run's claim token (the id alone for files made
 * before runs had one), with `.part` while it is written.
 */
const JOB_FILE = new RegExp(`^(${UUID})(?:\\.(${UUID}))?(\\.part)?$`);
/** Job ids asked about in one query. */
const SWEEP_CHUNK = 500;

/** When a job finished `finished_at` is deleted from the disk, `days` later. */
function expiresAt(finishedAt: Date | string, days: number): Date {
  return new Date(new Date(finishedAt).getTime() + days * DAY_MS);
}

function jobJson(r: JobRow, fileDays: number): LabelJob {
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: r.id,
    batchId: r.batch_id,
    status: r.status,
    done: r.done,
    total: r.total,
    params: r.params,
    mediaType: r.media_type,
    fileName: r.file_name,
    bytes: r.bytes === null ? null : Number(r.bytes),
    file: r.status === 'done' ? `/api/v1/label-jobs/${r.id}/file` : null,
    error:
      r.status === 'failed'
        ? { reason: r.error_reason ?? 'failed', detailVi: r.error_vi ?? '', detail: r.error_en ?? '' }
        : null,
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    fileExpiresAt:
      r.status === 'done' && r.finished_at !== null ? expiresAt(r.finished_at, fileDays).toISOString() : null,
  };
}

/** Why a job failed, in the shape stored on its row. */
function failureOf(err: unknown, interrupted: boolean): { reason: string; vi: string; en: string } {
  if (interrupted) return INTERRUPTED;
  if (err instanceof AppError) {
    const extra = err.extra ?? {};
    return {
      reason: typeof extra.reason === 'string' ? extra.reason : err.code,
      vi:
        typeof extra.detailVi === 'string'
          ? extra.detailVi
          : 'Không tạo được nhãn với các tham số này: xem chi tiết tiếng Anh.',
      en: err.detail ?? err.message,
    };
  }
  return {
    reason: 'render_failed',
    vi: 'Không tạo được tệp nhãn do lỗi khi vẽ; lỗi đã được ghi lại. Hãy chạy lại lệnh in.',
    en: `The label file could not be made: ${(err as Error).message}. Run the job again.`,
  };
}

/** What a sweep found: our files in the folder and the rows of their jobs. */
export interface SweepSurvey {
  files: { name: string; id: string; token: string | null; part: boolean }[];
  jobs: Map<string, Pick<JobRow, 'status' | 'finished_at' | 'claim_token'>>;
}

/** What a sweep deleted. */
export interface SweepResult {
  files: number;
  bytes: number;
}

/** The run in hand: its job, its claim, and whether another runner has taken the job since. */
interface Run {
  id: string;
  token: string;
  abort: AbortController;
  lost: boolean;
}

/** The row of a run that still holds its job: only it may write the job's progress and outcome. */
const holds = (run: { id: string; token: string }) => (eb: ExpressionBuilder<Database, 'label_jobs'>) =>
  eb.and({ id: run.id, claim_token: run.token, status: 'running' });

/** The queue's runner: one job at a time, in order of creation, in this process. */
export class LabelJobRunner {
  private loop: Promise<void> | null = null;
  private again = false;
  private closing = false;
  private current: Run | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping: Promise<SweepResult> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private beating = false;
  private readonly opts: LabelJobOptions;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dir: string,
    private readonly log: FastifyBaseLogger,
    /** Days a done job's file is kept. */
    readonly fileDays: number,
    opts: Partial<LabelJobOptions> = {},
  ) {
    this.opts = { ...DEFAULT_LABEL_JOBS, ...opts };
  }

  /** The file of a job's run (the id alone for a run made before runs had a token). */
  fileOf(job: { id: string; claim_token: string | null }): string {
    return join(this.dir, job.claim_token === null ? job.id : `${job.id}.${job.claim_token}`);
  }

  private lease() {
    return sql<Date>`now() + ${`${this.opts.leaseMs} milliseconds`}::interval`;
  }

  /**
   * At start: jobs whose lease ran out (their instance stopped) are failed (`interrupted`), never
   * one another instance is rendering; the folder is swept; queued jobs then run. From then on, every
   * `heartbeatMs`, the job in hand is renewed and leases run out are looked for again.
   */
  async recover(): Promise<number> {
    const failed = await this.reap();
    // Their `.part` files go with the first sweep (jobs not running).
    await this.sweepLogged();
    if (!this.closing && !this.sweeper) {
      this.sweeper = setInterval(() => void this.sweepLogged(), SWEEP_EVERY_MS);
      this.sweeper.unref();
      this.heartbeat = setInterval(() => void this.beat(), this.opts.heartbeatMs);
      this.heartbeat.unref();
    }
    this.kick();
    return failed;
  }

  /** Fails the running jobs whose lease ran out; how many. */
  private async reap(): Promise<number> {
    const rows = await this.db
      .updateTable('label_jobs')
      .set({
        status: 'failed',
        finished_at: sql<Date>`now()`,
        lease_until: null,
        error_reason: INTERRUPTED.reason,
        error_vi: INTERRUPTED.vi,
        error_en: INTERRUPTED.en,
      })
      .where('status', '=', 'running')
      .where('lease_until', '<', sql<Date>`now()`)
      .returning('id')
      .execute();
    if (rows.length > 0)
      this.log.warn({ jobs: rows.map((r) => r.id) }, 'label jobs interrupted: their server stopped');
    return rows.length;
  }

  /**
   * The heartbeat: renews the lease of the job in hand (one found taken over is stopped), fails
   * jobs whose lease ran out, and looks at the queue (a job queued on an instance that stopped).
   */
  private async beat(): Promise<void> {
    if (this.beating || this.closing) return;
    this.beating = true;
    try {
      const run = this.current;
      if (run) {
        const renewed = await this.db
          .updateTable('label_jobs')
          .set({ lease_until: this.lease() })
          .where(holds(run))
          .returning('id')
          .executeTakeFirst();
        if (!renewed && this.current === run) {
          run.lost = true;
          run.abort.abort();
        }
      }
      await this.reap();
      this.kick();
    } catch (err) {
      this.log.warn({ err }, 'label job lease not renewed');
    } finally {
      this.beating = false;
    }
  }

  /** A sweep whose failure (the database unreachable) is logged, not thrown; one at a time. */
  private async sweepLogged(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = this.sweep();
    try {
      await this.sweeping;
    } catch (err) {
      this.log.warn({ err }, 'label job files not swept');
    } finally {
      this.sweeping = null;
    }
  }

  /**
   * Deletes from the folder: (a) the file of a done job finished more than `fileDays` before
   * `now`; (b) the `.part` of a job that is not running; (c) a file of a run that no longer holds
   * its job (another token than its row's); (d) a file named as ours (an id, with or without a
   * token and `.part`) that no job row names, once its mtime is an hour old — a restored database,
   * a deleted job. Anything else in the folder is left alone; a missing folder is nothing to do.
   * One file that cannot be deleted is logged and skipped.
   */
  async sweep(now: Date = new Date()): Promise<SweepResult> {
    return this.prune(await this.survey(), now);
  }

  /** The first half of a sweep: our files in the folder, then the rows of their jobs. */
  async survey(): Promise<SweepSurvey> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], jobs: new Map() };
      throw err;
    }
    const files = names.flatMap((name) => {
      const m = JOB_FILE.exec(name);
      return m ? [{ name, id: m[1]!, token: m[2] ?? null, part: m[3] !== undefined }] : [];
    });
    // Listed before the rows are read, and a run's token is on its row before its file is made:
    // a file whose token is not its row's belongs to an earlier run, never to a later one.
    const jobs: SweepSurvey['jobs'] = new Map();
    const ids = [...new Set(files.map((f) => f.id))];
    for (let i = 0; i < ids.length; i += SWEEP_CHUNK) {
      const rows = await this.db
        .selectFrom('label_jobs')
        .select(['id', 'status', 'finished_at', 'claim_token'])
        .where('id', 'in', ids.slice(i, i + SWEEP_CHUNK))
        .execute();
      for (const r of rows) jobs.set(r.id, r);
    }
    return { files, jobs };
  }

  /**
   * The second half: deletes what the survey condemns. Only the names listed are ever deleted, and
   * a run never writes another run's name, so a job re-run since the survey keeps its new file.
   */
  async prune({ files, jobs }: SweepSurvey, now: Date = new Date()): Promise<SweepResult> {
    const removed: SweepResult = { files: 0, bytes: 0 };
    const expiredBefore = now.getTime() - this.fileDays * DAY_MS;
    for (const f of files) {
      const job = jobs.get(f.id);
      const path = join(this.dir, f.name);
      try {
        const info = await stat(path);
        const doomed = !job
          ? info.mtimeMs < now.getTime() - ORPHAN_AFTER_MS
          : f.token !== job.claim_token ||
            (f.part
              ? job.status !== 'running'
              : job.status === 'done' &&
                job.finished_at !== null &&
                new Date(job.finished_at).getTime() < expiredBefore);
        if (!doomed) continue;
        await rm(path, { force: true });
        removed.files += 1;
        removed.bytes += info.size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.log.warn({ err, file: path }, 'label job file not deleted');
      }
    }
    if (removed.files > 0) this.log.info({ ...removed, dir: this.dir }, 'label job files deleted');
    return removed;
  }

  /** Runs the queue unless it is running already (then it looks again when it is through). */
  kick(): void {
    if (this.closing) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    this.loop = this.drain()
      .catch((err: unknown) => this.log.error({ err }, 'label job runner stopped'))
      .finally(() => {
        this.loop = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when the queue is empty (tests) or the runner stopped. */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Stops the job in hand (it is marked failed, `interrupted`) and the queue. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper ?? undefined);
    clearInterval(this.heartbeat ?? undefined);
    this.sweeper = this.heartbeat = null;
    this.current?.abort.abort();
    await this.idle();
    await this.sweeping?.catch(() => undefined);
  }

  private async drain(): Promise<void> {
    while (!this.closing) {
      this.again = false;
      // Claimed atomically: of several runners on the database, one gets the job, with its token.
      const job = await this.db
        .updateTable('label_jobs')
        .set({
          status: 'running',
          started_at: sql<Date>`now()`,
          done: 0,
          claim_token: randomUUID(),
          lease_until: this.lease(),
        })
        .where('status', '=', 'queued')
        .where('id', '=', (eb) =>
          eb
            .selectFrom('label_jobs')
            .select('id')
            .where('status', '=', 'queued')
            .orderBy('created_at')
            .orderBy('id')
            .limit(1)
            .forUpdate()
            .skipLocked(),
        )
        .returningAll()
        .executeTakeFirst();
      if (!job) return;
      await this.run(job);
    }
  }

  private async run(job: JobRow): Promise<void> {
    const abort = new AbortController();
    const token = job.claim_token!;
    const mine: Run = { id: job.id, token, abort, lost: false };
    this.current = mine;
    const file = this.fileOf(job);
    const part = `${file}.part`;
    const started = performance.now();
    let chain: Promise<unknown> = Promise.resolve();
    let reported = 0;
    let at = 0;
    const progress = (n: number) => {
      const now = performance.now();
      if (n <= reported || now - at < PROGRESS_EVERY_MS) return;
      reported = n;
      at = now;
      // One update at a time, in order, never backwards: progress only grows.
      chain = chain
        .then(() =>
          this.db
            .updateTable('label_jobs')
            .set({ done: n })
            .where(holds(mine))
            .where('done', '<', n)
            .execute(),
        )
        .catch((err: unknown) => this.log.warn({ err, jobId: job.id }, 'label job progress not recorded'));
    };
    try {
      await this.opts.hold?.({ id: job.id, claimToken: token });
      abort.signal.throwIfAborted();
      const batch = await findBatchForCodes(this.db, job.batch_id);
      if (!batch) throw new AppError('not_found', `The batch ${job.batch_id} is gone.`);
      const run = await prepareJob(this.db, batch, job.params);
      await mkdir(this.dir, { recursive: true });
      // Opened before the first label, so a folder that cannot be written fails the job here.
      const out = (await open(part, 'w')).createWriteStream();
      // Write errors (a full disk) reach the renderer through the stream and `finished`.
      out.on('error', () => undefined);
      await writeLabels(run.data(), run.writeOptions({ signal: abort.signal, onProgress: progress }), out);
      await finished(out);
      await chain;
      const { size } = await stat(part);
      await rename(part, file);
      const recorded = await this.db
        .updateTable('label_jobs')
        .set({
          status: 'done',
          done: job.total,
          bytes: size,
          finished_at: sql<Date>`now()`,
          lease_until: null,
        })
        .where(holds(mine))
        .returning('id')
        .executeTakeFirst();
      if (!recorded) {
        await rm(file, { force: true });
        this.takenOver(job.id);
        return;
      }
      this.log.info(
        { jobId: job.id, labels: job.total, bytes: size, ms: Math.round(performance.now() - started) },
        'label job done',
      );
    } catch (err) {
      await chain;
      await rm(part, { force: true });
      if (mine.lost) return this.takenOver(job.id);
      const f = failureOf(err, abort.signal.aborted);
      if (f.reason === 'render_failed') this.log.error({ err, jobId: job.id }, 'label job failed');
      await this.db
        .updateTable('label_jobs')
        .set({
          status: 'failed',
          finished_at: sql<Date>`now()`,
          lease_until: null,
          error_reason: f.reason,
          error_vi: f.vi,
          error_en: f.en,
        })
        .where(holds(mine))
        .execute()
        // The database may be closing with the server: its lease runs out, and another start fails it.
        .catch((e: unknown) => this.log.warn({ err: e, jobId: job.id }, 'label job failure not recorded'));
    } finally {
      this.current = null;
    }
  }

  /** The run's lease ran out and another runner took the job: what this run made is dropped. */
  private takenOver(jobId: string): void {
    this.log.warn({ jobId }, 'label job taken over by another runner: this run is dropped');
  }
}

/** `prepareLabels` at a job's limit. */
function prepareJob(
  db: Kysely<Database>,
  batch: Parameters<typeof prepareLabels>[1],
  params: LabelsQuery,
): Promise<LabelRun> {
  return prepareLabels(db, batch, params, {
    max: MAX_JOB_LABELS,
    over: (count, from) =>
      `${count} labels asked; at most ${MAX_JOB_LABELS} per job: from=${from}&to=${from + MAX_JOB_LABELS - 1}, then on.`,
  });
}

const labelJobs: FastifyPluginAsyncTypebox<{
  dir: string;
  fileDays: number;
  runner?: Partial<LabelJobOptions>;
}> = async (app, opts) => {
  const runner = new LabelJobRunner(app.db, opts.dir, app.log, opts.fileDays, opts.runner);
  const json = (r: JobRow) => jobJson(r, opts.fileDays);
  app.addHook('onReady', async () => {
    await runner.recover();
  });
  app.addHook('onClose', async () => runner.close());

  /** The job, if this user may see its batch's labels (else 404, as if it did not exist). */
  async function visibleJob(request: Parameters<typeof currentUser>[0], id: string) {
    const job = await app.db.selectFrom('label_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    const notFound = new AppError('not_found', `No label job ${id} that you may see.`);
    if (!job) throw notFound;
    try {
      return { job, batch: await printableBatch(app.db, currentUser(request), job.batch_id) };
    } catch (err) {
      throw err instanceof AppError && err.code === 'not_found' ? notFound : err;
    }
  }

  const accepted = (reply: { code(n: number): { header(k: string, v: string): unknown } }, id: string) =>
    reply.code(202).header('location', `/api/v1/label-jobs/${id}`);

  app.post(
    '/api/v1/batches/:id/label-jobs',
    {
      // A retried start (the answer lost on a phone's network) replays the first job, never a second run.
      config: { access: PRINTERS, idempotent: true },
      schema: {
        tags: ['labels'],
        operationId: 'createLabelJob',
        summary: 'Render labels in the background, to a file to download (large print runs)',
        description:
          'The parameters of GET /api/v1/batches/{id}/labels, as JSON, with up to 50,000 labels. Checked at once ' +
          '(the same 409 `labels_refused`, `no_codes_to_print` and 422 `label_does_not_fit`, `too_many_labels`), ' +
          'then rendered in the background: 202 with the job and `Location: /api/v1/label-jobs/{id}`. Poll it ' +
          'for `status` and `done` of `total`; when `done`, `file` is the download link.',
        security: bearer,
        headers: IdempotencyHeaders,
        params: LabelsParams,
        body: LabelJobBody,
        response: { 202: named(LabelJob), ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const batch = await printableBatch(app.db, user, request.params.id);
      const run = await prepareJob(app.db, batch, request.body);
      const job = await app.db
        .insertInto('label_jobs')
        .values({
          batch_id: batch.id,
          requested_by: user.id,
          params: JSON.stringify(run.params),
          total: run.count,
          media_type: run.mediaType,
          file_name: run.fileName,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      runner.kick();
      accepted(reply, job.id);
      return json(job);
    },
  );

  app.get(
    '/api/v1/label-jobs/:id',
    {
      config: { access: PRINTERS },
      schema: {
        tags: ['labels'],
        operationId: 'getLabelJob',
        summary: 'A label job: status, labels done of total, and the download link once done',
        security: bearer,
        params: LabelJobParams,
        response: { 200: named(LabelJob), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { job } = await visibleJob(request, request.params.id);
      reply.header('cache-control', 'no-store');
      return json(job);
    },
  );

  app.get(
    '/api/v1/label-jobs/:id/file',
    {
      config: { access: PRINTERS },
      schema: {
        tags: ['labels'],
        operationId: 'getLabelJobFile',
        summary: 'The file a done label job made: PDF, PNG, SVG or a ZIP of them',
        description:
          'Refused as the labels themselves are (409 `labels_refused`) when the batch was recalled or its ' +
          'certificate revoked or expired since; 409 `label_job_not_ready` until the job is done; 410 ' +
          '`label_job_file_gone` when the file is no longer on the server (re-run the job): files are deleted ' +
          'LABEL_JOB_FILE_DAYS (7 by default) after the job is done, at the job’s `fileExpiresAt`.',
        security: bearer,
        params: LabelJobParams,
        produces: ['application/pdf', 'image/png', 'image/svg+xml', 'application/zip'],
        response: { 200: LabelsFile, ...errors(400, 401, 403, 404, 409, 410) },
      },
    },
    async (request, reply) => {
      const { job, batch } = await visibleJob(request, request.params.id);
      await assertPrintable(app.db, batch);
      if (job.status !== 'done') {
        throw new AppError(
          'label_job_not_ready',
          `The job is ${job.status}: ${job.done} of ${job.total} labels.`,
          {
            jobStatus: job.status,
            done: job.done,
            total: job.total,
          },
        );
      }
      let file: FileHandle;
      try {
        file = await open(runner.fileOf(job), 'r');
      } catch {
        const retry = `POST /api/v1/label-jobs/${job.id}/retry`;
        throw new AppError(
          'label_job_file_gone',
          `The file is no longer on the server: files are kept ${opts.fileDays} days after the job is done. ${retry} makes it again.`,
          {
            detailVi: `Tệp nhãn không còn trên máy chủ: tệp chỉ được giữ ${opts.fileDays} ngày sau khi tạo xong. Hãy tạo lại bằng ${retry}.`,
          },
        );
      }
      reply
        .type(job.media_type)
        .header('content-disposition', `attachment; filename="${job.file_name}"`)
        .header('content-length', String(job.bytes))
        .header('cache-control', 'no-store')
        .header('x-label-count', String(job.total));
      return reply.send(file.createReadStream());
    },
  );

  app.post(
    '/api/v1/label-jobs/:id/retry',
    {
      config: { access: PRINTERS },
      schema: {
        tags: ['labels'],
        operationId: 'retryLabelJob',
        summary: 'Run a failed label job again (or a done one whose file is gone), with the same parameters',
        description:
          'Checked again as a new job is (refusals, fit); 202 with the job, queued. 409 `label_job_not_ready` ' +
          'while it is queued or running.',
        security: bearer,
        params: LabelJobParams,
        response: { 202: named(LabelJob), ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { job, batch } = await visibleJob(request, request.params.id);
      if (job.status === 'queued' || job.status === 'running') {
        throw new AppError('label_job_not_ready', `The job is ${job.status}: it runs already.`, {
          jobStatus: job.status,
          done: job.done,
          total: job.total,
        });
      }
      const run = await prepareJob(app.db, batch, job.params);
      await rm(runner.fileOf(job), { force: true });
      const again = await app.db
        .updateTable('label_jobs')
        .set({
          status: 'queued',
          done: 0,
          total: run.count,
          bytes: null,
          started_at: null,
          finished_at: null,
          error_reason: null,
          error_vi: null,
          error_en: null,
        })
        .where('id', '=', job.id)
        .where('status', '=', job.status)
        .returningAll()
        .executeTakeFirst();
      if (!again)
        throw new AppError('label_job_not_ready', 'The job was re-run by another request just now.');
      runner.kick();
      accepted(reply, job.id);
      return json(again);
    },
  );
};

export default labelJobs;
