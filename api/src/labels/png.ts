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
 * The QR is drawn straight into a greyscale buffer, module = whole dots. The text layer (SVG with
 * the fonts' glyph outlines, so librsvg needs no font) is rasterised by sharp once per distinct
 * text — once for a whole batch — and copied under each label's QR. sharp encodes the result.
 */
export interface PngOptions {
  dpi?: Dpi;
  /**
   * Black and white only (text thresholded at 50 %, no grey levels): what a thermal printer prints
   * anyway, so its driver does not dither the text's edges. Default: anti-aliased text. Both are
   * 8-bit greyscale PNGs (sharp writes 1-bit PNGs only through its palette quantiser, 5–10× slower).
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
  pixels: Buffer;
}

export class PngRenderer {
  readonly dpi: Dpi;
  readonly mono: boolean;
  private readonly plans: PlanCache;
  private readonly layers = new WeakMap<LabelPlan, Promise<TextLayer>>();

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
    const { width, height, pixels } = await layer;
    const buf = Buffer.from(pixels);
    drawQr(buf, width, plan, qr);
    const png = await sharp(buf, { raw: { width, height, channels: 1 } })
      .withDensity(this.dpi)
      .toColourspace('b-w')
      .png({ compressionLevel: 6 })
      .toBuffer();
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
    return { width, height, pixels: data };
  }
}

/** Sets the dark modules to black: each run is `len × m` dots wide and `m` rows tall. */
export function drawQr(buf: Buffer, width: number, plan: LabelPlan, qr: QrMatrix): void {
  const { moduleDots: m, xDots, yDots } = plan.qr;
  for (let i = 0; i < qr.runCount; i++) {
    const y0 = yDots + qr.runs[i * 3]! * m;
    const x0 = xDots + qr.runs[i * 3 + 1]! * m;
    const len = qr.runs[i * 3 + 2]! * m;
    for (let dy = 0; dy < m; dy++) {
      const start = (y0 + dy) * width + x0;
      buf.fill(0, start, start + len);
    }
  }
}
