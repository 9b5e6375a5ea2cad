import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t?.close());

describe('POST /api/v1/auth/token', () => {
  it('issues a bearer token for the right password and /me answers with the user', async () => {
    const u = await createUser(t.app, 'inspector');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: u.email.toUpperCase(), password: u.password },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3600);
    const me = await t.app.inject({
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: u.id, email: u.email, role: 'inspector', producerId: null });
  });

  it('answers 401 problem+json for a wrong password and for an unknown email, alike', async () => {
    const u = await createUser(t.app, 'admin');
    for (const payload of [
      { email: u.email, password: 'wrong' },
      { email: 'nobody@test.ocop.vn', password: 'x' },
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 401, code: 'invalid_credentials' });
    }
  });

  it('rejects unknown properties, wrong types and non-JSON bodies', async () => {
    const extra = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: 'a@b.vn', password: 'x', role: 'admin' },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().code).toBe('validation_failed');
    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: 'a@b.vn', password: 12345 },
    });
    expect(wrongType.statusCode).toBe(400);
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a@b.vn&password=x',
    });
    expect(form.statusCode).toBe(415);
    expect(form.json().code).toBe('unsupported_media_type');
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('invalid_json');
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: 'a@b.vn', password: 'x'.repeat(300_000) },
    });
    expect(big.statusCode).toBe(413);
  });

  it('rate-limits sign-in per client', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        remoteAddress: '198.51.100.7',
        payload: { email: 'x@y.vn', password: 'nope' },
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });
});

describe('bearer tokens', () => {
  it('refuses a missing, malformed, foreign-typed or forged token on a private route', async () => {
    expect((await t.app.inject({ url: '/api/v1/me' })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ url: '/api/v1/me', headers: { authorization: 'Basic abc' } })).statusCode,
    ).toBe(401);
    const u = await createUser(t.app, 'admin');
    const wrongTyp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(u.id)
      .setIssuer('https://ocop.test')
      .setAudience('ocop-trace:api')
      .setExpirationTime('1h')
      .sign(t.app.secrets.authTokenSecret);
    expect(
      (await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${wrongTyp}` } }))
        .statusCode,
    ).toBe(401);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject(u.id)
      .setIssuer('https://ocop.test')
      .setAudience('ocop-trace:api')
      .setExpirationTime('1h')
      .sign(new Uint8Array(32));
    expect(
      (await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${forged}` } })).statusCode,
    ).toBe(401);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject(u.id)
      .setIssuer('https://ocop.test')
      .setAudience('ocop-trace:api')
      .setIssuedAt(1_000)
      .setExpirationTime(2_000)
      .sign(t.app.secrets.authTokenSecret);
    const res = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${expired}` } });
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/expired/);
  });

  it('a disabled user loses access at once, with a token issued before', async () => {
    const u = await createUser(t.app, 'producer', {
      producerId: (
        await t.app.db
          .insertInto('producers')
          .values({ name: 'HTX Thử nghiệm', kind: 'HTX' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    });
    expect(
      (await t.app.inject({ url: '/api/v1/me', headers: { authorization: u.authorization } })).statusCode,
    ).toBe(200);
    await t.app.db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', u.id).execute();
    expect(
      (await t.app.inject({ url: '/api/v1/me', headers: { authorization: u.authorization } })).statusCode,
    ).toBe(401);
  });
});
