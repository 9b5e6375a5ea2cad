/**
 * A random, first-party device id (cookie `ocop_did`), shared by the verification page and the scan
 * page, sent with each verification so the API can count the distinct devices that scanned a unit
 * code (clone detection). It identifies nothing but "the same browser"; the API stores only a keyed
 * hash of it. Not HttpOnly on purpose: the scan page's script sends the same id.
 */
export const DEVICE_COOKIE = 'ocop_did';
export const DEVICE_COOKIE_MAX_AGE = 2 * 365 * 86_400;
const PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function isDeviceId(v: string | undefined | null): v is string {
  return typeof v === 'string' && PATTERN.test(v);
}

export function newDeviceId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
