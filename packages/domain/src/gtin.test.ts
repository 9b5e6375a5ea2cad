import { describe, it, expect } from 'vitest';
import { gtinCheckDigit, isValidGtin, isVietnameseGtin, toGtin14 } from './gtin.ts';

// Check digits below were computed (weights 3,1,3,… from the right), not copied. For 893458801310:
// 0·3 + 1·1 + 3·3 + 1·1 + 0·3 + 8·1 + 8·3 + 5·1 + 4·3 + 3·1 + 9·3 + 8·1 = 98, so the check digit is 2.
describe('gtinCheckDigit', () => {
  it.each([
    ['893458801310', 2],
    ['400638133393', 1],
    ['9638507', 4],
    ['03600029145', 2],
    ['0000000000000', 0],
    ['1893458801310', 9],
  ])('%s → %i', (body, check) => {
    expect(gtinCheckDigit(body)).toBe(check);
  });

  it.each([[''], ['12a4'], [' 123']])('rejects %j', (body) => {
    expect(() => gtinCheckDigit(body)).toThrow(RangeError);
  });
});

describe('isValidGtin', () => {
  it.each([
    ['8934588013102', true], // GTIN-13, GS1 Vietnam
    ['4006381333931', true], // EAN-13, a widely used valid example
    ['96385074', true], // GTIN-8
    ['036000291452', true], // UPC-A
    ['18934588013109', true], // GTIN-14, indicator 1
    ['08934588013102', true], // GTIN-13 padded to 14
    ['8934588013103', false], // wrong check digit
    ['4006381333932', false],
    ['96385075', false],
    ['036000291453', false],
    ['893458801310', false], // 12 digits, check digit wrong for a UPC-A
    ['12345', false], // wrong length
    ['123456789012345', false], // 15 digits
    ['8934588 013102', false],
    ['893458801310X', false],
    ['', false],
  ])('%j → %s', (s, expected) => {
    expect(isValidGtin(s)).toBe(expected);
  });
});

describe('toGtin14', () => {
  it.each([
    ['8934588013102', '08934588013102'],
    ['96385074', '00000096385074'],
    ['036000291452', '00036000291452'],
    ['18934588013109', '18934588013109'],
  ])('%s → %s', (s, expected) => {
    expect(toGtin14(s)).toBe(expected);
    expect(isValidGtin(expected)).toBe(true);
  });

  it('rejects an invalid GTIN', () => {
    expect(() => toGtin14('8934588013103')).toThrow(RangeError);
  });
});

describe('isVietnameseGtin', () => {
  it.each([
    ['8934588013102', true],
    ['08934588013102', true],
    ['18934588013109', true],
    ['4006381333931', false],
    ['036000291452', false],
    ['96385074', false],
    ['8934588013103', false], // 893 but invalid check digit
  ])('%s → %s', (s, expected) => {
    expect(isVietnameseGtin(s)).toBe(expected);
  });
});
