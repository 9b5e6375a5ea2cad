/**
 * Adapter to the shared pure verifier of packages/domain (issue 4). Placeholder until it lands:
 * answers that the status could not be checked, which is what the page must say when it cannot
 * verify on the device.
 */
export async function verifyOfflineWithDomain(
  _code: string,
  _jwks: unknown,
  _snapshot: string | null,
  _now: Date,
): Promise<unknown> {
  return { verdict: 'status_unknown', checks: [] };
}
