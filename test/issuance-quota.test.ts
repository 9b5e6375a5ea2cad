import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp } from './helpers/app.ts';
import { makeCertifiedBatch, type CertifiedBatch } from './helpers/code-factories.ts';

/**
 * reliability.md A08: a producer minting past its daily quota is refused with 429 and a clear
 * Vietnamese-first detail, nothing is written, and the office sees one alert per producer and day.
 */

const QUOTA = 50;
type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let admin: User;
let producer: User;
let mine: CertifiedBatch;
let another: CertifiedBatch;

const issue = (user: User, batchId: string, serials: number) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/batches/${batchId}/codes`,
    headers: { authorization: user.authorization },
    payload: { serials },
  });

async function written(batchId: string) {
  const [codes, jobs] = await Promise.all([
    t.app.db
      .selectFrom('codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('batch_id', '=', batchId)
      .executeTakeFirstOrThrow(),
    t.app.db
      .selectFrom('issuance_jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('batch_id', '=', batchId)
      .executeTakeFirstOrThrow(),
  ]);
  return { codes: Number(codes.n), jobs: Number(jobs.n) };
}

beforeAll(async () => {
  t = await buildTestApp({ issuanceDailyQuota: QUOTA });
  mine = await makeCertifiedBatch(t.app.db);
  another = await makeCertifiedBatch(t.app.db);
  admin = await createUser(t.app, 'admin');
  producer = await createUser(t.app, 'producer', { producerId: mine.producerId });
});
afterAll(async () => t?.close());

describe('daily issuance quota per producer (A08)', () => {
  it('refuses codes past the quota with 429 and a Vietnamese-first detail, writing nothing', async () => {
    expect((await issue(producer, mine.batchId, 30)).statusCode).toBe(201);
    const before = await written(mine.batchId);
    expect(before).toEqual({ codes: 31, jobs: 1 });

    const over = await issue(producer, mine.batchId, 30);
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(86_400);
    const problem = over.json();
    expect(problem).toMatchObject({
      code: 'issuance_quota_exceeded',
      status: 429,
      limit: QUOTA,
      used: 30,
      requested: 30,
    });
    expect(problem.detail).toMatch(
      /^Đã vượt hạn mức phát hành mã trong ngày .* — Daily issuance quota exceeded/,
    );
    expect(problem.detailVi).toContain('còn lại 20');
    expect(await written(mine.batchId)).toEqual(before);

    // What is left of the quota may still be issued; one more is refused.
    expect((await issue(producer, mine.batchId, 20)).statusCode).toBe(201);
    expect((await issue(producer, mine.batchId, 1)).statusCode).toBe(429);
    expect((await written(mine.batchId)).codes).toBe(51);
  });

  it('is per producer: another producer issues freely', async () => {
    expect((await issue(admin, another.batchId, 40)).statusCode).toBe(201);
  });

  it('is one producer-wide total under concurrent requests', async () => {
    const b = await makeCertifiedBatch(t.app.db);
    const answers = await Promise.all(Array.from({ length: 6 }, () => issue(admin, b.batchId, 20)));
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 201, 429, 429, 429, 429]);
    expect((await written(b.batchId)).codes).toBe(41);
  });

  it('records one alert per producer and day, counting the refusals, listed to the office', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/security/alerts?kind=issuance_quota_exceeded',
      headers: { authorization: admin.authorization },
    });
    expect(res.statusCode).toBe(200);
    const alerts = res.json().items as { subject: string; count: number; details: Record<string, unknown> }[];
    const forMine = alerts.filter((a) => a.subject === mine.producerId);
    expect(forMine).toHaveLength(1);
    expect(forMine[0]!.count).toBe(2);
    expect(forMine[0]!.details).toMatchObject({ batchId: mine.batchId, limit: QUOTA, requested: 1 });
    // The first refusal of the day is in the audit log too.
    const audited = await t.app.db
      .selectFrom('audit_log')
      .select('entity')
      .where('entity', '=', 'security_alerts')
      .execute();
    expect(audited.length).toBe(alerts.length);

    const asProducer = await t.app.inject({
      method: 'GET',
      url: '/api/v1/security/alerts',
      headers: { authorization: producer.authorization },
    });
    expect(asProducer.statusCode).toBe(403);
  });
});
