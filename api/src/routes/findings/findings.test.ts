import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import { makeBatch, makeCertificate, makeProducer, makeProduct } from '../../../../test/helpers/factories.ts';
import { csvField } from './report.ts';

type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let inspector: User;
let inspector2: User;
let admin: User;
let officerLySon: User;
let officerSaHuynh: User;
let producer: User;
let productId: string;
let batchId: string;
let unitPath: string;
const session = randomUUID();

function finding(overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    sessionId: session,
    observedAt: new Date().toISOString(),
    code: `http://localhost:3000${unitPath}?k=abcdefgh&s=x`,
    verdict: 'genuine',
    verdictSource: 'online',
    certifiedStars: 4,
    printedStars: 4,
    outcome: 'compliant',
    place: 'Chợ Lý Sơn, sạp 3',
    adminUnitId: 'qng-2025-ly-son',
    note: 'Bày bán đúng quy định',
    ...overrides,
  };
}

function post(user: User, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/findings',
    headers: { authorization: user.authorization, ...headers },
    payload: payload as Record<string, unknown>,
  });
}

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.app.db;
  const p = await makeProducer(db, { admin_unit_id: 'qng-2025-ly-son' });
  productId = (await makeProduct(db, { producer_id: p.id, gtin: '08939990000019' })).id;
  await makeCertificate(db, productId, { stars: 4 });
  const batch = await makeBatch(db, productId, { lot: 'LS-01' });
  batchId = batch.id;
  const key = await db.selectFrom('signing_keys').select('kid').executeTakeFirstOrThrow();
  unitPath = '/01/08939990000019/10/LS-01/21/ABCDEF123456';
  await db
    .insertInto('codes')
    .values({
      path: unitPath,
      batch_id: batchId,
      kind: 'unit',
      serial: 'ABCDEF123456',
      origin: 'http://localhost:3000',
      kid: key.kid,
      sig: 'A'.repeat(86),
    })
    .execute();
  inspector = await createUser(t.app, 'inspector');
  inspector2 = await createUser(t.app, 'inspector');
  admin = await createUser(t.app, 'admin');
  officerLySon = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-ly-son' });
  officerSaHuynh = await createUser(t.app, 'officer', { adminUnitId: 'qng-2025-sa-huynh' });
  producer = await createUser(t.app, 'producer', { producerId: p.id });
});
afterAll(async () => t?.close());

describe('POST /api/v1/findings', () => {
  it('stores a finding once: the device-made id deduplicates retries', async () => {
    const f = finding();
    const first = await post(inspector, f, { 'idempotency-key': f.id });
    expect(first.statusCode).toBe(201);
    const body = first.json();
    expect(body).toMatchObject({
      id: f.id,
      codePath: unitPath,
      product: { id: productId },
      batch: { id: batchId, lot: 'LS-01' },
      starsMismatch: false,
      outcome: 'compliant',
      area: { id: 'qng-2025-ly-son' },
      caseId: null,
    });
    // The same request again (a retry after a lost answer), with and without the header.
    const again = await post(inspector, f, { 'idempotency-key': f.id });
    expect([200, 201]).toContain(again.statusCode);
    expect(again.json().id).toBe(f.id);
    const plain = await post(inspector, f);
    expect(plain.statusCode).toBe(200);
    const n = await t.app.db
      .selectFrom('findings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '=', f.id)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);
  });

  it('refuses another inspector reusing an id (409)', async () => {
    const f = finding();
    expect((await post(inspector, f)).statusCode).toBe(201);
    const res = await post(inspector2, f);
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('opens a case for a stars mismatch and joins it for the next finding on the same code', async () => {
    const a = await post(inspector, finding({ printedStars: 5, outcome: 'stars_mismatch' }));
    expect(a.statusCode).toBe(201);
    expect(a.json().starsMismatch).toBe(true);
    const caseId = a.json().caseId as string;
    expect(caseId).toMatch(/^[0-9a-f-]{36}$/);
    const b = await post(
      inspector2,
      finding({ verdict: 'suspected_copy', outcome: 'counterfeit_suspected' }),
    );
    expect(b.json().caseId).toBe(caseId);
    const c = await t.app.inject({
      method: 'GET',
      url: `/api/v1/cases/${caseId}`,
      headers: { authorization: admin.authorization },
    });
    expect(c.statusCode).toBe(200);
    expect(c.json().case).toMatchObject({
      kind: 'stars_mismatch',
      codePath: unitPath,
      findings: 2,
      status: 'open',
    });
    expect(c.json().findings).toHaveLength(2);
  });

  it('records a pack without a code', async () => {
    const res = await post(
      inspector,
      finding({ code: null, verdict: 'not_scanned', outcome: 'no_code', productId, certifiedStars: null }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ codePath: null, verdictSource: 'none', product: { id: productId } });
  });

  it('checks input and roles', async () => {
    expect((await post(inspector, { ...finding(), extra: 1 })).statusCode).toBe(400);
    expect((await post(inspector, finding({ verdict: 'great' }))).statusCode).toBe(400);
    expect((await post(inspector, finding({ printedStars: 7 }))).statusCode).toBe(400);
    expect((await post(inspector, finding({ adminUnitId: 'nowhere' }))).statusCode).toBe(422);
    expect((await post(inspector, finding({ latitude: 15.1 }))).statusCode).toBe(422);
    expect((await post(producer, finding())).statusCode).toBe(403);
    expect((await post(officerLySon, finding())).statusCode).toBe(403);
    const anon = await t.app.inject({ method: 'POST', url: '/api/v1/findings', payload: finding() });
    expect(anon.statusCode).toBe(401);
  });

  it('clamps a device clock far in the future to the time of arrival', async () => {
    const f = finding({ observedAt: new Date(Date.now() + 86_400_000).toISOString() });
    const res = await post(inspector, f);
    expect(res.statusCode).toBe(201);
    expect(Date.parse(res.json().observedAt)).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

describe('GET /api/v1/findings', () => {
  it('shows inspectors their own findings, officers their area, admins all', async () => {
    const mine = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings?sessionId=${session}&limit=100`,
      headers: { authorization: inspector2.authorization },
    });
    expect(mine.statusCode).toBe(200);
    expect(
      mine.json().items.every((f: { inspector: { id: string } }) => f.inspector.id === inspector2.id),
    ).toBe(true);
    const all = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings?sessionId=${session}&limit=100`,
      headers: { authorization: admin.authorization },
    });
    const total = all.json().total as number;
    expect(total).toBeGreaterThan(mine.json().total as number);
    const lySon = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings?limit=100`,
      headers: { authorization: officerLySon.authorization },
    });
    expect(lySon.json().total).toBe(total);
    const saHuynh = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings?limit=100`,
      headers: { authorization: officerSaHuynh.authorization },
    });
    expect(saHuynh.json().total).toBe(0);
    const prod = await t.app.inject({
      method: 'GET',
      url: '/api/v1/findings',
      headers: { authorization: producer.authorization },
    });
    expect(prod.statusCode).toBe(403);
  });

  it("answers 404 for another inspector's finding", async () => {
    const f = finding();
    await post(inspector, f);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings/${f.id}`,
      headers: { authorization: inspector2.authorization },
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('PUT /api/v1/findings/{id}/photos/{photoId}', () => {
  let findingId: string;
  beforeAll(async () => {
    const f = finding({ outcome: 'label_damaged' });
    findingId = f.id;
    await post(inspector, f);
  });

  it('re-encodes to WebP, turns it upright and strips EXIF and GPS', async () => {
    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#c0392b' } })
      .jpeg()
      .withMetadata({ orientation: 6, exif: { IFD0: { Make: 'PhoneCo', Copyright: 'secret' } } })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();
    const photoId = randomUUID();
    const url = `/api/v1/findings/${findingId}/photos/${photoId}`;
    const res = await t.app.inject({
      method: 'PUT',
      url,
      headers: { authorization: inspector.authorization, 'content-type': 'image/jpeg' },
      payload: jpeg,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: photoId, width: 300, height: 400, url });
    const again = await t.app.inject({
      method: 'PUT',
      url,
      headers: { authorization: inspector.authorization, 'content-type': 'image/jpeg' },
      payload: jpeg,
    });
    expect(again.statusCode).toBe(200);
    const got = await t.app.inject({
      method: 'GET',
      url,
      headers: { authorization: inspector.authorization },
    });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/webp');
    const meta = await sharp(got.rawPayload).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect([meta.width, meta.height]).toEqual([300, 400]);
    const f = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings/${findingId}`,
      headers: { authorization: inspector.authorization },
    });
    expect(f.json().photos).toHaveLength(1);
  });

  it('refuses what is not an image, oversized bodies, strangers and other types', async () => {
    const put = (user: User, body: Buffer, type = 'image/png') =>
      t.app.inject({
        method: 'PUT',
        url: `/api/v1/findings/${findingId}/photos/${randomUUID()}`,
        headers: { authorization: user.authorization, 'content-type': type },
        payload: body,
      });
    expect((await put(inspector, Buffer.from('not an image at all'))).statusCode).toBe(415);
    expect((await put(inspector, Buffer.from('GIF89a'), 'image/gif')).statusCode).toBe(415);
    expect((await put(inspector, Buffer.alloc(9 * 1024 * 1024, 1))).statusCode).toBe(413);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect((await put(inspector2, png)).statusCode).toBe(404);
    expect((await put(producer, png)).statusCode).toBe(403);
  });
});

describe('GET /api/v1/findings/report', () => {
  it('exports the session as CSV with a BOM, Vietnamese headers and no formula injection', async () => {
    await post(inspector, finding({ note: '=HYPERLINK("http://evil")', outcome: 'other' }));
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings/report?format=csv&sessionId=${session}`,
      headers: { authorization: inspector.authorization },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="bien-ban-kiem-tra-/);
    expect(res.body.charCodeAt(0)).toBe(0xfeff);
    expect(res.body).toContain('"Thời điểm"');
    expect(res.body).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(res.body).not.toMatch(/,"=HYPERLINK/);
    const lines = res.body.trim().split('\r\n');
    const own = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings?sessionId=${session}&limit=1`,
      headers: { authorization: inspector.authorization },
    });
    expect(lines).toHaveLength(1 + (own.json().total as number));
  });

  it('exports the session as a PDF', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings/report?format=pdf&sessionId=${session}&lang=en`,
      headers: { authorization: inspector.authorization },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(res.rawPayload.length).toBeGreaterThan(2000);
    // The fonts travel with the project: the Vietnamese text comes back out of the PDF whole.
    const vi = await t.app.inject({
      method: 'GET',
      url: `/api/v1/findings/report?format=pdf&sessionId=${session}`,
      headers: { authorization: inspector.authorization },
    });
    const text = spawnSync('pdftotext', ['-', '-'], { input: vi.rawPayload, encoding: 'utf8' });
    if (text.status === 0) {
      expect(text.stdout).toContain('BIÊN BẢN KIỂM TRA SẢN PHẨM OCOP');
      expect(text.stdout).toContain('Chợ Lý Sơn, sạp 3');
    }
  });

  it('needs a session or a period', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/findings/report?format=csv',
      headers: { authorization: inspector.authorization },
    });
    expect(res.statusCode).toBe(400);
  });

  it('quotes every CSV field', () => {
    expect(csvField('a"b')).toBe('"a""b"');
    expect(csvField('+1')).toBe(`"'+1"`);
    expect(csvField(null)).toBe('""');
  });
});
