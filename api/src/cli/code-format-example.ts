/**
 * Prints the worked example of docs/code-format.md ("Worked example"): real values computed with
 * the code-format module and an example key, and the QR versions of the longest codes.
 *
 *   npx tsx api/src/cli/code-format-example.ts > /tmp/example.md
 *
 * The example private key below is public on purpose (it is in this repository): it signs only
 * this example. ECDSA signatures are randomised, so each run prints another valid signature.
 */
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import QRCode from 'qrcode';
import { calculateJwkThumbprint } from 'jose';
import {
  SERIAL_LENGTH,
  base64urlEncode,
  canonicalCode,
  codeFlattenedJws,
  codeProtectedHeader,
  codeSigningInput,
  formatCodeUrl,
  utf8,
} from '@ocop/domain';

export const EXAMPLE_PRIVATE_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'flvmO6VB-ot5w8sBVrRLPy9In3Um16ac49TXMd-ryC4',
  y: '4w-DHpiWzBmdpPpOC9fllwkE8O-bw64o9zHnEwo8nas',
  d: '2kRY1Dbfciy4Ki4yKRo6ffNrqbcj90AIfIsS7V1J4BI',
} as const;

export const EXAMPLE_ORIGIN = 'https://ocop.quangngai.gov.vn';

/** The QR version (ECC M) of a text, as the `qrcode` package encodes it (mixed modes). */
export function qrVersion(text: string): number {
  return QRCode.create(text, { errorCorrectionLevel: 'M' }).version;
}

async function main(): Promise<void> {
  const { d: _d, ...pub } = EXAMPLE_PRIVATE_JWK;
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  const key = createPrivateKey({ key: EXAMPLE_PRIVATE_JWK, format: 'jwk' });
  const sign = (input: string) =>
    cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');

  const id = { gtin: '08936123450014', productRef: null, lot: 'NM2026-11', serial: 'r7Kq2XbT9mWc' };
  const canonical = canonicalCode(EXAMPLE_ORIGIN, id);
  const header = codeProtectedHeader(kid);
  const input = codeSigningInput(kid, canonical);
  const sig = sign(input);
  const url = formatCodeUrl(canonical, kid, sig);
  const jwks = { keys: [{ ...pub, kid, alg: 'ES256', use: 'sig' }] };

  const longest = [
    canonicalCode(EXAMPLE_ORIGIN, {
      gtin: '08936123450014',
      productRef: null,
      lot: 'abcdefghij-klmnop.q_',
      serial: 'x'.repeat(SERIAL_LENGTH),
    }),
    canonicalCode(EXAMPLE_ORIGIN, {
      gtin: '08936123450014',
      productRef: null,
      lot: 'abcdefghij-klmnop.q_',
      serial: null,
    }),
    canonicalCode(EXAMPLE_ORIGIN, {
      gtin: null,
      productRef: '7K2M9Q4XAB',
      lot: 'abcdefghij-klmnop.q_',
      serial: 'x'.repeat(SERIAL_LENGTH),
    }),
  ];
  const rows = longest.map((c) => {
    const s = sign(codeSigningInput(kid, c));
    const u = formatCodeUrl(c, kid, s);
    const full = `${c}?k=${kid}&s=${s}`;
    return `| \`${c.slice(EXAMPLE_ORIGIN.length)}\` | ${u.length} | ${qrVersion(u)} | ${full.length} | ${qrVersion(full)} |`;
  });

  const out = [
    '### Inputs',
    '',
    '```text',
    `origin  ${EXAMPLE_ORIGIN}`,
    `GTIN-14 ${id.gtin}`,
    `lot     ${id.lot}`,
    `serial  ${id.serial}`,
    '```',
    '',
    'The public key, as `GET /.well-known/jwks.json` publishes it:',
    '',
    '```json jwks',
    JSON.stringify(jwks, null, 2),
    '```',
    '',
    '### Step by step',
    '',
    '1. Canonical code (the JWS payload, UTF-8):',
    '',
    '```text canonical',
    canonical,
    '```',
    '',
    '2. Protected header (exact bytes):',
    '',
    '```text header',
    header,
    '```',
    '',
    '3. Signing input = BASE64URL(header) "." BASE64URL(canonical):',
    '',
    '```text signing-input',
    input,
    '```',
    '',
    '4. ES256 signature over the signing input: raw R‖S, 64 bytes, base64url without padding (86 characters):',
    '',
    '```text signature',
    sig,
    '```',
    '',
    `   as hex: \`${Buffer.from(sig, 'base64url').toString('hex')}\``,
    '',
    '5. The URL printed in the QR code:',
    '',
    '```text url',
    url,
    '```',
    '',
    '6. The same code as a flattened JWS (RFC 7515 §7.2.2) for a standard JOSE library:',
    '',
    '```json flattened-jws',
    JSON.stringify(codeFlattenedJws(kid, canonical, sig), null, 2),
    '```',
    '',
    `(BASE64URL of the canonical code alone: \`${base64urlEncode(utf8(canonical))}\`.)`,
    '',
    '### Size of the longest codes (QR at ECC level M, `qrcode` 1.5)',
    '',
    `Origin \`${EXAMPLE_ORIGIN}\` (${EXAMPLE_ORIGIN.length} characters), lot of 20 characters (the maximum), serial of 12:`,
    '',
    '| path | URL length (k = 8 chars) | QR version | length with the full 43-char kid | QR version |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
  process.stdout.write(out.join('\n'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
