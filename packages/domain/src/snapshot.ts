/**
 * The signed registry snapshot that lets a phone verify codes offline (DESIGN "Offline"): public
 * keys with their status, each product's current certificate, recalled batches. It is an ES256
 * compact JWS (`typ: ocop-snapshot+jwt`) signed by the current code key, dated by `iat`; past
 * {@link SNAPSHOT_MAX_AGE_DAYS} the verifier answers `status_unknown`, never `genuine`.
 *
 * Pure: reading a snapshot needs only WebCrypto (Node and browsers alike).
 * @see RFC 7515 (compact serialisation), RFC 8725 §3.1, §3.11 (pinned algorithm, explicit type)
 */
import type { CertificateStatus } from './validity.ts';
import {
  CODE_ALG,
  KID_PATTERN,
  base64urlDecode,
  base64urlEncode,
  utf8,
  verifyEs256,
  type EcPublicJwk,
} from './code-format.ts';

export const SNAPSHOT_TYP = 'ocop-snapshot+jwt';
export const SNAPSHOT_VERSION = 1;
/** Past this age an offline verification answers `status_unknown` (DESIGN "Offline"). */
export const SNAPSHOT_MAX_AGE_DAYS = 7;
/** A snapshot dated further in the future than this is refused (clock skew allowance). */
export const SNAPSHOT_MAX_CLOCK_SKEW_SECONDS = 300;
/** Larger snapshots are refused before parsing (a province holds a few thousand products). */
export const SNAPSHOT_MAX_LENGTH = 8 * 1024 * 1024;

export type KeyStatus = 'active' | 'retired' | 'revoked';

/**
 * A public verification key as the verifier takes it: a JWKS entry (RFC 7517, with `kid`) plus,
 * when known, its status. A JWKS entry without status counts as active.
 */
export interface PublicKeyInfo extends EcPublicJwk {
  kid: string;
  status?: KeyStatus;
  createdAt?: string | null;
  retiredAt?: string | null;
  revokedAt?: string | null;
  /** From when the key must be presumed in other hands: codes it signed later are forged. */
  compromisedAt?: string | null;
  /**
   * Offline only, for a revoked key: batch paths (`/01/…/10/LOT`) whose every code signed with the
   * key was issued before `compromisedAt`, so they still verify without the live registry.
   */
  issuedBefore?: string[];
}

/** A product's current certificate as the snapshot carries it. */
export interface SnapshotCertificate {
  /** The product's public reference (always) and GTIN-14 (when it has one). */
  ref: string;
  gtin: string | null;
  name: string;
  stars: number;
  level: string;
  decisionNo: string;
  status: CertificateStatus;
  validFrom: string;
  validTo: string;
  revokedAt: string | null;
}

export interface SnapshotRecall {
  /** The batch path, `/01/{gtin}/10/{lot}` or `/p/{ref}/10/{lot}`, as in every code of the batch. */
  path: string;
  recalledAt: string | null;
}

export interface RegistrySnapshot {
  v: typeof SNAPSHOT_VERSION;
  /** The issuing origin. */
  iss: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Every origin codes were printed for. */
  origins: string[];
  keys: PublicKeyInfo[];
  certificates: SnapshotCertificate[];
  recalls: SnapshotRecall[];
}

/** The exact protected header of a snapshot signed under `kid` (members in this order). */
export function snapshotProtectedHeader(kid: string): string {
  if (!KID_PATTERN.test(kid)) throw new RangeError('kid must be a 43-character base64url thumbprint');
  return `{"alg":"${CODE_ALG}","kid":"${kid}","typ":"${SNAPSHOT_TYP}"}`;
}

/** The JWS signing input of a snapshot: sign it, then append `.` and the base64url signature. */
export function snapshotSigningInput(kid: string, snapshot: RegistrySnapshot): string {
  return `${base64urlEncode(utf8(snapshotProtectedHeader(kid)))}.${base64urlEncode(utf8(JSON.stringify(snapshot)))}`;
}

export type SnapshotReading =
  | { ok: true; snapshot: RegistrySnapshot; kid: string; ageSeconds: number; stale: boolean }
  | { ok: false; reason: SnapshotFailure; detail?: string };

export type SnapshotFailure =
  'malformed' | 'header' | 'unknown_key' | 'revoked_key' | 'signature' | 'payload' | 'future';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

function decodeJson(part: string): unknown {
  const bytes = base64urlDecode(part);
  if (bytes === null) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

function validKey(k: unknown): k is PublicKeyInfo {
  return (
    isObject(k) &&
    isStr(k.kid) &&
    KID_PATTERN.test(k.kid) &&
    k.kty === 'EC' &&
    k.crv === 'P-256' &&
    isStr(k.x) &&
    isStr(k.y) &&
    (k.status === undefined || k.status === 'active' || k.status === 'retired' || k.status === 'revoked') &&
    (k.compromisedAt === undefined || isStrOrNull(k.compromisedAt)) &&
    (k.revokedAt === undefined || isStrOrNull(k.revokedAt)) &&
    (k.issuedBefore === undefined || (Array.isArray(k.issuedBefore) && k.issuedBefore.every(isStr)))
  );
}

function validCertificate(c: unknown): c is SnapshotCertificate {
  return (
    isObject(c) &&
    isStr(c.ref) &&
    isStrOrNull(c.gtin) &&
    isStr(c.name) &&
    typeof c.stars === 'number' &&
    isStr(c.level) &&
    isStr(c.decisionNo) &&
    (c.status === 'active' || c.status === 'superseded' || c.status === 'revoked') &&
    isStr(c.validFrom) &&
    isStr(c.validTo) &&
    isStrOrNull(c.revokedAt)
  );
}

function validSnapshot(p: unknown): p is RegistrySnapshot {
  return (
    isObject(p) &&
    p.v === SNAPSHOT_VERSION &&
    isStr(p.iss) &&
    typeof p.iat === 'number' &&
    Number.isFinite(p.iat) &&
    Array.isArray(p.origins) &&
    p.origins.every(isStr) &&
    Array.isArray(p.keys) &&
    p.keys.every(validKey) &&
    Array.isArray(p.certificates) &&
    p.certificates.every(validCertificate) &&
    Array.isArray(p.recalls) &&
    p.recalls.every((r) => isObject(r) && isStr(r.path) && isStrOrNull(r.recalledAt))
  );
}

/**
 * Checks a snapshot's signature against trusted keys (the pinned JWKS) and reads it. Never throws.
 * The header must be exactly `alg`, `kid`, `typ` with our values: any other member (`jku`, `x5u`,
 * `jwk`, `crit`…) is refused, never followed. The signing key must be trusted by its full kid and
 * not revoked. A snapshot older than {@link SNAPSHOT_MAX_AGE_DAYS} still reads, marked `stale`.
 */
export async function readSnapshot(
  jws: unknown,
  trustedKeys: readonly PublicKeyInfo[],
  now: Date,
): Promise<SnapshotReading> {
  if (typeof jws !== 'string' || jws.length > SNAPSHOT_MAX_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = jws.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [h = '', p = '', s = ''] = parts;
  const header = decodeJson(h);
  if (
    !isObject(header) ||
    Object.keys(header).length !== 3 ||
    header.alg !== CODE_ALG ||
    header.typ !== SNAPSHOT_TYP ||
    !isStr(header.kid) ||
    !KID_PATTERN.test(header.kid)
  ) {
    return { ok: false, reason: 'header' };
  }
  const kid = header.kid;
  const key = trustedKeys.find((k) => k.kid === kid);
  if (key === undefined) return { ok: false, reason: 'unknown_key' };
  // A compromised key could date a snapshot any way it likes, so it vouches for none.
  if (key.status === 'revoked') return { ok: false, reason: 'revoked_key' };
  const sig = base64urlDecode(s);
  if (sig === null || !(await verifyEs256(key, `${h}.${p}`, sig))) return { ok: false, reason: 'signature' };
  const payload = decodeJson(p);
  if (!validSnapshot(payload)) return { ok: false, reason: 'payload' };
  const ageSeconds = Math.floor(now.getTime() / 1000) - payload.iat;
  if (ageSeconds < -SNAPSHOT_MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: 'future' };
  return {
    ok: true,
    snapshot: payload,
    kid,
    ageSeconds: Math.max(0, ageSeconds),
    stale: ageSeconds > SNAPSHOT_MAX_AGE_DAYS * 86_400,
  };
}
