import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchLabels, NUOC_MAM, ORIGIN, seeded, TOI_DEN, unitCodeUrl } from './fixtures.ts';
import {
  checkLabel,
  findLayout,
  LAYOUTS,
  PngRenderer,
  resolveLayout,
  SvgRenderer,
  writeLabels,
  writeLabelsPdf,
  type Layout,
} from './index.ts';
import { sheetPlan } from './layouts.ts';
import { encodeQr } from './qr.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocop-labels-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every QR zbarimg finds in an image (exit 4 = none). */
function zbar(file: string): string[] {
  const r = spawnSync('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', file], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 4) throw new Error(`zbarimg failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

function layout(id: string): Layout {
  const l = findLayout(id);
  if (!l) throw new Error(id);
  return l;
}

async function pdfFile(name: string, run: (out: Writable) => Promise<unknown>): Promise<string> {
  const file = join(dir, name);
  await run(createWriteStream(file));
  return file;
}

/** Decodes every label of a page rasterised at 300 dpi; crops the cells zbarimg missed on the page. */
async function decodeSheet(png: string, l: Layout): Promise<string[]> {
  const found = new Set(zbar(png));
  const perPage = sheetPlan(l).cells.length;
  if (found.size >= perPage) return [...found];
  const px = (mm: number) => Math.round((mm * 300) / 25.4);
  const all: string[] = [];
  for (const cell of sheetPlan(l).cells) {
    const crop = join(dir, `cell-${cell.index}.png`);
    await sharp(png)
      .extract({
        left: px(cell.xMm),
        top: px(cell.yMm),
        width: px(l.label.widthMm),
        height: px(l.label.heightMm),
      })
      .toFile(crop);
    all.push(...zbar(crop));
  }
  return all;
}

describe('A4 sheet PDF, 4 × 10', () => {
  const labels = batchLabels({ ...TOI_DEN, lot: 'TOIDEN-LYSON-2026-03' }, 40, 7);
  let pdf: string;
  beforeAll(async () => {
    pdf = await pdfFile('sheet.pdf', (out) =>
      writeLabelsPdf(labels, layout('a4-40-52x30'), out, { creationDate: new Date('2026-03-12T00:00:00Z') }),
    );
  });

  it('uses 40 distinct, realistic code URLs of about 190 bytes', () => {
    expect(new Set(labels.map((l) => l.url)).size).toBe(40);
    for (const l of labels) {
      expect(l.url.length).toBeGreaterThanOrEqual(185);
      expect(l.url.length).toBeLessThanOrEqual(200);
      expect(encodeQr(l.url).version).toBeLessThanOrEqual(10);
    }
  });

  it('rasterised at 300 dpi, every QR decodes to exactly the 40 URLs', async () => {
    execFileSync('pdftoppm', ['-r', '300', '-png', pdf, join(dir, 'sheet')]);
    const decoded = await decodeSheet(join(dir, 'sheet-1.png'), layout('a4-40-52x30'));
    expect(decoded.length).toBe(40);
    expect([...decoded].sort()).toEqual(labels.map((l) => l.url).sort());
  });

  it('is one A4 page with the Be Vietnam Pro subsets embedded and no other font', () => {
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    expect(info).toMatch(/Pages:\s+1\n/);
    expect(info).toMatch(/Page size:\s+595\.2\d* x 841\.89 pts \(A4\)/);
    const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    expect(fonts).toHaveLength(2);
    for (const f of fonts) expect(f).toMatch(/^[A-Z]{6}\+BeVietnamPro-(Regular|Bold)\s.*\syes\s+yes\s+yes\s/);
  });

  it('pdftotext finds the product name with its diacritics on every label', () => {
    const text = execFileSync('pdftotext', ['-raw', pdf, '-'], { encoding: 'utf8' });
    expect(text.split('Tỏi đen Lý Sơn').length - 1).toBe(40);
    expect(text).toContain('Quét để kiểm tra OCOP');
    expect(text).toContain('12/03/2026');
  });
});

describe('other layouts and names', () => {
  it('a long name, "Nước mắm cốt đặc biệt Mười Quý", is set in full and read back by pdftotext', async () => {
    const labels = batchLabels(NUOC_MAM, 24, 3);
    const pdf = await pdfFile('nuoc-mam.pdf', (out) => writeLabelsPdf(labels, layout('a4-24-64x34'), out));
    const text = execFileSync('pdftotext', ['-raw', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text.split('Nước mắm cốt đặc biệt Mười Quý').length - 1).toBe(24);
    expect(text).toContain('NMQ-2026-0415-B');
  });

  it('a 65-label sheet (38 × 21.2 mm) decodes too', async () => {
    const l = layout('a4-65-38x21');
    const labels = batchLabels(TOI_DEN, 65, 11);
    const pdf = await pdfFile('sheet65.pdf', (out) => writeLabelsPdf(labels, l, out));
    execFileSync('pdftoppm', ['-r', '300', '-png', pdf, join(dir, 'sheet65')]);
    const decoded = await decodeSheet(join(dir, 'sheet65-1.png'), l);
    expect([...decoded].sort()).toEqual(labels.map((x) => x.url).sort());
  });

  it('starts a sheet at a given cell and streams one page at a time', async () => {
    const labels = batchLabels(TOI_DEN, 100, 5);
    const chunksAtPage: number[] = [];
    let chunks = 0;
    const out = new Writable({
      write(_c, _e, cb) {
        chunks++;
        cb();
      },
    });
    const r = await writeLabelsPdf(labels, layout('a4-40-52x30'), out, {
      startCell: 30,
      onProgress: () => chunksAtPage.push(chunks),
    });
    // 10 on the first sheet (cells 30–39), then 40, 40, 10.
    expect(r).toEqual({ labels: 100, pages: 4 });
    // Bytes reach the output while later pages are still to be drawn.
    expect(chunksAtPage[1]).toBeGreaterThan(0);
  });

  it('stops drawing when the output goes away or the job is aborted', async () => {
    const labels = batchLabels(TOI_DEN, 2000, 13);
    let drawn = 0;
    function* counted() {
      for (const l of labels) {
        drawn++;
        yield l;
      }
    }
    const out = new PassThrough();
    out.once('data', () => out.destroy());
    await expect(writeLabelsPdf(counted(), layout('a4-40-52x30'), out)).rejects.toThrow(/closed/);
    expect(drawn).toBeLessThan(200);

    drawn = 0;
    const abort = new AbortController();
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const job = writeLabels(
      counted(),
      { layout: layout('roll-50x40'), format: 'png', signal: abort.signal },
      sink,
    );
    setTimeout(() => abort.abort(), 50);
    await expect(job).rejects.toThrow(/abort/i);
    expect(drawn).toBeLessThan(2000);
    expect(sink.destroyed).toBe(true);
  });

  it('a roll PDF has one label-sized page per label', async () => {
    const labels = batchLabels(TOI_DEN, 3, 9);
    const pdf = await pdfFile('roll.pdf', (out) => writeLabelsPdf(labels, layout('roll-50x40'), out));
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    expect(info).toMatch(/Pages:\s+3\n/);
    expect(info).toMatch(/Page size:\s+141\.73\d* x 113\.38\d* pts/);
  });
});

describe('PNG labels at the printer resolution', () => {
  const rand = seeded(42);

  for (const [id, dpi] of [
    ['roll-50x40', 203],
    ['a4-24-64x34', 203],
    ['roll-50x30', 300],
    ['roll-40x30', 300],
    ['a4-40-52x30', 600],
  ] as const) {
    it(`${id} at ${dpi} dpi decodes to the exact URL`, async () => {
      const data = { ...TOI_DEN, url: unitCodeUrl(rand, TOI_DEN.lot) };
      const r = await new PngRenderer(layout(id), { dpi }).render(data);
      const file = join(dir, `${id}-${dpi}.png`);
      await writeFile(file, r.png);
      expect(zbar(file)).toEqual([data.url]);
      const meta = await sharp(r.png).metadata();
      expect(meta.width).toBe(Math.round((layout(id).label.widthMm * dpi) / 25.4));
      expect(meta.channels).toBe(1);
      expect(meta.density).toBe(dpi);
    });
  }

  it('at 203 dpi a module is at least 4 whole dots, measured on the image', async () => {
    const data = { ...TOI_DEN, url: unitCodeUrl(rand, TOI_DEN.lot) };
    const r = await new PngRenderer(layout('roll-50x40'), { dpi: 203, mono: true }).render(data);
    expect(r.plan.qr.moduleDots).toBeGreaterThanOrEqual(4);
    expect(r.plan.qr.moduleMm).toBeGreaterThanOrEqual(0.5);
    const { data: px, info } = await sharp(r.png)
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(1);
    // The top-left finder pattern: 7 dark modules on its top row, starting at the QR's origin.
    const { xDots, yDots } = r.plan.qr;
    const row = yDots * info.width;
    expect(px[row + xDots - 1]).toBe(255);
    let run = 0;
    while (px[row + xDots + run] === 0) run++;
    expect(run % 7).toBe(0);
    expect(run / 7).toBe(r.plan.qr.moduleDots);
    // Quiet zone: 4 modules of white to the left, all inside the label.
    expect(xDots).toBeGreaterThanOrEqual(4 * r.plan.qr.moduleDots);
    for (let x = xDots - 4 * r.plan.qr.moduleDots; x < xDots; x++) expect(px[row + x]).toBe(255);
    // Black and white only.
    expect(new Set(px).size).toBe(2);
  });

  it('a ZIP of PNGs, one per label, named by the caller', async () => {
    const labels = batchLabels(TOI_DEN, 3, 21);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeLabels(
      labels,
      { layout: layout('roll-50x40'), format: 'png', dpi: 203, name: (_d, i) => `nhãn-${i + 1}.png` },
      out,
    );
    const file = join(dir, 'labels.zip');
    await writeFile(file, Buffer.concat(chunks));
    // Python's zipfile honours the UTF-8 flag (bit 11) of each entry.
    const list = execFileSync(
      'python3',
      ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', file],
      { encoding: 'utf8' },
    );
    expect(list.trim().split('\n')).toEqual(['nhãn-1.png', 'nhãn-2.png', 'nhãn-3.png']);
    execFileSync('unzip', ['-tq', file]);
    execFileSync('python3', [
      '-c',
      'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])',
      file,
      join(dir, 'unzipped'),
    ]);
    expect(zbar(join(dir, 'unzipped', 'nhãn-2.png'))).toEqual([labels[1]!.url]);
  });
});

describe('SVG labels', () => {
  it('draw text as glyph outlines (no font needed) and the QR as a vector that decodes', async () => {
    const data = batchLabels(NUOC_MAM, 1, 8)[0]!;
    const svg = new SvgRenderer(layout('roll-50x40')).render(data);
    expect(svg).not.toMatch(/<text|font-family|@font-face/);
    expect(svg).toContain('width="50mm" height="40mm"');
    expect(svg).toContain('<title>Nước mắm cốt đặc biệt Mười Quý — NMQ-2026-0415-B</title>');
    const file = join(dir, 'label.png');
    await sharp(Buffer.from(svg), { density: 300 }).flatten({ background: '#fff' }).toFile(file);
    expect(zbar(file)).toEqual([data.url]);
  });
});

describe('refusals', () => {
  const url = unitCodeUrl(seeded(1), TOI_DEN.lot);
  const sample = { ...TOI_DEN, url };

  it('refuses a custom size too small for the QR at the dpi, saying what it needs', () => {
    const small = resolveLayout('custom-30x20');
    expect(small.ok).toBe(true);
    if (!small.ok) return;
    const r = checkLabel(small.layout, 'png', 203, sample);
    expect(r).toMatchObject({ ok: false, code: 'qr_does_not_fit' });
    if (r.ok) return;
    expect(r.reason).toContain('version-9 QR');
    expect(r.reason).toContain('0.50 mm');
    expect(r.reason).toContain('30 × 20 mm');
  });

  it('refuses a custom size outside the limits, and unknown layouts', () => {
    expect(resolveLayout('custom-10x10')).toMatchObject({ ok: false });
    expect(resolveLayout('custom-500x40')).toMatchObject({ ok: false });
    expect(resolveLayout('a3-nothing')).toMatchObject({ ok: false });
    const custom = resolveLayout('custom-60x45.5');
    expect(custom).toMatchObject({ ok: true, layout: { label: { widthMm: 60, heightMm: 45.5 } } });
  });

  it('refuses a 30 mm roll at 203 dpi for a version-9 code, and accepts it at 300 dpi', () => {
    expect(checkLabel(layout('roll-50x30'), 'png', 203, sample)).toMatchObject({ code: 'qr_does_not_fit' });
    expect(checkLabel(layout('roll-50x30'), 'png', 300, sample)).toEqual({ ok: true });
  });

  // What fits depends on the code's QR version, which its length and characters decide: a short
  // code (a short origin and lot, as in the API tests) can be version 8, a long lot version 10.
  const byVersion = {
    8: unitCodeUrl(seeded(1), 'L1').replace(ORIGIN, 'https://ocop.vn'),
    9: url,
    10: unitCodeUrl(seeded(1), 'tls-2026-0115-ly-son'),
  };
  const fitsAt203 = (v: 8 | 9 | 10) =>
    Object.fromEntries(
      ['roll-50x30', 'roll-40x30', 'roll-35x22', 'roll-50x40'].map((id) => {
        const r = checkLabel(layout(id), 'pdf', 203, { ...sample, url: byVersion[v] });
        return [id, r.ok ? 'fits' : { code: r.code, alternatives: r.alternatives }];
      }),
    );

  it('at 203 dpi a version-8 code fits the 50 × 30 roll, and refusals offer it beside the 50 × 40', () => {
    expect(encodeQr(byVersion[8]).version).toBe(8);
    const qr = { code: 'qr_does_not_fit', alternatives: { dpi: 300, layouts: ['roll-50x30', 'roll-50x40'] } };
    expect(fitsAt203(8)).toEqual({
      'roll-50x30': 'fits',
      'roll-40x30': qr,
      'roll-35x22': qr,
      'roll-50x40': 'fits',
    });
    const r = checkLabel(layout('roll-35x22'), 'pdf', 203, { ...sample, url: byVersion[8] });
    expect(r).toMatchObject({
      reasonVi: expect.stringMatching(
        /nên mã QR cần 28,5 mm .* Nhãn sẽ vừa với máy in 300 dpi, hoặc cuộn nhãn 50 × 30 mm \(roll-50x30\) hoặc 50 × 40 mm \(roll-50x40\)\.$/,
      ),
      reason: expect.stringMatching(
        /so the QR needs 28\.5 mm .* It fits with a 300-dpi printer, or the 50 × 30 mm \(roll-50x30\) or the 50 × 40 mm \(roll-50x40\) roll\.$/,
      ),
    });
  });

  it('at 203 dpi a version-9 code fits only the 50 × 40 roll; each smaller roll fits it at 300 dpi', () => {
    expect(encodeQr(byVersion[9]).version).toBe(9);
    const qr = { code: 'qr_does_not_fit', alternatives: { dpi: 300, layouts: ['roll-50x40'] } };
    expect(fitsAt203(9)).toEqual({
      'roll-50x30': qr,
      'roll-40x30': qr,
      'roll-35x22': qr,
      'roll-50x40': 'fits',
    });
  });

  it('a version-10 code fits the 50 × 40 roll at 203 dpi, and the 35 × 22 roll at no resolution', () => {
    expect(encodeQr(byVersion[10]).version).toBe(10);
    const qr = { code: 'qr_does_not_fit', alternatives: { dpi: 300, layouts: ['roll-50x40'] } };
    expect(fitsAt203(10)).toEqual({
      'roll-50x30': qr,
      'roll-40x30': qr,
      // 4-dot modules at 300 dpi (0.34 mm; 8 dots at 600): 65 × 0.3387 = 22.01 mm > 22 mm.
      'roll-35x22': { code: 'qr_does_not_fit', alternatives: { dpi: null, layouts: ['roll-50x40'] } },
      'roll-50x40': 'fits',
    });
    const r = checkLabel(layout('roll-35x22'), 'pdf', 203, { ...sample, url: byVersion[10] });
    expect(r).toMatchObject({
      reasonVi: expect.stringMatching(
        /nên mã QR cần 32,5 mm .* Nhãn sẽ vừa với cuộn nhãn 50 × 40 mm \(roll-50x40\)\.$/,
      ),
      reason: expect.stringMatching(
        /so the QR needs 32\.5 mm .* It fits with the 50 × 40 mm \(roll-50x40\) roll\.$/,
      ),
    });
    for (const dpi of [300, 600] as const) {
      expect(checkLabel(layout('roll-35x22'), 'pdf', dpi, { ...sample, url: byVersion[10] })).toMatchObject({
        code: 'qr_does_not_fit',
      });
    }
  });

  it('fits every preset at its default resolution', () => {
    for (const l of LAYOUTS) {
      const ok = ['pdf', 'png'].map((f) => checkLabel(l, f as 'pdf' | 'png', l.defaultDpi, sample));
      if (l.id === 'roll-50x30' || l.id === 'roll-40x30') {
        // 203 dpi: only codes up to version 8 (see the layout's note).
        expect(ok[0]).toMatchObject({ ok: false, code: 'qr_does_not_fit' });
        continue;
      }
      expect(ok, l.id).toEqual([{ ok: true }, { ok: true }]);
    }
  });

  it('refuses a star level that is not certified, and a malformed date', () => {
    expect(checkLabel(layout('roll-50x40'), 'png', 203, { ...sample, stars: 2 as 3 })).toMatchObject({
      code: 'invalid_label',
    });
    expect(
      checkLabel(layout('roll-50x40'), 'png', 203, { ...sample, producedOn: '12/03/2026' }),
    ).toMatchObject({
      code: 'invalid_label',
    });
  });
});

describe('layouts', () => {
  it('every sheet cell lies on its page, and every cell keeps its own keep-out', () => {
    for (const l of LAYOUTS) {
      if (l.kind !== 'sheet') continue;
      const { insets, cells } = sheetPlan(l);
      expect(cells).toHaveLength(l.columns * l.rows);
      for (const c of cells) {
        expect(c.xMm).toBeGreaterThanOrEqual(0);
        expect(c.yMm).toBeGreaterThanOrEqual(0);
        expect(c.xMm + l.label.widthMm).toBeLessThanOrEqual(l.page.widthMm + 1e-9);
        expect(c.yMm + l.label.heightMm).toBeLessThanOrEqual(l.page.heightMm + 1e-9);
        // Dark marks stay out of the printer's band along the paper's edge.
        const left = c.xMm + c.shiftXMm + insets.left;
        const right = c.xMm + c.shiftXMm + l.label.widthMm - insets.right;
        const top = c.yMm + c.shiftYMm + insets.top;
        const bottom = c.yMm + c.shiftYMm + l.label.heightMm - insets.bottom;
        expect(left).toBeGreaterThanOrEqual(l.unprintableMm - 1e-9);
        expect(top).toBeGreaterThanOrEqual(l.unprintableMm - 1e-9);
        expect(right).toBeLessThanOrEqual(l.page.widthMm - l.unprintableMm + 1e-9);
        expect(bottom).toBeLessThanOrEqual(l.page.heightMm - l.unprintableMm + 1e-9);
        // …and inside the label, clear of its die-cut edge.
        expect(left - c.xMm).toBeGreaterThanOrEqual(l.paddingMm - 1e-9);
        expect(c.xMm + l.label.widthMm - right).toBeGreaterThanOrEqual(l.paddingMm - 1e-9);
      }
    }
  });
});

describe('the fonts travel with the project', () => {
  it('are read from api/assets/fonts with their licence', async () => {
    const { FONT_DIR, FONT_FILES } = await import('./fonts.ts');
    expect(FONT_DIR).toMatch(/api\/assets\/fonts\/$/);
    for (const f of Object.values(FONT_FILES))
      expect((await readFile(join(FONT_DIR, f))).length).toBeGreaterThan(100_000);
    expect(await readFile(join(FONT_DIR, 'OFL.txt'), 'utf8')).toContain('SIL Open Font License');
  });
});
