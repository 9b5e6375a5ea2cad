import { describe, it, expect } from 'vitest';
import { ZONE_SCHEMES, ZONE_SCHEME_LABELS, checkZoneCode, isZoneScheme } from './zones.ts';
import type { ZoneScheme } from './zones.ts';

describe('zone schemes', () => {
  it('are the five schemes with both labels', () => {
    expect(ZONE_SCHEMES).toEqual(['VUNG_TRONG', 'VUNG_TRONG_XK', 'NUOI_TRONG_THUY_SAN', 'CA_TRA', 'OTHER']);
    for (const s of ZONE_SCHEMES) {
      expect(ZONE_SCHEME_LABELS[s].vi).not.toBe('');
      expect(ZONE_SCHEME_LABELS[s].en).not.toBe('');
    }
  });

  it.each([
    ['CA_TRA', true],
    ['ca_tra', false],
    ['', false],
    [null, false],
  ])('isZoneScheme(%j) → %s', (s, expected) => {
    expect(isZoneScheme(s)).toBe(expected);
  });
});

describe('checkZoneCode', () => {
  const cases: [ZoneScheme, string, boolean][] = [
    // 3156/QĐ-BNN-TT, with district (before the 2025 reform)
    ['VUNG_TRONG', 'VN-51-525-21433-01-23', true],
    ['VUNG_TRONG', 'VN-51-525-21433-123-24', true],
    ['VUNG_TRONG_XK', 'VN-51-525-21433-07-22', true],
    ['VUNG_TRONG', 'VN-51-525-21433-00-23', false], // sequence starts at 01
    ['VUNG_TRONG', 'VN-51-525-21433-1-23', false], // sequence has at least two digits
    ['VUNG_TRONG', 'VN-00-525-21433-01-23', false],
    ['VUNG_TRONG', 'VN-51-000-21433-01-23', false],
    ['VUNG_TRONG', 'VN-51-525-00000-01-23', false],
    ['VUNG_TRONG', 'VN-51-52-21433-01-23', false], // district is 3 digits
    ['VUNG_TRONG', 'VN-51-525-2143-01-23', false], // commune is 5 digits
    ['VUNG_TRONG', 'VN-51-525-21433-01-2023', false], // YY only
    ['VUNG_TRONG', 'vn-51-525-21433-01-23', false],
    ['VUNG_TRONG', 'VN 51 525 21433 01 23', false],
    ['VUNG_TRONG', 'VN-51-525-21433-01-23 ', false],
    // after 2025, without the district segment
    ['VUNG_TRONG', 'VN-51-21433-01-25', true],
    ['VUNG_TRONG_XK', 'VN-51-21433-015-26', true],
    ['VUNG_TRONG', 'VN-51-21433-00-25', false],
    ['VUNG_TRONG', 'VN-51-21433-25', false],
    // cá tra, Nghị định 55/2017/NĐ-CP
    ['CA_TRA', '87-01-0001-001', true],
    ['CA_TRA', '87-01-9999-999', true],
    ['CA_TRA', '87010001001', true],
    ['CA_TRA', '87-02-0001-001', false], // 01 = cá tra
    ['CA_TRA', '87-01-0000-001', false],
    ['CA_TRA', '87-01-0001-000', false],
    ['CA_TRA', '00-01-0001-001', false],
    ['CA_TRA', '87-01-00010-01', false],
    ['CA_TRA', '87-010001-001', false], // dashes all or none
    ['CA_TRA', '8701000100', false], // 10 digits
    // free-form schemes
    ['NUOI_TRONG_THUY_SAN', 'QNg-NT-0012', true],
    ['OTHER', 'Vùng tỏi Lý Sơn số 3', true],
    ['OTHER', 'x'.repeat(64), true],
    ['OTHER', 'x'.repeat(65), false],
    ['OTHER', 'ố'.repeat(64), true], // length counts characters
    ['OTHER', '', false],
    ['OTHER', '   ', false],
    ['OTHER', 'ABC\n123', false],
    ['OTHER', 'ABC\u0000', false],
    ['OTHER', 'AB\u200BC', false], // zero-width space
    ['NUOI_TRONG_THUY_SAN', ' QNg-01', false],
  ];

  it.each(cases)('%s %j → %s', (scheme, code, ok) => {
    const result = checkZoneCode(scheme, code);
    expect(result.ok).toBe(ok);
    if (!result.ok) {
      expect(result.message).not.toBe('');
      expect(result.messageEn).not.toBe('');
    }
  });

  it('rejects an unknown scheme', () => {
    expect(checkZoneCode('NOPE' as ZoneScheme, 'abc').ok).toBe(false);
  });

  it('explains the species segment', () => {
    expect(checkZoneCode('CA_TRA', '87-02-0001-001')).toEqual({
      ok: false,
      message: 'Mã loài trong mã số ao nuôi cá tra phải là 01 (nhận được 02).',
      messageEn: 'The species segment of a pangasius pond code must be 01 (got 02).',
    });
  });
});
