import type { Writable } from 'node:stream';
import { labelText, planLabel } from './compose.ts';
import { sheetPlan, singleInsets, type Dpi, type Layout } from './layouts.ts';
import { writeLabelsPdf } from './pdf.ts';
import { PngRenderer } from './png.ts';
import { encodeQr, type QrMatrix } from './qr.ts';
import { sharedQrPool, withQr } from './qr-pool.ts';
import { timeSlicer } from './streams.ts';
import { SvgRenderer } from './svg.ts';
import type { LabelData, Refusal } from './types.ts';
import { ZipWriter } from './zip.ts';

/**
 * The label rendering engine: plain data in (`LabelData`, a layout, a format), print-ready bytes
 * out. No database, no HTTP. See README.md for the choices (dot grid, fonts, streaming).
 */
export { DPIS, LAYOUTS, findLayout, isDpi, labelsPerPage, resolveLayout } from './layouts.ts';
export type { Dpi, Layout, RollLayout, SheetLayout } from './layouts.ts';
export { LabelError } from './types.ts';
export type { LabelData, Refusal } from './types.ts';
export { writeLabelsPdf, type PdfOptions } from './pdf.ts';
export { PngRenderer, type PngOptions } from './png.ts';
export { SvgRenderer, labelSvg } from './svg.ts';
export { ZipWriter } from './zip.ts';
export { planLabel, labelText, minModuleDots, MIN_MODULE_DOTS, MIN_MODULE_MM } from './compose.ts';
export { encodeQr, QUIET_ZONE } from './qr.ts';

export const FORMATS = ['pdf', 'png', 'svg'] as const;
export type LabelFormat = (typeof FORMATS)[number];

/**
 * Whether `sample` can be drawn on this layout at this resolution, and if not why — before a job
 * starts streaming, so a refusal is an answer, not a truncated file. The labels of one job share
 * their text and the length of their URLs, so one sample (the longest URL) stands for all.
 */
export function checkLabel(
  layout: Layout,
  format: LabelFormat,
  dpi: Dpi,
  sample: LabelData,
): { ok: true } | Refusal {
  const t = labelText(sample);
  if (!t.ok) return t;
  let size: number;
  try {
    size = encodeQr(sample.url).size;
  } catch (err) {
    return { ok: false, code: 'invalid_label', reason: (err as Error).message };
  }
  const insets = format === 'pdf' ? sheetPlan(layout).insets : singleInsets(layout);
  const r = planLabel({ label: layout.label, insets, dpi, qrSize: size, text: t.text });
  return r.ok ? { ok: true } : r;
}

/** Media type of a job's output: one PNG or SVG, several in a ZIP, or a PDF. */
export function mediaTypeOf(format: LabelFormat, count: number): string {
  if (format === 'pdf') return 'application/pdf';
  if (count > 1) return 'application/zip';
  return format === 'png' ? 'image/png' : 'image/svg+xml';
}

export interface WriteOptions {
  layout: Layout;
  format: LabelFormat;
  dpi?: Dpi;
  /** PNG: black and white only. */
  mono?: boolean;
  /** PDF sheets: first cell to fill. */
  startCell?: number;
  /** PDF: cell outlines. */
  guides?: boolean;
  title?: string;
  /** PNG, SVG: one file (true) or a ZIP of them (false). */
  single?: boolean;
  /** ZIP entry name of a label (default `label-00001.png`). */
  name?: (data: LabelData, index: number) => string;
  signal?: AbortSignal;
  /** Called as labels are done (after each page for PDFs, every 50 labels for ZIPs). */
  onProgress?: (labels: number) => void;
  /** Encode QR codes in worker threads, ahead of the drawing (default true; see qr-pool.ts). */
  qrWorkers?: boolean;
}

/**
 * Renders labels to `out` as they come, never holding more than one page (PDF) or one image (PNG,
 * SVG) at a time: a PDF; one PNG or SVG (`single`); or a ZIP of PNGs or SVGs, one per label.
 * @throws LabelError when a label cannot be drawn; `out` is destroyed on any failure.
 */
export async function writeLabels(
  labels: Iterable<LabelData> | AsyncIterable<LabelData>,
  opts: WriteOptions,
  out: Writable,
): Promise<{ labels: number }> {
  const { layout, format } = opts;
  if (format === 'pdf') {
    return writeLabelsPdf(labels, layout, out, {
      ...(opts.dpi ? { dpi: opts.dpi } : {}),
      ...(opts.startCell !== undefined ? { startCell: opts.startCell } : {}),
      ...(opts.guides ? { guides: true } : {}),
      ...(opts.title ? { title: opts.title } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.qrWorkers === false ? { qrWorkers: false } : {}),
    });
  }
  const dpi = opts.dpi ?? layout.defaultDpi;
  const png = format === 'png' ? new PngRenderer(layout, { dpi, mono: opts.mono ?? false }) : null;
  const svg = format === 'svg' ? new SvgRenderer(layout, { dpi }) : null;
  const render = async (d: LabelData, qr: QrMatrix): Promise<Buffer> =>
    png ? (await png.renderWith(d, qr)).png : Buffer.from(svg!.renderWith(d, qr), 'utf8');
  const name =
    opts.name ?? ((_d: LabelData, i: number) => `label-${String(i + 1).padStart(5, '0')}.${format}`);
  let count = 0;
  try {
    const encoded = withQr(labels, opts.qrWorkers === false ? null : sharedQrPool());
    if (opts.single) {
      for await (const { data: d, qr } of encoded) {
        if (count++ > 0) throw new RangeError('`single` output holds one label');
        const bytes = await render(d, qr);
        out.end(bytes);
      }
      if (count === 0) out.end();
      return { labels: count };
    }
    const zip = new ZipWriter(out);
    const slice = timeSlicer();
    for await (const { data: d, qr } of encoded) {
      opts.signal?.throwIfAborted();
      await zip.add(name(d, count), await render(d, qr));
      count++;
      if (count % 50 === 0) opts.onProgress?.(count);
      const pause = slice();
      if (pause) await pause;
    }
    await zip.finish();
    opts.onProgress?.(count);
    return { labels: count };
  } catch (err) {
    // An abort is the caller's own decision: end `out` without an 'error' for it to handle.
    out.destroy(opts.signal?.aborted ? undefined : (err as Error));
    throw err;
  }
}
