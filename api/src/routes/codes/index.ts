import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import { isCodeLot, mayIssueCodes, normaliseOrigin, todayInVietnam } from '@ocop/domain';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { currentUser } from '../../plugins/auth.ts';
import { recordIdempotentAnswer } from '../../plugins/idempotency.ts';
import { recordAlert } from '../../security/alerts.ts';
import { checkIssuanceQuota, vietnamDay } from '../../security/quota.ts';
import { problems } from '../common-schemas.ts';
import { issueDemoCodes } from './demo.ts';
import {
  batchCertificateOf,
  codesCsv,
  ensureBatchCode,
  findBatchCode,
  findBatchForCodesVisibleTo,
  findJob,
  issueUnitCodes,
  listJobs,
  productCertificates,
  unitCodeCount,
  validityOf,
  type BatchForCodes,
  type CodeRow,
  type JobRow,
} from './queries.ts';
import {
  BatchCodes,
  BatchIdParams,
  IssuanceJob,
  IssueCodesBody,
  IssueCodesResult,
  JobParams,
  ListCodesQuery,
  named,
} from './schemas.ts';

const ISSUERS = ['admin', 'officer', 'producer'] as const;

/** A code as the API shows it (the signature is inside the URL). */
function codeOut(c: CodeRow) {
  return { url: c.url, path: c.path, kind: c.kind, serial: c.serial, kid: c.kid, issuedAt: c.issuedAt };
}

/**
 * Codes of a batch (DESIGN "Public contract"; docs/code-format.md):
 * - `POST /api/v1/batches/{id}/codes {serials}` issues the batch code (once: re-issuing answers the
 *   same one) and `serials` new unit codes, only while the certificate is valid on the production
 *   date and today (`mayIssueCodes`; 409 `issuance_refused` with the reason otherwise). Up to
 *   100,000 unit codes in one request, signed and written in chunks; at most 1,000 URLs come back
 *   inline, larger jobs link to the CSV. `Idempotency-Key` makes a retry replay the first answer.
 * - `GET …/codes` (JSON summary, or `?format=csv[&job=…]` streamed), `GET …/codes/jobs/{jobId}`.
 * A producer reaches only their own batches, an officer those inside their area; others get 404.
 */
const codes: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, opts) => {
  const origin = normaliseOrigin(opts.config.publicBaseUrl);
  if (origin === null) throw new Error('PUBLIC_BASE_URL is not an http(s) origin');
  const base = (batchId: string) => `/api/v1/batches/${batchId}/codes`;
  const withCsv = (job: JobRow) => ({ ...job, csv: `${base(job.batchId)}?format=csv&job=${job.id}` });

  /** A refused issuance: the office's alert (once per producer and day, counted) and Retry-After. */
  async function quotaRefused(
    request: FastifyRequest,
    reply: FastifyReply,
    batch: BatchForCodes,
    err: AppError,
  ): Promise<void> {
    const extra = err.extra ?? {};
    const resetsAt = new Date(String(extra.resetsAt));
    reply.header('retry-after', String(Math.max(1, Math.ceil((resetsAt.getTime() - Date.now()) / 1000))));
    await recordAlert(app.db, {
      kind: 'issuance_quota_exceeded',
      subject: batch.producerId,
      windowStart: vietnamDay(new Date()).start,
      details: {
        producerId: batch.producerId,
        batchId: batch.id,
        userId: currentUser(request).id,
        limit: extra.limit,
        used: extra.used,
        requested: extra.requested,
      },
    }).catch((e: unknown) => request.log.error({ err: e }, 'issuance quota alert not recorded'));
  }

  /** The batch, if the caller may handle its codes; 404 otherwise (never reveal another's batch). */
  async function visibleBatch(request: FastifyRequest, batchId: string): Promise<BatchForCodes> {
    const batch = await findBatchForCodesVisibleTo(app.db, currentUser(request), batchId);
    if (!batch) throw new AppError('not_found', `No batch ${batchId} that you may issue codes for.`);
    return batch;
  }

  app.post(
    '/api/v1/batches/:id/codes',
    {
      config: { access: ISSUERS, idempotent: true },
      schema: {
        tags: ['codes'],
        operationId: 'issueCodes',
        summary: 'Issue the batch code and, when asked, unit codes (signed QR codes)',
        description:
          'Refused with 409 `issuance_refused` (and `reason`: batch_recalled, produced_in_future, no_certificate, ' +
          'certificate_revoked, certificate_expired, not_valid_on_production_date, lot_not_in_code) unless the ' +
          'product’s certificate is valid on the production date and today. 429 `issuance_quota_exceeded` ' +
          '(with Retry-After) when the producer’s unit codes of the Vietnam day would pass its daily quota ' +
          '(ISSUANCE_DAILY_QUOTA); nothing is written and the office gets an alert.',
        security: [{ bearerAuth: [] }],
        params: BatchIdParams,
        body: IssueCodesBody,
        response: { 201: named(IssueCodesResult), ...problems(400, 401, 403, 404, 409, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const batch = await visibleBatch(request, request.params.id);
      const serials = request.body.serials ?? 0;
      const certs = await productCertificates(app.db, batch.productId);
      const cert = batchCertificateOf(certs, batch.producedOn);
      const decision = mayIssueCodes({
        certificate: cert ? validityOf(cert) : null,
        batch: { producedOn: batch.producedOn, status: batch.status },
        today: todayInVietnam(new Date()),
      });
      if (!decision.ok) {
        throw new AppError('issuance_refused', decision.messageEn, {
          reason: decision.reason,
          detailVi: decision.message,
        });
      }
      if (!isCodeLot(batch.lot)) {
        throw new AppError(
          'issuance_refused',
          'The lot "." or ".." cannot be written in a URL; rename the lot.',
          {
            reason: 'lot_not_in_code',
            detailVi: 'Số lô "." hoặc ".." không thể ghi trong địa chỉ web; hãy đổi số lô.',
          },
        );
      }
      // The producer's daily quota (A08): checked here, before anything is written, and again
      // under the producer's lock where the job is recorded (concurrent requests).
      // The alert is written once the refusing transaction has rolled back.
      const quota = (db: Kysely<Database>) =>
        checkIssuanceQuota(db, batch.producerId, serials, opts.config.issuanceDailyQuota);
      const alerting = async <T>(work: Promise<T>): Promise<T> =>
        work.catch(async (err: unknown) => {
          if (err instanceof AppError && err.code === 'issuance_quota_exceeded') {
            await quotaRefused(request, reply, batch, err);
          }
          throw err;
        });
      if (serials > 0) await alerting(quota(app.db));
      const signer = await app.keys.signer();
      const batchCode = await ensureBatchCode(app.db, batch, signer, origin);
      const answer = (units: { job: JobRow; urls: string[] | null } | null) => ({
        batchId: batch.id,
        batchCode: codeOut(batchCode),
        units: units && { job: withCsv(units.job), urls: units.urls ?? null },
      });
      if (serials === 0) return reply.code(201).send(answer(null));
      const started = performance.now();
      // The job's end and the Idempotency-Key answer commit in one transaction: a retry after a
      // lost answer replays this job instead of issuing another one.
      const { job, urls } = await alerting(
        issueUnitCodes(app.dbHandle, batch, signer, origin, serials, user.id, undefined, {
          onStart: quota,
          onDone: (trx, done, doneUrls) =>
            recordIdempotentAnswer(trx, request, 201, answer({ job: done, urls: doneUrls })),
        }),
      );
      request.log.info(
        { batchId: batch.id, jobId: job.id, serials, ms: Math.round(performance.now() - started) },
        'unit codes issued',
      );
      return reply.code(201).send(answer({ job, urls }));
    },
  );

  app.get(
    '/api/v1/batches/:id/codes',
    {
      config: { access: ISSUERS },
      schema: {
        tags: ['codes'],
        operationId: 'listCodes',
        summary: 'The codes of a batch: a summary (JSON) or every code as CSV (`?format=csv`, streamed)',
        security: [{ bearerAuth: [] }],
        params: BatchIdParams,
        querystring: ListCodesQuery,
        description:
          'With `format=csv` the answer is `text/csv` (columns kind,url,serial,issued_at,kid), streamed; ' +
          '`job` limits it to one issuance job.',
        response: { 200: named(BatchCodes), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const batch = await visibleBatch(request, request.params.id);
      const { format = 'json', job } = request.query;
      if (job !== undefined && !(await findJob(app.db, batch.id, job))) {
        throw new AppError('not_found', `No issuance job ${job} for this batch.`);
      }
      if (format === 'csv') {
        const name = `ocop-codes-${batch.lot}${job ? `-${job.slice(0, 8)}` : ''}.csv`;
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}"`)
          .header('cache-control', 'no-store');
        // A stream is sent as is (the JSON schema above describes the default format only).
        return reply.send(codesCsv(app.db, batch.id, job) as never);
      }
      const [batchCode, unitCodes, jobs] = await Promise.all([
        findBatchCode(app.db, batch.id),
        unitCodeCount(app.db, batch.id),
        listJobs(app.db, batch.id),
      ]);
      return {
        batchId: batch.id,
        batchCode: batchCode ? codeOut(batchCode) : null,
        unitCodes,
        jobs: jobs.map(withCsv),
        csv: `${base(batch.id)}?format=csv`,
      };
    },
  );

  app.get(
    '/api/v1/batches/:id/codes/jobs/:jobId',
    {
      config: { access: ISSUERS },
      schema: {
        tags: ['codes'],
        operationId: 'getIssuanceJob',
        summary: 'Progress of a unit-code issuance job (done of total)',
        security: [{ bearerAuth: [] }],
        params: JobParams,
        response: { 200: named(IssuanceJob), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const batch = await visibleBatch(request, request.params.id);
      const job = await findJob(app.db, batch.id, request.params.jobId);
      if (!job) throw new AppError('not_found', `No issuance job ${request.params.jobId} for this batch.`);
      return withCsv(job);
    },
  );

  if (opts.config.demoMode) {
    const summary = await issueDemoCodes(app, origin);
    if (summary.batchCodes > 0) app.log.info(summary, 'demo codes issued');
  }
};

export default codes;
