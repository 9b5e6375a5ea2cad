import { glyphPath, mmPerUnit, shape, type Weight } from './fonts.ts';
import type { LabelPlan } from './compose.ts';
import { singleInsets, type Dpi, type Layout } from './layouts.ts';
import { PlanCache } from './plans.ts';
import { QUIET_ZONE, type QrMatrix } from './qr.ts';
import type { Pill, Star } from './text.ts';
import type { LabelData } from './types.ts';

/**
 * A label as SVG. Text is drawn as the glyph outlines of the project's fonts (each glyph defined
 * once, placed with <use>), so no viewer and no rasteriser — librsvg inside sharp included — ever
 * substitutes a system font. The same SVG without the QR is the text layer of PNG labels.
 */

const num = (n: number) => {
  const s = n.toFixed(3);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
};

const escapeXml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** Points of a five-pointed star (inner radius: the regular pentagram's 0.382). */
export function starPoints(star: Star): [number, number][] {
  const pts: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    const r = i % 2 === 0 ? star.rMm : star.rMm * 0.382;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    pts.push([star.cxMm + r * Math.cos(a), star.cyMm + r * Math.sin(a)]);
  }
  return pts;
}

/** QR dark runs as one path in module units (merged per row run). */
export function qrPathData(qr: QrMatrix): string {
  let d = '';
  for (let i = 0; i < qr.runCount; i++) {
    const row = qr.runs[i * 3]!;
    const col = qr.runs[i * 3 + 1]!;
    const len = qr.runs[i * 3 + 2]!;
    d += `M${col} ${row}h${len}v1h-${len}z`;
  }
  return d;
}

function pillSvg(p: Pill): string {
  const h = p.strokeMm / 2;
  return (
    `<rect x="${num(p.xMm + h)}" y="${num(p.yMm + h)}" width="${num(p.widthMm - p.strokeMm)}" ` +
    `height="${num(p.heightMm - p.strokeMm)}" rx="${num((p.heightMm - p.strokeMm) / 2)}" fill="none" ` +
    `stroke="#000" stroke-width="${num(p.strokeMm)}"/>`
  );
}

/** The text, stars and badge of a plan as SVG elements, with the glyph definitions they use. */
function textLayer(plan: LabelPlan): { defs: string; body: string } {
  const used = new Set<string>();
  let defs = '';
  let body = '';
  for (const run of plan.text.runs) {
    const s = shape(run.weight, run.text);
    const k = mmPerUnit(run.weight, run.sizePt);
    body += `<g transform="translate(${num(run.xMm)} ${num(run.baselineMm)}) scale(${num(k * 1000)} ${num(-k * 1000)})">`;
    for (let i = 0; i < s.glyphs.length; i++) {
      const id = glyphId(run.weight, s.glyphs[i]!);
      if (!used.has(id)) {
        used.add(id);
        const d = glyphPath(run.weight, s.glyphs[i]!);
        // Glyph outlines are defined at 1/1000 scale so the numbers in <use> stay short.
        if (d) defs += `<path id="${id}" transform="scale(0.001)" d="${d}"/>`;
        else defs += `<g id="${id}"/>`;
      }
      const x = s.xs[i]! / 1000;
      const y = s.ys[i]! / 1000;
      body += `<use xlink:href="#${id}" x="${num(x)}"${y ? ` y="${num(y)}"` : ''}/>`;
    }
    body += '</g>';
  }
  for (const star of plan.text.stars) {
    body += `<polygon points="${starPoints(star)
      .map(([x, y]) => `${num(x)},${num(y)}`)
      .join(' ')}"/>`;
  }
  for (const pill of plan.text.pills) body += pillSvg(pill);
  return { defs, body };
}

const glyphId = (weight: Weight, id: number) => `${weight === 'bold' ? 'b' : 'r'}${id}`;

export interface SvgOptions {
  /** Pixel size for rasterising (the PNG text layer); default: the physical size in mm. */
  pixels?: { width: number; height: number; dpi: number };
  /** Text for <title> (accessibility, file browsers). */
  title?: string;
}

/**
 * The label as an SVG document. With `qr`, the symbol is a vector path (module = the plan's
 * dot-snapped size); without it the QR area stays white (PNG labels raster it themselves).
 */
export function labelSvg(plan: LabelPlan, qr: QrMatrix | null, opts: SvgOptions = {}): string {
  const { defs, body } = textLayer(plan);
  let w = plan.widthMm;
  let h = plan.heightMm;
  let size = `width="${num(w)}mm" height="${num(h)}mm"`;
  if (opts.pixels) {
    // The viewBox is the whole-pixel image in mm, so one user unit maps to exactly dpi/25.4 px.
    w = (opts.pixels.width * 25.4) / opts.pixels.dpi;
    h = (opts.pixels.height * 25.4) / opts.pixels.dpi;
    size = `width="${opts.pixels.width}" height="${opts.pixels.height}"`;
  }
  let qrSvg = '';
  if (qr) {
    const q = plan.qr;
    qrSvg =
      `<path transform="translate(${num(q.xMm)} ${num(q.yMm)}) scale(${num(q.moduleMm)})" ` +
      `shape-rendering="crispEdges" d="${qrPathData(qr)}"/>`;
  }
  const title = opts.title ? `<title>${escapeXml(opts.title)}</title>` : '';
  const desc = qr
    ? `<desc>${escapeXml(qr.text)} (QR ${qr.size}×${qr.size}, ${QUIET_ZONE}-module quiet zone)</desc>`
    : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ${size} ` +
    `viewBox="0 0 ${num(w)} ${num(h)}">${title}${desc}<defs>${defs}</defs>` +
    `<rect width="100%" height="100%" fill="#fff"/><g fill="#000">${qrSvg}${body}</g></svg>`
  );
}

/** SVG labels, one document per label, with the plans of a job cached (see PlanCache). */
export class SvgRenderer {
  readonly dpi: Dpi;
  private readonly plans: PlanCache;

  constructor(
    readonly layout: Layout,
    opts: { dpi?: Dpi } = {},
  ) {
    this.dpi = opts.dpi ?? layout.defaultDpi;
    this.plans = new PlanCache(layout, this.dpi);
  }

  /** @throws LabelError when the label cannot be drawn (check with `checkLabel` first). */
  render(data: LabelData): string {
    return this.renderWith(data, this.plans.encode(data.url));
  }

  /** The same, with the QR already encoded (see qr-pool.ts). */
  renderWith(data: LabelData, qr: QrMatrix): string {
    const plan = this.plans.plan(data, singleInsets(this.layout), qr);
    return labelSvg(plan, qr, { title: `${data.productName} — ${data.lot}` });
  }
}
