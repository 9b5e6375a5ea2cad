import { labelFonts, MM_PER_PT, mmPerUnit, shape, textWidthMm, type Weight } from './fonts.ts';

/**
 * The text side of a label, fitted into a rectangle with measured widths: three groups —
 * the product (name, producer) at the top, the facts (star badge, lot, NSX, HSD) in the middle,
 * the call to scan (the line "Quét để kiểm tra OCOP" and the domain) at the bottom. Sizes shrink
 * together from their preferred size to a floor; then long names are cut with an ellipsis. Lot,
 * dates and the domain are never cut: they wrap, or the label is refused.
 */

export interface LabelText {
  productName: string;
  producerName: string;
  lot: string;
  /** Already formatted, dd/mm/yyyy. */
  producedOn: string;
  bestBefore: string | null;
  stars: number;
  domain: string;
}

export interface Rect {
  xMm: number;
  yMm: number;
  widthMm: number;
  heightMm: number;
}

export interface TextRun {
  weight: Weight;
  sizePt: number;
  xMm: number;
  baselineMm: number;
  text: string;
}

export interface Star {
  cxMm: number;
  cyMm: number;
  /** Outer radius. */
  rMm: number;
}

export interface Pill {
  xMm: number;
  yMm: number;
  widthMm: number;
  heightMm: number;
  strokeMm: number;
}

export interface TextPlan {
  runs: TextRun[];
  stars: Star[];
  pills: Pill[];
  /** How far the sizes were scaled from their preferred size (1 = preferred). */
  scale: number;
  /** Index in {@link VARIANTS}: 0 = everything in full; higher = more given up to fit. */
  variant: number;
}

export const CALL_TO_SCAN = 'Quét để kiểm tra OCOP';
const ELLIPSIS = '…';

/** Preferred sizes in points; each shrinks with the scale down to the floor. */
const PREF = { name: 8, producer: 6, facts: 6, cta: 6, domain: 5.5 } as const;
/** Large labels may set the text up to this much above the preferred sizes (8 pt name → 10.4 pt). */
const MAX_SCALE = 1.3;
/** Pitch of lines within a block, in em. */
const LINE = 1.2;

type Align = 'left' | 'center';
type Mode = 'words' | 'domain' | 'code';
type WrapMode = Exclude<Mode, 'domain'>;

interface Line {
  weight: Weight;
  sizePt: number;
  text: string;
}

/** A block of lines (or a badge) as measured: its height and how to place it. */
interface Block {
  heightMm: number;
  draw(plan: TextPlan, x: Rect, top: number, align: Align): void;
}

function mm(pt: number): number {
  return pt * MM_PER_PT;
}

/**
 * Splits text at its break opportunities: spaces (dropped) for words; after `-`, `.`, `_`, `/` for
 * codes such as lots (`TLS-2026-` / `011`). A part still too long is broken between characters.
 */
function tokens(text: string, mode: WrapMode): { parts: string[]; joiner: string } {
  if (mode === 'words') return { parts: text.split(' ').filter(Boolean), joiner: ' ' };
  return { parts: text.split(/(?<=[-._/])/), joiner: '' };
}

/** The longest prefix of `text` that fits `width` with an ellipsis after it. */
function ellipsize(weight: Weight, sizePt: number, text: string, widthMm: number): string {
  const chars = [...text];
  for (let n = chars.length; n > 0; n--) {
    const cut = chars.slice(0, n).join('').trimEnd();
    if (textWidthMm(weight, cut + ELLIPSIS, sizePt) <= widthMm) return cut + ELLIPSIS;
  }
  return ELLIPSIS;
}

/**
 * Greedy line breaking with measured widths. A part wider than the line is broken between
 * characters. Past `maxLines`, `ellipsis` cuts the last line; otherwise the text does not fit (null).
 */
export function wrap(
  weight: Weight,
  sizePt: number,
  text: string,
  widthMm: number,
  maxLines: number,
  mode: WrapMode,
  overflow: 'ellipsis' | 'fail',
): string[] | null {
  const fits = (s: string) => textWidthMm(weight, s, sizePt) <= widthMm;
  if (fits(text)) return [text];
  const { parts, joiner } = tokens(text, mode);
  const lines: string[] = [];
  let cur = '';
  const pushPart = (part: string) => {
    const cand = cur ? cur + joiner + part : part;
    if (fits(cand)) {
      cur = cand;
      return;
    }
    if (cur) lines.push(cur);
    cur = '';
    if (fits(part)) {
      cur = part;
      return;
    }
    for (const ch of part) {
      if (cur && !fits(cur + ch)) {
        lines.push(cur);
        cur = '';
      }
      cur += ch;
    }
  };
  for (const part of parts) pushPart(part);
  if (cur) lines.push(cur);
  if (lines.length <= maxLines && lines.every(fits)) return lines;
  if (overflow === 'fail') return null;
  // Keep maxLines - 1 lines, and put the rest, cut, on the last one.
  const kept = lines.slice(0, maxLines - 1);
  const rest = lines.slice(maxLines - 1).join(joiner || ' ');
  kept.push(ellipsize(weight, sizePt, rest, widthMm));
  return kept;
}

/**
 * A domain on two lines, broken before a dot (the usual place to break a web address), choosing
 * the dot that balances the lines: `ocop.quangngai` / `.gov.vn`.
 */
function wrapDomain(weight: Weight, sizePt: number, text: string, widthMm: number): string[] | null {
  let best: string[] | null = null;
  let bestW = Infinity;
  for (let i = text.indexOf('.', 1); i > 0; i = text.indexOf('.', i + 1)) {
    const lines = [text.slice(0, i), text.slice(i)];
    const w = Math.max(...lines.map((l) => textWidthMm(weight, l, sizePt)));
    if (w <= widthMm && w < bestW) {
      best = lines;
      bestW = w;
    }
  }
  return best;
}

function lineRuns(lines: Line[], pitch: number): Block {
  // The first line's top is its highest ink (Vietnamese capitals carry marks up to ~1.22 em),
  // the last line's bottom its lowest ink: nothing is clipped, nothing wasted.
  const first = lines[0]!;
  const last = lines[lines.length - 1]!;
  const ascent = shapeExtent(first).yMax * mmPerUnit(first.weight, first.sizePt);
  const descent = -shapeExtent(last).yMin * mmPerUnit(last.weight, last.sizePt);
  let height = ascent + descent;
  for (let i = 1; i < lines.length; i++) height += mm(lines[i]!.sizePt) * pitch;
  return {
    heightMm: height,
    draw(plan, rect, top, align) {
      let baseline = top + ascent;
      lines.forEach((line, i) => {
        if (i > 0) baseline += mm(line.sizePt) * pitch;
        const w = textWidthMm(line.weight, line.text, line.sizePt);
        const x = align === 'center' ? rect.xMm + (rect.widthMm - w) / 2 : rect.xMm;
        plan.runs.push({
          weight: line.weight,
          sizePt: line.sizePt,
          xMm: x,
          baselineMm: baseline,
          text: line.text,
        });
      });
    },
  };
}

/** Ink extent of a line in font units (y up). */
function shapeExtent(line: Line): { yMax: number; yMin: number } {
  const s = shape(line.weight, line.text);
  // A line without ink above the x-height still gets the cap height, so blocks line up.
  return { yMax: Math.max(s.yMax, labelFonts()[line.weight].font.capHeight), yMin: Math.min(s.yMin, 0) };
}

/**
 * The facts as a small table: keys in regular, values in bold, values aligned. A value that is
 * too long shrinks a little; a lot may then wrap between characters; dates never wrap.
 */
function factsBlock(
  facts: [string, string, boolean][],
  sizePt: number,
  floor: number,
  widthMm: number,
  pitch: number,
): { block: Block; ok: boolean } {
  const keyW = Math.max(...facts.map(([k]) => textWidthMm('regular', k, sizePt)));
  const gap = mm(sizePt) * 0.4;
  const valueW = widthMm - keyW - gap;
  const rows: { key: string; values: Line[] }[] = [];
  let ok = valueW > 0;
  for (const [key, value, mayWrap] of facts) {
    if (!ok) break;
    const values = oneLineOrWrap('bold', sizePt, floor, value, valueW, mayWrap ? 2 : 1, 'code');
    if (!values) ok = false;
    else rows.push({ key, values });
  }
  const lineCount = rows.reduce((n, r) => n + r.values.length, 0);
  const ascent = mm(sizePt) * 0.74;
  const descent = mm(sizePt) * 0.22;
  const height = ascent + descent + Math.max(0, lineCount - 1) * mm(sizePt) * pitch;
  return {
    ok,
    block: {
      heightMm: height,
      draw(plan, rect, top, align) {
        const valueWidths = rows.flatMap((r) => r.values.map((v) => textWidthMm('bold', v.text, v.sizePt)));
        const tableW = keyW + gap + Math.max(...valueWidths);
        const x = align === 'center' ? rect.xMm + (rect.widthMm - tableW) / 2 : rect.xMm;
        let baseline = top + ascent;
        let first = true;
        for (const row of rows) {
          row.values.forEach((v, i) => {
            if (!first) baseline += mm(sizePt) * pitch;
            first = false;
            if (i === 0)
              plan.runs.push({ weight: 'regular', sizePt, xMm: x, baselineMm: baseline, text: row.key });
            plan.runs.push({
              weight: 'bold',
              sizePt: v.sizePt,
              xMm: x + keyW + gap,
              baselineMm: baseline,
              text: v.text,
            });
          });
        }
      },
    },
  };
}

/** The stars without the pill, on one text line (compact labels). */
function starsLine(stars: number, sizePt: number): { block: Block; widthMm: number } {
  const r = mm(sizePt) * 0.4;
  const pitch = r * 2.15;
  const gap = r * 0.9;
  const wordW = textWidthMm('bold', 'OCOP', sizePt);
  const width = stars * pitch - (pitch - 2 * r) + gap + wordW;
  const ascent = mm(sizePt) * 0.74;
  return {
    widthMm: width,
    block: {
      heightMm: ascent + mm(sizePt) * 0.22,
      draw(plan, rect, top, align) {
        const x = align === 'center' ? rect.xMm + (rect.widthMm - width) / 2 : rect.xMm;
        const baseline = top + ascent;
        const cy = baseline - ascent / 2;
        for (let i = 0; i < stars; i++) plan.stars.push({ cxMm: x + r + i * pitch, cyMm: cy, rMm: r });
        const textX = x + stars * pitch - (pitch - 2 * r) + gap;
        plan.runs.push({ weight: 'bold', sizePt, xMm: textX, baselineMm: baseline, text: 'OCOP' });
      },
    },
  };
}

/**
 * The certified stars as a neutral badge: an outlined pill with one filled star per certified
 * star and the word OCOP. Deliberately not the official OCOP mark's artwork (issue 5).
 */
function badgeBlock(stars: number, sizePt: number): { block: Block; widthMm: number } {
  const h = mm(sizePt) * 1.55;
  const r = h * 0.33;
  const pad = h * 0.42;
  const starPitch = r * 2.15;
  const textSize = sizePt * 0.92;
  const gap = h * 0.3;
  const wordW = textWidthMm('bold', 'OCOP', textSize);
  const width = pad + stars * starPitch - (starPitch - 2 * r) + gap + wordW + pad;
  return {
    widthMm: width,
    block: {
      heightMm: h,
      draw(plan, rect, top, align) {
        const x = align === 'center' ? rect.xMm + (rect.widthMm - width) / 2 : rect.xMm;
        const stroke = Math.max(0.18, h * 0.07);
        plan.pills.push({ xMm: x, yMm: top, widthMm: width, heightMm: h, strokeMm: stroke });
        const cy = top + h / 2 + r * 0.08;
        for (let i = 0; i < stars; i++)
          plan.stars.push({ cxMm: x + pad + r + i * starPitch, cyMm: cy, rMm: r });
        const textX = x + pad + stars * starPitch - (starPitch - 2 * r) + gap;
        plan.runs.push({
          weight: 'bold',
          sizePt: textSize,
          xMm: textX,
          baselineMm: top + h / 2 + mm(textSize) * 0.37,
          text: 'OCOP',
        });
      },
    },
  };
}

/**
 * How much the text gives up to fit, in order of preference: everything in full, at any size down
 * to the floor; then long names cut with an ellipsis; then the stars on a text line instead of the
 * badge, lines closer; then names on one line; last, on the smallest labels, without the producer
 * (it is on the pack's own label, Decree 43/2017/NĐ-CP art. 10, and on the verification page).
 */
export const VARIANTS = [
  { nameLines: 2, producerLines: 2, truncate: false, badge: true, producer: true, pitch: LINE },
  { nameLines: 2, producerLines: 1, truncate: true, badge: true, producer: true, pitch: LINE },
  { nameLines: 2, producerLines: 1, truncate: true, badge: false, producer: true, pitch: 1.12 },
  { nameLines: 1, producerLines: 1, truncate: true, badge: false, producer: true, pitch: 1.12 },
  { nameLines: 2, producerLines: 0, truncate: true, badge: false, producer: false, pitch: 1.12 },
  { nameLines: 1, producerLines: 0, truncate: true, badge: false, producer: false, pitch: 1.12 },
] as const;
type Variant = (typeof VARIANTS)[number];

interface Attempt {
  groups: Block[][];
  gapsMm: number[];
}

/**
 * One line set at `size`, or a little smaller (down to 85 %, not below the floor) to stay on one
 * line, or wrapped at `size`.
 */
function oneLineOrWrap(
  weight: Weight,
  size: number,
  floor: number,
  text: string,
  widthMm: number,
  maxLines: number,
  mode: Mode,
): Line[] | null {
  const fitSize = (size * widthMm) / textWidthMm(weight, text, size);
  if (fitSize >= size) return [{ weight, sizePt: size, text }];
  if (fitSize >= Math.max(floor, size * 0.85)) return [{ weight, sizePt: fitSize * 0.999, text }];
  const lines =
    mode === 'domain'
      ? wrapDomain(weight, size, text, widthMm)
      : wrap(weight, size, text, widthMm, maxLines, mode, 'fail');
  return lines?.map((t) => ({ weight, sizePt: size, text: t })) ?? null;
}

/** Lays the text out at one scale, or says it does not fit the width at that scale. */
function attempt(t: LabelText, widthMm: number, k: number, floorPt: number, v: Variant): Attempt | null {
  const size = (pref: number) => Math.max(floorPt, pref * k);
  const overflow = v.truncate ? 'ellipsis' : 'fail';
  const nameSize = size(PREF.name);
  const name = wrap('bold', nameSize, t.productName, widthMm, v.nameLines, 'words', overflow);
  const prodSize = size(PREF.producer);
  const producer =
    v.producer && t.producerName
      ? wrap('regular', prodSize, t.producerName, widthMm, v.producerLines, 'words', overflow)
      : [];
  if (!name || !producer) return null;
  const head = [
    lineRuns(
      [
        ...name.map((text) => ({ weight: 'bold' as const, sizePt: nameSize, text })),
        ...producer.map((text) => ({ weight: 'regular' as const, sizePt: prodSize, text })),
      ],
      v.pitch,
    ),
  ];

  const factsSize = size(PREF.facts);
  const facts: [string, string, boolean][] = [
    ['Lô', t.lot, true],
    ['NSX', t.producedOn, false],
  ];
  if (t.bestBefore) facts.push(['HSD', t.bestBefore, false]);
  const table = factsBlock(facts, factsSize, floorPt, widthMm, v.pitch);
  if (!table.ok) return null;
  const stars = v.badge ? badgeBlock(t.stars, factsSize) : starsLine(t.stars, factsSize);
  if (stars.widthMm > widthMm) return null;
  const middle = [stars.block, table.block];

  const cta = oneLineOrWrap('bold', size(PREF.cta), floorPt, CALL_TO_SCAN, widthMm, 3, 'words');
  const domain = oneLineOrWrap('regular', size(PREF.domain), floorPt, t.domain, widthMm, 2, 'domain');
  if (!cta || !domain) return null;
  const foot = [lineRuns([...cta, ...domain], v.pitch)];
  return {
    groups: [head, middle, foot],
    gapsMm: [0, mm(factsSize) * (v.badge ? 0.55 : 0.3), 0],
  };
}

function groupHeight(blocks: Block[], innerGap: number): number {
  return blocks.reduce((h, b) => h + b.heightMm, 0) + innerGap * (blocks.length - 1);
}

/**
 * Fits the text into `rect`: the first variant (in order of preference) that fits, at the largest
 * scale (steps of 4 %) at which everything fits with at least a minimum gap between the groups.
 * Null when even the last variant at the floor does not fit.
 * @param floorPt smallest size any text may take (legibility at the printer's resolution)
 */
export function fitText(t: LabelText, rect: Rect, align: Align, floorPt: number): TextPlan | null {
  for (let vi = 0; vi < VARIANTS.length; vi++) {
    const v = VARIANTS[vi]!;
    for (let k = MAX_SCALE; k >= 0.2; k -= 0.04) {
      const a = attempt(t, rect.widthMm, k, floorPt, v);
      const minGroupGap = mm(Math.max(floorPt, PREF.facts * k)) * (v.badge ? 0.6 : 0.4);
      if (a) {
        const heights = a.groups.map((g, i) => groupHeight(g, a.gapsMm[i]!));
        const used = heights.reduce((s, h) => s + h, 0);
        const free = rect.heightMm - used;
        if (free >= 2 * minGroupGap) {
          // Spread the groups apart, up to a comfortable gap; centre the rest.
          const gap = Math.min(free / 2, minGroupGap * 3.2);
          let y = rect.yMm + (free - 2 * gap) / 2;
          const plan: TextPlan = { runs: [], stars: [], pills: [], scale: k, variant: vi };
          a.groups.forEach((group, gi) => {
            group.forEach((block, bi) => {
              if (bi > 0) y += a.gapsMm[gi]!;
              block.draw(plan, rect, y, align);
              y += block.heightMm;
            });
            y += gap;
          });
          return plan;
        }
      }
      // Every size is at its floor: smaller scales change nothing.
      if (PREF.name * k <= floorPt) break;
    }
  }
  return null;
}
