/**
 * Validity of an OCOP certificate: 36 months from the decision, renewal notice, revocation and
 * supersession.
 */
import {
  addDays,
  addMonths,
  compareDates,
  daysBetween,
  isIsoDate,
  isWithin,
  vietnamDateOf,
} from './dates.ts';
import type { IsoDate } from './dates.ts';

/**
 * A 3★–5★ certificate is valid for 36 months from the decision of the certifying authority.
 * @see Decision 148/QĐ-TTg; domain.md §1.5 (CONFIRMED: danang.gov.vn; Quảng Ngãi 2025 "có giá trị
 *   3 năm kể từ ngày Quyết định")
 */
export const CERTIFICATE_VALIDITY_MONTHS = 36;

/**
 * The producer is told at least 30 days before expiry so it can apply for re-evaluation.
 * @see DESIGN.md "Domain rules" (Validity)
 */
export const RENEWAL_NOTICE_DAYS = 30;

/**
 * The LAST DAY (inclusive) on which a certificate decided on `decisionDate` is valid.
 *
 * Choice and source: neither 148 nor the decisions seen spell out the end day, so the Civil Code's
 * general rule on periods applies. A period "counted in months from" a day starts on the next
 * day (Điều 147 khoản 2) and ends at the end of the corresponding day of its last month, or of
 * that month's last day when it has no such day (Điều 148 khoản 3). So 36 months from 31/08/2023
 * end at the end of 31/08/2026, and 36 months from 29/02/2024 at the end of 28/02/2027:
 * validTo = addMonths(decisionDate, 36), inclusive. We do not apply Điều 148 khoản 5 (an end on a
 * public holiday moves to the next working day): that serves performing obligations, and a
 * label must not flip validity on holiday calendars.
 * @see Bộ luật Dân sự 91/2015/QH13, Điều 147–148
 * @throws RangeError when `decisionDate` is not an ISO date.
 */
export function certificateValidTo(
  decisionDate: IsoDate,
  months: number = CERTIFICATE_VALIDITY_MONTHS,
): IsoDate {
  return addMonths(decisionDate, months);
}

/** The first day of the renewal notice window: `noticeDays` days before the last valid day. */
export function renewalDueOn(validTo: IsoDate, noticeDays: number = RENEWAL_NOTICE_DAYS): IsoDate {
  return addDays(validTo, -noticeDays);
}

/** Days left from `today` to the last valid day: 0 on the last valid day, negative once expired. */
export function daysUntilExpiry(validTo: IsoDate, today: IsoDate): number {
  return daysBetween(today, validTo);
}

/**
 * True from {@link renewalDueOn} through the last valid day: the producer must be (or have been)
 * told. False once expired; an expired certificate is not "due", it has lapsed (see
 * {@link certificateStateOn}).
 */
export function isRenewalDue(
  validTo: IsoDate,
  today: IsoDate,
  withinDays: number = RENEWAL_NOTICE_DAYS,
): boolean {
  const left = daysUntilExpiry(validTo, today);
  return left >= 0 && left <= withinDays;
}

export type CertificateStatus = 'active' | 'superseded' | 'revoked';

export const CERTIFICATE_STATUSES: readonly CertificateStatus[] = ['active', 'superseded', 'revoked'];

/** The fields of a certificate that decide its validity. */
export interface CertificateValidity {
  status: CertificateStatus;
  validFrom: IsoDate;
  /** Last valid day, inclusive ({@link certificateValidTo}). */
  validTo: IsoDate;
  /** When the revocation took effect: a date, or a timestamp with an offset (read as a Vietnamese day). */
  revokedAt: string | null;
}

export type CertificateState = 'valid' | 'not_yet_valid' | 'expired' | 'revoked' | 'superseded';

/**
 * The first day on which the certificate counts as revoked, or null if it is not revoked.
 * Revocation "takes effect at once", so the whole day of `revokedAt` counts as revoked. A
 * certificate marked revoked without a readable date is treated as revoked from `validFrom`: we
 * cannot show it was ever valid, so it vouches for nothing.
 */
export function revokedOn(cert: CertificateValidity): IsoDate | null {
  if (cert.revokedAt !== null) return vietnamDateOf(cert.revokedAt) ?? cert.validFrom;
  return cert.status === 'revoked' ? cert.validFrom : null;
}

function assertDates(cert: CertificateValidity, date: IsoDate): void {
  for (const [name, value] of [
    ['date', date],
    ['validFrom', cert.validFrom],
    ['validTo', cert.validTo],
  ] as const) {
    if (!isIsoDate(value))
      throw new RangeError(`${name} is not an ISO calendar date: ${JSON.stringify(value)}`);
  }
}

/**
 * The state of a certificate on `date`, knowing everything recorded now. Precedence: revoked
 * (revocation wins over everything once in effect), then not yet valid / expired by its dates,
 * then superseded (a newer certificate replaced it), else valid.
 * @throws RangeError when a date is not an ISO date.
 */
export function certificateStateOn(cert: CertificateValidity, date: IsoDate): CertificateState {
  assertDates(cert, date);
  const revoked = revokedOn(cert);
  if (revoked !== null && compareDates(date, revoked) >= 0) return 'revoked';
  if (compareDates(date, cert.validFrom) < 0) return 'not_yet_valid';
  if (compareDates(date, cert.validTo) > 0) return 'expired';
  if (cert.status === 'superseded') return 'superseded';
  return 'valid';
}

/** The certificate is in force on `date`: within its dates, not revoked, not superseded. */
export function isValidOn(cert: CertificateValidity, date: IsoDate): boolean {
  return certificateStateOn(cert, date) === 'valid';
}

/**
 * Historical check: was the certificate valid on `date`, for a batch produced that day? Ignores
 * supersession (the re-evaluated product's old certificate still covered what was made under it)
 * and any revocation that took effect after `date`; a revocation in effect on `date` counts.
 * @throws RangeError when a date is not an ISO date.
 */
export function wasValidOn(cert: CertificateValidity, date: IsoDate): boolean {
  assertDates(cert, date);
  const revoked = revokedOn(cert);
  if (revoked !== null && compareDates(date, revoked) >= 0) return false;
  return isWithin(date, cert.validFrom, cert.validTo);
}

/**
 * Grounds for revoking a certificate seen in practice (domain.md §1.5: Đồng Tháp, Vĩnh Phúc,
 * Hà Tĩnh 3763/QĐ-UBND of 18/11/2021, Nghệ An 2023). The exact revocation clause of 148 is
 * UNCONFIRMED, hence OTHER.
 */
export const REVOCATION_REASONS = [
  'EXPIRED_NOT_REEVALUATED',
  'FAILED_REEVALUATION',
  'PROCESS_NONCOMPLIANCE',
  'FOOD_SAFETY',
  'PRODUCT_CHANGED',
  'CEASED_OPERATION',
  'OTHER',
] as const;

export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export const REVOCATION_REASON_LABELS: Record<RevocationReason, { vi: string; en: string }> = {
  EXPIRED_NOT_REEVALUATED: {
    vi: 'Hết thời hạn 36 tháng nhưng không đánh giá lại',
    en: 'Not re-evaluated within 36 months',
  },
  FAILED_REEVALUATION: {
    vi: 'Đánh giá lại không đạt (không đáp ứng tiêu chí bắt buộc)',
    en: 'Failed re-evaluation (mandatory criteria not met)',
  },
  PROCESS_NONCOMPLIANCE: {
    vi: 'Sản xuất không đúng quy trình đã đăng ký',
    en: 'Production does not follow the declared process',
  },
  FOOD_SAFETY: {
    vi: 'Vi phạm điều kiện an toàn thực phẩm',
    en: 'Food-safety violation',
  },
  PRODUCT_CHANGED: {
    vi: 'Sản phẩm không còn đúng chất lượng, bao bì như khi được công nhận',
    en: 'Product no longer made to the certified quality or packaging',
  },
  CEASED_OPERATION: {
    vi: 'Chủ thể ngừng hoạt động',
    en: 'Producer ceased operating',
  },
  OTHER: {
    vi: 'Lý do khác',
    en: 'Other reason',
  },
};

export function isRevocationReason(s: unknown): s is RevocationReason {
  return typeof s === 'string' && (REVOCATION_REASONS as readonly string[]).includes(s);
}
