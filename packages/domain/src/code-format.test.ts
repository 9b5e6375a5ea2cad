import { describe, expect, it } from 'vitest';
import {
  PUBLIC_REF_ALPHABET,
  SERIAL_ALPHABET,
  base64urlDecode,
  base64urlEncode,
  batchPathOf,
  canonicalCode,
  codePath,
  codeProtectedHeader,
  codeSigningInput,
  formatCodeUrl,
  isCodeLot,
  keyRefOf,
  newPublicRef,
  newSerial,
  parseCode,
  randomString,
  utf8,
} from './code-format.ts';

const ORIGIN = 'https://ocop.quangngai.gov.vn';
const KID = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const SIG = 'A'.repeat(85) + 'A';
const fill = (b: Uint8Array) => globalThis.crypto.getRandomValues(b);

describe('base64url', () => {
  it.each([
    [[], ''],
    [[0], 'AA'],
    [[0xff], '_w'],
    [[0xfb, 0xff], '-_8'],
    [[1, 2, 3], 'AQID'],
    [[0xde, 0xad, 0xbe, 0xef], '3q2-7w'],
  ])('encodes %j as %s and back', (bytes, text) => {
    expect(base64urlEncode(new Uint8Array(bytes))).toBe(text);
    expect([...(base64urlDecode(text) ?? [])]).toEqual(bytes);
  });

  it('round-trips random bytes of every length', () => {
    for (let n = 0; n < 70; n++) {
      const b = globalThis.crypto.getRandomValues(new Uint8Array(n));
      const s = base64urlEncode(b);
      expect(s).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(base64urlDecode(s)).toEqual(b);
    }
  });

  it.each([
    ['padding', 'AQ=='],
    ['standard alphabet +', 'a+b/'],
    ['space', 'AQ I'],
    ['impossible length', 'AQIDB'],
    ['non-zero unused bits (AB decodes like AA)', 'AB'],
    ['non-ASCII', 'AQIé'],
  ])('rejects %s', (_name, text) => {
    expect(base64urlDecode(text)).toBeNull();
  });
});

describe('serials and product references', () => {
  it('draws 12 characters of [0-9A-Za-z] for serials and 8 Crockford characters for references', () => {
    for (let i = 0; i < 200; i++) {
      expect(newSerial(fill)).toMatch(/^[0-9A-Za-z]{12}$/);
      expect(newPublicRef(fill)).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    }
  });

  it('rejects bytes above the largest multiple of the alphabet size (no modulo bias)', () => {
    // 248 = 4 × 62: bytes 248..255 must be skipped, 0 and 62 both map to "0".
    const bytes = [255, 248, 0, 62, 61, 123, 124, 247];
    let i = 0;
    const scripted = (b: Uint8Array) => {
      for (let j = 0; j < b.length; j++) b[j] = bytes[i++ % bytes.length]!;
    };
    expect(randomString(scripted, SERIAL_ALPHABET, 6)).toBe('00zz0z');
  });

  it('is close to uniform over the alphabet', () => {
    const counts = new Map<string, number>();
    const n = 62 * 400;
    const s = randomString(fill, SERIAL_ALPHABET, n);
    for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const v of counts.values()) expect(v).toBeGreaterThan(250);
    expect(PUBLIC_REF_ALPHABET).toHaveLength(32);
    expect(PUBLIC_REF_ALPHABET).not.toMatch(/[ILOU]/);
  });
});

describe('building a code', () => {
  it.each([
    [
      { gtin: '08938123456782', productRef: null, lot: 'L2026-01', serial: null },
      '/01/08938123456782/10/L2026-01',
    ],
    [
      { gtin: '08938123456782', productRef: null, lot: 'L2026-01', serial: 'aB3dE5fG7hJ9' },
      '/01/08938123456782/10/L2026-01/21/aB3dE5fG7hJ9',
    ],
    [{ gtin: null, productRef: '7K2M9Q4X', lot: 'a.b_c-d', serial: null }, '/p/7K2M9Q4X/10/a.b_c-d'],
  ])('%j → %s', (id, path) => {
    expect(codePath(id)).toBe(path);
    expect(canonicalCode(ORIGIN, id)).toBe(ORIGIN + path);
  });

  it.each([
    { gtin: '08938123456786', productRef: null, lot: 'L1', serial: null },
    { gtin: '8938123456786', productRef: null, lot: 'L1', serial: null },
    { gtin: null, productRef: 'ABCDEFGI', lot: 'L1', serial: null },
    { gtin: null, productRef: null, lot: 'L1', serial: null },
    { gtin: '08938123456782', productRef: null, lot: '..', serial: null },
    { gtin: '08938123456782', productRef: null, lot: 'a/b', serial: null },
    { gtin: '08938123456782', productRef: null, lot: 'L'.repeat(21), serial: null },
    { gtin: '08938123456782', productRef: null, lot: 'L1', serial: 'ab-c' },
  ])('refuses %j', (id) => {
    expect(() => codePath(id)).toThrow(RangeError);
  });

  it('keeps dot-segments out of lots', () => {
    expect(isCodeLot('.')).toBe(false);
    expect(isCodeLot('..')).toBe(false);
    expect(isCodeLot('...')).toBe(true);
  });

  it('builds the exact protected header and signing input', () => {
    expect(codeProtectedHeader(KID)).toBe(`{"alg":"ES256","kid":"${KID}","typ":"ocop-code+jws"}`);
    const canonical = `${ORIGIN}/01/08938123456782/10/L1`;
    const [h, p] = codeSigningInput(KID, canonical).split('.');
    expect(new TextDecoder().decode(base64urlDecode(h!)!)).toBe(codeProtectedHeader(KID));
    expect(new TextDecoder().decode(base64urlDecode(p!)!)).toBe(canonical);
    expect(() => codeProtectedHeader('x","alg":"none')).toThrow(RangeError);
    expect(utf8('đ')).toEqual(new Uint8Array([0xc4, 0x91]));
  });

  it('formats the URL with the 8-character key reference', () => {
    const canonical = `${ORIGIN}/01/08938123456782/10/L1`;
    expect(keyRefOf(KID)).toBe('NzbLsXh8');
    expect(formatCodeUrl(canonical, KID, SIG)).toBe(`${canonical}?k=NzbLsXh8&s=${SIG}`);
  });
});

describe('parseCode', () => {
  const url = `${ORIGIN}/01/08938123456782/10/L2026-01/21/aB3dE5fG7hJ9?k=NzbLsXh8&s=${SIG}`;

  it('reads a unit code', () => {
    const r = parseCode(url, [ORIGIN]);
    expect(r).toEqual({
      ok: true,
      code: {
        kind: 'unit',
        origin: ORIGIN,
        gtin: '08938123456782',
        productRef: null,
        lot: 'L2026-01',
        serial: 'aB3dE5fG7hJ9',
        path: '/01/08938123456782/10/L2026-01/21/aB3dE5fG7hJ9',
        canonical: `${ORIGIN}/01/08938123456782/10/L2026-01/21/aB3dE5fG7hJ9`,
        keyRef: 'NzbLsXh8',
        sig: SIG,
        extraQuery: [],
      },
    });
  });

  it('reads a batch code without GTIN, with surrounding whitespace, parameters in any order and GS1 data attributes', () => {
    const r = parseCode(` ${ORIGIN}/p/7K2M9Q4X/10/LOT1/?17=271231&s=${SIG}&k=NzbLsXh8#x\n`, [
      'https://other.example',
      ORIGIN + '/',
    ]);
    expect(r.ok && r.code).toMatchObject({
      kind: 'batch',
      gtin: null,
      productRef: '7K2M9Q4X',
      lot: 'LOT1',
      serial: null,
      canonical: `${ORIGIN}/p/7K2M9Q4X/10/LOT1`,
      extraQuery: ['17=271231'],
    });
  });

  it('normalises the origin only (scheme and host case, default port)', () => {
    const r = parseCode(url.replace(ORIGIN, 'HTTPS://OCOP.QUANGNGAI.GOV.VN:443'), [ORIGIN]);
    expect(r.ok && r.code.canonical).toBe(`${ORIGIN}/01/08938123456782/10/L2026-01/21/aB3dE5fG7hJ9`);
  });

  it.each([
    ['a number', 42, 'not_text'],
    ['empty text', '', 'not_url'],
    ['plain text', 'hello', 'not_url'],
    ['a compact JWS', 'eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.', 'not_url'],
    ['another origin', url.replace(ORIGIN, 'https://ocop.quangngai.gov.vn.evil.example'), 'foreign_origin'],
    ['http instead of https', url.replace('https:', 'http:'), 'foreign_origin'],
    ['userinfo', url.replace('https://', 'https://ocop.quangngai.gov.vn@'), 'foreign_origin'],
    ['a page of the site', `${ORIGIN}/scan`, 'not_code_path'],
    [
      'another AI order',
      `${ORIGIN}/01/08938123456782/21/aB3dE5fG7hJ9/10/L1?k=NzbLsXh8&s=${SIG}`,
      'not_code_path',
    ],
    ['a path prefix', `${ORIGIN}/x/01/08938123456782/10/L1?k=NzbLsXh8&s=${SIG}`, 'not_code_path'],
    ['too long', url + '&x=' + 'a'.repeat(1100), 'too_long'],
  ])('%s is unknown (%s)', (_name, text, reason) => {
    expect(parseCode(text, [ORIGIN])).toMatchObject({ ok: false, verdict: 'unknown', reason });
  });

  it.each([
    ['a wrong GTIN check digit', url.replace('08938123456782', '08938123456786'), 'bad_gtin'],
    ['a GTIN-13', url.replace('08938123456782', '8938123456786'), 'bad_gtin'],
    ['a lowercase product reference', `${ORIGIN}/p/7k2m9q4x/10/L1?k=NzbLsXh8&s=${SIG}`, 'bad_product_ref'],
    ['a percent-encoded lot', url.replace('L2026-01', 'L2026%2D01'), 'bad_lot'],
    ['a dot-segment lot', url.replace('L2026-01', '..'), 'bad_lot'],
    ['a serial with a dash', url.replace('aB3dE5fG7hJ9', 'aB3d-5fG7hJ9'), 'bad_serial'],
    ['no signature', url.replace(/&s=.*$/, ''), 'missing_signature'],
    ['no key reference', url.replace('k=NzbLsXh8&', ''), 'missing_signature'],
    ['two signatures', `${url}&s=${SIG}`, 'duplicate_parameter'],
    ['a full kid in k', url.replace('NzbLsXh8', KID), 'bad_key_ref'],
    ['path traversal in k', url.replace('NzbLsXh8', '../../etc/passwd'), 'bad_key_ref'],
    ['SQL in k', url.replace('NzbLsXh8', "'%20OR%201=1--"), 'bad_key_ref'],
    ['a truncated signature', url.slice(0, -1), 'bad_signature_encoding'],
    ['a padded signature', `${url}==`, 'bad_signature_encoding'],
    ['a signature in standard base64', url.replace(/.$/, '+'), 'bad_signature_encoding'],
    ['non-canonical trailing bits', url.replace(/.$/, 'B'), 'bad_signature_encoding'],
    ['an empty signature (alg none)', url.replace(/&s=.*$/, '&s='), 'bad_signature_encoding'],
  ])('%s is forged (%s)', (_name, text, reason) => {
    expect(parseCode(text, [ORIGIN])).toMatchObject({ ok: false, verdict: 'forged', reason });
  });

  it('gives the batch path of any code', () => {
    const r = parseCode(url, [ORIGIN]);
    expect(r.ok && batchPathOf(r.code)).toBe('/01/08938123456782/10/L2026-01');
  });
});
