import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';
import sharp from 'sharp';
import { dotMm, type LabelPlan } from './compose.ts';
import { singleInsets, type Dpi, type Layout } from './layouts.ts';
import { PlanCache } from './plans.ts';
import type { QrMatrix } from './qr.ts';
import { labelSvg } from './svg.ts';
import type { LabelData } from './types.ts';

/**
 * PNG labels at the printer's native resolution: one image per label, the label's size in whole
 * dots, its density recorded (pHYs), so a thermal printer's driver prints it dot for dot.
 *
 * The text layer (SVG with the fonts' glyph outlines, so librsvg needs no font) is rasterised by
 * sharp once per distinct text — once for a whole batch — and kept as PNG scanlines (a filter byte,
 * then the row's pixels). Each label copies them, draws its QR straight into the copy (module =
 * whole dots) and deflates it on the libuv pool: the PNG is written here, not by sharp, because
 * deflate at level 1 of an 8-bit greyscale image is 3× faster than sharp's encoder at its default
 * level for a file about 20 % larger (bench/labels.ts), and the chunks around the image data are
 * the same for every label of a job.
 * @see ISO/IEC 15948:2004 (PNG) §11.2.2 IHDR, §11.3.5.3 pHYs, §10 compression
 */
export interface PngOptions {
  dpi?: Dpi;
  /**
   * Black and white only (text thresholded at 50 %, no grey levels): what a thermal printer prints
   * anyway, so its driver does not dither the text's edges. Default: anti-aliased text. Both are
   * 8-bit greyscale PNGs, which every printer driver reads.
   */
  mono?: boolean;
}

export interface PngLabel {
  png: Buffer;
  width: number;
  height: number;
  plan: LabelPlan;
  qr: QrMatrix;
}

interface TextLayer {
  width: number;
  height: number;
  /** PNG scanlines: per row a filter byte (0, none) and `width` grey pixels. */
  rows: Buffer;
}

const deflateAsync = promisify(deflate);
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/** Signature, IHDR (8-bit greyscale, not interlaced) and pHYs (dots per metre): all but the pixels. */
function pngHead(width: number, height: number, dpi: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: greyscale
  // compression 0 (deflate), filter method 0, interlace 0: the zeros already there
  const phys = Buffer.alloc(9);
  const perMetre = Math.round(dpi / 0.0254);
  phys.writeUInt32BE(perMetre, 0);
  phys.writeUInt32BE(perMetre, 4);
  phys[8] = 1; // unit: metre
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('pHYs', phys)]);
}

const IEND = chunk('IEND', Buffer.alloc(0));

export class PngRenderer {
  readonly dpi: Dpi;
  readonly mono: boolean;
  private readonly plans: PlanCache;
  private readonly layers = new WeakMap<LabelPlan, Promise<TextLayer>>();
  private head: Buffer | undefined;

  constructor(
    readonly layout: Layout,
    opts: PngOptions = {},
  ) {
    this.dpi = opts.dpi ?? layout.defaultDpi;
    this.mono = opts.mono ?? false;
    this.plans = new PlanCache(layout, this.dpi);
  }

  /** Pixel size of one label. */
  size(): { width: number; height: number } {
    const dot = dotMm(this.dpi);
    return {
      width: Math.round(this.layout.label.widthMm / dot),
      height: Math.round(this.layout.label.heightMm / dot),
    };
  }

  /** @throws LabelError when the label cannot be drawn (check with `checkLabel` first). */
  render(data: LabelData): Promise<PngLabel> {
    return this.renderWith(data, this.plans.encode(data.url));
  }

  /** The same, with the QR already encoded (see qr-pool.ts). */
  async renderWith(data: LabelData, qr: QrMatrix): Promise<PngLabel> {
    const plan = this.plans.plan(data, singleInsets(this.layout), qr);
    let layer = this.layers.get(plan);
    if (!layer) {
      layer = this.textLayer(plan);
      this.layers.set(plan, layer);
    }
    const { width, height, rows } = await layer;
    const buf = Buffer.from(rows);
    drawQr(buf, width + 1, plan, qr, 1);
    const idat = await deflateAsync(buf, { level: 1 });
    this.head ??= pngHead(width, height, this.dpi);
    const png = Buffer.concat([this.head, chunk('IDAT', idat), IEND]);
    return { png, width, height, plan, qr };
  }

  private async textLayer(plan: LabelPlan): Promise<TextLayer> {
    const { width, height } = this.size();
    const svg = labelSvg(plan, null, { pixels: { width, height, dpi: this.dpi } });
    const { data, info } = await sharp(Buffer.from(svg))
      .flatten({ background: '#ffffff' })
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 || info.width !== width || info.height !== height) {
      throw new Error(`text layer came out ${info.width}×${info.height}×${info.channels}`);
    }
    if (this.mono) for (let i = 0; i < data.length; i++) data[i] = data[i]! < 128 ? 0 : 255;
    const rows = Buffer.alloc((width + 1) * height); // filter bytes: 0
    for (let y = 0; y < height; y++) data.copy(rows, y * (width + 1) + 1, y * width, (y + 1) * width);
    return { width, height, rows };
  }
}

/**
 * Sets the dark modules to black: each run is `len × m` dots wide and `m` rows tall. `stride`: bytes
 * per row; `offset`: bytes before a row's first pixel (1 in PNG scanlines, its filter byte).
 */
export function drawQr(buf: Buffer, stride: number, plan: LabelPlan, qr: QrMatrix, offset = 0): void {
  const { moduleDots: m, xDots, yDots } = plan.qr;
  for (let i = 0; i < qr.runCount; i++) {
    const y0 = yDots + qr.runs[i * 3]! * m;
    const x0 = xDots + qr.runs[i * 3 + 1]! * m;
    const len = qr.runs[i * 3 + 2]! * m;
    for (let dy = 0; dy < m; dy++) {
      const start = (y0 + dy) * stride + offset + x0;
      buf.fill(0, start, start + len);
    }
  }
}
