import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSecApp, SHORT_LIMITS, bytes, listen, rawRequest, type SecApp } from './support.ts';

const SIGN_IN = { email: 'nobody@test.ocop.vn', password: 'wrong' };

/** Sign in `n` times from the peer `remoteAddress` with the given X-Forwarded-For values. */
async function signIns(t: SecApp, remoteAddress: string, xff: (i: number) => string | undefined, n: number) {
  const codes: number[] = [];
  let retryAfter: string | undefined;
  for (let i = 0; i < n; i++) {
    const forwarded = xff(i);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress,
      headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
      payload: SIGN_IN,
    });
    codes.push(res.statusCode);
    if (res.statusCode === 429) retryAfter = String(res.headers['retry-after']);
  }
  return { codes, retryAfter };
}

describe('per-client rate limits keyed by the client address (L01)', () => {
  let direct: SecApp;
  let proxied: SecApp;
  beforeAll(async () => {
    direct = await buildSecApp();
    proxied = await buildSecApp({ trustedProxies: ['10.0.0.1'] });
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  it('sign-in: a spoofed, rotating X-Forwarded-For from an untrusted peer does not evade the limit', async () => {
    const { codes, retryAfter } = await signIns(direct, '198.51.100.20', (i) => `203.0.113.${i}`, 12);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes.slice(10)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('sign-in: the same spoofing through a trusted proxy is still limited per real client', async () => {
    // Behind the proxy the client is the address the proxy appended last (rightmost untrusted).
    const { codes } = await signIns(proxied, '10.0.0.1', (i) => `203.0.113.${i}, 198.51.100.30`, 12);
    expect(codes.at(-1)).toBe(429);
  });

  it('sign-in: X-Forwarded-For from a configured trusted proxy is honoured (clients counted apart)', async () => {
    const a = await signIns(proxied, '10.0.0.1', () => '198.51.100.41', 10);
    const b = await signIns(proxied, '10.0.0.1', () => '198.51.100.42', 10);
    expect([...a.codes, ...b.codes].every((c) => c === 401)).toBe(true);
    const more = await signIns(proxied, '10.0.0.1', () => '198.51.100.41', 1);
    expect(more.codes).toEqual([429]);
  });

  it('sign-in: an untrusted peer is one client whatever X-Forwarded-For says, on a real socket', async () => {
    {
      // The loopback peer has a budget of its own: the addresses above were others.
      const port = await listen(direct.app);
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `192.0.2.${i}` },
          body: JSON.stringify(SIGN_IN),
        });
        codes.push(res.status);
        await res.arrayBuffer();
      }
      expect(codes.filter((c) => c === 429).length).toBe(2);
    }
  });
});

describe('request timeouts and slow bodies (L03)', () => {
  let t: SecApp;
  let port: number;
  beforeAll(async () => {
    t = await buildSecApp({}, SHORT_LIMITS);
    port = await listen(t.app);
  });
  afterAll(async () => t?.close());

  const body = JSON.stringify(SIGN_IN);
  const head = (len: number) =>
    `POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`;

  it('a body sent byte by byte is cut off with 408 and a closed connection within the limit', async () => {
    const started = performance.now();
    const [slow, normal] = await Promise.all([
      rawRequest(port, [head(body.length), ...bytes(body)], { gapMs: 100, waitMs: 3_000 }),
      // A normal request meanwhile is served at once.
      (async () => {
        await new Promise((r) => setTimeout(r, 300));
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/api/health`);
        await res.arrayBuffer();
        return { status: res.status, ms: performance.now() - t0 };
      })(),
    ]);
    expect(slow.status).toBe(408);
    expect(slow.text).toMatch(/request_timeout/);
    expect(slow.closed).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(normal.status).toBe(200);
    expect(normal.ms).toBeLessThan(500);
  });

  it('headers sent byte by byte (slowloris) are cut off by the headers timeout', async () => {
    const res = await rawRequest(port, bytes(head(body.length)), { gapMs: 50, waitMs: 3_000 });
    expect(res.closed).toBe(true);
    expect(res.elapsedMs).toBeLessThan(2_500);
    expect([408, undefined]).toContain(res.status);
  });

  it('a body declared longer than it is (the client stalls) is cut off the same way', async () => {
    const res = await rawRequest(port, [head(body.length + 100), body], { waitMs: 3_000 });
    expect(res.status).toBe(408);
    expect(res.closed).toBe(true);
    expect(res.elapsedMs).toBeLessThan(2_000);
  });

  it('a large body arriving steadily above the minimum rate is served, past the grace period', async () => {
    // 24 KiB in 12 parts over ~1.8 s: about 13 KiB/s, above the 8 KiB/s floor.
    const big = JSON.stringify({ ...SIGN_IN, password: 'x'.repeat(24 * 1024) });
    const step = Math.ceil(big.length / 12);
    const parts = Array.from({ length: 12 }, (_, i) => big.slice(i * step, (i + 1) * step));
    const res = await rawRequest(port, [head(big.length), ...parts], { gapMs: 150, waitMs: 1_000 });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/validation_failed/);
  });

  it('a body that arrives in time is served normally', async () => {
    const res = await rawRequest(port, [head(body.length), ...bytes(body).slice(0, 5), body.slice(5)], {
      gapMs: 50,
      waitMs: 500,
    });
    expect(res.status).toBe(401);
  });
});

describe('bounded input sizes', () => {
  let t: SecApp;
  beforeAll(async () => {
    t = await buildSecApp();
  });
  afterAll(async () => t?.close());

  it('a body over the 256 KiB limit answers 413 before it is parsed', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress: '198.51.100.90',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"a@b.vn","password":"${'x'.repeat(256 * 1024)}"}`,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });

  it('a streamed 20 MB body is refused early, without buffering it', async () => {
    {
      const port = await listen(t.app);
      const before = process.memoryUsage().rss;
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const res = await rawRequest(
        port,
        [
          'POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
          ...Array.from({ length: 320 }, () =>
            Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
          ),
        ],
        { waitMs: 1_000 },
      );
      expect(res.status).toBe(413);
      expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
    }
  });

  it('URLs and path parameters are bounded (maxParamLength), never a 5xx', async () => {
    for (const n of [99, 100, 101, 500, 501, 2_048, 10_000]) {
      const res = await t.app.inject({ url: `/api/v1/products/${'a'.repeat(n)}` });
      expect(res.statusCode).toBeLessThan(500);
    }
  });
});
