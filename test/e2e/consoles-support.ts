import type { BrowserContext, Page } from 'playwright-core';
import { api } from './harness.ts';

/**
 * Shared steps of the console end-to-end tests (consoles-*.test.ts), on top of the site owner's
 * harness (harness.ts: the built app on a random port, Debian's Chromium, demo data).
 */

export const DEMO = {
  admin: 'admin@demo.ocop.vn',
  producer: 'producer@demo.ocop.vn',
  inspector: 'inspector@demo.ocop.vn',
  password: 'ocop-demo',
} as const;

/** Open a console page, get sent to the sign-in page, sign in there, and land back on it. */
export async function signInThroughPage(
  page: Page,
  origin: string,
  path: string,
  email: string,
): Promise<void> {
  await page.goto(`${origin}${path}`);
  await page.waitForURL(/\/dang-nhap\?/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Mật khẩu').fill(DEMO.password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL((url) => url.pathname === path.split('?')[0]!.split('#')[0]);
}

/** Page errors and CSP violations of a context (the consoles must run under the strict CSP). */
export function watchConsoleProblems(context: BrowserContext): string[] {
  const problems: string[] = [];
  context.on('page', (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to|Uncaught/i.test(m.text()))
        problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  });
  return problems;
}

interface VerifyAnswer {
  verdict: string;
}

export async function verdictOf(
  origin: string,
  code: string,
  deviceId?: string,
  area?: string,
): Promise<string> {
  const r = await api<VerifyAnswer>(origin, '/api/v1/verify', {
    method: 'POST',
    body: { code, ...(deviceId ? { deviceId } : {}), ...(area ? { area } : {}) },
  });
  return r.verdict;
}

/**
 * Make a unit code look copied the way a counterfeiter's reprint does: scanned on many devices in
 * far-apart places (the verifier's clone thresholds, packages/domain verify.ts).
 */
export async function copyCode(origin: string, code: string): Promise<void> {
  const areas = ['Quảng Ngãi', 'Đà Nẵng', 'Hà Nội', 'TP Hồ Chí Minh', 'Cần Thơ', 'Huế'];
  for (let i = 0; i < 6; i++) {
    await verdictOf(origin, code, `e2e-copy-device-${i}-${Date.now()}`, areas[i]);
  }
}
