/**
 * GS1 Global Trade Item Numbers (GTIN-8, -12, -13, -14).
 *
 * Many OCOP household producers have no GTIN, so a product's GTIN is optional; when one is given
 * it must be well formed, because it goes into the GS1 Digital Link path (`/01/<GTIN-14>`) of the
 * QR code. @see TCVN 6939:2019 (GTIN-13), TCVN 6754:2019 (AI 01 = n14), domain.md §4.5
 */

/** GS1 prefix of GS1 Vietnam. @see domain.md §4.5 (REPORTED) */
export const GS1_VIETNAM_PREFIX = '893';

export const GTIN_LENGTHS = [8, 12, 13, 14] as const;

const DIGITS = /^\d+$/;

/**
 * The GS1 mod-10 check digit of `bodyDigits` (the GTIN without its last digit): from the right,
 * weights 3, 1, 3, 1…; the check digit brings the weighted sum to a multiple of 10.
 * @see GS1 General Specifications §7.9.1
 * @throws RangeError when `bodyDigits` is empty or holds a non-digit.
 */
export function gtinCheckDigit(bodyDigits: string): number {
  if (!DIGITS.test(bodyDigits))
    throw new RangeError(`GTIN body must be digits: ${JSON.stringify(bodyDigits)}`);
  let sum = 0;
  for (let i = 0; i < bodyDigits.length; i++) {
    const digit = bodyDigits.charCodeAt(bodyDigits.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** True for 8, 12, 13 or 14 digits (nothing else, no spaces) with a correct check digit. */
export function isValidGtin(s: string): boolean {
  if (!DIGITS.test(s) || !(GTIN_LENGTHS as readonly number[]).includes(s.length)) return false;
  return gtinCheckDigit(s.slice(0, -1)) === Number(s.slice(-1));
}

/**
 * The 14-digit form used in GS1 element strings and Digital Link URIs: left-padded with zeros.
 * @throws RangeError when `s` is not a valid GTIN (check with {@link isValidGtin} first).
 */
export function toGtin14(s: string): string {
  if (!isValidGtin(s)) throw new RangeError(`Not a valid GTIN: ${JSON.stringify(s)}`);
  return s.padStart(14, '0');
}

/**
 * True when a valid GTIN carries the GS1 Vietnam prefix 893 (digits 2–4 of the GTIN-14; digit 1
 * is the packaging indicator). A GS1 prefix says which member organisation allotted the number,
 * not where the product was made. GTIN-8 and UPC-A (GTIN-12) never match, as their padded forms
 * start with zeros.
 */
export function isVietnameseGtin(gtin: string): boolean {
  return isValidGtin(gtin) && toGtin14(gtin).slice(1, 4) === GS1_VIETNAM_PREFIX;
}
