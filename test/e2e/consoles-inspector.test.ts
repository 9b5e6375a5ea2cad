import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import {
  api,
  demoCodes,
  ensureSiteBuilt,
  fakeCameraArgs,
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
 * The inspector's main path (issue 7 acceptance), phone-sized in Debian's Chromium: scan a copied
 * code with the camera and a revoked one, record findings, go offline, record a finding there,
 * come back online and see it sync exactly once — even when the first answer is lost on the way.
 */
let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let codes: DemoCodes;
let copied: string;
let adminToken: string;
let problems: string[];

beforeAll(async () => {
  ensureSiteBuilt();
  app = await startApp();
  adminToken = await signIn(app.origin);
  codes = await demoCodes(app.origin, adminToken);
  copied = await issueUnitCode(app.origin, adminToken, codes.genuineBatchId);
  await copyCode(app.origin, copied);
  browser = await launchChromium(await fakeCameraArgs(copied));
  context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    acceptDownloads: true,
  });
  problems = watchConsoleProblems(context);
  page = await context.newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const verdict = () => page.locator('.scan-result [data-verdict]').getAttribute('data-verdict');
/** The sync states of the session's findings, sorted (the list shows the newest first). */
const states = () =>
  page
    .locator('[data-finding-id]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-state') ?? '').sort());

async function checkByHand(code: string): Promise<void> {
  const summary = page.getByText('Nhập hoặc dán mã');
  if (!(await page.locator('#manual-code').isVisible())) await summary.click();
  await page.locator('#manual-code').fill(code);
  await page.locator('#manual-form button[type="submit"]').click();
  await page.locator('.scan-result [data-verdict]').waitFor({ timeout: 20_000 });
}

describe('the inspector console', () => {
  it('signs in and sets up the session (place and area)', async () => {
    await signInThroughPage(page, app.origin, '/inspector', DEMO.inspector);
    await page.getByLabel('Địa điểm (chợ, sạp, cửa hàng)').fill('Chợ Quảng Ngãi, sạp 12');
    await page.getByLabel('Địa bàn').selectOption({ index: 1 });
    expect(await page.locator('.sync-line').getAttribute('data-online')).toBe('true');
  });

  it('scans a copied code with the camera: one big verdict, the stars compared, a finding in two taps', async () => {
    expect(await verdictOf(app.origin, copied)).toBe('suspected_copy');
    await page.locator('#start-camera').click();
    await page.locator('.scan-result [data-verdict]').waitFor({ timeout: 30_000 });
    expect(await verdict()).toBe('suspected_copy');
    expect(await page.locator('#verdict-heading').innerText()).toMatch(/sao chép/i);
    await page.locator('#stop-camera').click();
    // The stars printed on the pack, against the certified ones.
    const certified = await page.locator('.star-compare .stars').getAttribute('aria-label');
    const n = Number(/(\d) sao/.exec(certified ?? '')?.[1]);
    expect(n).toBeGreaterThanOrEqual(3);
    await page.locator(`[data-printed-stars="${n === 5 ? 4 : 5}"]`).click();
    expect(await page.locator('.mismatch').innerText()).toContain('SAI LỆCH');
    // The outcome is preset from the verdict: one more tap records it.
    expect(await page.locator('[data-outcome="counterfeit_suspected"]').getAttribute('aria-pressed')).toBe(
      'true',
    );
    await page.screenshot({ path: screenshotPath('consoles-inspector-copied'), fullPage: true });
    await page.locator('#record-finding').click();
    await expect.poll(states, { timeout: 15_000 }).toEqual(['synced']);
  });

  it('checks a revoked code and records it', async () => {
    await checkByHand(codes.revoked_certificate);
    expect(await verdict()).toBe('revoked_certificate');
    expect(await page.locator('[data-outcome="revoked_mark"]').getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: screenshotPath('consoles-inspector-revoked'), fullPage: true });
    await page.locator('#record-finding').click();
    await expect.poll(states, { timeout: 15_000 }).toEqual(['synced', 'synced']);
    // The result panel is gone: the focus is on the confirmation, not lost to the page's body.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('inspector-flash');
  });

  it('records a finding offline and syncs it exactly once when back online, even if the first answer is lost', async () => {
    // Offline data (keys and signed snapshot) and the page itself are kept on the device.
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const data = await caches.open('ocop-data-v1');
            const shell = await caches.open('ocop-shell-v1');
            return Boolean(
              (await data.match('/api/v1/registry/snapshot')) && (await shell.match('/inspector')),
            );
          }),
        { timeout: 30_000 },
      )
      .toBe(true);
    const sessionId = await page.evaluate(
      () => (JSON.parse(localStorage.getItem('ocop.inspector.session') ?? '{}') as { id: string }).id,
    );

    await context.setOffline(true);
    await page.reload();
    await page.locator('.sync-line[data-online="false"]').waitFor({ timeout: 15_000 });
    await checkByHand(codes.revoked_certificate);
    expect(await verdict()).toBe('revoked_certificate');
    expect(await page.locator('.scan-result').innerText()).toContain('Kiểm tra ngoại tuyến');
    await page.getByLabel('Ghi chú (không bắt buộc)').fill('Ghi nhận khi mất mạng');
    // A photo of the pack, with camera metadata the server must strip.
    const photo = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#b42318' } })
      .jpeg()
      .withMetadata({ exif: { IFD0: { Make: 'PhoneCo' } } })
      .toBuffer();
    await page
      .locator('#finding-photos')
      .setInputFiles({ name: 'tem.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.locator('#record-finding').click();
    await expect.poll(states, { timeout: 10_000 }).toEqual(['pending', 'synced', 'synced']);
    expect(await page.locator('.sync-line').getAttribute('data-pending')).toBe('1');
    await page.screenshot({ path: screenshotPath('consoles-inspector-offline'), fullPage: true });
    const offlineId = await page.locator('[data-state="pending"]').getAttribute('data-finding-id');

    // Back online. The first POST reaches the server, which stores the finding, but its answer is
    // lost (the connection drops): the device must retry, and the server must not store it twice.
    let posts = 0;
    await page.route('**/api/v1/findings', async (route: Route) => {
      if (route.request().method() !== 'POST') return route.continue();
      posts += 1;
      if (posts === 1) {
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await context.setOffline(false);
    await expect.poll(() => posts, { timeout: 20_000 }).toBe(1);
    await expect
      .poll(() => page.locator('.sync-line').getAttribute('data-pending'), { timeout: 10_000 })
      .toBe('1');
    await page.getByRole('button', { name: 'Đồng bộ ngay' }).click();
    await expect.poll(states, { timeout: 20_000 }).toEqual(['synced', 'synced', 'synced']);
    expect(posts).toBe(2);
    await page.unroute('**/api/v1/findings');

    const token = await signIn(app.origin, DEMO.inspector);
    const stored = await api<{
      items: { id: string; note: string | null; verdictSource: string; photos: { url: string }[] }[];
      total: number;
    }>(app.origin, `/api/v1/findings?sessionId=${sessionId}&limit=100`, { token });
    expect(stored.total).toBe(3);
    const offline = stored.items.filter((f) => f.id === offlineId);
    expect(offline).toHaveLength(1);
    expect(offline[0]).toMatchObject({ note: 'Ghi nhận khi mất mạng', verdictSource: 'offline' });
    expect(offline[0]!.photos).toHaveLength(1);
    const res = await fetch(`${app.origin}${offline[0]!.photos[0]!.url}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect(meta.exif).toBeUndefined();
  });

  it("exports the session's report as CSV and PDF", async () => {
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Biên bản CSV' }).click(),
    ]);
    const text = await readFile(await csv.path(), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('Thời điểm');
    expect(text.trim().split('\r\n')).toHaveLength(4);
    expect(text).toContain('Ghi nhận khi mất mạng');
    const [pdf] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Biên bản PDF' }).click(),
    ]);
    const bytes = await readFile(await pdf.path());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(problems).toEqual([]);
  });

  it('put every finding with a problem in the office queue', async () => {
    const cases = await api<{ items: { kind: string; findings: number }[] }>(
      app.origin,
      '/api/v1/cases?status=active&limit=100',
      { token: adminToken },
    );
    expect(cases.items.reduce((n, c) => n + c.findings, 0)).toBeGreaterThanOrEqual(3);
  });
});
