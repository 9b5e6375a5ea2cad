import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import { makeProducer } from '../../../../test/helpers/factories.ts';

type User = Awaited<ReturnType<typeof createUser>>;

let t: TestApp;
let admin: User;
let producerId: string;

function post(url: string, payload?: object) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: admin.authorization },
    ...(payload !== undefined ? { payload } : {}),
  });
}

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createUser(t.app, 'admin');
  producerId = (await makeProducer(t.app.db)).id;
});
afterAll(async () => t?.close());

describe('users (admin)', () => {
  it('creates a producer account bound to its producer, which can then sign in', async () => {
    const res = await post('/api/v1/users', {
      email: 'Chu.HTX@Example.vn',
      displayName: 'Chủ nhiệm HTX',
      role: 'producer',
      password: 'mat-khau-du-dai',
      producerId,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      email: 'chu.htx@example.vn',
      role: 'producer',
      producerId,
      disabled: false,
    });
    expect(res.body).not.toMatch(/password|scrypt/);
    const token = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: 'chu.htx@example.vn', password: 'mat-khau-du-dai' },
    });
    expect(token.statusCode).toBe(200);
    const dup = await post('/api/v1/users', {
      email: 'chu.htx@example.vn',
      displayName: 'Lặp',
      role: 'inspector',
      password: 'mat-khau-du-dai',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().detail).toBe('A user with email chu.htx@example.vn already exists.');
  });

  it('requires exactly the binding of the role', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ role: 'producer' }, 'user.producer_binding'],
      [{ role: 'inspector', producerId }, 'user.producer_binding'],
      [{ role: 'officer' }, 'user.officer_binding'],
      [{ role: 'admin', adminUnitId: 'qng-2025' }, 'user.officer_binding'],
      [{ role: 'officer', adminUnitId: 'atlantis' }, 'admin_unit.unknown'],
      [{ role: 'producer', producerId: '00000000-0000-4000-8000-000000000000' }, 'producer.unknown'],
    ];
    for (const [extra, rule] of cases) {
      const res = await post('/api/v1/users', {
        email: 'x@example.vn',
        displayName: 'X',
        password: 'mat-khau-du-dai',
        ...extra,
      });
      expect(res.statusCode, rule).toBe(422);
      expect(res.json().rule).toBe(rule);
    }
    const short = await post('/api/v1/users', {
      email: 'y@example.vn',
      displayName: 'Y',
      role: 'admin',
      password: 'short',
    });
    expect(short.statusCode).toBe(400);
  });

  it('disables an account at once (its token stops working) and enables it again', async () => {
    const inspector = await createUser(t.app, 'inspector');
    const me = () => t.app.inject({ url: '/api/v1/me', headers: { authorization: inspector.authorization } });
    expect((await me()).statusCode).toBe(200);
    const off = await post(`/api/v1/users/${inspector.id}/disable`);
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ disabled: true });
    expect((await me()).statusCode).toBe(401);
    const on = await post(`/api/v1/users/${inspector.id}/enable`);
    expect(on.json()).toMatchObject({ disabled: false, disabledAt: null });
    expect((await me()).statusCode).toBe(200);
    const self = await post(`/api/v1/users/${admin.id}/disable`);
    expect(self.statusCode).toBe(422);
    expect(self.json().rule).toBe('user.disable_self');
    expect((await post('/api/v1/users/00000000-0000-4000-8000-000000000000/disable')).statusCode).toBe(404);
  });

  it('lists and filters accounts', async () => {
    const list = async (q: string) =>
      (
        await t.app.inject({ url: `/api/v1/users${q}`, headers: { authorization: admin.authorization } })
      ).json<{ items: { email: string }[]; total: number }>();
    expect((await list('?role=producer')).items.map((u) => u.email)).toEqual(['chu.htx@example.vn']);
    expect((await list('?q=chu%20nhiem')).total).toBe(1);
    expect((await list('?disabled=true')).total).toBe(0);
    expect((await list('')).total).toBe(3);
  });
});
