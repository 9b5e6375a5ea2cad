/**
 * Offline verification with the shared pure verifier of packages/domain (the same function the
 * API runs): the code's ES256 signature against the cached JWKS, its status against the signed
 * registry snapshot (past 7 days: `status_unknown`). Returns an object shaped like the API's answer
 * so the page shows both the same way; product facts come from the snapshot's certificate entry,
 * and only when the signature verified.
 */
import { readSnapshot, verifyCode, type PublicKeyInfo } from '@ocop/domain/verify';

function keysOf(jwks: unknown): PublicKeyInfo[] {
  const list = jwks && typeof jwks === 'object' ? (jwks as { keys?: unknown }).keys : undefined;
  return Array.isArray(list) ? (list.filter((k) => k && typeof k === 'object') as PublicKeyInfo[]) : [];
}

export async function verifyOfflineWithDomain(
  text: string,
  jwks: unknown,
  snapshotJws: string | null,
  now: Date,
): Promise<unknown> {
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
  const signed = result.verdict !== 'forged' && result.verdict !== 'unknown';
  const code = result.code;
  const cert =
    signed && code && reading?.ok
      ? reading.snapshot.certificates.find((c) =>
          code.gtin !== null ? c.gtin === code.gtin : c.ref === code.productRef,
        )
      : undefined;
  const certState = result.checks.find((c) => c.id === 'certificate');
  return {
    verdict: result.verdict,
    checks: result.checks,
    codeKind: code?.kind ?? null,
    product: cert ? { name: cert.name, gtin: cert.gtin } : null,
    certificate: cert
      ? {
          stars: cert.stars,
          level: cert.level,
          decisionNo: cert.decisionNo,
          validFrom: cert.validFrom,
          validTo: cert.validTo,
          state:
            cert.status === 'revoked'
              ? 'revoked'
              : certState && !certState.ok && certState.verdict === 'expired_certificate'
                ? 'expired'
                : 'valid',
          revokedAt: cert.revokedAt,
        }
      : null,
    batch: signed && code ? { lot: code.lot, serial: code.serial } : null,
  };
}
