/**
 * The part of fontkit 2 (a dependency of pdfkit, which uses it to embed and lay out fonts) that
 * the label renderer uses: shaping with kerning, glyph outlines and bounds. fontkit ships no types.
 */
declare module 'fontkit' {
  export interface BBox {
    minX: number;
    minY: number;
    maxX: number;
    maxY: number;
  }
  export interface Path {
    toSVG(): string;
  }
  export interface Glyph {
    id: number;
    advanceWidth: number;
    path: Path;
    bbox: BBox;
  }
  export interface GlyphPosition {
    xAdvance: number;
    yAdvance: number;
    xOffset: number;
    yOffset: number;
  }
  export interface GlyphRun {
    glyphs: Glyph[];
    positions: GlyphPosition[];
    advanceWidth: number;
  }
  export interface Font {
    unitsPerEm: number;
    ascent: number;
    descent: number;
    capHeight: number;
    xHeight: number;
    familyName: string;
    postscriptName: string;
    layout(text: string, features?: string[] | Record<string, boolean>): GlyphRun;
    getGlyph(id: number): Glyph;
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
