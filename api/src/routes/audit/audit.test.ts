import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import { makeProducer } from '../../../../test/helpers/factories.ts';

type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let admin: User;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createUser(t.app, 'admin');
});
afterAll(async () => t?.close());

const get = (url: string) => t.app.inject({ url, headers: { authorization: admin.authorization } });

describe('GET /api/v1/audit', () => {
  it('pages through the log newest first, naming the actor, filtered by entity', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/producers',
      headers: { authorization: admin.authorization },
      payload: { name: 'HTX Ghi vết', kind: 'HTX' },
    });
    const producerId = res.json().id as string;
    const page = (await get(`/api/v1/audit?entity=producers&entityId=${producerId}`)).json();
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({
      action: 'insert',
      entity: 'producers',
      entityId: producerId,
      actorId: admin.id,
      actorEmail: admin.email,
      data: { name: 'HTX Ghi vết', kind: 'HTX' },
    });
    const all = (await get('/api/v1/audit?limit=3')).json();
    expect(all.items).toHaveLength(3);
    const seqs = all.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => b - a));
    expect(seqs[0]).toBe(all.total);
    expect((await get('/api/v1/audit?limit=1000')).statusCode).toBe(400);
  });
});

describe('GET /api/v1/audit/verify', () => {
  it('confirms an intact chain and names the first altered entry', async () => {
    await makeProducer(t.app.db);
    const ok = (await get('/api/v1/audit/verify')).json();
    const { n } = await t.app.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(ok).toEqual({ ok: true, entries: Number(n) });

    // Tamper as a superuser would: the log refuses updates, so switch its guard off first.
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(t.app.db);
    await sql`update audit_log set data = '{"name":"forged"}'::jsonb where seq = 2`.execute(t.app.db);
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(t.app.db);
    const broken = (await get('/api/v1/audit/verify')).json();
    expect(broken).toMatchObject({ ok: false, firstBrokenSeq: 2 });
    expect(broken.reason).toMatch(/^hash/);
  });
});
