import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { dotMm, type LabelPlan } from './compose.ts';
import { labelFonts } from './fonts.ts';
import { labelsPerPage, pageSize, sheetPlan, type Cell, type Dpi, type Layout } from './layouts.ts';
import { PlanCache } from './plans.ts';
import { sharedQrPool, withQr } from './qr-pool.ts';
import type { QrMatrix } from './qr.ts';
import { drained, timeSlicer } from './streams.ts';
import { starPoints } from './svg.ts';
import type { LabelData } from './types.ts';

/**
 * Labels as a PDF: A4 sheets (cells filled row by row) or one page per roll label. The QR is
 * vector — one rectangle per dark run of a row, filled as a single path — with its modules on the
 * printer's dot grid (`dpi`), counted from the page's corner. The text is real text in the
 * project's fonts, embedded as subsets, so `pdftotext` and screen readers read the Vietnamese.
 *
 * Streaming: pages are written as they are drawn (pdfkit flushes each finished page), and the
 * writer waits for `out` to drain, so memory stays flat however many labels there are; only the
 * font subsets are written at the end.
 *
 * Speed: a batch's labels share their text, so pdfkit sets it once per plan; its content-stream
 * operators are kept and replayed, moved to each cell, for the other labels (shaping the same text
 * with fontkit for every label cost more than the rest of the label together).
 */
export interface PdfOptions {
  /** Dot grid for the QR modules (default: the layout's). */
  dpi?: Dpi;
  /** Cell to start at on the first sheet (0-based), to reuse a partly used sheet. */
  startCell?: number;
  /** Light cell outlines, for a test print on plain paper. */
  guides?: boolean;
  title?: string;
  /** Fixed creation date (reproducible files, tests). */
  creationDate?: Date;
  signal?: AbortSignal;
  /** Called after each page with the number of labels drawn so far. */
  onProgress?: (labels: number) => void;
  /** Encode QR codes in worker threads, ahead of the drawing (default true). */
  qrWorkers?: boolean;
}

const PT_PER_MM = 72 / 25.4;
/** Bytes pdfkit may hold before the writer waits for `out` to drain. */
const HIGH_WATER = 1 << 20;

export async function writeLabelsPdf(
  labels: Iterable<LabelData> | AsyncIterable<LabelData>,
  layout: Layout,
  out: Writable,
  opts: PdfOptions = {},
): Promise<{ labels: number; pages: number }> {
  const dpi = opts.dpi ?? layout.defaultDpi;
  const fonts = labelFonts();
  const page = pageSize(layout);
  const size: [number, number] = [page.widthMm * PT_PER_MM, page.heightMm * PT_PER_MM];
  const doc = new PDFDocument({
    size,
    margin: 0,
    autoFirstPage: false,
    // The initial font is ours (pdfkit would load Helvetica); fonts never used are not written.
    font: fonts.regular.data as unknown as string,
    compress: true,
    pdfVersion: '1.7',
    lang: 'vi-VN',
    displayTitle: true,
    info: {
      Title: opts.title ?? 'Nhãn OCOP',
      Creator: 'OCOP Trace',
      Producer: 'OCOP Trace (pdfkit)',
      CreationDate: opts.creationDate ?? new Date(),
    },
  });
  doc.registerFont('regular', fonts.regular.data);
  doc.registerFont('bold', fonts.bold.data);

  const finished = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('close', () => reject(new Error('the output closed before the labels were written')));
    out.once('error', reject);
    doc.once('error', reject);
  });
  // Observed at the end; an early failure is seen by the loop through `out.destroyed`.
  finished.catch(() => undefined);
  doc.pipe(out);

  const plans = new PlanCache(layout, dpi);
  const { insets, cells } = sheetPlan(layout);
  const perPage = labelsPerPage(layout);
  const text = new TextReplay(doc);
  const slice = timeSlicer();
  let cellIndex = layout.kind === 'sheet' ? Math.min(Math.max(0, opts.startCell ?? 0), perPage - 1) : 0;
  let count = 0;
  let pages = 0;
  let pageOpen = false;

  const closePage = async () => {
    if (!pageOpen) return;
    pageOpen = false;
    opts.onProgress?.(count);
    // pdfkit has pushed the finished page into its readable side; give the pipe a turn of the
    // event loop to hand it to `out`, and wait while `out` is behind.
    await new Promise((r) => setImmediate(r));
    while (doc.readableLength > HIGH_WATER) {
      if (out.destroyed) throw new Error('the output closed before the labels were written');
      if (out.writableNeedDrain) await drained(out);
      else await new Promise((r) => setImmediate(r));
    }
    opts.signal?.throwIfAborted();
  };

  try {
    for await (const { data, qr } of withQr(labels, opts.qrWorkers === false ? null : sharedQrPool())) {
      opts.signal?.throwIfAborted();
      if (out.destroyed) throw new Error('the output closed before the labels were written');
      if (!pageOpen) {
        doc.addPage({ size, margin: 0 });
        pages++;
        pageOpen = true;
        if (opts.guides) drawGuides(doc, layout, cells);
      }
      const cell = cells[cellIndex]!;
      const plan = plans.plan(data, insets, qr);
      // The content's corner on the page's dot grid, so every module edge falls between printer dots.
      const dot = dotMm(dpi);
      const ox = Math.round((cell.xMm + cell.shiftXMm) / dot) * dot;
      const oy = Math.round((cell.yMm + cell.shiftYMm) / dot) * dot;
      drawQr(doc, plan, qr, ox, oy);
      text.draw(plan, ox, oy);
      count++;
      cellIndex++;
      if (cellIndex >= perPage) {
        cellIndex = 0;
        await closePage();
      } else {
        const pause = slice();
        if (pause) await pause;
      }
    }
    await closePage();
    doc.end();
    await finished;
  } catch (err) {
    doc.unpipe(out);
    // An abort is the caller's own decision: end `out` without an 'error' for it to handle.
    out.destroy(opts.signal?.aborted ? undefined : (err as Error));
    throw err;
  }
  return { labels: count, pages };
}

/**
 * The QR as one path: a rectangle per dark run, in module units under one scaling `cm` (short
 * integers compress well: a label's QR is ~6 KB of operators, ~1.5 KB deflated).
 */
function drawQr(doc: PDFKit.PDFDocument, plan: LabelPlan, qr: QrMatrix, oxMm: number, oyMm: number): void {
  const q = plan.qr;
  const m = q.moduleMm * PT_PER_MM;
  const qx = (oxMm + q.xMm) * PT_PER_MM;
  const qy = (oyMm + q.yMm) * PT_PER_MM;
  const six = (n: number) => (Math.round(n * 1e6) / 1e6).toString();
  let ops = `q ${six(m)} 0 0 ${six(m)} ${six(qx)} ${six(qy)} cm\n`;
  for (let i = 0; i < qr.runCount; i++) {
    ops += `${qr.runs[i * 3 + 1]} ${qr.runs[i * 3]} ${qr.runs[i * 3 + 2]} 1 re\n`;
  }
  doc.fillColor('#000');
  doc.addContent(`${ops}f Q`);
}

/** The text, stars and badge of a plan at the page's origin, through pdfkit's own drawing calls. */
function drawText(doc: PDFKit.PDFDocument, plan: LabelPlan): void {
  doc.fillColor('#000');
  for (const run of plan.text.runs) {
    doc
      .font(run.weight)
      .fontSize(run.sizePt)
      .text(run.text, run.xMm * PT_PER_MM, run.baselineMm * PT_PER_MM, {
        lineBreak: false,
        baseline: 'alphabetic',
      });
  }
  for (const star of plan.text.stars) {
    doc.polygon(...starPoints(star).map(([x, y]): [number, number] => [x * PT_PER_MM, y * PT_PER_MM]));
  }
  if (plan.text.stars.length) doc.fill();
  for (const p of plan.text.pills) {
    const s = p.strokeMm;
    doc
      .roundedRect(
        (p.xMm + s / 2) * PT_PER_MM,
        (p.yMm + s / 2) * PT_PER_MM,
        (p.widthMm - s) * PT_PER_MM,
        (p.heightMm - s) * PT_PER_MM,
        ((p.heightMm - s) / 2) * PT_PER_MM,
      )
      .lineWidth(s * PT_PER_MM)
      .stroke('#000');
  }
}

/** The few pdfkit internals the replay relies on; checked, and without them every label is drawn. */
interface PdfkitInternals {
  page?: { fonts?: Record<string, unknown> };
  _font?: { id?: string; ref?: () => unknown };
}

/**
 * Draws a plan's text once with pdfkit, keeps the operators it wrote, and replays them translated
 * for later labels. The fonts a replay uses are added to each new page's resources, as pdfkit does
 * when it sets text; if pdfkit's internals are not as expected, every label is drawn in full.
 */
class TextReplay {
  private readonly ops = new WeakMap<LabelPlan, string>();
  private readonly fonts = new Map<string, () => unknown>();
  private usable = true;

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  draw(plan: LabelPlan, oxMm: number, oyMm: number): void {
    const doc = this.doc;
    const cached = this.usable ? this.ops.get(plan) : undefined;
    doc.save();
    doc.translate(oxMm * PT_PER_MM, oyMm * PT_PER_MM);
    if (cached !== undefined && this.addFontsToPage()) {
      doc.addContent(cached);
    } else {
      const captured = this.capture(() => drawText(doc, plan));
      if (this.usable) this.ops.set(plan, captured);
    }
    doc.restore();
  }

  /** Runs `fn`, writing its operators through and keeping a copy, and notes the fonts it set. */
  private capture(fn: () => void): string {
    const doc = this.doc;
    const internals = doc as unknown as PdfkitInternals;
    const original = doc.addContent.bind(doc);
    const ops: string[] = [];
    doc.addContent = (data: string) => {
      ops.push(data);
      const font = internals._font;
      if (font?.id && typeof font.ref === 'function' && !this.fonts.has(font.id)) {
        this.fonts.set(font.id, font.ref.bind(font));
      }
      return original(data);
    };
    try {
      fn();
    } finally {
      doc.addContent = original;
    }
    if (!internals.page?.fonts || this.fonts.size === 0) this.usable = false;
    return ops.join('\n');
  }

  private addFontsToPage(): boolean {
    const fonts = (this.doc as unknown as PdfkitInternals).page?.fonts;
    if (!fonts) return (this.usable = false);
    for (const [id, ref] of this.fonts) fonts[id] ??= ref();
    return true;
  }
}

function drawGuides(doc: PDFKit.PDFDocument, layout: Layout, cells: readonly Cell[]): void {
  doc.save().lineWidth(0.3).strokeColor('#b0b0b0');
  for (const c of cells) {
    doc
      .roundedRect(
        c.xMm * PT_PER_MM,
        c.yMm * PT_PER_MM,
        layout.label.widthMm * PT_PER_MM,
        layout.label.heightMm * PT_PER_MM,
        4,
      )
      .stroke();
  }
  doc.restore();
}
