import { describe, it, expect } from 'vitest';
import {
  PRODUCER_KINDS,
  PRODUCER_KIND_LABELS,
  isProducerKind,
  isValidTaxCode,
  taxCodeCheckDigit,
} from './producers.ts';

describe('producer kinds', () => {
  it('DN, HTX, THT, HKD with Vietnamese names', () => {
    expect(PRODUCER_KINDS).toEqual(['DN', 'HTX', 'THT', 'HKD']);
    expect(PRODUCER_KINDS.map((k) => PRODUCER_KIND_LABELS[k].vi)).toEqual([
      'Doanh nghiệp',
      'Hợp tác xã',
      'Tổ hợp tác',
      'Hộ kinh doanh',
    ]);
  });

  it.each([
    ['HTX', true],
    ['htx', false],
    ['CTY', false],
    [undefined, false],
  ])('isProducerKind(%j) → %s', (s, expected) => {
    expect(isProducerKind(s)).toBe(expected);
  });
});

describe('taxCodeCheckDigit', () => {
  it.each([
    ['010010910', 6], // Viettel
    ['030058856', 9], // Vinamilk
    ['010124814', 1], // FPT
    ['010023348', 8],
    ['031440905', 8],
    ['010011243', 7],
    ['031268787', 8],
    ['000000000', null], // sum 0 → 10: no valid tenth digit
  ])('%s → %s', (nine, check) => {
    expect(taxCodeCheckDigit(nine)).toBe(check);
  });

  it('rejects anything but nine digits', () => {
    expect(() => taxCodeCheckDigit('01001091')).toThrow(RangeError);
  });
});

describe('isValidTaxCode', () => {
  it.each([
    ['0100109106', true],
    ['0300588569', true],
    ['0101248141', true],
    ['0100233488', true],
    ['0314409058-002', true],
    ['0312687878-001', true],
    ['0100233480', false], // wrong check digit
    ['0100109107', false],
    ['0314409058-000', false], // branch 000
    ['0314409058002', false], // branch without the dash
    ['0314409058-02', false],
    ['010010910', false], // nine digits
    ['01001091060', false], // eleven digits
    ['0100109106 ', false],
    ['01.00.109.106', false],
    ['5100000000', false], // sequence all zeros
    ['079012345678', false], // 12-digit personal ID: not accepted here
    ['', false],
  ])('%j → %s', (s, expected) => {
    expect(isValidTaxCode(s)).toBe(expected);
  });
});
