import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  api,
  demoCodes,
  ensureSiteBuilt,
  issueUnitCode,
  launchChromium,
  screenshotPath,
  signIn,
  startApp,
  type DemoCodes,
  type RunningApp,
} from './harness.ts';
import { DEMO, copyCode, signInThroughPage, verdictOf, watchConsoleProblems } from './consoles-support.ts';

/**
 * The OCOP office's main path (issue 7 acceptance) in Debian's Chromium: the dashboard with its
 * server-drawn charts, a copied code taken from the signals into a case and closed, and a
 * certificate revoked from the console — after which every code of that product answers
 * `revoked_certificate` at once.
 */
let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let token: string;
let codes: DemoCodes;
let copied: string;
let problems: string[];

interface Page_<T> {
  items: T[];
}
interface ProductRow {
  id: string;
  nameVi: string;
  certificateStatus: string;
}
interface BatchRow {
  id: string;
  status: string;
}

/** A certified product other than the one behind `codes.genuine`, with an active batch. */
let target: { id: string; name: string; codes: string[] };

beforeAll(async () => {
  ensureSiteBuilt();
  app = await startApp();
  token = await signIn(app.origin);
  codes = await demoCodes(app.origin, token);
  copied = await issueUnitCode(app.origin, token, codes.genuineBatchId);
  await copyCode(app.origin, copied);

  const genuineProduct = (
    await api<{ productId: string }>(app.origin, `/api/v1/batches/${codes.genuineBatchId}`, { token })
  ).productId;
  const products = await api<Page_<ProductRow>>(
    app.origin,
    '/api/v1/products?certificateStatus=valid&limit=100',
  );
  for (const p of products.items) {
    if (p.id === genuineProduct) continue;
    const batches = await api<Page_<BatchRow>>(app.origin, `/api/v1/batches?productId=${p.id}&limit=20`, {
      token,
    });
    const active = batches.items.find((b) => b.status === 'active');
    if (!active) continue;
    const issued = await api<{ batchCode: { url: string }; units: { urls: string[] | null } | null }>(
      app.origin,
      `/api/v1/batches/${active.id}/codes`,
      { method: 'POST', token, body: { serials: 2 } },
    );
    const all = [issued.batchCode.url, ...(issued.units?.urls ?? [])];
    // Every other batch of the product that has codes: they must turn too.
    for (const b of batches.items) {
      if (b.id === active.id) continue;
      const c = await api<{ batchCode: { url: string } | null }>(
        app.origin,
        `/api/v1/batches/${b.id}/codes`,
        {
          token,
        },
      );
      if (c.batchCode) all.push(c.batchCode.url);
    }
    target = { id: p.id, name: p.nameVi, codes: all };
    break;
  }
  if (!target) throw new Error('no second certified product with an active batch in the demo data');

  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  problems = watchConsoleProblems(context);
  page = await context.newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the office console', () => {
  it('signs in and shows the dashboard: totals, charts drawn by the server, targets', async () => {
    await signInThroughPage(page, app.origin, '/office', DEMO.admin);
    await page.locator('[data-kpi="certifiedProducts"]').waitFor({ timeout: 20_000 });
    expect(Number(await page.locator('[data-kpi="certifiedProducts"] .value').innerText())).toBeGreaterThan(
      0,
    );
    await expect.poll(() => page.locator('.chart img[src^="blob:"]').count(), { timeout: 20_000 }).toBe(6);
    // Kế hoạch 69/KH-UBND targets are data: 70 new 3–5★ products.
    expect(await page.locator('#targets-title').innerText()).toContain('Kế hoạch 69/KH-UBND');
    expect(await page.locator('[data-metric="new_certified_3_5"]').innerText()).toContain('70');
    await page.screenshot({ path: screenshotPath('consoles-office-dashboard'), fullPage: true });
  });

  it('takes a copied code from the signals into a case, follows it up and closes it', async () => {
    const path = new URL(copied).pathname;
    await page.getByRole('link', { name: 'Vụ việc', exact: true }).click();
    const row = page.locator(`[data-signal-code="${path}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.innerText()).toContain('Nhiều thiết bị quét một mã');
    await row.getByRole('button', { name: 'Mở vụ việc' }).click();
    const title = page.locator('#case-title');
    await title.waitFor();
    // The case opens below the queue: its title takes the focus (and so comes into view).
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('case-title');
    expect(await title.getAttribute('data-case-status')).toBe('open');
    expect(await page.locator('section.panel:has(#case-title)').innerText()).toContain(path);
    await page.getByRole('button', { name: 'Nhận xác minh' }).click();
    await expect
      .poll(() => title.getAttribute('data-case-status'), { timeout: 10_000 })
      .toBe('investigating');
    await page.getByLabel('Thêm ghi chú').fill('Đã yêu cầu QLTT kiểm tra điểm bán tại Đà Nẵng');
    await page.getByRole('button', { name: 'Thêm ghi chú' }).click();
    await page.getByText('Đã yêu cầu QLTT kiểm tra điểm bán tại Đà Nẵng').last().waitFor();
    await page.getByLabel('Kết quả xử lý').selectOption('confirmed_counterfeit');
    await page.getByRole('button', { name: 'Đóng vụ việc' }).click();
    await expect.poll(() => title.getAttribute('data-case-status'), { timeout: 10_000 }).toBe('closed');
    await page.screenshot({ path: screenshotPath('consoles-office-case'), fullPage: true });
  });

  it('revokes a certificate, and every code of that product answers revoked_certificate at once', async () => {
    for (const code of target.codes)
      expect(await verdictOf(app.origin, code), code).not.toBe('revoked_certificate');

    await page.getByRole('link', { name: 'Chứng nhận', exact: true }).click();
    await page.getByLabel('Tìm kiếm').fill(target.name);
    await page.getByRole('button', { name: 'Tìm kiếm' }).click();
    await page.locator(`[data-open-product="${target.id}"]`).click();
    const panel = page.locator(`div.panel[data-product-id="${target.id}"]`);
    await panel.waitFor();
    await expect
      .poll(() =>
        page.evaluate(() => document.activeElement?.closest('.panel')?.getAttribute('data-product-id')),
      )
      .toBe(target.id);
    await panel.getByText('Thu hồi chứng nhận').first().click();
    await panel.getByLabel('Lý do thu hồi').selectOption('FOOD_SAFETY');
    await panel.getByLabel('Ghi chú (không bắt buộc)').fill('Kiểm tra phát hiện vi phạm an toàn thực phẩm');
    // Irreversible: the console asks first, naming the decision and the reason; "Cancel" keeps it.
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await panel.locator('#revoke-form button[type="submit"]').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/^Thu hồi chứng nhận .+ \(lý do: .+\)\? Không hoàn tác được\.$/);
    expect(await panel.locator('[data-state="revoked"]').count()).toBe(0);
    page.once('dialog', (d) => void d.accept());
    await panel.locator('#revoke-form button[type="submit"]').click();
    await panel.locator('[data-state="revoked"]').first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: screenshotPath('consoles-office-revoked'), fullPage: true });

    // At once: the very next verification of each code, no cache to wait out.
    for (const code of target.codes)
      expect(await verdictOf(app.origin, code), code).toBe('revoked_certificate');
    const visitor = await context.newPage();
    await visitor.goto(target.codes[0]!);
    expect(await visitor.locator('[data-verdict]').first().getAttribute('data-verdict')).toBe(
      'revoked_certificate',
    );
    await visitor.close();
    expect(problems).toEqual([]);
  });
});
