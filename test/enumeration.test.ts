import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/src/app.ts';
import { testConfig } from '../api/src/config.ts';
import { shareMisses } from '../api/src/security/enumeration-counts.ts';
import {
  EnumerationWatch,
  verdictOf,
  type EnumerationAlert,
  type MissDelta,
  type MissTotal,
} from '../api/src/security/enumeration.ts';
import { buildTestApp, createUser, type TestApp } from './helpers/app.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

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

  /** Watches sharing one in-memory store of counts, as instances share `enumeration_counts`. */
  function shared(threshold: number, windowMs = 60_000) {
    let now = 1_000_000 * windowMs + 1_000; // a second into a window
    const store = new Map<string, number>();
    const flushed: EnumerationAlert[] = [];
    let failing = false;
    const share = async (deltas: MissDelta[], wms: number): Promise<MissTotal[]> => {
      if (failing) throw new Error('database away');
      const out: MissTotal[] = [];
      for (const d of deltas) {
        const key = `${d.clientKey}@${d.windowStart.getTime()}`;
        store.set(key, (store.get(key) ?? 0) + d.misses);
        out.push({ ...d, misses: store.get(key)! });
        const before = d.windowStart.getTime() - wms;
        const prev = store.get(`${d.clientKey}@${before}`);
        if (prev !== undefined)
          out.push({ clientKey: d.clientKey, windowStart: new Date(before), misses: prev });
      }
      return out;
    };
    const make = () =>
      new EnumerationWatch({
        windowMs,
        threshold,
        flush: async (a) => void flushed.push(...a),
        share,
        syncIntervalMs: 0,
        now: () => now,
      });
    return {
      make,
      store,
      flushed,
      fail: (f: boolean) => (failing = f),
      advance: (ms: number) => (now += ms),
    };
  }

  it('shared: misses split over two instances cross the threshold together, alerted once', async () => {
    const { make, flushed, store } = shared(10);
    const [a, b] = [make(), make()];
    for (let i = 0; i < 6; i++) {
      a.noteVerifyOutcome('prober', 'forged');
      b.noteVerifyOutcome('prober', 'unknown');
    }
    await Promise.all([a.drain(), b.drain()]);
    expect(flushed).toEqual([]); // 6 each: neither alone passes 10
    await a.sync();
    await b.sync(); // learns 12
    await a.sync(); // nothing new: a writes nothing
    await Promise.all([a.drain(), b.drain()]);
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toMatchObject({ clientKey: 'prober', misses: 12, threshold: 10 });
    expect([...store.values()]).toEqual([12]);
    // The instance that did not alert learns the total with its next miss's sync, and alerts the
    // same window (the database keeps one row per window: recordAlert's security_alerts_once).
    a.noteVerifyOutcome('prober', 'forged');
    await a.sync();
    await a.drain();
    expect(flushed.map((x) => x.windowStart.getTime())).toEqual([
      flushed[0]!.windowStart.getTime(),
      flushed[0]!.windowStart.getTime(),
    ]);
    await Promise.all([a.close(), b.close()]);
  });

  it('shared: the sliding count uses the shared previous window', async () => {
    const { make, flushed, advance } = shared(10, 60_000);
    const [a, b] = [make(), make()];
    advance(50_000); // 51 s into the window
    for (let i = 0; i < 4; i++) a.noteVerifyOutcome('p', 'forged');
    for (let i = 0; i < 4; i++) b.noteVerifyOutcome('p', 'forged');
    await a.sync();
    await b.sync(); // 8 in this window: not yet
    advance(10_000); // 1 s into the next: 8 × 59/60 ≈ 7 of it still counts
    for (let i = 0; i < 2; i++) a.noteVerifyOutcome('p', 'forged');
    for (let i = 0; i < 2; i++) b.noteVerifyOutcome('p', 'forged');
    await a.sync();
    await Promise.all([a.drain(), b.drain()]);
    expect(flushed).toEqual([]); // a: 7 + 2
    await b.sync(); // b: 7 + 4
    await b.drain();
    expect(flushed.map((x) => x.misses)).toEqual([11]);
  });

  it('shared: a failed sync keeps its misses for the next one, and never throws', async () => {
    const { make, flushed, store, fail } = shared(10);
    const [a, b] = [make(), make()];
    for (let i = 0; i < 6; i++) a.noteVerifyOutcome('prober', 'forged');
    fail(true);
    await a.sync(); // resolves: the error stays inside
    expect(a.unsharedDeltas).toBe(1);
    for (let i = 0; i < 2; i++) a.noteVerifyOutcome('prober', 'forged');
    await a.sync();
    fail(false);
    for (let i = 0; i < 3; i++) b.noteVerifyOutcome('prober', 'forged');
    await b.sync();
    expect(flushed).toEqual([]);
    await a.sync();
    expect(a.unsharedDeltas).toBe(0);
    expect([...store.values()]).toEqual([11]); // 6 + 2 + 3: nothing lost, nothing twice
    await a.drain();
    expect(flushed.map((x) => x.misses)).toEqual([11]);
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

describe('enumeration_suspected across two API instances on one database (L02)', () => {
  const THRESHOLD = 20;
  let db: TestDb;
  let one: FastifyInstance;
  let two: FastifyInstance;
  const prober = '203.0.113.88';

  const verify = (app: FastifyInstance, code: string, remoteAddress = prober) =>
    app.inject({ method: 'POST', url: '/api/v1/verify', payload: { code }, remoteAddress });
  const alerts = () =>
    db.db
      .selectFrom('security_alerts')
      .select(['subject', 'count'])
      .where('kind', '=', 'enumeration_suspected')
      .execute();
  const counts = () =>
    db.db.selectFrom('enumeration_counts').select(['client_key', 'misses']).orderBy('client_key').execute();

  beforeAll(async () => {
    db = await createTestDb();
    const config = testConfig({ enumerationThreshold: THRESHOLD, enumerationWindowSeconds: 600 });
    // No timer: the test shares by hand, so no slow machine outruns it.
    one = await buildApp(config, { db, enumeration: { syncIntervalMs: 0 } });
    two = await buildApp(config, { db, enumeration: { syncIntervalMs: 0 } });
    await Promise.all([one.ready(), two.ready()]);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.drop();
  });

  it('misses split between the instances cross the threshold together: exactly one alert', async () => {
    for (let i = 0; i < 12; i++) {
      expect((await verify(i % 2 ? one : two, `not a code ${i}`)).statusCode).toBe(200);
      expect((await verify(i % 2 ? two : one, `garbage ${i}`)).statusCode).toBe(200);
    }
    await Promise.all([one.enumerationWatch.drain(), two.enumerationWatch.drain()]);
    expect(await alerts()).toEqual([]); // 12 each: neither alone passes 20
    await one.enumerationWatch.sync();
    await two.enumerationWatch.sync();
    await one.enumerationWatch.sync(); // nothing new from one: it writes nothing
    await Promise.all([one.enumerationWatch.drain(), two.enumerationWatch.drain()]);
    const raised = await alerts();
    expect(raised).toHaveLength(1);
    expect(raised[0]!.subject).toMatch(/^[0-9a-f]{32}$/);
    expect(raised[0]!.count).toBe(24);
    // One shared row: the client key (never the address) and the sum of both instances' misses.
    expect(await counts()).toEqual([{ client_key: raised[0]!.subject, misses: 24 }]);
    // More misses on the other instance alert nothing new: still one alert for the window.
    await verify(one, 'still not a code');
    await one.enumerationWatch.sync();
    await one.enumerationWatch.drain();
    expect(await alerts()).toHaveLength(1);
  });

  it('a failed share loses nothing and the verification never notices', async () => {
    const other = '198.51.100.23';
    for (let i = 0; i < 5; i++) expect((await verify(one, `miss ${i}`, other)).statusCode).toBe(200);
    // The database refuses the shared counts for a while (the table is away).
    await sql`alter table enumeration_counts rename to enumeration_counts_away`.execute(db.db);
    try {
      await one.enumerationWatch.sync(); // resolves: the error stays inside
      for (let i = 0; i < 3; i++) expect((await verify(one, `miss b${i}`, other)).statusCode).toBe(200);
      await one.enumerationWatch.sync();
      expect(one.enumerationWatch.unsharedDeltas).toBe(1);
    } finally {
      await sql`alter table enumeration_counts_away rename to enumeration_counts`.execute(db.db);
    }
    await one.enumerationWatch.sync();
    expect(one.enumerationWatch.unsharedDeltas).toBe(0);
    const rows = await counts();
    expect(rows.map((r) => r.misses).sort((x, y) => x - y)).toEqual([8, 25]);
  });

  it('one statement adds the deltas, answers current and previous totals, and prunes old windows', async () => {
    const windowMs = 600_000;
    const at = (w: number) => new Date(w * windowMs);
    const w = 3_000_000;
    await shareMisses(db.db, [{ clientKey: 'old', windowStart: at(w - 5), misses: 4 }], { windowMs });
    await shareMisses(db.db, [{ clientKey: 'k', windowStart: at(w - 1), misses: 7 }], { windowMs });
    const totals = await shareMisses(
      db.db,
      [
        { clientKey: 'k', windowStart: at(w), misses: 2 },
        { clientKey: 'new', windowStart: at(w), misses: 1 },
      ],
      { windowMs, pruneBefore: at(w - 1) },
    );
    const byKey = (t: { clientKey: string; windowStart: Date; misses: number }[]) =>
      t.map((x) => `${x.clientKey}@${x.windowStart.getTime() / windowMs - w}=${x.misses}`).sort();
    expect(byKey(totals)).toEqual(['k@-1=7', 'k@0=2', 'new@0=1']);
    const left = await db.db
      .selectFrom('enumeration_counts')
      .select('client_key')
      .where('client_key', 'in', ['old', 'k', 'new'])
      .execute();
    expect(left.map((r) => r.client_key).sort()).toEqual(['k', 'k', 'new']);
  });
});
