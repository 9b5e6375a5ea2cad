/**
 * Offline verification on the device (DESIGN "Offline"): the published JWKS and the signed registry
 * snapshot are kept in Cache Storage; a scanned code is checked by the shared pure verifier of
 * packages/domain (WebCrypto ES256), exactly as the server checks it. Past 7 days the verifier
 * answers `status_unknown`, never `genuine`, and the page always shows the snapshot's age.
 */
import type { VerifyView } from '../lib/verify-view.ts';
import { verifyOfflineWithDomain } from './offline-verifier.ts';

export const DATA_CACHE = 'ocop-data-v1';
export const JWKS_URL = '/.well-known/jwks.json';
export const SNAPSHOT_URL = '/api/v1/registry/snapshot';

export interface OfflineData {
  jwks: unknown;
  /** The snapshot as served (a compact JWS, or an object holding it). */
  snapshot: unknown;
}

export interface OfflineResult {
  view: VerifyView;
  /** When the snapshot was issued (its signed `iat`), if it could be read. */
  snapshotIssuedAt: Date | null;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.trim();
  }
}

/** Fetch fresh JWKS and snapshot and keep them; false when offline or the server said no. */
export async function refreshOfflineData(): Promise<boolean> {
  if (!('caches' in self)) return false;
  try {
    const [jwks, snap] = await Promise.all([
      fetch(JWKS_URL, { cache: 'no-cache', signal: AbortSignal.timeout(10_000) }),
      fetch(SNAPSHOT_URL, { cache: 'no-cache', signal: AbortSignal.timeout(20_000) }),
    ]);
    if (!jwks.ok || !snap.ok) return false;
    const cache = await caches.open(DATA_CACHE);
    await Promise.all([cache.put(JWKS_URL, jwks), cache.put(SNAPSHOT_URL, snap)]);
    return true;
  } catch {
    return false;
  }
}

export async function loadOfflineData(): Promise<OfflineData | null> {
  if (!('caches' in self)) return null;
  try {
    const cache = await caches.open(DATA_CACHE);
    const [jwks, snap] = await Promise.all([cache.match(JWKS_URL), cache.match(SNAPSHOT_URL)]);
    if (!jwks || !snap) return null;
    return { jwks: await readBody(jwks), snapshot: await readBody(snap) };
  } catch {
    return null;
  }
}

/** The snapshot's signed issue time, read without checking (for display; the verifier checks). */
export function snapshotIssuedAt(snapshot: unknown): Date | null {
  const jws = typeof snapshot === 'string' ? snapshot : snapshotJws(snapshot);
  const payload = jws?.split('.')[1];
  if (!payload) return null;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: unknown };
    return typeof json.iat === 'number' ? new Date(json.iat * 1000) : null;
  } catch {
    return null;
  }
}

function snapshotJws(snapshot: unknown): string | null {
  if (typeof snapshot === 'string') return snapshot;
  if (snapshot && typeof snapshot === 'object') {
    for (const k of ['snapshot', 'jws', 'token']) {
      const v = (snapshot as Record<string, unknown>)[k];
      if (typeof v === 'string') return v;
    }
  }
  return null;
}

/** Verify a scanned text offline. */
export async function verifyOffline(code: string, data: OfflineData, now: Date): Promise<OfflineResult> {
  const r = await verifyOfflineWithDomain(code, data.jwks, snapshotJws(data.snapshot), now);
  return {
    view: r.view,
    snapshotIssuedAt:
      r.snapshotIat !== null ? new Date(r.snapshotIat * 1000) : snapshotIssuedAt(data.snapshot),
  };
}
