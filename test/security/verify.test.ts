import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetention } from '../../api/src/jobs/retention.ts';
import { createUser } from '../helpers/app.ts';
import { makeBatch, makeCertificate, makeProduct } from '../helpers/factories.ts';
import { rng } from './fuzz.ts';
import { buildSecApp, type SecApp } from './support.ts';

/**
 * Verification under attack (issue 8 §1, §4, §6; reliability.md L01, L02, P01, L05/A08): per-client
 * limits that spoofed X-Forwarded-For does not evade, uniform answers to enumeration, never a 5xx
 * for any mutation of a real code, scans without IP or unconsented location, bounded issuance.
 */
let t: SecApp;
let admin: Awaited<ReturnType<typeof createUser>>;
let batchUrl = '';
let unitUrls: string[] = [];
let clientSeq = 0;

async function issue(app: FastifyInstance, serials: number): Promise<{ batch: string; units: string[] }> {
  const product = await makeProduct(app.db);
  await makeCertificate(app.db, product.id);
  const batch = await makeBatch(app.db, product.id);
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/batches/${batch.id}/codes`,
    headers: { authorization: admin.authorization },
    payload: { serials },
  });
  expect(res.statusCode).toBe(201);
  const body = res.json();
  return { batch: body.batchCode.url as string, units: body.units.urls as string[] };
}

/** Verify from a fresh client address (the rate limit is tested on its own below). */
function verify(
  app: FastifyInstance,
  payload: unknown,
  remoteAddress?: string,
  headers: Record<string, string> = {},
) {
  clientSeq += 1;
  return app.inject({
    method: 'POST',
    url: '/api/v1/verify',
    remoteAddress: remoteAddress ?? `100.64.${(clientSeq >> 8) & 255}.${clientSeq & 255}`,
    headers,
    payload: payload as Record<string, unknown>,
  });
}

beforeAll(async () => {
  t = await buildSecApp();
  admin = await createUser(t.app, 'admin');
  const issued = await issue(t.app, 5);
  batchUrl = issued.batch;
  unitUrls = issued.units;
}, 120_000);
afterAll(async () => t?.close());

describe('L01: verification is rate-limited per client address', () => {
  let direct: SecApp;
  let proxied: SecApp;
  const limits = { verifyRateLimit: { max: 5, timeWindow: 60_000 } };
  beforeAll(async () => {
    direct = await buildSecApp({}, limits);
    proxied = await buildSecApp({ trustedProxies: ['10.0.0.1'] }, limits);
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  it('a rotating, spoofed X-Forwarded-For from an untrusted peer does not evade the limit', async () => {
    const codes: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 8; i++) {
      const res = await verify(direct.app, { code: 'x' }, '198.51.100.50', {
        'x-forwarded-for': `203.0.113.${i}`,
      });
      codes.push(res.statusCode);
      if (res.statusCode === 429) retryAfter = String(res.headers['retry-after']);
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('behind a configured trusted proxy each forwarded client has its own budget', async () => {
    for (const client of ['198.51.100.61', '198.51.100.62']) {
      for (let i = 0; i < 5; i++) {
        const res = await verify(proxied.app, { code: 'x' }, '10.0.0.1', { 'x-forwarded-for': client });
        expect(res.statusCode).toBe(200);
      }
    }
    const sixth = await verify(proxied.app, { code: 'x' }, '10.0.0.1', {
      'x-forwarded-for': '198.51.100.61',
    });
    expect(sixth.statusCode).toBe(429);
    // A client cannot reset its budget by prepending addresses: the proxy-appended one counts.
    const spoofed = await verify(proxied.app, { code: 'x' }, '10.0.0.1', {
      'x-forwarded-for': '192.0.2.99, 198.51.100.62',
    });
    expect(spoofed.statusCode).toBe(429);
  });

  it('the default limit applies to verification without any configuration: 120 a minute per client', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 121; i++)
      codes.push((await verify(t.app, { code: 'x' }, '198.51.100.99')).statusCode);
    expect(codes.slice(0, 120).every((c) => c === 200)).toBe(true);
    expect(codes[120]).toBe(429);
  });
});

describe('L02: enumeration gets uniform answers', () => {
  it('random serials and signatures on the real origin: every answer 200 forged/unknown, same shape, nothing about the registry', async () => {
    const r = rng(8);
    const base = new URL(unitUrls[0]!);
    const shapes = new Set<string>();
    const verdicts = new Set<string>();
    for (let i = 0; i < 150; i++) {
      const serial = Array.from(
        { length: 12 },
        () => '0123456789ABCDEFGHJKMNPQRSTVWXYZ'[Math.floor(r() * 32)],
      ).join('');
      const url = new URL(base);
      url.pathname = url.pathname.replace(/\/21\/[^/]+$/, `/21/${serial}`);
      if (i % 3 === 0)
        url.search = url.search.replace(/s=[^&]+/, `s=${randomBytes(64).toString('base64url')}`);
      const res = await verify(t.app, { code: url.toString() });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      verdicts.add(body.verdict);
      expect(body.product).toBeNull();
      expect(body.producer).toBeNull();
      expect(body.batch).toBeNull();
      expect(body.scanHistory).toBeNull();
      shapes.add(Object.keys(body).sort().join(','));
    }
    expect([...verdicts].every((v) => v === 'forged' || v === 'unknown')).toBe(true);
    expect(shapes.size).toBe(1);
  });
});

describe('verification never answers 5xx', () => {
  it('for any mutation of a real code, text or body', async () => {
    const r = rng(77);
    const real = [batchUrl, ...unitUrls];
    const mutate = (s: string): string => {
      const i = Math.floor(r() * s.length);
      switch (Math.floor(r() * 9)) {
        case 0:
          return s.slice(0, i) + String.fromCharCode(32 + Math.floor(r() * 95)) + s.slice(i + 1);
        case 1:
          return s.slice(0, i);
        case 2:
          return s + s.slice(i);
        case 3:
          return s.replace(/s=[^&]*/, 's=');
        case 4:
          return s.replace(/k=[^&]*/, `k=${"' OR 1=1--"}`);
        case 5:
          return s.replace('https://', 'javascript://');
        case 6:
          return s.replace(/\/10\/[^/?]+/, `/10/${'%'.repeat(Math.floor(r() * 5))}`);
        case 7:
          return `  ${s.toUpperCase()}\n`;
        default:
          return s.replace(/s=([^&]*)/, (_m, sig: string) => `s=${sig}.${sig}.${sig}.${sig}`);
      }
    };
    const statuses: Record<number, number> = {};
    const samples = [
      ...Array.from({ length: 300 }, () => mutate(real[Math.floor(r() * real.length)]!)),
      '',
      'x'.repeat(4096),
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo',
      'a.b.c.d.e',
      '😀'.repeat(1000),
      '\u202E'.repeat(50),
    ];
    for (const code of samples) {
      const res = await verify(t.app, { code });
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      expect(res.statusCode, code.slice(0, 120)).toBeLessThan(500);
    }
    for (const body of [{ code: 1 }, { code: null }, { code: ['x'] }, {}, { code: 'x', deviceId: 'short' }]) {
      const res = await verify(t.app, body);
      expect(res.statusCode).toBe(400);
    }
    expect(statuses[200]).toBeGreaterThan(250);
  });

  it('a real code still verifies genuine', async () => {
    const res = await verify(t.app, { code: unitUrls[1] });
    expect(res.statusCode).toBe(200);
    expect(res.json().verdict).toBe('genuine');
  });
});

describe('P01: scan records hold no raw IP and no precise location without consent', () => {
  // Codes of their own: the fuzz above scans the shared ones.
  let fresh: string[] = [];
  beforeAll(async () => {
    fresh = (await issue(t.app, 2)).units;
  });

  it('stores a keyed device hash, never the IP, the device id or the user agent', async () => {
    const deviceId = `device-${randomBytes(8).toString('hex')}`;
    const ip = '203.0.113.177';
    const ua = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) ZaloBrowser/1.0';
    const res = await verify(t.app, { code: fresh[0], deviceId, area: 'Quảng Ngãi' }, ip, {
      'user-agent': ua,
    });
    expect(res.statusCode).toBe(200);
    const path = new URL(fresh[0]!).pathname;
    await t.app.verifyHot.scans.flush(); // scans are written in batches, a few ms later
    const rows = await sql<Record<string, unknown>>`select * from scans where path = ${path}`.execute(
      t.app.db,
    );
    expect(rows.rows.length).toBe(1);
    const row = rows.rows[0]!;
    const text = JSON.stringify(row);
    expect(text).not.toContain(ip);
    expect(text).not.toContain('203.0.113');
    expect(text).not.toContain(deviceId);
    expect(text).not.toContain('Pixel');
    expect(row.device_hash).toMatch(/^[0-9a-f]{64}$/);
    // Keyed: not the plain hash of the id, which anyone holding the id could recompute.
    expect(row.device_hash).not.toBe(createHash('sha256').update(deviceId).digest('hex'));
    expect(row).toMatchObject({
      lat: null,
      lng: null,
      location_consent: false,
      area: 'Quảng Ngãi',
      ua_class: 'android',
    });
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns
      where table_name = 'scans'`.execute(t.app.db);
    expect(columns.rows.map((c) => c.column_name).filter((c) => /ip|addr|agent/i.test(c))).toEqual([]);
  });

  it('a precise location without explicit consent is refused, with consent it is stored', async () => {
    for (const location of [
      { lat: 15.12, lng: 108.8 },
      { lat: 15.12, lng: 108.8, consent: false },
      { lat: 15.12, lng: 108.8, consent: 'yes' },
    ]) {
      const res = await verify(t.app, { code: fresh[1], location });
      expect(res.statusCode).toBe(400);
    }
    const path = new URL(fresh[1]!).pathname;
    const none = await sql<{ n: number }>`select count(*)::int as n from scans where path = ${path}`.execute(
      t.app.db,
    );
    expect(none.rows[0]!.n).toBe(0);
    const ok = await verify(t.app, {
      code: fresh[1],
      location: { lat: 15.123456, lng: 108.8, consent: true },
    });
    expect(ok.statusCode).toBe(200);
    await t.app.verifyHot.scans.flush();
    const rows = await sql<{ lat: string; location_consent: boolean }>`select lat, location_consent from scans
      where path = ${path}`.execute(t.app.db);
    expect(rows.rows).toEqual([{ lat: '15.12346', location_consent: true }]);
  });

  it('the retention job erases device hashes and positions of old scans, keeping the scan history', async () => {
    const path = new URL(fresh[1]!).pathname;
    await verify(t.app, { code: fresh[1], deviceId: 'another-device-0001' });
    await t.app.verifyHot.scans.flush();
    await sql`update scans set scanned_at = now() - interval '100 days' where path = ${path}`.execute(
      t.app.db,
    );
    const result = await runRetention(t.app.db, { scanDays: 90 });
    expect(result.scans).toBeGreaterThanOrEqual(2);
    const rows = await sql<{ device_hash: string | null; lat: string | null; verdict: string }>`
      select device_hash, lat, verdict from scans where path = ${path}`.execute(t.app.db);
    expect(rows.rows.length).toBe(2);
    expect(rows.rows.every((r) => r.device_hash === null && r.lat === null && r.verdict === 'genuine')).toBe(
      true,
    );
    const again = await verify(t.app, { code: fresh[1] });
    expect(again.json().scanHistory.count).toBe(3);
  });
});

describe('bounded issuance and pages (L05, A08, V08)', () => {
  it.each([100_001, 1_000_000, -1, 1.5, '10', [10], null])(
    'serials = %j is refused with 400',
    async (serials) => {
      const product = await makeProduct(t.app.db);
      await makeCertificate(t.app.db, product.id);
      const batch = await makeBatch(t.app.db, product.id);
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/batches/${batch.id}/codes`,
        headers: { authorization: admin.authorization },
        payload: { serials },
      });
      expect(res.statusCode).toBe(400);
      const { rows } = await sql<{
        n: number;
      }>`select count(*)::int as n from codes where batch_id = ${batch.id}`.execute(t.app.db);
      expect(rows[0]!.n).toBe(0);
    },
  );

  it.each([
    'limit=101',
    'limit=1000000',
    'limit=0',
    'offset=-1',
    'offset=100001',
    'limit=abc',
    'limit=1e309',
  ])('a list page with %s is refused with 400; limit=100 is served', async (query) => {
    const res = await t.app.inject({ url: `/api/v1/products?${query}` });
    expect(res.statusCode).toBe(400);
    const ok = await t.app.inject({ url: '/api/v1/products?limit=100' });
    expect(ok.statusCode).toBe(200);
  });
});
