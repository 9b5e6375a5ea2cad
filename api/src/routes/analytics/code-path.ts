/**
 * The code path of a scanned text (`/01/{gtin}/10/{lot}[/21/{serial}]` or `/p/{ref}/10/{lot}…`):
 * the key of `codes` and `scans` (issue 4, migration 20261129T044000Z-codes), by which findings,
 * reports and cases are linked to a code. Only the shape is read — the signature is the verifier's
 * business — so a copied code on another domain still links to the code it copies.
 * @see GS1 Digital Link URI syntax 1.2 (AI 01, 10, 21)
 */
const CODE_PATH =
  /^\/(?:01\/\d{14}|p\/[0-9A-HJKMNP-TV-Z]{8,10})\/10\/[A-Za-z0-9._-]{1,20}(?:\/21\/[0-9A-Za-z]{1,20})?$/;

export function codePathOf(text: string | null | undefined): string | null {
  if (!text) return null;
  const trimmed = text.trim();
  if (CODE_PATH.test(trimmed)) return trimmed;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return CODE_PATH.test(url.pathname) ? url.pathname : null;
}

/** The batch code's path of a unit code's path (drops `/21/{serial}`). */
export function batchPathOfPath(path: string): string {
  return path.replace(/\/21\/[^/]+$/, '');
}
