import { describe, it, expect } from 'vitest';
import {
  CERTIFYING_PERIODS,
  certifyingLevel,
  certifyingPeriodOn,
  checkCertifyingLevel,
  defaultAuthority,
} from './levels.ts';
import type { CertifyingLevel, CertifyingPeriod } from './levels.ts';
import { addDays } from './dates.ts';

describe('CERTIFYING_PERIODS', () => {
  it('leave no gap and no overlap between periods', () => {
    for (let i = 1; i < CERTIFYING_PERIODS.length; i++) {
      const prev = CERTIFYING_PERIODS[i - 1]!;
      const next = CERTIFYING_PERIODS[i]!;
      expect(prev.to).not.toBeNull();
      expect(addDays(prev.to!, 1)).toBe(next.from);
    }
    expect(CERTIFYING_PERIODS.at(-1)!.to).toBeNull();
  });

  it.each([
    ['2019-08-21', '1048/QĐ-TTg'],
    ['2023-02-23', '1048/QĐ-TTg'],
    ['2023-02-24', '148/QĐ-TTg'],
    ['2025-07-05', '148/QĐ-TTg'],
    ['2025-07-06', '1489/QĐ-TTg'],
  ])('period on %s is %s', (date, basis) => {
    expect(certifyingPeriodOn(date)?.basis).toBe(basis);
  });
});

describe('certifyingLevel', () => {
  it.each([
    // before any OCOP criteria
    ['2019-08-20', 3, null],
    // 1048
    ['2019-08-21', 3, 'province'],
    ['2023-02-23', 3, 'province'],
    ['2023-02-23', 4, 'province'],
    ['2023-02-23', 5, 'central'],
    // 148
    ['2023-02-24', 3, 'district'],
    ['2023-02-24', 4, 'province'],
    ['2023-02-24', 5, 'central'],
    ['2025-07-05', 3, 'district'],
    ['2025-07-05', 4, 'province'],
    // 1489
    ['2025-07-06', 3, 'province'],
    ['2025-07-06', 4, 'province'],
    ['2025-07-06', 5, 'central'],
    ['2030-01-01', 3, 'province'],
    // not certifiable
    ['2024-01-01', 2, null],
    ['2024-01-01', 1, null],
    ['2024-01-01', 6, null],
    ['2024-01-01', 3.5, null],
  ])('%s, %s★ → %s', (date, stars, level) => {
    expect(certifyingLevel(date, stars)).toBe(level);
  });

  it('rejects a non-date', () => {
    expect(() => certifyingLevel('2025-13-01', 3)).toThrow(RangeError);
  });

  it('reads the periods passed in rather than hard-coded dates', () => {
    const hypothetical: CertifyingPeriod[] = [
      { from: '2030-01-01', to: null, byStars: { 3: 'commune', 4: 'province', 5: 'central' }, basis: 'X' },
    ];
    expect(certifyingLevel('2030-01-01', 3, hypothetical)).toBe('commune');
    expect(certifyingLevel('2029-12-31', 3, hypothetical)).toBeNull();
  });
});

describe('checkCertifyingLevel', () => {
  it.each<[string, number, CertifyingLevel, string | null]>([
    ['2023-02-23', 3, 'province', null],
    ['2023-02-23', 3, 'district', 'certification.level'],
    ['2023-02-24', 3, 'district', null],
    ['2023-02-24', 3, 'province', 'certification.level'],
    ['2025-07-05', 3, 'district', null],
    ['2025-07-06', 3, 'district', 'certification.level'],
    ['2025-07-06', 3, 'province', null],
    ['2025-07-06', 3, 'commune', 'certification.level'],
    ['2024-05-01', 4, 'province', null],
    ['2024-05-01', 4, 'district', 'certification.level'],
    ['2024-05-01', 5, 'central', null],
    ['2024-05-01', 5, 'province', 'certification.level'],
    ['2024-05-01', 2, 'district', 'certification.not_certifiable'],
    ['2018-01-01', 3, 'province', 'certification.no_period'],
    ['01/07/2025', 3, 'province', 'certification.date_invalid'],
  ])('%s, %s★ by %s → %s', (date, stars, level, rule) => {
    expect(checkCertifyingLevel(date, stars, level)?.rule ?? null).toBe(rule);
  });

  it('answers a level it does not know with a violation, not a crash', () => {
    expect(checkCertifyingLevel('2025-08-01', 3, 'ministry' as CertifyingLevel)?.rule).toBe(
      'certification.level',
    );
  });

  it('names the basis and the expected level', () => {
    const v = checkCertifyingLevel('2025-07-06', 3, 'district');
    expect(v?.message).toBe(
      'Theo 1489/QĐ-TTg, sản phẩm 3 sao có quyết định ngày 2025-07-06 do cấp tỉnh công nhận, không phải cấp huyện.',
    );
    expect(v?.messageEn).toContain('province level');
  });
});

describe('defaultAuthority', () => {
  it.each<[CertifyingLevel, string, string, string | undefined, string | null]>([
    ['province', '2025-08-01', 'Quảng Ngãi', undefined, 'UBND tỉnh Quảng Ngãi'],
    ['province', '2025-08-01', '  Quảng Ngãi ', undefined, 'UBND tỉnh Quảng Ngãi'],
    ['province', '2025-08-01', 'Thành phố Đà Nẵng', undefined, 'UBND Thành phố Đà Nẵng'],
    ['province', '2025-08-01', 'tỉnh Kon Tum', undefined, 'UBND tỉnh Kon Tum'],
    ['province', '2025-08-01', '', undefined, null],
    ['district', '2024-03-01', 'Quảng Ngãi', 'Lý Sơn', 'UBND huyện Lý Sơn'],
    ['district', '2024-03-01', 'Quảng Ngãi', 'Thị xã Đức Phổ', 'UBND Thị xã Đức Phổ'],
    ['district', '2024-03-01', 'Quảng Ngãi', undefined, null],
    ['district', '2024-03-01', 'Quảng Ngãi', ' ', null],
    ['central', '2025-02-28', 'Quảng Ngãi', undefined, 'Bộ Nông nghiệp và Phát triển nông thôn'],
    ['central', '2025-03-01', 'Quảng Ngãi', undefined, 'Bộ Nông nghiệp và Môi trường'],
    ['central', '2025-06-26', 'Quảng Ngãi', undefined, 'Bộ Nông nghiệp và Môi trường'],
    ['central', '2020-01-01', 'Quảng Ngãi', undefined, 'Bộ Nông nghiệp và Phát triển nông thôn'],
    ['commune', '2025-08-01', 'Quảng Ngãi', undefined, null],
  ])('%s on %s (%s, %s) → %s', (level, date, province, district, expected) => {
    expect(defaultAuthority(level, date, province, district)).toBe(expected);
  });

  it('rejects a non-date', () => {
    expect(() => defaultAuthority('central', '2025-3-1', 'Quảng Ngãi')).toThrow(RangeError);
  });
});
