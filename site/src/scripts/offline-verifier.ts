/**
 * Offline verification with the shared pure verifier of packages/domain (the same function the
 * API runs): the code's ES256 signature against the cached JWKS, its status against the signed
 * registry snapshot (past 7 days: `status_unknown`). Product facts come from the snapshot's
 * certificate entry, and only when the signature verified.
 */
import { readSnapshot, verifyCode, type PublicKeyInfo } from '@ocop/domain/verify';
import { toVerifyView, type VerifyView } from '../lib/verify-view.ts';

function keysOf(jwks: unknown): PublicKeyInfo[] {
  const list = jwks && typeof jwks === 'object' ? (jwks as { keys?: unknown }).keys : undefined;
  return Array.isArray(list) ? (list.filter((k) => k && typeof k === 'object') as PublicKeyInfo[]) : [];
}

export async function verifyOfflineWithDomain(
  text: string,
  jwks: unknown,
  snapshotJws: string | null,
  now: Date,
): Promise<{ view: VerifyView; snapshotIat: number | null }> {
  const keys = keysOf(jwks);
  const origins = new Set<string>([location.origin]);
  let reading: Awaited<ReturnType<typeof readSnapshot>> | null = null;
  if (snapshotJws) {
    reading = await readSnapshot(snapshotJws, keys, now);
    if (reading.ok) for (const o of reading.snapshot.origins) origins.add(o);
  }
  const result = await verifyCode({
    text,
    keys,
    registry: snapshotJws
      ? { kind: 'snapshot', jws: snapshotJws }
      : { kind: 'unavailable', reason: 'no snapshot' },
    history: null,
    now,
    origins: [...origins],
  });
  const view = toVerifyView({ verdict: result.verdict, checks: result.checks }, now.toISOString());
  const code = result.code;
  view.codeKind = code?.kind ?? null;
  const signed = result.key !== undefined && code !== undefined;
  const cert =
    signed && reading?.ok
      ? reading.snapshot.certificates.find((c) =>
          code.gtin !== null ? c.gtin === code.gtin : c.ref === code.productRef,
        )
      : undefined;
  if (signed) {
    view.batch = {
      lot: code.lot,
      serial: code.serial,
      producedOn: null,
      bestBefore: null,
      pastBestBefore: false,
      quantity: null,
      unit: null,
      status: result.verdict === 'recalled_batch' ? 'recalled' : null,
      recallReason: null,
      recalledAt: null,
    };
  }
  if (cert) {
    const certCheck = result.checks.find((c) => c.id === 'certificate');
    view.product = {
      id: null,
      name: cert.name,
      nameEn: null,
      gtin: cert.gtin,
      groupCode: null,
      category: null,
      imageUrl: null,
      commune: null,
    };
    view.certificate = {
      stars: cert.stars,
      level: cert.level,
      authority: null,
      decisionNo: cert.decisionNo,
      decisionDate: null,
      validFrom: cert.validFrom,
      validTo: cert.validTo,
      status:
        cert.status === 'revoked'
          ? 'revoked'
          : certCheck && !certCheck.ok && certCheck.verdict === 'expired_certificate'
            ? 'expired'
            : 'valid',
      revocationReason: null,
      revokedAt: cert.revokedAt,
      madeWhileValid: null,
    };
  }
  return { view, snapshotIat: result.snapshot?.iat ?? (reading?.ok ? reading.snapshot.iat : null) };
}
