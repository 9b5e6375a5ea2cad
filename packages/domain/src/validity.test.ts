import { describe, it, expect } from 'vitest';
import {
  CERTIFICATE_VALIDITY_MONTHS,
  REVOCATION_REASONS,
  REVOCATION_REASON_LABELS,
  RENEWAL_NOTICE_DAYS,
  certificateStateOn,
  certificateValidTo,
  daysUntilExpiry,
  isRenewalDue,
  isRevocationReason,
  isValidOn,
  renewalDueOn,
  revokedOn,
  wasValidOn,
} from './validity.ts';
import type { CertificateState, CertificateValidity } from './validity.ts';

describe('constants', () => {
  it('36 months, 30 days', () => {
    expect(CERTIFICATE_VALIDITY_MONTHS).toBe(36);
    expect(RENEWAL_NOTICE_DAYS).toBe(30);
  });
});

describe('certificateValidTo (last valid day, inclusive)', () => {
  it.each([
    ['2023-08-31', '2026-08-31'],
    ['2023-02-24', '2026-02-24'],
    ['2024-02-29', '2027-02-28'],
    ['2023-02-28', '2026-02-28'],
    ['2025-02-28', '2028-02-28'],
    ['2021-02-28', '2024-02-28'],
    ['2025-07-06', '2028-07-06'],
    ['2025-12-31', '2028-12-31'],
    ['2022-11-30', '2025-11-30'],
  ])('decision %s → valid through %s', (decision, validTo) => {
    expect(certificateValidTo(decision)).toBe(validTo);
  });

  it('rejects a non-date', () => {
    expect(() => certificateValidTo('2023-02-29')).toThrow(RangeError);
  });
});

describe('renewal', () => {
  it.each([
    ['2026-08-31', '2026-08-01'],
    ['2027-02-28', '2027-01-29'],
    ['2028-03-01', '2028-01-31'],
    ['2024-03-30', '2024-02-29'],
  ])('renewalDueOn(%s) = %s', (validTo, due) => {
    expect(renewalDueOn(validTo)).toBe(due);
  });

  it.each([
    // [validTo, today, due?, daysLeft]
    ['2026-08-31', '2026-07-31', false, 31],
    ['2026-08-31', '2026-08-01', true, 30],
    ['2026-08-31', '2026-08-02', true, 29],
    ['2026-08-31', '2026-08-31', true, 0],
    ['2026-08-31', '2026-09-01', false, -1],
    ['2026-08-31', '2024-01-01', false, 973],
  ])('validTo %s, today %s → due %s (%i days left)', (validTo, today, due, left) => {
    expect(isRenewalDue(validTo, today)).toBe(due);
    expect(daysUntilExpiry(validTo, today)).toBe(left);
  });

  it.each([
    ['2026-08-31', '2026-07-02', 60, true],
    ['2026-08-31', '2026-07-01', 60, false],
    ['2026-08-31', '2026-08-30', 0, false],
    ['2026-08-31', '2026-08-31', 0, true],
  ])('custom window: validTo %s, today %s, within %i → %s', (validTo, today, within, due) => {
    expect(isRenewalDue(validTo, today, within)).toBe(due);
  });
});

const base: CertificateValidity = {
  status: 'active',
  validFrom: '2023-08-31',
  validTo: '2026-08-31',
  revokedAt: null,
};

describe('certificateStateOn / isValidOn / wasValidOn', () => {
  type Case = [string, CertificateValidity, string, CertificateState, boolean];
  const cases: Case[] = [
    ['active, day before validFrom', base, '2023-08-30', 'not_yet_valid', false],
    ['active, first day', base, '2023-08-31', 'valid', true],
    ['active, last day', base, '2026-08-31', 'valid', true],
    ['active, day after', base, '2026-09-01', 'expired', false],
    ['superseded within dates', { ...base, status: 'superseded' }, '2025-01-01', 'superseded', true],
    ['superseded after its end', { ...base, status: 'superseded' }, '2026-09-01', 'expired', false],
    [
      'revoked on a date: before it',
      { ...base, status: 'revoked', revokedAt: '2025-03-10' },
      '2025-03-09',
      'valid',
      true,
    ],
    [
      'revoked on a date: that day',
      { ...base, status: 'revoked', revokedAt: '2025-03-10' },
      '2025-03-10',
      'revoked',
      false,
    ],
    [
      'revoked: wins over expiry',
      { ...base, status: 'revoked', revokedAt: '2025-03-10' },
      '2027-01-01',
      'revoked',
      false,
    ],
    [
      'revoked by timestamp, late evening UTC = next Vietnamese day',
      { ...base, status: 'revoked', revokedAt: '2025-03-09T17:30:00Z' },
      '2025-03-09',
      'valid',
      true,
    ],
    [
      'revoked by timestamp, that Vietnamese day',
      { ...base, status: 'revoked', revokedAt: '2025-03-09T17:30:00Z' },
      '2025-03-10',
      'revoked',
      false,
    ],
    [
      'revoked without a date: revoked from the start',
      { ...base, status: 'revoked' },
      '2023-09-01',
      'revoked',
      false,
    ],
    [
      'unreadable revokedAt: revoked from the start',
      { ...base, status: 'revoked', revokedAt: 'last spring' },
      '2023-09-01',
      'revoked',
      false,
    ],
    [
      'revoked after expiry (EXPIRED_NOT_REEVALUATED): between end and revocation',
      { ...base, status: 'revoked', revokedAt: '2026-10-15' },
      '2026-09-15',
      'expired',
      false,
    ],
    [
      'revoked before it started',
      { ...base, status: 'revoked', revokedAt: '2023-08-01' },
      '2023-08-15',
      'revoked',
      false,
    ],
  ];

  it.each(cases)('%s', (_name, cert, date, state, historicallyValid) => {
    expect(certificateStateOn(cert, date)).toBe(state);
    expect(isValidOn(cert, date)).toBe(state === 'valid');
    expect(wasValidOn(cert, date)).toBe(historicallyValid);
  });

  it('rejects malformed dates', () => {
    expect(() => certificateStateOn(base, '2025-02-29')).toThrow(RangeError);
    expect(() => wasValidOn({ ...base, validTo: '31/08/2026' }, '2025-01-01')).toThrow(RangeError);
  });

  it.each<[CertificateValidity, string | null]>([
    [base, null],
    [{ ...base, status: 'revoked', revokedAt: '2025-03-10' }, '2025-03-10'],
    [{ ...base, status: 'revoked' }, '2023-08-31'],
    [{ ...base, status: 'active', revokedAt: '2025-03-10' }, '2025-03-10'],
  ])('revokedOn %j → %s', (cert, expected) => {
    expect(revokedOn(cert)).toBe(expected);
  });
});

describe('revocation reasons', () => {
  it('lists the seven reasons with both labels', () => {
    expect(REVOCATION_REASONS).toEqual([
      'EXPIRED_NOT_REEVALUATED',
      'FAILED_REEVALUATION',
      'PROCESS_NONCOMPLIANCE',
      'FOOD_SAFETY',
      'PRODUCT_CHANGED',
      'CEASED_OPERATION',
      'OTHER',
    ]);
    for (const r of REVOCATION_REASONS) {
      expect(REVOCATION_REASON_LABELS[r].vi.length).toBeGreaterThan(0);
      expect(REVOCATION_REASON_LABELS[r].en.length).toBeGreaterThan(0);
    }
    expect(REVOCATION_REASON_LABELS.CEASED_OPERATION.vi).toBe('Chủ thể ngừng hoạt động');
  });

  it.each([
    ['FOOD_SAFETY', true],
    ['OTHER', true],
    ['food_safety', false],
    ['', false],
    [3, false],
  ])('isRevocationReason(%j) → %s', (value, expected) => {
    expect(isRevocationReason(value)).toBe(expected);
  });
});
