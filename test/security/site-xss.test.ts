import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../faults/support.ts';
import { siteBuilt } from '../../api/src/plugins/site.ts';
import { createUser } from '../helpers/app.ts';
import { makeBatch, makeCertificate, makeProduct, makeProducer } from '../helpers/factories.ts';
import { buildSecApp, listen, type SecApp } from './support.ts';

/**
 * V11: script strings in product and producer names are stored as text and shown escaped by the
 * site, and the page's CSP would block an inline script even if one slipped through. Checked in
 * the server-rendered HTML and in a real Chromium that fails on any dialog.
 */
const PRODUCER = '<script>alert("producer")</script>HTX "Ớt" & Tỏi';
const PRODUCT = '"><img src=x onerror=alert(1)>Nước mắm <script>alert(2)</script></title>';
const DESCRIPTION = '<svg onload=alert(3)></svg><a href="javascript:alert(4)">xem</a>';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
});

describe.runIf(siteBuilt())('stored XSS in names shown by the site (V11)', () => {
  let t: SecApp;
  let codeUrl = '';
  let productId = '';

  beforeAll(async () => {
    t = await buildSecApp({ serveSite: true });
    const admin = await createUser(t.app, 'admin');
    const producer = await makeProducer(t.app.db, { name: PRODUCER });
    const product = await makeProduct(t.app.db, {
      producer_id: producer.id,
      name_vi: PRODUCT,
      description_vi: DESCRIPTION,
    });
    productId = product.id;
    await makeCertificate(t.app.db, product.id);
    const batch = await makeBatch(t.app.db, product.id);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/batches/${batch.id}/codes`,
      headers: { authorization: admin.authorization },
      payload: { serials: 1 },
    });
    expect(res.statusCode).toBe(201);
    codeUrl = res.json().units.urls[0] as string;
  }, 120_000);
  afterAll(async () => t?.close());

  /**
   * The names appear only as text: in element content `<` and `>` are entities; in quoted attribute
   * values (`alt="…"`, where `<` is harmless) the quote is `&quot;`, so nothing breaks out.
   */
  function expectEscaped(html: string) {
    const outsideAttributes = html.replace(/="[^"]*"/g, '=""');
    for (const raw of ['<script>alert', '<img src=x', '<svg onload', 'href="javascript:']) {
      expect(outsideAttributes).not.toContain(raw);
    }
    expect(html).not.toContain('"><img');
    expect(html).toContain('&lt;/title&gt;');
    expect(html).toContain('&lt;script&gt;alert(&quot;producer&quot;)&lt;/script&gt;');
    expect(html).toMatch(/&lt;img src=x onerror=alert\(1\)&gt;Nước mắm/);
  }

  /** The page at `path`, as a browser asks for it. */
  async function page(path: string) {
    return t.app.inject({ url: path, headers: { accept: 'text/html' } });
  }

  it('the API stores and returns the names as text, unchanged', async () => {
    const res = await t.app.inject({ url: `/api/v1/products/${productId}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toContain(JSON.stringify(PRODUCT).slice(1, -1));
  });

  it('the verification page shows the names escaped, never as markup, under a CSP without inline script', async () => {
    const url = new URL(codeUrl);
    const res = await page(url.pathname + url.search);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const html = res.body;
    expect(html).toMatch(/data-verdict="genuine"/);
    expectEscaped(html);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline[^;]*;?\s*$|script-src[^;]*unsafe-inline/);
    // Every script the page loads is a file of our origin: no inline script element at all.
    expect(html.replace(/="[^"]*"/g, '=""')).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/i);
  });

  it('the catalogue page of the product escapes them too', async () => {
    const res = await page(`/san-pham/${productId}`);
    expect([200, 404]).toContain(res.statusCode);
    if (res.statusCode === 200) expectEscaped(res.body);
  });

  it('no page template renders HTML from data (no set:html)', () => {
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (
          /\.(astro|ts|tsx|js|mjs)$/.test(e.name) &&
          /set:html\s*=|\.innerHTML\s*=|dangerouslySetInnerHTML\s*=/.test(readFileSync(p, 'utf8'))
        )
          hits.push(p);
      }
    };
    walk(join(ROOT, 'site/src'));
    expect(hits).toEqual([]);
  });

  describe.runIf(Boolean(CHROMIUM))('in a real browser', () => {
    let browser: Browser;
    let origin = '';
    beforeAll(async () => {
      origin = `http://127.0.0.1:${await listen(t.app)}`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    }, 60_000);
    afterAll(async () => browser?.close());

    it('opening the verification page runs no injected script and shows the names as text', async () => {
      const ctx = await browser.newContext();
      const tab = await ctx.newPage();
      const dialogs: string[] = [];
      const violations: string[] = [];
      tab.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      tab.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      const url = new URL(codeUrl);
      const res = await tab.goto(`${origin}${url.pathname}${url.search}`, { waitUntil: 'load' });
      expect(res?.status()).toBe(200);
      await tab.waitForTimeout(300);
      expect(dialogs).toEqual([]);
      // No element the names could have created: no inline script, no handler attributes.
      expect(await tab.locator('script:not([src])').count()).toBe(0);
      expect(await tab.locator('[onerror], [onload]').count()).toBe(0);
      expect(await tab.locator('a[href^="javascript:"]').count()).toBe(0);
      const text = await tab.locator('body').innerText();
      expect(text).toContain('<script>alert("producer")</script>');
      expect(await tab.locator('[data-verdict]').first().getAttribute('data-verdict')).toBe('genuine');
      // The page's own scripts and styles pass its CSP: no violation reported.
      expect(violations).toEqual([]);
      // Had markup slipped through, the CSP would still refuse to run an inline script.
      const violated = await tab.evaluate(
        () =>
          new Promise<string>((resolve) => {
            document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective));
            const el = document.createElement('script');
            el.textContent = 'window.__xss = 1';
            document.body.appendChild(el);
            setTimeout(() => resolve('none'), 1_000);
          }),
      );
      expect(violated).toMatch(/^script-src/);
      expect(await tab.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      await ctx.close();
    }, 60_000);
  });
});
