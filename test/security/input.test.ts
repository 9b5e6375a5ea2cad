import { gzipSync, deflateSync } from 'node:zlib';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSecApp, listen, rawRequest, type SecApp } from './support.ts';

/**
 * Input hygiene at the edge (reliability.md V01–V08, §2.2–2.3), on the sign-in route: a public
 * route whose handler tells apart "reached the handler" (401 invalid_credentials) from "refused
 * before it" (400/413/415). Every request gets its own client address, so the sign-in rate limit
 * never hides the answer under test.
 */
let t: SecApp;
let handlerCalls = 0;
let seq = 0;
beforeAll(async () => {
  t = await buildSecApp({}, {}, (app) => {
    app.addHook('preHandler', async (request) => {
      if (request.url === '/api/v1/auth/token') handlerCalls += 1;
    });
  });
});
afterAll(async () => t?.close());

function signIn(opts: Omit<InjectOptions, 'url' | 'method'>): Promise<LightMyRequestResponse> {
  seq += 1;
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    remoteAddress: `198.18.${seq >> 8}.${seq & 255}`,
    ...opts,
  });
}

const VALID = { email: 'nobody@test.ocop.vn', password: 'wrong' };
const json = { 'content-type': 'application/json' };

describe('mass assignment (V01)', () => {
  it.each([
    { role: 'admin' },
    { producerId: '00000000-0000-4000-8000-000000000000' },
    { status: 'certified' },
    { certifiedUntil: '2099-01-01' },
    { id: '00000000-0000-4000-8000-000000000000' },
    { isAdmin: true },
  ])('an extra field %o is refused with 400, not stripped', async (extra) => {
    const before = handlerCalls;
    const res = await signIn({ payload: { ...VALID, ...extra } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
    expect(handlerCalls).toBe(before);
  });
});

describe('type confusion (V02)', () => {
  it.each([
    ['password as number', { ...VALID, password: 12345 }],
    ['password as array', { ...VALID, password: ['wrong'] }],
    ['password as object', { ...VALID, password: { $ne: '' } }],
    ['password as null', { ...VALID, password: null }],
    ['password as boolean', { ...VALID, password: true }],
    ['email as array', { ...VALID, email: [VALID.email] }],
    ['email as a huge number', '{"email":1e309,"password":"x"}'],
    ['password as a numeric string is still a string, email as number is not', { ...VALID, email: 10 }],
    ['body as array', [VALID]],
    ['body as string', JSON.stringify(JSON.stringify(VALID))],
    ['body as number', '2'],
    ['body as null', 'null'],
  ])('%s: 400, never coerced', async (_name, payload) => {
    const res = await signIn({
      headers: json,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    expect(res.statusCode).toBe(400);
  });
});

describe('prototype poisoning (V03)', () => {
  it.each([
    '{"email":"a@b.vn","password":"x","__proto__":{"role":"admin"}}',
    '{"email":"a@b.vn","password":"x","constructor":{"prototype":{"role":"admin"}}}',
    '{"email":"a@b.vn","password":"x","nested":{"__proto__":{"isAdmin":true}}}',
    '{"email":"a@b.vn","password":"x","nested":[{"constructor":{"prototype":{"x":1}}}]}',
    '{"__proto__":{"polluted":"yes"}}',
    '{"email":"a@b.vn","password":"x","\\u005f_proto__":{"role":"admin"}}',
  ])('%s answers 400 before any handler, and pollutes nothing', async (payload) => {
    const before = handlerCalls;
    const res = await signIn({ headers: json, payload });
    expect(res.statusCode).toBe(400);
    expect(handlerCalls).toBe(before);
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('the app is configured to refuse, not strip, both kinds', () => {
    expect(t.app.initialConfig.onProtoPoisoning).toBe('error');
    expect(t.app.initialConfig.onConstructorPoisoning).toBe('error');
  });
});

describe('oversized and compressed bodies (V04)', () => {
  it('gzip and deflate bodies are refused with 415: nothing is inflated (no zip bombs)', async () => {
    // 10 MB of zeros in a ~10 KB gzip body.
    const bomb = gzipSync(Buffer.from(`{"email":"a@b.vn","password":"${'0'.repeat(10_000_000)}"}`));
    expect(bomb.length).toBeLessThan(64 * 1024);
    for (const [encoding, payload] of [
      ['gzip', bomb],
      ['deflate', deflateSync(Buffer.from(JSON.stringify(VALID)))],
      ['br', Buffer.from(JSON.stringify(VALID))],
      ['gzip, identity', gzipSync(Buffer.from(JSON.stringify(VALID)))],
      ['GZIP', gzipSync(Buffer.from(JSON.stringify(VALID)))],
    ] as const) {
      const before = handlerCalls;
      const res = await signIn({ headers: { ...json, 'content-encoding': encoding }, payload });
      expect(res.statusCode, encoding).toBe(415);
      expect(res.json().code).toBe('unsupported_media_type');
      expect(handlerCalls).toBe(before);
    }
  });

  it('Content-Encoding: identity is plain JSON', async () => {
    const res = await signIn({ headers: { ...json, 'content-encoding': 'identity' }, payload: VALID });
    expect(res.statusCode).toBe(401);
  });

  it('a gzip bomb on a real socket is refused without inflating it', async () => {
    const port = await socketPort();
    const bomb = gzipSync(Buffer.alloc(50_000_000, 0x20));
    const before = process.memoryUsage().rss;
    const res = await rawRequest(port, [
      `POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`,
      bomb,
    ]);
    expect(res.status).toBe(415);
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });
});

let port: number | undefined;
/** The same app listening on loopback, for requests `inject` cannot express. */
async function socketPort(): Promise<number> {
  port ??= await listen(t.app);
  return port;
}

describe('content-type tricks (V05: the Fastify CVE regressions)', () => {
  // A body that only a handler without validation would accept: an unknown field.
  const smuggled = JSON.stringify({ ...VALID, role: 'admin' });

  it.each([
    ['application/json', 400],
    ['application/json; charset=utf-8', 400],
    ['Application/JSON', 400],
    ['APPLICATION/JSON; CHARSET=UTF-8', 400],
    ['application/json ; charset=utf-8', 400],
    ['application/json;', 400],
  ])('%s is JSON and is validated (%i)', async (type, status) => {
    const before = handlerCalls;
    const res = await signIn({ headers: { 'content-type': type }, payload: smuggled });
    expect(res.statusCode).toBe(status);
    expect(handlerCalls).toBe(before);
  });

  it.each([
    'application/jsonx', // a different type sharing a prefix
    'application/json garbage', // CVE-2026-3419: missing $ anchor
    'application/json\tx', // CVE-2026-25223: tab after the type
    'application/json\t', // CVE-2026-25223
    'application/json, text/plain', // a list is not a media type
    'application/x-json',
    'application/vnd.api+json',
    'text/plain', // CVE-2022-41919 / GHSA-3fjj-p79j-c9hh: no preflight for text/plain
    'text/plain; charset=utf-8',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'constructor', // GHSA-455w-c45v-86rg: prototype names as content types
    '__proto__',
    'hasOwnProperty',
    'toString',
    '',
  ])('%j: never an unvalidated body (415, or 400 by the JSON schema)', async (type) => {
    const before = handlerCalls;
    const res = await signIn({ headers: { 'content-type': type }, payload: smuggled });
    expect([400, 415]).toContain(res.statusCode);
    expect(handlerCalls).toBe(before);
  });

  it('text/plain carrying a valid JSON sign-in is 415 (the CSRF vector), not a sign-in', async () => {
    const res = await signIn({ headers: { 'content-type': 'text/plain' }, payload: JSON.stringify(VALID) });
    expect(res.statusCode).toBe(415);
  });

  it('a body without any content type is 415', async () => {
    const port = await socketPort();
    const body = JSON.stringify(VALID);
    const res = await rawRequest(port, [
      `POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ]);
    expect(res.status).toBe(415);
  });

  it.each([
    ['application/json', 'text/plain'],
    ['text/plain', 'application/json'],
    ['application/json', 'application/json'],
  ])('duplicate Content-Type headers (%s then %s) never reach the handler unvalidated', async (a, b) => {
    const port = await socketPort();
    const res = await rawRequest(port, [
      `POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: ${a}\r\nContent-Type: ${b}\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`,
    ]);
    expect([400, 415]).toContain(res.status);
  });

  it.each([
    ' application/json', // CVE-2026-33806: leading space (the parser trims it as optional whitespace)
    'application/json\u000b',
    'application/json\u0000',
  ])('%j on a real socket: refused or validated, never 5xx', async (type) => {
    const port = await socketPort();
    const res = await rawRequest(port, [
      `POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`,
    ]);
    expect([400, 415]).toContain(res.status);
  });
});

describe('malformed JSON (V06)', () => {
  it.each([
    ['truncated', '{"email":"a@b.vn","password":'],
    ['trailing comma', '{"email":"a@b.vn","password":"x",}'],
    ['single quotes', "{'email':'a@b.vn','password':'x'}"],
    ['comments', '{"email":"a@b.vn",/* */"password":"x"}'],
    ['NaN', '{"email":"a@b.vn","password":NaN}'],
    ['empty', ''],
    ['whitespace', '   '],
    ['deep nesting', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['deep objects', '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ])('%s: 400', async (_name, payload) => {
    const res = await signIn({ headers: json, payload });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('a byte-order mark is ignored (RFC 8259 §8.1) and the body is still validated', async () => {
    const smuggled = await signIn({
      headers: json,
      payload: '\ufeff{"email":"a@b.vn","password":"x","role":"admin"}',
    });
    expect(smuggled.statusCode).toBe(400);
    const ok = await signIn({ headers: json, payload: '\ufeff{"email":"a@b.vn","password":"x"}' });
    expect(ok.statusCode).toBe(401);
  });

  it('duplicate keys: the last wins, and an unknown duplicate is still refused', async () => {
    const res = await signIn({
      headers: json,
      payload: '{"email":"a@b.vn","password":"x","password":"y","role":"x","role":"admin"}',
    });
    expect(res.statusCode).toBe(400);
    const ok = await signIn({ headers: json, payload: '{"email":"a@b.vn","password":"x","password":"y"}' });
    expect(ok.statusCode).toBe(401);
  });
});

describe('NUL bytes, surrogates and odd Unicode (V07)', () => {
  it.each([
    ['NUL in a field', { ...VALID, password: 'a\u0000b' }],
    ['NUL alone', { ...VALID, email: '\u0000' }],
    ['lone high surrogate', { ...VALID, password: 'a\ud800b' }],
    ['lone low surrogate', { ...VALID, password: '\udc00' }],
  ])('%s: 400 validation_failed, never a database encoding error', async (_name, payload) => {
    const before = handlerCalls;
    const res = await signIn({ payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
    expect(handlerCalls).toBe(before);
  });

  it.each([
    ['emoji', 'mật khẩu 😀👍🏽'],
    ['RTL override', 'abc\u202Edef'],
    ['zero-width', 'a\u200Bb\u200Dc'],
    ['combining marks', 'Nuoc mam Sa Huy\u0300nh'],
    ['Vietnamese NFC', 'Nước mắm Sa Huỳnh'],
  ])('%s reaches the handler intact (401 for a wrong password)', async (_name, password) => {
    const res = await signIn({ payload: { ...VALID, password } });
    expect(res.statusCode).toBe(401);
  });

  it.each([
    '/api/v1/me%00',
    '/api/%00',
    '/api/v1/products/%00',
    '/api/v1/products/a%00b',
    '/%00',
    '/api/docs/%00',
  ])('NUL in a path %s: 4xx, never 5xx', async (url) => {
    const res = await t.app.inject({ url });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });

  it.each(['/api/health?x=%00', '/api/health?x=%ud800', '/api/health?%00=1', '/api/v1/me?x=%E0%A4%A'])(
    'odd query %s: never 5xx',
    async (url) => {
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBeLessThan(500);
    },
  );
});

describe('query abuse (V08)', () => {
  it('unknown query parameters on a route without any are harmless', async () => {
    const res = await t.app.inject({ url: '/api/health?limit=1000000&offset=-1&sort=name;drop' });
    expect(res.statusCode).toBe(200);
  });
});
