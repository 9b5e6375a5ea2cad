/**
 * The code printed on every OCOP Trace label: a GS1 Digital Link URL carrying a detached ES256
 * signature. This module is the byte-for-byte definition of `docs/code-format.md`; change one and
 * you change the other (printed labels live for years, so in practice: never).
 *
 * ```
 * {origin}/01/{GTIN-14}/10/{lot}[/21/{serial}]?k={keyRef}&s={sig}     product with a GTIN
 * {origin}/p/{productRef}/10/{lot}[/21/{serial}]?k={keyRef}&s={sig}   product without one
 * ```
 *
 * - canonical code = the URL without its query string; it is the JWS payload, so the signature
 *   binds origin, product, lot and serial;
 * - protected header = `{"alg":"ES256","kid":"<full kid>","typ":"ocop-code+jws"}`, exactly;
 * - `s` = base64url (no padding) of the raw 64-byte R‖S signature over
 *   `b64url(header) "." b64url(canonical)` (RFC 7515 §5.1, detached payload: appendix F);
 * - `k` = the first 8 characters of the key's RFC 7638 thumbprint: the full 43-character kid would
 *   push the longest URL from QR version 10 to 11 at ECC M (docs/code-format.md, "Size").
 *
 * Pure: no IO, no clock, no Node-only API. Randomness (serials, product references) is passed in.
 * @see GS1 Digital Link URI Syntax 1.6 (AI 01, 10, 21; key qualifiers in this order)
 * @see RFC 7515 (JWS) appendix F, RFC 7518 §3.4 (ES256 signature = R‖S), RFC 7638 (thumbprint)
 */
import { isValidGtin } from './gtin.ts';

/** The only signature algorithm (RFC 8725 §3.1: the verifier never lets the token choose). */
export const CODE_ALG = 'ES256';
/** Explicit type of a code signature (RFC 8725 §3.11), distinct from session and snapshot tokens. */
export const CODE_TYP = 'ocop-code+jws';
/** Characters of the kid carried in `k`. */
export const KEY_REF_LENGTH = 8;
/** An RFC 7638 SHA-256 thumbprint in base64url: 43 characters. */
export const KID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const KEY_REF_PATTERN = /^[A-Za-z0-9_-]{8}$/;
/** A raw ES256 signature: 64 bytes, 86 base64url characters. */
export const SIGNATURE_BYTES = 64;
export const SIGNATURE_CHARS = 86;

/**
 * GS1 AI (10) is X..20 of character set 82; we keep the subset that sits unescaped in a URL path
 * (RFC 3986 unreserved), as the database check `batches_lot` does. `.` and `..` are excluded as
 * well: URL parsers remove such dot-segments (RFC 3986 §5.2.4), so the printed URL would change.
 */
export const LOT_PATTERN = /^[A-Za-z0-9._-]{1,20}$/;
/** Serials we issue: 12 characters of [0-9A-Za-z] (about 71 bits), valid GS1 AI (21) CSET 82. */
export const SERIAL_LENGTH = 12;
export const SERIAL_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Serials accepted when reading: AI (21) is X..20; we only ever issue the 12-character form. */
export const SERIAL_PATTERN = /^[0-9A-Za-z]{1,20}$/;
/**
 * Public product reference for products without a GTIN: Crockford's base32 alphabet (no I, L, O,
 * U), so it can be read aloud and typed from a label. 8 characters issued (40 bits), 8–10 accepted.
 * The same alphabet is in migration 20261129T044000Z-codes (`ocop_new_public_ref`).
 */
export const PUBLIC_REF_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PUBLIC_REF_LENGTH = 8;
export const PUBLIC_REF_PATTERN = /^[0-9A-HJKMNP-TV-Z]{8,10}$/;
/** Longer text cannot be one of our codes (a QR of version 10 at ECC M holds 213 bytes). */
export const MAX_CODE_TEXT_LENGTH = 1024;

export type CodeKind = 'batch' | 'unit';

/** What a code identifies: a product (by GTIN-14, else by public reference), a lot, a serial. */
export interface CodeIdentity {
  gtin: string | null;
  productRef: string | null;
  lot: string;
  serial: string | null;
}

/** A code read from text. Plain data (JSON-safe), as returned to callers and pages. */
export interface ParsedCode extends CodeIdentity {
  kind: CodeKind;
  /** The accepted origin it was printed for, normalised (`https://host[:port]`). */
  origin: string;
  /** `/01/…/10/…[/21/…]` or `/p/…/10/…[/21/…]`, rebuilt from the parts (no trailing slash). */
  path: string;
  /** `origin + path`: the signed payload. */
  canonical: string;
  /** `k`: the first 8 characters of the signing key's kid. */
  keyRef: string;
  /** `s`: the signature, base64url. */
  sig: string;
  /** Query parameters other than `k` and `s`, verbatim (GS1 Digital Link data attributes). */
  extraQuery: string[];
}

export type ParseFailure =
  | 'not_text'
  | 'too_long'
  | 'not_url'
  | 'foreign_origin'
  | 'not_code_path'
  | 'bad_gtin'
  | 'bad_product_ref'
  | 'bad_lot'
  | 'bad_serial'
  | 'missing_signature'
  | 'duplicate_parameter'
  | 'bad_key_ref'
  | 'bad_signature_encoding';

/**
 * Parsing either yields a code or says why not. `unknown`: not an OCOP Trace code at all (not a
 * URL, another origin, another path). `forged`: it has the shape of our code on our origin but a
 * part was altered or is missing — the signature material, the GTIN check digit, a character.
 */
export type ParseResult =
  | { ok: true; code: ParsedCode }
  | { ok: false; verdict: 'unknown' | 'forged'; reason: ParseFailure; path?: string };

// ---------------------------------------------------------------------------------------------
// base64url (RFC 4648 §5, no padding), strict

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_INDEX[B64URL.charCodeAt(i)] = i;

export function base64urlEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * Decodes base64url without padding, or returns null. Strict: only the 64 URL-safe characters, no
 * `=`, no whitespace, and the unused low bits of the last character must be zero — so each byte
 * string has exactly one accepted encoding (no malleable, "non-canonical" base64).
 */
export function base64urlDecode(s: string): Uint8Array<ArrayBuffer> | null {
  if (s.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64URL_INDEX[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/** UTF-8 bytes of a string (the code strings are ASCII; TextEncoder exists in Node and browsers). */
export function utf8(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s);
}

// ---------------------------------------------------------------------------------------------
// Building codes

/** True for a lot that may go into a code (see {@link LOT_PATTERN}). */
export function isCodeLot(lot: string): boolean {
  return LOT_PATTERN.test(lot) && lot !== '.' && lot !== '..';
}

/**
 * The path of a code: `/01/{gtin14}/10/{lot}[/21/{serial}]`, or `/p/{ref}/10/{lot}[/21/{serial}]`
 * when the product has no GTIN.
 * @throws RangeError when a part is not valid (a programmer error: validate before issuing).
 */
export function codePath(id: CodeIdentity): string {
  let head: string;
  if (id.gtin !== null) {
    if (!/^\d{14}$/.test(id.gtin) || !isValidGtin(id.gtin)) {
      throw new RangeError(`not a GTIN-14: ${JSON.stringify(id.gtin)}`);
    }
    head = `/01/${id.gtin}`;
  } else {
    if (id.productRef === null || !PUBLIC_REF_PATTERN.test(id.productRef)) {
      throw new RangeError(`not a product reference: ${JSON.stringify(id.productRef)}`);
    }
    head = `/p/${id.productRef}`;
  }
  if (!isCodeLot(id.lot)) throw new RangeError(`lot not usable in a code: ${JSON.stringify(id.lot)}`);
  if (id.serial === null) return `${head}/10/${id.lot}`;
  if (!SERIAL_PATTERN.test(id.serial)) throw new RangeError(`bad serial: ${JSON.stringify(id.serial)}`);
  return `${head}/10/${id.lot}/21/${id.serial}`;
}

/** The signed payload: the public origin (no trailing slash) followed by the code path. */
export function canonicalCode(origin: string, id: CodeIdentity): string {
  return `${origin}${codePath(id)}`;
}

/**
 * The JWS protected header of a code, as the exact bytes that are signed: members in this order,
 * no whitespace. Built by the verifier too, never read from the code, so nothing in a scanned
 * code can choose the algorithm or point at another key (no `jku`, `x5u`, `jwk`, `crit`).
 * @throws RangeError for a kid that is not a 43-character thumbprint.
 */
export function codeProtectedHeader(kid: string): string {
  if (!KID_PATTERN.test(kid)) throw new RangeError('kid must be a 43-character base64url thumbprint');
  return `{"alg":"${CODE_ALG}","kid":"${kid}","typ":"${CODE_TYP}"}`;
}

/** The JWS signing input (RFC 7515 §5.1 step 5) for a canonical code signed under `kid`. */
export function codeSigningInput(kid: string, canonical: string): string {
  return `${base64urlEncode(utf8(codeProtectedHeader(kid)))}.${base64urlEncode(utf8(canonical))}`;
}

/** The flattened JWS (RFC 7515 §7.2.2) a standard JOSE library verifies, rebuilt from a code. */
export function codeFlattenedJws(
  kid: string,
  canonical: string,
  sig: string,
): { protected: string; payload: string; signature: string } {
  return {
    protected: base64urlEncode(utf8(codeProtectedHeader(kid))),
    payload: base64urlEncode(utf8(canonical)),
    signature: sig,
  };
}

/** The key reference printed as `k`: the first {@link KEY_REF_LENGTH} characters of the kid. */
export function keyRefOf(kid: string): string {
  return kid.slice(0, KEY_REF_LENGTH);
}

/** The full URL printed in the QR code. */
export function formatCodeUrl(canonical: string, kid: string, sig: string): string {
  return `${canonical}?k=${keyRefOf(kid)}&s=${sig}`;
}

const normalisedOrigins = new Map<string, string | null>();

/** Normalises an origin the way {@link parseCode} compares them (`URL.origin`), or null. */
export function normaliseOrigin(origin: string): string | null {
  // Every scan compares its origin with the accepted ones: a URL parse each, remembered.
  const known = normalisedOrigins.get(origin);
  if (known !== undefined) return known;
  let normalised: string | null = null;
  try {
    const u = new URL(origin);
    if (u.protocol === 'https:' || u.protocol === 'http:') normalised = u.origin;
  } catch {
    normalised = null;
  }
  if (typeof origin === 'string' && origin.length <= 256) {
    if (normalisedOrigins.size >= 1024) normalisedOrigins.clear();
    normalisedOrigins.set(origin, normalised);
  }
  return normalised;
}

/**
 * Draws `length` characters uniformly from `alphabet` by rejection sampling (a random byte is
 * used only when below the largest multiple of the alphabet size, so no character is favoured).
 * `fill` puts random bytes into its argument: `(b) => crypto.getRandomValues(b)`.
 */
export function randomString(fill: (bytes: Uint8Array) => unknown, alphabet: string, length: number): string {
  const n = alphabet.length;
  if (n < 2 || n > 256) throw new RangeError('alphabet must have 2 to 256 characters');
  const limit = 256 - (256 % n);
  let out = '';
  const buf = new Uint8Array(Math.max(16, length * 2));
  while (out.length < length) {
    fill(buf);
    for (let i = 0; i < buf.length && out.length < length; i++) {
      const b = buf[i]!;
      if (b < limit) out += alphabet[b % n]!;
    }
  }
  return out;
}

/** A new unit serial: 12 unguessable characters of [0-9A-Za-z]. */
export function newSerial(fill: (bytes: Uint8Array) => unknown): string {
  return randomString(fill, SERIAL_ALPHABET, SERIAL_LENGTH);
}

/** A new public product reference (products without a GTIN). */
export function newPublicRef(fill: (bytes: Uint8Array) => unknown): string {
  return randomString(fill, PUBLIC_REF_ALPHABET, PUBLIC_REF_LENGTH);
}

// ---------------------------------------------------------------------------------------------
// Reading codes

const URL_HEAD = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/;
const CODE_PATH = /^\/(?:01\/([^/]+)|p\/([^/]+))\/10\/([^/]+)(?:\/21\/([^/]+))?\/?$/;

/** A code of our shape that cannot be genuine. */
function forgedAt(path: string, reason: ParseFailure): ParseResult {
  return { ok: false, verdict: 'forged', reason, path };
}

/**
 * Reads scanned text as a code. Never throws. Leading and trailing whitespace (scanners add line
 * ends) is ignored; the origin is compared after normalisation (`HTTPS://HOST:443` = `https://host`),
 * everything else byte for byte: no percent-decoding, no dot-segment removal. Query parameters
 * other than `k` and `s` are allowed (GS1 Digital Link data attributes) and kept verbatim.
 *
 * @param origins the public origins this system has printed codes for (current and former).
 */
export function parseCode(text: unknown, origins: readonly string[]): ParseResult {
  if (typeof text !== 'string') return { ok: false, verdict: 'unknown', reason: 'not_text' };
  if (text.length > MAX_CODE_TEXT_LENGTH) return { ok: false, verdict: 'unknown', reason: 'too_long' };
  const m = URL_HEAD.exec(text.trim());
  if (!m) return { ok: false, verdict: 'unknown', reason: 'not_url' };
  const [, head = '', rawPath = '', rawQuery] = m;
  // Userinfo (`https://ocop.gov.vn@evil.example/`) is never part of one of our codes.
  if (head.includes('@')) return { ok: false, verdict: 'unknown', reason: 'foreign_origin' };
  const origin = normaliseOrigin(head);
  if (origin === null) return { ok: false, verdict: 'unknown', reason: 'not_url' };
  // No closures made per call (under tsx each is also named with a defineProperty): about 2 µs.
  let accepted = false;
  for (const o of origins) accepted ||= normaliseOrigin(o) === origin;
  if (!accepted) return { ok: false, verdict: 'unknown', reason: 'foreign_origin' };
  const p = CODE_PATH.exec(rawPath);
  if (!p) return { ok: false, verdict: 'unknown', reason: 'not_code_path' };
  const [, gtin, productRef, lot = '', serial] = p;

  if (gtin !== undefined && !(/^\d{14}$/.test(gtin) && isValidGtin(gtin)))
    return forgedAt(rawPath, 'bad_gtin');
  if (productRef !== undefined && !PUBLIC_REF_PATTERN.test(productRef))
    return forgedAt(rawPath, 'bad_product_ref');
  if (!isCodeLot(lot)) return forgedAt(rawPath, 'bad_lot');
  if (serial !== undefined && !SERIAL_PATTERN.test(serial)) return forgedAt(rawPath, 'bad_serial');

  let keyRef: string | undefined;
  let sig: string | undefined;
  const extraQuery: string[] = [];
  for (const part of rawQuery === undefined || rawQuery === '' ? [] : rawQuery.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (name === 'k') {
      if (keyRef !== undefined) return forgedAt(rawPath, 'duplicate_parameter');
      keyRef = value;
    } else if (name === 's') {
      if (sig !== undefined) return forgedAt(rawPath, 'duplicate_parameter');
      sig = value;
    } else if (part !== '') {
      extraQuery.push(part);
    }
  }
  if (keyRef === undefined || sig === undefined) return forgedAt(rawPath, 'missing_signature');
  if (!KEY_REF_PATTERN.test(keyRef)) return forgedAt(rawPath, 'bad_key_ref');
  if (sig.length !== SIGNATURE_CHARS || base64urlDecode(sig)?.length !== SIGNATURE_BYTES) {
    return forgedAt(rawPath, 'bad_signature_encoding');
  }

  const id: CodeIdentity = {
    gtin: gtin ?? null,
    productRef: gtin === undefined ? (productRef ?? null) : null,
    lot,
    serial: serial ?? null,
  };
  const path = codePath(id);
  return {
    ok: true,
    // Field by field: `{ ...id, kind, … }` (a spread, then more properties) cost V8 about 8 µs a
    // call here, four fifths of the whole parse, which every scan makes.
    code: {
      gtin: id.gtin,
      productRef: id.productRef,
      lot: id.lot,
      serial: id.serial,
      kind: id.serial === null ? 'batch' : 'unit',
      origin,
      path,
      canonical: `${origin}${path}`,
      keyRef,
      sig,
      extraQuery,
    },
  };
}

/**
 * The key under which a batch's codes are listed offline (snapshot recalls, compromised-key
 * allow-lists): the code path without the serial.
 */
export function batchPathOf(id: Pick<CodeIdentity, 'gtin' | 'productRef' | 'lot'>): string {
  return codePath({ gtin: id.gtin, productRef: id.productRef, lot: id.lot, serial: null });
}

// ---------------------------------------------------------------------------------------------
// ES256 verification with WebCrypto (Node 20 and every browser; no jose, no node:crypto)

/** The public part of a P-256 key as a JWK (RFC 7517/7518 §6.2.1). */
export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

const importedKeys = new Map<string, Promise<CryptoKey | null>>();
const MAX_IMPORTED_KEYS = 256;

function importEs256(jwk: EcPublicJwk): Promise<CryptoKey | null> {
  const id = `${jwk.x}.${jwk.y}`;
  let key = importedKeys.get(id);
  if (key === undefined) {
    if (importedKeys.size >= MAX_IMPORTED_KEYS) importedKeys.clear();
    key = globalThis.crypto.subtle
      .importKey(
        'jwk',
        { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
        { name: 'ECDSA', namedCurve: 'P-256' },
        false,
        ['verify'],
      )
      .catch(() => null);
    importedKeys.set(id, key);
  }
  return key;
}

/**
 * Verifies a raw R‖S ES256 signature over `signingInput` (ASCII) with a P-256 public key. Never
 * throws: a malformed key, a signature of the wrong length or with r or s out of range is false.
 * Imported keys are cached by their coordinates (importing costs more than verifying).
 */
export async function verifyEs256(
  jwk: EcPublicJwk,
  signingInput: string,
  signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  if (signature.length !== SIGNATURE_BYTES) return false;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    return false;
  }
  try {
    const key = await importEs256(jwk);
    if (key === null) return false;
    return await globalThis.crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      signature,
      utf8(signingInput),
    );
  } catch {
    return false;
  }
}
