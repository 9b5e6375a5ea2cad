import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSecApp, SHORT_LIMITS, bytes, listen, rawRequest, type SecApp } from './support.ts';

/**
 * The lean hook chain (plugins/security.ts, auth.ts, idempotency.ts, enumeration.ts): hooks that
 * concern a few routes sit on those routes only, and the cheap paths of the global hooks (a small
 * body's single deadline timer, the flat-input check) answer exactly as the full ones do.
 */

const SIGN_IN = { email: 'nobody@test.ocop.vn', password: 'wrong' };
const head = (len: number | 'chunked') =>
  `POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
  (len === 'chunked' ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${len}\r\n\r\n`);

const hookNames = (route: RouteOptions, name: 'preHandler' | 'onSend' | 'onResponse' | 'onRequestAbort') => {
  const hooks = route[name] as unknown;
  const list: unknown[] = hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
  return list.map((h) => (h as { name: string }).name);
};

describe('route-level hooks: only where they matter', () => {
  let t: SecApp;
  const routes: RouteOptions[] = [];
  beforeAll(async () => {
    t = await buildSecApp({}, {}, undefined, { onRoute: (route) => void routes.push(route) });
  });
  afterAll(async () => t?.close());

  it('the Idempotency-Key hooks are on the idempotent routes, and on no other', () => {
    const idempotent = routes.filter((r) => r.config?.idempotent);
    expect(idempotent.length).toBeGreaterThan(5);
    for (const route of routes) {
      const expected = route.config?.idempotent ? 1 : 0;
      const where = `${String(route.method)} ${route.url}`;
      expect(
        hookNames(route, 'preHandler').filter((n) => n === 'claimKey'),
        where,
      ).toHaveLength(expected);
      expect(
        hookNames(route, 'onSend').filter((n) => n === 'settle'),
        where,
      ).toHaveLength(expected);
      expect(
        hookNames(route, 'onResponse').filter((n) => n === 'stop'),
        where,
      ).toHaveLength(expected);
      expect(
        hookNames(route, 'onRequestAbort').filter((n) => n === 'stop'),
        where,
      ).toHaveLength(expected);
    }
  });

  it('the enumeration watch is on POST /api/v1/verify only', () => {
    const watched = routes.filter((r) => hookNames(r, 'onSend').includes('noteOutcome'));
    expect(watched.map((r) => `${String(r.method)} ${r.url}`)).toEqual(['POST /api/v1/verify']);
  });
});

describe('the cheap paths answer as the full ones', () => {
  let t: SecApp;
  let port: number;
  /** request.bodyTimer as each request ended: a pending timer would hold the request for seconds. */
  const timersLeft: unknown[] = [];
  let seq = 0;
  beforeAll(async () => {
    t = await buildSecApp({}, SHORT_LIMITS, (app) => {
      app.addHook('onResponse', (request, _reply, done) => {
        timersLeft.push(request.bodyTimer);
        done();
      });
    });
    port = await listen(t.app);
  });
  afterAll(async () => t?.close());

  const signIn = (payload: string | object, url = '/api/v1/auth/token', headers = {}) => {
    seq += 1;
    return t.app.inject({
      method: 'POST',
      url,
      remoteAddress: `198.18.7.${seq}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload,
    });
  };

  it('NUL and lone surrogates are named per part, flat or nested, as the full walk names them', async () => {
    const cases: [string | object, string, RegExp][] = [
      [{ ...SIGN_IN, password: 'a\u0000b' }, '/api/v1/auth/token', /body contains a NUL/],
      [{ ...SIGN_IN, ['k\u0000']: 1 }, '/api/v1/auth/token', /body contains a NUL/],
      [{ ...SIGN_IN, password: 'a\ud800' }, '/api/v1/auth/token', /body contains a lone UTF-16 surrogate/],
      [{ ...SIGN_IN, x: { y: ['ok', '\udc00'] } }, '/api/v1/auth/token', /body contains a lone UTF-16/],
      [{ ...SIGN_IN, x: [{ y: '\u0000' }] }, '/api/v1/auth/token', /body contains a NUL/],
      [SIGN_IN, '/api/v1/auth/token?x=%00', /query contains a NUL/],
      [SIGN_IN, '/api/v1/auth/token?x=a&x=%00', /query contains a NUL/],
    ];
    for (const [payload, url, message] of cases) {
      const res = await signIn(payload, url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code).toBe('validation_failed');
      expect(res.json().detail ?? res.body).toMatch(message);
    }
    // Clean input, flat or not, reaches the handler (401: wrong password).
    expect((await signIn({ ...SIGN_IN, password: 'Nước mắm 😀' })).statusCode).toBe(401);
    expect((await signIn(SIGN_IN, '/api/v1/auth/token?x=a&x=b')).statusCode).toBe(401);
  });

  it('no body deadline outlives its request: parsed, malformed, or of a type nobody parses', async () => {
    timersLeft.length = 0;
    expect((await signIn(SIGN_IN)).statusCode).toBe(401);
    expect((await signIn('{"email":')).statusCode).toBe(400);
    expect((await signIn('x', '/api/v1/auth/token', { 'content-type': 'application/xml' })).statusCode).toBe(
      415,
    );
    expect(timersLeft).toEqual([null, null, null]);
  });

  it('a small body that arrives late but within its allowance is served', async () => {
    const body = JSON.stringify(SIGN_IN);
    const res = await rawRequest(port, [head(body.length), body], { gapMs: 800, waitMs: 500 });
    expect(res.status).toBe(401);
  });

  it('a large body (the stream path) that stalls is cut off with 408 and a closed connection', async () => {
    const big = JSON.stringify({ ...SIGN_IN, password: 'x'.repeat(20 * 1024) });
    const res = await rawRequest(port, [head(big.length), big.slice(0, 200)], { waitMs: 3_000 });
    expect(res.status).toBe(408);
    expect(res.text).toMatch(/request_timeout/);
    expect(res.closed).toBe(true);
    expect(res.elapsedMs).toBeLessThan(2_000);
  });

  it('a chunked body (no length: the stream path) trickled byte by byte gets 408 and a closed connection', async () => {
    const body = JSON.stringify(SIGN_IN);
    const chunks = bytes(body).map((b) => `1\r\n${b}\r\n`);
    const res = await rawRequest(port, [head('chunked'), ...chunks, '0\r\n\r\n'], {
      gapMs: 100,
      waitMs: 3_000,
    });
    expect(res.status).toBe(408);
    expect(res.closed).toBe(true);
    expect(res.elapsedMs).toBeLessThan(2_500);
  });
});
