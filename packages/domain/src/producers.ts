/**
 * OCOP producers ("chủ thể OCOP") and their tax codes.
 *
 * A certificate belongs to one product, not to its producer: the OCOP mark on another product
 * of the same producer is a false claim (DESIGN.md, Domain rules).
 */

/** Enterprise, cooperative, cooperative group, household business. @see 919/QĐ-TTg; DESIGN.md */
export const PRODUCER_KINDS = ['DN', 'HTX', 'THT', 'HKD'] as const;

export type ProducerKind = (typeof PRODUCER_KINDS)[number];

export const PRODUCER_KIND_LABELS: Record<ProducerKind, { vi: string; en: string }> = {
  DN: { vi: 'Doanh nghiệp', en: 'Enterprise' },
  HTX: { vi: 'Hợp tác xã', en: 'Cooperative' },
  THT: { vi: 'Tổ hợp tác', en: 'Cooperative group' },
  HKD: { vi: 'Hộ kinh doanh', en: 'Household business' },
};

export function isProducerKind(s: unknown): s is ProducerKind {
  return typeof s === 'string' && (PRODUCER_KINDS as readonly string[]).includes(s);
}

const TAX_CODE = /^(\d{10})(?:-(\d{3}))?$/;
const WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3] as const;

/**
 * The 10th digit of a Vietnamese tax code (mã số thuế) from its first nine: 10 − (Σ wᵢ·dᵢ mod 11)
 * with weights 31, 29, 23, 19, 17, 13, 7, 5, 3. Null when that gives 10: no valid code has those
 * nine digits.
 *
 * Verified, not just remembered: it reproduces the check digit of the published tax codes of
 * Viettel (0100109106), Vinamilk (0300588569) and FPT (0101248141), and of the python-stdnum
 * examples (0100233488, 0314409058, 0100112437, 0312687878), see producers.test.ts.
 */
export function taxCodeCheckDigit(firstNine: string): number | null {
  if (!/^\d{9}$/.test(firstNine)) throw new RangeError(`Expected nine digits: ${JSON.stringify(firstNine)}`);
  let sum = 0;
  WEIGHTS.forEach((w, i) => {
    sum += w * (firstNine.charCodeAt(i) - 48);
  });
  const check = 10 - (sum % 11);
  return check === 10 ? null : check;
}

/**
 * A Vietnamese tax code: 10 digits (the unit), or 10 digits + '-' + 3 digits for a dependent unit
 * (branch), with a correct check digit. Digits 3–9 (the sequence) cannot be all zeros, nor can a
 * branch suffix be 000. No spaces or other separators are accepted: strip them before checking.
 * Household businesses often register under the owner's personal tax code, which has the same
 * 10-digit shape. From 01/07/2025 the 12-digit personal ID number is believed to replace personal
 * and household tax codes (Thông tư 86/2024/TT-BTC, from memory: UNCONFIRMED); this check does
 * not accept it, so an HKD without a 10-digit code should be stored without one.
 */
export function isValidTaxCode(s: string): boolean {
  const m = TAX_CODE.exec(s);
  if (!m) return false;
  const [, unit = '', branch] = m;
  if (/^0{7}$/.test(unit.slice(2, 9))) return false;
  if (branch === '000') return false;
  return taxCodeCheckDigit(unit.slice(0, 9)) === Number(unit[9]);
}
