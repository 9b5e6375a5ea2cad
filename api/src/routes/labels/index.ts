import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.ts';
import { encodeQr, layoutFits, writeLabels } from '../../labels/index.ts';
import { AppError } from '../../errors.ts';
import { currentUser } from '../../plugins/auth.ts';
import { bearer, errors, named } from '../route-helpers.ts';
import labelJobs, { type LabelJobOptions } from './jobs.ts';
import { leastPackable, prepareLabels, printableBatch, sampleLabel } from './prepare.ts';
import {
  LabelLayouts,
  LabelLayoutsQuery,
  LabelsFile,
  LabelsParams,
  LabelsQuery,
  MAX_JOB_LABELS,
  MAX_LABELS,
  PRINTERS,
} from './schemas.ts';

/**
 * Print-ready labels of a batch's codes (issue 5): `GET /api/v1/batches/{id}/labels`.
 *
 * - Who: the batch's producer (another producer's batch is a 404, as if it did not exist), an
 *   officer within whose area the producer is, an admin.
 * - Refused with 409 `labels_refused` while the batch's codes cannot be genuine: the same rule as
 *   issuing them (`mayIssueCodes`: batch recalled, no certificate, certificate revoked or expired
 *   today, or not valid on the production date). A label carries the certified stars, and after
 *   expiry or revocation the OCOP mark must leave the packaging (Decision 148/QĐ-TTg).
 * - What: the batch code (`copies` times) or unit codes `from`–`to` in issuing order, at most
 *   10,000 per request, checked to fit the layout at the dpi before anything is sent (422
 *   `label_does_not_fit`, with what the code needs).
 * - How: streamed as drawn — a PDF page by page, PNG/SVG files one by one in a ZIP — with the
 *   number of labels in `X-Label-Count` (and of pages in `X-Label-Pages` for PDFs); memory stays
 *   flat at any size. Large runs stream too, up to 10,000: a print shop gets the file at once, as
 *   fast as a job would make it, without polling. A job (jobs.ts) is for more than that, or for a
 *   file to keep and download again: above 10,000 the 422 points to it.
 */
const fitsCache = new Map<string, ReturnType<typeof layoutFits>>();

const labels: FastifyPluginAsyncTypebox<{
  config: Readonly<Config>;
  jobs?: Partial<LabelJobOptions>;
}> = async (app, opts) => {
  await app.register(labelJobs, {
    dir: opts.config.labelJobsDir,
    fileDays: opts.config.labelJobFileDays,
    runner: opts.jobs ?? {},
  });
  app.get(
    '/api/v1/batches/:id/labels',
    {
      config: { access: PRINTERS },
      schema: {
        tags: ['labels'],
        operationId: 'getBatchLabels',
        summary: 'Print-ready labels of the batch code or of unit codes: PDF sheets or rolls, PNG, SVG',
        description:
          'Layouts: A4 sheets a4-40-52x30, a4-65-38x21, a4-24-64x34; rolls roll-50x30, roll-40x30, roll-35x22, ' +
          'roll-50x40; custom-{w}x{h} (mm). QR modules are whole printer dots (≥ 4 dots, ≥ 0.33 mm; 0.5 mm at ' +
          '203 dpi) with a 4-module quiet zone; fonts are embedded (PDF) or drawn as outlines (PNG, SVG). ' +
          'Streamed: `X-Label-Count` labels (`X-Label-Pages` pages). 409 `labels_refused` when the codes cannot ' +
          'be genuine now (reason: batch_recalled, no_certificate, certificate_revoked, certificate_expired, ' +
          'not_valid_on_production_date, produced_in_future); 409 `no_codes_to_print`; 422 `label_does_not_fit` ' +
          '(reason: qr_does_not_fit, text_does_not_fit); 422 `too_many_labels` (over 10,000).',
        security: bearer,
        params: LabelsParams,
        querystring: LabelsQuery,
        produces: ['application/pdf', 'image/png', 'image/svg+xml', 'application/zip'],
        response: { 200: LabelsFile, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const batch = await printableBatch(app.db, currentUser(request), request.params.id);
      const run = await prepareLabels(app.db, batch, request.query, {
        max: MAX_LABELS,
        over: (count, from) =>
          `${count} labels asked; at most ${MAX_LABELS} per request: from=${from}&to=${from + MAX_LABELS - 1}, then on — ` +
          `or all of them at once as a label job (POST /api/v1/batches/${batch.id}/label-jobs, up to ${MAX_JOB_LABELS}).`,
      });

      const out = new PassThrough();
      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const started = performance.now();
      writeLabels(run.data(), run.writeOptions({ signal: abort.signal }), out).then(
        (r) =>
          request.log.info(
            {
              batchId: batch.id,
              labels: r.labels,
              format: run.format,
              layout: run.layout.id,
              ms: Math.round(performance.now() - started),
            },
            'labels rendered',
          ),
        (err: unknown) => request.log.warn({ err, batchId: batch.id }, 'label rendering stopped'),
      );

      reply
        .type(run.mediaType)
        .header('content-disposition', `attachment; filename="${run.fileName}"`)
        .header('cache-control', 'no-store')
        .header('x-label-count', String(run.count));
      if (run.pages !== null) reply.header('x-label-pages', String(run.pages));
      return reply.send(out);
    },
  );

  app.get(
    '/api/v1/batches/:id/label-layouts',
    {
      config: { access: PRINTERS },
      schema: {
        tags: ['labels'],
        operationId: 'getBatchLabelLayouts',
        summary: 'Which label layouts this batch’s codes fit, at which printer resolution',
        description:
          'Every preset layout with `fits`, the resolutions (203, 300, 600 dpi) at which the batch’s code and text ' +
          'fit it, and `refused`, the others, each with the reason in Vietnamese and English and the alternatives. ' +
          'A GS1 Digital Link unit code is usually a version-9 QR (8 to 10 with the origin and the code’s digits): with ' +
          '4-module quiet zones and 0.5 mm modules it needs 28.5–32.5 mm, so at 203 dpi the 30 mm-tall rolls usually ' +
          'do not fit (the 50×40 roll does), and they do at 300 dpi; a version-10 code fits the 35×22 roll at no dpi. ' +
          'Same people and 409 refusals as the labels.',
        security: bearer,
        params: LabelsParams,
        querystring: LabelLayoutsQuery,
        response: { 200: named(LabelLayouts), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const batch = await printableBatch(app.db, currentUser(request), request.params.id);
      const real = await sampleLabel(app.db, batch);
      // What fits is decided by the QR the batch's codes may need at most, not by this one's.
      const sample = { ...real, url: leastPackable(real.url) };
      // ~150 ms of text fitting for 7 layouts × 3 resolutions: once per batch and format.
      const format = request.query.format ?? 'pdf';
      const key = `${format} ${JSON.stringify(sample)}`;
      let result = fitsCache.get(key);
      if (!result) {
        result = layoutFits(format, sample);
        if (fitsCache.size >= 100) fitsCache.clear();
        fitsCache.set(key, result);
      }
      if (!result.ok) throw new AppError('bad_request', result.reason, { reason: result.code });
      return {
        sample: { url: real.url, qrVersion: encodeQr(sample.url).version },
        layouts: result.layouts.map(({ layout, fits, refused }) => ({
          id: layout.id,
          kind: layout.kind,
          title: layout.title,
          widthMm: layout.label.widthMm,
          heightMm: layout.label.heightMm,
          defaultDpi: layout.defaultDpi,
          fits,
          refused: refused.map(({ dpi, refusal }) => ({
            dpi,
            reason: refusal.code,
            detailVi: refusal.reasonVi ?? refusal.reason,
            detail: refusal.reason,
            alternatives: refusal.alternatives ?? { dpi: null, layouts: [] },
          })),
        })),
      };
    },
  );
};

export default labels;
