import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { mayIssueCodes, todayInVietnam } from '@ocop/domain';
import { AppError } from '../../errors.ts';
import {
  checkLabel,
  labelsPerPage,
  mediaTypeOf,
  resolveLayout,
  writeLabels,
  type LabelData,
} from '../../labels/index.ts';
import { currentUser } from '../../plugins/auth.ts';
import {
  batchCertificateOf,
  batchInArea,
  findBatchCode,
  findBatchForCodes,
  productCertificates,
  validityOf,
} from '../codes/queries.ts';
import { bearer, errors } from '../route-helpers.ts';
import { issuanceJobExists, labelTextOf, unitCodes, unitCodeTotal, type PrintableCode } from './queries.ts';
import { LabelsFile, LabelsParams, LabelsQuery, MAX_LABELS } from './schemas.ts';

const PRINTERS = ['admin', 'officer', 'producer'] as const;
const DEFAULT_LAYOUT = 'a4-40-52x30';

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
 *   number of labels in `X-Label-Count` (and of pages in `X-Label-Pages` for PDFs). No job table:
 *   the stream is the job, its progress is what has arrived, and memory stays flat at any size.
 */
const labels: FastifyPluginAsyncTypebox = async (app) => {
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
      const user = currentUser(request);
      const q = request.query;
      const batch = await findBatchForCodes(app.db, request.params.id);
      const visible =
        batch !== undefined &&
        (user.role === 'admin' ||
          (user.role === 'producer' && user.producerId === batch.producerId) ||
          (user.role === 'officer' &&
            user.adminUnitId !== null &&
            (await batchInArea(app.db, batch, user.adminUnitId))));
      if (!batch || !visible) {
        throw new AppError('not_found', `No batch ${request.params.id} that you may print labels for.`);
      }

      // Genuine today? The rule codes are issued by (domain: issuance.ts), applied at printing time.
      const cert = batchCertificateOf(await productCertificates(app.db, batch.productId), batch.producedOn);
      const decision = mayIssueCodes({
        certificate: cert ? validityOf(cert) : null,
        batch: { producedOn: batch.producedOn, status: batch.status },
        today: todayInVietnam(new Date()),
      });
      if (!decision.ok || !cert) {
        throw new AppError(
          'labels_refused',
          decision.ok ? 'The batch has no certificate.' : decision.messageEn,
          {
            reason: decision.ok ? 'no_certificate' : decision.reason,
            ...(decision.ok ? {} : { detailVi: decision.message }),
          },
        );
      }

      const resolved = resolveLayout(q.layout ?? DEFAULT_LAYOUT);
      if (!resolved.ok) throw new AppError('bad_request', resolved.reason);
      const layout = resolved.layout;
      const format = q.format ?? 'pdf';
      const dpi = q.dpi ?? layout.defaultDpi;

      // Which codes, how many.
      const which = q.codes ?? 'batch';
      let count: number;
      let source: () => AsyncGenerator<PrintableCode>;
      let sample: PrintableCode;
      let range = '';
      if (which === 'batch') {
        if (q.from !== undefined || q.to !== undefined || q.job !== undefined) {
          throw new AppError('bad_request', '`from`, `to` and `job` choose unit codes: add codes=units.');
        }
        const code = await findBatchCode(app.db, batch.id);
        if (!code) {
          throw new AppError('no_codes_to_print', 'This batch has no batch code yet: issue its codes first.');
        }
        count = q.copies ?? 1;
        const printable = { url: code.url, origin: code.origin, serial: null };
        sample = printable;
        source = async function* () {
          for (let i = 0; i < count; i++) yield printable;
        };
      } else {
        if (q.copies !== undefined)
          throw new AppError('bad_request', '`copies` is for the batch code (codes=batch).');
        if (q.job !== undefined && !(await issuanceJobExists(app.db, batch.id, q.job))) {
          throw new AppError('not_found', `No issuance job ${q.job} for this batch.`);
        }
        const total = await unitCodeTotal(app.db, batch.id, q.job);
        const from = q.from ?? 1;
        const to = q.to ?? total;
        if (total === 0)
          throw new AppError('no_codes_to_print', 'This batch has no unit codes yet: issue them first.');
        if (from > to || to > total) {
          throw new AppError(
            'no_codes_to_print',
            `There are ${total} unit codes${q.job ? ' in this job' : ''}: ask for a range within 1–${total}.`,
          );
        }
        count = to - from + 1;
        if (count > MAX_LABELS) {
          throw new AppError(
            'too_many_labels',
            `${count} labels asked; at most ${MAX_LABELS} per request: from=${from}&to=${from + MAX_LABELS - 1}, then on.`,
          );
        }
        const first = await unitCodes(app.db, batch.id, from, from, q.job).next();
        if (first.done) throw new AppError('no_codes_to_print', 'No unit code in this range.');
        sample = first.value;
        source = () => unitCodes(app.db, batch.id, from, to, q.job);
        range = `-${from}-${to}`;
      }

      const text = await labelTextOf(app.db, batch.productId);
      const toLabel = (c: PrintableCode): LabelData => ({
        url: c.url,
        productName: text?.productName ?? '',
        producerName: text?.producerName ?? '',
        lot: batch.lot,
        producedOn: batch.producedOn,
        bestBefore: batch.bestBefore,
        stars: cert.stars as 3 | 4 | 5,
        domain: new URL(c.origin).host,
      });

      // Refuse before streaming, so a refusal is an answer and not a cut file. Unit URLs of a
      // batch differ only in their random serial and signature: one stands for all.
      const fit = checkLabel(layout, format, dpi, toLabel(sample));
      if (!fit.ok) {
        throw new AppError(fit.code === 'invalid_label' ? 'bad_request' : 'label_does_not_fit', fit.reason, {
          reason: fit.code,
        });
      }

      const out = new PassThrough();
      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      async function* data(): AsyncGenerator<LabelData> {
        for await (const c of source()) yield toLabel(c);
      }
      const ext = format === 'pdf' ? 'pdf' : count > 1 ? 'zip' : format;
      const name = `ocop-nhan-${batch.lot}-${which === 'batch' ? 'lo' : 'don-vi'}${range}.${ext}`;
      const started = performance.now();
      writeLabels(
        data(),
        {
          layout,
          format,
          dpi,
          single: count === 1,
          ...(q.mono ? { mono: true } : {}),
          ...(q.guides ? { guides: true } : {}),
          ...(q.start ? { startCell: q.start - 1 } : {}),
          title: `Nhãn OCOP — ${text?.productName ?? ''} — lô ${batch.lot}`,
          name: (d, i) =>
            `${batch.lot}-${which === 'batch' ? `lo-${i + 1}` : (serialOf(d.url) ?? i + 1)}.${format}`,
          signal: abort.signal,
        },
        out,
      ).then(
        (r) =>
          request.log.info(
            {
              batchId: batch.id,
              labels: r.labels,
              format,
              layout: layout.id,
              ms: Math.round(performance.now() - started),
            },
            'labels rendered',
          ),
        (err: unknown) => request.log.warn({ err, batchId: batch.id }, 'label rendering stopped'),
      );

      reply
        .type(mediaTypeOf(format, count))
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .header('x-label-count', String(count));
      if (format === 'pdf') {
        const perPage = labelsPerPage(layout);
        const offset = layout.kind === 'sheet' && q.start ? Math.min(q.start - 1, perPage - 1) : 0;
        reply.header('x-label-pages', String(Math.ceil((offset + count) / perPage)));
      }
      return reply.send(out);
    },
  );
};

/** The serial (GS1 AI 21) of a unit code URL, for file names. */
function serialOf(url: string): string | null {
  return /\/21\/([0-9A-Za-z]{1,20})\?/.exec(url)?.[1] ?? null;
}

export default labels;
