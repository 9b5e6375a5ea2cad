import type { Writable } from 'node:stream';
import { labelText, planLabel, vn } from './compose.ts';
import { DPIS, LAYOUTS, sheetPlan, singleInsets, type Dpi, type Layout } from './layouts.ts';
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
 * their text and the length of their URLs, so one sample (the longest URL) stands for all. A label
 * that does not fit is refused with what would: the same layout on a finer printer, and the preset
 * layouts of its kind (rolls, sheets) that fit at this resolution — in Vietnamese and in English.
 */
export function checkLabel(
  layout: Layout,
  format: LabelFormat,
  dpi: Dpi,
  sample: LabelData,
): { ok: true } | Refusal {
  const fits = planner(format, sample);
  return fits.ok ? fits.check(layout, dpi) : fits;
}

/**
 * Which preset layouts `sample` fits at which printer resolution, each refusal with its reason and
 * alternatives (the layouts endpoint: a producer learns before printing that the 30 mm rolls need
 * 300 dpi). Every layout × dpi is planned once.
 */
export function layoutFits(
  format: LabelFormat,
  sample: LabelData,
):
  | { ok: true; layouts: { layout: Layout; fits: Dpi[]; refused: { dpi: Dpi; refusal: Refusal }[] }[] }
  | Refusal {
  const fits = planner(format, sample);
  if (!fits.ok) return fits;
  return {
    ok: true,
    layouts: LAYOUTS.map((layout) => {
      const results = DPIS.map((dpi) => ({ dpi, r: fits.check(layout, dpi) }));
      return {
        layout,
        fits: results.filter((x) => x.r.ok).map((x) => x.dpi),
        refused: results.flatMap((x) => (x.r.ok ? [] : [{ dpi: x.dpi, refusal: x.r }])),
      };
    }),
  };
}

/** Plans `sample` (text fitted, QR encoded once) on any layout at any dpi, each pair once. */
function planner(
  format: LabelFormat,
  sample: LabelData,
): { ok: true; check: (layout: Layout, dpi: Dpi) => { ok: true } | Refusal } | Refusal {
  const t = labelText(sample);
  if (!t.ok) return t;
  let qrSize: number;
  try {
    qrSize = encodeQr(sample.url).size;
  } catch (err) {
    return { ok: false, code: 'invalid_label', reason: (err as Error).message };
  }
  const memo = new Map<string, boolean | Refusal>();
  const plan = (l: Layout, d: Dpi): true | Refusal => {
    const key = `${l.id} ${d}`;
    let r = memo.get(key);
    if (r === undefined) {
      const insets = format === 'pdf' ? sheetPlan(l).insets : singleInsets(l);
      const p = planLabel({ label: l.label, insets, dpi: d, qrSize, text: t.text });
      r = p.ok ? true : p;
      memo.set(key, r);
    }
    return r as true | Refusal;
  };
  const check = (layout: Layout, dpi: Dpi): { ok: true } | Refusal => {
    const r = plan(layout, dpi);
    if (r === true) return { ok: true };
    if (!r.facts) return r;
    const finer = DPIS.find((d) => d > dpi && plan(layout, d) === true) ?? null;
    const others = LAYOUTS.filter(
      (l) => l.kind === layout.kind && l.id !== layout.id && plan(l, dpi) === true,
    );
    const name = (l: Layout) => `${fmtMm(l.label.widthMm)} × ${fmtMm(l.label.heightMm)} mm (${l.id})`;
    const en: string[] = [];
    const vi: string[] = [];
    if (finer) {
      en.push(`a ${finer}-dpi printer`);
      vi.push(`máy in ${finer} dpi`);
    }
    if (others.length > 0) {
      en.push(`the ${others.map(name).join(' or the ')} ${layout.kind === 'roll' ? 'roll' : 'sheet'}`);
      vi.push(
        `${layout.kind === 'roll' ? 'cuộn nhãn' : 'tờ nhãn'} ${others.map((l) => vn(name(l))).join(' hoặc ')}`,
      );
    }
    const advice =
      en.length > 0
        ? { en: `It fits with ${en.join(', or ')}.`, vi: `Nhãn sẽ vừa với ${vi.join(', hoặc ')}.` }
        : { en: 'Choose a larger label.', vi: 'Hãy chọn nhãn lớn hơn.' };
    return {
      ...r,
      reason: `${r.facts.en} ${advice.en}`,
      reasonVi: `${r.facts.vi} ${advice.vi}`,
      alternatives: { dpi: finer, layouts: others.map((l) => l.id) },
    };
  };
  return { ok: true, check };
}

const fmtMm = (n: number) => n.toFixed(1).replace(/\.0$/, '');

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
