import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t?.close());

const post = (payload: unknown, remoteAddress = '198.51.100.1') =>
  t.app.inject({ method: 'POST', url: '/api/v1/reports', payload: payload as object, remoteAddress });

describe('POST /api/v1/reports', () => {
  it('stores a report from anyone and answers 201 with its id, without any address', async () => {
    const res = await post({
      reason: 'stars_mismatch',
      code: 'https://ocop.test/01/08939990000011/10/L1?k=x&s=y',
      verdict: 'genuine',
      details: '  Bao bì in 5 sao  ',
      contact: '',
      lang: 'vi',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'new' });
    const row = await t.app.db
      .selectFrom('reports')
      .selectAll()
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      reason: 'stars_mismatch',
      details: 'Bao bì in 5 sao',
      contact: null,
      lang: 'vi',
    });
    expect(JSON.stringify(row)).not.toContain('198.51.100.1');
  });

  it('refuses unknown fields, unknown reasons, oversized text, NUL bytes and unknown products', async () => {
    for (const bad of [
      { reason: 'fake', ip: '1.2.3.4' },
      { reason: 'because' },
      { reason: 'fake', details: 'x'.repeat(2001) },
      { reason: 'fake', details: 'a\u0000b' },
      {},
    ]) {
      const res = await post(bad, '198.51.100.2');
      expect(res.statusCode, JSON.stringify(bad).slice(0, 60)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const unknown = await post(
      { reason: 'fake', productId: '00000000-0000-4000-8000-000000000000' },
      '198.51.100.3',
    );
    expect(unknown.statusCode).toBe(422);
  });

  it('limits each client to a few reports', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await post({ reason: 'other' }, '198.51.100.9')).statusCode);
    expect(codes.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(codes[5]).toBe(429);
    // Another client is not affected.
    expect((await post({ reason: 'other' }, '198.51.100.10')).statusCode).toBe(201);
  });
});

describe('GET /api/v1/reports', () => {
  it('lists reports for the office and inspectors only', async () => {
    expect((await t.app.inject({ url: '/api/v1/reports' })).statusCode).toBe(401);
    const inspector = await createUser(t.app, 'inspector');
    const res = await t.app.inject({
      url: '/api/v1/reports?limit=2',
      headers: { authorization: inspector.authorization },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items).toHaveLength(2);
    expect(body.total).toBeGreaterThanOrEqual(7);
  });
});
