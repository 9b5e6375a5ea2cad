import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '@ocop/domain';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import {
  expireCertificate,
  makeCertifiedBatch,
  recallBatch,
  revokeCertificate,
  today,
  type CertifiedBatch,
} from '../../../../test/helpers/code-factories.ts';
import { encodeQr } from '../../labels/index.ts';

let t: TestApp;
let admin: Awaited<ReturnType<typeof createUser>>;
let dir: string;

beforeAll(async () => {
  t = await buildTestApp({ logLevel: 'error' });
  admin = await createUser(t.app, 'admin');
  dir = await mkdtemp(join(tmpdir(), 'ocop-label-route-'));
});
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function zbar(file: string): string[] {
  const r = spawnSync('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', file], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 4) throw new Error(`zbarimg failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** A certified batch with a real product name, its batch code and `units` unit codes issued. */
async function issuedBatch(units = 0, o: Parameters<typeof makeCertifiedBatch>[1] = {}) {
  const b = await makeCertifiedBatch(t.app.db, o);
  await t.app.db
    .updateTable('products')
    .set({ name_vi: 'Tỏi đen Lý Sơn' })
    .where('id', '=', b.productId)
    .execute();
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/batches/${b.batchId}/codes`,
    headers: { authorization: admin.authorization },
    payload: { serials: units },
  });
  expect(res.statusCode).toBe(201);
  const body = res.json();
  const producer = await createUser(t.app, 'producer', { producerId: b.producerId });
  return {
    ...b,
    producer,
    batchCode: body.batchCode.url as string,
    unitUrls: (body.units?.urls ?? []) as string[],
    jobId: body.units?.job.id as string | undefined,
  };
}

/**
 * A lot that makes a unit code a version-9 QR (ECC M) whatever its random GTIN, serial and
 * signature. With the default lot (`L` + counter + 4 hex, 5–6 characters) about one code in 60 is a
 * version-8 QR — digit- and capital-rich serials and signatures pack into numeric and alphanumeric
 * segments — and a version-8 code fits the 30 mm rolls at 203 dpi, so the refusals and their
 * alternatives below would change. These 19 byte-mode characters make the URL 174 characters on
 * https://ocop.test: under version 9's 180 bytes even as one byte segment, and too long for version 8
 * (152 bytes) with any segmentation seen (none of 15,000 simulated codes was). The version is checked.
 */
const V9_LOT = 'toi-den-ly-son-2025';

/** A batch with one unit code, which is a version-9 QR (53 modules: 30.5 mm at 203 dpi with its quiet zone). */
async function version9Batch() {
  const b = await issuedBatch(1, { lot: V9_LOT });
  const url = b.unitUrls[0]!;
  expect(encodeQr(url).version, url).toBe(9);
  return b;
}

const labels = (b: CertifiedBatch, authorization: string, query = '') =>
  t.app.inject({ url: `/api/v1/batches/${b.batchId}/labels${query}`, headers: { authorization } });

describe('GET /api/v1/batches/{id}/labels', () => {
  it('gives the producer a PDF sheet of the batch code, with the product name in full', async () => {
    const b = await issuedBatch();
    const res = await labels(b, b.producer.authorization, '?copies=40&layout=a4-40-52x30');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['x-label-count']).toBe('40');
    expect(res.headers['x-label-pages']).toBe('1');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="ocop-nhan-${b.lot}-lo.pdf"`);
    const file = join(dir, 'batch.pdf');
    await writeFile(file, res.rawPayload);
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
    expect(text.split('Tỏi đen Lý Sơn').length - 1).toBe(40);
    expect(text).toContain('ocop.test');
    execFileSync('pdftoppm', ['-r', '300', '-png', file, join(dir, 'batch')]);
    const decoded = zbar(join(dir, 'batch-1.png'));
    expect(decoded.length).toBeGreaterThan(0);
    expect(new Set(decoded)).toEqual(new Set([b.batchCode]));
  });

  it('renders unit codes from–to as PNGs at 203 dpi in a ZIP, each decoding to its URL', async () => {
    const b = await issuedBatch(6);
    const res = await labels(
      b,
      b.producer.authorization,
      '?codes=units&from=2&to=4&format=png&layout=roll-50x40&dpi=203',
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['x-label-count']).toBe('3');
    const zip = join(dir, 'units.zip');
    await writeFile(zip, res.rawPayload);
    const out = join(dir, 'units');
    execFileSync('unzip', ['-q', '-o', zip, '-d', out]);
    const names = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(names).toHaveLength(3);
    const decoded = names.flatMap((n) => zbar(join(out, n)));
    // Issuing order: the whole list, in the order the API lists them, is the reference.
    const all = await t.app.inject({
      url: `/api/v1/batches/${b.batchId}/codes?format=csv`,
      headers: { authorization: admin.authorization },
    });
    const issued = all.body
      .split('\n')
      .filter((l) => l.startsWith('unit,'))
      .map((l) => l.split(',')[1]!);
    expect(issued).toHaveLength(6);
    // One issuance chunk shares its time of issue, so issuing order is path order here, as in the CSV.
    expect([...decoded].sort()).toEqual(issued.slice(1, 4).sort());
    for (const n of names) expect(n).toMatch(new RegExp(`^${b.lot}-[0-9A-Za-z]{12}\\.png$`));
  });

  it('one unit code alone is one PNG file; SVG too', async () => {
    const b = await issuedBatch(2);
    const png = await labels(
      b,
      admin.authorization,
      '?codes=units&from=1&to=1&format=png&layout=roll-50x30&dpi=300',
    );
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const file = join(dir, 'one.png');
    await writeFile(file, png.rawPayload);
    const [url] = zbar(file);
    expect(b.unitUrls).toContain(url);
    const svg = await labels(b, admin.authorization, '?format=svg&layout=roll-50x40');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.body).toContain('<svg');
    expect(svg.body).toContain(b.batchCode.replace(/&/g, '&amp;'));
  });

  it('the units of one issuance job, in their own range', async () => {
    const b = await issuedBatch(3);
    const more = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${b.batchId}/codes`,
      headers: { authorization: admin.authorization },
      payload: { serials: 2 },
    });
    const job = more.json().units.job.id as string;
    const res = await labels(b, admin.authorization, `?codes=units&job=${job}&format=pdf&layout=roll-50x40`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-label-count']).toBe('2');
    expect(res.headers['x-label-pages']).toBe('2');
    const bad = await labels(b, admin.authorization, `?codes=units&job=${job}&from=2&to=3`);
    expect(bad.statusCode).toBe(409);
    expect(bad.json().code).toBe('no_codes_to_print');
  });

  it('another producer’s batch is a 404; an inspector is 403; anonymous 401; an officer sees their area only', async () => {
    const b = await issuedBatch();
    const other = await issuedBatch();
    expect((await labels(b, other.producer.authorization)).statusCode).toBe(404);
    const inspector = await createUser(t.app, 'inspector');
    expect((await labels(b, inspector.authorization)).statusCode).toBe(403);
    expect((await t.app.inject({ url: `/api/v1/batches/${b.batchId}/labels` })).statusCode).toBe(401);
    const here = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-ly-son' });
    const there = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-sa-huynh' });
    expect((await labels(b, here.authorization)).statusCode).toBe(200);
    expect((await labels(b, there.authorization)).statusCode).toBe(404);
    const missing = await t.app.inject({
      url: '/api/v1/batches/00000000-0000-4000-8000-000000000000/labels',
      headers: { authorization: admin.authorization },
    });
    expect(missing.statusCode).toBe(404);
  });

  it.each<[string, (b: CertifiedBatch) => Promise<unknown>, string]>([
    ['a recalled batch', (b) => recallBatch(t.app.db, b.batchId), 'batch_recalled'],
    [
      'a revoked certificate',
      (b) => revokeCertificate(t.app.db, b.certificateId, addDays(today(), -1)),
      'certificate_revoked',
    ],
    ['an expired certificate', (b) => expireCertificate(t.app.db, b.certificateId, 3), 'certificate_expired'],
    [
      'a batch made before the certificate',
      (b) =>
        t.app.db
          .updateTable('batches')
          .set({ produced_on: '2020-01-01', best_before: null })
          .where('id', '=', b.batchId)
          .execute(),
      'not_valid_on_production_date',
    ],
  ])('refuses labels for %s (409 labels_refused)', async (_what, spoil, reason) => {
    const b = await issuedBatch(1);
    await spoil(b);
    const res = await labels(b, b.producer.authorization);
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'labels_refused', reason });
    expect(res.json().detailVi).toBeTruthy();
  });

  it('refuses a label too small for the code at the dpi, with what it needs (422)', async () => {
    const b = await version9Batch();
    const res = await labels(
      b,
      b.producer.authorization,
      '?codes=units&format=png&layout=custom-30x20&dpi=203',
    );
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'label_does_not_fit', reason: 'qr_does_not_fit' });
    expect(res.json().detail).toMatch(/needs [\d.]+ mm/);
    const roll = await labels(
      b,
      b.producer.authorization,
      '?codes=units&format=png&layout=roll-50x30&dpi=203',
    );
    expect(roll.statusCode).toBe(422);
  });

  it.each(['roll-50x30', 'roll-40x30', 'roll-35x22'])(
    'refuses %s at 203 dpi in Vietnamese and English: the QR needs 30.5 mm; a 300-dpi printer or the 50×40 roll',
    async (layout) => {
      const b = await version9Batch();
      const res = await labels(
        b,
        b.producer.authorization,
        `?codes=units&format=pdf&layout=${layout}&dpi=203`,
      );
      expect(res.statusCode).toBe(422);
      const p = res.json();
      expect(p).toMatchObject({
        code: 'label_does_not_fit',
        reason: 'qr_does_not_fit',
        alternatives: { dpi: 300, layouts: ['roll-50x40'] },
      });
      expect(p.detailVi).toMatch(/^Mã này là QR phiên bản 9 \(53 mô-đun, 61 mô-đun kể cả vùng trống\)/);
      expect(p.detailVi).toMatch(/mỗi mô-đun ít nhất 4 điểm in \(0,50 mm\), nên mã QR cần 30,5 mm/);
      expect(p.detailVi).toMatch(
        /Nhãn sẽ vừa với máy in 300 dpi, hoặc cuộn nhãn 50 × 40 mm \(roll-50x40\)\.$/,
      );
      expect(p.detail).toMatch(/^This code is a version-9 QR \(53 modules, 61 with its quiet zone\)/);
      expect(p.detail).toMatch(/a module is at least 4 dots \(0\.50 mm\), so the QR needs 30\.5 mm/);
      expect(p.detail).toMatch(/It fits with a 300-dpi printer, or the 50 × 40 mm \(roll-50x40\) roll\.$/);
      // And at 300 dpi it prints.
      const ok = await labels(
        b,
        b.producer.authorization,
        `?codes=units&format=pdf&layout=${layout}&dpi=300`,
      );
      expect(ok.statusCode).toBe(200);
    },
  );

  it('lists which layouts fit at which dpi for the batch, before printing', async () => {
    const b = await version9Batch();
    const res = await t.app.inject({
      url: `/api/v1/batches/${b.batchId}/label-layouts`,
      headers: { authorization: b.producer.authorization },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(b.unitUrls).toContain(body.sample.url);
    expect(body.sample.qrVersion).toBe(9);
    const byId = Object.fromEntries(body.layouts.map((l: { id: string }) => [l.id, l]));
    expect(byId['roll-50x40'].fits).toEqual([203, 300, 600]);
    for (const id of ['roll-50x30', 'roll-40x30', 'roll-35x22']) {
      expect(byId[id].fits, id).toEqual([300, 600]);
      expect(byId[id].refused).toHaveLength(1);
      expect(byId[id].refused[0]).toMatchObject({
        dpi: 203,
        reason: 'qr_does_not_fit',
        alternatives: { dpi: 300, layouts: ['roll-50x40'] },
      });
      expect(byId[id].refused[0].detailVi).toMatch(/^Mã này là QR phiên bản/);
    }
    const other = await issuedBatch(0);
    const hidden = await t.app.inject({
      url: `/api/v1/batches/${b.batchId}/label-layouts`,
      headers: { authorization: other.producer.authorization },
    });
    expect(hidden.statusCode).toBe(404);
    const none = await makeCertifiedBatch(t.app.db);
    const empty = await t.app.inject({
      url: `/api/v1/batches/${none.batchId}/label-layouts`,
      headers: { authorization: admin.authorization },
    });
    expect(empty.json()).toMatchObject({ code: 'no_codes_to_print' });
  });

  it('400 for an unknown layout, a dpi that is not a printer’s, unknown parameters, mixed choices', async () => {
    const b = await issuedBatch(1);
    for (const q of [
      '?layout=a5-99x38',
      '?layout=custom-5x5',
      '?dpi=250',
      '?format=gif',
      '?colour=red',
      '?copies=3&codes=units',
      '?from=1',
    ]) {
      const res = await labels(b, admin.authorization, q);
      expect(res.statusCode, q).toBe(400);
    }
  });

  it('409 before any code is issued, and for a range past the last code; 422 over 10,000', async () => {
    const b = await makeCertifiedBatch(t.app.db);
    expect((await labels(b, admin.authorization)).json().code).toBe('no_codes_to_print');
    const c = await issuedBatch(2);
    expect((await labels(c, admin.authorization, '?codes=units&from=1&to=3')).json().code).toBe(
      'no_codes_to_print',
    );
    const many = await labels(c, admin.authorization, '?copies=10001');
    expect(many.statusCode).toBe(400);
    const big = await issuedBatch(0);
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${big.batchId}/codes`,
      headers: { authorization: admin.authorization },
      payload: { serials: 10_001 },
    });
    const tooMany = await labels(big, admin.authorization, '?codes=units');
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json()).toMatchObject({ code: 'too_many_labels' });
  });
});
