import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnumerationWatch, verdictOf, type EnumerationAlert } from '../api/src/security/enumeration.ts';
import { buildTestApp, createUser, type TestApp } from './helpers/app.ts';

/**
 * reliability.md L02: serial enumeration against the verification raises an
 * `enumeration_suspected` alert, once per client per window, keyed by a hash of the client
 * address (never the address), counted in memory and written in the background.
 */

describe('EnumerationWatch (sliding window, in memory)', () => {
  function watch(threshold = 5, windowMs = 60_000) {
    let now = 1_000_000 * windowMs; // a window boundary
    const flushed: EnumerationAlert[] = [];
    const w = new EnumerationWatch({
      windowMs,
      threshold,
      flush: async (a) => void flushed.push(...a),
      now: () => now,
    });
    return { w, flushed, advance: (ms: number) => (now += ms) };
  }

  it('alerts once per client per window when misses pass the threshold; hits do not count', async () => {
    const { w, flushed } = watch();
    for (let i = 0; i < 20; i++) w.noteVerifyOutcome('client-a', 'genuine');
    for (let i = 0; i < 5; i++) w.noteVerifyOutcome('client-a', i % 2 ? 'forged' : 'unknown');
    await w.drain();
    expect(flushed).toEqual([]);
    for (let i = 0; i < 30; i++) w.noteVerifyOutcome('client-a', 'forged');
    for (let i = 0; i < 3; i++) w.noteVerifyOutcome('client-b', 'forged');
    await w.drain();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toMatchObject({ clientKey: 'client-a', misses: 6, threshold: 5 });
  });

  it('slides: misses spread thinly over time never alert, a burst across a boundary does', async () => {
    const { w, flushed, advance } = watch(5, 60_000);
    for (let i = 0; i < 30; i++) {
      w.noteVerifyOutcome('slow', 'unknown');
      advance(20_000); // 3 a minute
    }
    await w.drain();
    expect(flushed).toEqual([]);
    advance(60_000 - ((30 * 20_000) % 60_000) - 5_000); // 5 s before a boundary
    for (let i = 0; i < 4; i++) w.noteVerifyOutcome('burst', 'forged');
    advance(10_000); // across it
    for (let i = 0; i < 3; i++) w.noteVerifyOutcome('burst', 'forged');
    await w.drain();
    expect(flushed.map((a) => a.clientKey)).toEqual(['burst']);
  });

  it('reads the verdict from a serialized answer without parsing it', () => {
    expect(verdictOf('{"verdict":"forged","checks":[]}')).toBe('forged');
    expect(verdictOf(Buffer.from('{"code":"x","verdict":"unknown"}'))).toBe('unknown');
    expect(verdictOf('{"status":"ok"}')).toBeNull();
    expect(verdictOf(null)).toBeNull();
  });
});

describe('enumeration_suspected on POST /api/v1/verify (L02)', () => {
  const THRESHOLD = 20;
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof createUser>>;

  const verify = (code: string, remoteAddress: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/verify', payload: { code }, remoteAddress });
  const alerts = async () => {
    await t.app.enumerationWatch.drain();
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/security/alerts?kind=enumeration_suspected',
      headers: { authorization: admin.authorization },
    });
    expect(res.statusCode).toBe(200);
    return res.json().items as { subject: string; count: number; details: Record<string, unknown> }[];
  };

  beforeAll(async () => {
    t = await buildTestApp({ enumerationThreshold: THRESHOLD, enumerationWindowSeconds: 600 });
    admin = await createUser(t.app, 'admin');
  });
  afterAll(async () => t?.close());

  it('raises one alert for a client probing random codes, keyed without its address', async () => {
    const prober = '203.0.113.77';
    for (let i = 0; i < THRESHOLD; i++) {
      const res = await verify(`https://ocop.test/01/08939990000017/10/L1/21/RANDOM${i}`, prober);
      expect(res.statusCode).toBe(200);
      expect(['forged', 'unknown']).toContain(res.json().verdict);
    }
    // A few misses from someone else stay under the threshold.
    for (let i = 0; i < 5; i++) await verify(`garbage ${i}`, '198.51.100.9');
    expect(await alerts()).toEqual([]);

    for (let i = 0; i < 15; i++) await verify(`not a code ${i}`, prober);
    const raised = await alerts();
    expect(raised).toHaveLength(1);
    expect(raised[0]!.subject).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(raised[0])).not.toContain('203.0.113');
    expect(raised[0]!.count).toBe(THRESHOLD + 1);
    expect(raised[0]!.details).toMatchObject({ threshold: THRESHOLD, windowSeconds: 600 });
    // The first alert is an audit entry too; the address is nowhere in the database.
    const rows = await t.app.db
      .selectFrom('audit_log')
      .select('data')
      .where('entity', '=', 'security_alerts')
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('203.0.113');
  });
});
