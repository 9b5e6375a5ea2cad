import type { Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import { mayIssueCodes, todayInVietnam } from '@ocop/domain';
import { AppError } from '../../errors.ts';
import {
  checkLabel,
  labelsPerPage,
  mediaTypeOf,
  resolveLayout,
  type Dpi,
  type LabelData,
  type LabelFormat,
  type Layout,
  type WriteOptions,
} from '../../labels/index.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import {
  batchCertificateOf,
  findBatchCode,
  findBatchForCodesVisibleTo,
  productCertificates,
  validityOf,
  type BatchForCodes,
} from '../codes/queries.ts';
import { issuanceJobExists, labelTextOf, unitCodes, unitCodeTotal, type PrintableCode } from './queries.ts';
import type { LabelsQuery } from './schemas.ts';

/**
 * What the labels route and the label jobs share: who may print a batch's labels, whether its
 * codes may be printed now, and the parameters resolved into one rendering (which codes, how many,
 * layout, dpi, file name). The route streams it; a job writes it to disk.
 */

const DEFAULT_LAYOUT = 'a4-40-52x30';

/**
 * The batch, if this user may print its labels: its producer, an officer within whose area the
 * producer is, an admin. Anything else is a 404, as if the batch did not exist.
 */
export async function printableBatch(
  db: Kysely<Database>,
  user: AuthUser,
  batchId: string,
): Promise<BatchForCodes> {
  const batch = await findBatchForCodesVisibleTo(db, user, batchId);
  if (!batch) throw new AppError('not_found', `No batch ${batchId} that you may print labels for.`);
  return batch;
}

/**
 * The batch's certified stars, or 409 `labels_refused` while its codes cannot be genuine: the rule
 * codes are issued by (domain `mayIssueCodes`: batch recalled, no certificate, certificate revoked
 * or expired today, not valid on the production date), applied at printing time. A label carries
 * the certified stars, and after expiry or revocation the OCOP mark must leave the packaging
 * (Decision 148/QĐ-TTg).
 */
export async function assertPrintable(db: Kysely<Database>, batch: BatchForCodes): Promise<3 | 4 | 5> {
  const cert = batchCertificateOf(await productCertificates(db, batch.productId), batch.producedOn);
  const decision = mayIssueCodes({
    certificate: cert ? validityOf(cert) : null,
    batch: { producedOn: batch.producedOn, status: batch.status },
    today: todayInVietnam(new Date()),
  });
  if (!decision.ok || !cert) {
    throw new AppError('labels_refused', decision.ok ? 'The batch has no certificate.' : decision.messageEn, {
      reason: decision.ok ? 'no_certificate' : decision.reason,
      detailVi: decision.ok ? 'Lô hàng không có giấy chứng nhận OCOP.' : decision.message,
    });
  }
  return cert.stars as 3 | 4 | 5;
}

/** One rendering, resolved and checked: what to draw, how, and the file it makes. */
export interface LabelRun {
  batch: BatchForCodes;
  /** The parameters with the unit range made explicit (`from`, `to`), so a re-run prints the same codes. */
  params: LabelsQuery;
  count: number;
  layout: Layout;
  format: LabelFormat;
  dpi: Dpi;
  mediaType: string;
  fileName: string;
  /** PDF pages, or null for PNG/SVG. */
  pages: number | null;
  /** The labels, read from the database a page at a time as they are drawn. */
  data(): AsyncGenerator<LabelData>;
  writeOptions(extra: Pick<WriteOptions, 'signal' | 'onProgress'>): WriteOptions;
}

/**
 * Resolves the parameters of `GET …/labels` (or of a label job) for a batch whose labels may be
 * printed: which codes, at most `max` of them, and whether they fit the layout at the dpi (422
 * `label_does_not_fit` before anything is drawn, so a refusal is an answer and not a cut file).
 * @throws AppError 400, 404, 409, 422 as documented on the route.
 */
export async function prepareLabels(
  db: Kysely<Database>,
  batch: BatchForCodes,
  q: LabelsQuery,
  limit: { max: number; over: (count: number, from: number) => string },
): Promise<LabelRun> {
  const stars = await assertPrintable(db, batch);
  const resolved = resolveLayout(q.layout ?? DEFAULT_LAYOUT);
  if (!resolved.ok) throw new AppError('bad_request', resolved.reason);
  const layout = resolved.layout;
  const format = q.format ?? 'pdf';
  const dpi = q.dpi ?? layout.defaultDpi;

  const which = q.codes ?? 'batch';
  const params: LabelsQuery = { ...q };
  let count: number;
  let source: () => AsyncGenerator<PrintableCode>;
  let sample: PrintableCode;
  let range = '';
  if (which === 'batch') {
    if (q.from !== undefined || q.to !== undefined || q.job !== undefined) {
      throw new AppError('bad_request', '`from`, `to` and `job` choose unit codes: add codes=units.');
    }
    const code = await findBatchCode(db, batch.id);
    if (!code)
      throw new AppError('no_codes_to_print', 'This batch has no batch code yet: issue its codes first.');
    count = q.copies ?? 1;
    if (count > limit.max) throw new AppError('too_many_labels', limit.over(count, 1));
    const printable = { url: code.url, origin: code.origin, serial: null };
    sample = printable;
    source = async function* () {
      for (let i = 0; i < count; i++) yield printable;
    };
  } else {
    if (q.copies !== undefined)
      throw new AppError('bad_request', '`copies` is for the batch code (codes=batch).');
    if (q.job !== undefined && !(await issuanceJobExists(db, batch.id, q.job))) {
      throw new AppError('not_found', `No issuance job ${q.job} for this batch.`);
    }
    const total = await unitCodeTotal(db, batch.id, q.job);
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
    if (count > limit.max) throw new AppError('too_many_labels', limit.over(count, from));
    const first = await unitCodes(db, batch.id, from, from, q.job).next();
    if (first.done) throw new AppError('no_codes_to_print', 'No unit code in this range.');
    sample = first.value;
    source = () => unitCodes(db, batch.id, from, to, q.job);
    range = `-${from}-${to}`;
    params.from = from;
    params.to = to;
  }

  const toLabel = labelDataOf(batch, await labelTextOf(db, batch.productId), stars);

  // Unit URLs of a batch differ only in their random serial and signature: one stands for all,
  // with those parts as the QR packs them least (a digit-rich one may need a smaller version).
  const fit = checkLabel(layout, format, dpi, { ...toLabel(sample), url: leastPackable(sample.url) });
  if (!fit.ok) {
    throw new AppError(fit.code === 'invalid_label' ? 'bad_request' : 'label_does_not_fit', fit.reason, {
      reason: fit.code,
      ...(fit.reasonVi ? { detailVi: fit.reasonVi } : {}),
      ...(fit.alternatives ? { alternatives: fit.alternatives } : {}),
    });
  }

  const ext = format === 'pdf' ? 'pdf' : count > 1 ? 'zip' : format;
  let pages: number | null = null;
  if (format === 'pdf') {
    const perPage = labelsPerPage(layout);
    const offset = layout.kind === 'sheet' && q.start ? Math.min(q.start - 1, perPage - 1) : 0;
    pages = Math.ceil((offset + count) / perPage);
  }
  return {
    batch,
    params,
    count,
    layout,
    format,
    dpi,
    mediaType: mediaTypeOf(format, count),
    fileName: `ocop-nhan-${batch.lot}-${which === 'batch' ? 'lo' : 'don-vi'}${range}.${ext}`,
    pages,
    async *data() {
      for await (const c of source()) yield toLabel(c);
    },
    writeOptions: (extra) => ({
      layout,
      format,
      dpi,
      single: count === 1,
      ...(q.mono ? { mono: true } : {}),
      ...(q.guides ? { guides: true } : {}),
      ...(q.start ? { startCell: q.start - 1 } : {}),
      title: `Nhãn OCOP — ${toLabel(sample).productName} — lô ${batch.lot}`,
      name: (d, i) =>
        `${batch.lot}-${which === 'batch' ? `lo-${i + 1}` : (serialOf(d.url) ?? i + 1)}.${format}`,
      ...extra,
    }),
  };
}

/** A batch's labels, code by code: everything but the URL is the batch's. */
function labelDataOf(
  batch: BatchForCodes,
  text: { productName: string; producerName: string } | undefined,
  stars: 3 | 4 | 5,
): (c: PrintableCode) => LabelData {
  return (c) => ({
    url: c.url,
    productName: text?.productName ?? '',
    producerName: text?.producerName ?? '',
    lot: batch.lot,
    producedOn: batch.producedOn,
    bestBefore: batch.bestBefore,
    stars,
    domain: new URL(c.origin).host,
  });
}

/**
 * The label that stands for the batch's labels when asking what fits: its first unit code (the
 * longest URL), or its batch code. Ask what fits with {@link leastPackable} of its URL.
 * @throws AppError 409 while it cannot be printed or has no code.
 */
export async function sampleLabel(db: Kysely<Database>, batch: BatchForCodes): Promise<LabelData> {
  const stars = await assertPrintable(db, batch);
  const unit = await unitCodes(db, batch.id, 1, 1).next();
  const batchCode = unit.done ? await findBatchCode(db, batch.id) : undefined;
  const code: PrintableCode | undefined = unit.done
    ? batchCode && { url: batchCode.url, origin: batchCode.origin, serial: null }
    : unit.value;
  if (!code) throw new AppError('no_codes_to_print', 'This batch has no code yet: issue its codes first.');
  return labelDataOf(batch, await labelTextOf(db, batch.productId), stars)(code);
}

/**
 * `url` with its random parts — the serial and the signature — replaced by as many lowercase
 * letters: the same length, but nothing the QR encoder can pack into its numeric or alphanumeric
 * modes. Whatever its random parts, a code of the batch needs no larger QR version than this one
 * (about one random code in 60 packs into a smaller version, and must not decide what fits).
 */
export function leastPackable(url: string): string {
  const letters = (s: string) => 'x'.repeat(s.length);
  return url
    .replace(/(\/21\/)([^/?#]+)/, (_m, head: string, serial: string) => head + letters(serial))
    .replace(/([?&]s=)([^&#]+)/, (_m, head: string, sig: string) => head + letters(sig));
}

/** The serial (GS1 AI 21) of a unit code URL, for file names. */
function serialOf(url: string): string | null {
  return /\/21\/([0-9A-Za-z]{1,20})\?/.exec(url)?.[1] ?? null;
}
