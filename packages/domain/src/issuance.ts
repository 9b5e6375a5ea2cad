/**
 * May QR codes be issued for a batch?
 *
 * DESIGN.md (Domain rules): "A code may only be issued for a batch of a product whose certificate
 * is valid on the batch's production date and on the day of issue." A code vouches for stars; a
 * batch made while the product was not certified, or codes minted after the certificate lapsed,
 * would put a false OCOP claim on the pack (1162/QĐ-VPĐP-OCOP: the mark only on a product that is
 * ≥3★ and still valid).
 */
import { compareDates, isIsoDate } from './dates.ts';
import type { IsoDate } from './dates.ts';
import { revokedOn, wasValidOn } from './validity.ts';
import type { CertificateValidity } from './validity.ts';

export type BatchStatus = 'active' | 'recalled';

export interface IssuanceInput {
  /**
   * The product's certificate that covers the batch's production date (an older, since superseded
   * certificate is fine: it still covered what was made under it). Null when the product has none.
   */
  certificate: CertificateValidity | null;
  batch: { producedOn: IsoDate; status: BatchStatus };
  /** The day of issue in Vietnam ({@link todayInVietnam}). */
  today: IsoDate;
}

export type IssuanceRefusal =
  | 'no_certificate'
  | 'certificate_revoked'
  | 'certificate_expired'
  | 'not_valid_on_production_date'
  | 'batch_recalled'
  | 'produced_in_future';

export type IssuanceDecision =
  { ok: true } | { ok: false; reason: IssuanceRefusal; message: string; messageEn: string };

function refuse(reason: IssuanceRefusal, message: string, messageEn: string): IssuanceDecision {
  return { ok: false, reason, message, messageEn };
}

/**
 * Decides whether codes may be issued today. Checks run in a fixed order so the answer is stable:
 * recalled batch, production date in the future, no certificate, revoked (revocation takes effect
 * at once for every code leaning on the certificate), expired on the day of issue, not valid on
 * the production date (made before `validFrom`, or after a revocation).
 *
 * A superseded certificate that is still within its dates passes: re-evaluation replaced it, but
 * it covered the batches made under it. Once its own `validTo` has passed, issue against the new
 * certificate only for batches made under that one.
 * @throws RangeError when a date is not an ISO date.
 */
export function mayIssueCodes(input: IssuanceInput): IssuanceDecision {
  const { certificate, batch, today } = input;
  if (!isIsoDate(today)) throw new RangeError(`today is not an ISO calendar date: ${JSON.stringify(today)}`);
  if (!isIsoDate(batch.producedOn)) {
    throw new RangeError(`producedOn is not an ISO calendar date: ${JSON.stringify(batch.producedOn)}`);
  }

  if (batch.status === 'recalled') {
    return refuse(
      'batch_recalled',
      'Lô hàng đã bị thu hồi, không được cấp mã.',
      'The batch has been recalled; no codes may be issued.',
    );
  }
  if (compareDates(batch.producedOn, today) > 0) {
    return refuse(
      'produced_in_future',
      `Ngày sản xuất ${batch.producedOn} sau ngày hôm nay (${today}).`,
      `Production date ${batch.producedOn} is after today (${today}).`,
    );
  }
  if (certificate === null) {
    return refuse(
      'no_certificate',
      'Sản phẩm chưa có giấy chứng nhận OCOP, không được cấp mã.',
      'The product has no OCOP certificate; no codes may be issued.',
    );
  }
  const revoked = revokedOn(certificate);
  if (revoked !== null && compareDates(revoked, today) <= 0) {
    return refuse(
      'certificate_revoked',
      `Giấy chứng nhận OCOP đã bị thu hồi từ ngày ${revoked}.`,
      `The OCOP certificate was revoked on ${revoked}.`,
    );
  }
  if (compareDates(today, certificate.validTo) > 0) {
    return refuse(
      'certificate_expired',
      `Giấy chứng nhận OCOP đã hết hiệu lực sau ngày ${certificate.validTo}; cần đánh giá lại trước khi cấp mã.`,
      `The OCOP certificate expired after ${certificate.validTo}; it must be re-evaluated before codes are issued.`,
    );
  }
  if (!wasValidOn(certificate, batch.producedOn)) {
    return refuse(
      'not_valid_on_production_date',
      `Giấy chứng nhận OCOP không có hiệu lực vào ngày sản xuất ${batch.producedOn} (hiệu lực từ ${certificate.validFrom} đến ${certificate.validTo}).`,
      `The OCOP certificate was not valid on the production date ${batch.producedOn} (valid ${certificate.validFrom} to ${certificate.validTo}).`,
    );
  }
  return { ok: true };
}
