import { describe, it, expect } from 'vitest';
import { mayIssueCodes } from './issuance.ts';
import type { IssuanceInput, IssuanceRefusal } from './issuance.ts';
import type { CertificateValidity } from './validity.ts';

const cert: CertificateValidity = {
  status: 'active',
  validFrom: '2023-08-31',
  validTo: '2026-08-31',
  revokedAt: null,
};

const active = (producedOn: string) => ({ producedOn, status: 'active' as const });

describe('mayIssueCodes', () => {
  const cases: [string, IssuanceInput, IssuanceRefusal | null][] = [
    ['valid on both days', { certificate: cert, batch: active('2025-05-01'), today: '2025-05-02' }, null],
    [
      'made and issued on the first valid day',
      { certificate: cert, batch: active('2023-08-31'), today: '2023-08-31' },
      null,
    ],
    [
      'made and issued on the last valid day',
      { certificate: cert, batch: active('2026-08-31'), today: '2026-08-31' },
      null,
    ],
    [
      'issued the day after the last valid day',
      { certificate: cert, batch: active('2026-08-31'), today: '2026-09-01' },
      'certificate_expired',
    ],
    [
      'made the day before validFrom',
      { certificate: cert, batch: active('2023-08-30'), today: '2023-09-05' },
      'not_valid_on_production_date',
    ],
    [
      'made and issued before validFrom',
      { certificate: cert, batch: active('2023-08-01'), today: '2023-08-02' },
      'not_valid_on_production_date',
    ],
    [
      'no certificate',
      { certificate: null, batch: active('2025-05-01'), today: '2025-05-02' },
      'no_certificate',
    ],
    [
      'recalled batch wins over everything',
      { certificate: null, batch: { producedOn: '2030-01-01', status: 'recalled' }, today: '2025-05-02' },
      'batch_recalled',
    ],
    [
      'production date tomorrow',
      { certificate: cert, batch: active('2025-05-03'), today: '2025-05-02' },
      'produced_in_future',
    ],
    [
      'revoked before production',
      {
        certificate: { ...cert, status: 'revoked', revokedAt: '2025-01-01' },
        batch: active('2025-05-01'),
        today: '2025-05-02',
      },
      'certificate_revoked',
    ],
    [
      'revoked after production, before issue: revocation takes effect at once',
      {
        certificate: { ...cert, status: 'revoked', revokedAt: '2025-05-02' },
        batch: active('2025-05-01'),
        today: '2025-05-02',
      },
      'certificate_revoked',
    ],
    [
      'revocation dated after today (not yet in effect)',
      {
        certificate: { ...cert, status: 'revoked', revokedAt: '2025-05-03' },
        batch: active('2025-05-01'),
        today: '2025-05-02',
      },
      null,
    ],
    [
      'revoked without a date',
      { certificate: { ...cert, status: 'revoked' }, batch: active('2025-05-01'), today: '2025-05-02' },
      'certificate_revoked',
    ],
    [
      'revoked and expired: revocation reported',
      {
        certificate: { ...cert, status: 'revoked', revokedAt: '2026-10-01' },
        batch: active('2026-08-01'),
        today: '2026-10-05',
      },
      'certificate_revoked',
    ],
    [
      'superseded but within its dates: batch made under it',
      { certificate: { ...cert, status: 'superseded' }, batch: active('2026-06-01'), today: '2026-07-01' },
      null,
    ],
    [
      'superseded and past its end',
      { certificate: { ...cert, status: 'superseded' }, batch: active('2026-06-01'), today: '2026-09-01' },
      'certificate_expired',
    ],
    [
      'leap-year certificate, last day',
      {
        certificate: { ...cert, validFrom: '2024-02-29', validTo: '2027-02-28' },
        batch: active('2027-02-28'),
        today: '2027-02-28',
      },
      null,
    ],
    [
      'leap-year certificate, next day',
      {
        certificate: { ...cert, validFrom: '2024-02-29', validTo: '2027-02-28' },
        batch: active('2027-02-28'),
        today: '2027-03-01',
      },
      'certificate_expired',
    ],
  ];

  it.each(cases)('%s', (_name, input, reason) => {
    const decision = mayIssueCodes(input);
    if (reason === null) {
      expect(decision).toEqual({ ok: true });
    } else {
      expect(decision.ok).toBe(false);
      if (!decision.ok) {
        expect(decision.reason).toBe(reason);
        expect(decision.message.length).toBeGreaterThan(0);
        expect(decision.messageEn.length).toBeGreaterThan(0);
      }
    }
  });

  it('explains in Vietnamese with dates', () => {
    const decision = mayIssueCodes({ certificate: cert, batch: active('2023-08-30'), today: '2023-09-05' });
    expect(decision).toEqual({
      ok: false,
      reason: 'not_valid_on_production_date',
      message:
        'Giấy chứng nhận OCOP không có hiệu lực vào ngày sản xuất 2023-08-30 (hiệu lực từ 2023-08-31 đến 2026-08-31).',
      messageEn:
        'The OCOP certificate was not valid on the production date 2023-08-30 (valid 2023-08-31 to 2026-08-31).',
    });
  });

  it.each([
    [{ certificate: cert, batch: active('2025-05-01'), today: '02/05/2025' }],
    [{ certificate: cert, batch: active('2025-02-30'), today: '2025-05-02' }],
  ])('rejects malformed dates %#', (input) => {
    expect(() => mayIssueCodes(input)).toThrow(RangeError);
  });
});
