import { cleanText } from './fonts.ts';
import type { Dpi, Insets, SizeMm } from './layouts.ts';
import { QUIET_ZONE } from './qr.ts';
import { fitText, type LabelText, type Rect, type TextPlan } from './text.ts';
import type { LabelData, Refusal } from './types.ts';

/**
 * Where everything goes on one label: the QR symbol on the printer's dot grid, and the text fitted
 * beside it (or under it, on a label taller than wide). Pure; positions in mm from the label's
 * top-left corner; the QR's also in whole dots.
 *
 * Module size: whole printer dots, at least 4 (DENSO's minimum for a reliable print, products.md
 * §4.3: 0.5 mm at 203 dpi) and at least 0.33 mm (4 dots at 300 dpi: a 600-dpi print scans as well
 * as a 300-dpi one from a phone). The largest module that leaves the text a comfortable size wins.
 * The quiet zone (4 modules) stays on the label and may lie in the keep-out band; dark modules and
 * text never do.
 */
export const MIN_MODULE_DOTS = 4;
export const MIN_MODULE_MM = 0.33;
export const MAX_MODULE_MM = 0.75;
/** A text column narrower than this cannot hold "Quét để kiểm tra OCOP" legibly. */
const MIN_TEXT_WIDTH_MM = 11;
/** Text scale below which a smaller QR is preferred, to give the text room. */
const COMFORTABLE_SCALE = 0.75;

/** Which of two plans reads better: less text given up first, then a comfortable size, then a larger QR. */
function better(a: LabelPlan, b: LabelPlan): boolean {
  if (a.text.variant !== b.text.variant) return a.text.variant < b.text.variant;
  const ca = a.text.scale >= COMFORTABLE_SCALE - 1e-9;
  const cb = b.text.scale >= COMFORTABLE_SCALE - 1e-9;
  if (ca !== cb) return ca;
  if (ca) return a.qr.moduleDots > b.qr.moduleDots;
  return a.text.scale > b.text.scale;
}

/**
 * Smallest text size: 5 pt at 203 dpi (x-height 0.9 mm, 7 dots), 4 pt at 300 dpi and finer (x-height
 * 0.75 mm, 9 dots): the text of the smallest sheets (38 × 21.2 mm) only fits beside the QR there.
 */
export function floorPt(dpi: Dpi): number {
  return dpi < 300 ? 5 : 4;
}

export function dotMm(dpi: Dpi): number {
  return 25.4 / dpi;
}

/** Smallest module at this resolution, in dots. */
export function minModuleDots(dpi: Dpi): number {
  return Math.max(MIN_MODULE_DOTS, Math.ceil(MIN_MODULE_MM / dotMm(dpi) - 1e-9));
}

export interface QrPlace {
  dpi: Dpi;
  /** Modules per side of the symbol, without the quiet zone. */
  size: number;
  moduleDots: number;
  moduleMm: number;
  /** Top-left of the first module (the quiet zone is around it), in dots and in mm. */
  xDots: number;
  yDots: number;
  xMm: number;
  yMm: number;
}

export interface LabelPlan {
  widthMm: number;
  heightMm: number;
  arrangement: 'side' | 'stacked';
  qr: QrPlace;
  text: TextPlan;
}

export type PlanResult = { ok: true; plan: LabelPlan } | Refusal;

export interface PlanInput {
  label: SizeMm;
  insets: Insets;
  dpi: Dpi;
  /** Modules per side of the QR symbol to place. */
  qrSize: number;
  text: LabelText;
}

/** `YYYY-MM-DD` as printed on Vietnamese labels, `dd/mm/yyyy`. */
export function formatDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new RangeError(`not an ISO date: ${JSON.stringify(iso)}`);
  return `${m[3]}/${m[2]}/${m[1]}`;
}

/** The label's text as printed, or why the data cannot make a label. */
export function labelText(d: LabelData): { ok: true; text: LabelText } | Refusal {
  const bad = (reason: string): Refusal => ({ ok: false, code: 'invalid_label', reason });
  if (![3, 4, 5].includes(d.stars)) return bad(`Only 3★ to 5★ products are OCOP-certified, not ${d.stars}★.`);
  const iso = /^\d{4}-\d{2}-\d{2}$/;
  if (!iso.test(d.producedOn)) return bad(`The production date ${d.producedOn} is not YYYY-MM-DD.`);
  if (d.bestBefore !== null && !iso.test(d.bestBefore)) {
    return bad(`The best-before date ${d.bestBefore} is not YYYY-MM-DD.`);
  }
  const productName = cleanText(d.productName);
  const lot = cleanText(d.lot);
  const domain = cleanText(d.domain);
  if (!productName || !lot || !domain) return bad('A label needs a product name, a lot and a domain.');
  return {
    ok: true,
    text: {
      productName,
      producerName: cleanText(d.producerName),
      lot,
      producedOn: formatDate(d.producedOn),
      bestBefore: d.bestBefore === null ? null : formatDate(d.bestBefore),
      stars: d.stars,
      domain,
    },
  };
}

const fmt = (n: number) => n.toFixed(1).replace(/\.0$/, '');

/**
 * Places the QR and fits the text, or refuses with the reason: a QR that cannot have 4-dot
 * (≥ 0.33 mm) modules with its quiet zone on this label, or text that does not fit beside it.
 */
export function planLabel(input: PlanInput): PlanResult {
  const { label, insets, dpi, qrSize: n, text } = input;
  const W = label.widthMm;
  const H = label.heightMm;
  const dot = dotMm(dpi);
  const side = W >= H * 1.15;
  const minDots = minModuleDots(dpi);
  const maxDots = Math.max(minDots, Math.floor(MAX_MODULE_MM / dot));
  let geometryFits = false;
  let best: LabelPlan | null = null;

  for (let m = maxDots; m >= minDots; m--) {
    const moduleMm = m * dot;
    const qz = QUIET_ZONE * moduleMm;
    const dark = n * moduleMm;
    const top = Math.max(insets.top, qz);
    const bottom = H - Math.max(insets.bottom, qz);
    const left = Math.max(insets.left, qz);
    const right = W - Math.max(insets.right, qz);
    let xDots: number;
    let yDots: number;
    let rect: Rect;
    if (side) {
      if (bottom - top < dark || right - left < dark) continue;
      xDots = Math.ceil(left / dot - 1e-9);
      yDots = Math.round((top + (bottom - top - dark) / 2) / dot);
      const textX = (xDots + n * m) * dot + qz;
      rect = {
        xMm: textX,
        yMm: insets.top,
        widthMm: W - insets.right - textX,
        heightMm: H - insets.top - insets.bottom,
      };
      if (rect.widthMm < MIN_TEXT_WIDTH_MM) continue;
    } else {
      if (right - left < dark || bottom - top < dark) continue;
      xDots = Math.round((left + (right - left - dark) / 2) / dot);
      yDots = Math.ceil(top / dot - 1e-9);
      const textY = (yDots + n * m) * dot + qz;
      rect = {
        xMm: insets.left,
        yMm: textY,
        widthMm: W - insets.left - insets.right,
        heightMm: H - insets.bottom - textY,
      };
      if (rect.widthMm < MIN_TEXT_WIDTH_MM || rect.heightMm <= 0) continue;
    }
    geometryFits = true;
    const plan = fitText(text, rect, side ? 'left' : 'center', floorPt(dpi));
    if (!plan) continue;
    const result: LabelPlan = {
      widthMm: W,
      heightMm: H,
      arrangement: side ? 'side' : 'stacked',
      qr: { dpi, size: n, moduleDots: m, moduleMm, xDots, yDots, xMm: xDots * dot, yMm: yDots * dot },
      text: plan,
    };
    if (!best || better(result, best)) best = result;
    // Nothing beats everything in full at a comfortable size with the largest QR that allows it.
    if (plan.variant === 0 && plan.scale >= COMFORTABLE_SCALE - 1e-9) break;
  }
  if (best) return { ok: true, plan: best };

  const m = minDots;
  const moduleMm = m * dot;
  const qz = QUIET_ZONE * moduleMm;
  const size = `${fmt(W)} × ${fmt(H)} mm`;
  if (!geometryFits) {
    const needH = n * moduleMm + Math.max(insets.top, qz) + Math.max(insets.bottom, qz);
    const needW =
      n * moduleMm + Math.max(insets.left, qz) + (side ? qz + MIN_TEXT_WIDTH_MM + insets.right : qz);
    const version = (n - 17) / 4;
    const qrMm = fmt((n + 2 * QUIET_ZONE) * moduleMm);
    const need = `${fmt(Math.ceil(needW * 10) / 10)} × ${fmt(Math.ceil(needH * 10) / 10)} mm`;
    const en =
      `This code is a version-${version} QR (${n} modules, ${n + 2 * QUIET_ZONE} with its quiet zone). ` +
      `At ${dpi} dpi a module is at least ${m} dots (${moduleMm.toFixed(2)} mm), so the QR needs ` +
      `${qrMm} mm and the label at least ${need}; this one is ${size}.`;
    const vi =
      `Mã này là QR phiên bản ${version} (${n} mô-đun, ${n + 2 * QUIET_ZONE} mô-đun kể cả vùng trống). ` +
      `Ở ${dpi} dpi mỗi mô-đun ít nhất ${m} điểm in (${vn(moduleMm.toFixed(2))} mm), nên mã QR cần ` +
      `${vn(qrMm)} mm và nhãn ít nhất ${vn(need)}; nhãn này ${vn(size)}.`;
    return refusal('qr_does_not_fit', { en, vi }, dpi < 600);
  }
  const en =
    `The text (product, producer, lot, dates, stars, "Quét để kiểm tra OCOP" and the domain) does not fit ` +
    `beside the QR on a ${size} label at ${floorPt(dpi)} pt, the smallest legible size at ${dpi} dpi.`;
  const vi =
    `Chữ trên nhãn (sản phẩm, cơ sở sản xuất, lô, ngày, số sao, "Quét để kiểm tra OCOP" và tên miền) không ` +
    `vừa bên cạnh mã QR trên nhãn ${vn(size)} ở cỡ ${floorPt(dpi)} pt, cỡ nhỏ nhất còn đọc được ở ${dpi} dpi.`;
  return refusal('text_does_not_fit', { en, vi }, false);
}

/** A number as written in Vietnamese: decimal comma. */
export function vn(s: string): string {
  return s.replace(/(\d)\.(\d)/g, '$1,$2');
}

/** A refusal with the general advice; `checkLabel` replaces it with the layouts and dpi that fit. */
function refusal(
  code: 'qr_does_not_fit' | 'text_does_not_fit',
  facts: { en: string; vi: string },
  finer: boolean,
) {
  const advice = finer
    ? {
        en: 'Choose a larger label or a printer with a higher resolution.',
        vi: 'Hãy chọn nhãn lớn hơn hoặc máy in có độ phân giải cao hơn.',
      }
    : { en: 'Choose a larger label.', vi: 'Hãy chọn nhãn lớn hơn.' };
  return {
    ok: false as const,
    code,
    reason: `${facts.en} ${advice.en}`,
    reasonVi: `${facts.vi} ${advice.vi}`,
    facts,
  };
}
