import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as cryptoSign,
} from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import {
  CLONE_AREA_THRESHOLD,
  CLONE_DEVICE_THRESHOLD,
  VERDICTS,
  batchScanLimit,
  addDays,
  codeSigningInput,
  formatCodeUrl,
} from '@ocop/domain';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { createUser } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import {
  expireCertificate,
  makeCertifiedBatch,
  recallBatch,
  revokeCertificate,
  today,
} from '../../../../test/helpers/code-factories.ts';

let t: { app: FastifyInstance; db: TestDb };
let admin: Awaited<ReturnType<typeof createUser>>;
const ORIGIN = 'https://ocop.test';

beforeAll(async () => {
  const db = await createTestDb();
  // A generous per-client limit: these tests send hundreds of verifications from one address.
  const app = await buildApp(testConfig(), {
    db,
    limits: { verifyRateLimit: { max: 100_000, timeWindow: 60_000 } },
  });
  await app.ready();
  t = { app, db };
  admin = await createUser(t.app, 'admin');
});
afterAll(async () => {
  await t?.app.close();
  await t?.db.drop();
});

async function issued(serials = 1, o: Parameters<typeof makeCertifiedBatch>[1] = {}) {
  const b = await makeCertifiedBatch(t.app.db, o);
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/batches/${b.batchId}/codes`,
    headers: { authorization: admin.authorization },
    payload: { serials },
  });
  expect(res.statusCode).toBe(201);
  const body = res.json();
  return { ...b, batchUrl: body.batchCode.url as string, unitUrls: (body.units?.urls ?? []) as string[] };
}

/** Drops a test database whose handle was already closed (drop() would fail closing it again). */
async function dropClosed(d: TestDb): Promise<void> {
  try {
    await d.drop();
  } catch {
    if (!d.url) return;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${new URL(d.url).pathname.slice(1)} with (force)`);
    await admin.end();
  }
}

const verify = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/v1/verify', payload, headers });

describe('POST /api/v1/verify reaches every verdict', () => {
  it('genuine: with product, producer, certificate, batch, zones, events and scan history', async () => {
    const c = await issued(1);
    const zone = await t.app.db
      .insertInto('raw_material_zones')
      .values({
        scheme: 'VUNG_TRONG',
        code: `VN-QNG-LSO-${randomBytes(3).toString('hex')}-26`,
        issuer: 'Chi cục Trồng trọt và BVTV Quảng Ngãi',
        crop_or_species: 'Tỏi',
        valid_from: '2025-01-01',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.app.db.insertInto('batch_zones').values({ batch_id: c.batchId, zone_id: zone.id }).execute();
    await t.app.db
      .insertInto('batch_events')
      .values({
        batch_id: c.batchId,
        type: 'harvest',
        occurred_at: `${addDays(today(), -12)}T07:00:00+07:00`,
        place: 'Lý Sơn',
      })
      .execute();

    const res = await verify({ code: c.unitUrls[0], deviceId: 'phone-aaaaaaaa', area: 'Quảng Ngãi' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.verdict).toBe('genuine');
    expect(body.checks.every((x: { ok: boolean }) => x.ok)).toBe(true);
    expect(body.code).toMatchObject({ kind: 'unit', gtin: c.gtin, lot: c.lot });
    expect(body.product).toMatchObject({ id: c.productId, ref: c.publicRef, gtin: c.gtin });
    expect(body.producer).toMatchObject({ id: c.producerId, kind: 'HTX' });
    expect(body.certificate).toMatchObject({
      stars: 4,
      state: 'valid',
      madeWhileValid: true,
      level: 'province',
    });
    expect(body.batch).toMatchObject({ lot: c.lot, status: 'active' });
    expect(body.zones).toEqual([expect.objectContaining({ scheme: 'VUNG_TRONG', cropOrSpecies: 'Tỏi' })]);
    expect(body.zones[0].code).toMatch(/^VN-QNG-LSO-/);
    expect(body.events).toEqual([expect.objectContaining({ type: 'harvest', place: 'Lý Sơn' })]);
    expect(body.scanHistory).toMatchObject({ count: 1, devices: 1, areas: 1 });

    const again = (
      await verify({ code: c.unitUrls[0], deviceId: 'phone-aaaaaaaa', area: 'Quảng Ngãi' })
    ).json();
    expect(again.scanHistory).toMatchObject({
      count: 2,
      devices: 1,
      areas: 1,
      first: body.scanHistory.first,
    });
  });

  it('genuine past the best-before date, with a warning check', async () => {
    const c = await issued(0, { producedOn: addDays(today(), -60), bestBefore: addDays(today(), -1) });
    const body = (await verify({ code: c.batchUrl })).json();
    expect(body.verdict).toBe('genuine');
    expect(body.checks.find((x: { id: string }) => x.id === 'best_before')).toMatchObject({
      ok: false,
      warning: true,
    });
  });

  it('forged: an altered lot, serial or GTIN, or another signature', async () => {
    const c = await issued(1);
    for (const code of [
      c.unitUrls[0]!.replace(`/10/${c.lot}/`, `/10/${c.lot}X/`),
      c.unitUrls[0]!.replace(/\/21\/(.)/, (_m, ch: string) => `/21/${ch === 'A' ? 'B' : 'A'}`),
      c.batchUrl.replace(c.gtin!, '08938123456782'),
      c.batchUrl.replace(/s=.{10}/, 's=AAAAAAAAAA'),
    ]) {
      const body = (await verify({ code })).json();
      expect(body.verdict).toBe('forged');
      expect(body.product).toBeNull();
      expect(body.certificate).toBeNull();
    }
  });

  it('unknown: not a code of this system', async () => {
    for (const code of ['hello', 'https://example.com/01/08938123456782/10/L1', '', `${ORIGIN}/san-pham`]) {
      const res = await verify({ code });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ verdict: 'unknown', code: null, product: null });
    }
  });

  it('revoked_certificate', async () => {
    const c = await issued(0);
    await revokeCertificate(t.app.db, c.certificateId);
    const body = (await verify({ code: c.batchUrl })).json();
    expect(body.verdict).toBe('revoked_certificate');
    expect(body.certificate).toMatchObject({
      state: 'revoked',
      status: 'revoked',
      revocationReason: 'FOOD_SAFETY',
    });
  });

  it('recalled_batch', async () => {
    const c = await issued(1);
    await recallBatch(t.app.db, c.batchId);
    const body = (await verify({ code: c.unitUrls[0] })).json();
    expect(body.verdict).toBe('recalled_batch');
    expect(body.batch).toMatchObject({ status: 'recalled', recallReason: expect.any(String) });
  });

  it('expired_certificate, saying the batch was made while it was valid', async () => {
    const c = await issued(0, { producedOn: addDays(today(), -30) });
    await expireCertificate(t.app.db, c.certificateId, 3);
    const body = (await verify({ code: c.batchUrl })).json();
    expect(body.verdict).toBe('expired_certificate');
    expect(body.certificate).toMatchObject({ state: 'expired', madeWhileValid: true });
    expect(body.checks.find((x: { id: string }) => x.id === 'batch_made_while_valid')).toMatchObject({
      ok: true,
    });
  });

  it(`suspected_copy: one unit code on ${CLONE_DEVICE_THRESHOLD} devices`, async () => {
    const c = await issued(1);
    let body;
    for (let i = 0; i < CLONE_DEVICE_THRESHOLD; i++) {
      body = (await verify({ code: c.unitUrls[0], deviceId: `device-${i}-${c.batchId}` })).json();
      expect(body.verdict).toBe(i < CLONE_DEVICE_THRESHOLD - 1 ? 'genuine' : 'suspected_copy');
    }
    expect(body.checks.find((x: { id: string }) => x.id === 'copy_devices')).toMatchObject({
      ok: false,
      evidence: { devices: CLONE_DEVICE_THRESHOLD, threshold: CLONE_DEVICE_THRESHOLD },
    });
    expect(body.scanHistory).toMatchObject({
      count: CLONE_DEVICE_THRESHOLD,
      devices: CLONE_DEVICE_THRESHOLD,
    });
  });

  it(`suspected_copy: one unit code in ${CLONE_AREA_THRESHOLD} areas`, async () => {
    const c = await issued(1);
    const areas = ['Quảng Ngãi', 'Đà Nẵng', 'Hà Nội'];
    let verdict = '';
    for (const area of areas) verdict = (await verify({ code: c.unitUrls[0], area })).json().verdict;
    expect(verdict).toBe('suspected_copy');
  });

  it('suspected_copy: a batch code scanned far more often than the batch has units', async () => {
    const c = await issued(0, { quantity: 10, unit: 'hộp' });
    const limit = batchScanLimit(10);
    expect(limit).toBe(30);
    const verdicts = [];
    for (let i = 0; i < limit + 2; i++) verdicts.push((await verify({ code: c.batchUrl })).json().verdict);
    expect(verdicts.slice(0, limit).every((v) => v === 'genuine')).toBe(true);
    expect(verdicts.slice(limit)).toEqual(['suspected_copy', 'suspected_copy']);
  });

  it(
    'status_unknown: the signature verifies but the registry cannot be reached',
    { timeout: 120_000 },
    async () => {
      // An app of its own whose database goes away after a code was issued: keys stay in memory.
      const db2 = await createTestDb();
      const app2 = await buildApp(testConfig(), { db: db2 });
      await app2.ready();
      try {
        const admin2 = await createUser(app2, 'admin');
        const b = await makeCertifiedBatch(app2.db);
        const issuedRes = await app2.inject({
          method: 'POST',
          url: `/api/v1/batches/${b.batchId}/codes`,
          headers: { authorization: admin2.authorization },
          payload: {},
        });
        const code = issuedRes.json<{ batchCode: { url: string } }>().batchCode.url;
        expect(
          (await app2.inject({ method: 'POST', url: '/api/v1/verify', payload: { code } })).json().verdict,
        ).toBe('genuine');
        await db2.close();
        const res = await app2.inject({ method: 'POST', url: '/api/v1/verify', payload: { code } });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ verdict: 'status_unknown', product: null });
        // A forged code is still forged: the signature alone decides that.
        const forged = await app2.inject({
          method: 'POST',
          url: '/api/v1/verify',
          payload: { code: code.replace(/s=.{4}/, 's=AAAA') },
        });
        expect(forged.json().verdict).toBe('forged');
        // The JWKS is served from memory too.
        expect((await app2.inject({ url: '/.well-known/jwks.json' })).statusCode).toBe(200);
      } finally {
        await app2.close();
        await dropClosed(db2);
      }
    },
  );
});

describe('what a scan keeps in memory', () => {
  it("keeps a batch code's row, never a unit code's (read with its scans every time)", async () => {
    const c = await issued(3);
    const codes = t.app.verifyHot.registry.codes;
    const before = codes.size;
    for (const code of c.unitUrls) expect((await verify({ code })).json().verdict).toBe('genuine');
    expect(codes.size).toBe(before);
    expect((await verify({ code: c.batchUrl })).json().verdict).toBe('genuine');
    expect(codes.size).toBe(before + 1);
    // A unit code scanned again still sees its first scan: its row and history came from the database.
    const again = (await verify({ code: c.unitUrls[0]! })).json();
    expect(again.verdict).toBe('genuine');
    expect(again.scanHistory.count).toBe(2);
  });
});

describe('scans are recorded without IP address or unconsented location', () => {
  it('keeps a keyed hash of the device id, the area and a user-agent class only', async () => {
    const c = await issued(1);
    await verify(
      {
        code: c.unitUrls[0],
        deviceId: 'my-phone-123456',
        area: 'Lý Sơn',
        location: { lat: 15.38, lng: 109.12, consent: true },
      },
      { 'user-agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 8)', 'x-forwarded-for': '203.0.113.7' },
    );
    const path = new URL(c.unitUrls[0]!).pathname;
    await t.app.verifyHot.scans.flush(); // scans are written in batches, a few ms later
    const rows = await t.app.db.selectFrom('scans').selectAll().where('path', '=', path).execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      verdict: 'genuine',
      signed: true,
      area: 'Lý Sơn',
      ua_class: 'android',
      location_consent: true,
    });
    expect(row.device_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.device_hash).not.toContain('my-phone');
    expect(JSON.stringify(row)).not.toContain('203.0.113.7');
    expect(JSON.stringify(row)).not.toContain('127.0.0.1');
    // The hash is keyed: a plain SHA-256 or an HMAC under another key does not give it.
    expect(row.device_hash).not.toBe(createHmac('sha256', '').update('my-phone-123456').digest('hex'));
  });

  it('refuses a precise location without consent (400) and records none by default', async () => {
    const c = await issued(0);
    const res = await verify({ code: c.batchUrl, location: { lat: 15.38, lng: 109.12 } });
    expect(res.statusCode).toBe(400);
    const no = await verify({ code: c.batchUrl, location: { lat: 15.38, lng: 109.12, consent: false } });
    expect(no.statusCode).toBe(400);
    await verify({ code: c.batchUrl });
    await t.app.verifyHot.scans.flush();
    const rows = await t.app.db
      .selectFrom('scans')
      .selectAll()
      .where('path', '=', new URL(c.batchUrl).pathname)
      .execute();
    expect(rows.every((r) => r.lat === null && r.lng === null && !r.location_consent)).toBe(true);
  });

  it('records forged scans of our code shapes (for the counterfeit map), never as history of the real code', async () => {
    const c = await issued(1);
    const forged = c.unitUrls[0]!.replace(/s=.{4}/, 's=AAAA');
    for (let i = 0; i < CLONE_DEVICE_THRESHOLD + 1; i++)
      await verify({ code: forged, deviceId: `forger-device-${i}` });
    const path = new URL(c.unitUrls[0]!).pathname;
    await t.app.verifyHot.scans.flush();
    const rows = await t.app.db
      .selectFrom('scans')
      .select(['verdict', 'signed'])
      .where('path', '=', path)
      .execute();
    expect(rows.every((r) => r.verdict === 'forged' && !r.signed)).toBe(true);
    const real = (await verify({ code: c.unitUrls[0], deviceId: 'owner-device-1' })).json();
    expect(real.verdict).toBe('genuine');
    expect(real.scanHistory.count).toBe(1);
  });
});

describe('key lifecycle seen by the verifier', () => {
  it('a code signed by a retired key still verifies; after revocation with a later compromise time too; with an earlier one it is forged', async () => {
    const c = await issued(0);
    const rotate = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys/rotate',
      headers: { authorization: admin.authorization },
    });
    expect(rotate.statusCode).toBe(201);
    expect((await verify({ code: c.batchUrl })).json()).toMatchObject({
      verdict: 'genuine',
      key: { status: 'retired' },
    });

    const kid = rotate.json().retired.kid as string;
    const issuedAt = await t.app.db
      .selectFrom('codes')
      .select('issued_at')
      .where('batch_id', '=', c.batchId)
      .executeTakeFirstOrThrow();
    const after = new Date(new Date(issuedAt.issued_at).getTime() + 60_000).toISOString();
    const revoke = await t.app.inject({
      method: 'POST',
      url: `/api/v1/keys/${kid}/revoke`,
      headers: { authorization: admin.authorization },
      payload: { compromisedAt: after, reason: 'Máy chủ ký bị xâm nhập (thử nghiệm)' },
    });
    expect(revoke.statusCode).toBe(200);
    expect((await verify({ code: c.batchUrl })).json()).toMatchObject({
      verdict: 'genuine',
      key: { status: 'revoked' },
    });

    // The same key, compromised from before the code was issued: forged.
    await t.app.db
      .updateTable('signing_keys')
      .set({ compromised_at: new Date(new Date(issuedAt.issued_at).getTime() - 60_000) })
      .where('kid', '=', kid)
      .execute();
    await t.app.keys.all({ refresh: true });
    const body = (await verify({ code: c.batchUrl })).json();
    expect(body.verdict).toBe('forged');
    expect(body.checks.find((x: { id: string }) => x.id === 'key_status')).toMatchObject({ ok: false });
  });

  it('a key created by another process is found at once (unknown k triggers a re-read)', async () => {
    const c = await issued(0);
    // Simulate a rotation by the CLI: the app's cache does not know the new key yet.
    const { rotateKeys } = await import('../../plugins/keys.ts');
    await rotateKeys(t.app.db, t.app.secrets.keyEncryptionKey, null);
    await new Promise((r) => setTimeout(r, 5_100));
    const fresh = await makeCertifiedBatch(t.app.db);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${fresh.batchId}/codes`,
      headers: { authorization: admin.authorization },
      payload: {},
    });
    expect((await verify({ code: res.json().batchCode.url })).json().verdict).toBe('genuine');
    expect((await verify({ code: c.batchUrl })).json().verdict).toBe('genuine');
  });
});

describe('the token attacks of reliability.md, against POST /api/v1/verify', () => {
  let url: string;
  let canonical: string;
  let kid: string;
  let publicJwk: { kty: string; crv: string; x: string; y: string };
  beforeAll(async () => {
    const c = await issued(1);
    url = c.unitUrls[0]!;
    canonical = url.split('?')[0]!;
    const active = (await t.app.keys.all()).find((k) => k.status === 'active')!;
    kid = active.kid;
    publicJwk = active.publicJwk;
  });
  const sigOf = (u: string) => /s=([^&]*)/.exec(u)![1]!;
  const withSig = (u: string, b: Buffer) => u.replace(/s=[^&]*/, `s=${b.toString('base64url')}`);

  const attacks: [string, () => string][] = [
    ['alg none (empty signature)', () => url.replace(/s=[^&]*/, 's=')],
    [
      'HS256 keyed with our public key (PEM), over an HS256 header',
      () => {
        const pem = createPublicKey({ key: publicJwk, format: 'jwk' }).export({
          type: 'spki',
          format: 'pem',
        });
        const header = Buffer.from(`{"alg":"HS256","kid":"${kid}","typ":"ocop-code+jws"}`).toString(
          'base64url',
        );
        const input = `${header}.${Buffer.from(canonical).toString('base64url')}`;
        return withSig(url, createHmac('sha256', pem).update(input).digest());
      },
    ],
    [
      'HS256 keyed with our public JWK, over our exact signing input',
      () =>
        withSig(
          url,
          createHmac('sha256', JSON.stringify(publicJwk)).update(codeSigningInput(kid, canonical)).digest(),
        ),
    ],
    [
      'a foreign key signing under our kid',
      () => {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const sig = cryptoSign('sha256', Buffer.from(codeSigningInput(kid, canonical)), {
          key: privateKey,
          dsaEncoding: 'ieee-p1363',
        });
        return formatCodeUrl(canonical, kid, sig.toString('base64url'));
      },
    ],
    ['kid injection: path traversal', () => url.replace(/k=[^&]*/, 'k=../../etc/passwd')],
    ['kid injection: SQL', () => url.replace(/k=[^&]*/, "k='%20OR%201=1--")],
    ['kid injection: SQL of 8 characters', () => url.replace(/k=[^&]*/, "k='or'1'--")],
    [
      'jku/x5u/jwk parameters',
      () =>
        `${url}&jku=http://127.0.0.1:1/jwks&x5u=http://127.0.0.1:1/x&jwk=%7B%7D&alg=none`.replace(
          /s=.{3}/,
          's=AAA',
        ),
    ],
    ['altered GTIN', () => url.replace(/\/01\/\d{14}/, '/01/08938123456782')],
    ['altered lot', () => url.replace(/\/10\/[^/]+/, '/10/OTHERLOT')],
    ['altered serial', () => url.replace(/\/21\/[^?]+/, '/21/AAAAAAAAAAAA')],
    ['truncated signature', () => url.slice(0, -3)],
    ['padded signature', () => `${url}==`],
    [
      'DER-encoded signature',
      () =>
        withSig(
          url,
          Buffer.concat([
            Buffer.from([0x30, 0x44, 0x02, 0x20]),
            Buffer.from(sigOf(url), 'base64url').subarray(0, 32),
            Buffer.from([0x02, 0x20]),
            Buffer.from(sigOf(url), 'base64url').subarray(32),
          ]),
        ),
    ],
    ['r = s = 0', () => withSig(url, Buffer.alloc(64))],
    ['an unknown key reference', () => url.replace(/k=[^&]*/, 'k=ZZZZZZZZ')],
  ];

  it.each(attacks)('%s → 200 forged', async (_name, make) => {
    const res = await verify({ code: make() });
    expect(res.statusCode).toBe(200);
    expect(res.json().verdict).toBe('forged');
  });

  it('the untouched code is genuine (the table above starts from a good code)', async () => {
    expect((await verify({ code: url })).json().verdict).toBe('genuine');
  });

  it('never answers 5xx, whatever the text', async () => {
    const texts: string[] = [];
    const printable = () => {
      const n = Math.floor(Math.random() * 200);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCodePoint(0x20 + Math.floor(Math.random() * 0x2000));
      return s;
    };
    for (let i = 0; i < 150; i++) texts.push(printable());
    for (let i = 0; i < 150; i++) {
      const chars = [...url];
      const pos = Math.floor(Math.random() * chars.length);
      chars[pos] = String.fromCharCode(33 + Math.floor(Math.random() * 94));
      texts.push(chars.join(''));
    }
    texts.push(
      'x'.repeat(4096),
      `${ORIGIN}/01/${'9'.repeat(14)}/10/${'a'.repeat(300)}`,
      '%00',
      '\\',
      '{"code":1}',
    );
    const seen = new Set<string>();
    for (const code of texts) {
      const res = await verify({ code });
      expect(res.statusCode).toBe(200);
      const v = res.json().verdict as string;
      expect(VERDICTS).toContain(v);
      seen.add(v);
    }
    expect(seen.has('forged')).toBe(true);
    expect(seen.has('unknown')).toBe(true);
    for (const payload of [
      {},
      { code: 42 },
      { code: null },
      { code: 'x', extra: 1 },
      { code: 'x'.repeat(5000) },
    ]) {
      const res = await verify(payload);
      expect(res.statusCode).toBe(400);
    }
  });
});

describe('rate limit', () => {
  it('limits verifications per client (429 with Retry-After), never a 5xx', async () => {
    const small = await buildApp(testConfig(), {
      db: t.db,
      limits: { verifyRateLimit: { max: 3, timeWindow: 60_000 } },
    });
    await small.ready();
    try {
      const codes = [];
      for (let i = 0; i < 5; i++) {
        codes.push(
          (await small.inject({ method: 'POST', url: '/api/v1/verify', payload: { code: 'x' } })).statusCode,
        );
      }
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      const other = await small.inject({
        method: 'POST',
        url: '/api/v1/verify',
        payload: { code: 'x' },
        remoteAddress: '198.51.100.9',
      });
      expect(other.statusCode).toBe(200);
    } finally {
      await small.close();
    }
  });
});
