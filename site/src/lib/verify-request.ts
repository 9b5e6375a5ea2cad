import type { AstroGlobal } from 'astro';
import { apiContext, verifyCode, type ApiResult, type VerifyView } from './api.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, isDeviceId, newDeviceId } from './device.ts';

export interface Verification {
  /** The code exactly as printed (public origin + path + query, minus the site's `lang`). */
  code: string;
  result: ApiResult<VerifyView>;
}

/**
 * Verify the code whose URL this request is: run in a code page's frontmatter (not in a
 * component: headers, status and cookies must be set before the page starts streaming).
 */
export async function verifyThisUrl(
  astro: Pick<AstroGlobal, 'url' | 'locals' | 'request' | 'cookies' | 'response'>,
): Promise<Verification> {
  const ctx = apiContext(astro);
  const params = new URLSearchParams(astro.url.search);
  params.delete('lang');
  const query = params.toString();
  const code = `${ctx.publicBaseUrl}${astro.url.pathname}${query ? `?${query}` : ''}`;

  let deviceId = astro.cookies.get(DEVICE_COOKIE)?.value;
  if (!isDeviceId(deviceId)) {
    deviceId = newDeviceId();
    astro.cookies.set(DEVICE_COOKIE, deviceId, {
      path: '/',
      maxAge: DEVICE_COOKIE_MAX_AGE,
      sameSite: 'lax',
      secure: ctx.publicBaseUrl.startsWith('https:'),
    });
  }
  const result = await verifyCode(ctx, code, deviceId);
  // A verdict is live data: never kept by the browser or a proxy.
  astro.response.headers.set('cache-control', 'no-store');
  astro.response.headers.set('content-type', 'text/html; charset=utf-8');
  // A refused input (e.g. an over-long URL) is the client's 4xx, not an outage.
  if (!result.ok) astro.response.status = result.status >= 400 && result.status < 500 ? result.status : 503;
  return { code, result };
}
