/**
 * Label layouts, as data: A4 decal sheets for office printers and die-cut rolls for thermal label
 * printers. Add a layout by adding a row; the tests check every sheet's geometry stays on its page.
 *
 * Sheet geometries follow the common A4 label sheets of these sizes (sold in Vietnam as "Tomy" and
 * generic decal sheets, products.md §4.3; the pitches and margins of the Avery-class sheets of the
 * same sizes): cells are laid out by pitch (label + gap) from the top-left margin.
 */

/** Native resolutions we draw rasters at (thermal 203 = 8 dots/mm, 300, and 600-dpi lasers). */
export const DPIS = [203, 300, 600] as const;
export type Dpi = (typeof DPIS)[number];

export function isDpi(n: number): n is Dpi {
  return (DPIS as readonly number[]).includes(n);
}

export interface SizeMm {
  widthMm: number;
  heightMm: number;
}

interface LayoutBase {
  id: string;
  /** What a producer picks from, in Vietnamese. */
  title: string;
  label: SizeMm;
  /**
   * The dot grid the QR is drawn on when no dpi is asked: 203 for thermal rolls; 300 for sheets,
   * which lands on whole dots of 300- and 600-dpi office printers alike.
   */
  defaultDpi: Dpi;
  /**
   * Keep-out from each die-cut edge for dark marks (text and QR modules; the quiet zone may run
   * into it): die-cutting and sheet feeding shift the print by up to about a millimetre.
   */
  paddingMm: number;
  /** Where the geometry comes from, or a caveat. */
  note: string;
}

export interface SheetLayout extends LayoutBase {
  kind: 'sheet';
  page: SizeMm;
  columns: number;
  rows: number;
  marginTopMm: number;
  marginLeftMm: number;
  /** Distance from one label's left edge to the next one's (label width + gap). */
  pitchXMm: number;
  pitchYMm: number;
  /**
   * The band along the paper's edge office printers do not print (4.2 mm on most lasers): labels
   * that touch the paper's edge keep their dark marks out of it.
   */
  unprintableMm: number;
}

export interface RollLayout extends LayoutBase {
  kind: 'roll';
  /** Gap between labels on the liner (for the printer's media settings; not drawn). */
  gapMm: number;
}

export type Layout = SheetLayout | RollLayout;

const A4: SizeMm = { widthMm: 210, heightMm: 297 };

export const LAYOUTS: readonly Layout[] = [
  {
    id: 'a4-40-52x30',
    kind: 'sheet',
    title: 'A4, 40 nhãn 52,5 × 29,7 mm (4 × 10)',
    label: { widthMm: 52.5, heightMm: 29.7 },
    page: A4,
    columns: 4,
    rows: 10,
    marginTopMm: 0,
    marginLeftMm: 0,
    pitchXMm: 52.5,
    pitchYMm: 29.7,
    unprintableMm: 4.2,
    paddingMm: 1.5,
    defaultDpi: 300,
    note: 'Edge-to-edge 40-up sheet (4 × 52.5 = 210, 10 × 29.7 = 297 mm): no margins, no gaps.',
  },
  {
    id: 'a4-65-38x21',
    kind: 'sheet',
    title: 'A4, 65 nhãn 38 × 21,2 mm (5 × 13, Tomy 145)',
    label: { widthMm: 38, heightMm: 21.2 },
    page: A4,
    columns: 5,
    rows: 13,
    marginTopMm: 10.7,
    marginLeftMm: 5,
    pitchXMm: 40.5,
    pitchYMm: 21.2,
    unprintableMm: 4.2,
    paddingMm: 1.2,
    defaultDpi: 300,
    note: '65-up sheet: top margin 10.7 mm, side margins 5 mm, 2.5 mm between columns, rows touching.',
  },
  {
    id: 'a4-24-64x34',
    kind: 'sheet',
    title: 'A4, 24 nhãn 64 × 33,8 mm (3 × 8)',
    label: { widthMm: 64, heightMm: 33.8 },
    page: A4,
    columns: 3,
    rows: 8,
    marginTopMm: 13.3,
    marginLeftMm: 6.5,
    pitchXMm: 66.5,
    pitchYMm: 33.8,
    unprintableMm: 4.2,
    paddingMm: 1.5,
    defaultDpi: 300,
    note: '24-up sheet: top margin 13.3 mm, side margins 6.5 mm, 2.5 mm between columns, rows touching.',
  },
  {
    id: 'roll-50x30',
    kind: 'roll',
    title: 'Cuộn nhiệt 50 × 30 mm',
    label: { widthMm: 50, heightMm: 30 },
    gapMm: 2,
    paddingMm: 1,
    defaultDpi: 203,
    note:
      'At 203 dpi a 30 mm label holds a QR of version 8 or less (57 modules × 4 dots with its quiet ' +
      'zone); version-9 codes need a 300-dpi printer or a taller label (roll-50x40).',
  },
  {
    id: 'roll-40x30',
    kind: 'roll',
    title: 'Cuộn nhiệt 40 × 30 mm',
    label: { widthMm: 40, heightMm: 30 },
    gapMm: 2,
    paddingMm: 1,
    defaultDpi: 203,
    note: 'As roll-50x30: at 203 dpi up to QR version 8.',
  },
  {
    id: 'roll-35x22',
    kind: 'roll',
    title: 'Cuộn nhiệt 35 × 22 mm',
    label: { widthMm: 35, heightMm: 22 },
    gapMm: 2,
    paddingMm: 1,
    defaultDpi: 300,
    note: 'Too short for a code URL at 203 dpi (4-dot modules): 300 dpi or better, and too short for a version-10 code at any dpi.',
  },
  {
    id: 'roll-50x40',
    kind: 'roll',
    title: 'Cuộn nhiệt 50 × 40 mm',
    label: { widthMm: 50, heightMm: 40 },
    gapMm: 2,
    paddingMm: 1,
    defaultDpi: 203,
    note: 'Holds a version-10 code at 203 dpi (65 modules × 4 dots = 32.5 mm).',
  },
];

export function findLayout(id: string): Layout | undefined {
  return LAYOUTS.find((l) => l.id === id);
}

/** Limits of a custom label (a roll of that size), in millimetres. */
export const CUSTOM_LIMITS = { minMm: 15, maxWidthMm: 150, maxHeightMm: 150 } as const;
const CUSTOM_ID = /^custom-(\d{1,3}(?:\.\d)?)x(\d{1,3}(?:\.\d)?)$/;

export type LayoutResult = { ok: true; layout: Layout } | { ok: false; reason: string };

/**
 * A preset by id, or a custom roll label `custom-{width}x{height}` in millimetres (one decimal at
 * most, e.g. `custom-60x40`, `custom-45.5x25`). Whether a code and its text fit a custom size is
 * decided when it is rendered (it depends on the code and the dpi): see `planLabel`.
 */
export function resolveLayout(id: string): LayoutResult {
  const preset = findLayout(id);
  if (preset) return { ok: true, layout: preset };
  const m = CUSTOM_ID.exec(id);
  if (!m) {
    return {
      ok: false,
      reason: `Unknown layout "${id}": use one of ${LAYOUTS.map((l) => l.id).join(', ')} or custom-{width}x{height} in mm.`,
    };
  }
  const widthMm = Number(m[1]);
  const heightMm = Number(m[2]);
  const { minMm, maxWidthMm, maxHeightMm } = CUSTOM_LIMITS;
  if (widthMm < minMm || heightMm < minMm || widthMm > maxWidthMm || heightMm > maxHeightMm) {
    return {
      ok: false,
      reason: `A custom label must be ${minMm}–${maxWidthMm} mm wide and ${minMm}–${maxHeightMm} mm tall; ${widthMm} × ${heightMm} mm was asked.`,
    };
  }
  return {
    ok: true,
    layout: {
      id: `custom-${m[1]}x${m[2]}`,
      kind: 'roll',
      title: `Nhãn ${m[1]!.replace('.', ',')} × ${m[2]!.replace('.', ',')} mm`,
      label: { widthMm, heightMm },
      gapMm: 2,
      paddingMm: 1,
      defaultDpi: 203,
      note: 'Custom size.',
    },
  };
}

/** Keep-out per side of one label, in mm from its edges. */
export interface Insets {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface Cell {
  /** 0-based, row by row. */
  index: number;
  row: number;
  column: number;
  /** Top-left corner on the page, in mm. */
  xMm: number;
  yMm: number;
  /**
   * How far this cell's content moves from the shared plan's place (see {@link sheetPlan}), so it
   * keeps its own keep-out: right, away from the paper's left edge, for the first column.
   */
  shiftXMm: number;
  shiftYMm: number;
}

/** Labels per page: a sheet's cells, or 1 for a roll (one label per page, page = label). */
export function labelsPerPage(layout: Layout): number {
  return layout.kind === 'sheet' ? layout.columns * layout.rows : 1;
}

/** The page a layout prints on. */
export function pageSize(layout: Layout): SizeMm {
  return layout.kind === 'sheet' ? layout.page : layout.label;
}

/**
 * Every cell of a page, and the keep-out of the one plan all of them share. Cells along the paper's
 * edge need more keep-out on that side (the printer's unprintable band) than the others; rather
 * than fitting the text differently in each (a sheet whose labels differ looks careless), every
 * label gets the plan of a label with the largest total keep-out per axis, and each cell moves that
 * content to clear its own edges (centred when it has room to spare).
 */
export function sheetPlan(layout: Layout): { insets: Insets; cells: Cell[] } {
  if (layout.kind === 'roll') {
    return {
      insets: singleInsets(layout),
      cells: [{ index: 0, row: 0, column: 0, xMm: 0, yMm: 0, shiftXMm: 0, shiftYMm: 0 }],
    };
  }
  const { label, page, paddingMm: p, unprintableMm: u } = layout;
  const raw: (Omit<Cell, 'shiftXMm' | 'shiftYMm'> & { k: Insets })[] = [];
  for (let row = 0; row < layout.rows; row++) {
    for (let column = 0; column < layout.columns; column++) {
      const xMm = layout.marginLeftMm + column * layout.pitchXMm;
      const yMm = layout.marginTopMm + row * layout.pitchYMm;
      raw.push({
        index: raw.length,
        row,
        column,
        xMm,
        yMm,
        k: {
          left: Math.max(p, u - xMm),
          top: Math.max(p, u - yMm),
          right: Math.max(p, u - (page.widthMm - xMm - label.widthMm)),
          bottom: Math.max(p, u - (page.heightMm - yMm - label.heightMm)),
        },
      });
    }
  }
  const left = Math.min(...raw.map((c) => c.k.left));
  const top = Math.min(...raw.map((c) => c.k.top));
  const right = Math.max(...raw.map((c) => c.k.left + c.k.right)) - left;
  const bottom = Math.max(...raw.map((c) => c.k.top + c.k.bottom)) - top;
  const cells = raw.map(({ k, ...c }) => ({
    ...c,
    // Any shift in [own keep-out − shared, shared − own keep-out on the other side] works: the middle.
    shiftXMm: (k.left - left + (right - k.right)) / 2,
    shiftYMm: (k.top - top + (bottom - k.bottom)) / 2,
  }));
  return { insets: { left, top, right, bottom }, cells };
}

/** The keep-out of a label printed alone (a roll, a PNG or SVG file). */
export function singleInsets(layout: Layout): Insets {
  const p = layout.paddingMm;
  return { top: p, right: p, bottom: p, left: p };
}
