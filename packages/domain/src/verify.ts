/**
 * What a verification says (DESIGN "What a verification says"): one verdict and the checks behind
 * it, as a pure function of (scanned text, keys, registry state, scan history, now). The same
 * function runs in the API and, offline, in the browser against a signed snapshot.
 *
 * Token hardening (RFC 8725, reliability.md §1): the verifier never reads a JOSE header from the
 * code — it builds `{"alg":"ES256","kid":…,"typ":"ocop-code+jws"}` itself from the key it found
 * by `k` — so `alg: none`, HS256 with our public key, `jku`/`x5u`/`jwk`/`crit` headers have
 * nowhere to go; `k` is only compared with the kids of the keys passed in (no lookup by string,
 * so injection in `k` is an unknown key); the signature must be exactly 64 raw bytes in canonical
 * base64url and verify under ECDSA P-256 / SHA-256.
 */
import {
  KID_PATTERN,
  base64urlDecode,
  batchPathOf,
  codeSigningInput,
  parseCode,
  verifyEs256,
  type EcPublicJwk,
  type ParseFailure,
  type ParsedCode,
  type ParseResult,
} from './code-format.ts';
import { compareDates, todayInVietnam, vietnamDateOf } from './dates.ts';
import { readSnapshot, type PublicKeyInfo, type SnapshotReading } from './snapshot.ts';
import { certificateStateOn, wasValidOn, type CertificateStatus, type CertificateState } from './validity.ts';

// The code format and the snapshot are part of the verifier's public surface (one export line in
// index.ts re-exports all three modules).
export * from './code-format.ts';
export * from './snapshot.ts';

/** The verdicts, from worst to best (DESIGN). The worst failing check decides. */
export const VERDICTS = [
  'forged',
  'unknown',
  'revoked_certificate',
  'recalled_batch',
  'expired_certificate',
  'suspected_copy',
  'status_unknown',
  'genuine',
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** A unit code seen on this many distinct devices within the window looks copied. */
export const CLONE_DEVICE_THRESHOLD = 5;
/** A unit code seen in this many distinct areas within the window looks copied. */
export const CLONE_AREA_THRESHOLD = 3;
/** The window, in days, over which devices and areas of a unit code are counted. */
export const CLONE_WINDOW_DAYS = 30;
/**
 * A batch code looks copied when it is scanned "far more often than the batch has units" (DESIGN):
 * shoppers scan a pack before buying it and buyers again at home, so a few scans a unit are
 * normal; more than (units × this) are not.
 */
export const BATCH_SCANS_PER_UNIT = 3;
/** …and never below this many scans, however small the batch (a batch of two jars is still scanned in shops). */
export const BATCH_SCANS_MIN = 20;

/**
 * How many units a batch has for the copy check: its issued unit codes when it has any, else its
 * quantity in whole units, rounded up (2.5 tấn of rice are 3 units, never 2), at least 1.
 * (The analytics' SQL says the same: api/src/routes/analytics/queries.ts.)
 */
export function batchUnits(issuedUnitCodes: number, quantity: number): number {
  if (issuedUnitCodes > 0) return issuedUnitCodes;
  return Number.isFinite(quantity) ? Math.max(1, Math.ceil(quantity)) : 1;
}

/** Scans of a batch code with `units` units beyond which it looks copied. */
export function batchScanLimit(units: number): number {
  return Math.max(units * BATCH_SCANS_PER_UNIT, BATCH_SCANS_MIN);
}

/** Facts of a certificate the verdict depends on. */
export interface CertificateFacts {
  status: CertificateStatus;
  validFrom: string;
  validTo: string;
  revokedAt: string | null;
  stars: number;
}

/** The live registry's state for one code (the API reads it from the database). */
export interface LiveRegistry {
  kind: 'live';
  /** The issuance record of exactly this code (by path), or null when it was never issued. */
  code: { issuedAt: string; kid: string; sig: string } | null;
  batch: {
    producedOn: string;
    bestBefore: string | null;
    status: 'active' | 'recalled';
    recalledAt: string | null;
    /** How many units the batch has (unit codes issued, else its quantity); null when unknown. */
    units: number | null;
  } | null;
  /** The certificate that covered the batch's production date. */
  batchCertificate: CertificateFacts | null;
  /** The product's latest certificate (the same one when it was not renewed). */
  currentCertificate: CertificateFacts | null;
}

export type RegistryInput =
  | LiveRegistry
  /** A signed snapshot (compact JWS), for offline verification. */
  | { kind: 'snapshot'; jws: string }
  /** The registry could not be reached. */
  | { kind: 'unavailable'; reason?: string };

/** Scans of one code so far (this scan included), verified ones only. */
export interface ScanHistory {
  totalScans: number;
  firstScannedAt: string | null;
  /** Distinct devices within {@link CLONE_WINDOW_DAYS}. */
  distinctDevices: number;
  /** Distinct coarse areas within {@link CLONE_WINDOW_DAYS}. */
  distinctAreas: number;
}

export interface VerifyInput {
  text: unknown;
  /**
   * `parseCode(text, origins)` when the caller already has it (a server parses a code once to
   * pick its key); it must be the parse of this text against these origins.
   */
  parsed?: ParseResult;
  /** Trusted public keys: the JWKS (active, retired) and, with their status, revoked keys. */
  keys: readonly PublicKeyInfo[];
  /**
   * The registry state, or a function that reads it for the parsed code. The function is called
   * only once the signature verifies (so forged codes cost no lookup); if it throws, the registry
   * counts as unreachable.
   */
  registry: RegistryInput | ((code: ParsedCode) => Promise<RegistryInput>);
  /** Scan history, or a function that reads it (called after the registry; a throw means none). */
  history?: ScanHistory | null | ((code: ParsedCode) => Promise<ScanHistory | null>);
  now: Date | string;
  /** Public origins codes were printed for (current and former). */
  origins: readonly string[];
  /**
   * Checks a raw R‖S ES256 signature. Defaults to WebCrypto ({@link verifyEs256}), which runs in
   * browsers and Node alike; a server may pass a synchronous node:crypto check with cached keys.
   * A throw counts as a signature that does not verify.
   */
  verifySignature?: (
    key: EcPublicJwk,
    signingInput: string,
    signature: Uint8Array<ArrayBuffer>,
  ) => boolean | Promise<boolean>;
}

export type CheckId =
  | 'format'
  | 'key'
  | 'signature'
  | 'key_status'
  | 'issued'
  | 'registry'
  | 'snapshot'
  | 'certificate'
  | 'batch_made_while_valid'
  | 'stars'
  | 'recall'
  | 'best_before'
  | 'copy_devices'
  | 'copy_areas'
  | 'copy_batch_scans'
  | 'internal';

export interface Check {
  id: CheckId;
  ok: boolean;
  label_vi: string;
  label_en: string;
  detail_vi?: string;
  detail_en?: string;
  /** A failed check that only warns (best-before passed): it does not change the verdict. */
  warning?: boolean;
  /** The verdict a failed check leads to. */
  verdict?: Verdict;
  /** Numbers behind the check (copy signals: counts and thresholds). */
  evidence?: Record<string, number | string | null>;
}

export interface VerifyResult {
  verdict: Verdict;
  checks: Check[];
  code?: ParsedCode;
  /** The key that signed the code, when one did. */
  key?: { kid: string; status: 'active' | 'retired' | 'revoked' };
  /** The snapshot used, when offline. */
  snapshot?: { iat: number; ageSeconds: number; stale: boolean };
}

const LABELS: Record<CheckId, [string, string]> = {
  format: ['Mã đúng định dạng của OCOP Trace', 'Code has the OCOP Trace format'],
  key: ['Khóa ký đã được công bố', 'Signing key is published'],
  signature: ['Chữ ký số hợp lệ', 'Digital signature is valid'],
  key_status: ['Khóa ký còn tin cậy khi ký mã', 'Signing key was trusted when the code was signed'],
  issued: ['Mã có trong sổ phát hành', 'Code is in the issuance register'],
  registry: ['Tra cứu được trạng thái hiện tại', 'Current status could be checked'],
  snapshot: ['Dữ liệu ngoại tuyến hợp lệ và còn mới', 'Offline data is valid and recent'],
  certificate: ['Giấy chứng nhận OCOP còn hiệu lực', 'OCOP certificate is in force'],
  batch_made_while_valid: [
    'Lô được sản xuất khi giấy chứng nhận còn hiệu lực',
    'Batch was made while the certificate was valid',
  ],
  stars: ['Số sao được công nhận', 'Certified stars'],
  recall: ['Lô hàng không bị thu hồi', 'Batch has not been recalled'],
  best_before: ['Còn hạn sử dụng', 'Within its best-before date'],
  copy_devices: ['Số thiết bị đã quét mã', 'Devices that scanned this code'],
  copy_areas: ['Số khu vực đã quét mã', 'Areas where this code was scanned'],
  copy_batch_scans: ['Số lần quét mã lô so với số sản phẩm', 'Batch-code scans against units in the batch'],
  internal: ['Kiểm tra hoàn tất', 'Verification completed'],
};

/**
 * A check. One without details is the same in every verification: it is one frozen object per id
 * and outcome, so that whoever serializes answers can do it once (api verify `answerJson`).
 */
function check(id: CheckId, ok: boolean, extra?: Omit<Check, 'id' | 'ok' | 'label_vi' | 'label_en'>): Check {
  const [vi, en] = LABELS[id];
  if (extra !== undefined) return { id, ok, label_vi: vi, label_en: en, ...extra };
  const key = `${id}:${ok}`;
  let plain = PLAIN_CHECKS.get(key);
  if (plain === undefined)
    PLAIN_CHECKS.set(key, (plain = Object.freeze({ id, ok, label_vi: vi, label_en: en })));
  return plain;
}

const PLAIN_CHECKS = new Map<string, Check>();

/**
 * A check with details that depend only on `key` (the values its texts and evidence are made of),
 * shared and frozen like the plain ones: every unit code of a batch on a day gets the same
 * certificate, stars and best-before checks, and every first scan the same copy checks.
 */
function shared(key: string, make: () => Check): Check {
  let c = SHARED_CHECKS.get(key);
  if (c === undefined) {
    if (SHARED_CHECKS.size >= 4096) SHARED_CHECKS.clear();
    c = make();
    if (c.evidence) Object.freeze(c.evidence);
    SHARED_CHECKS.set(key, Object.freeze(c));
  }
  return c;
}

const SHARED_CHECKS = new Map<string, Check>();

function fail(id: CheckId, verdict: Verdict, vi: string, en: string, extra: Partial<Check> = {}): Check {
  return check(id, false, { verdict, detail_vi: vi, detail_en: en, ...extra });
}

const PARSE_DETAILS: Record<ParseFailure, [string, string]> = {
  not_text: ['Không phải văn bản.', 'Not text.'],
  too_long: ['Nội dung quá dài để là mã OCOP Trace.', 'Too long to be an OCOP Trace code.'],
  not_url: ['Không phải địa chỉ web.', 'Not a web address.'],
  foreign_origin: [
    'Mã trỏ tới một trang web khác, không phải OCOP Trace.',
    'The code points to another website, not OCOP Trace.',
  ],
  not_code_path: [
    'Địa chỉ không phải mã sản phẩm của OCOP Trace.',
    'The address is not an OCOP Trace product code.',
  ],
  bad_gtin: ['Mã số sản phẩm (GTIN) sai số kiểm tra.', 'The product number (GTIN) has a wrong check digit.'],
  bad_product_ref: ['Mã tham chiếu sản phẩm không hợp lệ.', 'The product reference is not valid.'],
  bad_lot: ['Số lô chứa ký tự không hợp lệ.', 'The lot number holds invalid characters.'],
  bad_serial: ['Số sê-ri không hợp lệ.', 'The serial number is not valid.'],
  missing_signature: ['Mã không có chữ ký số.', 'The code carries no digital signature.'],
  duplicate_parameter: ['Mã có tham số bị lặp.', 'The code repeats a parameter.'],
  bad_key_ref: ['Tham chiếu khóa ký không hợp lệ.', 'The signing-key reference is not valid.'],
  bad_signature_encoding: [
    'Chữ ký số bị cắt, thêm hoặc sai mã hóa.',
    'The signature is truncated, padded or wrongly encoded.',
  ],
};

function worst(checks: readonly Check[]): Verdict {
  let rank = VERDICTS.length - 1;
  for (const c of checks) {
    if (!c.ok && !c.warning && c.verdict !== undefined) rank = Math.min(rank, VERDICTS.indexOf(c.verdict));
  }
  return VERDICTS[rank]!;
}

const time = (s: string | null | undefined): number => (s ? Date.parse(s) : NaN);

function toDate(now: Date | string): Date {
  const d = now instanceof Date ? now : new Date(now);
  if (!Number.isFinite(d.getTime())) throw new RangeError('now is not a valid instant');
  return d;
}

/** Merges snapshot keys into the trusted set: new keys are added, a revocation always wins. */
function mergeKeys(
  trusted: readonly PublicKeyInfo[],
  fromSnapshot: readonly PublicKeyInfo[],
): PublicKeyInfo[] {
  const byKid = new Map<string, PublicKeyInfo>();
  for (const k of trusted) byKid.set(k.kid, k);
  for (const s of fromSnapshot) {
    const t = byKid.get(s.kid);
    if (t === undefined) {
      byKid.set(s.kid, s);
      continue;
    }
    // The same kid is the same key (a thumbprint); only status information is merged.
    const revoked = t.status === 'revoked' || s.status === 'revoked';
    const compromise = [t.compromisedAt, s.compromisedAt].filter((x): x is string => !!x).sort()[0] ?? null;
    byKid.set(s.kid, {
      ...t,
      status: revoked ? 'revoked' : (t.status ?? s.status ?? 'active'),
      compromisedAt: revoked ? compromise : null,
      issuedBefore: s.issuedBefore ?? t.issuedBefore ?? [],
    });
  }
  return [...byKid.values()];
}

function certificateCheck(
  state: CertificateState | 'missing',
  cert: CertificateFacts | null,
  offline: boolean,
): Check {
  const dates = cert ? `${cert.validFrom} → ${cert.validTo}` : '';
  switch (state) {
    case 'valid':
    case 'superseded':
      return shared(`certificate|${cert?.validTo ?? '?'}`, () =>
        check('certificate', true, {
          detail_vi: `Hiệu lực đến hết ngày ${cert?.validTo ?? '?'}.`,
          detail_en: `Valid through ${cert?.validTo ?? '?'}.`,
        }),
      );
    case 'revoked':
      return fail(
        'certificate',
        'revoked_certificate',
        `Giấy chứng nhận OCOP đã bị thu hồi (từ ${vietnamDateOf(cert?.revokedAt ?? '') ?? '?'}).`,
        `The OCOP certificate was revoked (from ${vietnamDateOf(cert?.revokedAt ?? '') ?? '?'}).`,
      );
    case 'expired':
      return fail(
        'certificate',
        'expired_certificate',
        `Giấy chứng nhận OCOP đã hết hạn sau ngày ${cert?.validTo ?? '?'} (${dates}).`,
        `The OCOP certificate expired after ${cert?.validTo ?? '?'} (${dates}).`,
      );
    case 'not_yet_valid':
      return fail(
        'certificate',
        'expired_certificate',
        `Giấy chứng nhận OCOP chưa có hiệu lực (${dates}).`,
        `The OCOP certificate is not yet in force (${dates}).`,
      );
    case 'missing':
      return fail(
        'certificate',
        'status_unknown',
        offline
          ? 'Dữ liệu ngoại tuyến không có giấy chứng nhận của sản phẩm này.'
          : 'Không tìm thấy giấy chứng nhận của sản phẩm.',
        offline
          ? 'The offline data holds no certificate for this product.'
          : "The product's certificate was not found.",
      );
  }
}

/**
 * The verdict for scanned text. Never throws and never answers `genuine` unless the signature
 * verifies under a trusted key and the live registry, or a fresh signed snapshot, confirms every
 * status. Async only because WebCrypto is.
 */
export async function verifyCode(input: VerifyInput): Promise<VerifyResult> {
  const checks: Check[] = [];
  const state: { signed: boolean; code?: ParsedCode } = { signed: false };
  try {
    return await run(input, checks, state);
  } catch {
    checks.push(
      fail(
        'internal',
        state.signed ? 'status_unknown' : 'unknown',
        'Không hoàn tất được việc kiểm tra.',
        'The verification could not be completed.',
      ),
    );
    return {
      verdict: state.signed ? 'status_unknown' : 'unknown',
      checks,
      ...(state.code ? { code: state.code } : {}),
    };
  }
}

async function run(
  input: VerifyInput,
  checks: Check[],
  state: { signed: boolean; code?: ParsedCode },
): Promise<VerifyResult> {
  const now = toDate(input.now);
  const today = todayInVietnam(now);
  const origins = Array.isArray(input.origins) ? input.origins.filter((o) => typeof o === 'string') : [];

  // 1. The text: our shape on one of our origins?
  const parsed = input.parsed ?? parseCode(input.text, origins);
  if (!parsed.ok) {
    const [vi, en] = PARSE_DETAILS[parsed.reason];
    checks.push(fail('format', parsed.verdict, vi, en, { evidence: { reason: parsed.reason } }));
    return { verdict: parsed.verdict, checks };
  }
  const code = parsed.code;
  state.code = code;
  checks.push(check('format', true));

  // 2. The offline snapshot, if that is the registry: read it first, it may add keys and revocations.
  const given = input.registry;
  const keyList: readonly unknown[] = Array.isArray(input.keys) ? (input.keys as readonly unknown[]) : [];
  let keys: PublicKeyInfo[] = keyList.filter(
    (k): k is PublicKeyInfo =>
      typeof k === 'object' &&
      k !== null &&
      typeof (k as { kid?: unknown }).kid === 'string' &&
      KID_PATTERN.test((k as { kid: string }).kid),
  );
  let snap: SnapshotReading | null = null;
  if (typeof given !== 'function' && given?.kind === 'snapshot') {
    snap = await readSnapshot(given.jws, keys, now);
    if (snap.ok) keys = mergeKeys(keys, snap.snapshot.keys);
  }

  // 3. The key: `k` only selects among trusted keys by exact prefix comparison.
  const candidates = keys.filter((k) => k.kid.slice(0, code.keyRef.length) === code.keyRef);
  if (candidates.length === 0) {
    checks.push(
      fail(
        'key',
        'forged',
        'Mã được ký bằng một khóa không thuộc OCOP Trace.',
        'The code was signed with a key that is not an OCOP Trace key.',
        { evidence: { keyRef: code.keyRef } },
      ),
    );
    return { verdict: 'forged', checks, code };
  }
  checks.push(check('key', true));

  // 4. The signature, over a header we build ourselves.
  const sig = base64urlDecode(code.sig);
  let key: PublicKeyInfo | undefined;
  const verifySignature = input.verifySignature ?? verifyEs256;
  for (const k of candidates) {
    if (sig === null) break;
    let ok: boolean;
    try {
      ok = await verifySignature(k, codeSigningInput(k.kid, code.canonical), sig);
    } catch {
      ok = false;
    }
    if (ok) {
      key = k;
      break;
    }
  }
  if (key === undefined) {
    checks.push(
      fail(
        'signature',
        'forged',
        'Chữ ký số không khớp: mã đã bị sửa hoặc bị làm giả.',
        'The digital signature does not match: the code was altered or forged.',
      ),
    );
    return { verdict: 'forged', checks, code };
  }
  state.signed = true;
  checks.push(check('signature', true));
  const keyStatus = key.status ?? 'active';
  const keyInfo = { kid: key.kid, status: keyStatus };
  let registry: RegistryInput | null | undefined;
  if (typeof given === 'function') {
    try {
      registry = await given(code);
    } catch {
      registry = { kind: 'unavailable', reason: 'the registry lookup failed' };
    }
  } else {
    registry = given;
  }
  let history: ScanHistory | null;
  if (typeof input.history === 'function') {
    try {
      history = await input.history(code);
    } catch {
      history = null;
    }
  } else {
    history = input.history ?? null;
  }
  const live = registry?.kind === 'live' ? registry : null;

  // 5. A revoked key vouches only for codes issued before its compromise.
  if (keyStatus === 'revoked') {
    const compromised = time(key.compromisedAt);
    let before = false;
    if (live?.code && Number.isFinite(compromised)) {
      before = live.code.sig === code.sig && time(live.code.issuedAt) < compromised;
    } else if (snap?.ok && Number.isFinite(compromised)) {
      before = (key.issuedBefore ?? []).includes(batchPathOf(code));
    }
    if (!before) {
      checks.push(
        fail(
          'key_status',
          'forged',
          'Khóa ký đã bị thu hồi vì lộ, và không chứng minh được mã này được ký trước thời điểm đó.',
          'The signing key was revoked as compromised, and this code cannot be shown to predate that.',
          { evidence: { compromisedAt: key.compromisedAt ?? null } },
        ),
      );
      return { verdict: 'forged', checks, code, key: keyInfo };
    }
    checks.push(
      check('key_status', true, {
        detail_vi: 'Khóa ký sau này đã bị thu hồi; mã này được phát hành trước thời điểm khóa bị lộ.',
        detail_en: 'The key was later revoked; this code was issued before the key was compromised.',
      }),
    );
  } else {
    checks.push(check('key_status', true));
  }

  const result = (): VerifyResult => ({
    verdict: worst(checks),
    checks,
    code,
    key: keyInfo,
    ...(snap?.ok
      ? { snapshot: { iat: snap.snapshot.iat, ageSeconds: snap.ageSeconds, stale: snap.stale } }
      : {}),
  });

  // 6. The registry: live, a snapshot, or nothing.
  if (live) {
    if (live.code === null || live.code.sig !== code.sig || live.code.kid !== key.kid) {
      checks.push(
        fail(
          'issued',
          'forged',
          live.code === null
            ? 'Chữ ký đúng nhưng mã này chưa từng được phát hành: khóa ký có thể đã bị lạm dụng.'
            : 'Mã này đã được phát hành với một chữ ký khác: mã đã bị sửa.',
          live.code === null
            ? 'The signature verifies but this code was never issued: the signing key may have been misused.'
            : 'This code was issued with another signature: the code was altered.',
        ),
      );
      return result();
    }
    checks.push(check('issued', true, { evidence: { issuedAt: live.code.issuedAt } }));
    const current = live.currentCertificate ?? live.batchCertificate;
    if (live.batch === null || current === null) {
      checks.push(
        fail(
          'registry',
          'status_unknown',
          'Sổ đăng ký thiếu thông tin về lô hoặc giấy chứng nhận của mã này.',
          'The registry lacks the batch or certificate of this code.',
        ),
      );
      return result();
    }
    checks.push(check('registry', true));
    const batch = live.batch;
    const batchCert = live.batchCertificate ?? current;

    // Revocation of the batch's certificate or of the product's current one: the claim is void.
    const states = [batchCert, current].map((c) => certificateStateOn(c, today));
    if (states.includes('revoked')) {
      checks.push(certificateCheck('revoked', states[0] === 'revoked' ? batchCert : current, false));
    } else {
      checks.push(certificateCheck(states[1]!, current, false));
    }
    const madeWhileValid = wasValidOn(batchCert, batch.producedOn);
    checks.push(
      madeWhileValid
        ? shared(`made|${batch.producedOn}|${batchCert.validFrom}|${batchCert.validTo}`, () =>
            check('batch_made_while_valid', true, {
              detail_vi: `Sản xuất ngày ${batch.producedOn}, khi giấy chứng nhận (${batchCert.validFrom} → ${batchCert.validTo}) còn hiệu lực.`,
              detail_en: `Made on ${batch.producedOn}, while the certificate (${batchCert.validFrom} → ${batchCert.validTo}) was valid.`,
            }),
          )
        : fail(
            'batch_made_while_valid',
            'expired_certificate',
            `Sản xuất ngày ${batch.producedOn}, khi giấy chứng nhận (${batchCert.validFrom} → ${batchCert.validTo}) không có hiệu lực.`,
            `Made on ${batch.producedOn}, while the certificate (${batchCert.validFrom} → ${batchCert.validTo}) was not valid.`,
          ),
    );
    checks.push(
      shared(`stars|${current.stars}|${batchCert.stars}`, () =>
        check('stars', true, {
          evidence: { stars: current.stars, starsWhenMade: batchCert.stars },
          ...(batchCert.stars !== current.stars
            ? {
                detail_vi: `Hiện được công nhận ${current.stars} sao; lô này sản xuất khi sản phẩm đạt ${batchCert.stars} sao.`,
                detail_en: `Now certified ${current.stars} stars; this batch was made when the product held ${batchCert.stars}.`,
              }
            : {
                detail_vi: `${current.stars} sao — hãy so sánh với số sao in trên bao bì.`,
                detail_en: `${current.stars} stars — compare with the stars printed on the pack.`,
              }),
        }),
      ),
    );
    checks.push(
      batch.status === 'recalled'
        ? fail(
            'recall',
            'recalled_batch',
            `Lô hàng đã bị thu hồi${batch.recalledAt ? ` từ ${vietnamDateOf(batch.recalledAt) ?? batch.recalledAt}` : ''}.`,
            `The batch was recalled${batch.recalledAt ? ` on ${vietnamDateOf(batch.recalledAt) ?? batch.recalledAt}` : ''}.`,
          )
        : check('recall', true),
    );
    if (batch.bestBefore !== null) {
      const passed = compareDates(batch.bestBefore, today) < 0;
      const bestBefore = batch.bestBefore;
      checks.push(
        shared(`best|${passed}|${bestBefore}`, () =>
          passed
            ? check('best_before', false, {
                warning: true,
                detail_vi: `Đã quá hạn sử dụng (${bestBefore}). Sản phẩm vẫn là hàng thật.`,
                detail_en: `Past its best-before date (${bestBefore}). The product is still genuine.`,
              })
            : check('best_before', true, {
                detail_vi: `Hạn sử dụng đến ${bestBefore}.`,
                detail_en: `Best before ${bestBefore}.`,
              }),
        ),
      );
    }
    copyChecks(checks, code, history, batch.units);
    return result();
  }

  if (snap !== null) {
    if (!snap.ok) {
      checks.push(
        fail(
          'snapshot',
          'status_unknown',
          'Dữ liệu ngoại tuyến không hợp lệ: không kiểm tra được trạng thái hiện tại.',
          'The offline data is not valid: the current status could not be checked.',
          { evidence: { reason: snap.reason } },
        ),
      );
      return result();
    }
    const days = Math.floor(snap.ageSeconds / 86_400);
    if (snap.stale) {
      checks.push(
        fail(
          'snapshot',
          'status_unknown',
          `Dữ liệu ngoại tuyến đã cũ ${days} ngày: cần kết nối mạng để kiểm tra trạng thái hiện tại.`,
          `The offline data is ${days} days old: connect to check the current status.`,
          { evidence: { ageSeconds: snap.ageSeconds } },
        ),
      );
      return result();
    }
    checks.push(
      check('snapshot', true, {
        detail_vi: `Dữ liệu ngoại tuyến cập nhật ${days} ngày trước.`,
        detail_en: `Offline data from ${days} days ago.`,
        evidence: { ageSeconds: snap.ageSeconds },
      }),
    );
    const cert = snap.snapshot.certificates.find((c) =>
      code.gtin !== null ? c.gtin === code.gtin : c.ref === code.productRef,
    );
    if (cert === undefined) {
      checks.push(certificateCheck('missing', null, true));
      return result();
    }
    let certState: CertificateState | 'missing';
    try {
      certState = certificateStateOn(cert, today);
    } catch {
      certState = 'missing';
    }
    checks.push(certificateCheck(certState, cert, true));
    checks.push(
      check('stars', true, {
        evidence: { stars: cert.stars },
        detail_vi: `${cert.stars} sao — hãy so sánh với số sao in trên bao bì.`,
        detail_en: `${cert.stars} stars — compare with the stars printed on the pack.`,
      }),
    );
    const recall = snap.snapshot.recalls.find((r) => r.path === batchPathOf(code));
    checks.push(
      recall
        ? fail(
            'recall',
            'recalled_batch',
            'Lô hàng đã bị thu hồi.',
            'The batch was recalled.',
            recall.recalledAt ? { evidence: { recalledAt: recall.recalledAt } } : {},
          )
        : check('recall', true),
    );
    copyChecks(checks, code, history, null);
    return result();
  }

  checks.push(
    fail(
      'registry',
      'status_unknown',
      'Không kết nối được sổ đăng ký: chữ ký đúng nhưng chưa kiểm tra được trạng thái hiện tại.',
      'The registry could not be reached: the signature is valid but the current status is unchecked.',
    ),
  );
  copyChecks(checks, code, history, null);
  return result();
}

/** Clone signals (DESIGN; reliability.md §0.9, the FMD and Scantrust practice). */
function copyChecks(
  checks: Check[],
  code: ParsedCode,
  history: ScanHistory | null,
  units: number | null,
): void {
  if (history === null || typeof history !== 'object') return;
  if (code.kind === 'unit') {
    const devices = Number(history.distinctDevices) || 0;
    const areas = Number(history.distinctAreas) || 0;
    checks.push(
      shared(`devices|${devices}`, () =>
        devices >= CLONE_DEVICE_THRESHOLD
          ? fail(
              'copy_devices',
              'suspected_copy',
              `Mã sản phẩm này đã được quét trên ${devices} thiết bị khác nhau trong ${CLONE_WINDOW_DAYS} ngày: tem có thể bị sao chép.`,
              `This unit code was scanned on ${devices} different devices within ${CLONE_WINDOW_DAYS} days: the label may have been copied.`,
              { evidence: { devices, threshold: CLONE_DEVICE_THRESHOLD, windowDays: CLONE_WINDOW_DAYS } },
            )
          : check('copy_devices', true, {
              evidence: { devices, threshold: CLONE_DEVICE_THRESHOLD, windowDays: CLONE_WINDOW_DAYS },
            }),
      ),
    );
    checks.push(
      shared(`areas|${areas}`, () =>
        areas >= CLONE_AREA_THRESHOLD
          ? fail(
              'copy_areas',
              'suspected_copy',
              `Mã sản phẩm này đã được quét ở ${areas} khu vực khác nhau trong ${CLONE_WINDOW_DAYS} ngày: tem có thể bị sao chép.`,
              `This unit code was scanned in ${areas} different areas within ${CLONE_WINDOW_DAYS} days: the label may have been copied.`,
              { evidence: { areas, threshold: CLONE_AREA_THRESHOLD, windowDays: CLONE_WINDOW_DAYS } },
            )
          : check('copy_areas', true, {
              evidence: { areas, threshold: CLONE_AREA_THRESHOLD, windowDays: CLONE_WINDOW_DAYS },
            }),
      ),
    );
  } else if (units !== null && Number.isFinite(units) && units > 0) {
    const scans = Number(history.totalScans) || 0;
    const limit = batchScanLimit(units);
    checks.push(
      scans > limit
        ? fail(
            'copy_batch_scans',
            'suspected_copy',
            `Mã lô đã được quét ${scans} lần, vượt xa số sản phẩm của lô (${units}; ngưỡng ${limit} lần): tem có thể bị sao chép.`,
            `The batch code was scanned ${scans} times, far more than the batch has units (${units}; threshold ${limit}): the label may have been copied.`,
            { evidence: { scans, units, limit } },
          )
        : check('copy_batch_scans', true, { evidence: { scans, units, limit } }),
    );
  }
}
