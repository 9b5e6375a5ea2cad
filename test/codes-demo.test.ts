import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { verifyCode, type Verdict } from '@ocop/domain';
import { buildApp } from '../api/src/app.ts';
import { testConfig } from '../api/src/config.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

/**
 * Issue 4 acceptance: every verdict of DESIGN is reached with the demo data. In demo mode the app
 * prints codes for every demo batch (as if when each batch was made) and one copied label.
 */
let db: TestDb;
let app: FastifyInstance;
const ORIGIN = 'https://ocop.test';

beforeAll(async () => {
  db = await createTestDb();
  app = await buildApp(testConfig({ demoMode: true }), {
    db,
    limits: { verifyRateLimit: { max: 100_000, timeWindow: 60_000 } },
  });
  await app.ready();
}, 180_000);
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const verify = async (code: string): Promise<{ verdict: Verdict; checks: { id: string; ok: boolean }[] }> =>
  (await app.inject({ method: 'POST', url: '/api/v1/verify', payload: { code } })).json();

describe('demo data', () => {
  it('has a batch code for every batch and reaches every verdict', async () => {
    const batches = await app.db.selectFrom('batches').select('id').execute();
    const codes = await app.db
      .selectFrom('codes')
      .select(['path', 'kind', 'origin', 'kid', 'sig', 'batch_id'])
      .execute();
    const batchCodes = codes.filter((c) => c.kind === 'batch');
    expect(batchCodes).toHaveLength(batches.length);
    const url = (c: (typeof codes)[number]) => `${c.origin}${c.path}?k=${c.kid.slice(0, 8)}&s=${c.sig}`;

    const seen = new Map<Verdict, string>();
    for (const c of codes) {
      const r = await verify(url(c));
      if (!seen.has(r.verdict)) seen.set(r.verdict, url(c));
    }
    const anyCode = url(batchCodes[0]!);
    seen.set((await verify(anyCode.replace(/s=.{4}/, 's=AAAA'))).verdict, 'altered');
    seen.set((await verify('https://example.com/not-ours')).verdict, 'foreign');

    // Offline with a snapshot older than 7 days: status_unknown.
    const jws = (await app.inject({ url: '/api/v1/registry/snapshot' })).body;
    const keys = (await app.inject({ url: '/.well-known/jwks.json' })).json().keys;
    const genuine = seen.get('genuine');
    expect(genuine).toBeDefined();
    const stale = await verifyCode({
      text: genuine,
      keys,
      registry: { kind: 'snapshot', jws },
      now: new Date(Date.now() + 8 * 86_400_000),
      origins: [ORIGIN],
    });
    seen.set(stale.verdict, 'stale snapshot');

    expect([...seen.keys()].sort()).toEqual(
      [
        'expired_certificate',
        'forged',
        'genuine',
        'recalled_batch',
        'revoked_certificate',
        'status_unknown',
        'suspected_copy',
        'unknown',
      ].sort(),
    );
  });

  it('prints the demo codes once: a restart on the same database adds none', async () => {
    const before = await app.db.selectFrom('codes').select('path').execute();
    const again = await buildApp(testConfig({ demoMode: true }), { db });
    await again.ready();
    await again.close();
    const after = await app.db.selectFrom('codes').select('path').execute();
    expect(after).toHaveLength(before.length);
  });
});
