import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { batchScanLimit, type EcPublicJwk } from '@ocop/domain';
import { BatchScanCounts, es256Verifier } from './hot.ts';
import { answerJson } from './index.ts';
import { insertScans, uaClass, type ScanRecord } from './queries.ts';
import { SignatureWorkers } from './signature-workers.ts';
import { buildApp } from '../../app.ts';
import { testConfig } from '../../config.ts';
import { createUser } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import {
  makeCertifiedBatch,
  recallBatch,
  revokeCertificate,
} from '../../../../test/helpers/code-factories.ts';

/**
 * The verification's hot state (hot.ts): cached registry state must never outlive a change,
 * whoever made it, and scans written in batches must not be lost or missed by the history.
 */
let t: { app: FastifyInstance; db: TestDb };
let admin: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  const db = await createTestDb();
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

async function issued(serials = 0) {
  const b = await makeCertifiedBatch(t.app.db, { quantity: 1000 });
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

/** The batch code of a new batch of `quantity` boxes, issued without unit codes. */
async function batchCodeOf(quantity: number): Promise<string> {
  const b = await makeCertifiedBatch(t.app.db, { quantity, unit: 'hộp' });
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/batches/${b.batchId}/codes`,
    headers: { authorization: admin.authorization },
    payload: {},
  });
  expect(res.statusCode).toBe(201);
  return res.json().batchCode.url as string;
}

interface Answer {
  verdict: string;
  checks: { id: string; evidence?: Record<string, unknown> }[];
  scanHistory: Record<string, unknown> | null;
  checkedAt: string;
}

const verify = async (payload: Record<string, unknown>): Promise<Answer> => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/verify', payload });
  expect(res.statusCode).toBe(200);
  return res.json<Answer>();
};

/** Verifies until the verdict is `want` (the notification arrives asynchronously); returns the ms it took. */
async function until(code: string, want: string, withinMs = 3_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const { verdict } = await verify({ code });
    if (verdict === want) return Date.now() - started;
    if (Date.now() - started > withinMs)
      throw new Error(`still ${verdict} after ${withinMs} ms, want ${want}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cached registry state follows every change', () => {
  it('keeps a batch record after the first scan', async () => {
    const c = await issued();
    expect((await verify({ code: c.batchUrl })).verdict).toBe('genuine');
    expect(t.app.verifyHot.registry.watch.live).toBe(true);
    expect(t.app.verifyHot.registry.batch(c.batchId)).toMatchObject({ batch: { id: c.batchId } });
  });

  it('a revocation written straight to the database (another process, the CLI, SQL) reaches the next scans', async () => {
    const c = await issued();
    expect((await verify({ code: c.batchUrl })).verdict).toBe('genuine');
    await revokeCertificate(t.app.db, c.certificateId);
    const ms = await until(c.batchUrl, 'revoked_certificate');
    console.log(`[hot] revocation by SQL seen after ${ms} ms (${t.db.url ? 'PostgreSQL' : 'PGlite'})`);
    expect(ms).toBeLessThan(3_000);
  });

  it('a recall written straight to the database reaches the next scans', async () => {
    const c = await issued(1);
    expect((await verify({ code: c.unitUrls[0] })).verdict).toBe('genuine');
    await recallBatch(t.app.db, c.batchId);
    await until(c.unitUrls[0]!, 'recalled_batch');
  });

  it('a recall through this process is seen by the very next scan, before any notification', async () => {
    const c = await issued();
    expect((await verify({ code: c.batchUrl })).verdict).toBe('genuine');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${c.batchId}/recall`,
      headers: { authorization: admin.authorization },
      payload: { reason: 'Thử nghiệm thu hồi' },
    });
    expect(res.statusCode).toBe(200);
    expect((await verify({ code: c.batchUrl })).verdict).toBe('recalled_batch');
  });

  it('a read that began before a change is not kept', async () => {
    const c = await issued();
    const hot = t.app.verifyHot.registry;
    const before = hot.generation;
    const stale = { units: 1 } as unknown as Parameters<typeof hot.keepBatch>[1];
    hot.changed();
    hot.keepBatch(c.batchId, stale, before);
    expect(hot.batch(c.batchId)).toBeUndefined();
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'PostgreSQL: when the notification link drops, nothing cached is trusted and it comes back',
    async () => {
      const c = await issued();
      expect((await verify({ code: c.batchUrl })).verdict).toBe('genuine');
      const watch = t.app.verifyHot.registry.watch;
      expect(watch.live).toBe(true);
      // Cut the watch's connection, then change the registry while nobody listens.
      const admin = new pg.Client({ connectionString: t.db.url });
      await admin.connect();
      try {
        const killed = await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
           where application_name = 'ocop-trace registry watch' and datname = current_database()`,
        );
        expect(killed.rowCount).toBeGreaterThanOrEqual(1);
        await admin.query(
          `update batches set status = 'recalled', recalled_at = now(), recall_reason = 'x'
          where id = $1`,
          [c.batchId],
        );
      } finally {
        await admin.end();
      }
      await until(c.batchUrl, 'recalled_batch');
      // It reconnects and caches again.
      const started = Date.now();
      while (!watch.live && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
      expect(watch.live).toBe(true);
    },
  );
});

describe('scans written in batches', () => {
  it('a scan not written yet still counts in the history of its code', async () => {
    const c = await issued(1);
    const code = c.unitUrls[0]!;
    const first = await verify({ code, deviceId: 'device-aaaaaaaa', area: 'Sơn Tịnh' });
    const second = await verify({ code, deviceId: 'device-bbbbbbbb', area: 'Lý Sơn' });
    expect(first.scanHistory).toMatchObject({ count: 1, devices: 1, areas: 1 });
    expect(second.scanHistory).toMatchObject({ count: 2, devices: 2, areas: 2 });
  });

  it('unit codes looked up together each get their own row and history', async () => {
    const c = await issued(5);
    // Code i scanned i times before, from one device in one area.
    for (const [i, code] of c.unitUrls.entries()) {
      for (let k = 0; k < i; k++) await verify({ code, deviceId: 'device-before-0001', area: 'Sơn Tịnh' });
    }
    await t.app.verifyHot.scans.flush();
    // Then all at once (one statement on PostgreSQL), the first code twice, from new and old devices.
    const asked = [...c.unitUrls.map((code, i) => ({ code, i })), { code: c.unitUrls[0]!, i: 0 }];
    const answers = await Promise.all(
      asked.map(({ code, i }) =>
        verify({ code, deviceId: i % 2 ? 'device-before-0001' : `device-new-${i}-x`, area: 'Sơn Tịnh' }),
      ),
    );
    for (const [k, { code, i }] of asked.entries()) {
      const a = answers[k]! as Answer & { code: { url: string } };
      expect(a.verdict).toBe('genuine');
      expect(a.code.url).toBe(code.split('?')[0]);
      if (i === 0) {
        // Scanned twice at once: the second may or may not see the first.
        expect([1, 2]).toContain(a.scanHistory?.count);
        continue;
      }
      expect(a.scanHistory?.count).toBe(i + 1);
      // A device or an area seen before is not counted again.
      expect(a.scanHistory?.devices).toBe(i % 2 ? 1 : 2);
      expect(a.scanHistory?.areas).toBe(1);
    }
  });

  it('scans wait while the database refuses them and are written, once each, when it takes them again', async () => {
    const c = await issued(1);
    const path = new URL(c.unitUrls[0]!).pathname;
    const log = t.app.verifyHot.scans;
    await log.flush();
    // The database refuses every new scan for a while (a real failure of the real INSERT).
    await sql`alter table scans add constraint scans_refuse_test check (false) not valid`.execute(t.app.db);
    try {
      for (let i = 0; i < 5; i++) await verify({ code: c.batchUrl, deviceId: `offline-device-${i}` });
      await log.flush();
      expect(log.pending).toBeGreaterThanOrEqual(5);
    } finally {
      await sql`alter table scans drop constraint scans_refuse_test`.execute(t.app.db);
    }
    await log.flush();
    expect(log.pending).toBe(0);
    const batchPath = new URL(c.batchUrl).pathname;
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from scans where path = ${batchPath}`.execute(t.app.db);
    expect(rows[0]!.n).toBe(5);
    expect(path).toContain('/21/');
  });

  it('stores a coarse class of the client, the same however often its User-Agent is seen', () => {
    const agents: [string | undefined, string | null][] = [
      [undefined, null],
      ['', null],
      [
        'Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 Chrome/125.0 Mobile Safari/537.36',
        'android',
      ],
      ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148', 'ios'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0', 'desktop'],
      ['Googlebot/2.1 (+http://www.google.com/bot.html)', 'bot'],
      ['Zalo/24.1', 'other'],
    ];
    // More distinct agents than are remembered, then the known ones again.
    for (let i = 0; i < 600; i++) expect(uaClass(`curl/${i}`)).toBe('bot');
    for (let round = 0; round < 3; round++) {
      for (const [ua, cls] of agents) expect([ua, uaClass(ua)]).toEqual([ua, cls]);
    }
  });

  it('stores every field of a scan as it was given, whatever its text', async () => {
    const path = `/test/${Date.now()}/a"b\\c,{d} NULL`;
    const at = (iso: string) => new Date(iso);
    const scans: ScanRecord[] = [
      ['Sơn Tịnh', null, null, 'android', at('2026-11-29T19:40:01.000Z')],
      [
        'say "hi", \\ {x} 🍵',
        'a'.repeat(64),
        { lat: -12.34567, lng: 108.5 },
        null,
        at('2026-11-29T19:40:01.999Z'),
      ],
      ['NULL', null, { lat: 15.12, lng: -0.00001 }, 'bot', at('1969-12-31T23:59:59.007Z')],
      [null, '0123456789abcdef'.repeat(4), null, 'other', at('2026-01-01T00:00:00.050Z')],
    ].map(([area, deviceHash, location, ua, scannedAt], i) => ({
      path,
      verdict: i % 2 ? 'forged' : 'genuine',
      signed: i % 2 === 0,
      deviceHash: deviceHash as string | null,
      area: area as string | null,
      location: location as { lat: number; lng: number } | null,
      uaClass: ua as ScanRecord['uaClass'],
      scannedAt: scannedAt as Date,
    }));
    await insertScans(t.app.dbHandle, scans);
    const { rows } = await sql<Record<string, unknown>>`select id, verdict, signed, device_hash, area,
      location_consent, lat::float8 as lat, lng::float8 as lng, ua_class, scanned_at
      from scans where path = ${path} order by scanned_at`.execute(t.app.db);
    const byTime = [...scans].sort((a, b) => a.scannedAt.getTime() - b.scannedAt.getTime());
    expect(
      rows.map(({ id: _, ...r }) => ({ ...r, scanned_at: new Date(r.scanned_at as string).toISOString() })),
    ).toEqual(
      byTime.map((s) => ({
        verdict: s.verdict,
        signed: s.signed,
        device_hash: s.deviceHash,
        area: s.area,
        location_consent: s.location !== null,
        lat: s.location?.lat ?? null,
        lng: s.location?.lng ?? null,
        ua_class: s.uaClass,
        scanned_at: s.scannedAt.toISOString(),
      })),
    );
    // Each row its own id.
    expect(new Set(rows.map((r) => r.id)).size).toBe(scans.length);
  });

  it('counts batch-code scans in memory after one read, and keeps counting across flushes', async () => {
    const c = await issued();
    for (let i = 0; i < 3; i++) await verify({ code: c.batchUrl });
    await t.app.verifyHot.scans.flush();
    const batchPath = new URL(c.batchUrl).pathname;
    expect(t.app.verifyHot.batchCounts.get(batchPath, Number.POSITIVE_INFINITY)).toBe(3);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from scans where path = ${batchPath}`.execute(t.app.db);
    expect(rows[0]!.n).toBe(3);
  });
});

describe('BatchScanCounts', () => {
  // The clock is the test's: what is forgotten when does not depend on the machine's speed.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('forgets a count below its cap after the time to live, and keeps counting until then', () => {
    const counts = new BatchScanCounts(30);
    counts.set('/b', 5, 61);
    counts.add('/b');
    vi.advanceTimersByTime(30);
    expect(counts.get('/b', 61)).toBe(6);
    vi.advanceTimersByTime(1);
    expect(counts.get('/b', 61)).toBeUndefined();
  });

  it('keeps a count that reached its cap (past the limit for good) for that cap or a smaller one', () => {
    const counts = new BatchScanCounts(30);
    counts.set('/b', 61, 61);
    counts.add('/b');
    vi.advanceTimersByTime(60_000);
    expect(counts.get('/b', 61)).toBe(62);
    expect(counts.get('/b', 21)).toBe(62);
    // More unit codes issued since: a larger cap asks the database again.
    expect(counts.get('/b', 301)).toBeUndefined();
  });

  it("keeps a count that this process's own scans took to its cap since it was read", () => {
    const counts = new BatchScanCounts(30);
    counts.set('/b', 59, 61);
    counts.add('/b');
    vi.advanceTimersByTime(31);
    // Still below the cap: forgotten after the time to live, as any count.
    expect(counts.get('/b', 61)).toBeUndefined();
    counts.set('/b', 60, 61);
    counts.add('/b');
    vi.advanceTimersByTime(60_000);
    expect(counts.get('/b', 61)).toBe(61);
    expect(counts.get('/b', 62)).toBeUndefined();
  });

  it('answers a count past its time to live as stale (to read again), never one cut at a smaller cap', () => {
    const counts = new BatchScanCounts(30);
    counts.set('/b', 5, 61);
    expect(counts.lookup('/b', 61)).toEqual({ count: 5, stale: false });
    vi.advanceTimersByTime(31);
    expect(counts.get('/b', 61)).toBeUndefined();
    expect(counts.lookup('/b', 61)).toEqual({ count: 5, stale: true });
    // Read with a cap of 21 and cut there: a larger cap must wait for the database.
    counts.set('/c', 21, 21);
    expect(counts.lookup('/c', 301)).toBeUndefined();
    expect(counts.lookup('/nothing', 61)).toBeUndefined();
  });

  it('reads a count once however many scans ask at the same time, then keeps it', async () => {
    vi.useRealTimers();
    const counts = new BatchScanCounts(30);
    let reads = 0;
    let finish: (n: number) => void = () => undefined;
    const count = () => {
      reads++;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const asked = [counts.read('/b', 61, count), counts.read('/b', 61, count), counts.read('/b', 61, count)];
    // Another cap is another question (a count cut at 61 does not answer it).
    const other = counts.read('/b', 301, () => Promise.resolve(100));
    expect(reads).toBe(1);
    finish(7);
    expect(await Promise.all(asked)).toEqual([7, 7, 7]);
    expect(await other).toBe(100);
    // Done: the next read asks the database again; a failed one leaves nothing behind.
    await expect(counts.read('/b', 61, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await counts.read('/b', 61, () => Promise.resolve(9))).toBe(9);
  });

  it('never forgets when no other process writes scans (embedded database)', () => {
    const counts = new BatchScanCounts(Number.POSITIVE_INFINITY);
    counts.set('/b', 2, 61);
    vi.advanceTimersByTime(365 * 86_400_000);
    expect(counts.get('/b', 61)).toBe(2);
  });
});

describe('the answer kept for a batch code', () => {
  it('is the answer a fresh verification gives, but for the time and the count', async () => {
    const c = await issued();
    const strip = (a: Answer) => ({
      ...a,
      checkedAt: null,
      checks: a.checks.map((k) =>
        k.id === 'copy_batch_scans' ? { ...k, evidence: { ...k.evidence, scans: null } } : k,
      ),
    });
    const first = await verify({ code: c.batchUrl }); // computed, then kept
    const second = await verify({ code: c.batchUrl }); // from the kept answer
    t.app.verifyHot.registry.changed(); // forget everything: computed again
    const third = await verify({ code: c.batchUrl });
    const scans = (a: Answer) => a.checks.find((k) => k.id === 'copy_batch_scans')?.evidence?.scans;
    expect([scans(first), scans(second), scans(third)]).toEqual([1, 2, 3]);
    expect(strip(second)).toEqual(strip(first));
    expect(strip(third)).toEqual(strip(second));
  });

  it('turns suspected_copy when the scans outnumber the units, kept answer or not', async () => {
    const code = await batchCodeOf(2);
    const limit = batchScanLimit(2);
    const verdicts = [];
    for (let i = 0; i < limit + 2; i++) verdicts.push((await verify({ code })).verdict);
    expect(verdicts.slice(0, limit).every((v) => v === 'genuine')).toBe(true);
    expect(verdicts.slice(limit)).toEqual(['suspected_copy', 'suspected_copy']);
  });

  it('past the limit too: the kept answer is, byte for byte, a fresh one but for the count and the time', async () => {
    const code = await batchCodeOf(1);
    const limit = batchScanLimit(1);
    for (let i = 0; i < limit; i++) await verify({ code });
    const raw = async () =>
      (await t.app.inject({ method: 'POST', url: '/api/v1/verify', payload: { code } })).body;
    const computed = await raw(); // limit + 1: computed, kept as the answer past the limit
    const kept = await raw(); // limit + 2: from the kept answer
    t.app.verifyHot.registry.changed();
    const fresh = await raw(); // limit + 3: computed again
    const scans = [limit + 1, limit + 2, limit + 3];
    for (const [i, body] of [computed, kept, fresh].entries()) {
      const a = JSON.parse(body) as Omit<Answer, 'checks'> & {
        checks: { id: string; evidence?: Record<string, unknown>; detail_vi?: string; detail_en?: string }[];
      };
      const copy = a.checks.find((k) => k.id === 'copy_batch_scans')!;
      expect(a.verdict).toBe('suspected_copy');
      expect(copy.evidence?.scans).toBe(scans[i]);
      expect(copy.detail_vi).toContain(`quét ${scans[i]} lần`);
      expect(copy.detail_en).toContain(`scanned ${scans[i]} times`);
    }
    // The same text once the count and the time are taken out.
    const strip = (body: string, n: number) =>
      body
        .replace(`"scans":${n},`, '"scans":#,')
        .replace(`quét ${n} lần`, 'quét # lần')
        .replace(`scanned ${n} times`, 'scanned # times')
        .replace(/"checkedAt":"[^"]+"/, '"checkedAt":"#"');
    expect(strip(kept, limit + 2)).toBe(strip(computed, limit + 1));
    expect(strip(fresh, limit + 3)).toBe(strip(kept, limit + 2));
  });

  it('is sent as JSON with the same headers as a computed answer', async () => {
    const c = await issued();
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/verify',
      payload: { code: c.batchUrl },
    });
    const second = await t.app.inject({
      method: 'POST',
      url: '/api/v1/verify',
      payload: { code: c.batchUrl },
    });
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    const names = (h: Record<string, unknown>) =>
      Object.keys(h)
        .filter((n) => n !== 'date' && !n.startsWith('x-ratelimit'))
        .sort();
    expect(names(second.headers)).toEqual(names(first.headers));
  });
});

describe('the answer as JSON', () => {
  it('is JSON.stringify of the answer, byte for byte, with its frozen parts serialized once', async () => {
    const c = await issued(2);
    const texts = [
      c.batchUrl,
      c.unitUrls[0]!,
      c.batchUrl.replace(/s=.{6}/, 's=AAAAAA'),
      'not a code at all "quoted" \\ \u2028',
    ];
    const answers: Record<string, unknown>[] = [];
    for (const code of texts) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/verify',
        payload: { code, deviceId: 'device-json-1' },
      });
      // What the route sent is what JSON.stringify writes (no space, its escapes, its key order).
      expect(res.body).toBe(JSON.stringify(JSON.parse(res.body)));
      answers.push(JSON.parse(res.body) as Record<string, unknown>);
    }
    const shared = Object.freeze({
      name: 'Nước mắm "Mười Quý"',
      zones: Object.freeze([Object.freeze({ code: 'QN-01' })]),
    });
    const plain = Object.freeze({ id: 'format', ok: true, label_vi: 'Mã đúng', label_en: 'Format' });
    for (const a of answers) {
      const variants = [
        a,
        { ...a, product: shared, producer: shared, checks: [plain, ...(a.checks as object[]), plain] },
        { ...a, key: undefined, extra: { nested: [1, 'x', null, true] }, verdict: 'genuine' },
      ];
      for (const v of variants) {
        // Twice: the second time from what was kept of the frozen parts.
        expect(answerJson(v as never)).toBe(JSON.stringify(v));
        expect(answerJson(v as never)).toBe(JSON.stringify(v));
      }
    }
    expect(answerJson({} as never)).toBe('{}');
  });
});

describe('the answer kept for a forgery', () => {
  /** Counts the signature checks the route asks for (remembered results included). */
  async function countingChecks<T>(run: () => Promise<T>): Promise<{ result: T; checks: number }> {
    const hot = t.app.verifyHot;
    const original = hot.verifySignature;
    let checks = 0;
    hot.verifySignature = Object.assign(
      (...args: Parameters<typeof original>) => {
        checks++;
        return original(...args);
      },
      { close: () => original.close() },
    );
    try {
      return { result: await run(), checks };
    } finally {
      hot.verifySignature = original;
    }
  }
  const raw = async (code: string) =>
    (await t.app.inject({ method: 'POST', url: '/api/v1/verify', payload: { code } })).body;
  const untimed = (body: string) => body.replace(/"checkedAt":"[^"]+"/, '"checkedAt":"#"');

  it('is, byte for byte, a fresh answer but for the time; every scan is still recorded', async () => {
    const c = await issued(1);
    const forged = c.unitUrls[0]!.replace(/s=.{4}/, 's=AAAA');
    const { result, checks } = await countingChecks(async () => [
      await raw(forged), // computed, kept
      await raw(forged), // kept
      await raw(forged), // kept
    ]);
    expect(checks).toBe(1);
    expect(JSON.parse(result[0]!).verdict).toBe('forged');
    expect(new Set(result.map(untimed)).size).toBe(1);
    // Computed again once the keys were read again: the same text.
    await t.app.keys.all({ refresh: true });
    const again = await countingChecks(() => raw(forged));
    expect(again.checks).toBe(1);
    expect(untimed(again.result)).toBe(untimed(result[0]!));
    await t.app.verifyHot.scans.flush();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from scans
      where path = ${new URL(forged).pathname} and verdict = 'forged' and not signed`.execute(t.app.db);
    expect(rows[0]!.n).toBe(4);
  });

  it('is not kept for a code naming a key we do not have (the next scan looks for a key made since)', async () => {
    const c = await issued(0);
    const url = new URL(c.batchUrl);
    url.searchParams.set('k', 'ZZZZZZZZ');
    const unknownKey = url.toString();
    const keys = t.app.keys;
    const original = keys.refreshSoon.bind(keys);
    let rereads = 0;
    keys.refreshSoon = () => {
      rereads++;
      return original();
    };
    try {
      for (let i = 0; i < 3; i++) expect(JSON.parse(await raw(unknownKey)).verdict).toBe('forged');
    } finally {
      keys.refreshSoon = original;
    }
    expect(rereads).toBe(3);
  });

  it('a genuine code is never answered from a kept forgery of another text', async () => {
    const c = await issued(1);
    const forged = c.unitUrls[0]!.replace(/s=.{4}/, 's=AAAA');
    await raw(forged);
    await raw(forged);
    expect(JSON.parse(await raw(c.unitUrls[0]!)).verdict).toBe('genuine');
  });
});

describe('es256Verifier', () => {
  it.each([0, 2])(
    'agrees with node:crypto, for the first check and the remembered ones (%i worker threads)',
    async (workers) => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
      const jwk = (k: typeof publicKey) => k.export({ format: 'jwk' }) as EcPublicJwk;
      const input = 'eyJhbGciOiJFUzI1NiJ9.aHR0cHM6Ly9vY29wLnRlc3QvMDEvMDg5Mzk5OTAwMDAwMjYvMTAvTE9U';
      const sig = new Uint8Array(
        cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      );
      const tampered = sig.slice();
      tampered[10] = tampered[10]! ^ 1;
      const check = es256Verifier({ max: 4, workers });
      try {
        for (let round = 0; round < 2; round++) {
          // All at once: on workers they travel together.
          const results = await Promise.all([
            check(jwk(publicKey), input, sig),
            check(jwk(publicKey), `${input}x`, sig),
            check(jwk(publicKey), input, tampered),
            check(jwk(other), input, sig),
            check(jwk(publicKey), input, sig.slice(0, 63)),
            check({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }, input, sig),
          ]);
          expect(results).toEqual([true, false, false, false, false, false]);
        }
      } finally {
        await check.close();
      }
    },
  );

  it('checks on the main thread what is still waiting when the workers stop', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { x, y } = publicKey.export({ format: 'jwk' }) as EcPublicJwk;
    const input = 'eyJhbGciOiJFUzI1NiJ9.aW5wdXQ';
    const sig = cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    let here = 0;
    const pool = new SignatureWorkers(1, (job) => {
      here++;
      return job.input === input;
    });
    const first = await pool.check(x, y, input, sig); // on the worker
    const waiting = pool.check(x, y, input, sig); // not sent yet when close() begins
    await pool.close();
    expect([first, await waiting, await pool.check(x, y, input, sig)]).toEqual([true, true, true]);
    expect(here).toBe(2);
  });
});
