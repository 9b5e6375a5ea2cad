import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';

/**
 * The label fonts: Be Vietnam Pro Regular and Bold, read from `api/assets/fonts/` (copied there
 * with their OFL licence, see SOURCE.txt) so a label looks the same on every machine, whatever
 * fonts it has or lacks. Text is measured and shaped here, once, with fontkit — the shaper pdfkit
 * uses to set the same text in PDFs — so one layout serves the PDF, PNG and SVG outputs alike.
 */
export const FONT_DIR = fileURLToPath(new URL('../../assets/fonts/', import.meta.url));
export const FONT_FILES = {
  regular: 'BeVietnamPro-Regular.ttf',
  bold: 'BeVietnamPro-Bold.ttf',
} as const;
export type Weight = keyof typeof FONT_FILES;

export interface LabelFont {
  weight: Weight;
  path: string;
  /** The TTF bytes (pdfkit embeds a subset of them). */
  data: Buffer;
  font: fontkit.Font;
  unitsPerEm: number;
}

let loaded: Record<Weight, LabelFont> | undefined;

/** Both fonts, read on first use. */
export function labelFonts(): Record<Weight, LabelFont> {
  if (!loaded) {
    const load = (weight: Weight): LabelFont => {
      const path = FONT_DIR + FONT_FILES[weight];
      const data = readFileSync(path);
      const font = fontkit.create(data);
      return { weight, path, data, font, unitsPerEm: font.unitsPerEm };
    };
    loaded = { regular: load('regular'), bold: load('bold') };
  }
  return loaded;
}

/** A line of text shaped in one font: glyph ids and pen positions in font units. */
export interface Shaped {
  weight: Weight;
  text: string;
  glyphs: Uint16Array;
  /** Pen x of each glyph (font units, kerning applied). */
  xs: Float64Array;
  /** Vertical offset of each glyph (font units, up). */
  ys: Float64Array;
  /** Advance of the whole line (font units). */
  advance: number;
  /** Highest and lowest ink of the line (font units, y up), for placing lines without clipping marks. */
  yMax: number;
  yMin: number;
}

const SHAPE_CACHE_LIMIT = 4000;
const shapeCache = new Map<string, Shaped>();

/**
 * Shapes a line (kerning and the font's default features, as pdfkit does). Cached: the text of a
 * batch's labels repeats on every label, and fontkit's layout costs about 0.5 ms a call.
 */
export function shape(weight: Weight, text: string): Shaped {
  const key = `${weight}\u0000${text}`;
  const hit = shapeCache.get(key);
  if (hit) return hit;
  const { font } = labelFonts()[weight];
  const run = font.layout(text);
  const n = run.glyphs.length;
  const glyphs = new Uint16Array(n);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let pen = 0;
  let yMax = 0;
  let yMin = 0;
  for (let i = 0; i < n; i++) {
    const g = run.glyphs[i]!;
    const p = run.positions[i]!;
    glyphs[i] = g.id;
    xs[i] = pen + p.xOffset;
    ys[i] = p.yOffset;
    pen += p.xAdvance;
    const box = glyphBox(weight, g.id, g);
    if (box.maxY + p.yOffset > yMax) yMax = box.maxY + p.yOffset;
    if (box.minY + p.yOffset < yMin) yMin = box.minY + p.yOffset;
  }
  const shaped: Shaped = { weight, text, glyphs, xs, ys, advance: pen, yMax, yMin };
  if (shapeCache.size >= SHAPE_CACHE_LIMIT) shapeCache.clear();
  shapeCache.set(key, shaped);
  return shaped;
}

const boxCache = new Map<string, fontkit.BBox>();
function glyphBox(weight: Weight, id: number, glyph?: fontkit.Glyph): fontkit.BBox {
  const key = `${weight}:${id}`;
  let box = boxCache.get(key);
  if (!box) {
    const g = glyph ?? labelFonts()[weight].font.getGlyph(id);
    const b = g.bbox;
    // Space and other empty glyphs have an infinite bbox in fontkit.
    box = Number.isFinite(b.minY) ? { minX: b.minX, minY: b.minY, maxX: b.maxX, maxY: b.maxY } : EMPTY_BOX;
    boxCache.set(key, box);
  }
  return box;
}
const EMPTY_BOX: fontkit.BBox = { minX: 0, minY: 0, maxX: 0, maxY: 0 };

const pathCache = new Map<string, string>();
/** A glyph's outline as SVG path data in font units, y up (flip it when drawing). */
export function glyphPath(weight: Weight, id: number): string {
  const key = `${weight}:${id}`;
  let d = pathCache.get(key);
  if (d === undefined) {
    d = labelFonts()[weight].font.getGlyph(id).path.toSVG();
    pathCache.set(key, d);
  }
  return d;
}

/** Millimetres per font unit at `sizePt` points. */
export function mmPerUnit(weight: Weight, sizePt: number): number {
  return (sizePt * MM_PER_PT) / labelFonts()[weight].unitsPerEm;
}

export const MM_PER_PT = 25.4 / 72;

/** Width of `text` set at `sizePt`, in millimetres. */
export function textWidthMm(weight: Weight, text: string, sizePt: number): number {
  return shape(weight, text).advance * mmPerUnit(weight, sizePt);
}

/**
 * Text as labels print it: NFC (precomposed Vietnamese letters, which the font has), no control or
 * invisible characters, single spaces, and `?` for a character neither font can draw (an emoji
 * would otherwise print as an empty box).
 */
export function cleanText(text: string): string {
  const { regular, bold } = labelFonts();
  const clean = text
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  let out = '';
  for (const ch of clean) {
    const cp = ch.codePointAt(0)!;
    out += regular.font.hasGlyphForCodePoint(cp) && bold.font.hasGlyphForCodePoint(cp) ? ch : '?';
  }
  return out;
}
