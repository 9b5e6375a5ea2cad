import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, batchScanLimit } from '@ocop/domain';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import {
  makeBatch,
  makeCertificate,
  makeProducer,
  makeProduct,
  today,
} from '../../../../test/helpers/factories.ts';

/** Scans of the seeded batch code (3 units): past the threshold, so it looks copied. */
const BATCH_CODE_SCANS = batchScanLimit(3) + 2;

type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let admin: User;
let officerLySon: User;
let officerSaHuynh: User;
let inspector: User;
let producer: User;
let otherProducer: User;
let productId: string;
let batchId: string;
const copied = '/01/08939990000026/10/CP-01/21/COPIEDSERIAL';
const quiet = '/01/08939990000026/10/CP-01/21/QUIETSERIAL1';
const batchPath = '/01/08939990000026/10/CP-01';
let reportId: string;

const device = (i: number) => createHash('sha256').update(`device-${i}`).digest('hex');

function get(user: User, url: string) {
  return t.app.inject({ method: 'GET', url, headers: { authorization: user.authorization } });
}
function send(user: User, method: 'POST' | 'PATCH' | 'PUT', url: string, payload: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: user.authorization },
    payload: payload as object,
  });
}

/** A code row as issuance writes it (its signature is not checked here: analytics read scans). */
async function insertCode(path: string, batch: string, kind: 'batch' | 'unit', serial: string | null) {
  const key = await t.app.db.selectFrom('signing_keys').select('kid').executeTakeFirstOrThrow();
  await t.app.db
    .insertInto('codes')
    .values({
      path,
      batch_id: batch,
      kind,
      serial,
      origin: 'http://localhost:3000',
      kid: key.kid,
      sig: 'B'.repeat(86),
    })
    .execute();
}

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.app.db;
  const p = await makeProducer(db, { admin_unit_id: 'qng-2025-ly-son' });
  const other = await makeProducer(db, { admin_unit_id: 'qng-2025-sa-huynh' });
  productId = (await makeProduct(db, { producer_id: p.id, gtin: '08939990000026', category_code: 'I.1.a' }))
    .id;
  await makeCertificate(db, productId, { stars: 5, decision_date: addDays(today(), -30) });
  // A 3★ product whose certificate runs out in 20 days (renewal due), and one revoked.
  const due = await makeProduct(db, { producer_id: p.id });
  await makeCertificate(db, due.id, { stars: 3, decision_date: addDays(addDays(today(), 20 - 365 * 3), 0) });
  const batch = await makeBatch(db, productId, { lot: 'CP-01', quantity: 3 });
  batchId = batch.id;
  for (const [path, kind, serial] of [
    [copied, 'unit', 'COPIEDSERIAL'],
    [quiet, 'unit', 'QUIETSERIAL1'],
    [batchPath, 'batch', null],
  ] as const) {
    await insertCode(path, batchId, kind, serial);
  }
  // The copied unit code: 7 devices in 4 areas within the hour; the quiet one: one device.
  const areas = ['Quảng Ngãi', 'Đà Nẵng', 'Hà Nội', 'TP Hồ Chí Minh'];
  for (let i = 0; i < 7; i++) {
    await db
      .insertInto('scans')
      .values({
        path: copied,
        verdict: i < 5 ? 'genuine' : 'suspected_copy',
        signed: true,
        device_hash: device(i),
        area: areas[i % 4]!,
      })
      .execute();
  }
  await db
    .insertInto('scans')
    .values({ path: quiet, verdict: 'genuine', signed: true, device_hash: device(99), area: 'Quảng Ngãi' })
    .execute();
  // The batch code, scanned far more often than the batch has units (3).
  for (let i = 0; i < BATCH_CODE_SCANS; i++) {
    await db
      .insertInto('scans')
      .values({
        path: batchPath,
        verdict: 'genuine',
        signed: true,
        device_hash: device(50 + i),
        area: 'Quảng Ngãi',
      })
      .execute();
  }
  const report = await db
    .insertInto('reports')
    .values({
      reason: 'fake',
      code: `http://localhost:3000${copied}?k=x&s=y`,
      product_id: productId,
      verdict: 'suspected_copy',
      place: 'Chợ Đà Nẵng',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  reportId = report.id;
  admin = await createUser(t.app, 'admin');
  officerLySon = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-ly-son' });
  officerSaHuynh = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-sa-huynh' });
  inspector = await createUser(t.app, 'inspector');
  producer = await createUser(t.app, 'producer', { producerId: p.id });
  otherProducer = await createUser(t.app, 'producer', { producerId: other.id });
});
afterAll(async () => t?.close());

describe('analytics', () => {
  it('shows the velocity, devices and areas of a code, its reports and its signals', async () => {
    const res = await get(
      inspector,
      `/api/v1/analytics/codes?code=${encodeURIComponent(`http://localhost:3000${copied}?k=x`)}`,
    );
    expect(res.statusCode).toBe(200);
    const a = res.json();
    expect(a).toMatchObject({ codePath: copied, issued: true, kind: 'unit', product: { id: productId } });
    expect(a.scans).toMatchObject({ total: 7, devices: 7, areas: 4, last24h: 7, maxPerHour: 7 });
    expect(a.scans.perDay).toHaveLength(30);
    expect(a.scans.perDay.at(-1)).toEqual({ day: today(), scans: 7 });
    expect(a.signals).toEqual(
      expect.arrayContaining(['many_devices', 'many_areas', 'verdict_suspected_copy']),
    );
    expect(a.reports).toHaveLength(1);
    expect(JSON.stringify(a)).not.toContain(device(0));
  });

  it('shows the scans of a batch to its producer, 404 to another', async () => {
    const own = await get(producer, `/api/v1/analytics/batches/${batchId}`);
    expect(own.statusCode).toBe(200);
    const b = own.json();
    expect(b.codes).toEqual({ batch: 1, units: 2, scanned: 3 });
    expect(b.scans.total).toBe(8 + BATCH_CODE_SCANS);
    expect(b.batchCodeScans).toBe(BATCH_CODE_SCANS);
    expect(b.topCodes.find((c: { path: string }) => c.path === copied)).toMatchObject({ devices: 7 });
    // Two unit codes issued: the batch code, scanned past batchScanLimit, is over-scanned.
    expect(b.topCodes.find((c: { path: string }) => c.path === batchPath).signals).toContain(
      'batch_overscanned',
    );
    expect((await get(otherProducer, `/api/v1/analytics/batches/${batchId}`)).statusCode).toBe(404);
  });

  it('measures a batch code against its quantity rounded up, as the verifier does (10.5 kg: 11 units)', async () => {
    const db = t.app.db;
    const batch = await makeBatch(db, productId, { lot: 'CP-FRAC', quantity: 10.5 });
    const path = '/01/08939990000026/10/CP-FRAC';
    await insertCode(path, batch.id, 'batch', null);
    try {
      const limit = batchScanLimit(11); // 33; rounding down would make it 30
      const scan = { path, verdict: 'genuine', signed: true, area: 'Quảng Ngãi' } as const;
      await db
        .insertInto('scans')
        .values(Array.from({ length: limit }, () => scan))
        .execute();
      const signalsOf = async () =>
        (await get(producer, `/api/v1/analytics/batches/${batch.id}`))
          .json()
          .topCodes.find((c: { path: string }) => c.path === path).signals as string[];
      const listed = async () =>
        (
          (await get(admin, '/api/v1/analytics/signals?limit=100')).json().codes as {
            codePath: string;
            signals: string[];
          }[]
        ).find((c) => c.codePath === path);
      expect(await signalsOf()).not.toContain('batch_overscanned');
      expect(await listed()).toBeUndefined();
      await db.insertInto('scans').values(scan).execute();
      expect(await signalsOf()).toContain('batch_overscanned');
      expect((await listed())?.signals).toContain('batch_overscanned');
    } finally {
      // The dashboard's counts below are of the fixture alone.
      await db.deleteFrom('scans').where('path', '=', path).execute();
      await db.deleteFrom('codes').where('path', '=', path).execute();
    }
  });

  it('lists the signals for the office, scoped by area', async () => {
    const res = await get(admin, '/api/v1/analytics/signals');
    expect(res.statusCode).toBe(200);
    const s = res.json();
    const paths = s.codes.map((c: { codePath: string }) => c.codePath);
    expect(paths).toContain(copied);
    expect(paths).toContain(batchPath);
    expect(paths).not.toContain(quiet);
    expect(s.reports.map((r: { id: string }) => r.id)).toContain(reportId);
    expect((await get(officerLySon, '/api/v1/analytics/signals')).json().codes.length).toBe(s.codes.length);
    expect((await get(officerSaHuynh, '/api/v1/analytics/signals')).json().codes).toHaveLength(0);
    expect((await get(inspector, '/api/v1/analytics/signals')).statusCode).toBe(403);
  });
});

describe('cases', () => {
  let caseId: string;

  it('opens a case from a signal with its report, then joins the same code', async () => {
    const res = await send(officerLySon, 'POST', '/api/v1/cases', {
      kind: 'suspected_copy',
      title: 'Mã bị sao chép — nhiều thiết bị',
      priority: 'high',
      code: copied,
      reportIds: [reportId],
      signals: { devices: 7, areas: 4 },
    });
    expect(res.statusCode).toBe(201);
    const d = res.json();
    caseId = d.case.id;
    expect(d.case).toMatchObject({
      status: 'open',
      priority: 'high',
      codePath: copied,
      product: { id: productId },
      batch: { lot: 'CP-01' },
      reports: 1,
    });
    expect(d.events.map((e: { action: string }) => e.action)).toEqual(['opened', 'linked']);
    const report = await t.app.db
      .selectFrom('reports')
      .select('status')
      .where('id', '=', reportId)
      .executeTakeFirstOrThrow();
    expect(report.status).toBe('in_review');

    const join = await send(admin, 'POST', '/api/v1/cases', {
      kind: 'other',
      title: 'again',
      code: copied,
      note: 'Thêm tín hiệu',
    });
    expect(join.statusCode).toBe(200);
    expect(join.json().case.id).toBe(caseId);
    // The report is in this case already; another case cannot take it.
    const other = await send(admin, 'POST', '/api/v1/cases', {
      kind: 'other',
      title: 'x',
      reportIds: [reportId],
    });
    expect(other.statusCode).toBe(409);
    // Signals now name the open case.
    const s = (await get(admin, '/api/v1/analytics/signals')).json();
    expect(s.codes.find((c: { codePath: string }) => c.codePath === copied).openCaseId).toBe(caseId);
    expect(s.reports.map((r: { id: string }) => r.id)).not.toContain(reportId);
  });

  it('follows a case up: investigating, assigned, notes, closed with a resolution, reopened', async () => {
    const upd = await send(officerLySon, 'PATCH', `/api/v1/cases/${caseId}`, {
      status: 'investigating',
      assignedTo: inspector.id,
    });
    expect(upd.statusCode).toBe(200);
    expect(upd.json().case).toMatchObject({ status: 'investigating', assignedTo: { id: inspector.id } });
    expect(
      (await send(admin, 'PATCH', `/api/v1/cases/${caseId}`, { assignedTo: producer.id })).statusCode,
    ).toBe(422);
    const note = await send(officerLySon, 'POST', `/api/v1/cases/${caseId}/notes`, {
      note: 'Đã liên hệ cơ sở sản xuất',
    });
    expect(note.statusCode).toBe(201);
    const closed = await send(officerLySon, 'POST', `/api/v1/cases/${caseId}/close`, {
      resolution: 'confirmed_counterfeit',
      note: 'Chuyển QLTT xử lý',
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().case).toMatchObject({ status: 'closed', resolution: 'confirmed_counterfeit' });
    const report = await t.app.db
      .selectFrom('reports')
      .select(['status', 'resolution'])
      .where('id', '=', reportId)
      .executeTakeFirstOrThrow();
    expect(report).toEqual({ status: 'closed', resolution: 'confirmed_counterfeit' });
    expect(
      (await send(officerLySon, 'POST', `/api/v1/cases/${caseId}/close`, { resolution: 'false_alarm' }))
        .statusCode,
    ).toBe(409);
    expect(
      (await send(officerLySon, 'PATCH', `/api/v1/cases/${caseId}`, { priority: 'low' })).statusCode,
    ).toBe(409);
    const reopened = await send(admin, 'POST', `/api/v1/cases/${caseId}/reopen`, {});
    expect(reopened.statusCode).toBe(200);
    expect(reopened.json().case.status).toBe('investigating');
    const actions = reopened.json().events.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['opened', 'linked', 'note', 'status', 'assigned', 'note', 'closed', 'reopened']);
  });

  it('lists the queue, open work first, and hides it from other areas and roles', async () => {
    await send(admin, 'POST', '/api/v1/cases', { kind: 'other', title: 'Việc thấp', priority: 'low' });
    const list = await get(officerLySon, '/api/v1/cases?status=active');
    expect(list.statusCode).toBe(200);
    expect(list.json().items[0].id).toBe(caseId);
    expect((await get(officerSaHuynh, `/api/v1/cases/${caseId}`)).statusCode).toBe(404);
    expect((await get(inspector, '/api/v1/cases')).statusCode).toBe(403);
    expect((await get(producer, '/api/v1/cases')).statusCode).toBe(403);
    expect(
      (
        await send(admin, 'POST', '/api/v1/cases', {
          kind: 'other',
          title: 'x',
          code: 'https://example.com/',
        })
      ).statusCode,
    ).toBe(422);
    expect(
      (await send(admin, 'POST', '/api/v1/cases', { kind: 'other', title: 'x', findingIds: [randomUUID()] }))
        .statusCode,
    ).toBe(422);
  });
});

describe('dashboard', () => {
  it('counts certified products, renewals due, scans and signals', async () => {
    const res = await get(admin, '/api/v1/dashboard');
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.totals.certifiedProducts).toBe(2);
    expect(d.byStars).toEqual([
      { stars: 3, products: 1 },
      { stars: 4, products: 0 },
      { stars: 5, products: 1 },
    ]);
    expect(d.byGroup[0]).toMatchObject({ code: 'I', products: 2 });
    expect(d.byArea[0]).toMatchObject({ id: 'qng-2025-ly-son', products: 2 });
    expect(d.expiring.within30).toBe(1);
    expect(d.expiring.items[0].daysLeft).toBeLessThanOrEqual(30);
    expect(d.scansPerDay).toHaveLength(30);
    expect(d.scansPerDay.at(-1)).toMatchObject({ day: today(), scans: 8 + BATCH_CODE_SCANS, problems: 2 });
    expect(d.signalsByArea.find((s: { area: string }) => s.area === 'Hà Nội')?.suspectedCopies).toBe(1);
    const other = (await get(officerSaHuynh, '/api/v1/dashboard')).json();
    expect(other.totals.certifiedProducts).toBe(0);
    expect(other.totals.scans30d).toBe(0);
  });

  it('measures the year’s targets, as data', async () => {
    const res = await get(admin, '/api/v1/targets?year=2024');
    expect(res.statusCode).toBe(200);
    const t2024 = res.json();
    expect(t2024.year).toBe(2024);
    expect(t2024.items.find((i: { metric: string }) => i.metric === 'new_certified_3_5')).toMatchObject({
      targetMin: 70,
      plan: 'Kế hoạch 69/KH-UBND',
    });
    const year = Number(today().slice(0, 4));
    const put = await send(admin, 'PUT', `/api/v1/targets/${year}/new_certified_3_5`, {
      plan: 'Kế hoạch thử nghiệm',
      targetMin: 10,
      labelVi: 'Sản phẩm 3–5 sao mới',
      labelEn: 'New 3–5★ products',
    });
    expect(put.statusCode).toBe(201);
    const item = put.json().items.find((i: { metric: string }) => i.metric === 'new_certified_3_5');
    expect(item.targetMin).toBe(10);
    expect(item.actual).toBeGreaterThanOrEqual(1);
    expect(
      (
        await send(officerLySon, 'PUT', `/api/v1/targets/${year}/x`, {
          plan: 'p',
          targetMin: 1,
          labelVi: 'a',
          labelEn: 'b',
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await send(admin, 'PUT', `/api/v1/targets/${year}/x`, {
          plan: 'p',
          targetMin: 5,
          targetMax: 1,
          labelVi: 'a',
          labelEn: 'b',
        })
      ).statusCode,
    ).toBe(422);
  });

  it('draws each chart as SVG with a title, escaping names', async () => {
    await t.app.db
      .insertInto('scans')
      .values({ path: copied, verdict: 'suspected_copy', signed: true, area: '<script>x</script>' })
      .execute();
    for (const chart of ['stars', 'groups', 'areas', 'expiring', 'scans', 'signals', 'targets']) {
      const res = await get(
        admin,
        `/api/v1/dashboard/charts/${chart}?lang=${chart === 'stars' ? 'en' : 'vi'}`,
      );
      expect(res.statusCode, chart).toBe(200);
      expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(res.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(res.body).toContain('<title id="t">');
      expect(res.body).not.toContain('<script');
      expect(res.body).not.toContain('style=');
    }
    expect((await get(admin, '/api/v1/dashboard/charts/signals')).body).toContain('&lt;script&gt;');
    expect((await get(admin, '/api/v1/dashboard/charts/pie')).statusCode).toBe(400);
    expect((await get(inspector, '/api/v1/dashboard')).statusCode).toBe(403);
  });
});
