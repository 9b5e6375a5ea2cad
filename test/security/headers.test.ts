import { statSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteBuilt } from '../../api/src/plugins/site.ts';
import { buildSecApp, listen, type SecApp } from './support.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
});

/** Parse a CSP header into directive → sources. */
function csp(header: string | string[] | number | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of String(header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name, sources);
  }
  return out;
}

let t: SecApp;
let plain: SecApp;
beforeAll(async () => {
  t = await buildSecApp();
  plain = await buildSecApp({ publicBaseUrl: 'http://localhost:3000' });
});
afterAll(async () => {
  await t?.close();
  await plain?.close();
});

describe('security headers on API responses (V13)', () => {
  it.each(['/api/health', '/api/openapi.json', '/api/v1/me', '/api/no-such-route'])(
    '%s carries a restrictive CSP and the usual headers',
    async (url) => {
      const res = await t.app.inject({ url });
      const policy = csp(res.headers['content-security-policy']);
      expect(policy.get('default-src')).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
      expect(policy.get('base-uri')).toEqual(["'none'"]);
      expect(policy.get('form-action')).toEqual(["'none'"]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers.server).toBeUndefined();
    },
  );

  it("a route's own Cross-Origin-Resource-Policy holds: the keys and the snapshot may be loaded by other origins", async () => {
    for (const url of ['/.well-known/jwks.json', '/api/v1/registry/snapshot']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cross-origin-resource-policy'], url).toBe('cross-origin');
      // The rest of the API's headers stay.
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
    expect((await t.app.inject({ url: '/api/health' })).headers['cross-origin-resource-policy']).toBe(
      'same-origin',
    );
  });

  it('error responses (415, 400, 413) carry the headers too', async () => {
    for (const [headers, payload] of [
      [{ 'content-type': 'text/plain' }, 'x'],
      [{ 'content-type': 'application/json' }, '{'],
      [{ 'content-type': 'application/json' }, JSON.stringify({ x: 'a'.repeat(300_000) })],
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers, payload });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(csp(res.headers['content-security-policy']).get('default-src')).toEqual(["'none'"]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('no HSTS on a plain-http origin (a LAN demo), the rest unchanged', async () => {
    const res = await plain.app.inject({ url: '/api/health' });
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(csp(res.headers['content-security-policy']).get('default-src')).toEqual(["'none'"]);
  });

  it('signed-in answers are never cached; public ones may be', async () => {
    const me = await t.app.inject({ url: '/api/v1/me' });
    expect(me.statusCode).toBe(401);
    expect(me.headers['cache-control']).toBe('no-store');
    const health = await t.app.inject({ url: '/api/health' });
    expect(health.headers['cache-control']).toBeUndefined();
  });

  it('a 401 names the Bearer scheme (WWW-Authenticate), for a missing and for a bad token', async () => {
    for (const headers of [{}, { authorization: 'Bearer not.a.token' }]) {
      const res = await t.app.inject({ url: '/api/v1/me', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="ocop-trace"/);
    }
  });

  it('CORS: a foreign origin gets no Access-Control-Allow-Origin, on a preflight or a request', async () => {
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/me',
      headers: {
        origin: 'http://evil.test',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(pre.statusCode).toBeLessThan(500);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
    const get = await t.app.inject({ url: '/api/v1/me', headers: { origin: 'http://evil.test' } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('/api/docs keeps a working, scoped CSP', () => {
  it('the Swagger UI page and its files get the docs policy: own scripts, no framing', async () => {
    const page = await t.app.inject({ url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const policy = csp(page.headers['content-security-policy']);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    // Every script the page loads is a file of our origin, so script-src 'self' suffices.
    const html = page.body;
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    const scripts = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^(?:https?:)?\/\//);
      const file = await t.app.inject({ url: new URL(src, 'https://ocop.test/api/docs/').pathname });
      expect(file.statusCode).toBe(200);
      expect(csp(file.headers['content-security-policy']).get('script-src')).toEqual(["'self'"]);
    }
  });

  it.runIf(Boolean(CHROMIUM))(
    'Swagger UI renders in Chromium under its policy, without a CSP violation',
    async () => {
      // The plain-http app: no HSTS to remember in the browser.
      const docs = plain;
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const port = await listen(docs.app);
        const tab = await browser.newPage();
        const violations: string[] = [];
        tab.on('console', (m) => {
          if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
        });
        await tab.goto(`http://127.0.0.1:${port}/api/docs/`, { waitUntil: 'load' });
        await tab.locator('.swagger-ui .info .title').first().waitFor({ timeout: 15_000 });
        expect(await tab.locator('.opblock').count()).toBeGreaterThan(3);
        expect(violations).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  it('the relaxed policy does not leak to other API routes', async () => {
    const res = await t.app.inject({ url: '/api/openapi.json' });
    expect(csp(res.headers['content-security-policy']).get('default-src')).toEqual(["'none'"]);
  });
});

describe.runIf(siteBuilt())('site pages keep the site policy (site plugin)', () => {
  let s: SecApp;
  beforeAll(async () => {
    s = await buildSecApp({ serveSite: true });
  });
  afterAll(async () => s?.close());

  it('a page gets the site CSP (no inline script), the API keeps its own on the same app', async () => {
    const page = await s.app.inject({ url: '/' });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const policy = csp(page.headers['content-security-policy']);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).not.toContain("'unsafe-inline'");
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['strict-transport-security']).toMatch(/max-age/);
    const api = await s.app.inject({ url: '/api/health' });
    expect(csp(api.headers['content-security-policy']).get('default-src')).toEqual(["'none'"]);
  });

  it("a code's page, rendered by the resolver in the API's scope, carries the same headers as any page", async () => {
    const home = await s.app.inject({ url: '/' });
    // Unsigned: the page still renders (it says the code is not genuine).
    const code = await s.app.inject({
      url: '/01/08939990000026/10/L1',
      headers: { accept: 'text/html' },
    });
    expect(code.headers['content-type']).toMatch(/text\/html/);
    const policy = (h: typeof home.headers) =>
      Object.fromEntries(
        [
          'content-security-policy',
          'referrer-policy',
          'cross-origin-resource-policy',
          'cross-origin-opener-policy',
          'x-frame-options',
          'x-content-type-options',
          'strict-transport-security',
          'permissions-policy',
        ].map((name) => [name, h[name]]),
      );
    expect(policy(code.headers)).toEqual(policy(home.headers));
    // Not the API's `no-referrer`: under it a browser posts the page's report form with
    // `Origin: null`, which the site's same-origin check refuses.
    expect(code.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  });
});
