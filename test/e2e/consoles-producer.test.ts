import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  api,
  ensureSiteBuilt,
  launchChromium,
  screenshotPath,
  signIn,
  startApp,
  type RunningApp,
} from './harness.ts';
import { DEMO, signInThroughPage, verdictOf, watchConsoleProblems } from './consoles-support.ts';

/**
 * The producer's main path (issue 7 acceptance) in Debian's Chromium: products and certificates
 * with their re-evaluation dates, a new batch with its zone and value-chain steps, codes issued,
 * labels previewed and downloaded, the scans of the batch, and a recall that every code obeys.
 */
let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];
const lot = `E2E-${Date.now().toString(36).toUpperCase()}`;
let batchCode = '';
/** The screenshots of the labels' background job, looked at by hand. */
const UX = '/tmp/ux-labels';

beforeAll(async () => {
  ensureSiteBuilt();
  app = await startApp();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  problems = watchConsoleProblems(context);
  page = await context.newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the producer console', () => {
  it('signs in and lists my products with their certificates and re-evaluation dates', async () => {
    await signInThroughPage(page, app.origin, '/producer', DEMO.producer);
    const rows = page.locator('tr[data-product-id]');
    await rows.first().waitFor({ timeout: 20_000 });
    expect(await rows.count()).toBeGreaterThan(0);
    // Every certified product says when its re-evaluation window opens (30 days before expiry).
    expect(await page.locator('#products-title ~ * .hint, .renewal-warning').count()).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('consoles-producer-products'), fullPage: true });
  });

  it('records a batch with its raw-material zone and value-chain steps', async () => {
    await page.getByRole('link', { name: 'Tạo lô mới', exact: true }).click();
    const product = page.getByLabel('Chọn sản phẩm');
    await product.locator('option:not([disabled]):not([value=""])').first().waitFor({ state: 'attached' });
    const value = await product
      .locator('option:not([disabled]):not([value=""])')
      .first()
      .getAttribute('value');
    await product.selectOption(value);
    await page.getByLabel('Số lô').fill(lot);
    await page.getByLabel('Số lượng').fill('12');
    await page.getByLabel('Đơn vị').fill('hộp');
    const zone = page.locator('fieldset:has(legend:text("Vùng nguyên liệu")) input[type="checkbox"]').first();
    if (await zone.count()) await zone.check();
    await page.getByRole('button', { name: 'Thêm bước' }).click();
    // Yesterday morning, Vietnam time (datetime-local is the wall clock).
    const yesterday = new Date(Date.now() + 7 * 3600_000 - 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Thời điểm').fill(`${yesterday}T07:30`);
    await page.getByLabel('Địa điểm (không bắt buộc)').fill('Vườn tỏi thôn Tây, Lý Sơn');
    await page.getByRole('button', { name: 'Tạo lô hàng' }).click();
    await page.locator('#batch-detail-title').waitFor({ timeout: 20_000 });
    expect(await page.locator('#batch-detail-title').innerText()).toContain(lot);
    // The new batch's panel takes the focus (it opens beside, or on a phone below, the list).
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('batch-detail-title');
    expect(await page.locator('.timeline').first().innerText()).toContain('Vườn tỏi thôn Tây, Lý Sơn');
  });

  it('issues the batch code and unit codes', async () => {
    await page.getByLabel('Số mã từng sản phẩm cần cấp thêm (0 = chỉ mã lô)').fill('4');
    await page.locator('#issue-codes').click();
    await page.getByText('Đã cấp mã lô và 4 mã sản phẩm.').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => page.locator('[data-unit-codes]').getAttribute('data-unit-codes'), { timeout: 10_000 })
      .toBe('4');
    // The button, disabled while it worked, has the focus back (not the page's body).
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('issue-codes');
    batchCode = (await page.locator('[data-batch-code]').getAttribute('data-batch-code'))!;
    expect(batchCode).toContain(`/10/${lot}`);
    expect(await verdictOf(app.origin, batchCode)).toBe('genuine');
  });

  it('previews labels and downloads them in the chosen layout', async () => {
    await page.getByLabel('Khổ tem').selectOption('a4-40-52x30');
    await page.getByLabel('In mã').selectOption('units');
    await page.getByRole('button', { name: 'Xem trước' }).click();
    await page.locator('.label-preview img[src^="blob:"]').waitFor({ timeout: 30_000 });
    const [pdf] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.locator('#download-labels').click(),
    ]);
    expect(pdf.suggestedFilename()).toMatch(new RegExp(`^tem-${lot}-a4-40-52x30\\.pdf$`));
    const bytes = await readFile(await pdf.path());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');

    await page.getByLabel('Định dạng').selectOption('png');
    await page.getByLabel('Khổ tem').selectOption('roll-50x40');
    await page.getByLabel('Độ phân giải máy in').selectOption('203');
    await page.getByLabel('In mã').selectOption('batch');
    const [png] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.locator('#download-labels').click(),
    ]);
    const image = await readFile(await png.path());
    expect(image.subarray(1, 4).toString()).toBe('PNG');
    await page.screenshot({ path: screenshotPath('consoles-producer-batch'), fullPage: true });
  });

  it('makes the labels in the background, finds the job again after a reload, and downloads its PDF', async () => {
    await mkdir(UX, { recursive: true });
    await page.getByLabel('Định dạng').selectOption('pdf');
    await page.getByLabel('Khổ tem').selectOption('a4-40-52x30');
    await page.getByLabel('Độ phân giải máy in').selectOption('');
    await page.getByLabel('In mã').selectOption('units');
    // A small run keeps the direct download and offers the background job beside it.
    expect(await page.locator('#download-labels').count()).toBe(1);
    expect(await page.locator('#start-label-job').getAttribute('class')).toContain('secondary');
    await page.locator('#start-label-job').click();
    await page.locator('[data-label-job="done"]').waitFor({ timeout: 60_000 });
    // The progress was announced politely; the file, once ready, takes the focus.
    expect(await page.locator('.label-job [role="status"][aria-live="polite"]').count()).toBe(1);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('download-label-job');
    expect(await page.locator('.label-job').innerText()).toMatch(
      /Tệp 4 tem đã sẵn sàng\. Tệp sẽ bị xóa khỏi máy chủ ngày \d{2}\/\d{2}\/\d{4}\./,
    );
    await page.screenshot({ path: join(UX, 'job-done-vi.png'), fullPage: true });

    // The tab closed and opened again: the batch's last job is still there.
    await page.reload();
    await page.getByRole('button', { name: `Mở ${lot}` }).click();
    await page.locator('[data-label-job="done"]').waitFor({ timeout: 20_000 });
    const [file] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.locator('#download-label-job').click(),
    ]);
    expect(file.suggestedFilename()).toBe(`tem-${lot}-a4-40-52x30.pdf`);
    const bytes = await readFile(await file.path());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('offers only the background job for more labels than one direct download draws', async () => {
    await page.getByLabel('In mã').selectOption('batch');
    await page.getByLabel('Số tem mã lô').fill('10001');
    await page.locator('#labels-too-many').waitFor();
    expect(await page.locator('#download-labels').count()).toBe(0);
    expect(await page.locator('#labels-too-many').innerText()).toContain('Hơn 10.000 tem');
    expect(await page.locator('#start-label-job').getAttribute('class')).not.toContain('secondary');
    await page.screenshot({ path: join(UX, 'too-many-vi.png'), fullPage: true });
    await page.getByLabel('Số tem mã lô').fill('1');
    await page.locator('#download-labels').waitFor();
    expect(await page.locator('#labels-too-many').count()).toBe(0);

    // A batch of more than 10,000 unit codes (a season of bottled fish sauce): the same rule.
    const token = await signIn(app.origin, DEMO.producer);
    const batches = await api<{ items: { id: string; lot: string }[] }>(
      app.origin,
      '/api/v1/batches?limit=100',
      {
        token,
      },
    );
    const id = batches.items.find((b) => b.lot === lot)!.id;
    await api(app.origin, `/api/v1/batches/${id}/codes`, { method: 'POST', token, body: { serials: 9_997 } });
    await expect
      .poll(
        async () =>
          (await api<{ unitCodes: number }>(app.origin, `/api/v1/batches/${id}/codes`, { token })).unitCodes,
        { timeout: 60_000 },
      )
      .toBe(10_001);
    await page.getByRole('button', { name: 'Đóng' }).click();
    await page.getByRole('button', { name: `Mở ${lot}` }).click();
    await expect
      .poll(() => page.locator('[data-unit-codes]').getAttribute('data-unit-codes'), { timeout: 10_000 })
      .toBe('10001');
    await page.getByLabel('In mã').selectOption('units');
    await page.locator('#labels-too-many').waitFor();
    expect(await page.locator('#download-labels').count()).toBe(0);
    expect(await page.locator('#start-label-job').isEnabled()).toBe(true);
  });

  it('shows the scans of my batch', async () => {
    await verdictOf(app.origin, batchCode, 'e2e-producer-device-1', 'Quảng Ngãi');
    await verdictOf(app.origin, batchCode, 'e2e-producer-device-2', 'Đà Nẵng');
    // Reopen the batch so its numbers are fresh.
    await page.getByRole('button', { name: 'Đóng' }).click();
    await page.getByRole('button', { name: `Mở ${lot}` }).click();
    await page.getByText('Lượt quét', { exact: true }).click();
    const total = page.locator('.kpis li').first();
    await total.waitFor();
    expect(Number(await total.locator('.value').innerText())).toBeGreaterThanOrEqual(3);
  });

  it('recalls the batch, and its codes answer recalled_batch at once', async () => {
    await page.getByText('Thu hồi lô hàng', { exact: true }).click();
    await page.getByLabel('Lý do thu hồi').fill('Phát hiện bao bì bị rách trong lô, thu hồi để kiểm tra');
    await page.getByRole('button', { name: 'Thu hồi lô này' }).click();
    await page.getByText(/Đã thu hồi ngày/).waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('batch-detail-title');
    expect(await verdictOf(app.origin, batchCode)).toBe('recalled_batch');
    const token = await signIn(app.origin, DEMO.producer);
    const batches = await api<{ items: { lot: string; status: string }[] }>(
      app.origin,
      '/api/v1/batches?limit=100',
      {
        token,
      },
    );
    expect(batches.items.find((b) => b.lot === lot)?.status).toBe('recalled');
    expect(problems).toEqual([]);
  });

  it('on a 360-px phone, an open batch fits the screen (labels form included) with 44-px buttons, in English too', async () => {
    const phone = await browser.newContext({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const phoneProblems = watchConsoleProblems(phone);
    try {
      const p = await phone.newPage();
      await signInThroughPage(p, app.origin, '/producer', DEMO.producer);
      await p.goto(`${app.origin}/producer?lang=en#batches`);
      await p.getByRole('button', { name: `Open ${lot}` }).click();
      await p.locator('#label-layout').waitFor({ timeout: 20_000 });
      // The layout names are English on the English page.
      expect(await p.locator('#label-layout option').allInnerTexts()).toContain('Thermal roll 50 × 40 mm');
      // The opened batch shows: its title has the focus, scrolled into view below the list.
      await expect.poll(() => p.evaluate(() => document.activeElement?.id)).toBe('batch-detail-title');
      // 10,001 unit codes: the background job alone, said why in English, a 44-px button like the others.
      await p.locator('#label-which').selectOption('units');
      expect(await p.locator('#labels-too-many').innerText()).toContain('More than 10,000 labels');
      expect(await p.locator('#start-label-job').innerText()).toBe('Make the label file in the background');
      await p.locator('#batch-detail-title').focus();
      const size = await p.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        viewport: document.documentElement.clientWidth,
        title: document.getElementById('batch-detail-title')!.getBoundingClientRect().top,
        smallest: Math.min(
          ...[...document.querySelectorAll<HTMLElement>('.console button')]
            .filter((b) => b.offsetParent !== null)
            .map((b) => b.getBoundingClientRect().height),
        ),
      }));
      expect(size.page).toBeLessThanOrEqual(size.viewport);
      expect(size.title).toBeGreaterThanOrEqual(0);
      expect(size.title).toBeLessThan(740);
      expect(size.smallest).toBeGreaterThanOrEqual(44);
      await p.screenshot({ path: screenshotPath('consoles-producer-phone-batch'), fullPage: true });
      await p.screenshot({ path: join(UX, 'phone-too-many-en.png'), fullPage: true });
      expect(phoneProblems).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
