import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, parseCode } from '@ocop/domain';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import {
  expireCertificate,
  makeCertifiedBatch,
  recallBatch,
  revokeCertificate,
  today,
} from '../../../../test/helpers/code-factories.ts';

let t: TestApp;
let admin: Awaited<ReturnType<typeof createUser>>;
const ORIGIN = 'https://ocop.test';

beforeAll(async () => {
  t = await buildTestApp({ logLevel: 'error' });
  admin = await createUser(t.app, 'admin');
});
afterAll(async () => t?.close());

const issue = (
  batchId: string,
  authorization: string,
  payload: unknown = {},
  headers: Record<string, string> = {},
) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/batches/${batchId}/codes`,
    headers: { authorization, ...headers },
    payload: payload as Record<string, unknown>,
  });

describe('POST /api/v1/batches/{id}/codes', () => {
  it('issues the batch code and unit codes as signed GS1 Digital Link URLs', async () => {
    const b = await makeCertifiedBatch(t.app.db);
    const res = await issue(b.batchId, admin.authorization, { serials: 5 });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.batchCode.url).toMatch(
      new RegExp(`^${ORIGIN}/01/${b.gtin}/10/${b.lot}\\?k=[A-Za-z0-9_-]{8}&s=[A-Za-z0-9_-]{86}$`),
    );
    expect(body.batchCode).toMatchObject({ kind: 'batch', serial: null, path: `/01/${b.gtin}/10/${b.lot}` });
    expect(body.units.job).toMatchObject({ total: 5, done: 5, status: 'done' });
    expect(body.units.urls).toHaveLength(5);
    const serials = new Set<string>();
    for (const url of body.units.urls as string[]) {
      const p = parseCode(url, [ORIGIN]);
      expect(p.ok).toBe(true);
      if (p.ok) {
        expect(p.code).toMatchObject({ kind: 'unit', gtin: b.gtin, lot: b.lot });
        expect(p.code.serial).toMatch(/^[0-9A-Za-z]{12}$/);
        expect(p.code.keyRef).toBe(body.batchCode.kid.slice(0, 8));
        serials.add(p.code.serial!);
      }
    }
    expect(serials.size).toBe(5);
  });

  it('answers the same batch code again, and new unit codes on each request', async () => {
    const b = await makeCertifiedBatch(t.app.db);
    const first = (await issue(b.batchId, admin.authorization, { serials: 2 })).json();
    const again = await issue(b.batchId, admin.authorization, {});
    expect(again.statusCode).toBe(201);
    expect(again.json().batchCode).toEqual(first.batchCode);
    expect(again.json().units).toBeNull();
    const more = (await issue(b.batchId, admin.authorization, { serials: 2 })).json();
    expect(more.units.urls).toHaveLength(2);
    expect(more.units.urls).not.toEqual(first.units.urls);
    const list = await t.app.inject({
      url: `/api/v1/batches/${b.batchId}/codes`,
      headers: { authorization: admin.authorization },
    });
    expect(list.json()).toMatchObject({ unitCodes: 4, batchCode: first.batchCode });
    expect(list.json().jobs).toHaveLength(2);
  });

  it('uses the product’s public reference under /p/ when it has no GTIN', async () => {
    const b = await makeCertifiedBatch(t.app.db, { gtin: null });
    expect(b.publicRef).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    const body = (await issue(b.batchId, admin.authorization, { serials: 1 })).json();
    expect(body.batchCode.path).toBe(`/p/${b.publicRef}/10/${b.lot}`);
    expect(body.units.urls[0]).toContain(`${ORIGIN}/p/${b.publicRef}/10/${b.lot}/21/`);
  });

  it('replays the first answer for a retried Idempotency-Key, and refuses the key with another body', async () => {
    const b = await makeCertifiedBatch(t.app.db);
    const key = `issue-${b.batchId}`;
    const first = await issue(b.batchId, admin.authorization, { serials: 3 }, { 'idempotency-key': key });
    const retry = await issue(b.batchId, admin.authorization, { serials: 3 }, { 'idempotency-key': key });
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    const other = await issue(b.batchId, admin.authorization, { serials: 4 }, { 'idempotency-key': key });
    expect(other.statusCode).toBe(422);
    const list = await t.app.inject({
      url: `/api/v1/batches/${b.batchId}/codes`,
      headers: { authorization: admin.authorization },
    });
    expect(list.json().unitCodes).toBe(3);
  });

  it.each<[string, (b: Awaited<ReturnType<typeof makeCertifiedBatch>>) => Promise<unknown>, string]>([
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
    [
      'a production date in the future',
      (b) =>
        t.app.db
          .updateTable('batches')
          .set({ produced_on: addDays(today(), 2), best_before: null })
          .where('id', '=', b.batchId)
          .execute(),
      'produced_in_future',
    ],
    [
      'a product without certificate',
      (b) => t.app.db.deleteFrom('certificates').where('id', '=', b.certificateId).execute(),
      'no_certificate',
    ],
  ])('refuses %s with 409 and the reason', async (_name, spoil, reason) => {
    const b = await makeCertifiedBatch(t.app.db);
    await spoil(b);
    const res = await issue(b.batchId, admin.authorization, { serials: 1 });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'issuance_refused', reason });
    expect(res.json().detailVi).toMatch(/./);
    const n = await t.app.db.selectFrom('codes').select('path').where('batch_id', '=', b.batchId).execute();
    expect(n).toHaveLength(0);
  });

  it('lets a producer issue for its own batches only (another producer’s batch is 404)', async () => {
    const mine = await makeCertifiedBatch(t.app.db);
    const theirs = await makeCertifiedBatch(t.app.db);
    const producer = await createUser(t.app, 'producer', { producerId: mine.producerId });
    expect((await issue(mine.batchId, producer.authorization, { serials: 1 })).statusCode).toBe(201);
    const other = await issue(theirs.batchId, producer.authorization, { serials: 1 });
    expect(other.statusCode).toBe(404);
    const csv = await t.app.inject({
      url: `/api/v1/batches/${theirs.batchId}/codes?format=csv`,
      headers: { authorization: producer.authorization },
    });
    expect(csv.statusCode).toBe(404);
  });

  it('lets an officer issue inside their area only; inspectors 403; anonymous 401', async () => {
    const inLySon = await makeCertifiedBatch(t.app.db, { producerUnitId: 'qng-2025-ly-son' });
    const officer = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-ly-son' });
    expect((await issue(inLySon.batchId, officer.authorization)).statusCode).toBe(201);
    const elsewhere = await t.app.db
      .selectFrom('admin_units')
      .select('id')
      .where('level', '=', 'commune')
      .where('id', '<>', 'qng-2025-ly-son')
      .where('valid_to', 'is', null)
      .executeTakeFirstOrThrow();
    const outside = await makeCertifiedBatch(t.app.db, { producerUnitId: elsewhere.id });
    expect((await issue(outside.batchId, officer.authorization)).statusCode).toBe(404);
    const inspector = await createUser(t.app, 'inspector');
    expect((await issue(inLySon.batchId, inspector.authorization)).statusCode).toBe(403);
    const anon = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${inLySon.batchId}/codes`,
      payload: {},
    });
    expect(anon.statusCode).toBe(401);
  });

  it.each([
    [{ serials: -1 }],
    [{ serials: 100_001 }],
    [{ serials: 1.5 }],
    [{ serials: '3' }],
    [{ serials: 1, extra: true }],
  ])('rejects %j with 400', async (payload) => {
    const b = await makeCertifiedBatch(t.app.db);
    const res = await issue(b.batchId, admin.authorization, payload);
    expect(res.statusCode).toBe(400);
  });

  it('answers 404 for an unknown batch', async () => {
    const res = await issue('00000000-0000-4000-8000-000000000000', admin.authorization, {});
    expect(res.statusCode).toBe(404);
  });
});

describe('large jobs: CSV and progress', () => {
  it('links more than 1,000 unit codes to a streamed CSV and reports the job’s progress', async () => {
    const b = await makeCertifiedBatch(t.app.db, { gtin: null });
    const res = await issue(b.batchId, admin.authorization, { serials: 2500 });
    expect(res.statusCode).toBe(201);
    const { units, batchCode } = res.json();
    expect(units.urls).toBeNull();
    expect(units.job).toMatchObject({ total: 2500, done: 2500, status: 'done' });
    const job = await t.app.inject({
      url: `/api/v1/batches/${b.batchId}/codes/jobs/${units.job.id}`,
      headers: { authorization: admin.authorization },
    });
    expect(job.json()).toMatchObject({ total: 2500, done: 2500, status: 'done' });

    const csv = await t.app.inject({ url: units.job.csv, headers: { authorization: admin.authorization } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain(`attachment; filename="ocop-codes-${b.lot}-`);
    const lines = csv.body.trimEnd().split('\n');
    expect(lines[0]).toBe('kind,url,serial,issued_at,kid');
    expect(lines).toHaveLength(2501);
    const urls = new Set(lines.slice(1).map((l) => l.split(',')[1]));
    expect(urls.size).toBe(2500);
    for (const l of lines.slice(1, 20)) {
      const [kind, url, serial] = l.split(',');
      expect(kind).toBe('unit');
      expect(url).toContain(`/21/${serial}?k=`);
    }
    const all = await t.app.inject({
      url: `/api/v1/batches/${b.batchId}/codes?format=csv`,
      headers: { authorization: admin.authorization },
    });
    const allLines = all.body.trimEnd().split('\n');
    expect(allLines).toHaveLength(2502);
    expect(allLines.some((l) => l.startsWith(`batch,${batchCode.url},`))).toBe(true);
  });

  it('rejects an unknown job and an unknown format', async () => {
    const b = await makeCertifiedBatch(t.app.db);
    const unknownJob = await t.app.inject({
      url: `/api/v1/batches/${b.batchId}/codes?format=csv&job=00000000-0000-4000-8000-000000000000`,
      headers: { authorization: admin.authorization },
    });
    expect(unknownJob.statusCode).toBe(404);
    const badFormat = await t.app.inject({
      url: `/api/v1/batches/${b.batchId}/codes?format=xlsx`,
      headers: { authorization: admin.authorization },
    });
    expect(badFormat.statusCode).toBe(400);
  });
});
