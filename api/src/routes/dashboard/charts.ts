/**
 * Charts drawn on the server as SVG (no chart library, nothing from a CDN): pure functions from
 * numbers to markup. Every text goes through {@link esc}; colours are presentation attributes (no
 * `style`, so the strictest CSP applies); each chart has a `<title>` and `<desc>` and the page
 * shows the same numbers as a table. Colours meet WCAG 2.2 AA against white for text and 3:1 for
 * the bars.
 */

export const COLORS = {
  ink: '#17202a',
  muted: '#47525e',
  grid: '#d5dbd3',
  brand: '#0b6b3a',
  bad: '#b42318',
  caution: '#7a4d00',
  blue: '#1f4e79',
  star: '#f2b100',
  starLine: '#8a5a00',
};

const FONT =
  "font-family=\"'Be Vietnam Pro', system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif\"";

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function svg(width: number, height: number, title: string, desc: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="t d" ${FONT}>` +
    `<title id="t">${esc(title)}</title><desc id="d">${esc(desc)}</desc>` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>${body}</svg>`
  );
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function formatNumber(n: number, lang: 'vi' | 'en'): string {
  return new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 }).format(n);
}

export interface Bar {
  label: string;
  value: number;
  color?: string;
}

/** Horizontal bars, one row per label, value at the bar's end. */
export function barChart(opts: {
  title: string;
  desc: string;
  bars: Bar[];
  lang: 'vi' | 'en';
  empty: string;
}): string {
  const width = 640;
  const row = 30;
  const labelW = 220;
  const top = 12;
  const bars = opts.bars;
  const height = Math.max(60, top + bars.length * row + 10);
  if (bars.length === 0) {
    return svg(
      width,
      60,
      opts.title,
      opts.desc,
      `<text x="16" y="36" font-size="14" fill="${COLORS.muted}">${esc(opts.empty)}</text>`,
    );
  }
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plotW = width - labelW - 70;
  let body = '';
  bars.forEach((b, i) => {
    const y = top + i * row;
    const w = Math.round((b.value / max) * plotW);
    body +=
      `<text x="${labelW - 8}" y="${y + 19}" font-size="13" text-anchor="end" fill="${COLORS.ink}">${esc(clip(b.label, 27))}</text>` +
      `<rect x="${labelW}" y="${y + 5}" width="${Math.max(w, b.value > 0 ? 2 : 0)}" height="${row - 10}" rx="3" fill="${b.color ?? COLORS.brand}"/>` +
      `<text x="${labelW + Math.max(w, 0) + 6}" y="${y + 19}" font-size="13" font-weight="700" fill="${COLORS.ink}">${esc(formatNumber(b.value, opts.lang))}</text>`;
  });
  return svg(width, height, opts.title, opts.desc, body);
}

export interface Series {
  name: string;
  color: string;
  values: number[];
}

/** Stacked columns over days (scans per day), with a legend and a few date ticks. */
export function columnChart(opts: {
  title: string;
  desc: string;
  labels: string[];
  series: Series[];
  lang: 'vi' | 'en';
}): string {
  const width = 640;
  const height = 240;
  const left = 44;
  const bottom = 40;
  const top = 34;
  const plotW = width - left - 12;
  const plotH = height - top - bottom;
  const n = opts.labels.length;
  const totals = opts.labels.map((_, i) => opts.series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = plotW / Math.max(1, n);
  const colW = Math.max(2, step * 0.7);
  let body = '';
  // Legend
  opts.series.forEach((s, k) => {
    const x = left + k * 170;
    body += `<rect x="${x}" y="8" width="14" height="14" rx="2" fill="${s.color}"/><text x="${x + 20}" y="20" font-size="13" fill="${COLORS.ink}">${esc(s.name)}</text>`;
  });
  // Grid: 0, half, max
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH - f * plotH;
    body += `<line x1="${left}" x2="${width - 12}" y1="${y}" y2="${y}" stroke="${COLORS.grid}" stroke-width="1"/>`;
    body += `<text x="${left - 6}" y="${y + 4}" font-size="11" text-anchor="end" fill="${COLORS.muted}">${esc(formatNumber(Math.round(max * f), opts.lang))}</text>`;
  }
  opts.labels.forEach((label, i) => {
    let y = top + plotH;
    const x = left + i * step + (step - colW) / 2;
    for (const s of opts.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const h = (v / max) * plotH;
      y -= h;
      body += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${colW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"/>`;
    }
    // A date every week, and the last day unless it would touch the previous one.
    if (i % 7 === 0 || (i === n - 1 && i % 7 >= 4)) {
      body += `<text x="${(x + colW / 2).toFixed(1)}" y="${height - bottom + 16}" font-size="11" text-anchor="middle" fill="${COLORS.muted}">${esc(label)}</text>`;
    }
  });
  return svg(width, height, opts.title, opts.desc, body);
}

/** Grouped horizontal bars: one group per label, one bar per series. */
export function groupedBars(opts: {
  title: string;
  desc: string;
  labels: string[];
  series: Series[];
  lang: 'vi' | 'en';
  empty: string;
}): string {
  const width = 640;
  const labelW = 200;
  const barH = 12;
  const groupH = opts.series.length * (barH + 3) + 12;
  const top = 34;
  if (opts.labels.length === 0) {
    return svg(
      width,
      60,
      opts.title,
      opts.desc,
      `<text x="16" y="36" font-size="14" fill="${COLORS.muted}">${esc(opts.empty)}</text>`,
    );
  }
  const height = top + opts.labels.length * groupH + 8;
  const max = Math.max(1, ...opts.series.flatMap((s) => s.values));
  const plotW = width - labelW - 60;
  let body = '';
  opts.series.forEach((s, k) => {
    const x = 12 + k * 200;
    body += `<rect x="${x}" y="8" width="14" height="14" rx="2" fill="${s.color}"/><text x="${x + 20}" y="20" font-size="13" fill="${COLORS.ink}">${esc(s.name)}</text>`;
  });
  opts.labels.forEach((label, i) => {
    const y0 = top + i * groupH;
    body += `<text x="${labelW - 8}" y="${y0 + groupH / 2 + 2}" font-size="13" text-anchor="end" fill="${COLORS.ink}">${esc(clip(label, 28))}</text>`;
    opts.series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const y = y0 + 4 + k * (barH + 3);
      const w = Math.round((v / max) * plotW);
      body +=
        `<rect x="${labelW}" y="${y}" width="${Math.max(w, v > 0 ? 2 : 0)}" height="${barH}" rx="2" fill="${s.color}"/>` +
        `<text x="${labelW + w + 5}" y="${y + barH - 2}" font-size="11" fill="${COLORS.ink}">${esc(formatNumber(v, opts.lang))}</text>`;
    });
  });
  return svg(width, height, opts.title, opts.desc, body);
}

export interface Progress {
  label: string;
  actual: number | null;
  min: number;
  max: number | null;
  unit: 'count' | 'percent';
}

/** Progress bars against a target (a range when the plan gives one, e.g. "4–6 products"). */
export function progressChart(opts: {
  title: string;
  desc: string;
  items: Progress[];
  lang: 'vi' | 'en';
  notMeasured: string;
  empty: string;
}): string {
  const width = 640;
  const row = 52;
  const top = 8;
  if (opts.items.length === 0) {
    return svg(
      width,
      60,
      opts.title,
      opts.desc,
      `<text x="16" y="36" font-size="14" fill="${COLORS.muted}">${esc(opts.empty)}</text>`,
    );
  }
  const height = top + opts.items.length * row + 6;
  const barW = width - 32;
  let body = '';
  opts.items.forEach((p, i) => {
    const y = top + i * row;
    const goal = p.max ?? p.min;
    const pct = p.unit === 'percent' ? '%' : '';
    const target =
      p.max !== null
        ? `${formatNumber(p.min, opts.lang)}–${formatNumber(p.max, opts.lang)}${pct}`
        : `${formatNumber(p.min, opts.lang)}${pct}`;
    const actual = p.actual === null ? opts.notMeasured : `${formatNumber(p.actual, opts.lang)}${pct}`;
    body += `<text x="16" y="${y + 16}" font-size="13" fill="${COLORS.ink}">${esc(clip(p.label, 60))}</text>`;
    body += `<text x="${width - 16}" y="${y + 16}" font-size="13" font-weight="700" text-anchor="end" fill="${COLORS.ink}">${esc(`${actual} / ${target}`)}</text>`;
    body += `<rect x="16" y="${y + 24}" width="${barW}" height="14" rx="7" fill="${COLORS.grid}"/>`;
    if (p.actual !== null && goal > 0) {
      const done = p.actual >= p.min;
      const w = Math.min(1, p.actual / goal) * barW;
      body += `<rect x="16" y="${y + 24}" width="${w.toFixed(1)}" height="14" rx="7" fill="${done ? COLORS.brand : COLORS.caution}"/>`;
      if (p.max !== null) {
        const mx = 16 + (p.min / goal) * barW;
        body += `<line x1="${mx.toFixed(1)}" x2="${mx.toFixed(1)}" y1="${y + 20}" y2="${y + 42}" stroke="${COLORS.ink}" stroke-width="2"/>`;
      }
    }
  });
  return svg(width, height, opts.title, opts.desc, body);
}
