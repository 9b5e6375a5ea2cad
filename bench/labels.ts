/**
 * Label rendering throughput, next to the floor it cannot beat: drawing the bare QR matrix
 * (QRCode.create → raw pixels → sharp PNG) for the same URLs in the same run. Each case renders
 * `n` distinct unit codes of one batch, sequentially, into a sink that only counts bytes; the
 * cases run interleaved in rounds and each reports its median round.
 *
 *   npx tsx bench/labels.ts                   # 1,000 labels per case, 3 rounds
 *   npx tsx bench/labels.ts 10000 1 streamed  # the 10,000-label jobs once (PDF, ZIP), memory included
 *
 * or `import { benchLabels } from './labels.ts'` and print `formatLabelsBench(await benchLabels())`.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import QRCode from 'qrcode';
import sharp from 'sharp';
import { batchLabels, TOI_DEN } from '../api/src/labels/fixtures.ts';
import { findLayout, PngRenderer, SvgRenderer, writeLabels, type Layout } from '../api/src/labels/index.ts';
import type { LabelData } from '../api/src/labels/types.ts';

export interface LabelsBenchRow {
  name: string;
  labels: number;
  ms: number;
  perSecond: number;
  /** perSecond ÷ the bare matrix's. */
  ratio: number;
  bytes: number;
  /** Largest RSS seen during the case, MB. */
  peakRssMb: number;
  /** Longest the event loop was held during the case, ms (what other requests would wait). */
  maxStallMs: number;
  /** CPU per label, ms: the whole process (all threads), and the main thread alone (Linux). */
  cpuMs: number;
  mainCpuMs: number | null;
}

/** CPU time of the main thread, ms (Linux /proc; 10 ms ticks), or null elsewhere. */
function mainThreadCpuMs(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function layout(id: string): Layout {
  const l = findLayout(id);
  if (!l) throw new Error(`no layout ${id}`);
  return l;
}

class CountingSink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.bytes += chunk.length;
    cb();
  }
}

/**
 * The floor: QRCode.create, then the modules as pixels (5 dots a module, as on the 300-dpi label,
 * quiet zone 4, dark runs filled row by row) and sharp's PNG encoder — no text, no layout.
 */
async function bareMatrix(labels: LabelData[]): Promise<number> {
  let bytes = 0;
  const m = 5;
  for (const { url } of labels) {
    const { size, data } = QRCode.create(url, { errorCorrectionLevel: 'M' }).modules;
    const side = (size + 8) * m;
    const px = Buffer.alloc(side * side, 255);
    for (let r = 0; r < size; r++) {
      let c = 0;
      while (c < size) {
        if (!data[r * size + c]) {
          c++;
          continue;
        }
        const start = c;
        while (c < size && data[r * size + c]) c++;
        for (let dy = 0; dy < m; dy++) {
          const row = ((r + 4) * m + dy) * side;
          px.fill(0, row + (start + 4) * m, row + (c + 4) * m);
        }
      }
    }
    bytes += (
      await sharp(px, { raw: { width: side, height: side, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer()
    ).length;
  }
  return bytes;
}

export async function benchLabels(
  opts: { n?: number; rounds?: number; only?: string } = {},
): Promise<LabelsBenchRow[]> {
  const n = opts.n ?? 1000;
  const labels = batchLabels(TOI_DEN, n, 2026);
  const cases: [string, () => Promise<number>][] = [
    ['bare QR matrix → sharp PNG (floor)', () => bareMatrix(labels)],
    [
      'QRCode.create alone (no pixels)',
      async () => {
        for (const { url } of labels) QRCode.create(url, { errorCorrectionLevel: 'M' });
        return 0;
      },
    ],
    [
      'PNG label 50×30 mm @ 300 dpi',
      async () => {
        const r = new PngRenderer(layout('roll-50x30'), { dpi: 300 });
        let bytes = 0;
        for (const l of labels) bytes += (await r.render(l)).png.length;
        return bytes;
      },
    ],
    [
      'PNG label 50×40 mm @ 203 dpi, mono',
      async () => {
        const r = new PngRenderer(layout('roll-50x40'), { dpi: 203, mono: true });
        let bytes = 0;
        for (const l of labels) bytes += (await r.render(l)).png.length;
        return bytes;
      },
    ],
    [
      'SVG label 50×40 mm',
      async () => {
        const r = new SvgRenderer(layout('roll-50x40'));
        let bytes = 0;
        for (const l of labels) bytes += r.render(l).length;
        return bytes;
      },
    ],
    [
      'A4 PDF 4×10 (streamed)',
      async () => {
        const sink = new CountingSink();
        await writeLabels(labels, { layout: layout('a4-40-52x30'), format: 'pdf' }, sink);
        return sink.bytes;
      },
    ],
    [
      'ZIP of PNGs 50×30 @ 300 dpi (streamed)',
      async () => {
        const sink = new CountingSink();
        await writeLabels(labels, { layout: layout('roll-50x30'), format: 'png', dpi: 300 }, sink);
        return sink.bytes;
      },
    ],
  ];
  // `only`: the cases whose name contains it, and the floor they are compared with.
  if (opts.only)
    cases.splice(1, cases.length, ...cases.slice(1).filter(([name]) => name.includes(opts.only!)));
  // Warm-up: fonts, fontkit, librsvg, qrcode's tables.
  const warm = labels.slice(0, 20);
  await new PngRenderer(layout('roll-50x30'), { dpi: 300 }).render(warm[0]!);
  await writeLabels(warm, { layout: layout('a4-40-52x30'), format: 'pdf' }, new CountingSink());

  // Rounds interleave the cases, and each case keeps its median round: on a shared 2-core machine
  // the load of the moment would otherwise decide the ratios.
  const rounds = opts.rounds ?? 3;
  const samples = cases.map(
    () =>
      [] as { ms: number; bytes: number; peak: number; stall: number; cpu: number; main: number | null }[],
  );
  for (let round = 0; round < rounds; round++) {
    for (const [i, [, run]] of cases.entries()) {
      let peak = process.memoryUsage().rss;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      const lag = monitorEventLoopDelay({ resolution: 5 });
      lag.enable();
      const cpu0 = processCpuMs();
      const main0 = mainThreadCpuMs();
      const t0 = performance.now();
      const bytes = await run();
      const ms = performance.now() - t0;
      const cpu = processCpuMs() - cpu0;
      const main1 = mainThreadCpuMs();
      const main = main0 === null || main1 === null ? null : main1 - main0;
      lag.disable();
      clearInterval(timer);
      samples[i]!.push({
        ms,
        bytes,
        peak: Math.max(peak, process.memoryUsage().rss),
        stall: lag.max / 1e6,
        cpu,
        main,
      });
    }
  }
  const rows: LabelsBenchRow[] = cases.map(([name], i) => {
    const sorted = [...samples[i]!].sort((a, b) => a.ms - b.ms);
    const mid = sorted[Math.floor(sorted.length / 2)]!;
    return {
      name,
      labels: n,
      ms: mid.ms,
      perSecond: (n / mid.ms) * 1000,
      ratio: 0,
      bytes: mid.bytes,
      peakRssMb: Math.max(...sorted.map((x) => x.peak)) / 1e6,
      maxStallMs: mid.stall,
      cpuMs: mid.cpu / n,
      mainCpuMs: mid.main === null ? null : mid.main / n,
    };
  });
  for (const r of rows) r.ratio = r.perSecond / rows[0]!.perSecond;
  return rows;
}

export function formatLabelsBench(rows: LabelsBenchRow[]): string {
  const fmt = (x: number, d = 0) =>
    x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const lines = [
    `### Labels (${rows[0]?.labels.toLocaleString('en-US') ?? 0} distinct unit codes per case, median of interleaved rounds; × floor = labels/s ÷ the bare QR matrix's)`,
    '',
    '| case | labels | time | labels/s | × floor | CPU/label (main thread) | output | peak RSS | longest event-loop stall |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.labels)} | ${fmt(r.ms / 1000, 1)} s | ${fmt(r.perSecond)} | ${fmt(r.ratio, 2)} | ` +
        `${fmt(r.cpuMs, 2)} ms (${r.mainCpuMs === null ? '?' : fmt(r.mainCpuMs, 2)} ms) | ` +
        `${fmt(r.bytes / 1e6, 1)} MB | ${fmt(r.peakRssMb)} MB | ${fmt(r.maxStallMs)} ms |`,
    ),
    '',
    'CPU/label counts every thread (sharp encodes on the libuv pool, QR codes in worker threads); the main',
    'thread’s share is what a label job takes from the API. The event-loop stall includes the OS descheduling',
    'the process on a busy machine, and the PDF’s font subsetting at its end.',
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 1000);
  const rounds = Number(process.argv[3] ?? 3);
  const only = process.argv[4];
  const rows = await benchLabels({ n, rounds, ...(only ? { only } : {}) });
  console.log(formatLabelsBench(rows));
}
